package fileformat

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestParquetFixedPages writes fixed-width columns of every physical and
// logical type the page decoder converts (INT64, INT32 widened, DOUBLE,
// FLOAT widened, dates, timestamps in ms, µs and ns) with arrow-go's writer
// under several page layouts, and checks every value read back against
// the conversion done here, value by value, at batch sizes that straddle
// pages and row groups.
func TestParquetFixedPages(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	rng := rand.New(rand.NewPCG(3, 4))
	const n = 6000
	utc := func(u arrow.TimeUnit) arrow.DataType { return &arrow.TimestampType{Unit: u, TimeZone: "UTC"} }
	sc := arrow.NewSchema([]arrow.Field{
		{Name: "i64", Type: arrow.PrimitiveTypes.Int64, Nullable: true}, // few values: dictionary
		{Name: "i32", Type: arrow.PrimitiveTypes.Int32, Nullable: true}, // many: dictionary falls back
		{Name: "f64", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "f32", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
		{Name: "date", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
		{Name: "ms", Type: utc(arrow.Millisecond), Nullable: true},
		{Name: "us", Type: utc(arrow.Microsecond), Nullable: true},
		{Name: "ns", Type: utc(arrow.Nanosecond), Nullable: true},
		{Name: "req", Type: arrow.PrimitiveTypes.Int64},
		// Values repeated in stretches: RLE runs of dictionary indices.
		{Name: "runs64", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "runsdate", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
	}, nil)
	type cell struct {
		null bool
		bits uint64 // the expected canonical value's bits
	}
	want := make([][]cell, n)
	run64, runDate := int64(7), arrow.Date32(-3)
	b := array.NewRecordBuilder(mem, sc)
	for i := range n {
		row := make([]cell, len(sc.Fields()))
		null := func(c int) bool {
			if c != 8 && rng.IntN(6) == 0 {
				b.Field(c).AppendNull()
				row[c].null = true
				return true
			}
			return false
		}
		if !null(0) {
			v := []int64{0, -1, math.MaxInt64, math.MinInt64, 42}[rng.IntN(5)]
			b.Field(0).(*array.Int64Builder).Append(v)
			row[0].bits = uint64(v)
		}
		if !null(1) {
			v := rng.Int32() - 1<<30
			b.Field(1).(*array.Int32Builder).Append(v)
			row[1].bits = uint64(int64(v))
		}
		if !null(2) {
			v := []float64{math.NaN(), math.Copysign(0, -1), math.Inf(1), 1.5, rng.NormFloat64()}[rng.IntN(5)]
			b.Field(2).(*array.Float64Builder).Append(v)
			row[2].bits = math.Float64bits(v)
		}
		if !null(3) {
			v := float32(rng.NormFloat64() * 1e6)
			b.Field(3).(*array.Float32Builder).Append(v)
			row[3].bits = math.Float64bits(float64(v))
		}
		if !null(4) {
			v := arrow.Date32(rng.Int32N(40000) - 20000)
			b.Field(4).(*array.Date32Builder).Append(v)
			row[4].bits = uint64(uint32(v))
		}
		if !null(5) {
			v := rng.Int64N(4e12) - 2e12
			b.Field(5).(*array.TimestampBuilder).Append(arrow.Timestamp(v))
			row[5].bits = uint64(v * 1000)
		}
		if !null(6) {
			v := rng.Int64N(4e15) - 2e15
			b.Field(6).(*array.TimestampBuilder).Append(arrow.Timestamp(v))
			row[6].bits = uint64(v)
		}
		if !null(7) {
			v := rng.Int64N(4e18) - 2e18
			b.Field(7).(*array.TimestampBuilder).Append(arrow.Timestamp(v))
			row[7].bits = uint64(floorDiv(v, 1000))
		}
		v := int64(i % 13)
		b.Field(8).(*array.Int64Builder).Append(v)
		row[8].bits = uint64(v)
		if rng.IntN(20) == 0 {
			run64 = rng.Int64()
		}
		if rng.IntN(30) == 0 {
			runDate = arrow.Date32(rng.Int32N(40000) - 20000)
		}
		if !null(9) {
			b.Field(9).(*array.Int64Builder).Append(run64)
			row[9].bits = uint64(run64)
		}
		if !null(10) {
			b.Field(10).(*array.Date32Builder).Append(runDate)
			row[10].bits = uint64(uint32(runDate))
		}
		want[i] = row
	}
	rec := b.NewRecordBatch()
	b.Release()
	defer rec.Release()

	for _, l := range pageLayouts(n) {
		p, rsc := writePageLayout(t, mem, rec, l)
		for _, batch := range []int{1, 333, 4096, 65536} {
			got := readAll(t, p, rsc, ReadOptions{BatchRows: batch}, mem)
			i := 0
			for _, g := range got {
				for r := range int(g.NumRows()) {
					for c := range sc.NumFields() {
						col := g.Column(c)
						w := want[i][c]
						var bits uint64
						switch a := col.(type) {
						case *array.Int64:
							bits = uint64(a.Value(r))
						case *array.Float64:
							bits = math.Float64bits(a.Value(r))
						case *array.Date32:
							bits = uint64(uint32(a.Value(r)))
						case *array.Timestamp:
							bits = uint64(a.Value(r))
						default:
							t.Fatalf("%s: column %d read as %s", l.name, c, col.DataType())
						}
						if w.null != col.IsNull(r) || !w.null && bits != w.bits {
							t.Fatalf("%s batch %d: row %d column %s = %#x (null %v), want %#x (null %v)", l.name, batch, i, sc.Field(c).Name, bits, col.IsNull(r), w.bits, w.null)
						}
					}
					i++
				}
			}
			release(got)
			if i != n {
				t.Fatalf("%s: %d rows, want %d", l.name, i, n)
			}
		}
	}
}
