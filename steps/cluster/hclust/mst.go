package hclust

import (
	"math"
)

// primState holds the points not yet in the spanning tree in compact arrays:
// position p has row rows[p·d : p·d+d], input index idx[p], norm norm[p]
// (cosine only) and dmin[p], its distance to the tree so far.
type primState struct {
	d       int
	m       int
	rows    []float64
	idx     []int32
	norm    []float64
	dmin    []float64
	metric  Metric
	workers int
	team    *team
	res     []candidate
	cur     []float64 // row of the point added last
	curNorm float64
}

// mstLinkage runs Prim's algorithm from point 0 as scipy's
// mst_single_linkage does (Müllner 2011, figure 5): each step records the
// point added before and the point added now at the new point's distance to
// the tree. Single-linkage clusters are contiguous in Prim's order, so the
// sorted and relabelled records are the single-linkage dendrogram. Distances
// are computed from the rows on the fly (O(n·d) memory), bit for bit as
// scipy's pdist computes them, so ties resolve as in scipy.
func mstLinkage(x []float64, n, d int, metric Metric, workers int) []Merge {
	s := &primState{
		d:       d,
		m:       n,
		rows:    make([]float64, n*d),
		idx:     make([]int32, n),
		dmin:    make([]float64, n),
		metric:  metric,
		workers: workers,
		res:     make([]candidate, max(workers, 1)),
		cur:     make([]float64, d),
		team:    newTeam(workers),
	}
	defer s.team.stop()
	copy(s.rows, x)
	if metric == Cosine {
		s.norm = rowNorms(x, n, d)
	}
	for i := range n {
		s.idx[i] = int32(i)
		s.dmin[i] = math.Inf(1)
	}
	raw := make([]rawMerge, 0, n-1)
	prev := s.take(0)
	for len(raw) < n-1 {
		best := s.nearest()
		raw = append(raw, rawMerge{a: prev, b: best.key, h: best.val})
		prev = s.take(int(best.pos))
	}
	return label(raw, n, nil, true)
}

// take makes position p the current point and removes it from the compact
// arrays, returning its input index.
func (s *primState) take(p int) int32 {
	d := s.d
	id := s.idx[p]
	copy(s.cur, s.rows[p*d:p*d+d])
	if s.norm != nil {
		s.curNorm = s.norm[p]
	}
	last := s.m - 1
	if p != last {
		copy(s.rows[p*d:p*d+d], s.rows[last*d:last*d+d])
		s.idx[p] = s.idx[last]
		s.dmin[p] = s.dmin[last]
		if s.norm != nil {
			s.norm[p] = s.norm[last]
		}
	}
	s.m--
	return id
}

// nearest lowers every remaining point's distance to the tree by its
// distance to the current point and returns the nearest remaining point
// (smallest distance, then smallest input index), in parallel over blocks.
func (s *primState) nearest() candidate {
	parts := partsFor(s.m, s.workers)
	if parts == 1 {
		return s.scan(0, s.m)
	}
	s.team.run(parts, func(p int) {
		lo, hi := block(s.m, parts, p)
		s.res[p] = s.scan(lo, hi)
	})
	best := s.res[0]
	for _, r := range s.res[1:parts] {
		if r.better(best) {
			best = r
		}
	}
	return best
}

// scan updates and searches positions [lo, hi).
func (s *primState) scan(lo, hi int) candidate {
	d := s.d
	cur := s.cur
	dmin := s.dmin[:hi]
	idx := s.idx[:hi]
	best := candidate{val: math.Inf(1), key: math.MaxInt32, pos: -1}
	for j := lo; j < hi; j++ {
		r := s.rows[j*d : j*d+d]
		var v float64
		switch s.metric {
		case Euclidean:
			v = math.Sqrt(sqEuclid(cur, r))
		case Cityblock:
			v = cityblock(cur, r)
		default:
			v = cosineDist(cur, r, s.curNorm, s.norm[j])
		}
		if dmin[j] > v {
			dmin[j] = v
		}
		if dv := dmin[j]; dv < best.val || (dv == best.val && idx[j] < best.key) {
			best = candidate{val: dv, key: idx[j], pos: int32(j)}
		}
	}
	return best
}
