package kmeans

import (
	"math"
	"sort"
)

// solver runs single k-means runs (Lloyd, Hamerly or Elkan) on a problem,
// keeping its buffers across restarts.
//
// Centre sums are maintained incrementally: sumS[j] is the weighted sum of
// the rows labelled j, updated each iteration with the rows whose label changed
// (per-chunk deltas folded in chunk order, rows in index order). The three
// algorithms produce the same label sequence, hence the same sequence of
// floating-point updates: their centres are bitwise identical, and do not
// depend on the number of workers. Integer counts detect empty clusters
// exactly (and reset their sums to exact zeros).
type solver struct {
	p    *problem
	algo string
	k    int

	c, cNew []float64 // centres and next centres
	ctr     []float64 // -2 (c - mean)
	cn      []float64 // ||c - mean||^2 + 2 mean.(c - mean)
	cb      []float64 // Lloyd: ctr and cn packed for the vector kernel
	shift   []float64 // per-centre shift of the last update
	lab     []int32

	sumS, sumW []float64 // label-consistent weighted sums and weights
	cnt        []int     // rows with positive weight per label
	wsum       []float64 // centre weights after relocation
	part       []float64 // per-chunk deltas: k*d sums then k weights
	pcnt       []int     // per-chunk count deltas
	changed    []int     // per-chunk number of changed labels
	dirty      []bool    // per-chunk: deltas present
	scratch    []scratch
	fresh      bool // first assignment of a run (labels are -1)

	// Hamerly and Elkan.
	margin float64   // safety margin of the bound tests (see setMargin)
	ub     []float64 // upper bound on the distance to the assigned centre
	lb     []float64 // Hamerly: n lower bounds; Elkan: n x k lower bounds
	half   []float64 // Elkan: k x k half distances between centres
	info   []centreInfo
}

// centreInfo holds the per-centre values of Hamerly's bound tests.
type centreInfo struct {
	shift float64 // distance moved by the centre in the last update
	dec   float64 // decrease of the lower bound of rows labelled j
	half  float64 // half distance to the nearest other centre
}

// scratch is the per-worker buffer space, sized for one chunk.
type scratch struct {
	moved     []int32 // chunk rows whose label changed, in row order
	movedFrom []int32 // their previous labels
	rows      []int32 // Hamerly: rows needing work
	labs      []int32 // their labels
	best      []int32
	d1s, d2s  []float64
	sink      float64 // keeps the loads of touchRows alive
}

// runResult is the outcome of one run; the labels are in solver.lab.
type runResult struct {
	centres   []float64 // aliases solver memory
	inertia   float64   // set by the caller when comparing restarts
	iters     int
	converged bool
}

// partStride returns the length of one chunk's partial-sum block, padded to
// a cache line so that chunks written by different workers do not share one.
func partStride(k, d int) int { return (k*(d+1) + 7) &^ 7 }

// newSolver allocates the buffers of algo for p.
func newSolver(p *problem, algo string) *solver {
	k, d, n := p.k, p.d, p.n
	s := &solver{
		p: p, algo: algo, k: k,
		c: make([]float64, k*d), cNew: make([]float64, k*d),
		ctr: make([]float64, k*d), cn: make([]float64, k),
		shift: make([]float64, k), lab: make([]int32, n),
		sumS: make([]float64, k*d), sumW: make([]float64, k), cnt: make([]int, k),
		wsum:    make([]float64, k),
		part:    make([]float64, p.nChunks*partStride(k, d)),
		pcnt:    make([]int, p.nChunks*k),
		changed: make([]int, p.nChunks),
		dirty:   make([]bool, p.nChunks),
		scratch: make([]scratch, p.workers),
		info:    make([]centreInfo, k),
	}
	r := p.rows
	for w := range s.scratch {
		sc := &s.scratch[w]
		sc.moved, sc.movedFrom = make([]int32, 0, r), make([]int32, 0, r)
		if algo == AlgoHamerly {
			sc.rows, sc.labs, sc.best = make([]int32, r), make([]int32, r), make([]int32, r)
			sc.d1s, sc.d2s = make([]float64, r), make([]float64, r)
		}
	}
	switch algo {
	case AlgoHamerly:
		s.ub = make([]float64, n)
		s.lb = make([]float64, n)
	case AlgoElkan:
		p.norms()
		s.ub = make([]float64, n)
		s.lb = make([]float64, n*k)
		s.half = make([]float64, k*k)
	}
	return s
}

// run performs one k-means run from the initial centres init, following
// scikit-learn's _kmeans_single_lloyd: each iteration assigns labels with
// the current centres, moves the centres to the weighted means (re-seeding
// empty clusters), and stops on unchanged labels (strict convergence), on a
// total squared shift <= tolAbs, or at maxIter. Unless the labels were
// stable, a final assignment makes them match the final centres.
func (s *solver) run(init []float64, maxIter int) runResult {
	copy(s.c, init)
	for i := range s.lab {
		s.lab[i] = -1
	}
	clear(s.shift)
	clear(s.sumS)
	clear(s.sumW)
	clear(s.cnt)
	s.fresh = true
	s.setMargin()
	strict, converged := false, false
	iter := 0
	for ; iter < maxIter; iter++ {
		s.prepare()
		changed := s.pass(true)
		s.fresh = false
		s.update()
		s.c, s.cNew = s.cNew, s.c
		if changed == 0 {
			strict, converged = true, true
			break
		}
		tot := 0.0
		for _, v := range s.shift {
			tot += v * v
		}
		if tot <= s.p.tolAbs {
			converged = true
			break
		}
	}
	iters := min(iter+1, maxIter)
	if !strict {
		s.prepare()
		s.pass(false)
	}
	return runResult{centres: s.c, iters: iters, converged: converged}
}

// setMargin sets the safety margin of the bound tests. With A >= ||x||,
// B >= ||c - mean|| and M = ||mean||, the value v of a centre (see problem)
// carries a rounding error below E = 2(d+4) 2^-53 (B^2 + 2MB + 2AB + Rx^2)
// in squared-distance units, so a distance derived from it is within
// sqrt(E) of the truth. Hamerly and Elkan only skip a centre when the bounds
// prove it is farther than the assigned one by more than margin = 4 sqrt(E),
// which guarantees that Lloyd's computed arg-min would not pick it either:
// all algorithms give the same labels.
func (s *solver) setMargin() {
	p := s.p
	d := p.d
	rc := 0.0
	for j := range s.k {
		rc = max(rc, p.sqDist(s.c[j*d:j*d+d], p.mean))
	}
	// Centres stay in the convex hull of the rows and the initial centres.
	b := max(p.rx, math.Sqrt(rc)) * 1.0001
	m := p.meanNorm
	a := m + p.rx
	e := 2 * float64(d+4) * 0x1p-53 * (b*b + 2*m*b + 2*a*b + p.rx*p.rx)
	s.margin = 4 * math.Sqrt(e)
}

// prepare derives the per-iteration centre data: the kernel constants ctr
// and cn and, for the accelerated algorithms, the centre-centre distances
// and the bound decrements.
func (s *solver) prepare() {
	p := s.p
	d, k := p.d, s.k
	fillKernelCentres(s.c, p.mean, s.ctr, s.cn)
	if s.algo == AlgoLloyd {
		if p.vec.assign != nil {
			s.cb = p.vec.pack(s.cb, s.ctr, s.cn, d)
		}
		return
	}
	for j := range k {
		s.info[j] = centreInfo{shift: s.shift[j], half: math.Inf(1)}
	}
	for a := range k {
		for b := a + 1; b < k; b++ {
			h := 0.5 * math.Sqrt(p.sqDist(s.c[a*d:a*d+d], s.c[b*d:b*d+d]))
			s.info[a].half = min(s.info[a].half, h)
			s.info[b].half = min(s.info[b].half, h)
			if s.half != nil {
				s.half[a*k+b] = h
				s.half[b*k+a] = h
			}
		}
	}
	// Hamerly: the lower bound of a row labelled j drops by the largest
	// shift of the other centres.
	p1, p2, arg := 0.0, 0.0, -1
	for j, v := range s.shift {
		if v > p1 {
			p2, p1, arg = p1, v, j
		} else if v > p2 {
			p2 = v
		}
	}
	for j := range k {
		s.info[j].dec = p1
		if j == arg {
			s.info[j].dec = p2
		}
	}
}

// pass assigns labels to every row with the current centres, chunk by
// chunk, and, when update is set, records per chunk the change of the
// centre sums. It returns the number of labels that changed.
func (s *solver) pass(update bool) int {
	p := s.p
	d, k := p.d, s.k
	stride := partStride(k, d)
	forChunks(p.nChunks, p.workers, func(w, c int) {
		lo, hi := p.chunk(c)
		sc := &s.scratch[w]
		sc.moved, sc.movedFrom = sc.moved[:0], sc.movedFrom[:0]
		lab := s.lab[lo:hi]
		var ch int
		switch s.algo {
		case AlgoLloyd:
			mv, from := sc.moved[:hi-lo], sc.movedFrom[:hi-lo]
			ch = assignTrack(p.vec, p.assign, p.x[lo*d:hi*d], s.ctr, s.cn, s.cb, lab, mv, from, d)
			if update && !s.fresh {
				sc.moved, sc.movedFrom = mv[:ch], from[:ch]
			}
		case AlgoHamerly:
			ch = s.hamerly(lo, hi, sc)
		case AlgoElkan:
			ch = s.elkan(lo, hi, sc)
		}
		s.changed[c] = ch
		s.dirty[c] = false
		if !update || (!s.fresh && len(sc.moved) == 0) {
			return
		}
		part := s.part[c*stride : c*stride+stride]
		pc := s.pcnt[c*k : c*k+k]
		clear(part)
		clear(pc)
		s.dirty[c] = true
		if s.fresh {
			sums, wsum := part[:k*d], part[k*d:k*d+k]
			if p.w == nil {
				p.accumulate(p.x[lo*d:hi*d], lab, sums, wsum)
				for _, l := range lab {
					pc[l]++
				}
			} else {
				p.accumW(p.x[lo*d:hi*d], p.w[lo:hi], lab, sums, wsum)
				for i, l := range lab {
					pc[l] += b2i(p.w[lo+i] > 0)
				}
			}
			return
		}
		s.applyMoves(lo, sc, part, pc)
	})
	total := 0
	for _, v := range s.changed {
		total += v
	}
	return total
}

// applyMoves records in a chunk's partial sums the rows whose label
// changed: their weighted values leave the old cluster and join the new one.
func (s *solver) applyMoves(lo int, sc *scratch, part []float64, pc []int) {
	p := s.p
	d, k := p.d, s.k
	if p.w == nil {
		s.applyMovesUnit(lo, sc, part, pc)
		return
	}
	for r, i := range sc.moved {
		row := lo + int(i)
		from, to := int(sc.movedFrom[r]), int(s.lab[row])
		x := p.x[row*d : row*d+d]
		wi := p.weight(row)
		pos := b2i(wi > 0)
		if from >= 0 {
			f := part[from*d : from*d+d]
			for t, v := range x {
				f[t] -= float64(v * wi)
			}
			part[k*d+from] -= wi
			pc[from] -= pos
		}
		g := part[to*d : to*d+d]
		for t, v := range x {
			g[t] += float64(v * wi)
		}
		part[k*d+to] += wi
		pc[to] += pos
	}
}

// applyMovesUnit is applyMoves for unit weights: the same floating-point
// operations without the multiplications by 1.
func (s *solver) applyMovesUnit(lo int, sc *scratch, part []float64, pc []int) {
	p := s.p
	d, k := p.d, s.k
	from := sc.movedFrom[:len(sc.moved)]
	ws := part[k*d : k*d+k]
	for r, i := range sc.moved {
		row := lo + int(i)
		a, b := int(from[r]), int(s.lab[row])
		x := p.x[row*d : row*d+d : row*d+d]
		if a >= 0 {
			f := part[a*d : a*d+d : a*d+d]
			for t, v := range x {
				f[t] -= v
			}
			ws[a]--
			pc[a]--
		}
		g := part[b*d : b*d+d : b*d+d]
		for t, v := range x {
			g[t] += v
		}
		ws[b]++
		pc[b]++
	}
}

// update folds the chunk deltas into the label-consistent sums in chunk
// order, re-seeds empty clusters, writes the new centres to cNew and the
// per-centre shifts.
func (s *solver) update() {
	p := s.p
	d, k := p.d, s.k
	stride := partStride(k, d)
	for c := range p.nChunks {
		if !s.dirty[c] {
			continue
		}
		part := s.part[c*stride : c*stride+stride]
		for i, v := range part[:k*d] {
			s.sumS[i] += v
		}
		for j, v := range part[k*d : k*d+k] {
			s.sumW[j] += v
		}
		for j, v := range s.pcnt[c*k : c*k+k] {
			s.cnt[j] += v
		}
	}
	for j := range k {
		if s.cnt[j] == 0 {
			clear(s.sumS[j*d : j*d+d])
			s.sumW[j] = 0
		}
	}
	sums, wsum := s.cNew, s.wsum
	copy(sums, s.sumS)
	copy(wsum, s.sumW)
	s.relocateEmpty(sums, wsum)
	for j := range k {
		cj := sums[j*d : j*d+d]
		if wsum[j] > 0 {
			alpha := 1 / wsum[j]
			for t := range cj {
				cj[t] *= alpha
			}
		} else {
			// Still empty (every weighted row sits on its centre): keep it.
			copy(cj, s.c[j*d:j*d+d])
		}
		s.shift[j] = math.Sqrt(p.sqDist(cj, s.c[j*d:j*d+d]))
	}
}

// relocateEmpty re-seeds clusters with zero weight like scikit-learn's
// _relocate_empty_clusters_dense: the rows farthest from their (old) centres
// become the centres of the empty clusters, their weight moving from their
// current cluster. Labels are left unchanged; the next assignment settles
// them. Ties between equally far rows go to the lowest row index.
func (s *solver) relocateEmpty(sums, wsum []float64) {
	var empty []int
	for j, v := range wsum {
		if v == 0 {
			empty = append(empty, j)
		}
	}
	if len(empty) == 0 {
		return
	}
	p := s.p
	d, m := p.d, len(empty)
	// Per chunk, keep the m farthest rows; merge in chunk order.
	type cand struct {
		dist float64
		i    int
	}
	less := func(a, b cand) bool { return a.dist > b.dist || (a.dist == b.dist && a.i < b.i) }
	tops := make([][]cand, p.nChunks)
	forChunks(p.nChunks, p.workers, func(_, c int) {
		lo, hi := p.chunk(c)
		var top []cand
		for i := lo; i < hi; i++ {
			l := int(s.lab[i])
			e := p.sqDist(p.x[i*d:i*d+d], s.c[l*d:l*d+d])
			if len(top) == m && !less(cand{e, i}, top[m-1]) {
				continue
			}
			top = append(top, cand{e, i})
			sort.Slice(top, func(a, b int) bool { return less(top[a], top[b]) })
			if len(top) > m {
				top = top[:m]
			}
		}
		tops[c] = top
	})
	var all []cand
	for _, t := range tops {
		all = append(all, t...)
	}
	sort.Slice(all, func(a, b int) bool { return less(all[a], all[b]) })
	if len(all) == 0 || all[0].dist == 0 {
		return // more clusters than distinct rows carrying weight
	}
	for idx, j := range empty {
		if idx >= len(all) {
			break
		}
		i := all[idx].i
		wi := p.weight(i)
		old := int(s.lab[i])
		x := p.x[i*d : i*d+d]
		for t, v := range x {
			sums[old*d+t] -= v * wi
			sums[j*d+t] = v * wi
		}
		wsum[j] = wi
		wsum[old] -= wi
	}
}

// hamerly assigns rows [lo, hi) with Hamerly's bounds: one upper bound on
// the distance to the assigned centre and one lower bound on the distance to
// every other centre. It works in three branch-light phases: update and test
// the bounds of every row; recompute the distance to the assigned centre of
// the rows that failed and test again; run the full best-and-second kernel
// on the rows that still fail. The arg-min uses the value kernel of Lloyd.
// It returns the number of changed labels and records the changed rows in
// sc.
func (s *solver) hamerly(lo, hi int, sc *scratch) int {
	p := s.p
	d := p.d
	xs, lab := p.x[lo*d:hi*d], s.lab[lo:hi]
	n := len(lab)
	ub, lb := s.ub[lo:lo+n], s.lb[lo:lo+n]
	rows := sc.rows[:n]
	m := 0
	if s.fresh {
		for i := range rows {
			rows[i] = int32(i)
		}
		m = n
	} else {
		mg := s.margin
		info := s.info[:s.k]
		labs := sc.labs[:n]
		// A row keeps its label when u + margin < max(half, l).
		for i, a := range lab {
			ci := &info[a]
			u := ub[i] + ci.shift
			l := lb[i] - ci.dec
			ub[i], lb[i] = u, l
			um := u + mg
			rows[m], labs[m] = int32(i), a
			m += b2i(um >= ci.half) & b2i(um >= l)
		}
		sc.sink += touchRows(xs, rows[:m], d)
		dist := sc.d1s[:m]
		p.distRows(xs, rows[:m], labs[:m], s.c, dist)
		m2 := 0
		for r, i := range rows[:m] {
			u := dist[r]
			ub[i] = u
			um := u + mg
			rows[m2] = i
			m2 += b2i(um >= info[labs[r]].half) & b2i(um >= lb[i])
		}
		m = m2
	}
	rows = rows[:m]
	best, d1, d2 := sc.best[:m], sc.d1s[:m], sc.d2s[:m]
	p.assign2(xs, rows, s.ctr, s.cn, p.mean, best, d1, d2)
	changed := 0
	for r, i := range rows {
		b := best[r]
		if old := lab[i]; old != b {
			sc.moved = append(sc.moved, i)
			sc.movedFrom = append(sc.movedFrom, old)
			changed++
			lab[i] = b
		}
		ub[i], lb[i] = d1[r], d2[r]
	}
	return changed
}

// elkan assigns rows [lo, hi) with Elkan's bounds: an upper bound on the
// distance to the assigned centre and a lower bound per centre, pruned with
// the centre-centre half distances. It returns the number of changed labels
// and records the changed rows in sc.
func (s *solver) elkan(lo, hi int, sc *scratch) int {
	p := s.p
	d, k := p.d, s.k
	xn := p.xn
	mg := s.margin
	changed := 0
	for i := lo; i < hi; i++ {
		x := p.x[i*d : i*d+d]
		lb := s.lb[i*k : i*k+k]
		a := int(s.lab[i])
		best := a
		if s.fresh {
			// Initial bounds (scikit-learn's init_bounds), pruned by the
			// half distances.
			best = 0
			vb := p.value(x, s.ctr[:d], s.cn[0])
			u := distFromValue(xn[i], vb)
			clear(lb)
			lb[0] = u
			for j := 1; j < k; j++ {
				if u+mg < s.half[best*k+j] {
					continue
				}
				v := p.value(x, s.ctr[j*d:j*d+d], s.cn[j])
				dj := distFromValue(xn[i], v)
				lb[j] = dj
				if orderKey(v) < orderKey(vb) {
					best, vb, u = j, v, dj
				}
			}
			s.ub[i] = u
		} else {
			for j, v := range lb {
				lb[j] = max(0, v-s.shift[j])
			}
			u := s.ub[i] + s.shift[a]
			if u+mg < s.info[a].half {
				s.ub[i] = u
				continue
			}
			var vb float64
			tight := false
			for j := range k {
				if j == best {
					continue
				}
				z := max(lb[j], s.half[best*k+j])
				if u+mg < z {
					continue
				}
				if !tight {
					vb = p.value(x, s.ctr[best*d:best*d+d], s.cn[best])
					u = distFromValue(xn[i], vb)
					lb[best] = u
					tight = true
					if u+mg < z {
						continue
					}
				}
				v := p.value(x, s.ctr[j*d:j*d+d], s.cn[j])
				dj := distFromValue(xn[i], v)
				lb[j] = dj
				if kv, kb := orderKey(v), orderKey(vb); kv < kb || (kv == kb && j < best) {
					best, vb, u = j, v, dj
				}
			}
			s.ub[i] = u
		}
		if best != a {
			sc.moved = append(sc.moved, int32(i-lo))
			sc.movedFrom = append(sc.movedFrom, int32(a))
			changed++
			s.lab[i] = int32(best)
		}
	}
	return changed
}

// touchRows loads the first and last value of every listed row of xs so
// that the rows are fetched from memory with many loads in flight (a tight
// loop of independent loads) before the compute loop needs them; it is
// software prefetching, which Go does not expose.
func touchRows(xs []float64, rows []int32, d int) float64 {
	s := 0.0
	for _, i := range rows {
		s += xs[int(i)*d] + xs[int(i)*d+d-1]
	}
	return s
}
