package hclust

import (
	"math"
	"slices"
)

// chainState is the nearest-neighbour chain on a condensed distance matrix
// (complete, average and weighted linkage), following scipy's nn_chain with
// the inactive slots skipped: act lists the active slots in increasing order.
type chainState struct {
	dm      *condensed
	size    []int32
	act     []int32
	method  Method
	workers int
	team    *team
	res     []candidate
}

// matrixLinkage computes the condensed distance matrix and runs the
// nearest-neighbour chain with scipy's Lance-Williams updates.
func matrixLinkage(x []float64, n, d int, method Method, metric Metric, workers int) []Merge {
	s := &chainState{
		dm:      pdist(x, n, d, metric, workers),
		size:    make([]int32, n),
		act:     make([]int32, n),
		method:  method,
		workers: workers,
		res:     make([]candidate, max(workers, 1)),
		team:    newTeam(workers),
	}
	defer s.team.stop()
	for i := range n {
		s.size[i] = 1
		s.act[i] = int32(i)
	}
	raw := make([]rawMerge, 0, n-1)
	chain := make([]int32, 0, n)
	for len(raw) < n-1 {
		if len(chain) == 0 {
			chain = append(chain, s.act[0])
		}
		var a, b int32
		var dist float64
		for {
			a = chain[len(chain)-1]
			best := s.nearest(a)
			if len(chain) > 1 {
				prev := chain[len(chain)-2]
				if dp := s.dm.d[s.dm.at(int(a), int(prev))]; dp <= best.val {
					b, dist = prev, dp
					break
				}
			}
			chain = append(chain, best.key)
		}
		chain = chain[:len(chain)-2]
		lo, hi := min(a, b), max(a, b)
		raw = append(raw, rawMerge{a: lo, b: hi, h: dist})
		s.merge(lo, hi, dist)
	}
	return label(raw, n, nil, true)
}

// nearest returns the active slot nearest to slot a (smallest distance, then
// smallest slot).
func (s *chainState) nearest(a int32) candidate {
	m := len(s.act)
	parts := partsFor(m, s.workers)
	if parts == 1 {
		return s.scan(a, 0, m)
	}
	s.team.run(parts, func(p int) {
		lo, hi := block(m, parts, p)
		s.res[p] = s.scan(a, lo, hi)
	})
	best := s.res[0]
	for _, r := range s.res[1:parts] {
		if r.better(best) {
			best = r
		}
	}
	return best
}

// scan returns the best candidate for slot a among act[lo:hi].
func (s *chainState) scan(a int32, lo, hi int) candidate {
	best := candidate{val: math.Inf(1), key: math.MaxInt32}
	act := s.act[lo:hi]
	// Slots below a: entry (i, a) lies in row i, one stride per slot.
	split, _ := slices.BinarySearch(act, a)
	dd := s.dm.d
	start := s.dm.start
	for _, i := range act[:split] {
		v := dd[start[i]+int(a)]
		if v < best.val {
			best = candidate{val: v, key: i}
		}
	}
	// Slots above a: entries (a, i) lie contiguously in row a.
	rest := act[split:]
	if len(rest) > 0 && rest[0] == a {
		rest = rest[1:]
	}
	base := start[a]
	for _, i := range rest {
		v := dd[base+int(i)]
		if v < best.val {
			best = candidate{val: v, key: i}
		}
	}
	return best
}

// merge merges slot lo into slot hi (lo < hi), whose distances to every other
// active slot are updated by the Lance-Williams formula of scipy
// (_hierarchy_distance_update.pxi).
func (s *chainState) merge(lo, hi int32, dxy float64) {
	nx, ny := s.size[lo], s.size[hi]
	s.size[lo] = 0
	s.size[hi] = nx + ny
	i, _ := slices.BinarySearch(s.act, lo)
	s.act = slices.Delete(s.act, i, i+1)
	m := len(s.act)
	parts := partsFor(m, s.workers)
	s.team.run(parts, func(p int) {
		b0, b1 := block(m, parts, p)
		s.update(lo, hi, nx, ny, s.act[b0:b1])
	})
}

// update rewrites the distances between slot y and the slots in act after
// slot x (size nx) was merged into y (size ny).
func (s *chainState) update(x, y, nx, ny int32, act []int32) {
	dd := s.dm.d
	fx, fy := float64(nx), float64(ny)
	fs := float64(nx + ny)
	for _, i := range act {
		if i == y {
			continue
		}
		ix := s.dm.at(int(i), int(x))
		iy := s.dm.at(int(i), int(y))
		dxi, dyi := dd[ix], dd[iy]
		var v float64
		switch s.method {
		case Complete:
			v = dyi
			if dxi > dyi {
				v = dxi
			}
		case Average:
			v = (fx*dxi + fy*dyi) / fs
		default: // Weighted (WPGMA)
			v = 0.5 * (dxi + dyi)
		}
		dd[iy] = v
	}
}
