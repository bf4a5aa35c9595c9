package colexpr

import (
	"fmt"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/aftercare/aftercare/workflow"
)

// col describes a test column: its values are int64, float64, string,
// bool, time.Time (dates and timestamps) or nil for a null.
type col struct {
	name string
	typ  arrow.DataType
	vals []any
}

func ints(name string, vals ...any) col   { return col{name, workflow.Int64, vals} }
func floats(name string, vals ...any) col { return col{name, workflow.Float64, vals} }
func strs(name string, vals ...any) col   { return col{name, workflow.String, vals} }
func bools(name string, vals ...any) col  { return col{name, workflow.Bool, vals} }
func dates(name string, vals ...any) col  { return col{name, workflow.Date, vals} }
func stamps(name string, vals ...any) col { return col{name, workflow.Timestamp, vals} }

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func stamp(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

// newBatch builds a record batch; the caller releases it.
func newBatch(t testing.TB, mem memory.Allocator, cols ...col) arrow.RecordBatch {
	t.Helper()
	fields := make([]arrow.Field, len(cols))
	arrs := make([]arrow.Array, len(cols))
	n := -1
	for i, c := range cols {
		fields[i] = arrow.Field{Name: c.name, Type: c.typ, Nullable: true}
		b := array.NewBuilder(mem, c.typ)
		for _, v := range c.vals {
			if v == nil {
				b.AppendNull()
				continue
			}
			switch b := b.(type) {
			case *array.Int64Builder:
				b.Append(v.(int64))
			case *array.Float64Builder:
				b.Append(v.(float64))
			case *array.StringBuilder:
				b.Append(v.(string))
			case *array.BooleanBuilder:
				b.Append(v.(bool))
			case *array.Date32Builder:
				b.Append(arrow.Date32FromTime(v.(time.Time)))
			case *array.TimestampBuilder:
				b.Append(arrow.Timestamp(v.(time.Time).UnixMicro()))
			default:
				t.Fatalf("unsupported builder %T", b)
			}
		}
		arrs[i] = b.NewArray()
		b.Release()
		if n >= 0 && arrs[i].Len() != n {
			t.Fatalf("column %s has %d rows, want %d", c.name, arrs[i].Len(), n)
		}
		n = arrs[i].Len()
	}
	rec := array.NewRecordBatch(arrow.NewSchema(fields, nil), arrs, int64(max(n, 0)))
	for _, a := range arrs {
		a.Release()
	}
	return rec
}

// values returns the values of an array as Go values (nil for nulls,
// time.Time for dates and timestamps).
func values(t testing.TB, arr arrow.Array) []any {
	t.Helper()
	out := make([]any, arr.Len())
	for i := range out {
		if arr.IsNull(i) {
			continue
		}
		switch a := arr.(type) {
		case *array.Int64:
			out[i] = a.Value(i)
		case *array.Float64:
			out[i] = a.Value(i)
		case *array.String:
			out[i] = a.Value(i)
		case *array.Boolean:
			out[i] = a.Value(i)
		case *array.Date32:
			out[i] = a.Value(i).ToTime()
		case *array.Timestamp:
			out[i] = time.UnixMicro(int64(a.Value(i))).UTC()
		default:
			t.Fatalf("unsupported array %T", arr)
		}
	}
	return out
}

func fmtVals(vs []any) string {
	s := "["
	for i, v := range vs {
		if i > 0 {
			s += " "
		}
		switch v := v.(type) {
		case nil:
			s += "null"
		case string:
			s += fmt.Sprintf("%q", v)
		case time.Time:
			s += v.Format(time.RFC3339Nano)
		default:
			s += fmt.Sprint(v)
		}
	}
	return s + "]"
}
