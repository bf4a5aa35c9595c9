package features

import (
	"fmt"
	"math"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TakeRows returns a new batch with the rows of b at idx, in that order.
// It handles the canonical column types.
func TakeRows(b arrow.RecordBatch, idx []int, mem memory.Allocator) (arrow.RecordBatch, error) {
	return mapColumns(b, len(idx), func(a arrow.Array) (arrow.Array, error) { return TakeArray(a, idx, mem) })
}

// mapColumns returns the batch of n rows made of f applied to each of b's
// columns.
func mapColumns(b arrow.RecordBatch, n int, f func(arrow.Array) (arrow.Array, error)) (arrow.RecordBatch, error) {
	cols := make([]arrow.Array, b.NumCols())
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	for i := range cols {
		c, err := f(b.Column(i))
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", b.ColumnName(i), err)
		}
		cols[i] = c
	}
	return array.NewRecordBatch(b.Schema(), cols, int64(n)), nil
}

// TakeArray returns the values of a at idx (an index of -1 gives null).
// Buffers are sized once and filled directly, without builders.
func TakeArray(a arrow.Array, idx []int, mem memory.Allocator) (arrow.Array, error) {
	switch a := a.(type) {
	case *array.Int64:
		return takeFixed(a, a.Int64Values(), idx, mem), nil
	case *array.Float64:
		return takeFixed(a, a.Float64Values(), idx, mem), nil
	case *array.Date32:
		return takeFixed(a, a.Date32Values(), idx, mem), nil
	case *array.Timestamp:
		return takeFixed(a, a.TimestampValues(), idx, mem), nil
	case *array.Boolean:
		return takeBool(a, idx, mem), nil
	case *array.String:
		return takeString(a, idx, mem)
	}
	return nil, fmt.Errorf("unsupported column type %s", a.DataType())
}

// takeValidity returns the validity bitmap of a taken at idx and its null
// count, or nil when every taken value is valid.
func takeValidity(a arrow.Array, idx []int, mem memory.Allocator) (*memory.Buffer, int) {
	noNulls := a.NullN() == 0
	if noNulls {
		neg := false
		for _, i := range idx {
			neg = neg || i < 0
		}
		if !neg {
			return nil, 0
		}
	}
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(int(bitutil.BytesForBits(int64(len(idx)))))
	bits := buf.Bytes()
	clear(bits)
	nulls := 0
	for j, i := range idx {
		if i >= 0 && (noNulls || a.IsValid(i)) {
			bitutil.SetBit(bits, j)
		} else {
			nulls++
		}
	}
	return buf, nulls
}

func takeFixed[T int32 | int64 | float64 | arrow.Date32 | arrow.Timestamp](a arrow.Array, vals []T, idx []int, mem memory.Allocator) arrow.Array {
	valid, nulls := takeValidity(a, idx, mem)
	var zero T
	width := int(sizeOfT(zero))
	data := memory.NewResizableBuffer(mem)
	data.Resize(len(idx) * width)
	out := arrow.GetData[T](data.Bytes())
	if valid == nil {
		for j, i := range idx {
			out[j] = vals[i]
		}
	} else {
		for j, i := range idx {
			if i >= 0 {
				out[j] = vals[i] // null slots keep whatever value; they are masked
			} else {
				out[j] = zero
			}
		}
	}
	return finish(a.DataType(), len(idx), nulls, valid, data)
}

// sizeOfT returns the width in bytes of a fixed-width value type.
func sizeOfT[T any](v T) uintptr { return unsafe.Sizeof(v) }

func takeBool(a *array.Boolean, idx []int, mem memory.Allocator) arrow.Array {
	valid, nulls := takeValidity(a, idx, mem)
	data := memory.NewResizableBuffer(mem)
	data.Resize(int(bitutil.BytesForBits(int64(len(idx)))))
	bits := data.Bytes()
	clear(bits)
	for j, i := range idx {
		if i >= 0 && a.Value(i) {
			bitutil.SetBit(bits, j)
		}
	}
	return finish(a.DataType(), len(idx), nulls, valid, data)
}

func takeString(a *array.String, idx []int, mem memory.Allocator) (arrow.Array, error) {
	valid, nulls := takeValidity(a, idx, mem)
	offs := a.ValueOffsets()
	src := a.ValueBytes()
	total := 0
	for _, i := range idx {
		if i >= 0 {
			total += int(offs[i+1] - offs[i])
		}
	}
	if total > math.MaxInt32 {
		if valid != nil {
			valid.Release()
		}
		return nil, fmt.Errorf("more than 2 GiB of text in one batch")
	}
	ob := memory.NewResizableBuffer(mem)
	ob.Resize((len(idx) + 1) * 4)
	out := arrow.Int32Traits.CastFromBytes(ob.Bytes())
	db := memory.NewResizableBuffer(mem)
	db.Resize(total)
	dst := db.Bytes()
	pos := int32(0)
	out[0] = 0
	for j, i := range idx {
		if i >= 0 {
			s, e := offs[i]-offs[0], offs[i+1]-offs[0] // src starts at offs[0]
			pos += int32(copy(dst[pos:], src[s:e]))
		}
		out[j+1] = pos
	}
	d := array.NewData(a.DataType(), len(idx), []*memory.Buffer{valid, ob, db}, nil, nulls, 0)
	defer d.Release()
	release(valid, ob, db)
	return array.MakeFromData(d), nil
}

// finish wraps a validity (possibly nil) and a data buffer as an array,
// handing the buffers' references over to it.
func finish(t arrow.DataType, n, nulls int, valid, data *memory.Buffer) arrow.Array {
	d := array.NewData(t, n, []*memory.Buffer{valid, data}, nil, nulls, 0)
	defer d.Release()
	release(valid, data)
	return array.MakeFromData(d)
}

func release(bufs ...*memory.Buffer) {
	for _, b := range bufs {
		if b != nil {
			b.Release()
		}
	}
}
