package colexpr

import (
	"fmt"
	"time"
)

// kind is the static type of a compiled node.
type kind uint8

const (
	kNull   kind = iota // the nil literal: a null of no particular type
	kInt                // int64 in vec.i
	kFloat              // float64 in vec.f
	kBool               // bool in vec.b; false wherever the row is null
	kString             // string in vec.s
	kDate               // days since 1970-01-01 in vec.i
	kTime               // microseconds since 1970-01-01 UTC in vec.i
	kDur                // nanoseconds in vec.i (intermediate values only)
	kList               // a list constant in vec.val
	kAny                // another Go value (maps, unknown types) in vec.val
)

var kindNames = [...]string{"nil", "int", "float", "bool", "string", "date", "timestamp", "duration", "list", "value"}

func (k kind) String() string { return kindNames[k] }

func (k kind) numeric() bool { return k == kInt || k == kFloat }

func (k kind) temporal() bool { return k == kDate || k == kTime }

// scalar reports whether values of kind k live in a typed slice.
func (k kind) scalar() bool { return k >= kInt && k <= kDur }

// vec is a column vector for one chunk of rows, or a constant when c is
// set (then every slice has length one). Which data slice is used depends
// on the node's kind. valid is nil when every row is valid; valid slices
// and data slices read from a child are never written to.
type vec struct {
	c     bool
	i     []int64
	f     []float64
	b     []bool
	s     []string
	valid []bool
	val   any
	gen   uint64 // the chunk a column vector was loaded for

	// Buffers owned by the vector's slot, reused from chunk to chunk.
	ib []int64
	fb []float64
	bb []bool
	sb []string
	vb []bool
}

func (v *vec) ints(n int) []int64 {
	if cap(v.ib) < n {
		v.ib = make([]int64, n, max(n, chunkRows))
	}
	v.i = v.ib[:n]
	return v.i
}

func (v *vec) floats(n int) []float64 {
	if cap(v.fb) < n {
		v.fb = make([]float64, n, max(n, chunkRows))
	}
	v.f = v.fb[:n]
	return v.f
}

func (v *vec) bools(n int) []bool {
	if cap(v.bb) < n {
		v.bb = make([]bool, n, max(n, chunkRows))
	}
	v.b = v.bb[:n]
	return v.b
}

func (v *vec) strs(n int) []string {
	if cap(v.sb) < n {
		v.sb = make([]string, n, max(n, chunkRows))
	}
	v.s = v.sb[:n]
	return v.s
}

// validBuf returns the slot's validity buffer of length n and installs it
// as v.valid.
func (v *vec) validBuf(n int) []bool {
	if cap(v.vb) < n {
		v.vb = make([]bool, n, max(n, chunkRows))
	}
	v.valid = v.vb[:n]
	return v.valid
}

// isValid reports whether row i of v (row 0 of a constant) is valid.
func (v *vec) isValid(i int) bool {
	if v.valid == nil {
		return true
	}
	if v.c {
		return v.valid[0]
	}
	return v.valid[i]
}

// scrub clears the slot's string buffer so that it keeps no strings alive
// between evaluations.
func (v *vec) scrub() {
	clear(v.sb[:cap(v.sb)])
	v.s, v.i, v.f, v.b, v.valid, v.val = nil, nil, nil, nil, nil, nil
}

// constVec returns a constant vector holding the Go value x converted to
// kind k. x must be nil (a null) or of the Go type goValue returns for k.
func constVec(k kind, x any) *vec {
	v := &vec{c: true}
	if x == nil {
		v.valid = []bool{false}
		switch k {
		case kInt, kDate, kTime, kDur:
			v.i = []int64{0}
		case kFloat:
			v.f = []float64{0}
		case kBool:
			v.b = []bool{false}
		case kString:
			v.s = []string{""}
		}
		return v
	}
	switch k {
	case kInt:
		v.i = []int64{x.(int64)}
	case kFloat:
		v.f = []float64{x.(float64)}
	case kBool:
		v.b = []bool{x.(bool)}
	case kString:
		v.s = []string{x.(string)}
	case kDate, kTime, kDur:
		v.i = []int64{x.(int64)}
	default:
		v.val = x
	}
	return v
}

// isNullConst reports whether v is a constant null.
func (v *vec) isNullConst() bool { return v.c && v.valid != nil && !v.valid[0] }

// goValue returns row i of v as the Go value expr's VM uses for kind k:
// int, float64, bool, string, time.Time (UTC) or time.Duration, or nil for
// a null row.
func goValue(k kind, v *vec, i int) any {
	if v.c {
		i = 0
	}
	if v.valid != nil && !v.valid[i] {
		return nil
	}
	switch k {
	case kInt:
		return int(v.i[i])
	case kFloat:
		return v.f[i]
	case kBool:
		return v.b[i]
	case kString:
		return v.s[i]
	case kDate:
		return time.Unix(v.i[i]*secondsPerDay, 0).UTC()
	case kTime:
		return time.UnixMicro(v.i[i]).UTC()
	case kDur:
		return time.Duration(v.i[i])
	case kList, kAny:
		return v.val
	}
	return nil
}

// setGoValue stores the Go value x (as returned by expr's VM) into row i
// of out, which has kind k. A nil x makes the row null.
func setGoValue(k kind, out *vec, i int, x any) error {
	if x == nil {
		out.valid[i] = false
		return nil
	}
	out.valid[i] = true
	switch k {
	case kInt:
		switch x := x.(type) {
		case int:
			out.i[i] = int64(x)
			return nil
		case int64:
			out.i[i] = x
			return nil
		}
	case kFloat:
		switch x := x.(type) {
		case float64:
			out.f[i] = x
			return nil
		case int:
			out.f[i] = float64(x)
			return nil
		}
	case kBool:
		if x, ok := x.(bool); ok {
			out.b[i] = x
			return nil
		}
	case kString:
		if x, ok := x.(string); ok {
			out.s[i] = x
			return nil
		}
	case kTime:
		if x, ok := x.(time.Time); ok {
			out.i[i] = x.UnixMicro()
			return nil
		}
	case kDur:
		if x, ok := x.(time.Duration); ok {
			out.i[i] = int64(x)
			return nil
		}
	}
	return fmt.Errorf("expression gave a %T where a %s was expected", x, k)
}

// allocFor sizes out's data slice for kind k and n rows.
func allocFor(k kind, out *vec, n int) {
	switch k {
	case kInt, kDate, kTime, kDur:
		out.ints(n)
	case kFloat:
		out.floats(n)
	case kBool:
		out.bools(n)
	case kString:
		out.strs(n)
	}
}

// maskBools clears b wherever valid is false, keeping the invariant that
// a null boolean row holds false.
func maskBools(b, valid []bool) {
	if valid == nil {
		return
	}
	andVV(b, valid[:len(b)], b)
}

// andValidN sets out.valid to the rows valid in every one of vs.
func andValidN(out *vec, n int, vs ...*vec) {
	var only *vec
	count := 0
	for _, v := range vs {
		if v.valid != nil {
			only = v
			count++
		}
	}
	switch {
	case count == 0:
		out.valid = nil
	case count == 1 && !only.c:
		out.valid = only.valid
	default:
		dst := out.validBuf(n)
		for i := range dst {
			ok := true
			for _, v := range vs {
				if !v.isValid(i) {
					ok = false
					break
				}
			}
			dst[i] = ok
		}
	}
}
