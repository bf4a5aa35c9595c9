package colexpr

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/expr-lang/expr/vm"
)

// chunkRows is how many rows one pass of the evaluator handles: small
// enough that a node's output stays in the L2 cache, large enough that
// the per-node overhead vanishes.
const chunkRows = 4096

// cnode is a compiled expression node: either a constant (kon) or a
// function computing a vector for the state's current chunk.
type cnode struct {
	k    kind
	kon  *vec
	eval func(st *state) (*vec, error)
	pos  int // rune offset of the node in the source, for errors
}

func (n *cnode) run(st *state) (*vec, error) {
	if n.kon != nil {
		return n.kon, nil
	}
	return n.eval(st)
}

// state is the scratch memory of one evaluation: a vector per slot, the
// current batch's columns and the chunk being computed. States are pooled
// per Program; a state is used by one goroutine at a time.
type state struct {
	off, n int
	gen    uint64 // counts chunks, so a column is loaded once per chunk
	slots  []vec
	cols   []arrow.Array
	vars   []*vec
	vm     vm.VM
	env    map[string]any
}

func newState(nslots, nvars int) *state {
	return &state{slots: make([]vec, nslots), vars: make([]*vec, nvars), env: map[string]any{}}
}

// release drops every reference to the last batch.
func (st *state) release() {
	clear(st.cols)
	st.cols = st.cols[:0]
	clear(st.vars)
	clear(st.env)
	for i := range st.slots {
		st.slots[i].scrub()
	}
	st.gen++
}

// colKind returns the kind of a column of Arrow type t, and whether the
// evaluator can read it.
func colKind(t arrow.DataType) (kind, bool) {
	switch t.ID() {
	case arrow.INT64:
		return kInt, true
	case arrow.FLOAT64:
		return kFloat, true
	case arrow.STRING, arrow.LARGE_STRING:
		return kString, true
	case arrow.BOOL:
		return kBool, true
	case arrow.DATE32:
		return kDate, true
	case arrow.TIMESTAMP:
		return kTime, true
	}
	return kNull, false
}

// loadColumn returns the evaluation function of a reference to the j-th
// referenced column, of kind k, written to slot id.
func loadColumn(k kind, j, id int) func(st *state) (*vec, error) {
	return func(st *state) (*vec, error) {
		o := &st.slots[id]
		if o.gen == st.gen {
			return o, nil
		}
		o.gen = st.gen
		arr := st.cols[j]
		off, n := st.off, st.n
		switch k {
		case kInt:
			o.i = arr.(*array.Int64).Int64Values()[off : off+n]
		case kFloat:
			o.f = arr.(*array.Float64).Float64Values()[off : off+n]
		case kDate:
			src := arr.(*array.Date32).Date32Values()[off : off+n]
			dst := o.ints(n)
			for i, d := range src {
				dst[i] = int64(d)
			}
		case kTime:
			a := arr.(*array.Timestamp)
			src := a.TimestampValues()[off : off+n]
			dst := o.ints(n)
			switch a.DataType().(*arrow.TimestampType).Unit {
			case arrow.Second:
				for i, t := range src {
					dst[i] = int64(t) * 1_000_000
				}
			case arrow.Millisecond:
				for i, t := range src {
					dst[i] = int64(t) * 1_000
				}
			case arrow.Microsecond:
				for i, t := range src {
					dst[i] = int64(t)
				}
			case arrow.Nanosecond:
				for i, t := range src {
					dst[i] = floorDiv(int64(t), 1_000)
				}
			}
		case kString:
			dst := o.strs(n)
			switch a := arr.(type) {
			case *array.String:
				for i := range dst {
					dst[i] = a.Value(off + i)
				}
			case *array.LargeString:
				for i := range dst {
					dst[i] = a.Value(off + i)
				}
			}
		case kBool:
			dst := o.bools(n)
			data := arr.Data()
			bits := data.Buffers()[1].Bytes()
			unpackBits(bits, data.Offset()+off, dst)
		default:
			return nil, fmt.Errorf("internal error: column of kind %s", k)
		}
		if arr.NullN() == 0 {
			o.valid = nil
		} else {
			data := arr.Data()
			unpackBits(data.Buffers()[0].Bytes(), data.Offset()+off, o.validBuf(n))
			if k == kBool {
				maskBools(o.b, o.valid)
			}
		}
		return o, nil
	}
}

// unpackBits expands len(dst) bits of an Arrow (LSB-first) bitmap starting
// at bit off.
func unpackBits(bits []byte, off int, dst []bool) {
	i := 0
	// Leading bits up to a byte boundary.
	for ; i < len(dst) && (off+i)&7 != 0; i++ {
		p := off + i
		dst[i] = bits[p>>3]>>(p&7)&1 != 0
	}
	// Whole bytes.
	for ; i+8 <= len(dst); i += 8 {
		b := bits[(off+i)>>3]
		d := dst[i : i+8 : i+8]
		d[0] = b&1 != 0
		d[1] = b&2 != 0
		d[2] = b&4 != 0
		d[3] = b&8 != 0
		d[4] = b&16 != 0
		d[5] = b&32 != 0
		d[6] = b&64 != 0
		d[7] = b&128 != 0
	}
	for ; i < len(dst); i++ {
		p := off + i
		dst[i] = bits[p>>3]>>(p&7)&1 != 0
	}
}
