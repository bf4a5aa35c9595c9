package features

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/aftercare/aftercare/workflow"
)

// TestTakeArray takes rows of every canonical type, with and without
// nulls in the source and with -1 (null) indices, and compares each value
// with the source row's.
func TestTakeArray(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)

	valid := []bool{true, false, true, true, false, true}
	all := []bool{true, true, true, true, true, true}
	build := func(typ arrow.DataType, v []bool) arrow.Array {
		b := array.NewBuilder(mem, typ)
		defer b.Release()
		for i, ok := range v {
			if !ok {
				b.AppendNull()
				continue
			}
			switch b := b.(type) {
			case *array.Int64Builder:
				b.Append(int64(i * 10))
			case *array.Float64Builder:
				b.Append(float64(i) + 0.5)
			case *array.StringBuilder:
				b.Append(string(rune('a'+i)) + "-value-longer-than-thirty-two-bytes"[:i*6])
			case *array.BooleanBuilder:
				b.Append(i%2 == 0)
			case *array.Date32Builder:
				b.Append(arrow.Date32(19000 + i))
			case *array.TimestampBuilder:
				b.Append(arrow.Timestamp(1_700_000_000_000_000 + i))
			}
		}
		return b.NewArray()
	}
	for _, typ := range []arrow.DataType{workflow.Int64, workflow.Float64, workflow.String, workflow.Bool, workflow.Date, workflow.Timestamp} {
		for _, v := range [][]bool{valid, all} {
			for _, idx := range [][]int{{5, 0, 0, 3, 1}, {2, -1, 4, 5}, {}, {0, 1, 2, 3, 4, 5}} {
				src := build(typ, v)
				got, err := TakeArray(src, idx, mem)
				if err != nil {
					t.Fatal(err)
				}
				if got.Len() != len(idx) || !arrow.TypeEqual(got.DataType(), typ) {
					t.Fatalf("%s: got %d values of %s", typ, got.Len(), got.DataType())
				}
				nulls := 0
				for j, i := range idx {
					wantNull := i < 0 || src.IsNull(i)
					if wantNull {
						nulls++
					}
					if got.IsNull(j) != wantNull {
						t.Fatalf("%s %v: row %d null=%v, want %v", typ, idx, j, got.IsNull(j), wantNull)
					}
					if !wantNull && got.ValueStr(j) != src.ValueStr(i) {
						t.Fatalf("%s %v: row %d = %s, want %s", typ, idx, j, got.ValueStr(j), src.ValueStr(i))
					}
				}
				if got.NullN() != nulls {
					t.Fatalf("%s %v: NullN %d, want %d", typ, idx, got.NullN(), nulls)
				}
				got.Release()
				src.Release()
			}
		}
	}
}
