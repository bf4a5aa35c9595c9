package colexpr

import (
	"math"
	"reflect"
	"regexp"
	"strings"
	"time"

	"github.com/expr-lang/expr/ast"
)

func (c *compiler) binary(n *ast.BinaryNode) (*cnode, error) {
	switch n.Operator {
	case "&&", "and":
		return c.logic(n, true)
	case "||", "or":
		return c.logic(n, false)
	case "??":
		return c.coalesce(n)
	case "in":
		return c.in(n)
	case "..":
		return nil, errFallback
	}
	l, err := c.compile(n.Left)
	if err != nil {
		return nil, err
	}
	r, err := c.compile(n.Right)
	if err != nil {
		return nil, err
	}
	if !isData(l) || !isData(r) || !l.k.scalar() && l.k != kNull || !r.k.scalar() && r.k != kNull {
		return nil, errFallback
	}
	p, op := pos(n), n.Operator
	mismatch := func() (*cnode, error) {
		return nil, c.errAt(p, "invalid operation: %s (mismatched types %s and %s)", op, l.k, r.k)
	}
	switch op {
	case "==", "!=":
		return c.equal(p, op == "!=", l, r)
	case "<", "<=", ">", ">=":
		switch {
		case l.k.numeric() && r.k.numeric(), l.k.temporal() && r.k.temporal(),
			l.k == kString && r.k == kString, l.k == kDur && r.k == kDur:
			return c.cmp(p, cmpOps[op], l, r)
		}
		return mismatch()
	case "+", "-", "*":
		return c.arith(p, op[0], l, r, mismatch)
	case "/":
		if !l.k.numeric() || !r.k.numeric() {
			return mismatch()
		}
		if l, err = c.toFloat(l); err != nil {
			return nil, err
		}
		if r, err = c.toFloat(r); err != nil {
			return nil, err
		}
		return binNode(c, p, kFloat, l, r, floatsOf, divVV, divVS, divSV)
	case "%":
		if l.k != kInt || r.k != kInt {
			return mismatch()
		}
		return c.strict(kInt, p, []*cnode{l, r}, modulo)
	case "**", "^":
		if !l.k.numeric() || !r.k.numeric() {
			return mismatch()
		}
		if l, err = c.toFloat(l); err != nil {
			return nil, err
		}
		if r, err = c.toFloat(r); err != nil {
			return nil, err
		}
		return c.strict(kFloat, p, []*cnode{l, r}, func(o *vec, in []*vec, n int) error {
			powVV(in[0].f[:n], in[1].f[:n], o.f)
			return nil
		})
	case "contains", "startsWith", "endsWith":
		if l.k != kString || r.k != kString {
			return mismatch()
		}
		f := strings.Contains
		switch op {
		case "startsWith":
			f = strings.HasPrefix
		case "endsWith":
			f = strings.HasSuffix
		}
		return c.strict(kBool, p, []*cnode{l, r}, func(o *vec, in []*vec, n int) error {
			a, b := in[0].s[:n], in[1].s[:n]
			for i := range a {
				o.b[i] = f(a[i], b[i])
			}
			return nil
		})
	case "matches":
		if l.k != kString || r.k != kString {
			return mismatch()
		}
		return c.matches(n, l, r)
	}
	return mismatch()
}

func intsOf(v *vec) []int64     { return v.i }
func floatsOf(v *vec) []float64 { return v.f }
func boolsOf(v *vec) []bool     { return v.b }
func stringsOf(v *vec) []string { return v.s }

// binNode builds a node of kind k applying a binary kernel to l and r,
// with specialised loops when one side is a constant: vs for a constant
// on the right, sv on the left (nil when the caller never needs it).
func binNode[T, R any](c *compiler, p int, k kind, l, r *cnode, in func(*vec) []T,
	vv func(a, b []T, out []R), vs func(a []T, s T, out []R), sv func(s T, b []T, out []R)) (*cnode, error) {
	lc, rc := l.kon != nil, r.kon != nil
	if lc == rc || rc && vs == nil || lc && sv == nil {
		return c.strict(k, p, []*cnode{l, r}, func(o *vec, v []*vec, n int) error {
			vv(in(v[0])[:n], in(v[1])[:n], outSlice[R](o))
			return nil
		})
	}
	if lc && l.kon.isNullConst() || rc && r.kon.isNullConst() {
		return c.nullConst(k, p), nil
	}
	var x *cnode
	var s T
	if rc {
		x, s = l, in(r.kon)[0]
	} else {
		x, s = r, in(l.kon)[0]
	}
	id := c.slot()
	return &cnode{k: k, pos: p, eval: func(st *state) (*vec, error) {
		a, err := x.run(st)
		if err != nil {
			return nil, err
		}
		o := &st.slots[id]
		n := st.n
		allocFor(k, o, n)
		if rc {
			vs(in(a)[:n], s, outSlice[R](o))
		} else {
			sv(s, in(a)[:n], outSlice[R](o))
		}
		o.valid = a.valid
		if k == kBool {
			maskBools(o.b, o.valid)
		}
		return o, nil
	}}, nil
}

// outSlice returns the data slice of o whose element type is R.
func outSlice[R any](o *vec) []R {
	var out any
	var zero R
	switch any(zero).(type) {
	case int64:
		out = o.i
	case float64:
		out = o.f
	case bool:
		out = o.b
	case string:
		out = o.s
	}
	return out.([]R)
}

// cmp compares l and r, which have the same kind (or int and float, or
// date and timestamp).
func (c *compiler) cmp(p int, op cmpOp, l, r *cnode) (*cnode, error) {
	var err error
	switch {
	case l.k == kInt && r.k == kInt, l.k == kDate && r.k == kDate:
	case l.k.numeric() && r.k.numeric():
		if l, err = c.toFloat(l); err != nil {
			return nil, err
		}
		if r, err = c.toFloat(r); err != nil {
			return nil, err
		}
	case l.k.temporal() && r.k.temporal():
		if l, err = c.toTime(l); err != nil {
			return nil, err
		}
		if r, err = c.toTime(r); err != nil {
			return nil, err
		}
	}
	if l.kon != nil && r.kon == nil {
		l, r, op = r, l, op.flip()
	}
	switch l.k {
	case kFloat:
		return binNode(c, p, kBool, l, r, floatsOf,
			func(a, b []float64, o []bool) { cmpVV(op, a, b, o) },
			func(a []float64, s float64, o []bool) { cmpVS(op, a, s, o) }, nil)
	case kString:
		return binNode(c, p, kBool, l, r, stringsOf,
			func(a, b []string, o []bool) { cmpVV(op, a, b, o) },
			func(a []string, s string, o []bool) { cmpVS(op, a, s, o) }, nil)
	case kBool:
		ne := op == opNe
		return binNode(c, p, kBool, l, r, boolsOf,
			func(a, b []bool, o []bool) { eqBoolVV(ne, a, b, o) },
			func(a []bool, s bool, o []bool) { eqBoolVS(ne, a, s, o) }, nil)
	}
	return binNode(c, p, kBool, l, r, intsOf,
		func(a, b []int64, o []bool) { cmpVV(op, a, b, o) },
		func(a []int64, s int64, o []bool) { cmpVS(op, a, s, o) }, nil)
}

// equal compiles == and !=. Comparing with nil tests for null; values of
// different types are never equal, as in expr.
func (c *compiler) equal(p int, ne bool, l, r *cnode) (*cnode, error) {
	if l.k == kNull || r.k == kNull {
		if l.k == kNull && r.k == kNull {
			return c.constant(kBool, !ne, p), nil
		}
		x := l
		if l.k == kNull {
			x = r
		}
		return c.isNull(p, x, ne)
	}
	op := opEq
	if ne {
		op = opNe
	}
	switch {
	case l.k.numeric() && r.k.numeric(), l.k.temporal() && r.k.temporal(), l.k == r.k:
		return c.cmp(p, op, l, r)
	}
	return c.strict(kBool, p, []*cnode{l, r}, func(o *vec, in []*vec, n int) error {
		fill(o.b, ne)
		return nil
	})
}

// isNull compiles is_null(x) (or x != nil when not is set).
func (c *compiler) isNull(p int, x *cnode, not bool) (*cnode, error) {
	if x.kon != nil {
		return c.constant(kBool, x.kon.isNullConst() != not, p), nil
	}
	id := c.slot()
	return &cnode{k: kBool, pos: p, eval: func(st *state) (*vec, error) {
		v, err := x.run(st)
		if err != nil {
			return nil, err
		}
		o := &st.slots[id]
		out := o.bools(st.n)
		if v.valid == nil {
			fill(out, not)
		} else {
			valid := v.valid[:len(out)]
			for i := range out {
				out[i] = valid[i] == not
			}
		}
		o.valid = nil
		return o, nil
	}}, nil
}

// arith compiles + - *.
func (c *compiler) arith(p int, op byte, l, r *cnode, mismatch func() (*cnode, error)) (*cnode, error) {
	var err error
	switch {
	case l.k == kInt && r.k == kInt:
		return c.arithNode(p, op, kInt, l, r)
	case l.k.numeric() && r.k.numeric():
		if l, err = c.toFloat(l); err != nil {
			return nil, err
		}
		if r, err = c.toFloat(r); err != nil {
			return nil, err
		}
		return c.arithNode(p, op, kFloat, l, r)
	case op == '+' && l.k == kString && r.k == kString:
		return binNode(c, p, kString, l, r, stringsOf, concatVV, concatVS, concatSV)
	case op == '+' && l.k == kDur && r.k.temporal():
		l, r = r, l
		fallthrough
	case (op == '+' || op == '-') && l.k.temporal() && r.k == kDur:
		if l, err = c.toTime(l); err != nil {
			return nil, err
		}
		sub := op == '-'
		return c.strict(kTime, p, []*cnode{l, r}, func(o *vec, in []*vec, n int) error {
			t, d := in[0].i[:n], in[1].i[:n]
			for i := range t {
				if sub {
					o.i[i] = t[i] + floorDiv(-d[i], 1000)
				} else {
					o.i[i] = t[i] + floorDiv(d[i], 1000)
				}
			}
			return nil
		})
	case op == '-' && l.k.temporal() && r.k.temporal():
		if l, err = c.toTime(l); err != nil {
			return nil, err
		}
		if r, err = c.toTime(r); err != nil {
			return nil, err
		}
		return c.strict(kDur, p, []*cnode{l, r}, func(o *vec, in []*vec, n int) error {
			a, b := in[0].i[:n], in[1].i[:n]
			for i := range a {
				o.i[i] = usToDur(a[i] - b[i])
			}
			return nil
		})
	case (op == '+' || op == '-') && l.k == kDur && r.k == kDur:
		return c.arithNode(p, op, kDur, l, r)
	}
	return mismatch()
}

func (c *compiler) arithNode(p int, op byte, k kind, l, r *cnode) (*cnode, error) {
	if k == kFloat {
		return binNode(c, p, k, l, r, floatsOf,
			func(a, b, o []float64) { arithVV(op, a, b, o) },
			func(a []float64, s float64, o []float64) { arithVS(op, a, s, o) },
			func(s float64, b, o []float64) { arithSV(op, s, b, o) })
	}
	return binNode(c, p, k, l, r, intsOf,
		func(a, b, o []int64) { arithVV(op, a, b, o) },
		func(a []int64, s int64, o []int64) { arithVS(op, a, s, o) },
		func(s int64, b, o []int64) { arithSV(op, s, b, o) })
}

func concatVV(a, b, out []string) {
	for i := range out {
		out[i] = a[i] + b[i]
	}
}

func concatVS(a []string, s string, out []string) {
	for i := range out {
		out[i] = a[i] + s
	}
}

func concatSV(s string, b, out []string) {
	for i := range out {
		out[i] = s + b[i]
	}
}

// modulo is the int % kernel; a zero divisor gives null (expr's VM
// stops with an error instead).
func modulo(o *vec, in []*vec, n int) error {
	a, b := in[0].i[:n], in[1].i[:n]
	var valid []bool
	for i := range a {
		if b[i] == 0 {
			if valid == nil {
				valid = ownValid(o, n)
			}
			valid[i] = false
			o.i[i] = 0
			continue
		}
		o.i[i] = a[i] % b[i]
	}
	return nil
}

// matches compiles s matches pattern; a constant pattern is compiled
// once, a pattern read per row that is not a valid regexp gives null.
func (c *compiler) matches(n *ast.BinaryNode, l, r *cnode) (*cnode, error) {
	if r.kon != nil && !r.kon.isNullConst() {
		re, err := regexp.Compile(r.kon.s[0])
		if err != nil {
			return nil, c.errAt(pos(n.Right), "%v", err)
		}
		return c.strict(kBool, pos(n), []*cnode{l}, func(o *vec, in []*vec, n int) error {
			for i, s := range in[0].s[:n] {
				o.b[i] = re.MatchString(s)
			}
			return nil
		})
	}
	return c.strict(kBool, pos(n), []*cnode{l, r}, func(o *vec, in []*vec, n int) error {
		cache := map[string]*regexp.Regexp{}
		var valid []bool
		a, b := in[0].s[:n], in[1].s[:n]
		for i := range a {
			if !o.isValid(i) {
				continue
			}
			re, ok := cache[b[i]]
			if !ok {
				re, _ = regexp.Compile(b[i])
				cache[b[i]] = re
			}
			if re == nil {
				if valid == nil {
					valid = ownValid(o, n)
				}
				valid[i] = false
				continue
			}
			o.b[i] = re.MatchString(a[i])
		}
		return nil
	})
}

// logic compiles && and || with SQL's three-valued logic: false && null
// is false, true || null is true, otherwise a null operand gives null.
func (c *compiler) logic(n *ast.BinaryNode, and bool) (*cnode, error) {
	l, err := c.compile(n.Left)
	if err != nil {
		return nil, err
	}
	r, err := c.compile(n.Right)
	if err != nil {
		return nil, err
	}
	if !isData(l) || !isData(r) {
		return nil, errFallback
	}
	if l.k != kBool && l.k != kNull || r.k != kBool && r.k != kNull {
		return nil, c.errAt(pos(n), "invalid operation: %s (mismatched types %s and %s)", n.Operator, l.k, r.k)
	}
	if l.k == kNull {
		l = c.nullConst(kBool, l.pos)
	}
	if r.k == kNull {
		r = c.nullConst(kBool, r.pos)
	}
	p := pos(n)
	// A definite constant decides or drops out.
	for _, pair := range [][2]*cnode{{l, r}, {r, l}} {
		x, other := pair[0], pair[1]
		if x.kon == nil || x.kon.isNullConst() {
			continue
		}
		if x.kon.b[0] == and {
			return other, nil // true && e, false || e
		}
		return c.constant(kBool, !and, p), nil // false && e, true || e
	}
	allConst := l.kon != nil && r.kon != nil
	if !allConst {
		l, r = c.broadcast(l), c.broadcast(r)
	}
	id := c.slot()
	nd := &cnode{k: kBool, pos: p, eval: func(st *state) (*vec, error) {
		a, err := l.run(st)
		if err != nil {
			return nil, err
		}
		b, err := r.run(st)
		if err != nil {
			return nil, err
		}
		o := &st.slots[id]
		n := st.n
		out := o.bools(n)
		ab, bb := a.b[:n], b.b[:n]
		if and {
			andVV(ab, bb, out)
		} else {
			orVV(ab, bb, out)
		}
		if a.valid == nil && b.valid == nil {
			o.valid = nil
			return o, nil
		}
		kleeneValid(and, validOrAll(a.valid, n), ab, validOrAll(b.valid, n), bb, o.validBuf(n))
		return o, nil
	}}
	if allConst {
		return c.fold(nd)
	}
	return nd, nil
}

// coalesce compiles a ?? b (and coalesce(a, b, ...)): a where it is not
// null, b elsewhere.
func (c *compiler) coalesce(n *ast.BinaryNode) (*cnode, error) {
	l, err := c.compile(n.Left)
	if err != nil {
		return nil, err
	}
	r, err := c.compile(n.Right)
	if err != nil {
		return nil, err
	}
	if !isData(l) || !isData(r) || l.kon == nil && !l.k.scalar() || r.kon == nil && !r.k.scalar() {
		return nil, errFallback
	}
	l, r, k, ok := c.unify(l, r)
	if !ok {
		return nil, c.errAt(pos(n), "mismatched types %s and %s in coalesce", l.k, r.k)
	}
	if !k.scalar() && k != kNull {
		return nil, errFallback
	}
	if l.kon != nil {
		if l.kon.isNullConst() {
			return r, nil
		}
		return l, nil
	}
	if r.kon != nil && r.kon.isNullConst() {
		return l, nil
	}
	return c.choose(k, pos(n), l, l, r, func(v *vec, i int) bool { return v.isValid(i) })
}

// in compiles x in list for a constant list (a literal, a range or a list
// param): membership as expr's == decides it.
func (c *compiler) in(n *ast.BinaryNode) (*cnode, error) {
	l, err := c.compile(n.Left)
	if err != nil {
		return nil, err
	}
	r, err := c.compile(n.Right)
	if err != nil {
		return nil, err
	}
	if r.kon == nil || !isData(l) || !l.k.scalar() && l.k != kNull {
		return nil, errFallback
	}
	if l.k == kNull || r.kon.isNullConst() {
		return c.nullConst(kBool, pos(n)), nil
	}
	s, ok := newSet(r.kon.val, l.k)
	if !ok {
		return nil, errFallback
	}
	k := l.k
	return c.strict(kBool, pos(n), []*cnode{l}, func(o *vec, in []*vec, n int) error {
		s.member(k, in[0], o.b[:n])
		return nil
	})
}

// set is a constant list prepared for membership tests.
type set struct {
	ints   map[int64]bool
	floats map[float64]bool // the floats
	intsF  map[float64]bool // the ints, as floats
	strs   map[string]bool
	bools  [2]bool
	times  map[int64]bool // microseconds
	durs   map[int64]bool
	small  []string // the strings, when few: a scan beats hashing
}

// smallSet is the size up to which string membership scans a slice.
const smallSet = 16

// newSet prepares the list (a slice, or a map with string keys for a
// string needle) for needles of kind k.
func newSet(list any, k kind) (*set, bool) {
	s := &set{ints: map[int64]bool{}, floats: map[float64]bool{}, intsF: map[float64]bool{}, strs: map[string]bool{},
		times: map[int64]bool{}, durs: map[int64]bool{}}
	rv := reflect.ValueOf(list)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		for i := range rv.Len() {
			s.add(rv.Index(i).Interface())
		}
		if len(s.strs) <= smallSet {
			for x := range s.strs {
				s.small = append(s.small, x)
			}
		}
		return s, true
	case reflect.Map:
		if k != kString || rv.Type().Key().Kind() != reflect.String {
			return nil, false
		}
		for _, key := range rv.MapKeys() {
			s.strs[key.String()] = true
		}
		return s, true
	}
	return nil, false
}

func (s *set) add(x any) {
	switch x := x.(type) {
	case string:
		s.strs[x] = true
		return
	case bool:
		if x {
			s.bools[1] = true
		} else {
			s.bools[0] = true
		}
		return
	case time.Time:
		s.times[x.UnixMicro()] = true
		return
	case time.Duration:
		s.durs[int64(x)] = true
		return
	case nil:
		return
	}
	rv := reflect.ValueOf(x)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		s.ints[rv.Int()] = true
		s.intsF[float64(rv.Int())] = true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		s.ints[int64(rv.Uint())] = true
		s.intsF[float64(int64(rv.Uint()))] = true
	case reflect.Float32, reflect.Float64:
		if f := rv.Float(); !math.IsNaN(f) {
			s.floats[f] = true
		}
	}
}

// member writes whether each row of v (kind k) is in the set.
func (s *set) member(k kind, v *vec, out []bool) {
	switch k {
	case kInt:
		for i, x := range v.i[:len(out)] {
			out[i] = s.ints[x] || s.floats[float64(x)]
		}
	case kFloat:
		for i, x := range v.f[:len(out)] {
			out[i] = s.floats[x] || s.intsF[x]
		}
	case kString:
		if s.small != nil {
			for i, x := range v.s[:len(out)] {
				found := false
				for _, y := range s.small {
					if x == y {
						found = true
						break
					}
				}
				out[i] = found
			}
			return
		}
		for i, x := range v.s[:len(out)] {
			out[i] = s.strs[x]
		}
	case kBool:
		for i, x := range v.b[:len(out)] {
			if x {
				out[i] = s.bools[1]
			} else {
				out[i] = s.bools[0]
			}
		}
	case kDate:
		for i, x := range v.i[:len(out)] {
			out[i] = s.times[x*usPerDay]
		}
	case kTime:
		for i, x := range v.i[:len(out)] {
			out[i] = s.times[x]
		}
	case kDur:
		for i, x := range v.i[:len(out)] {
			out[i] = s.durs[x]
		}
	}
}
