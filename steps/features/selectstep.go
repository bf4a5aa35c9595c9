package features

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/aftercare/aftercare/workflow"
)

func init() {
	workflow.Register(workflow.Spec{
		Type:    "features.select",
		Summary: "Keep, drop, rename and cast columns.",
		Description: `Applies, in this order: keep (the listed columns, in that order), drop,
rename (old: new) and cast (column: type, one of int, float, string, bool,
date, timestamp). A value that does not cast (a string that is not a number)
fails the run naming the column and value. Lazy.`,
		New: func() workflow.Step { return &Select{} },
		Examples: []string{
			"- {id: orders, type: io.read, path: data/orders.csv}\n- id: slim\n  type: features.select\n  input: orders\n  keep: [customer_id, ordered_at, amount, items]\n  rename: {ordered_at: ts}\n  cast: {items: float}",
		},
	})
}

// Select is the features.select step.
type Select struct {
	Input    workflow.Ref         `yaml:"input" required:"true" doc:"Step whose columns are selected."`
	Keep     []workflow.Column    `yaml:"keep" doc:"Columns to keep, in this order (default all)."`
	Drop     []workflow.Column    `yaml:"drop" doc:"Columns to drop."`
	Rename   workflow.Map[string] `yaml:"rename" doc:"Old name → new name."`
	Cast     workflow.Map[string] `yaml:"cast" doc:"Column → type (int, float, string, bool, date, timestamp)."`
	srcNames []string             // input column of each output column
	casts    []arrow.DataType     // target type per output column, nil to keep
	out      *arrow.Schema
}

// Check resolves the output columns.
func (s *Select) Check(c *workflow.CheckContext) {
	in := c.Schema(s.Input)
	if in == nil {
		return
	}
	type col struct {
		src  int
		f    arrow.Field
		cast arrow.DataType
	}
	var cols []col
	if len(s.Keep) > 0 {
		seen := map[string]bool{}
		for i, k := range s.Keep {
			if seen[k.Name] {
				c.ErrorAt(k.Pos, fmt.Sprintf("keep[%d]", i), "column %q is listed twice", k.Name)
				continue
			}
			seen[k.Name] = true
			if f, ok := c.ColumnAt(k.Pos, fmt.Sprintf("keep[%d]", i), in, k.Name); ok {
				cols = append(cols, col{src: in.FieldIndices(k.Name)[0], f: f})
			}
		}
	} else {
		for i, f := range in.Fields() {
			cols = append(cols, col{src: i, f: f})
		}
	}
	for i, d := range s.Drop {
		if _, ok := c.ColumnAt(d.Pos, fmt.Sprintf("drop[%d]", i), in, d.Name); !ok {
			continue
		}
		for j := range cols {
			if cols[j].f.Name == d.Name {
				cols = append(cols[:j], cols[j+1:]...)
				break
			}
		}
	}
	names := func() []string {
		out := make([]string, len(cols))
		for i, cl := range cols {
			out[i] = cl.f.Name
		}
		return out
	}
	find := func(name string) int {
		for i, cl := range cols {
			if cl.f.Name == name {
				return i
			}
		}
		return -1
	}
	for _, e := range s.Rename {
		j := find(e.Key)
		if j < 0 {
			c.ErrorAt(e.Pos, "rename."+e.Key, "unknown column %q%s", e.Key, workflow.DidYouMean(e.Key, names()))
			continue
		}
		if e.Value == "" {
			c.Errorf("rename."+e.Key, "new name is empty")
			continue
		}
		if k := find(e.Value); k >= 0 && k != j {
			c.Errorf("rename."+e.Key, "renaming %q to %q would duplicate an existing column", e.Key, e.Value)
			continue
		}
		cols[j].f.Name = e.Value
	}
	for _, e := range s.Cast {
		j := find(e.Key)
		if j < 0 {
			c.ErrorAt(e.Pos, "cast."+e.Key, "unknown column %q%s", e.Key, workflow.DidYouMean(e.Key, names()))
			continue
		}
		t, err := workflow.ParseType(e.Value)
		if err != nil {
			c.Errorf("cast."+e.Key, "%v", err)
			continue
		}
		if !arrow.TypeEqual(t, cols[j].f.Type) {
			cols[j].cast = t
			cols[j].f.Type = t
			cols[j].f.Nullable = true
		}
	}
	if len(cols) == 0 {
		c.Errorf("", "no columns left")
	}
	fields := make([]arrow.Field, len(cols))
	s.srcNames, s.casts = make([]string, len(cols)), make([]arrow.DataType, len(cols))
	for i, cl := range cols {
		fields[i], s.srcNames[i], s.casts[i] = cl.f, in.Field(cl.src).Name, cl.cast
	}
	s.out = arrow.NewSchema(fields, nil)
	c.SetOutput("", s.out)
}

// Run returns the selected columns, lazily: those that downstream steps
// read, looked up by name in the input.
func (s *Select) Run(ctx context.Context, r *workflow.RunContext) error {
	in := r.Input(s.Input)
	mem := r.Mem()
	out := r.Columns("").Project(s.out)
	var src []int
	var casts []arrow.DataType
	for i, f := range s.out.Fields() {
		if !r.Columns("").Has(f.Name) {
			continue
		}
		j := in.Schema().FieldIndices(s.srcNames[i])
		if len(j) == 0 {
			return fmt.Errorf("input has no column %s at run time", s.srcNames[i])
		}
		src, casts = append(src, j[0]), append(casts, s.casts[i])
	}
	r.SetOutput("", r.Lazy(in, out, func(b arrow.RecordBatch) (arrow.RecordBatch, error) {
		cols := make([]arrow.Array, len(src))
		release := func() {
			for _, c := range cols {
				if c != nil {
					c.Release()
				}
			}
		}
		for i, j := range src {
			a := b.Column(j)
			if casts[i] == nil {
				a.Retain()
				cols[i] = a
				continue
			}
			ca, err := castArray(ctx, a, casts[i], mem)
			if err != nil {
				release()
				return nil, fmt.Errorf("cast column %s to %s: %w", b.ColumnName(j), workflow.TypeName(casts[i]), err)
			}
			cols[i] = ca
		}
		rec := array.NewRecordBatch(out, cols, b.NumRows())
		release()
		return rec, nil
	}))
	return nil
}

// castArray converts a column between the canonical types. A value that
// does not convert (text that is not a number, a fractional float cast to
// int) is an error naming the value. (arrow-go's compute cast from float to
// string leaks memory, so aftercare casts itself.)
func castArray(_ context.Context, a arrow.Array, to arrow.DataType, mem memory.Allocator) (arrow.Array, error) {
	n := a.Len()
	str := func(i int) string { return a.ValueStr(i) }
	switch x := a.(type) {
	case *array.Float64:
		str = func(i int) string { return strconv.FormatFloat(x.Value(i), 'g', -1, 64) }
	case *array.Date32:
		str = func(i int) string { return x.Value(i).ToTime().Format("2006-01-02") }
	case *array.Timestamp:
		str = func(i int) string { return time.UnixMicro(int64(x.Value(i))).UTC().Format(time.RFC3339Nano) }
	case *array.String:
		str = x.Value
	}
	num := func(i int) (float64, error) {
		switch x := a.(type) {
		case *array.Int64:
			return float64(x.Value(i)), nil
		case *array.Float64:
			return x.Value(i), nil
		case *array.Boolean:
			if x.Value(i) {
				return 1, nil
			}
			return 0, nil
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(str(i)), 64)
		if err != nil {
			return 0, fmt.Errorf("cannot convert %q to a number", str(i))
		}
		return f, nil
	}
	micros := func(i int) (int64, error) {
		switch x := a.(type) {
		case *array.Timestamp:
			return int64(x.Value(i)), nil
		case *array.Date32:
			return int64(x.Value(i)) * 86400e6, nil
		}
		t, err := workflow.ParseTime(str(i))
		if err != nil {
			return 0, err
		}
		return t.UnixMicro(), nil
	}
	bld := array.NewBuilder(mem, to)
	defer bld.Release()
	bld.Reserve(n)
	for i := range n {
		if a.IsNull(i) {
			bld.AppendNull()
			continue
		}
		switch b := bld.(type) {
		case *array.StringBuilder:
			b.Append(str(i))
		case *array.Float64Builder:
			f, err := num(i)
			if err != nil {
				return nil, err
			}
			b.Append(f)
		case *array.Int64Builder:
			if x, ok := a.(*array.Int64); ok {
				b.Append(x.Value(i))
				continue
			}
			f, err := num(i)
			if err != nil {
				return nil, err
			}
			if f != math.Trunc(f) || math.Abs(f) > 1<<63 {
				return nil, fmt.Errorf("cannot convert %v to an integer without losing its fraction", f)
			}
			b.Append(int64(f))
		case *array.BooleanBuilder:
			switch x := a.(type) {
			case *array.Int64:
				b.Append(x.Value(i) != 0)
			case *array.Float64:
				b.Append(x.Value(i) != 0)
			default:
				v, err := strconv.ParseBool(strings.TrimSpace(str(i)))
				if err != nil {
					return nil, fmt.Errorf("cannot convert %q to true or false", str(i))
				}
				b.Append(v)
			}
		case *array.Date32Builder:
			us, err := micros(i)
			if err != nil {
				return nil, err
			}
			b.Append(arrow.Date32(floorDiv(us, 86400e6)))
		case *array.TimestampBuilder:
			us, err := micros(i)
			if err != nil {
				return nil, err
			}
			b.Append(arrow.Timestamp(us))
		default:
			return nil, fmt.Errorf("cannot cast to %s", to)
		}
	}
	return bld.NewArray(), nil
}
