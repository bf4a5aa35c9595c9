package features

import (
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/aftercare/aftercare/workflow"
)

// TestFilterArray filters random arrays of every canonical type (with and
// without nulls, whole and sliced) by random masks, with runs and with
// isolated rows, and compares with the row-by-row TakeArray and with the
// source values.
func TestFilterArray(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rng := rand.New(rand.NewPCG(1, 2))
	gen := func(typ arrow.DataType, n int, nullRate float64) arrow.Array {
		b := array.NewBuilder(mem, typ)
		defer b.Release()
		for i := range n {
			if rng.Float64() < nullRate {
				b.AppendNull()
				continue
			}
			switch b := b.(type) {
			case *array.Int64Builder:
				b.Append(rng.Int64())
			case *array.Float64Builder:
				b.Append(rng.NormFloat64())
			case *array.StringBuilder:
				b.Append("s" + string(make([]byte, rng.IntN(40))) + string(rune('a'+i%26)))
			case *array.BooleanBuilder:
				b.Append(rng.IntN(2) == 0)
			case *array.Date32Builder:
				b.Append(arrow.Date32(rng.Int32N(30000)))
			case *array.TimestampBuilder:
				b.Append(arrow.Timestamp(rng.Int64N(1 << 52)))
			}
		}
		return b.NewArray()
	}
	for _, typ := range []arrow.DataType{workflow.Int64, workflow.Float64, workflow.String, workflow.Bool, workflow.Date, workflow.Timestamp} {
		for _, nullRate := range []float64{0, 0.3} {
			for _, sliced := range []bool{false, true} {
				for _, keep := range []float64{0.05, 0.5, 0.97} {
					whole := gen(typ, 300, nullRate)
					src := whole
					if sliced {
						src = array.NewSlice(whole, 37, 251)
					}
					mask := make([]bool, src.Len())
					var idx []int
					for i := range mask {
						// Runs: the next row mostly repeats the previous decision.
						if i == 0 || rng.Float64() < 0.3 {
							mask[i] = rng.Float64() < keep
						} else {
							mask[i] = mask[i-1]
						}
						if mask[i] {
							idx = append(idx, i)
						}
					}
					spans, n := keptSpans(mask)
					if n != len(idx) {
						t.Fatalf("keptSpans counted %d rows, want %d", n, len(idx))
					}
					got, err := filterArray(src, spans, n, mem)
					if err != nil {
						t.Fatal(err)
					}
					want, err := TakeArray(src, idx, mem)
					if err != nil {
						t.Fatal(err)
					}
					if !array.Equal(got, want) {
						t.Fatalf("%s nulls=%v sliced=%v keep=%v: filter and take differ", typ, nullRate, sliced, keep)
					}
					for j, i := range idx {
						if got.IsNull(j) != src.IsNull(i) || (src.IsValid(i) && got.ValueStr(j) != src.ValueStr(i)) {
							t.Fatalf("%s sliced=%v: row %d = %s, want %s", typ, sliced, j, got.ValueStr(j), src.ValueStr(i))
						}
					}
					got.Release()
					want.Release()
					if sliced {
						src.Release()
					}
					whole.Release()
				}
			}
		}
	}
}
