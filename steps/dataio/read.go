package dataio

import (
	"context"
	"errors"
	"io/fs"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/aftercare/aftercare/steps/dataio/fileformat"
	"github.com/aftercare/aftercare/workflow"
)

func init() {
	workflow.Register(workflow.Spec{
		Type:    "io.read",
		Summary: "Read a CSV, Parquet, Arrow IPC or JSON Lines file as a stream of record batches.",
		Description: `Reads a file lazily: downstream steps scan it batch by batch, so a chain of
filters, derived columns and an aggregate runs in one streaming pass. The
schema is learned at plan time from the file's header, a sample of rows
spread over the whole file (CSV, JSON Lines) or its footer (Parquet, Arrow),
so later steps are checked against real column names and types. Relative
paths resolve against the recipe's folder. A row that does not parse fails
the run with the file, line, column and value.`,
		New: func() workflow.Step { return &Read{} },
		Examples: []string{
			"- id: orders\n  type: io.read\n  path: data/orders.csv\n  types: {customer_id: string, amount: float}",
		},
	})
}

// Read is the io.read step.
type Read struct {
	Path             string               `yaml:"path" required:"true" doc:"File to read; a relative path resolves against the recipe's folder."`
	Format           string               `yaml:"format" enum:"csv|parquet|arrow|jsonl" doc:"File format; by default from the extension (.csv, .tsv, .csv.gz, .parquet, .arrow, .feather, .jsonl)."`
	Delimiter        string               `yaml:"delimiter" doc:"CSV field delimiter, one character (default comma; tab for .tsv)."`
	Whitespace       bool                 `yaml:"whitespace" doc:"CSV fields are separated by runs of spaces or tabs."`
	Header           *bool                `yaml:"header" doc:"The CSV file starts with a header line (default true)."`
	Columns          []string             `yaml:"columns" doc:"Column names of a CSV file without a header."`
	Types            workflow.Map[string] `yaml:"types" doc:"Explicit column types (int, float, string, bool, date, timestamp); other columns are inferred."`
	InferRows        int                  `yaml:"infer_rows" min:"1" doc:"Rows sampled across the file to infer CSV and JSON Lines types (default 10000)."`
	TimestampFormats []string             `yaml:"timestamp_formats" doc:"Extra Go time layouts to try for timestamps."`
	NullValues       []string             `yaml:"null_values" doc:"Strings read as null (default: empty, NA, N/A, null, NULL)."`
	BatchRows        int                  `yaml:"batch_rows" min:"1" doc:"Rows per record batch (default 65536)."`
	schema           *arrow.Schema
	opts             fileformat.ReadOptions
	path             string
}

func (s *Read) options(c *workflow.CheckContext) (fileformat.ReadOptions, bool) {
	o := fileformat.ReadOptions{Whitespace: s.Whitespace, ColumnNames: s.Columns, InferRows: s.InferRows,
		TimestampFormats: s.TimestampFormats, NullValues: s.NullValues, BatchRows: s.BatchRows}
	ok := true
	f, err := fileformat.Detect(s.path, s.Format)
	if err != nil {
		c.Errorf("path", "%v", err)
		ok = false
	}
	o.Format = f
	if s.Delimiter != "" {
		r, size := utf8.DecodeRuneInString(s.Delimiter)
		if size != len(s.Delimiter) || r == '"' || r == '\n' || r == '\r' {
			c.Errorf("delimiter", "delimiter must be one character other than a quote or newline, got %q", s.Delimiter)
			ok = false
		}
		o.Delimiter = r
	}
	if s.Header != nil && !*s.Header {
		o.NoHeader = true
	}
	if len(s.Columns) > 0 && !o.NoHeader {
		c.Errorf("columns", "columns names a file's columns only when header: false")
		ok = false
	}
	if len(s.Types) > 0 {
		o.Types = map[string]arrow.DataType{}
		for _, e := range s.Types {
			t, err := workflow.ParseType(e.Value)
			if err != nil {
				c.Errorf("types."+e.Key, "%v", err)
				ok = false
				continue
			}
			o.Types[e.Key] = t
		}
	}
	return o, ok
}

// Check learns the file's schema from its header, a sample or its footer.
func (s *Read) Check(c *workflow.CheckContext) {
	s.path = c.InputPath(s.Path)
	opts, ok := s.options(c)
	if !ok {
		return
	}
	s.opts = opts
	c.ReadsFile(s.path)
	sc, err := fileformat.ReadSchema(s.path, opts)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			c.Warnf("path", "%s does not exist yet: its columns cannot be checked before the run", s.path)
			return
		}
		field := "path"
		var pe *fileformat.ParseError
		if !errors.As(err, &pe) && strings.HasPrefix(err.Error(), "types: ") {
			field = "types"
		}
		c.Errorf(field, "%v", err)
		return
	}
	s.schema = sc
	c.SetOutput("", sc)
}

// Run returns a Dataset that reads the file each time it is scanned,
// decoding only the columns that downstream steps use.
func (s *Read) Run(ctx context.Context, r *workflow.RunContext) error {
	sc := s.schema
	if sc == nil {
		var err error
		if sc, err = fileformat.ReadSchema(s.path, s.opts); err != nil {
			return err
		}
	}
	// Decode only the columns downstream steps read (all of them unless
	// every consumer says which it needs).
	sc = r.Columns("").Project(sc)
	r.SetOutput("", &fileDataset{path: s.path, schema: sc, opts: s.opts, rc: r})
	return nil
}

type fileDataset struct {
	path   string
	schema *arrow.Schema
	opts   fileformat.ReadOptions
	rc     *workflow.RunContext
}

func (f *fileDataset) Schema() *arrow.Schema { return f.schema }

func (f *fileDataset) Scan(ctx context.Context, fn func(arrow.RecordBatch) error) error {
	var fnErr error
	err := fileformat.Scan(ctx, f.path, f.schema, f.opts, f.rc.Mem(), func(b arrow.RecordBatch) error {
		if err := fn(b); err != nil {
			fnErr = err
			return err
		}
		return nil
	})
	if err != nil && fnErr == nil && ctx.Err() == nil {
		return &workflow.StepError{Step: f.rc.StepID(), Err: err}
	}
	return err
}
