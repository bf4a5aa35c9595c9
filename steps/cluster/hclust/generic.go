package hclust

import (
	"math"
	"slices"
)

// genericState runs Müllner's generic algorithm (2011, figure 3) as scipy's
// fast_linkage does, but on centroids instead of a distance matrix. Slots are
// fixed: slot i starts as row i, and a merge keeps the new cluster in the
// larger slot. Distances are squared euclidean distances between the
// centroids (the "median" centroid of WPGMC is the midpoint of its parts).
type genericState struct {
	d        int
	method   Method
	c        []float64 // slot i: c[i·d : i·d+d]
	size     []float64
	act      []int32 // active slots, increasing
	neighbor []int32 // candidate nearest neighbour among larger slots
	minDist  []float64
	heap     *minHeap
	workers  int
	team     *team
	res      []candidate
	buf      []float64
}

// genericLinkage clusters with centroid or median linkage and returns the
// merges in the order they happen (heights may decrease).
func genericLinkage(x []float64, n, d int, method Method, workers int) []Merge {
	s := &genericState{
		d:        d,
		method:   method,
		c:        make([]float64, n*d),
		size:     make([]float64, n),
		act:      make([]int32, n),
		neighbor: make([]int32, n-1),
		minDist:  make([]float64, n-1),
		workers:  workers,
		res:      make([]candidate, max(workers, 1)),
		buf:      make([]float64, n),
	}
	copy(s.c, x)
	for i := range n {
		s.size[i] = 1
		s.act[i] = int32(i)
	}
	// Initial nearest neighbours, one independent scan per slot.
	const slotsPerChunk = 32
	chunks := (n - 1 + slotsPerChunk - 1) / slotsPerChunk
	forChunks(chunks, workers, func(ch int) {
		for a := ch * slotsPerChunk; a < min((ch+1)*slotsPerChunk, n-1); a++ {
			b := s.scanAbove(int32(a), a+1, n)
			s.neighbor[a], s.minDist[a] = b.key, b.val
		}
	})
	s.heap = newMinHeap(s.minDist)
	s.team = newTeam(workers)
	defer s.team.stop()

	raw := make([]rawMerge, 0, n-1)
	for k := range n - 1 {
		var a, b int32
		var dist float64
		for range n - k {
			a, dist = s.heap.min()
			b = s.neighbor[a]
			if dist == s.dist(a, b) {
				break
			}
			best := s.nearestAbove(a)
			b, dist = best.key, best.val
			s.neighbor[a], s.minDist[a] = b, dist
			s.heap.change(a, dist)
		}
		s.heap.removeMin()
		raw = append(raw, rawMerge{a: a, b: b, h: math.Sqrt(dist)})
		s.merge(a, b)
	}
	return label(raw, n, nil, false)
}

// dist returns the squared distance of the centroids of slots a and b,
// computed in slot order so that it does not depend on the argument order.
func (s *genericState) dist(a, b int32) float64 {
	if a > b {
		a, b = b, a
	}
	d := s.d
	return sqEuclid(s.c[int(a)*d:int(a)*d+d], s.c[int(b)*d:int(b)*d+d])
}

// nearestAbove returns the nearest active slot above a (smallest distance,
// then smallest slot), in parallel over blocks of active slots.
func (s *genericState) nearestAbove(a int32) candidate {
	first, _ := slices.BinarySearch(s.act, a+1)
	m := len(s.act) - first
	parts := partsFor(m, s.workers)
	if parts == 1 {
		return s.scanAbove(a, first, len(s.act))
	}
	s.team.run(parts, func(p int) {
		lo, hi := block(m, parts, p)
		s.res[p] = s.scanAbove(a, first+lo, first+hi)
	})
	best := s.res[0]
	for _, r := range s.res[1:parts] {
		if r.better(best) {
			best = r
		}
	}
	return best
}

// scanAbove returns the best candidate for slot a among act[lo:hi], all of
// which are above a.
func (s *genericState) scanAbove(a int32, lo, hi int) candidate {
	d := s.d
	xa := s.c[int(a)*d : int(a)*d+d]
	best := candidate{val: math.Inf(1), key: -1}
	for _, i := range s.act[lo:hi] {
		v := sqEuclid(xa, s.c[int(i)*d:int(i)*d+d])
		if v < best.val {
			best = candidate{val: v, key: i}
		}
	}
	return best
}

// merge merges slot a into slot b (a < b) and updates the neighbour
// candidates and their lower bounds as scipy's fast_linkage does.
func (s *genericState) merge(a, b int32) {
	d := s.d
	ca := s.c[int(a)*d : int(a)*d+d]
	cb := s.c[int(b)*d : int(b)*d+d]
	na, nb := s.size[a], s.size[b]
	if s.method == Median {
		for k := range cb {
			cb[k] = 0.5 * (ca[k] + cb[k])
		}
	} else {
		for k := range cb {
			cb[k] = (na*ca[k] + nb*cb[k]) / (na + nb)
		}
	}
	s.size[a] = 0
	s.size[b] = na + nb
	i, _ := slices.BinarySearch(s.act, a)
	s.act = slices.Delete(s.act, i, i+1)

	// Candidates that pointed at a now point at b.
	below, _ := slices.BinarySearch(s.act, a)
	for _, z := range s.act[:below] {
		if s.neighbor[z] == a {
			s.neighbor[z] = b
		}
	}
	// Lower bounds: distances to b are computed in parallel, applied in
	// slot order so that the heap evolves as scipy's.
	belowB, _ := slices.BinarySearch(s.act, b)
	zs := s.act[:belowB]
	buf := s.buf[:len(zs)]
	parts := partsFor(len(zs), s.workers)
	s.team.run(parts, func(p int) {
		lo, hi := block(len(zs), parts, p)
		for j := lo; j < hi; j++ {
			buf[j] = s.dist(zs[j], b)
		}
	})
	for j, z := range zs {
		if v := buf[j]; v < s.minDist[z] {
			s.neighbor[z], s.minDist[z] = b, v
			s.heap.change(z, v)
		}
	}
	if int(b) < len(s.size)-1 {
		best := s.nearestAbove(b)
		if best.key >= 0 {
			s.neighbor[b], s.minDist[b] = best.key, best.val
			s.heap.change(b, best.val)
		}
	}
}

// minHeap is a binary min-heap of values whose keys are 0..len−1, with the
// sift rules of scipy's Heap (cluster/_structures.pxi) so that ties resolve
// the same way.
type minHeap struct {
	indexByKey []int32
	keyByIndex []int32
	values     []float64
	size       int
}

// newMinHeap builds a heap over a copy of values in linear time.
func newMinHeap(values []float64) *minHeap {
	h := &minHeap{
		indexByKey: make([]int32, len(values)),
		keyByIndex: make([]int32, len(values)),
		values:     slices.Clone(values),
		size:       len(values),
	}
	for i := range values {
		h.indexByKey[i] = int32(i)
		h.keyByIndex[i] = int32(i)
	}
	for i := h.size/2 - 1; i >= 0; i-- {
		h.siftDown(i)
	}
	return h
}

// min returns the key and value at the top of the heap.
func (h *minHeap) min() (int32, float64) {
	return h.keyByIndex[0], h.values[0]
}

// removeMin drops the top of the heap.
func (h *minHeap) removeMin() {
	h.swap(0, h.size-1)
	h.size--
	h.siftDown(0)
}

// change sets the value of key, which must still be in the heap.
func (h *minHeap) change(key int32, v float64) {
	i := int(h.indexByKey[key])
	old := h.values[i]
	h.values[i] = v
	if v < old {
		h.siftUp(i)
	} else {
		h.siftDown(i)
	}
}

func (h *minHeap) siftUp(i int) {
	for i > 0 {
		p := (i - 1) >> 1
		if !(h.values[p] > h.values[i]) {
			return
		}
		h.swap(i, p)
		i = p
	}
}

func (h *minHeap) siftDown(i int) {
	for c := 2*i + 1; c < h.size; c = 2*i + 1 {
		if c+1 < h.size && h.values[c+1] < h.values[c] {
			c++
		}
		if !(h.values[i] > h.values[c]) {
			return
		}
		h.swap(i, c)
		i = c
	}
}

func (h *minHeap) swap(i, j int) {
	h.values[i], h.values[j] = h.values[j], h.values[i]
	ki, kj := h.keyByIndex[i], h.keyByIndex[j]
	h.keyByIndex[i], h.keyByIndex[j] = kj, ki
	h.indexByKey[ki] = int32(j)
	h.indexByKey[kj] = int32(i)
}
