package hclust

import (
	"cmp"
	"math"
	"slices"
)

//go:generate go run gen_kernels.go

// wardKernel scans positions [lo, hi) of the centroid array c (d columns)
// and weights w for the cluster nearest to the centroid xa of weight wa,
// skipping position self and dead positions (NaN weight), and returns the
// better of best and what it finds. "Nearest" means the smallest
// f = q·(wa·wj)/(wa+wj), q = ‖xa−cj‖², then the smallest key. lb must be a
// lower bound of (wa·wj)/(wa+wj) over the candidates, shrunk by lbMargin: a
// candidate whose partial sum q′ ≤ q exceeds best/lb then has f > best and
// is skipped without finishing the sum or dividing. Each kernel sums q in
// one fixed order, so a pair's f does not depend on which end is the tip.
type wardKernel func(c, w []float64, keys []int32, lo, hi, self int, xa []float64, wa, lb float64, best candidate) candidate

// lbMargin shrinks every lower bound used for pruning far beyond rounding
// error (a few ulps of 2⁻⁵³), so that a pruned candidate is strictly worse
// than the best one: pruning never changes the result, ties included.
const lbMargin = 1 - 1e-12

const (
	// wardBlock is the number of positions per block.
	wardBlock = 128
	// wardSuper is the number of blocks per superblock.
	wardSuper = 16
)

// wardParallel is the number of live clusters from which a search is split
// among the workers; below it a search takes a few microseconds. Tests lower
// it to exercise the parallel path on small inputs.
var wardParallel = 16384

// noCandidate is the neutral start of a nearest-neighbour search.
var noCandidate = candidate{val: math.Inf(1), key: math.MaxInt32, pos: -1}

// wardState holds the clusters of vector Ward linkage. Position p has
// centroid c[p·d : p·d+d], weight w[p] and scipy slot key[p]; pos maps a
// slot back to its position, −1 once the slot is merged away. Positions
// follow a k-d tree order of the input rows, so that consecutive positions
// are near each other; a merged cluster stays at the position of its larger
// slot and the other position dies (NaN centroid and weight). Blocks of
// wardBlock positions and superblocks of wardSuper blocks keep the bounding
// box and the smallest weight of their live clusters, which lets a search
// skip whole groups whose lower bound exceeds the best distance so far.
// When a quarter of the positions are dead, the live ones are compacted in
// order.
type wardState struct {
	d      int
	n      int // positions
	live   int // live clusters
	c      []float64
	w      []float64
	key    []int32
	pos    []int32
	blk    groupBounds
	sup    groupBounds
	kernel wardKernel
	team   *team
	task   wardTask
	part   func(p int) // s.searchPart, bound once
	res    []candidate
}

// groupBounds describes groups of positions: bounding box lo..hi (d values
// per group), smallest weight and number of live clusters.
type groupBounds struct {
	lo, hi []float64
	wmin   []float64
	live   []int32
}

func newGroupBounds(groups, d int) groupBounds {
	return groupBounds{
		lo:   make([]float64, groups*d),
		hi:   make([]float64, groups*d),
		wmin: make([]float64, groups),
		live: make([]int32, groups),
	}
}

// lowerBound returns Σ_k dist(x_k, [lo_k, hi_k])², a lower bound of the
// squared distance from x to any centroid of group g (up to rounding).
func (b *groupBounds) lowerBound(g int, x []float64) float64 {
	d := len(x)
	lo := b.lo[g*d : g*d+d : g*d+d]
	hi := b.hi[g*d : g*d+d : g*d+d]
	lo, hi = lo[:len(x)], hi[:len(x)]
	s := 0.0
	for k, v := range x {
		t := max(lo[k]-v, v-hi[k], 0) // branch-free: the outcome is unpredictable
		s += t * t
	}
	return s
}

// factor returns a lower bound of wa·wj/(wa+wj) for every wj ≥ wmin,
// shrunk by lbMargin.
func factor(wa, wmin float64) float64 {
	return wa * wmin / (wa + wmin) * lbMargin
}

// wardLinkage runs the nearest-neighbour chain algorithm (Müllner 2011,
// figure 6) on centroids and weights, mirroring scipy's nn_chain slot by
// slot, and returns the sorted and relabelled merges.
//
// The dissimilarity compared is f(A, B) = ‖cA−cB‖²·wA·wB/(wA+wB), computed
// symmetrically so that both ends of a pair see the same bits; the reported
// height is sqrt(2f), the value of scipy's Lance-Williams Ward update.
func wardLinkage(x []float64, n, d int, w []float64, workers int) []Merge {
	s := &wardState{
		d:      d,
		n:      n,
		live:   n,
		c:      make([]float64, n*d),
		w:      make([]float64, n),
		key:    make([]int32, n),
		pos:    make([]int32, n),
		kernel: wardScanFor(d),
		team:   newTeam(workers),
		res:    make([]candidate, max(workers, 1)),
	}
	defer s.team.stop()
	s.part = s.searchPart
	for p, i := range kdOrder(x, n, d, wardBlock) {
		copy(s.c[p*d:p*d+d], x[int(i)*d:int(i)*d+d])
		s.w[p] = 1
		if w != nil {
			s.w[p] = w[i]
		}
		s.key[p] = i
		s.pos[i] = int32(p)
	}
	s.rebuildBounds()

	raw := make([]rawMerge, 0, n-1)
	chain := make([]int32, 0, n)
	lowest := 0
	for len(raw) < n-1 {
		if len(chain) == 0 {
			for s.pos[lowest] < 0 {
				lowest++
			}
			chain = append(chain, int32(lowest))
		}
		var a, b int32
		var f float64
		for {
			a = chain[len(chain)-1]
			pa := int(s.pos[a])
			start := noCandidate
			if len(chain) > 1 {
				// scipy starts from the previous element and only a strictly
				// smaller distance displaces it: key −1 wins every tie. It is
				// also a tight first bound for the search.
				prev := chain[len(chain)-2]
				pp := int(s.pos[prev])
				start = s.kernel(s.c, s.w, s.key, pp, pp+1, pa, s.c[pa*d:pa*d+d], s.w[pa], 1, noCandidate)
				start.key = -1
			}
			best := s.nearest(pa, start)
			if best.key == -1 {
				b, f = chain[len(chain)-2], best.val
				break
			}
			chain = append(chain, best.key)
		}
		chain = chain[:len(chain)-2]
		lo, hi := min(a, b), max(a, b)
		raw = append(raw, rawMerge{a: lo, b: hi, h: math.Sqrt(2 * f)})
		s.merge(lo, hi)
	}
	return label(raw, n, w, true)
}

// nearest returns the live cluster nearest to position pa (smallest f,
// then smallest slot), or start if none beats it. The own block is scanned first for a good starting
// bound; the superblocks are then dealt round-robin to the workers (spatial
// neighbours go to different workers), each pruning with its own best, and
// the results are reduced exactly, so the answer does not depend on the
// number of workers.
func (s *wardState) nearest(pa int, start candidate) candidate {
	d := s.d
	xa := s.c[pa*d : pa*d+d]
	wa := s.w[pa]
	own := pa / wardBlock
	lo, hi := own*wardBlock, min((own+1)*wardBlock, s.n)
	best := s.kernel(s.c, s.w, s.key, lo, hi, pa, xa, wa, factor(wa, s.blk.wmin[own]), start)
	nsup := len(s.sup.live)
	parts := 1
	if s.live >= wardParallel {
		parts = min(s.team.size(), nsup)
	}
	if parts <= 1 {
		return s.search(0, 1, own, pa, best)
	}
	s.task = wardTask{parts: parts, own: own, pa: pa, best: best}
	s.team.run(parts, s.part)
	best = s.res[0]
	for _, r := range s.res[1:parts] {
		if r.better(best) {
			best = r
		}
	}
	return best
}

// wardTask is the search shared by the workers of one nearest call.
type wardTask struct {
	parts, own, pa int
	best           candidate
}

// searchPart runs part p of the current task.
func (s *wardState) searchPart(p int) {
	t := s.task
	s.res[p] = s.search(p, t.parts, t.own, t.pa, t.best)
}

// search scans the superblocks g ≡ first (mod step), skipping block own,
// starting from best.
func (s *wardState) search(first, step, own, pa int, best candidate) candidate {
	d := s.d
	xa := s.c[pa*d : pa*d+d]
	wa := s.w[pa]
	nblk := len(s.blk.live)
	for g := first; g < len(s.sup.live); g += step {
		if s.sup.live[g] == 0 || s.sup.lowerBound(g, xa)*factor(wa, s.sup.wmin[g]) > best.val {
			continue
		}
		for b := g * wardSuper; b < min((g+1)*wardSuper, nblk); b++ {
			if b == own || s.blk.live[b] == 0 {
				continue
			}
			fb := factor(wa, s.blk.wmin[b])
			if s.blk.lowerBound(b, xa)*fb > best.val {
				continue
			}
			best = s.kernel(s.c, s.w, s.key, b*wardBlock, min((b+1)*wardBlock, s.n), pa, xa, wa, fb, best)
		}
	}
	return best
}

// merge replaces slot hi by the union of slots lo and hi and kills slot lo.
func (s *wardState) merge(lo, hi int32) {
	d := s.d
	pl, ph := int(s.pos[lo]), int(s.pos[hi])
	wl, wh := s.w[pl], s.w[ph]
	ws := wl + wh
	cl := s.c[pl*d : pl*d+d]
	ch := s.c[ph*d : ph*d+d]
	for k := range ch {
		ch[k] = (wl*cl[k] + wh*ch[k]) / ws
	}
	s.w[ph] = ws
	for k := range cl {
		cl[k] = math.NaN()
	}
	s.w[pl] = math.NaN()
	s.pos[lo] = -1
	s.live--
	if s.live*4 < 3*s.n && s.n > 4*wardBlock {
		s.compact()
		return
	}
	s.refresh(pl / wardBlock)
	if ph/wardBlock != pl/wardBlock {
		s.refresh(ph / wardBlock)
	}
}

// compact moves the live clusters to the front, keeping their order.
func (s *wardState) compact() {
	d := s.d
	q := 0
	for p := range s.n {
		if math.IsNaN(s.w[p]) {
			continue
		}
		if q != p {
			copy(s.c[q*d:q*d+d], s.c[p*d:p*d+d])
			s.w[q] = s.w[p]
			s.key[q] = s.key[p]
			s.pos[s.key[q]] = int32(q)
		}
		q++
	}
	s.n = q
	s.c = s.c[:q*d]
	s.w = s.w[:q]
	s.key = s.key[:q]
	s.rebuildBounds()
}

// rebuildBounds sizes and fills all block and superblock bounds.
func (s *wardState) rebuildBounds() {
	nblk := (s.n + wardBlock - 1) / wardBlock
	nsup := (nblk + wardSuper - 1) / wardSuper
	s.blk = newGroupBounds(nblk, s.d)
	s.sup = newGroupBounds(nsup, s.d)
	for b := range nblk {
		s.fillBlock(b)
	}
	for g := range nsup {
		s.fillSuper(g)
	}
}

// refresh recomputes the bounds of block b and of its superblock.
func (s *wardState) refresh(b int) {
	s.fillBlock(b)
	s.fillSuper(b / wardSuper)
}

// fillBlock recomputes the bounds of block b from its live positions.
func (s *wardState) fillBlock(b int) {
	d := s.d
	lo := s.blk.lo[b*d : b*d+d]
	hi := s.blk.hi[b*d : b*d+d]
	for k := range lo {
		lo[k], hi[k] = math.Inf(1), math.Inf(-1)
	}
	wmin, live := math.Inf(1), int32(0)
	for p := b * wardBlock; p < min((b+1)*wardBlock, s.n); p++ {
		wp := s.w[p]
		if math.IsNaN(wp) {
			continue
		}
		live++
		wmin = min(wmin, wp)
		for k, v := range s.c[p*d : p*d+d] {
			lo[k] = min(lo[k], v)
			hi[k] = max(hi[k], v)
		}
	}
	s.blk.wmin[b], s.blk.live[b] = wmin, live
}

// fillSuper recomputes the bounds of superblock g from its blocks.
func (s *wardState) fillSuper(g int) {
	d := s.d
	lo := s.sup.lo[g*d : g*d+d]
	hi := s.sup.hi[g*d : g*d+d]
	for k := range lo {
		lo[k], hi[k] = math.Inf(1), math.Inf(-1)
	}
	wmin, live := math.Inf(1), int32(0)
	for b := g * wardSuper; b < min((g+1)*wardSuper, len(s.blk.live)); b++ {
		if s.blk.live[b] == 0 {
			continue
		}
		live += s.blk.live[b]
		wmin = min(wmin, s.blk.wmin[b])
		for k := range lo {
			lo[k] = min(lo[k], s.blk.lo[b*d+k])
			hi[k] = max(hi[k], s.blk.hi[b*d+k])
		}
	}
	s.sup.wmin[g], s.sup.live[g] = wmin, live
}

// kdOrder returns the rows of x in the leaf order of a k-d tree whose
// leaves are aligned to blocks of leaf rows: each node splits its rows at a
// multiple of leaf along its widest column (ties broken by row index).
func kdOrder(x []float64, n, d, leaf int) []int32 {
	idx := make([]int32, n)
	for i := range idx {
		idx[i] = int32(i)
	}
	var split func(rows []int32)
	split = func(rows []int32) {
		if len(rows) <= leaf {
			return
		}
		widest, span := 0, -1.0
		for k := range d {
			lo, hi := math.Inf(1), math.Inf(-1)
			for _, r := range rows {
				v := x[int(r)*d+k]
				lo, hi = min(lo, v), max(hi, v)
			}
			if hi-lo > span {
				widest, span = k, hi-lo
			}
		}
		slices.SortFunc(rows, func(a, b int32) int {
			if c := cmp.Compare(x[int(a)*d+widest], x[int(b)*d+widest]); c != 0 {
				return c
			}
			return cmp.Compare(a, b)
		})
		half := (len(rows) / leaf / 2) * leaf
		if half == 0 {
			half = leaf
		}
		split(rows[:half])
		split(rows[half:])
	}
	split(idx)
	return idx
}

// wardScanN is the kernel for any number of columns: coordinates are summed
// four at a time with a pruning test after each group.
func wardScanN(c, w []float64, keys []int32, lo, hi, self int, xa []float64, wa, lb float64, best candidate) candidate {
	d := len(xa)
	bestV, bestK, bestP := best.val, best.key, int(best.pos)
	cut := bestV / lb
	w = w[lo:hi]
	keys = keys[lo:hi]
next:
	for j := range w {
		off := (lo + j) * d
		cj := c[off : off+d : off+d]
		q := 0.0
		k := 0
		for ; k+4 <= d; k += 4 {
			t0 := cj[k] - xa[k]
			t1 := cj[k+1] - xa[k+1]
			t2 := cj[k+2] - xa[k+2]
			t3 := cj[k+3] - xa[k+3]
			q += t0*t0 + t1*t1 + t2*t2 + t3*t3
			if q > cut {
				continue next
			}
		}
		for ; k < d; k++ {
			t := cj[k] - xa[k]
			q += t * t
		}
		if q > cut || lo+j == self {
			continue
		}
		wj := w[j]
		f := q * (wa * wj) / (wa + wj)
		if f < bestV || (f == bestV && keys[j] < bestK) {
			bestV, bestK, bestP = f, keys[j], lo+j
			cut = f / lb
		}
	}
	return candidate{val: bestV, key: bestK, pos: int32(bestP)}
}
