package features

import (
	"hash/maphash"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Exact distinct counting with memory per group, not per value, for the
// usual case of values arriving in order; see runCounter.

// pairSet is a set of (group, value) pairs with open addressing.
type pairSet struct {
	slots []pairSlot
	mask  uint64
	n     int
}

type pairSlot struct {
	g int32 // group + 1; 0 marks an empty slot
	v int64
}

func newPairSet() *pairSet { return &pairSet{slots: make([]pairSlot, 1024), mask: 1023} }

// add inserts (g, v) and reports whether it was new.
func (s *pairSet) add(g int32, v int64) bool {
	pos := mix64(uint64(v)^uint64(g)*0x9e3779b97f4a7c15) & s.mask
	for {
		sl := &s.slots[pos]
		if sl.g == 0 {
			sl.g, sl.v = g+1, v
			s.n++
			if s.n*2 > len(s.slots) {
				s.rehash()
			}
			return true
		}
		if sl.g == g+1 && sl.v == v {
			return false
		}
		pos = (pos + 1) & s.mask
	}
}

func (s *pairSet) rehash() {
	old := s.slots
	s.slots = make([]pairSlot, 2*len(old))
	s.mask = uint64(len(s.slots) - 1)
	for _, sl := range old {
		if sl.g == 0 {
			continue
		}
		pos := mix64(uint64(sl.v)^uint64(sl.g-1)*0x9e3779b97f4a7c15) & s.mask
		for s.slots[pos].g != 0 {
			pos = (pos + 1) & s.mask
		}
		s.slots[pos] = sl
	}
}

// strDict maps strings to exact int64 codes: -1 - (the string's index in
// an arena), so codes never collide with the non-negative short codes.
type strDict struct {
	seed  maphash.Seed
	data  []byte
	offs  []int
	hash  []uint64
	slots []int32 // index + 1; 0 empty
	mask  uint64
}

func newStrDict() *strDict {
	return &strDict{seed: maphash.MakeSeed(), offs: []int{0}, slots: make([]int32, 1024), mask: 1023}
}

func (d *strDict) code(b []byte) int64 {
	h := maphash.Bytes(d.seed, b)
	pos := h & d.mask
	for {
		s := d.slots[pos]
		if s == 0 {
			idx := int32(len(d.hash))
			d.data = append(d.data, b...)
			d.offs = append(d.offs, len(d.data))
			d.hash = append(d.hash, h)
			d.slots[pos] = idx + 1
			if len(d.hash)*2 > len(d.slots) {
				d.slots = make([]int32, 2*len(d.slots))
				d.mask = uint64(len(d.slots) - 1)
				for j, hh := range d.hash {
					p := hh & d.mask
					for d.slots[p] != 0 {
						p = (p + 1) & d.mask
					}
					d.slots[p] = int32(j) + 1
				}
			}
			return -1 - int64(idx)
		}
		j := s - 1
		if d.hash[j] == h && string(d.data[d.offs[j]:d.offs[j+1]]) == string(b) {
			return -1 - int64(j)
		}
		pos = (pos + 1) & d.mask
	}
}

// runCounter counts distinct codes per group in one pass with O(1)
// memory per group, for groups whose codes arrive in non-decreasing order
// (order numbers or days in a time-ordered log): a group's count is then
// the number of strict increases plus one. A group whose code goes back
// is marked dirty; its count is redone exactly by a second pass over the
// input that holds only the dirty groups' (group, code) pairs.
type runCounter struct {
	st     []runState
	ndirty int
	set    *pairSet // second pass
}

// runState is one group's counter, kept together for one cache miss a
// row.
type runState struct {
	n     int64
	last  int64
	dirty bool
}

func (rc *runCounter) grow(n int) { rc.st = growTo(rc.st, n) }

// add folds code v of group g into the first pass.
func (rc *runCounter) add(g int32, v int64) {
	s := &rc.st[g]
	switch {
	case s.n == 0:
		s.n, s.last = 1, v
	case v > s.last:
		s.n++
		s.last = v
	case v < s.last && !s.dirty:
		s.dirty = true
		rc.ndirty++
	}
}

// count returns group g's count.
func (rc *runCounter) count(g int32) int64 { return rc.st[g].n }

// counts returns every group's count.
func (rc *runCounter) counts() []int64 {
	out := make([]int64, len(rc.st))
	for g := range rc.st {
		out[g] = rc.st[g].n
	}
	return out
}

// startRecount prepares the second pass: dirty groups count from zero.
func (rc *runCounter) startRecount() {
	rc.set = newPairSet()
	for g := range rc.st {
		if rc.st[g].dirty {
			rc.st[g].n = 0
		}
	}
}

// recount folds code v of group g into the second pass.
func (rc *runCounter) recount(g int32, v int64) {
	if rc.st[g].dirty && rc.set.add(g, v) {
		rc.st[g].n++
	}
}

// finish drops the second pass's memory.
func (rc *runCounter) finish() { rc.set = nil }

// recounter is implemented by aggregators that may need a second pass.
type recounter interface {
	// needsRecount reports whether a second pass is needed.
	needsRecount() bool
	startRecount()
	recountBatch(b *aggBatch) error
	finish()
}

// countDistinctAgg counts the distinct non-null values of a column per
// group with a runCounter. Values are coded as int64 preserving a total
// order: ints, dates and timestamps as themselves, floats by their bits,
// bools as 0 and 1, and strings in "shortlex" order (shorter first, then
// bytes) so that order numbers that grow in digits stay increasing: a
// string of up to 8 bytes is coded exactly by its length and bytes; a
// longer one is compared through a per-group copy of the last value.
type countDistinctAgg struct {
	col     int
	rc      runCounter
	long    []string // strings.Clone of the last long string per group
	dict    *strDict // second pass: codes of long strings
	scratch []int64
}

func (a *countDistinctAgg) grow(n int) { a.rc.grow(n) }

func (a *countDistinctAgg) count(g int32) int64 { return a.rc.count(g) }

func (a *countDistinctAgg) needsRecount() bool { return a.rc.ndirty > 0 }

func (a *countDistinctAgg) startRecount() {
	a.rc.startRecount()
	a.dict = newStrDict()
}

func (a *countDistinctAgg) finish() {
	a.rc.finish()
	a.dict, a.long = nil, nil
}

// shortCode codes a string of at most 7 bytes: length in the top byte,
// then the bytes big-endian, so codes compare in shortlex order. Longer
// strings get ok == false.
func shortCode(b []byte) (int64, bool) {
	if len(b) > 7 {
		return 0, false
	}
	v := uint64(len(b)) << 56
	for i, c := range b {
		v |= uint64(c) << (48 - 8*i)
	}
	return int64(v), true
}

// longCode is the order code of every string longer than 7 bytes: above
// every short code. Two long strings are compared by their bytes.
const longCode = int64(8) << 56

func (a *countDistinctAgg) update(b *aggBatch) error {
	return a.each(b, false)
}

func (a *countDistinctAgg) recountBatch(b *aggBatch) error {
	return a.each(b, true)
}

// each folds a batch into the first pass, or into the recount.
func (a *countDistinctAgg) each(b *aggBatch, second bool) error {
	arr := b.rec.Column(a.col)
	rc := &a.rc
	add := rc.add
	if second {
		add = rc.recount
	}
	switch c := arr.(type) {
	case *array.String:
		offs := c.ValueOffsets()
		data := c.ValueBytes()
		var base int32
		if len(offs) > 0 {
			base = offs[0]
		}
		pl := plain(b, arr)
		prevG, prevCode := int32(-1), int64(0)
		for i, g := range b.gids {
			if g < 0 || !pl && !use(b, arr, i) || second && !rc.st[g].dirty {
				continue
			}
			v := data[offs[i]-base : offs[i+1]-base]
			if code, ok := shortCode(v); ok {
				// The lines of one order usually follow each other: skip
				// a repeat of the previous row without touching the state.
				if g == prevG && code == prevCode && !second {
					continue
				}
				prevG, prevCode = g, code
				add(g, code)
				continue
			}
			prevG = -1
			if second {
				add(g, a.dict.code(v))
				continue
			}
			// A long string: ordered after every short one; two long
			// ones compare by their bytes, through a copy of the last.
			a.long = growTo(a.long, len(rc.st))
			if st := &rc.st[g]; st.n == 0 || st.last < longCode {
				rc.add(g, longCode)
				a.long[g] = string(v)
				continue
			}
			switch last := a.long[g]; {
			case string(v) > last && (len(v) == len(last)) || len(v) > len(last):
				rc.st[g].n++
				a.long[g] = string(v)
			case string(v) != last && !rc.st[g].dirty:
				rc.st[g].dirty = true
				rc.ndirty++
			}
		}
	case *array.Float64:
		vals := c.Float64Values()
		for i, g := range b.gids {
			if !use(b, arr, i) || math.IsNaN(vals[i]) {
				continue
			}
			x := vals[i]
			if x == 0 {
				x = 0 // -0 and +0 are one value
			}
			add(g, int64(math.Float64bits(x)))
		}
	case *array.Boolean:
		for i, g := range b.gids {
			if !use(b, arr, i) {
				continue
			}
			var v int64
			if c.Value(i) {
				v = 1
			}
			add(g, v)
		}
	default:
		vals := intValues(arr, &a.scratch)
		if !second && plain(b, arr) {
			prevG, prev := int32(-1), int64(0)
			for i, g := range b.gids {
				if g >= 0 && (g != prevG || vals[i] != prev) {
					rc.add(g, vals[i])
					prevG, prev = g, vals[i]
				}
			}
			return nil
		}
		for i, g := range b.gids {
			if use(b, arr, i) {
				add(g, vals[i])
			}
		}
	}
	return nil
}

func (a *countDistinctAgg) build(perm []int32, mem memory.Allocator) arrow.Array {
	return buildInts(arrow.PrimitiveTypes.Int64, a.rc.counts(), nil, true, perm, mem)
}
