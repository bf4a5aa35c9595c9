package features

import (
	"context"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/aftercare/aftercare/steps/internal/colexpr"
	"github.com/aftercare/aftercare/workflow"
)

func init() {
	workflow.Register(workflow.Spec{
		Type:    "features.aggregate",
		Summary: "Group rows by key columns and compute named aggregates (count, sum, mean, min, max, first, last, std, median, quantile, any, all).",
		Description: `One output row per distinct key, sorted by key (nulls last), with the
aggregates as columns in the order written. Functions:

  count: COLUMN        non-null values (count: "*" or rows: true counts rows)
  count_distinct: COL  distinct non-null values
  sum: COLUMN          sum (int stays int; a group without values sums to 0)
  mean, std, var       float; std and var are sample statistics (ddof 1, as
                       pandas) unless ddof: 0 is given
  median, quantile     float, linear interpolation (as pandas); quantile needs q
  min, max             int, float, date, timestamp or string (byte order)
  first, last          the value at the earliest / latest row by the
                       aggregate's by column or the step's order_by (ties:
                       earlier row for first, later for last); in scan
                       order when neither is given
  any, all: EXPR       of a boolean expression per row

Any aggregate takes where: EXPR, so that only rows where the condition is
true count (a conditional aggregate: returns: {count: "*", where:
'category == "return"'}).

Nulls are skipped as in SQL and pandas, and NaN in a float column counts
as null. A group with no values gives null for mean, min, max, first,
last, std, var, median and quantile (std and var also with fewer than
ddof + 1 values), 0 for count, count_distinct and sum, false for any and
true for all. Null keys form one group of their own (sorted last) unless
null_keys: drop.

window keeps the rows of a lookback window, as_of - last < t <= as_of,
before grouping: keys with no row inside it do not appear.

Streaming: memory grows with the number of groups, not rows. count_distinct
keeps one value per group while each group's values arrive in
non-decreasing order (order numbers or dates of a time-ordered log); the
groups whose values go back are recounted exactly by a second pass over
the input that holds only their (key, value) pairs (metrics.passes = 2).
median and quantile hold every value they aggregate.`,
		New: func() workflow.Step { return &Aggregate{NullKeys: "group"} },
		Examples: []string{
			"- {id: orders, type: io.read, path: data/orders.csv}\n- id: per_customer\n  type: features.aggregate\n  input: orders\n  by: [customer_id]\n  order_by: ordered_at\n  aggregates:\n    orders: {count_distinct: order_id}\n    revenue: {sum: amount}\n    avg_amount: {mean: amount}\n    first_order: {min: ordered_at}\n    last_amount: {last: amount}\n    p90_amount: {quantile: amount, q: 0.9}\n    returns: {count: \"*\", where: returned}\n    big_orders: {count: \"*\", where: \"amount > 100\"}",
			"- {id: tickets, type: io.read, path: data/tickets.csv}\n- id: recent_tickets\n  type: features.aggregate\n  input: tickets\n  by: [customer_id]\n  window: {as_of: \"${params.as_of}\", last: 90d, column: opened_at}\n  aggregates:\n    tickets_90d: {count: \"*\"}\n    return_tickets: {count: \"*\", where: 'category == \"return\"'}\n    avg_resolution_hours: {mean: resolution_hours}\n    median_satisfaction: {median: satisfaction}\n    any_slow: {any: \"resolution_hours > 48\"}",
		},
	})
}

// Aggregate is the features.aggregate step.
type Aggregate struct {
	Input      workflow.Ref          `yaml:"input" required:"true" doc:"Step whose rows are grouped."`
	By         []workflow.Column     `yaml:"by" doc:"Key columns (string, int, float, date, timestamp or bool; NaN counts as null). Without keys the whole input is one group."`
	OrderBy    workflow.Column       `yaml:"order_by" doc:"Column (date, timestamp, int or float) that orders rows for first and last, unless an aggregate names its own by."`
	Window     *Window               `yaml:"window" doc:"Only rows in a lookback window ending at as_of count."`
	NullKeys   string                `yaml:"null_keys" enum:"group|drop" doc:"Rows with a null key form a group of their own (group, sorted last) or are dropped (drop)."`
	Aggregates workflow.Map[AggSpec] `yaml:"aggregates" required:"true" doc:"Output column name → aggregate, in output order."`

	plan *groupPlan
}

// AggSpec is one aggregate: exactly one function key naming its column
// (or expression, for any and all), with optional modifiers.
type AggSpec struct {
	Count         *workflow.Column `yaml:"count" doc:"Number of non-null values of a column; \"*\" counts rows."`
	Rows          bool             `yaml:"rows" doc:"true: number of rows (same as count: \"*\")."`
	CountDistinct *workflow.Column `yaml:"count_distinct" doc:"Number of distinct non-null values of a column."`
	Sum           *workflow.Column `yaml:"sum" doc:"Sum of a numeric column (0 when a group has no values)."`
	Mean          *workflow.Column `yaml:"mean" doc:"Mean of a numeric column."`
	Min           *workflow.Column `yaml:"min" doc:"Smallest value (int, float, date, timestamp, string)."`
	Max           *workflow.Column `yaml:"max" doc:"Largest value (int, float, date, timestamp, string)."`
	First         *workflow.Column `yaml:"first" doc:"Value at the earliest row by the ordering column."`
	Last          *workflow.Column `yaml:"last" doc:"Value at the latest row by the ordering column."`
	Std           *workflow.Column `yaml:"std" doc:"Standard deviation of a numeric column (sample, ddof 1)."`
	Var           *workflow.Column `yaml:"var" doc:"Variance of a numeric column (sample, ddof 1)."`
	Median        *workflow.Column `yaml:"median" doc:"Median of a numeric column."`
	Quantile      *workflow.Column `yaml:"quantile" doc:"Quantile q of a numeric column, linear interpolation."`
	Any           *workflow.Expr   `yaml:"any" doc:"Whether a boolean expression is true for any row."`
	All           *workflow.Expr   `yaml:"all" doc:"Whether a boolean expression is true for every row (nulls skipped)."`
	Q             *float64         `yaml:"q" min:"0" max:"1" doc:"Quantile level for quantile, in [0, 1] (0.9: 90th percentile)."`
	By            *workflow.Column `yaml:"by" doc:"Ordering column for first and last (default: the step's order_by)."`
	Ddof          *int             `yaml:"ddof" min:"0" max:"1" doc:"Delta degrees of freedom for std and var: 1 (sample, default) or 0 (population)."`
	Where         *workflow.Expr   `yaml:"where" doc:"Boolean expression: only rows where it is true count toward this aggregate."`
}

// aggFuncNames lists the function keys of AggSpec.
var aggFuncNames = []string{"count", "rows", "count_distinct", "sum", "mean", "min", "max", "first", "last", "std", "var", "median", "quantile", "any", "all"}

// function returns the one function an AggSpec names, with its column or
// expression; ok is false (after reporting) when there is not exactly one.
func (s *AggSpec) function(c *workflow.CheckContext, path string) (name string, col *workflow.Column, expr *workflow.Expr, ok bool) {
	var found []string
	set := func(n string, cl *workflow.Column) {
		if cl != nil {
			found = append(found, n)
			name, col = n, cl
		}
	}
	set("count", s.Count)
	set("count_distinct", s.CountDistinct)
	set("sum", s.Sum)
	set("mean", s.Mean)
	set("min", s.Min)
	set("max", s.Max)
	set("first", s.First)
	set("last", s.Last)
	set("std", s.Std)
	set("var", s.Var)
	set("median", s.Median)
	set("quantile", s.Quantile)
	if s.Rows {
		found = append(found, "rows")
		name, col = "rows", nil
	}
	if s.Any != nil {
		found = append(found, "any")
		name, col, expr = "any", nil, s.Any
	}
	if s.All != nil {
		found = append(found, "all")
		name, col, expr = "all", nil, s.All
	}
	switch len(found) {
	case 0:
		c.Errorf(path, "no aggregate function: give one of %s", strings.Join(aggFuncNames, ", "))
		return "", nil, nil, false
	case 1:
		return name, col, expr, true
	}
	c.Errorf(path, "more than one aggregate function (%s): write one per output column", strings.Join(found, ", "))
	return "", nil, nil, false
}

// aggPlan is a checked aggregate.
type aggPlan struct {
	name  string
	fn    string
	col   int // input column, -1 for none
	ord   int // ordering column of first/last, -1 for scan order
	ordF  bool
	in    arrow.DataType // type of the input column
	out   arrow.DataType
	q     float64
	ddof  int
	where *colexpr.Program
	expr  *colexpr.Program
}

// groupPlan is a checked group-by: what Run needs.
type groupPlan struct {
	keys     []int
	keyTypes []arrow.DataType
	window   *windowSpec
	dropNull bool
	aggs     []aggPlan
	out      *arrow.Schema
	in       *arrow.Schema // planned input schema: the positions above index it
}

// checkKeys validates key columns and returns their indices and types.
func checkKeys(c *workflow.CheckContext, path string, by []workflow.Column, in *arrow.Schema) ([]int, []arrow.DataType, []arrow.Field, bool) {
	ok := true
	var idx []int
	var types []arrow.DataType
	var fields []arrow.Field
	seen := map[string]bool{}
	for i, k := range by {
		p := fmt.Sprintf("%s[%d]", path, i)
		if seen[k.Name] {
			c.ErrorAt(k.Pos, p, "key column %q is listed twice", k.Name)
			ok = false
			continue
		}
		seen[k.Name] = true
		f, fok := c.ColumnAt(k.Pos, p, in, k.Name)
		if !fok {
			ok = false
			continue
		}
		if _, kok := keyKindOf(f.Type); !kok {
			c.ErrorAt(k.Pos, p, "column %q is %s: keys must be string, int, float, date, timestamp or bool", k.Name, workflow.TypeName(f.Type))
			ok = false
			continue
		}
		idx = append(idx, in.FieldIndices(k.Name)[0])
		types = append(types, f.Type)
		fields = append(fields, arrow.Field{Name: k.Name, Type: f.Type, Nullable: true})
	}
	return idx, types, fields, ok
}

// isOrderable reports whether a column of type t can order first and last.
func isOrderable(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.INT64, arrow.FLOAT64, arrow.DATE32, arrow.TIMESTAMP:
		return true
	}
	return false
}

// Check validates keys, columns, types and expressions, and declares the
// output schema.
func (s *Aggregate) Check(c *workflow.CheckContext) {
	s.plan = nil
	in := c.Schema(s.Input)
	if in == nil {
		return
	}
	keys, keyTypes, fields, ok := checkKeys(c, "by", s.By, in)
	p := &groupPlan{keys: keys, keyTypes: keyTypes, dropNull: s.NullKeys == "drop", in: in}
	if s.OrderBy.Name != "" {
		if f, fok := c.ColumnAt(s.OrderBy.Pos, "order_by", in, s.OrderBy.Name); fok && !isOrderable(f.Type) {
			c.ErrorAt(s.OrderBy.Pos, "order_by", "order_by column %q is %s, want date, timestamp, int or float", s.OrderBy.Name, workflow.TypeName(f.Type))
			ok = false
		} else if !fok {
			ok = false
		}
	}
	if s.Window != nil {
		p.window = checkWindow(c, "window", s.Window, in, s.OrderBy)
		ok = ok && p.window != nil
	}
	if len(s.Aggregates) == 0 {
		c.Errorf("aggregates", "aggregate needs at least one aggregate")
		ok = false
	}
	keyNames := map[string]bool{}
	for _, k := range s.By {
		keyNames[k.Name] = true
	}
	for _, e := range s.Aggregates {
		path := "aggregates." + e.Key
		if keyNames[e.Key] {
			c.ErrorAt(e.Pos, path, "aggregate %q has the name of a key column", e.Key)
			ok = false
		}
		spec := e.Value
		ap, aok := checkAgg(c, path, e.Key, &spec, in, s.OrderBy)
		if !aok {
			ok = false
			// Declare a placeholder so downstream steps are still checked.
			fields = append(fields, arrow.Field{Name: e.Key, Type: workflow.Float64, Nullable: true})
			continue
		}
		p.aggs = append(p.aggs, ap)
		fields = append(fields, arrow.Field{Name: e.Key, Type: ap.out, Nullable: true})
	}
	p.out = arrow.NewSchema(fields, nil)
	c.SetOutput("", p.out)
	if ok && !c.Failed() {
		s.plan = p
	}
}

// checkAgg validates one aggregate against the input schema.
func checkAgg(c *workflow.CheckContext, path, name string, s *AggSpec, in *arrow.Schema, orderBy workflow.Column) (aggPlan, bool) {
	fn, col, expr, ok := s.function(c, path)
	if !ok {
		return aggPlan{}, false
	}
	ap := aggPlan{name: name, fn: fn, col: -1, ord: -1, ddof: 1}
	fpath := path + "." + fn
	// Modifiers that only some functions take.
	if s.Q != nil && fn != "quantile" {
		c.Errorf(path+".q", "q applies to quantile only")
		ok = false
	}
	if fn == "quantile" {
		if s.Q == nil {
			c.Errorf(path, "quantile needs q (like q: 0.9)")
			ok = false
		} else {
			ap.q = *s.Q
		}
	}
	if s.By != nil && fn != "first" && fn != "last" {
		c.Errorf(path+".by", "by applies to first and last only")
		ok = false
	}
	if s.Ddof != nil {
		if fn != "std" && fn != "var" {
			c.Errorf(path+".ddof", "ddof applies to std and var only")
			ok = false
		} else {
			ap.ddof = *s.Ddof
		}
	}
	if s.Where != nil {
		ap.where = compileExpr(c, path+".where", *s.Where, in, "bool")
		ok = ok && ap.where != nil
	}
	if expr != nil {
		ap.expr = compileExpr(c, fpath, *expr, in, "bool")
		ap.out = workflow.Bool
		return ap, ok && ap.expr != nil
	}
	if fn == "rows" || fn == "count" && col.Name == "*" {
		ap.fn = "rows"
		ap.out = workflow.Int64
		return ap, ok
	}
	f, fok := c.ColumnAt(col.Pos, fpath, in, col.Name)
	if !fok {
		return ap, false
	}
	ap.col = in.FieldIndices(col.Name)[0]
	ap.in = f.Type
	numeric := workflow.IsNumeric(f.Type)
	bad := func(want string) {
		c.ErrorAt(col.Pos, fpath, "%s needs %s, but column %q is %s", fn, want, col.Name, workflow.TypeName(f.Type))
		ok = false
	}
	switch fn {
	case "count", "count_distinct":
		if _, known := keyKindOf(f.Type); !known && f.Type.ID() != arrow.FLOAT64 {
			bad("a column of a canonical type")
		}
		ap.out = workflow.Int64
	case "sum":
		if !numeric {
			bad("a numeric column")
		}
		ap.out = f.Type
	case "mean", "std", "var", "median", "quantile":
		if !numeric {
			bad("a numeric column")
		}
		ap.out = workflow.Float64
	case "min", "max":
		if !numeric && !isTimeType(f.Type) && f.Type.ID() != arrow.STRING {
			bad("an int, float, date, timestamp or string column")
		}
		ap.out = f.Type
	case "first", "last":
		ap.out = f.Type
		ord := orderBy
		opath := "order_by"
		if s.By != nil {
			ord, opath = *s.By, path+".by"
		}
		if ord.Name != "" {
			of, ook := c.ColumnAt(ord.Pos, opath, in, ord.Name)
			if !ook {
				return ap, false
			}
			if !isOrderable(of.Type) {
				c.ErrorAt(ord.Pos, opath, "column %q is %s: first and last order by a date, timestamp, int or float column", ord.Name, workflow.TypeName(of.Type))
				return ap, false
			}
			ap.ord = in.FieldIndices(ord.Name)[0]
			ap.ordF = of.Type.ID() == arrow.FLOAT64
		}
	}
	return ap, ok
}

// newAggregator returns a fresh state for a checked aggregate.
func (ap *aggPlan) newAggregator(mem memory.Allocator) aggregator {
	switch ap.fn {
	case "rows":
		return &countAgg{col: -1}
	case "count":
		return &countAgg{col: ap.col}
	case "count_distinct":
		return &countDistinctAgg{col: ap.col}
	case "sum":
		if ap.in.ID() == arrow.INT64 {
			return &sumIntAgg{col: ap.col}
		}
		return &sumFloatAgg{col: ap.col}
	case "mean":
		return &sumFloatAgg{col: ap.col, mean: true}
	case "min", "max":
		isMax := ap.fn == "max"
		switch ap.in.ID() {
		case arrow.FLOAT64:
			return &minMaxFloatAgg{col: ap.col, max: isMax}
		case arrow.STRING:
			return &minMaxStrAgg{col: ap.col, max: isMax}
		}
		return &minMaxIntAgg{col: ap.col, max: isMax, typ: ap.in}
	case "first", "last":
		return &firstLastAgg{col: ap.col, ord: ap.ord, ordFloat: ap.ordF, last: ap.fn == "last", vals: valueStore{typ: ap.in}}
	case "std", "var":
		return &varAgg{col: ap.col, std: ap.fn == "std", ddof: ap.ddof}
	case "median":
		return &quantileAgg{col: ap.col, median: true}
	case "quantile":
		return &quantileAgg{col: ap.col, q: ap.q}
	case "any", "all":
		prog := ap.expr
		return &anyAllAgg{all: ap.fn == "all", eval: func(rec arrow.RecordBatch) (arrow.Array, error) {
			return prog.Eval(rec, mem)
		}}
	}
	panic("features: unknown aggregate " + ap.fn)
}

// Run scans the input once and emits one row per group, sorted by key.
func (s *Aggregate) Run(ctx context.Context, r *workflow.RunContext) error {
	if s.plan == nil {
		return fmt.Errorf("step was not planned")
	}
	res, err := s.plan.run(ctx, r.Input(s.Input), r)
	if err != nil {
		return err
	}
	r.Metric("groups", res.NumRows())
	r.SetOutput("", res)
	return nil
}
