package features

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/aftercare/aftercare/steps/internal/colexpr"
	"github.com/aftercare/aftercare/workflow"
)

func init() {
	workflow.Register(workflow.Spec{
		Type:    "features.derive",
		Summary: "Add or replace columns computed from expressions over each row.",
		Description: `Each expression sees the input's columns, the columns derived before it in
the same step, and params.NAME. Date helpers (days_between, weeks_between,
date_trunc, add_days, year, month, ...) work on date and timestamp columns;
now() returns the recipe's as_of parameter, so runs are reproducible. A name
that already exists replaces that column in place. Lazy.`,
		New: func() workflow.Step { return &Derive{} },
		Examples: []string{
			"- {id: orders, type: io.read, path: data/orders.csv}\n- id: enriched\n  type: features.derive\n  input: orders\n  columns:\n    price_per_item: amount / items\n    order_month: date_trunc(\"month\", ordered_at)\n    days_ago: days_between(ordered_at, now())",
		},
	})
}

// Derive is the features.derive step.
type Derive struct {
	Input   workflow.Ref                `yaml:"input" required:"true" doc:"Step whose rows get new columns."`
	Columns workflow.Map[workflow.Expr] `yaml:"columns" required:"true" doc:"New column name → expression, evaluated in order."`
	progs   []*colexpr.Program
	slots   []int // output position of each derived column
	out     *arrow.Schema
}

// Check compiles every expression against the columns it will see.
func (s *Derive) Check(c *workflow.CheckContext) {
	in := c.Schema(s.Input)
	if in == nil {
		return
	}
	if len(s.Columns) == 0 {
		c.Errorf("columns", "derive needs at least one column")
	}
	fields := append([]arrow.Field(nil), in.Fields()...)
	s.progs, s.slots = nil, nil
	for _, e := range s.Columns {
		cur := arrow.NewSchema(fields, nil)
		p := compileExpr(c, "columns."+e.Key, e.Value, cur, "")
		if p == nil {
			// Keep going with a placeholder so later expressions that use this
			// column are still checked.
			fields, _ = setField(fields, arrow.Field{Name: e.Key, Type: workflow.Float64, Nullable: true})
			continue
		}
		var slot int
		fields, slot = setField(fields, arrow.Field{Name: e.Key, Type: p.Type(), Nullable: true})
		s.progs = append(s.progs, p)
		s.slots = append(s.slots, slot)
	}
	// Even with errors the output schema is declared (failed expressions as
	// float placeholders), so later steps are still checked.
	s.out = arrow.NewSchema(fields, nil)
	c.SetOutput("", s.out)
}

// setField replaces the field with f's name or appends f; it returns the
// field's position.
func setField(fields []arrow.Field, f arrow.Field) ([]arrow.Field, int) {
	for i, g := range fields {
		if g.Name == f.Name {
			fields[i] = f
			return fields, i
		}
	}
	return append(fields, f), len(fields)
}

// Run returns the input with the derived columns, computed lazily, less
// the columns no downstream step reads.
func (s *Derive) Run(ctx context.Context, r *workflow.RunContext) error {
	in := r.Input(s.Input)
	mem := r.Mem()
	// The input may lack planned columns nobody reads: place the derived
	// columns by name in the runtime schema.
	full := append([]arrow.Field(nil), in.Schema().Fields()...)
	slots := make([]int, len(s.progs))
	for i, slot := range s.slots {
		full, slots[i] = setField(full, s.out.Field(slot))
	}
	fullSchema := arrow.NewSchema(full, nil)
	out := r.Columns("").Project(fullSchema)
	r.SetOutput("", r.Lazy(in, out, func(b arrow.RecordBatch) (arrow.RecordBatch, error) {
		cols := make([]arrow.Array, 0, len(full))
		for i := range int(b.NumCols()) {
			c := b.Column(i)
			c.Retain()
			cols = append(cols, c)
		}
		release := func() {
			for _, c := range cols {
				c.Release()
			}
		}
		fields := append([]arrow.Field(nil), b.Schema().Fields()...)
		for i, p := range s.progs {
			cur := array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, b.NumRows())
			a, err := p.Eval(cur, mem)
			cur.Release()
			if err != nil {
				release()
				return nil, fmt.Errorf("column %s: %w", s.Columns[i].Key, err)
			}
			slot := slots[i]
			f := full[slot]
			if slot < len(cols) {
				cols[slot].Release()
				cols[slot] = a
				fields[slot] = f
			} else {
				cols = append(cols, a)
				fields = append(fields, f)
			}
		}
		rec := array.NewRecordBatch(fullSchema, cols, b.NumRows())
		release()
		kept := project(rec, out)
		rec.Release()
		return kept, nil
	}))
	return nil
}
