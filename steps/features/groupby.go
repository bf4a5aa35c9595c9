package features

import (
	"bytes"
	"cmp"
	"fmt"
	"hash/maphash"
	"math"
	"slices"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// The grouping engine behind features.aggregate, features.rfm,
// features.btyd_summary and features.join: a hash table from key to a
// dense group index. Keys are held column-wise (one keyStore per key
// column), so memory grows with the number of distinct keys and not with
// the rows scanned. Int-like keys (int64, date32, timestamp) are hashed
// from their values; string keys from the Arrow string bytes, without
// allocating.

// keyKind is the physical form a key column is held in.
type keyKind uint8

const (
	keyInt   keyKind = iota // int64, date32 and timestamp, held as int64
	keyStr                  // string, held as bytes in an arena
	keyBool                 // bool, held as 0 or 1 in ints
	keyFloat                // float64, held as its bits in ints (NaN as null, -0 as 0)
)

// keyKindOf returns how a column of type t is held as a key, and whether
// it can be a key at all.
func keyKindOf(t arrow.DataType) (keyKind, bool) {
	switch t.ID() {
	case arrow.INT64, arrow.DATE32, arrow.TIMESTAMP:
		return keyInt, true
	case arrow.STRING:
		return keyStr, true
	case arrow.BOOL:
		return keyBool, true
	case arrow.FLOAT64:
		return keyFloat, true
	}
	return 0, false
}

// keyStore holds the distinct values of one key column, by group index.
type keyStore struct {
	typ  arrow.DataType
	kind keyKind
	ints []int64
	data []byte
	offs []int // offs[g]..offs[g+1] are group g's bytes; len n+1
	null []bool
}

func newKeyStore(t arrow.DataType) *keyStore {
	k, _ := keyKindOf(t)
	ks := &keyStore{typ: t, kind: k}
	if k == keyStr {
		ks.offs = []int{0}
	}
	return ks
}

func (ks *keyStore) str(g int32) []byte { return ks.data[ks.offs[g]:ks.offs[g+1]] }

// keyView is one key column of the batch being grouped.
type keyView struct {
	kind    keyKind
	ints    []int64
	offs    []int32
	data    []byte
	base    int32
	arr     arrow.Array
	hasNull bool
	valids  []bool // float keys with nulls or NaN: validity per row
}

func (v *keyView) bytesAt(i int) []byte {
	return v.data[v.offs[i]-v.base : v.offs[i+1]-v.base]
}

func (v *keyView) valid(i int) bool {
	if v.valids != nil {
		return v.valids[i]
	}
	return !v.hasNull || v.arr.IsValid(i)
}

// groupTable assigns dense group indices (0, 1, ... in order of first
// appearance) to distinct keys. Its open-addressing slots pack a 32-bit
// hash tag and the group index + 1 into a uint64 (0 = empty).
type groupTable struct {
	keys    []*keyStore
	hash    []uint64 // hash of each group's key, for rehashing
	slots   []uint64
	mask    uint64
	n       int
	seed    maphash.Seed
	hs      []uint64
	views   []keyView
	scratch [][]int64
	valids  [][]bool
}

const nullHash = 0x9e3779b97f4a7c15

func newGroupTable(types []arrow.DataType) *groupTable {
	t := &groupTable{seed: maphash.MakeSeed(), views: make([]keyView, len(types)), scratch: make([][]int64, len(types)), valids: make([][]bool, len(types))}
	for _, ty := range types {
		t.keys = append(t.keys, newKeyStore(ty))
	}
	t.slots = make([]uint64, 1024)
	t.mask = 1023
	return t
}

// Len returns the number of groups.
func (t *groupTable) Len() int { return t.n }

// mix64 is the murmur3 finaliser: a cheap hash of an int key.
func mix64(x uint64) uint64 {
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	return x
}

// prepare loads the batch's key columns and hashes every row.
func (t *groupTable) prepare(cols []arrow.Array, n int) {
	if cap(t.hs) < n {
		t.hs = make([]uint64, n)
	}
	hs := t.hs[:n]
	for k, a := range cols {
		v := &t.views[k]
		*v = keyView{kind: t.keys[k].kind, arr: a, hasNull: a.NullN() > 0}
		switch v.kind {
		case keyInt:
			v.ints = intValues(a, &t.scratch[k])
		case keyBool:
			b := a.(*array.Boolean)
			s := growInts(&t.scratch[k], n)
			for i := range n {
				if b.Value(i) {
					s[i] = 1
				} else {
					s[i] = 0
				}
			}
			v.ints = s
		case keyFloat:
			fv := a.(*array.Float64).Float64Values()
			s := growInts(&t.scratch[k], n)
			var vs []bool
			for i, x := range fv {
				if x != x || v.hasNull && a.IsNull(i) {
					if vs == nil {
						if cap(t.valids[k]) < n {
							t.valids[k] = make([]bool, n)
						}
						vs = t.valids[k][:n]
						for j := range vs {
							vs[j] = true
						}
					}
					vs[i] = false
					s[i] = 0
					continue
				}
				if x == 0 {
					x = 0 // -0 and +0 are one key
				}
				s[i] = int64(math.Float64bits(x))
			}
			v.ints = s
			if vs != nil {
				v.valids, v.hasNull = vs, true
			}
		case keyStr:
			s := a.(*array.String)
			v.offs = s.ValueOffsets()
			v.data = s.ValueBytes()
			if len(v.offs) > 0 {
				v.base = v.offs[0]
			}
		}
		for i := range n {
			var h uint64
			switch {
			case v.hasNull && !v.valid(i):
				h = nullHash
			case v.kind == keyStr:
				h = maphash.Bytes(t.seed, v.bytesAt(i))
			default:
				h = mix64(uint64(v.ints[i]))
			}
			if k == 0 {
				hs[i] = h
			} else {
				hs[i] = mix64(hs[i]*31 + h)
			}
		}
	}
}

// assign sets gids[i] to the group of row i of the key columns cols, for
// rows with keep[i] (or every row when keep is nil), and -1 otherwise. New
// keys get new groups.
func (t *groupTable) assign(cols []arrow.Array, n int, keep []bool, gids []int32) {
	if len(cols) == 0 {
		// No keys: one group for every row.
		if t.n == 0 {
			t.n = 1
		}
		for i := range gids[:n] {
			gids[i] = 0
			if keep != nil && !keep[i] {
				gids[i] = -1
			}
		}
		return
	}
	t.prepare(cols, n)
	hs := t.hs[:n]
	if len(cols) == 1 {
		switch t.views[0].kind {
		case keyInt, keyBool, keyFloat:
			t.assignInts(hs, keep, gids)
			return
		case keyStr:
			t.assignStrs(hs, keep, gids)
			return
		}
	}
	for i := range n {
		if keep != nil && !keep[i] {
			gids[i] = -1
			continue
		}
		gids[i] = t.find(i, hs[i])
	}
}

// assignInts is assign for a single int-like key: a probe compares the
// key directly; rows with a null key take the general path.
func (t *groupTable) assignInts(hs []uint64, keep []bool, gids []int32) {
	v := &t.views[0]
	vals := v.ints[:len(hs)]
	ks := t.keys[0]
	for i, h := range hs {
		if keep != nil && !keep[i] {
			gids[i] = -1
			continue
		}
		if v.hasNull && !v.valid(i) {
			gids[i] = t.find(i, h)
			continue
		}
		x := vals[i]
		tag := h >> 32
		pos := h & t.mask
		for {
			s := t.slots[pos]
			if s == 0 {
				gids[i] = t.insert(i, h, pos)
				break
			}
			if s>>32 == tag {
				g := int32(uint32(s)) - 1
				if ks.ints[g] == x && (ks.null == nil || !ks.null[g]) {
					gids[i] = g
					break
				}
			}
			pos = (pos + 1) & t.mask
		}
	}
}

// assignStrs is assign for a single string key: a probe compares the
// bytes directly; rows with a null key take the general path.
func (t *groupTable) assignStrs(hs []uint64, keep []bool, gids []int32) {
	v := &t.views[0]
	ks := t.keys[0]
	for i, h := range hs {
		if keep != nil && !keep[i] {
			gids[i] = -1
			continue
		}
		if v.hasNull && !v.valid(i) {
			gids[i] = t.find(i, h)
			continue
		}
		b := v.bytesAt(i)
		tag := h >> 32
		pos := h & t.mask
		for {
			s := t.slots[pos]
			if s == 0 {
				gids[i] = t.insert(i, h, pos)
				break
			}
			if s>>32 == tag {
				g := int32(uint32(s)) - 1
				if (ks.null == nil || !ks.null[g]) && string(ks.data[ks.offs[g]:ks.offs[g+1]]) == string(b) {
					gids[i] = g
					break
				}
			}
			pos = (pos + 1) & t.mask
		}
	}
}

// find returns the group of row i with hash h, adding it when new.
func (t *groupTable) find(i int, h uint64) int32 {
	tag := h >> 32
	pos := h & t.mask
	for {
		s := t.slots[pos]
		if s == 0 {
			return t.insert(i, h, pos)
		}
		if s>>32 == tag {
			g := int32(uint32(s)) - 1
			if t.equal(g, i) {
				return g
			}
		}
		pos = (pos + 1) & t.mask
	}
}

// equal reports whether group g's key equals row i's.
func (t *groupTable) equal(g int32, i int) bool {
	for k, ks := range t.keys {
		v := &t.views[k]
		gnull := ks.null != nil && ks.null[g]
		if rnull := !v.valid(i); rnull || gnull {
			if rnull != gnull {
				return false
			}
			continue
		}
		if v.kind == keyStr {
			if string(ks.str(g)) != string(v.bytesAt(i)) {
				return false
			}
		} else if ks.ints[g] != v.ints[i] {
			return false
		}
	}
	return true
}

// insert adds row i's key as a new group in slot pos and returns its
// index.
func (t *groupTable) insert(i int, h uint64, pos uint64) int32 {
	g := int32(t.n)
	if t.n >= math.MaxInt32-1 {
		panic("features: more than 2^31 groups")
	}
	for k, ks := range t.keys {
		v := &t.views[k]
		null := !v.valid(i)
		if null && ks.null == nil {
			ks.null = make([]bool, t.n, max(t.n+1, cap(ks.ints)))
		}
		if ks.null != nil {
			ks.null = append(ks.null, null)
		}
		switch {
		case ks.kind == keyStr:
			if !null {
				ks.data = append(ks.data, v.bytesAt(i)...)
			}
			ks.offs = append(ks.offs, len(ks.data))
		case null:
			ks.ints = append(ks.ints, 0)
		default:
			ks.ints = append(ks.ints, v.ints[i])
		}
	}
	t.hash = append(t.hash, h)
	t.slots[pos] = h>>32<<32 | uint64(uint32(g+1))
	t.n++
	if t.n*2 > len(t.slots) {
		t.rehash(len(t.slots) * 2)
	}
	return g
}

func (t *groupTable) rehash(size int) {
	t.slots = make([]uint64, size)
	t.mask = uint64(size - 1)
	for g, h := range t.hash {
		pos := h & t.mask
		for t.slots[pos] != 0 {
			pos = (pos + 1) & t.mask
		}
		t.slots[pos] = h>>32<<32 | uint64(uint32(g+1))
	}
}

// lookup returns the group of row i of the prepared batch, or -1 when its
// key is not in the table. It is the probe side of a hash join.
func (t *groupTable) lookup(i int) int32 {
	h := t.hs[i]
	tag := h >> 32
	pos := h & t.mask
	for {
		s := t.slots[pos]
		if s == 0 {
			return -1
		}
		if s>>32 == tag {
			g := int32(uint32(s)) - 1
			if t.equal(g, i) {
				return g
			}
		}
		pos = (pos + 1) & t.mask
	}
}

// hasNullKey reports whether group g has a null in any key column.
func (t *groupTable) hasNullKey(g int32) bool {
	for _, ks := range t.keys {
		if ks.null != nil && ks.null[g] {
			return true
		}
	}
	return false
}

// compare orders groups a and b by key, column by column; nulls last.
func (t *groupTable) compare(a, b int32) int {
	for _, ks := range t.keys {
		an := ks.null != nil && ks.null[a]
		bn := ks.null != nil && ks.null[b]
		if an || bn {
			if an == bn {
				continue
			}
			if an {
				return 1
			}
			return -1
		}
		var c int
		switch ks.kind {
		case keyStr:
			c = bytes.Compare(ks.str(a), ks.str(b))
		case keyFloat:
			c = cmp.Compare(math.Float64frombits(uint64(ks.ints[a])), math.Float64frombits(uint64(ks.ints[b])))
		default:
			c = cmp.Compare(ks.ints[a], ks.ints[b])
		}
		if c != 0 {
			return c
		}
	}
	return 0
}

// sortedOrder returns the group indices sorted by key (nulls last).
func (t *groupTable) sortedOrder() []int32 {
	perm := make([]int32, t.n)
	for i := range perm {
		perm[i] = int32(i)
	}
	if len(t.keys) == 1 && t.keys[0].null == nil {
		switch ks := t.keys[0]; ks.kind {
		case keyStr:
			sortByBytes(perm, ks)
			return perm
		case keyInt, keyBool:
			sortByInt(perm, ks.ints)
			return perm
		case keyFloat:
			sortByFloat(perm, ks.ints)
			return perm
		}
	}
	slices.SortFunc(perm, t.compare)
	return perm
}

// sortByInt sorts perm by ints[perm[i]] (keys are distinct: no ties).
func sortByInt(perm []int32, ints []int64) {
	keys := make([]uint64, len(perm))
	for i, g := range perm {
		keys[i] = uint64(ints[g]) ^ 1<<63 // order-preserving map to uint64
	}
	radixSort(keys, perm)
}

// sortByFloat sorts perm by the float64 whose bits are in bits[perm[i]]
// (no NaN: NaN keys are null).
func sortByFloat(perm []int32, bits []int64) {
	keys := make([]uint64, len(perm))
	for i, g := range perm {
		b := uint64(bits[g])
		if b>>63 == 1 {
			keys[i] = ^b // negative: reverse the magnitude order
		} else {
			keys[i] = b | 1<<63
		}
	}
	radixSort(keys, perm)
}

// sortByBytes sorts perm by the string keys of ks: first by a big-endian
// 8-byte prefix (a radix sort), then within runs of equal prefixes by the
// full bytes.
func sortByBytes(perm []int32, ks *keyStore) {
	keys := make([]uint64, len(perm))
	for i, g := range perm {
		b := ks.str(g)
		var p uint64
		for j := range 8 {
			p <<= 8
			if j < len(b) {
				p |= uint64(b[j])
			}
		}
		keys[i] = p
	}
	radixSort(keys, perm)
	for i := 0; i < len(keys); {
		j := i + 1
		for j < len(keys) && keys[j] == keys[i] {
			j++
		}
		if j-i > 1 {
			slices.SortFunc(perm[i:j], func(a, b int32) int { return bytes.Compare(ks.str(a), ks.str(b)) })
		}
		i = j
	}
}

// radixSort sorts keys ascending, permuting vals alike: a stable LSD radix
// sort on 16-bit digits that skips digits every key shares.
func radixSort(keys []uint64, vals []int32) {
	n := len(keys)
	if n < 256 {
		idx := make([]int, n)
		for i := range idx {
			idx[i] = i
		}
		slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(keys[a], keys[b]) })
		k2, v2 := slices.Clone(keys), slices.Clone(vals)
		for i, j := range idx {
			keys[i], vals[i] = k2[j], v2[j]
		}
		return
	}
	origK, origV := keys, vals
	bufK, bufV := make([]uint64, n), make([]int32, n)
	var count [1 << 16]int
	for shift := uint(0); shift < 64; shift += 16 {
		clear(count[:])
		for _, k := range keys {
			count[k>>shift&0xffff]++
		}
		if count[keys[0]>>shift&0xffff] == n {
			continue // every key has this digit
		}
		pos := 0
		for d, c := range count {
			count[d] = pos
			pos += c
		}
		for i, k := range keys {
			d := k >> shift & 0xffff
			bufK[count[d]], bufV[count[d]] = k, vals[i]
			count[d]++
		}
		keys, bufK = bufK, keys
		vals, bufV = bufV, vals
	}
	// After an odd number of passes the result is in the scratch buffers.
	if &keys[0] != &origK[0] {
		copy(origK, keys)
		copy(origV, vals)
	}
}

// build returns the key column of ks in the order perm.
func (ks *keyStore) build(perm []int32, mem memory.Allocator) arrow.Array {
	switch ks.kind {
	case keyStr:
		b := array.NewStringBuilder(mem)
		defer b.Release()
		b.Reserve(len(perm))
		b.ReserveData(len(ks.data))
		for _, g := range perm {
			if ks.null != nil && ks.null[g] {
				b.AppendNull()
				continue
			}
			b.BinaryBuilder.Append(ks.str(g))
		}
		return b.NewArray()
	case keyBool:
		b := array.NewBooleanBuilder(mem)
		defer b.Release()
		b.Reserve(len(perm))
		for _, g := range perm {
			if ks.null != nil && ks.null[g] {
				b.UnsafeAppendBoolToBitmap(false)
				continue
			}
			b.UnsafeAppend(ks.ints[g] != 0)
		}
		return b.NewArray()
	case keyFloat:
		b := array.NewFloat64Builder(mem)
		defer b.Release()
		b.Reserve(len(perm))
		for _, g := range perm {
			if ks.null != nil && ks.null[g] {
				b.UnsafeAppendBoolToBitmap(false)
				continue
			}
			b.UnsafeAppend(math.Float64frombits(uint64(ks.ints[g])))
		}
		return b.NewArray()
	}
	return buildInts(ks.typ, ks.ints, ks.null, true, perm, mem)
}

// buildInts builds an int64, date32 or timestamp array from vals[perm[i]].
// With nullIsSet, null[g] marks a null; otherwise null[g] marks a value
// (a "has value" flag) and false means null. A nil null means no nulls.
func buildInts(typ arrow.DataType, vals []int64, null []bool, nullIsSet bool, perm []int32, mem memory.Allocator) arrow.Array {
	isNull := func(g int32) bool {
		if null == nil {
			return false
		}
		return null[g] == nullIsSet
	}
	switch typ.ID() {
	case arrow.DATE32:
		b := array.NewDate32Builder(mem)
		defer b.Release()
		b.Reserve(len(perm))
		for _, g := range perm {
			if isNull(g) {
				b.UnsafeAppendBoolToBitmap(false)
			} else {
				b.UnsafeAppend(arrow.Date32(vals[g]))
			}
		}
		return b.NewArray()
	case arrow.TIMESTAMP:
		b := array.NewTimestampBuilder(mem, typ.(*arrow.TimestampType))
		defer b.Release()
		b.Reserve(len(perm))
		for _, g := range perm {
			if isNull(g) {
				b.UnsafeAppendBoolToBitmap(false)
			} else {
				b.UnsafeAppend(arrow.Timestamp(vals[g]))
			}
		}
		return b.NewArray()
	case arrow.INT64:
		b := array.NewInt64Builder(mem)
		defer b.Release()
		b.Reserve(len(perm))
		for _, g := range perm {
			if isNull(g) {
				b.UnsafeAppendBoolToBitmap(false)
			} else {
				b.UnsafeAppend(vals[g])
			}
		}
		return b.NewArray()
	}
	panic(fmt.Sprintf("features: buildInts of %s", typ))
}

// buildFloats builds a float64 array from vals[perm[i]], null where has is
// false (has may be nil: no nulls). NaN values become nulls too.
func buildFloats(vals []float64, has []bool, perm []int32, mem memory.Allocator) arrow.Array {
	b := array.NewFloat64Builder(mem)
	defer b.Release()
	b.Reserve(len(perm))
	for _, g := range perm {
		if has != nil && !has[g] || math.IsNaN(vals[g]) {
			b.UnsafeAppendBoolToBitmap(false)
		} else {
			b.UnsafeAppend(vals[g])
		}
	}
	return b.NewArray()
}

// growInts returns (*s)[:n], reallocating when too small.
func growInts(s *[]int64, n int) []int64 {
	if cap(*s) < n {
		*s = make([]int64, n)
	}
	return (*s)[:n]
}

// intValues returns the values of an int64, date32 or timestamp array as
// int64: a view of the array's buffer for int64 and timestamp, a copy in
// *scratch for date32.
func intValues(a arrow.Array, scratch *[]int64) []int64 {
	switch a := a.(type) {
	case *array.Int64:
		return a.Int64Values()
	case *array.Timestamp:
		v := a.TimestampValues()
		return unsafe.Slice((*int64)(unsafe.Pointer(unsafe.SliceData(v))), len(v))
	case *array.Date32:
		v := a.Date32Values()
		s := growInts(scratch, len(v))
		for i, x := range v {
			s[i] = int64(x)
		}
		return s
	}
	panic(fmt.Sprintf("features: intValues of %s", a.DataType()))
}

// floatValues returns the values of a float64 array (a view) or of an
// int64 array converted to float64 in *scratch.
func floatValues(a arrow.Array, scratch *[]float64) []float64 {
	switch a := a.(type) {
	case *array.Float64:
		return a.Float64Values()
	case *array.Int64:
		v := a.Int64Values()
		if cap(*scratch) < len(v) {
			*scratch = make([]float64, len(v))
		}
		s := (*scratch)[:len(v)]
		for i, x := range v {
			s[i] = float64(x)
		}
		return s
	}
	panic(fmt.Sprintf("features: floatValues of %s", a.DataType()))
}
