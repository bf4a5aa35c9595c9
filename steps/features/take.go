package features

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TakeRows returns a new batch with the rows of b at idx, in that order.
// It handles the canonical column types.
func TakeRows(b arrow.RecordBatch, idx []int, mem memory.Allocator) (arrow.RecordBatch, error) {
	cols := make([]arrow.Array, b.NumCols())
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	for i := range cols {
		c, err := TakeArray(b.Column(i), idx, mem)
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", b.ColumnName(i), err)
		}
		cols[i] = c
	}
	return array.NewRecordBatch(b.Schema(), cols, int64(len(idx))), nil
}

// TakeArray returns the values of a at idx (an index of -1 gives null).
func TakeArray(a arrow.Array, idx []int, mem memory.Allocator) (arrow.Array, error) {
	switch a := a.(type) {
	case *array.Int64:
		bld := array.NewInt64Builder(mem)
		defer bld.Release()
		bld.Reserve(len(idx))
		vals := a.Int64Values()
		for _, i := range idx {
			if i < 0 || a.IsNull(i) {
				bld.UnsafeAppendBoolToBitmap(false)
			} else {
				bld.UnsafeAppend(vals[i])
			}
		}
		return bld.NewArray(), nil
	case *array.Float64:
		bld := array.NewFloat64Builder(mem)
		defer bld.Release()
		bld.Reserve(len(idx))
		vals := a.Float64Values()
		for _, i := range idx {
			if i < 0 || a.IsNull(i) {
				bld.UnsafeAppendBoolToBitmap(false)
			} else {
				bld.UnsafeAppend(vals[i])
			}
		}
		return bld.NewArray(), nil
	case *array.String:
		bld := array.NewStringBuilder(mem)
		defer bld.Release()
		bld.Reserve(len(idx))
		total := 0
		for _, i := range idx {
			if i >= 0 && a.IsValid(i) {
				total += a.ValueLen(i)
			}
		}
		bld.ReserveData(total)
		for _, i := range idx {
			if i < 0 || a.IsNull(i) {
				bld.AppendNull()
			} else {
				bld.Append(a.Value(i))
			}
		}
		return bld.NewArray(), nil
	case *array.Boolean:
		bld := array.NewBooleanBuilder(mem)
		defer bld.Release()
		bld.Reserve(len(idx))
		for _, i := range idx {
			if i < 0 || a.IsNull(i) {
				bld.UnsafeAppendBoolToBitmap(false)
			} else {
				bld.UnsafeAppend(a.Value(i))
			}
		}
		return bld.NewArray(), nil
	case *array.Date32:
		bld := array.NewDate32Builder(mem)
		defer bld.Release()
		bld.Reserve(len(idx))
		vals := a.Date32Values()
		for _, i := range idx {
			if i < 0 || a.IsNull(i) {
				bld.UnsafeAppendBoolToBitmap(false)
			} else {
				bld.UnsafeAppend(vals[i])
			}
		}
		return bld.NewArray(), nil
	case *array.Timestamp:
		bld := array.NewTimestampBuilder(mem, a.DataType().(*arrow.TimestampType))
		defer bld.Release()
		bld.Reserve(len(idx))
		vals := a.TimestampValues()
		for _, i := range idx {
			if i < 0 || a.IsNull(i) {
				bld.UnsafeAppendBoolToBitmap(false)
			} else {
				bld.UnsafeAppend(vals[i])
			}
		}
		return bld.NewArray(), nil
	}
	return nil, fmt.Errorf("unsupported column type %s", a.DataType())
}
