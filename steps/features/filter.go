package features

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/aftercare/aftercare/steps/internal/colexpr"
	"github.com/aftercare/aftercare/workflow"
)

func init() {
	workflow.Register(workflow.Spec{
		Type:    "features.filter",
		Summary: "Keep the rows for which a boolean expression is true (null counts as false).",
		Description: `The expression sees the input's columns by name and the parameters as
params.NAME. It is type-checked at plan time: an unknown column or a
non-boolean condition is a diagnostic with its position inside the
expression. Lazy: rows are filtered batch by batch as a downstream step
scans them.`,
		New: func() workflow.Step { return &Filter{} },
		Examples: []string{
			"- {id: orders, type: io.read, path: data/orders.csv}\n- id: kept\n  type: features.filter\n  input: orders\n  where: amount > 0 && !returned",
		},
	})
}

// Filter is the features.filter step.
type Filter struct {
	Input workflow.Ref  `yaml:"input" required:"true" doc:"Step whose rows are filtered."`
	Where workflow.Expr `yaml:"where" required:"true" doc:"Boolean expression; rows where it is true are kept."`
	prog  *colexpr.Program
}

// Check compiles the condition.
func (s *Filter) Check(c *workflow.CheckContext) {
	in := c.Schema(s.Input)
	if in == nil {
		return
	}
	s.prog = compileExpr(c, "where", s.Where, in, "bool")
	c.SetOutput("", in)
}

// Run returns the lazily filtered input, with the columns downstream
// steps read (the condition's own columns are not copied unless used).
func (s *Filter) Run(ctx context.Context, r *workflow.RunContext) error {
	in := r.Input(s.Input)
	mem := r.Mem()
	out := r.Columns("").Project(in.Schema())
	// The mask is per batch: a Dataset may be scanned by several steps at
	// once, so nothing mutable is shared between scans.
	r.SetOutput("", r.Lazy(in, out, func(b arrow.RecordBatch) (arrow.RecordBatch, error) {
		mask := make([]bool, b.NumRows())
		if err := s.prog.EvalBool(b, mask); err != nil {
			return nil, err
		}
		kept := project(b, out)
		defer kept.Release()
		return filterBatch(kept, mask, mem)
	}))
	return nil
}

// filterBatch keeps the rows of b where mask is true. It returns b itself
// (retained) when every row is kept and nil when none is.
func filterBatch(b arrow.RecordBatch, mask []bool, mem memory.Allocator) (arrow.RecordBatch, error) {
	kept := 0
	for _, m := range mask {
		if m {
			kept++
		}
	}
	switch kept {
	case 0:
		return nil, nil
	case len(mask):
		b.Retain()
		return b, nil
	}
	spans, n := keptSpans(mask)
	return filterRows(b, spans, n, mem)
}
