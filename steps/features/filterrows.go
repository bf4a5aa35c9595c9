package features

import (
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// span is a run [lo, hi) of consecutive kept rows.
type span struct{ lo, hi int }

// keptSpans returns the runs of true in mask and how many rows they hold.
func keptSpans(mask []bool) ([]span, int) {
	var spans []span
	n := 0
	for i := 0; i < len(mask); {
		if !mask[i] {
			i++
			continue
		}
		j := i + 1
		for j < len(mask) && mask[j] {
			j++
		}
		spans = append(spans, span{i, j})
		n += j - i
		i = j
	}
	return spans, n
}

// filterRows returns a new batch with the rows of b in spans (n rows in
// all). Each run is copied with one move per buffer, which beats a
// row-by-row gather when filters keep long runs, as they usually do.
func filterRows(b arrow.RecordBatch, spans []span, n int, mem memory.Allocator) (arrow.RecordBatch, error) {
	return mapColumns(b, n, func(a arrow.Array) (arrow.Array, error) { return filterArray(a, spans, n, mem) })
}

// filterArray returns the values of a in spans (n of them).
func filterArray(a arrow.Array, spans []span, n int, mem memory.Allocator) (arrow.Array, error) {
	switch a := a.(type) {
	case *array.Int64:
		return filterFixed(a, a.Int64Values(), spans, n, mem), nil
	case *array.Float64:
		return filterFixed(a, a.Float64Values(), spans, n, mem), nil
	case *array.Date32:
		return filterFixed(a, a.Date32Values(), spans, n, mem), nil
	case *array.Timestamp:
		return filterFixed(a, a.TimestampValues(), spans, n, mem), nil
	case *array.Boolean:
		return filterBits(a, spans, n, mem), nil
	case *array.String:
		return filterString(a, spans, n, mem)
	}
	return nil, fmt.Errorf("unsupported column type %s", a.DataType())
}

// filterBitmap copies the bits of spans of src (starting at bit offset
// off) into a new bitmap of n bits.
func filterBitmap(src []byte, off int, spans []span, n int, mem memory.Allocator) *memory.Buffer {
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(int(bitutil.BytesForBits(int64(n))))
	dst := buf.Bytes()
	clear(dst)
	pos := 0
	for _, s := range spans {
		bitutil.CopyBitmap(src, off+s.lo, s.hi-s.lo, dst, pos)
		pos += s.hi - s.lo
	}
	return buf
}

// filterValidity returns the validity bitmap of a's rows in spans and its
// null count, or nil when they are all valid.
func filterValidity(a arrow.Array, spans []span, n int, mem memory.Allocator) (*memory.Buffer, int) {
	if a.NullN() == 0 {
		return nil, 0
	}
	buf := filterBitmap(a.NullBitmapBytes(), a.Data().Offset(), spans, n, mem)
	nulls := n - bitutil.CountSetBits(buf.Bytes(), 0, n)
	if nulls == 0 {
		buf.Release()
		return nil, 0
	}
	return buf, nulls
}

func filterFixed[T int32 | int64 | float64 | arrow.Date32 | arrow.Timestamp](a arrow.Array, vals []T, spans []span, n int, mem memory.Allocator) arrow.Array {
	valid, nulls := filterValidity(a, spans, n, mem)
	var zero T
	data := memory.NewResizableBuffer(mem)
	data.Resize(n * int(sizeOfT(zero)))
	out := arrow.GetData[T](data.Bytes())
	pos := 0
	for _, s := range spans {
		pos += copy(out[pos:], vals[s.lo:s.hi])
	}
	return finish(a.DataType(), n, nulls, valid, data)
}

func filterBits(a *array.Boolean, spans []span, n int, mem memory.Allocator) arrow.Array {
	valid, nulls := filterValidity(a, spans, n, mem)
	data := filterBitmap(a.Data().Buffers()[1].Bytes(), a.Data().Offset(), spans, n, mem)
	return finish(a.DataType(), n, nulls, valid, data)
}

func filterString(a *array.String, spans []span, n int, mem memory.Allocator) (arrow.Array, error) {
	valid, nulls := filterValidity(a, spans, n, mem)
	offs := a.ValueOffsets()
	src := a.ValueBytes()
	total := 0
	for _, s := range spans {
		total += int(offs[s.hi] - offs[s.lo])
	}
	if total > math.MaxInt32 {
		release(valid)
		return nil, fmt.Errorf("more than 2 GiB of text in one batch")
	}
	ob := memory.NewResizableBuffer(mem)
	ob.Resize((n + 1) * 4)
	out := arrow.Int32Traits.CastFromBytes(ob.Bytes())
	db := memory.NewResizableBuffer(mem)
	db.Resize(total)
	dst := db.Bytes()
	pos, j := int32(0), 0
	out[0] = 0
	for _, s := range spans {
		shift := pos - offs[s.lo]
		for i := s.lo; i < s.hi; i++ {
			j++
			out[j] = offs[i+1] + shift
		}
		pos += int32(copy(dst[pos:], src[offs[s.lo]-offs[0]:offs[s.hi]-offs[0]])) // src starts at offs[0]
	}
	d := array.NewData(a.DataType(), n, []*memory.Buffer{valid, ob, db}, nil, nulls, 0)
	defer d.Release()
	release(valid, ob, db)
	return array.MakeFromData(d), nil
}
