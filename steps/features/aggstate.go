package features

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Aggregate states. Each aggregator keeps one slot per group in plain
// slices and updates them batch by batch in a type-specialised loop. The
// states of median and quantile hold every value (memory grows with the
// rows aggregated), count_distinct every distinct (group, value) pair;
// all others hold a fixed number of words per group.

// aggBatch is what an aggregator sees of one batch.
type aggBatch struct {
	rec  arrow.RecordBatch
	gids []int32 // group of each row; -1 for rows outside the window
	sel  []bool  // rows that pass the aggregate's where condition; nil: all
}

// aggregator is the state of one named aggregate.
type aggregator interface {
	// grow makes room for n groups.
	grow(n int)
	// update folds a batch into the state.
	update(b *aggBatch) error
	// build returns the result column, one value per group in perm order.
	build(perm []int32, mem memory.Allocator) arrow.Array
}

// use reports whether row i of b counts: it is in a group, passes the
// where condition and, for a column a (may be nil), is not null.
func use(b *aggBatch, a arrow.Array, i int) bool {
	return b.gids[i] >= 0 && (b.sel == nil || b.sel[i]) && (a == nil || a.IsValid(i))
}

// plain reports whether every row of a counts wherever it is grouped:
// no where condition and no nulls, so a loop need only skip gids < 0.
func plain(b *aggBatch, a arrow.Array) bool {
	return b.sel == nil && (a == nil || a.NullN() == 0)
}

// growTo returns s extended with zero values to length n, doubling its
// capacity when it must reallocate. The elements between len and cap
// are never written, so they are still zero.
func growTo[T any](s []T, n int) []T {
	if n <= len(s) {
		return s
	}
	if n <= cap(s) {
		return s[:n]
	}
	ns := make([]T, n, max(n, 2*cap(s), 1024))
	copy(ns, s)
	return ns
}

// --- count -----------------------------------------------------------

// countAgg counts rows (col < 0) or the non-null, non-NaN values of a
// column.
type countAgg struct {
	col int
	n   []int64
}

func (a *countAgg) grow(n int) { a.n = growTo(a.n, n) }

func (a *countAgg) count(g int32) int64 { return a.n[g] }

func (a *countAgg) update(b *aggBatch) error {
	var arr arrow.Array
	if a.col >= 0 {
		arr = b.rec.Column(a.col)
	}
	var fv []float64
	if f, ok := arr.(*array.Float64); ok {
		fv = f.Float64Values()
	}
	cnt := a.n
	if plain(b, arr) && fv == nil {
		for _, g := range b.gids {
			if g >= 0 {
				cnt[g]++
			}
		}
		return nil
	}
	for i, g := range b.gids {
		if use(b, arr, i) && (fv == nil || !math.IsNaN(fv[i])) {
			cnt[g]++
		}
	}
	return nil
}

func (a *countAgg) build(perm []int32, mem memory.Allocator) arrow.Array {
	return buildInts(arrow.PrimitiveTypes.Int64, a.n, nil, true, perm, mem)
}

// --- sum and mean --------------------------------------------------------

// sumIntAgg sums an int64 column exactly; a group without values sums
// to 0.
type sumIntAgg struct {
	col int
	s   []int64
}

func (a *sumIntAgg) grow(n int) { a.s = growTo(a.s, n) }

func (a *sumIntAgg) update(b *aggBatch) error {
	arr := b.rec.Column(a.col)
	vals := arr.(*array.Int64).Int64Values()
	s := a.s
	if plain(b, arr) {
		for i, g := range b.gids {
			if g >= 0 {
				s[g] += vals[i]
			}
		}
		return nil
	}
	for i, g := range b.gids {
		if use(b, arr, i) {
			s[g] += vals[i]
		}
	}
	return nil
}

func (a *sumIntAgg) build(perm []int32, mem memory.Allocator) arrow.Array {
	return buildInts(arrow.PrimitiveTypes.Int64, a.s, nil, true, perm, mem)
}

// sumFloatAgg sums (or averages) a numeric column as float64 with Kahan-
// Babuska compensation, skipping nulls and NaN. A group without values
// sums to 0 and has a null mean.
type sumFloatAgg struct {
	col     int
	mean    bool
	s, c    []float64
	n       []int64
	scratch []float64
}

func (a *sumFloatAgg) grow(n int) {
	a.s, a.c, a.n = growTo(a.s, n), growTo(a.c, n), growTo(a.n, n)
}

func (a *sumFloatAgg) update(b *aggBatch) error {
	arr := b.rec.Column(a.col)
	vals := floatValues(arr, &a.scratch)
	s, c, cnt := a.s, a.c, a.n
	pl := plain(b, arr)
	for i, g := range b.gids {
		if g < 0 || !pl && !use(b, arr, i) {
			continue
		}
		x := vals[i]
		if x != x {
			continue
		}
		t := s[g] + x
		if math.Abs(s[g]) >= math.Abs(x) {
			c[g] += (s[g] - t) + x
		} else {
			c[g] += (x - t) + s[g]
		}
		s[g] = t
		cnt[g]++
	}
	return nil
}

func (a *sumFloatAgg) build(perm []int32, mem memory.Allocator) arrow.Array {
	out := make([]float64, len(a.s))
	var has []bool
	if a.mean {
		has = make([]bool, len(a.s))
	}
	for g := range out {
		out[g] = a.s[g] + a.c[g]
		if a.mean {
			has[g] = a.n[g] > 0
			if has[g] {
				out[g] /= float64(a.n[g])
			}
		}
	}
	return buildFloats(out, has, perm, mem)
}

// --- min and max -------------------------------------------------------

// minMaxIntAgg is min or max of an int64, date32 or timestamp column.
type minMaxIntAgg struct {
	col     int
	max     bool
	typ     arrow.DataType
	v       []int64
	has     []bool
	scratch []int64
}

func (a *minMaxIntAgg) grow(n int) { a.v, a.has = growTo(a.v, n), growTo(a.has, n) }

func (a *minMaxIntAgg) update(b *aggBatch) error {
	arr := b.rec.Column(a.col)
	vals := intValues(arr, &a.scratch)
	v, has := a.v, a.has
	pl := plain(b, arr)
	for i, g := range b.gids {
		if g < 0 || !pl && !use(b, arr, i) {
			continue
		}
		x := vals[i]
		if !has[g] || (a.max && x > v[g]) || (!a.max && x < v[g]) {
			v[g], has[g] = x, true
		}
	}
	return nil
}

func (a *minMaxIntAgg) build(perm []int32, mem memory.Allocator) arrow.Array {
	return buildInts(a.typ, a.v, a.has, false, perm, mem)
}

// minMaxFloatAgg is min or max of a float64 column, skipping NaN.
type minMaxFloatAgg struct {
	col int
	max bool
	v   []float64
	has []bool
}

func (a *minMaxFloatAgg) grow(n int) { a.v, a.has = growTo(a.v, n), growTo(a.has, n) }

func (a *minMaxFloatAgg) update(b *aggBatch) error {
	arr := b.rec.Column(a.col)
	vals := arr.(*array.Float64).Float64Values()
	v, has := a.v, a.has
	for i, g := range b.gids {
		if g < 0 || !use(b, arr, i) {
			continue
		}
		x := vals[i]
		if x != x {
			continue
		}
		if !has[g] || (a.max && x > v[g]) || (!a.max && x < v[g]) {
			v[g], has[g] = x, true
		}
	}
	return nil
}

func (a *minMaxFloatAgg) build(perm []int32, mem memory.Allocator) arrow.Array {
	return buildFloats(a.v, a.has, perm, mem)
}

// minMaxStrAgg is the lexicographic (byte order) min or max of a string
// column.
type minMaxStrAgg struct {
	col int
	max bool
	v   []string
	has []bool
}

func (a *minMaxStrAgg) grow(n int) { a.v, a.has = growTo(a.v, n), growTo(a.has, n) }

func (a *minMaxStrAgg) update(b *aggBatch) error {
	arr := b.rec.Column(a.col).(*array.String)
	for i, g := range b.gids {
		if g < 0 || !use(b, arr, i) {
			continue
		}
		x := arr.Value(i)
		if !a.has[g] || (a.max && x > a.v[g]) || (!a.max && x < a.v[g]) {
			a.v[g], a.has[g] = strings.Clone(x), true
		}
	}
	return nil
}

func (a *minMaxStrAgg) build(perm []int32, mem memory.Allocator) arrow.Array {
	return buildStrings(a.v, a.has, perm, mem)
}

func buildStrings(v []string, has []bool, perm []int32, mem memory.Allocator) arrow.Array {
	b := array.NewStringBuilder(mem)
	defer b.Release()
	b.Reserve(len(perm))
	for _, g := range perm {
		if has != nil && !has[g] {
			b.AppendNull()
		} else {
			b.Append(v[g])
		}
	}
	return b.NewArray()
}

func buildBools(v []bool, has []bool, perm []int32, mem memory.Allocator) arrow.Array {
	b := array.NewBooleanBuilder(mem)
	defer b.Release()
	b.Reserve(len(perm))
	for _, g := range perm {
		if has != nil && !has[g] {
			b.UnsafeAppendBoolToBitmap(false)
		} else {
			b.UnsafeAppend(v[g])
		}
	}
	return b.NewArray()
}

// --- first and last ----------------------------------------------------

// valueStore keeps one value of a column per group, whatever its type.
type valueStore struct {
	typ   arrow.DataType
	ints  []int64
	flts  []float64
	strs  []string
	bools []bool
	// scratch for int-like columns
	scratch []int64
}

func (s *valueStore) grow(n int) {
	switch s.typ.ID() {
	case arrow.FLOAT64:
		s.flts = growTo(s.flts, n)
	case arrow.STRING:
		s.strs = growTo(s.strs, n)
	case arrow.BOOL:
		s.bools = growTo(s.bools, n)
	default:
		s.ints = growTo(s.ints, n)
	}
}

func (s *valueStore) build(has []bool, perm []int32, mem memory.Allocator) arrow.Array {
	switch s.typ.ID() {
	case arrow.FLOAT64:
		return buildFloats(s.flts, has, perm, mem)
	case arrow.STRING:
		return buildStrings(s.strs, has, perm, mem)
	case arrow.BOOL:
		return buildBools(s.bools, has, perm, mem)
	}
	return buildInts(s.typ, s.ints, has, false, perm, mem)
}

// firstLastAgg keeps the value of the row with the smallest (first) or
// largest (last) order key per group; ties go to the earlier row for
// first and the later row for last, as after a stable sort. Rows whose
// value or order key is null (or NaN) are skipped. Without an order
// column rows are taken in scan order.
type firstLastAgg struct {
	col, ord int // ord < 0: scan order
	last     bool
	ordFloat bool
	vals     valueStore
	keyI     []int64
	keyF     []float64
	has      []bool
	oscI     []int64
}

func (a *firstLastAgg) grow(n int) {
	a.vals.grow(n)
	a.has = growTo(a.has, n)
	if a.ordFloat {
		a.keyF = growTo(a.keyF, n)
	} else {
		a.keyI = growTo(a.keyI, n)
	}
}

func (a *firstLastAgg) update(b *aggBatch) error {
	arr := b.rec.Column(a.col)
	var oarr arrow.Array
	var ki []int64
	var kf []float64
	if a.ord >= 0 {
		oarr = b.rec.Column(a.ord)
		if a.ordFloat {
			kf = oarr.(*array.Float64).Float64Values()
		} else {
			ki = intValues(oarr, &a.oscI)
		}
	}
	var fv []float64
	var iv []int64
	var sv *array.String
	var bv *array.Boolean
	switch c := arr.(type) {
	case *array.Float64:
		fv = c.Float64Values()
	case *array.String:
		sv = c
	case *array.Boolean:
		bv = c
	default:
		iv = intValues(arr, &a.vals.scratch)
	}
	for i, g := range b.gids {
		if !use(b, arr, i) || fv != nil && math.IsNaN(fv[i]) {
			continue
		}
		take := !a.has[g]
		switch {
		case oarr == nil:
			take = take || a.last
		case a.ordFloat:
			if !oarr.IsValid(i) || math.IsNaN(kf[i]) {
				continue
			}
			k := kf[i]
			if !take {
				take = a.last && k >= a.keyF[g] || !a.last && k < a.keyF[g]
			}
			if take {
				a.keyF[g] = k
			}
		default:
			if !oarr.IsValid(i) {
				continue
			}
			k := ki[i]
			if !take {
				take = a.last && k >= a.keyI[g] || !a.last && k < a.keyI[g]
			}
			if take {
				a.keyI[g] = k
			}
		}
		if !take {
			continue
		}
		a.has[g] = true
		switch {
		case fv != nil:
			a.vals.flts[g] = fv[i]
		case sv != nil:
			a.vals.strs[g] = strings.Clone(sv.Value(i))
		case bv != nil:
			a.vals.bools[g] = bv.Value(i)
		default:
			a.vals.ints[g] = iv[i]
		}
	}
	return nil
}

func (a *firstLastAgg) build(perm []int32, mem memory.Allocator) arrow.Array {
	return a.vals.build(a.has, perm, mem)
}

// --- var and std -------------------------------------------------------

// varAgg is the variance or standard deviation of a numeric column with
// Welford's online algorithm, ddof 1 (sample, as pandas) by default. A
// group with n <= ddof values gives null.
type varAgg struct {
	col     int
	std     bool
	ddof    int
	n       []int64
	mean    []float64
	m2      []float64
	scratch []float64
}

func (a *varAgg) grow(n int) {
	a.n, a.mean, a.m2 = growTo(a.n, n), growTo(a.mean, n), growTo(a.m2, n)
}

func (a *varAgg) update(b *aggBatch) error {
	arr := b.rec.Column(a.col)
	vals := floatValues(arr, &a.scratch)
	for i, g := range b.gids {
		if g < 0 || !use(b, arr, i) {
			continue
		}
		x := vals[i]
		if x != x {
			continue
		}
		a.n[g]++
		d := x - a.mean[g]
		a.mean[g] += d / float64(a.n[g])
		a.m2[g] += d * (x - a.mean[g])
	}
	return nil
}

func (a *varAgg) build(perm []int32, mem memory.Allocator) arrow.Array {
	out := make([]float64, len(a.n))
	has := make([]bool, len(a.n))
	for g, n := range a.n {
		if d := n - int64(a.ddof); d > 0 {
			out[g] = a.m2[g] / float64(d)
			if out[g] < 0 {
				out[g] = 0
			}
			if a.std {
				out[g] = math.Sqrt(out[g])
			}
			has[g] = true
		}
	}
	return buildFloats(out, has, perm, mem)
}

// --- median and quantile -----------------------------------------------

// quantileAgg holds every non-null value with its group and computes the
// q-quantile with linear interpolation (pandas' and numpy's default) at
// the end. Its memory grows with the number of values aggregated.
type quantileAgg struct {
	col     int
	q       float64
	median  bool
	ngroups int
	g       []int32
	v       []float64
	scratch []float64
}

func (a *quantileAgg) grow(n int) { a.ngroups = n }

func (a *quantileAgg) update(b *aggBatch) error {
	arr := b.rec.Column(a.col)
	vals := floatValues(arr, &a.scratch)
	for i, g := range b.gids {
		if g < 0 || !use(b, arr, i) || math.IsNaN(vals[i]) {
			continue
		}
		a.g = append(a.g, g)
		a.v = append(a.v, vals[i])
	}
	return nil
}

func (a *quantileAgg) build(perm []int32, mem memory.Allocator) arrow.Array {
	// Counting sort of the values by group.
	start := make([]int, a.ngroups+1)
	for _, g := range a.g {
		start[g+1]++
	}
	for g := range a.ngroups {
		start[g+1] += start[g]
	}
	sorted := make([]float64, len(a.v))
	pos := slices.Clone(start[:a.ngroups])
	for i, g := range a.g {
		sorted[pos[g]] = a.v[i]
		pos[g]++
	}
	a.g, a.v = nil, nil
	out := make([]float64, a.ngroups)
	has := make([]bool, a.ngroups)
	for g := range a.ngroups {
		vs := sorted[start[g]:start[g+1]]
		if len(vs) == 0 {
			continue
		}
		slices.Sort(vs)
		has[g] = true
		if a.median {
			out[g] = median(vs)
		} else {
			out[g] = quantileSorted(vs, a.q)
		}
	}
	return buildFloats(out, has, perm, mem)
}

// median returns the median of sorted values: the mean of the two middle
// values for an even count.
func median(vs []float64) float64 {
	n := len(vs)
	if n%2 == 1 {
		return vs[n/2]
	}
	return (vs[n/2-1] + vs[n/2]) / 2
}

// quantileSorted returns the q-quantile of sorted values by linear
// interpolation between the closest ranks (numpy's default "linear"
// method, used by pandas and scikit-learn).
func quantileSorted(vs []float64, q float64) float64 {
	n := len(vs)
	if n == 1 {
		return vs[0]
	}
	h := q * float64(n-1)
	lo := int(math.Floor(h))
	if lo >= n-1 {
		return vs[n-1]
	}
	t := h - float64(lo)
	a, b := vs[lo], vs[lo+1]
	// numpy's _lerp: symmetric form for accuracy near both ends.
	if t >= 0.5 {
		return b - (b-a)*(1-t)
	}
	return a + (b-a)*t
}

// --- any and all ---------------------------------------------------------

// anyAllAgg is any or all of a boolean expression evaluated per row,
// skipping nulls: any is false and all is true for a group with no
// non-null values (as pandas with skipna).
type anyAllAgg struct {
	all  bool
	eval func(rec arrow.RecordBatch) (arrow.Array, error)
	v    []bool
}

func (a *anyAllAgg) grow(n int) {
	old := len(a.v)
	a.v = growTo(a.v, n)
	if a.all {
		for g := old; g < n; g++ {
			a.v[g] = true
		}
	}
}

func (a *anyAllAgg) update(b *aggBatch) error {
	arr, err := a.eval(b.rec)
	if err != nil {
		return err
	}
	defer arr.Release()
	bools, ok := arr.(*array.Boolean)
	if !ok {
		return fmt.Errorf("expression gave %s values, want bool", arr.DataType())
	}
	for i, g := range b.gids {
		if !use(b, bools, i) {
			continue
		}
		x := bools.Value(i)
		if a.all && !x {
			a.v[g] = false
		} else if !a.all && x {
			a.v[g] = true
		}
	}
	return nil
}

func (a *anyAllAgg) build(perm []int32, mem memory.Allocator) arrow.Array {
	return buildBools(a.v, nil, perm, mem)
}
