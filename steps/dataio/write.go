package dataio

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/aftercare/aftercare/steps/dataio/fileformat"
	"github.com/aftercare/aftercare/workflow"
)

func init() {
	workflow.Register(workflow.Spec{
		Type:    "io.write",
		Summary: "Write a step's output to a CSV, Parquet, Arrow IPC or JSON Lines file in the run's output folder.",
		Description: `Writes through a temporary file that is renamed into place only when the
whole run succeeds, so a failed or interrupted run never leaves a partial or
stale-looking output. Relative paths resolve against the output folder
(--out). Its main output passes its input through, so other steps can run
after it.`,
		New: func() workflow.Step { return &Write{} },
		Examples: []string{
			"- {id: orders, type: io.read, path: data/orders.csv}\n- id: save\n  type: io.write\n  input: orders\n  path: orders.parquet",
		},
	})
}

// Write is the io.write step.
type Write struct {
	Input       workflow.Ref      `yaml:"input" required:"true" doc:"Step whose output is written."`
	Path        string            `yaml:"path" required:"true" doc:"File to write; a relative path resolves against the output folder."`
	Format      string            `yaml:"format" enum:"csv|parquet|arrow|jsonl" doc:"File format; by default from the extension."`
	Delimiter   string            `yaml:"delimiter" doc:"CSV field delimiter, one character (default comma)."`
	Compression string            `yaml:"compression" enum:"snappy|zstd|none" doc:"Parquet compression (default snappy)."`
	Columns     []workflow.Column `yaml:"columns" doc:"Columns to write, in this order (default all)."`
	opts        fileformat.WriteOptions
	cols        []int
	schema      *arrow.Schema
}

// Check resolves the format and the columns written.
func (s *Write) Check(c *workflow.CheckContext) {
	in := c.Schema(s.Input)
	f, err := fileformat.Detect(s.Path, s.Format)
	if err != nil {
		c.Errorf("path", "%v", err)
	}
	s.opts = fileformat.WriteOptions{Format: f, Compression: s.Compression, Gzip: strings.HasSuffix(strings.ToLower(s.Path), ".gz")}
	if s.Delimiter != "" {
		r, size := utf8.DecodeRuneInString(s.Delimiter)
		if size != len(s.Delimiter) || r == '"' || r == '\n' {
			c.Errorf("delimiter", "delimiter must be one character other than a quote or newline, got %q", s.Delimiter)
		}
		s.opts.Delimiter = r
	}
	c.Writes(s.Path)
	if in == nil {
		return
	}
	s.schema = in
	if len(s.Columns) > 0 {
		var fields []arrow.Field
		s.cols = nil
		for i, col := range s.Columns {
			if _, ok := c.ColumnAt(col.Pos, fmt.Sprintf("columns[%d]", i), in, col.Name); ok {
				idx := in.FieldIndices(col.Name)[0]
				s.cols = append(s.cols, idx)
				fields = append(fields, in.Field(idx))
			}
		}
		s.schema = arrow.NewSchema(fields, nil)
	}
	c.SetOutput("", in)
}

// Run writes the input to a staged file.
func (s *Write) Run(ctx context.Context, r *workflow.RunContext) error {
	in := r.Input(s.Input)
	f, err := r.CreateOutput(s.Path)
	if err != nil {
		return err
	}
	tmp := f.Name()
	if err := f.Close(); err != nil {
		return err
	}
	schema := s.schema
	if schema == nil {
		schema = in.Schema()
	}
	rows, err := fileformat.Write(ctx, tmp, schema, s.opts, r.Mem(), func(fn func(arrow.RecordBatch) error) error {
		return in.Scan(ctx, func(b arrow.RecordBatch) error {
			if s.cols == nil {
				return fn(b)
			}
			cols := make([]arrow.Array, len(s.cols))
			for i, c := range s.cols {
				cols[i] = b.Column(c)
			}
			sub := array.NewRecordBatch(schema, cols, b.NumRows())
			defer sub.Release()
			return fn(sub)
		})
	})
	if err != nil {
		return err
	}
	r.Metric("rows_written", rows)
	r.SetOutput("", in)
	return nil
}
