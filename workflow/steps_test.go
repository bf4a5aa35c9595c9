package workflow_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/aftercare/aftercare/workflow"
)

// Test step types: a source of rows, a row-wise map, a sink writing a file.

func init() {
	workflow.Register(workflow.Spec{Type: "test.source", Summary: "rows for tests", New: func() workflow.Step { return &source{Rows: 3} },
		Examples: []string{"id: src\ntype: test.source\nrows: 5"}})
	workflow.Register(workflow.Spec{Type: "test.map", Summary: "scale a column", New: func() workflow.Step { return &mapStep{Scale: 1} },
		Outputs: []workflow.Port{{Name: ""}, {Name: "stats", Doc: "summary"}}})
	workflow.Register(workflow.Spec{Type: "test.sink", Summary: "write a file", New: func() workflow.Step { return &sink{} }})
}

var testSchema = arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int64}, {Name: "name", Type: arrow.BinaryTypes.String}}, nil)

type source struct {
	Rows  int           `yaml:"rows" min:"0" max:"1000000" doc:"rows to make"`
	Fail  bool          `yaml:"fail"`
	Delay time.Duration `yaml:"delay"`
	Mode  string        `yaml:"mode" enum:"fast|slow"`
	Tags  []string      `yaml:"tags"`
	Label string        `yaml:"label"`
	Meta  any           `yaml:"meta"`
}

func (s *source) Check(c *workflow.CheckContext) { c.SetOutput("", testSchema) }

func (s *source) Run(ctx context.Context, r *workflow.RunContext) error {
	if s.Delay > 0 {
		select {
		case <-time.After(s.Delay):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if s.Fail {
		return errors.New("source failed on purpose")
	}
	xb := array.NewInt64Builder(r.Mem())
	nb := array.NewStringBuilder(r.Mem())
	for i := range s.Rows {
		xb.Append(int64(i))
		nb.Append(fmt.Sprintf("n%d", i))
	}
	xa, na := xb.NewArray(), nb.NewArray()
	xb.Release()
	nb.Release()
	b := array.NewRecordBatch(testSchema, []arrow.Array{xa, na}, int64(s.Rows))
	xa.Release()
	na.Release()
	r.SetOutput("", workflow.NewTable(testSchema, b))
	return nil
}

type mapStep struct {
	Input  workflow.Ref    `yaml:"input" required:"true"`
	Column workflow.Column `yaml:"column" required:"true"`
	Scale  int             `yaml:"scale" min:"1" max:"10"`
	When   workflow.Expr   `yaml:"when"`
}

func (s *mapStep) Check(c *workflow.CheckContext) {
	in := c.Schema(s.Input)
	if f, ok := c.ColumnAt(s.Column.Pos, "column", in, s.Column.Name); ok && f.Type.ID() != arrow.INT64 {
		c.Errorf("column", "column %q is %s, want int", s.Column.Name, workflow.TypeName(f.Type))
	}
	// A toy expression check: the text must name a column; an unknown
	// name is reported at its offset inside the expression.
	if s.When.Src != "" && in != nil {
		if i := in.FieldIndices(s.When.Src); len(i) == 0 {
			c.ErrorAt(s.When.At(1, 1), "when", "unknown name %s%s", s.When.Src, workflow.DidYouMean(s.When.Src, workflow.FieldNames(in)))
		}
	}
	c.SetOutput("", in)
	c.SetOutput("stats", testSchema)
}

func (s *mapStep) Run(ctx context.Context, r *workflow.RunContext) error {
	in := r.Input(s.Input)
	r.SetOutput("", r.Lazy(in, in.Schema(), func(b arrow.RecordBatch) (arrow.RecordBatch, error) {
		xs := b.Column(0).(*array.Int64)
		bld := array.NewInt64Builder(r.Mem())
		defer bld.Release()
		for i := range xs.Len() {
			if xs.Value(i) == 13 {
				return nil, errors.New("unlucky row 13")
			}
			bld.Append(xs.Value(i) * int64(s.Scale))
		}
		xa := bld.NewArray()
		defer xa.Release()
		return array.NewRecordBatch(b.Schema(), []arrow.Array{xa, b.Column(1)}, b.NumRows()), nil
	}))
	r.SetOutput("stats", workflow.NewTable(testSchema))
	r.Metric("scale", s.Scale)
	return nil
}

type sink struct {
	Input workflow.Ref `yaml:"input" required:"true"`
	Path  string       `yaml:"path" required:"true"`
}

func (s *sink) Check(c *workflow.CheckContext) {
	c.Writes(s.Path)
	c.SetOutput("", c.Schema(s.Input))
}

func (s *sink) Run(ctx context.Context, r *workflow.RunContext) error {
	in := r.Input(s.Input)
	f, err := r.CreateOutput(s.Path)
	if err != nil {
		return err
	}
	defer f.Close()
	err = in.Scan(ctx, func(b arrow.RecordBatch) error {
		xs := b.Column(0).(*array.Int64)
		for i := range xs.Len() {
			fmt.Fprintln(f, xs.Value(i))
		}
		return nil
	})
	if err != nil {
		return err
	}
	r.SetOutput("", in)
	return f.Close()
}
