package colexpr

import (
	"encoding/binary"
	"math"
	"unsafe"
)

// The kernels below are the inner loops of the evaluator: plain loops
// over slices of one chunk, written so the compiler can drop bounds
// checks. "VV" kernels take two vectors, "VS" a vector and a scalar on
// the right, "SV" a scalar on the left.

type cmpOp uint8

const (
	opEq cmpOp = iota
	opNe
	opLt
	opLe
	opGt
	opGe
)

// flip returns the operator o' with a o b == b o' a.
func (o cmpOp) flip() cmpOp {
	switch o {
	case opLt:
		return opGt
	case opLe:
		return opGe
	case opGt:
		return opLt
	case opGe:
		return opLe
	}
	return o
}

var cmpOps = map[string]cmpOp{"==": opEq, "!=": opNe, "<": opLt, "<=": opLe, ">": opGt, ">=": opGe}

type ordered interface {
	~int64 | ~float64 | ~string
}

type number interface {
	~int64 | ~float64
}

func cmpVV[T ordered](op cmpOp, a, b []T, out []bool) {
	a = a[:len(out)]
	b = b[:len(out)]
	switch op {
	case opEq:
		for i := range out {
			out[i] = a[i] == b[i]
		}
	case opNe:
		for i := range out {
			out[i] = a[i] != b[i]
		}
	case opLt:
		for i := range out {
			out[i] = a[i] < b[i]
		}
	case opLe:
		for i := range out {
			out[i] = a[i] <= b[i]
		}
	case opGt:
		for i := range out {
			out[i] = a[i] > b[i]
		}
	case opGe:
		for i := range out {
			out[i] = a[i] >= b[i]
		}
	}
}

func cmpVS[T ordered](op cmpOp, a []T, s T, out []bool) {
	a = a[:len(out)]
	switch op {
	case opEq:
		for i := range out {
			out[i] = a[i] == s
		}
	case opNe:
		for i := range out {
			out[i] = a[i] != s
		}
	case opLt:
		for i := range out {
			out[i] = a[i] < s
		}
	case opLe:
		for i := range out {
			out[i] = a[i] <= s
		}
	case opGt:
		for i := range out {
			out[i] = a[i] > s
		}
	case opGe:
		for i := range out {
			out[i] = a[i] >= s
		}
	}
}

func eqBoolVV(ne bool, a, b, out []bool) {
	a = a[:len(out)]
	b = b[:len(out)]
	for i := range out {
		out[i] = (a[i] == b[i]) != ne
	}
}

func eqBoolVS(ne bool, a []bool, s bool, out []bool) {
	a = a[:len(out)]
	for i := range out {
		out[i] = (a[i] == s) != ne
	}
}

// arithVV computes a op b for op one of + - *.
func arithVV[T number](op byte, a, b, out []T) {
	a = a[:len(out)]
	b = b[:len(out)]
	switch op {
	case '+':
		for i := range out {
			out[i] = a[i] + b[i]
		}
	case '-':
		for i := range out {
			out[i] = a[i] - b[i]
		}
	case '*':
		for i := range out {
			out[i] = a[i] * b[i]
		}
	}
}

func arithVS[T number](op byte, a []T, s T, out []T) {
	a = a[:len(out)]
	switch op {
	case '+':
		for i := range out {
			out[i] = a[i] + s
		}
	case '-':
		for i := range out {
			out[i] = a[i] - s
		}
	case '*':
		for i := range out {
			out[i] = a[i] * s
		}
	}
}

func arithSV[T number](op byte, s T, b []T, out []T) {
	b = b[:len(out)]
	switch op {
	case '+':
		for i := range out {
			out[i] = s + b[i]
		}
	case '-':
		for i := range out {
			out[i] = s - b[i]
		}
	case '*':
		for i := range out {
			out[i] = s * b[i]
		}
	}
}

func divVV(a, b, out []float64) {
	a = a[:len(out)]
	b = b[:len(out)]
	for i := range out {
		out[i] = a[i] / b[i]
	}
}

func divVS(a []float64, s float64, out []float64) {
	a = a[:len(out)]
	for i := range out {
		out[i] = a[i] / s
	}
}

func divSV(s float64, b, out []float64) {
	b = b[:len(out)]
	for i := range out {
		out[i] = s / b[i]
	}
}

// powVV and friends compute math.Pow, as expr's ** does.
func powVV(a, b, out []float64) {
	a = a[:len(out)]
	b = b[:len(out)]
	for i := range out {
		out[i] = math.Pow(a[i], b[i])
	}
}

func intToFloat(a []int64, out []float64) {
	a = a[:len(out)]
	for i := range out {
		out[i] = float64(a[i])
	}
}

// The boolean kernels work on the bytes of []bool (0 or 1, as Go stores
// them), eight rows per machine word: && on bools would compile to a
// branch per row, mispredicted half the time on real data.

const ones = 0x0101010101010101

func bytesOf(b []bool) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(b))), len(b))
}

// allTrue is a read-only run of true values, standing for "all valid".
var allTrue = func() []bool {
	b := make([]bool, chunkRows)
	fill(b, true)
	return b
}()

func validOrAll(v []bool, n int) []bool {
	if v == nil {
		return allTrue[:n]
	}
	return v[:n]
}

func andVV(a, b, out []bool) {
	x, y, o := bytesOf(a), bytesOf(b), bytesOf(out)
	n := len(o)
	x, y = x[:n], y[:n]
	i := 0
	for ; i+8 <= n; i += 8 {
		binary.LittleEndian.PutUint64(o[i:], binary.LittleEndian.Uint64(x[i:])&binary.LittleEndian.Uint64(y[i:]))
	}
	for ; i < n; i++ {
		o[i] = x[i] & y[i]
	}
}

func orVV(a, b, out []bool) {
	x, y, o := bytesOf(a), bytesOf(b), bytesOf(out)
	n := len(o)
	x, y = x[:n], y[:n]
	i := 0
	for ; i+8 <= n; i += 8 {
		binary.LittleEndian.PutUint64(o[i:], binary.LittleEndian.Uint64(x[i:])|binary.LittleEndian.Uint64(y[i:]))
	}
	for ; i < n; i++ {
		o[i] = x[i] | y[i]
	}
}

func notV(a, out []bool) {
	x, o := bytesOf(a), bytesOf(out)
	n := len(o)
	x = x[:n]
	i := 0
	for ; i+8 <= n; i += 8 {
		binary.LittleEndian.PutUint64(o[i:], binary.LittleEndian.Uint64(x[i:])^ones)
	}
	for ; i < n; i++ {
		o[i] = x[i] ^ 1
	}
}

// kleeneValid computes where a && b (and) or a || b (or) is not null,
// given the operands' values (false where null) and validity.
func kleeneValid(and bool, va, a, vb, b, out []bool) {
	p, x, q, y, o := bytesOf(va), bytesOf(a), bytesOf(vb), bytesOf(b), bytesOf(out)
	n := len(o)
	p, x, q, y = p[:n], x[:n], q[:n], y[:n]
	flip := uint64(0)
	if and {
		flip = ones // a definite false decides &&, a definite true ||
	}
	le := binary.LittleEndian
	i := 0
	for ; i+8 <= n; i += 8 {
		P, X, Q, Y := le.Uint64(p[i:]), le.Uint64(x[i:]), le.Uint64(q[i:]), le.Uint64(y[i:])
		le.PutUint64(o[i:], P&Q|P&(X^flip)|Q&(Y^flip))
	}
	f := byte(flip & 1)
	for ; i < n; i++ {
		o[i] = p[i]&q[i] | p[i]&(x[i]^f) | q[i]&(y[i]^f)
	}
}

// selectVV writes a[i] where cond[i] holds and b[i] elsewhere.
func selectVV[T any](cond []bool, a, b, out []T) {
	cond = cond[:len(out)]
	a = a[:len(out)]
	b = b[:len(out)]
	for i := range out {
		if cond[i] {
			out[i] = a[i]
		} else {
			out[i] = b[i]
		}
	}
}

// floorDiv returns ⌊a/b⌋ for b > 0.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b < 0 {
		q--
	}
	return q
}
