package features

import (
	"context"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/aftercare/aftercare/workflow"
)

func TestCastArray(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	fb := array.NewFloat64Builder(mem)
	fb.AppendValues([]float64{17850, 2.5}, nil)
	fb.AppendNull()
	floats := fb.NewArray()
	fb.Release()
	defer floats.Release()
	sb := array.NewStringBuilder(mem)
	sb.AppendValues([]string{"2024-12-31", "x"}, nil)
	strs := sb.NewArray()
	sb.Release()
	defer strs.Release()
	cases := []struct {
		in   arrow.Array
		to   arrow.DataType
		want string
		err  string
	}{
		{floats, workflow.String, `["17850" "2.5" (null)]`, ""},
		{floats, workflow.Int64, "", "without losing its fraction"},
		{floats, workflow.Bool, "[true true (null)]", ""},
		{strs, workflow.Float64, "", `cannot convert "2024-12-31" to a number`},
		{strs, workflow.Date, "", `cannot parse "x" as a date`},
	}
	for _, c := range cases {
		out, err := castArray(context.Background(), c.in, c.to, mem)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s → %s: err %v, want %q", c.in.DataType(), c.to, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if got := out.String(); got != c.want {
			t.Errorf("%s → %s = %s, want %s", c.in.DataType(), c.to, got, c.want)
		}
		out.Release()
	}
	d := array.NewSlice(strs, 0, 1)
	defer d.Release()
	out, err := castArray(context.Background(), d, workflow.Date, mem)
	if err != nil {
		t.Fatal(err)
	}
	if got := out.(*array.Date32).Value(0).ToTime().Format("2006-01-02"); got != "2024-12-31" {
		t.Errorf("date %s", got)
	}
	out.Release()
}
