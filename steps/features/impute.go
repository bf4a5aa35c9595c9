package features

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
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
		Type:    "features.impute",
		Summary: "Fill nulls (and NaN) with a constant, the mean, the median or the most frequent value, optionally adding indicator columns.",
		Description: `Fills the missing values of the listed columns. Missing means null, and
NaN in a float column (as scikit-learn's SimpleImputer with
missing_values=np.nan).

  mean, median    of the column's non-missing values; int and float
                  columns, which become float
  most_frequent   the most frequent value (ties: the smallest, as
                  SimpleImputer); any column type, which is kept
  constant        value, converted to the column's type

With indicator: true a bool column NAME_missing (indicator_suffix) is
added after the input's columns for each imputed column, true where the
value was missing. The fill values are recorded in the run results
(metrics.fill) and can be saved (save) and re-applied to new data (load),
like features.scale. Fitting the median holds the column's values in
memory; the other strategies stream.`,
		New: func() workflow.Step { return &Impute{Strategy: "mean", IndicatorSuffix: "_missing"} },
		Examples: []string{
			"- {id: customers, type: io.read, path: data/customers.csv}\n- {id: tickets, type: io.read, path: data/tickets.csv}\n- {id: per_customer, type: features.aggregate, input: tickets, by: [customer_id], aggregates: {tickets: {count: \"*\"}, satisfaction: {mean: satisfaction}}}\n- {id: joined, type: features.join, left: customers, right: per_customer, on: [customer_id]}\n- id: filled\n  type: features.impute\n  input: joined\n  strategy: median\n  columns: [satisfaction]\n  indicator: true\n- id: zero_tickets\n  type: features.impute\n  input: filled\n  strategy: constant\n  value: 0\n  columns: [tickets]",
		},
	})
}

// Impute is the features.impute step.
type Impute struct {
	Input           workflow.Ref      `yaml:"input" required:"true" doc:"Step whose missing values are filled."`
	Columns         []workflow.Column `yaml:"columns" doc:"Columns to fill (with load, default: the saved imputer's columns)."`
	Strategy        string            `yaml:"strategy" enum:"mean|median|most_frequent|constant" doc:"How the fill value is found."`
	Value           any               `yaml:"value" doc:"Fill value of the constant strategy, converted to each column's type."`
	Indicator       bool              `yaml:"indicator" doc:"Add a bool column per imputed column, true where the value was missing."`
	IndicatorSuffix string            `yaml:"indicator_suffix" doc:"Name suffix of the indicator columns."`
	Save            string            `yaml:"save" doc:"Write the fill values as JSON to this path (relative to the run's output folder)."`
	Load            string            `yaml:"load" doc:"Apply fill values saved by an earlier run instead of fitting (relative to the recipe's folder)."`

	plan *imputePlan
}

// ImputerModelKind is the value of "aftercare_model" in saved fill values.
const ImputerModelKind = "imputer"

// ImputerModel is the fitted state of features.impute, as saved with
// save: path.json:
//
//	{"aftercare_model": "imputer", "version": 1,
//	 "columns": {"age": {"strategy": "median", "type": "float", "value": 35.5}}}
//
// value is a JSON number, string or bool; dates and timestamps are
// written as text (YYYY-MM-DD, RFC 3339).
type ImputerModel struct {
	Model   string                 `json:"aftercare_model"`
	Version int                    `json:"version"`
	Columns map[string]ColumnImput `json:"columns"`
}

// ColumnImput is the fill value of one column.
type ColumnImput struct {
	Strategy string `json:"strategy"`
	Type     string `json:"type"` // output type: int, float, string, bool, date, timestamp
	Value    any    `json:"value"`
	Missing  int64  `json:"missing"` // missing values seen by the fit
}

type imputePlan struct {
	names   []string
	idx     []int
	outType []arrow.DataType
	consts  []any // constant strategy: value per column, converted
	model   *ImputerModel
	load    string
	out     *arrow.Schema
}

// Check validates the columns, strategy and value, and declares the
// output schema.
func (s *Impute) Check(c *workflow.CheckContext) {
	s.plan = nil
	in := c.Schema(s.Input)
	ok := true
	p := &imputePlan{}
	if s.Strategy == "constant" && s.Value == nil && s.Load == "" {
		c.Errorf("strategy", "strategy constant needs value")
		ok = false
	}
	if s.Value != nil && s.Strategy != "constant" {
		c.Errorf("value", "value applies to strategy constant only")
		ok = false
	}
	if s.Load != "" {
		p.load = c.InputPath(s.Load)
		c.ReadsFile(p.load)
		m, err := loadImputer(p.load)
		if err != nil {
			c.Errorf("load", "%v", err)
			ok = false
		}
		p.model = m
	}
	if s.Save != "" {
		c.Writes(s.Save)
	}
	if in == nil {
		return
	}
	cols := s.Columns
	if len(cols) == 0 && p.model != nil {
		for _, n := range sortedKeysOf(p.model.Columns) {
			cols = append(cols, workflow.Column{Name: n, Pos: c.Pos("load")})
		}
	}
	if len(cols) == 0 {
		c.Errorf("columns", "impute needs the columns to fill")
		ok = false
	}
	fields := slices.Clone(in.Fields())
	var extra []arrow.Field
	seen := map[string]bool{}
	for i, col := range cols {
		path := fmt.Sprintf("columns[%d]", i)
		if seen[col.Name] {
			c.ErrorAt(col.Pos, path, "column %q is listed twice", col.Name)
			ok = false
			continue
		}
		seen[col.Name] = true
		f, fok := c.ColumnAt(col.Pos, path, in, col.Name)
		if !fok {
			ok = false
			continue
		}
		if _, known := keyKindOf(f.Type); !known && f.Type.ID() != arrow.FLOAT64 {
			c.ErrorAt(col.Pos, path, "column %q has the unsupported type %s", col.Name, f.Type)
			ok = false
			continue
		}
		out := f.Type
		var cv any
		if p.model != nil {
			ci, has := p.model.Columns[col.Name]
			if !has {
				c.ErrorAt(col.Pos, path, "the saved imputer %s has no column %q%s", s.Load, col.Name, workflow.DidYouMean(col.Name, sortedKeysOf(p.model.Columns)))
				ok = false
				continue
			}
			t, err := workflow.ParseType(ci.Type)
			if err == nil && (arrow.TypeEqual(t, f.Type) || t.ID() == arrow.FLOAT64 && f.Type.ID() == arrow.INT64) {
				out = t
				cv, err = convertFill(ci.Value, t)
			} else if err == nil {
				err = fmt.Errorf("the saved fill value is %s but the column is %s", ci.Type, workflow.TypeName(f.Type))
			}
			if err != nil {
				c.ErrorAt(col.Pos, path, "column %q: %v", col.Name, err)
				ok = false
				continue
			}
		} else {
			switch s.Strategy {
			case "mean", "median":
				if !workflow.IsNumeric(f.Type) {
					c.ErrorAt(col.Pos, path, "strategy %s needs a numeric column, but %q is %s (use most_frequent or constant)", s.Strategy, col.Name, workflow.TypeName(f.Type))
					ok = false
					continue
				}
				out = workflow.Float64
			case "constant":
				v, err := convertFill(s.Value, f.Type)
				if err != nil {
					c.Errorf("value", "value %v for column %q: %v", s.Value, col.Name, err)
					ok = false
					continue
				}
				cv = v
			}
		}
		j := in.FieldIndices(col.Name)[0]
		p.names = append(p.names, col.Name)
		p.idx = append(p.idx, j)
		p.outType = append(p.outType, out)
		p.consts = append(p.consts, cv)
		fields[j] = arrow.Field{Name: col.Name, Type: out, Nullable: true}
		if s.Indicator {
			name := col.Name + s.IndicatorSuffix
			if len(in.FieldIndices(name)) > 0 {
				c.ErrorAt(col.Pos, path, "indicator column %q already exists: change indicator_suffix", name)
				ok = false
			}
			extra = append(extra, arrow.Field{Name: name, Type: workflow.Bool})
		}
	}
	p.out = arrow.NewSchema(append(fields, extra...), nil)
	c.SetOutput("", p.out)
	if ok {
		s.plan = p
	}
}

func sortedKeysOf[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// convertFill converts a fill value from the recipe or a saved model to
// the Go value of a column of type t: int64, float64, string, bool, or
// int64 days (date) and microseconds (timestamp).
func convertFill(v any, t arrow.DataType) (any, error) {
	switch t.ID() {
	case arrow.INT64:
		switch x := v.(type) {
		case int64:
			return x, nil
		case float64:
			if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
				return int64(x), nil
			}
		case string:
			if i, err := strconv.ParseInt(x, 10, 64); err == nil {
				return i, nil
			}
		}
		return nil, fmt.Errorf("want an integer")
	case arrow.FLOAT64:
		switch x := v.(type) {
		case int64:
			return float64(x), nil
		case float64:
			return x, nil
		case string:
			if f, err := strconv.ParseFloat(x, 64); err == nil {
				return f, nil
			}
		}
		return nil, fmt.Errorf("want a number")
	case arrow.STRING:
		switch x := v.(type) {
		case string:
			return x, nil
		case int64, float64, bool:
			return fmt.Sprint(x), nil
		}
		return nil, fmt.Errorf("want a string")
	case arrow.BOOL:
		if b, ok := v.(bool); ok {
			return b, nil
		}
		if s, ok := v.(string); ok {
			if b, err := strconv.ParseBool(s); err == nil {
				return b, nil
			}
		}
		return nil, fmt.Errorf("want true or false")
	case arrow.DATE32, arrow.TIMESTAMP:
		var tm time.Time
		switch x := v.(type) {
		case time.Time:
			tm = x
		case string:
			var err error
			if tm, err = workflow.ParseTime(x); err != nil {
				return nil, err
			}
		default:
			return nil, fmt.Errorf("want a date or timestamp")
		}
		if t.ID() == arrow.DATE32 {
			return floorDiv(tm.UnixMicro(), microsPerDay), nil
		}
		return tm.UnixMicro(), nil
	}
	return nil, fmt.Errorf("unsupported column type %s", t)
}

// jsonFill converts a Go fill value to its JSON form.
func jsonFill(v any, t arrow.DataType) any {
	switch t.ID() {
	case arrow.DATE32:
		return arrow.Date32(v.(int64)).FormattedString()
	case arrow.TIMESTAMP:
		return time.UnixMicro(v.(int64)).UTC().Format(time.RFC3339Nano)
	}
	return v
}

func loadImputer(path string) (*ImputerModel, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m ImputerModel
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: decode imputer: %w", path, err)
	}
	if m.Model != ImputerModelKind || m.Version != 1 {
		return nil, fmt.Errorf("%s: not a version 1 imputer (aftercare_model %q, version %d)", path, m.Model, m.Version)
	}
	for name, ci := range m.Columns {
		if n, ok := ci.Value.(float64); ok && n == math.Trunc(n) && ci.Type == "int" {
			ci.Value = int64(n)
			m.Columns[name] = ci
		}
	}
	return &m, nil
}

// fitState accumulates what one column's strategy needs.
type fitState struct {
	missing int64
	sum, c  float64
	n       int64
	vals    []float64
	freq    map[any]*int64
}

// fit scans the input once and returns the fill value per column.
func (s *Impute) fit(ctx context.Context, d workflow.Dataset) ([]any, []int64, error) {
	p := s.plan
	st := make([]fitState, len(p.idx))
	var scratch []float64
	err := d.Scan(ctx, func(rec arrow.RecordBatch) error {
		for k, j := range p.idx {
			a := rec.Column(j)
			fs := &st[k]
			switch s.Strategy {
			case "mean", "median":
				v := floatValues(a, &scratch)
				for i, x := range v {
					if a.IsNull(i) || x != x {
						fs.missing++
						continue
					}
					if s.Strategy == "median" {
						fs.vals = append(fs.vals, x)
						continue
					}
					t := fs.sum + x
					if math.Abs(fs.sum) >= math.Abs(x) {
						fs.c += (fs.sum - t) + x
					} else {
						fs.c += (x - t) + fs.sum
					}
					fs.sum = t
					fs.n++
				}
			case "most_frequent":
				if fs.freq == nil {
					fs.freq = map[any]*int64{}
				}
				for i := range a.Len() {
					if isMissing(a, i) {
						fs.missing++
						continue
					}
					// Look up before inserting: the string of an Arrow
					// array must be copied before a map keeps it.
					v := goValue(a, i)
					if n := fs.freq[v]; n != nil {
						*n++
					} else {
						if str, ok := v.(string); ok {
							v = strings.Clone(str)
						}
						one := int64(1)
						fs.freq[v] = &one
					}
				}
			default:
				for i := range a.Len() {
					if isMissing(a, i) {
						fs.missing++
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	fills := make([]any, len(p.idx))
	missing := make([]int64, len(p.idx))
	for k := range p.idx {
		fs := &st[k]
		missing[k] = fs.missing
		if fs.missing == 0 && fs.n == 0 && len(fs.vals) == 0 && len(fs.freq) == 0 && s.Strategy != "constant" {
			// An empty input: nothing to fill, nothing to fit on.
			fills[k] = nil
			continue
		}
		switch s.Strategy {
		case "mean":
			if fs.n == 0 {
				return nil, nil, fmt.Errorf("column %q has no values to take the mean of", p.names[k])
			}
			fills[k] = (fs.sum + fs.c) / float64(fs.n)
		case "median":
			if len(fs.vals) == 0 {
				return nil, nil, fmt.Errorf("column %q has no values to take the median of", p.names[k])
			}
			slices.Sort(fs.vals)
			fills[k] = median(fs.vals)
		case "most_frequent":
			if len(fs.freq) == 0 {
				return nil, nil, fmt.Errorf("column %q has no values to find the most frequent of", p.names[k])
			}
			var best any
			var bestN int64 = -1
			for v, np := range fs.freq {
				if n := *np; n > bestN || n == bestN && lessValue(v, best) {
					best, bestN = v, n
				}
			}
			fills[k] = best
		default:
			fills[k] = p.consts[k]
		}
	}
	return fills, missing, nil
}

// isMissing reports whether row i of a is null or NaN.
func isMissing(a arrow.Array, i int) bool {
	if a.IsNull(i) {
		return true
	}
	if f, ok := a.(*array.Float64); ok {
		return math.IsNaN(f.Value(i))
	}
	return false
}

// goValue returns row i of a as a comparable Go value: int64 (also for
// dates and timestamps), float64, string or bool.
func goValue(a arrow.Array, i int) any {
	switch c := a.(type) {
	case *array.Float64:
		x := c.Value(i)
		if x == 0 {
			x = 0
		}
		return x
	case *array.String:
		return c.Value(i)
	case *array.Boolean:
		return c.Value(i)
	case *array.Int64:
		return c.Value(i)
	case *array.Date32:
		return int64(c.Value(i))
	case *array.Timestamp:
		return int64(c.Value(i))
	}
	panic(fmt.Sprintf("features: goValue of %s", a.DataType()))
}

// lessValue orders two Go values of the same kind (false < true).
func lessValue(a, b any) bool {
	switch x := a.(type) {
	case int64:
		return x < b.(int64)
	case float64:
		return x < b.(float64)
	case string:
		return cmp.Less(x, b.(string))
	case bool:
		return !x && b.(bool)
	}
	return false
}

// Run fits (or loads) the fill values and returns the lazily filled input.
func (s *Impute) Run(ctx context.Context, r *workflow.RunContext) error {
	p := s.plan
	if p == nil {
		return fmt.Errorf("step was not planned")
	}
	in := r.Input(s.Input)
	fills := p.consts
	var missing []int64
	model := &ImputerModel{Model: ImputerModelKind, Version: 1, Columns: map[string]ColumnImput{}}
	if p.model == nil {
		var err error
		if fills, missing, err = s.fit(ctx, in); err != nil {
			return err
		}
	}
	metric := map[string]any{}
	for k, name := range p.names {
		if fills[k] == nil {
			if s.Save != "" {
				return fmt.Errorf("column %q: no rows to fit the fill value on, so there is nothing to save", name)
			}
			continue
		}
		ci := ColumnImput{Strategy: s.Strategy, Type: workflow.TypeName(p.outType[k]), Value: jsonFill(fills[k], p.outType[k])}
		if p.model != nil {
			ci.Strategy = p.model.Columns[name].Strategy
		} else {
			ci.Missing = missing[k]
		}
		model.Columns[name] = ci
		metric[name] = ci
	}
	r.Metric("fill", metric)
	if s.Save != "" {
		if err := saveModel(r, s.Save, "imputer", model); err != nil {
			return err
		}
	}
	mem := r.Mem()
	r.SetOutput("", r.Lazy(in, p.out, func(rec arrow.RecordBatch) (arrow.RecordBatch, error) {
		return s.transform(rec, fills, mem)
	}))
	return nil
}

// transform fills one batch and appends the indicator columns.
func (s *Impute) transform(rec arrow.RecordBatch, fills []any, mem memory.Allocator) (arrow.RecordBatch, error) {
	p := s.plan
	n := int(rec.NumRows())
	cols := make([]arrow.Array, rec.NumCols(), len(p.out.Fields()))
	for i := range cols {
		cols[i] = rec.Column(i)
		cols[i].Retain()
	}
	defer func() {
		for _, c := range cols {
			c.Release()
		}
	}()
	var indicators []arrow.Array
	var fscratch []float64
	for k, j := range p.idx {
		a := rec.Column(j)
		bld := array.NewBuilder(mem, p.outType[k])
		bld.Reserve(n)
		ind := array.NewBooleanBuilder(mem)
		if s.Indicator {
			ind.Reserve(n)
		}
		var fv []float64
		if p.outType[k].ID() == arrow.FLOAT64 {
			fv = floatValues(a, &fscratch)
		}
		fill := fills[k]
		for i := range n {
			miss := isMissing(a, i)
			if s.Indicator {
				ind.UnsafeAppend(miss)
			}
			switch b := bld.(type) {
			case *array.Float64Builder:
				if miss {
					b.UnsafeAppend(fill.(float64))
				} else {
					b.UnsafeAppend(fv[i])
				}
			case *array.Int64Builder:
				if miss {
					b.UnsafeAppend(fill.(int64))
				} else {
					b.UnsafeAppend(a.(*array.Int64).Value(i))
				}
			case *array.StringBuilder:
				if miss {
					b.Append(fill.(string))
				} else {
					b.Append(a.(*array.String).Value(i))
				}
			case *array.BooleanBuilder:
				if miss {
					b.UnsafeAppend(fill.(bool))
				} else {
					b.UnsafeAppend(a.(*array.Boolean).Value(i))
				}
			case *array.Date32Builder:
				if miss {
					b.UnsafeAppend(arrow.Date32(fill.(int64)))
				} else {
					b.UnsafeAppend(a.(*array.Date32).Value(i))
				}
			case *array.TimestampBuilder:
				if miss {
					b.UnsafeAppend(arrow.Timestamp(fill.(int64)))
				} else {
					b.UnsafeAppend(a.(*array.Timestamp).Value(i))
				}
			}
		}
		cols[j].Release()
		cols[j] = bld.NewArray()
		bld.Release()
		if s.Indicator {
			indicators = append(indicators, ind.NewArray())
		}
		ind.Release()
	}
	cols = append(cols, indicators...)
	return array.NewRecordBatch(p.out, cols, int64(n)), nil
}
