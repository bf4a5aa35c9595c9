package kmeans

import (
	"math"
	"math/rand/v2"
)

// kmeansPP writes k initial centres chosen by greedy k-means++
// (scikit-learn's _kmeans_plusplus, with sample weights as in scikit-learn
// >= 1.3): the first centre is a row drawn with probability proportional to
// its weight; each further centre is the best of 2 + floor(ln k) candidates
// drawn with probability proportional to w * D^2 (D the distance to the
// nearest chosen centre), "best" meaning the candidate that leaves the
// smallest potential sum(w * D^2). closest is scratch space for n values.
//
// Each centre costs one pass over X: the pass first folds the previous
// centre into closest, then evaluates the candidates; the candidates are
// drawn before that pass, so the draw applies the pending centre on the fly.
func (p *problem) kmeansPP(rng *rand.Rand, out, closest []float64) {
	n, d, k := p.n, p.d, p.k
	trials := 2 + int(math.Log(float64(k)))
	pass := ppPassFunc(d)
	chunkPot := make([]float64, p.nChunks)        // sum of w*D^2 per chunk
	trialPot := make([]float64, p.nChunks*trials) // per chunk and candidate

	// First centre: drawn by weight.
	first := 0
	if p.w == nil {
		first = rng.IntN(n)
	} else {
		for c := range p.nChunks {
			lo, hi := p.chunk(c)
			chunkPot[c] = sum(p.w[lo:hi])
		}
		first = p.pick(rng.Float64()*sum(chunkPot), chunkPot, func(i int) float64 { return p.w[i] })
	}
	copy(out[:d], p.x[first*d:first*d+d])
	run := func(prev, cand []float64, nt int) {
		forChunks(p.nChunks, p.workers, func(_, c int) {
			lo, hi := p.chunk(c)
			tp := trialPot[c*trials : c*trials+nt]
			clear(tp)
			var w []float64
			if p.w != nil {
				w = p.w[lo:hi]
			}
			pass(p.x[lo*d:hi*d], w, closest[lo:hi], prev, cand, tp)
		})
	}
	for i := range closest {
		closest[i] = math.Inf(1)
	}
	run(out[:d], out[:d], 1)
	for c := range p.nChunks {
		chunkPot[c] = trialPot[c*trials]
	}

	var pending []float64 // chosen centre not yet folded into closest
	mass := func(i int) float64 {
		ci := closest[i]
		if pending != nil {
			ci = min(ci, p.sqDist(p.x[i*d:i*d+d], pending))
		}
		return p.weight(i) * ci
	}
	cand := make([]float64, trials*d)
	for j := 1; j < k; j++ {
		pot := sum(chunkPot)
		nt := trials
		if pot > 0 {
			for t := range trials {
				ci := p.pick(rng.Float64()*pot, chunkPot, mass)
				copy(cand[t*d:t*d+d], p.x[ci*d:ci*d+d])
			}
		} else {
			// Every weighted row sits on a centre: take the farthest row
			// (zero-weight rows can still be distinct).
			best, far := 0, -1.0
			for i := range n {
				ci := closest[i]
				if pending != nil {
					ci = min(ci, p.sqDist(p.x[i*d:i*d+d], pending))
				}
				if ci > far {
					best, far = i, ci
				}
			}
			copy(cand[:d], p.x[best*d:best*d+d])
			nt = 1
		}
		run(pending, cand, nt)
		bestT, bestPot := 0, math.Inf(1)
		for t := range nt {
			s := 0.0
			for c := range p.nChunks {
				s += trialPot[c*trials+t]
			}
			if s < bestPot {
				bestT, bestPot = t, s
			}
		}
		cj := out[j*d : j*d+d]
		copy(cj, cand[bestT*d:bestT*d+d])
		for c := range p.nChunks {
			chunkPot[c] = trialPot[c*trials+bestT]
		}
		pending = cj
	}
}

// pick returns the row at which the running sum of mass(i) first exceeds r,
// using the per-chunk totals to skip whole chunks. Rows with zero mass are
// never picked; if rounding leaves r beyond the total, the last row with
// positive mass is returned.
func (p *problem) pick(r float64, chunkTotals []float64, mass func(i int) float64) int {
	acc := 0.0
	last := -1
	for c, tot := range chunkTotals {
		if tot > 0 {
			last = c
		}
		if acc+tot <= r {
			acc += tot
			continue
		}
		lo, hi := p.chunk(c)
		lastRow := -1
		for i := lo; i < hi; i++ {
			m := mass(i)
			if m <= 0 {
				continue
			}
			lastRow = i
			acc += m
			if acc > r {
				return i
			}
		}
		if lastRow >= 0 {
			return lastRow
		}
	}
	if last >= 0 {
		lo, hi := p.chunk(last)
		for i := hi - 1; i >= lo; i-- {
			if mass(i) > 0 {
				return i
			}
		}
	}
	return 0
}

// randomInit writes k centres taken from rows drawn uniformly without
// replacement (a lazy Fisher-Yates shuffle), skipping rows whose values
// equal an already chosen centre, so the k centres are distinct.
func (p *problem) randomInit(rng *rand.Rand, out []float64) {
	n, d, k := p.n, p.d, p.k
	swapped := make(map[int]int)
	at := func(i int) int {
		if v, ok := swapped[i]; ok {
			return v
		}
		return i
	}
	chosen := 0
	for i := 0; i < n && chosen < k; i++ {
		j := i + rng.IntN(n-i)
		ri, rj := at(i), at(j)
		swapped[i], swapped[j] = rj, ri
		row := p.x[rj*d : rj*d+d]
		dup := false
		for c := range chosen {
			if rowsEqual(row, out[c*d:c*d+d]) {
				dup = true
				break
			}
		}
		if !dup {
			copy(out[chosen*d:chosen*d+d], row)
			chosen++
		}
	}
}

// sum returns the sum of v in order.
func sum(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s
}
