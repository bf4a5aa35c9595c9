// Package steptest is a harness for testing step types end to end: a
// test.data step type that emits rows built in Go, a test.capture step
// type that turns its input back into Go values, and helpers that Plan and
// Run a recipe with a checked allocator. Only tests import it.
package steptest

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/aftercare/aftercare/workflow"
)

// Two test step types: test.data emits batches built in Go (registered
// by name with PutData), test.capture converts its input to Go values
// (kept by name for the test to read).

func init() {
	workflow.Register(workflow.Spec{Type: "test.data", Summary: "in-memory batches for tests", New: func() workflow.Step { return &dataStep{} }})
	workflow.Register(workflow.Spec{Type: "test.capture", Summary: "capture rows for tests", New: func() workflow.Step { return &captureStep{} }})
}

type testData struct {
	schema *arrow.Schema
	// rows per batch; each row a slice of Go values (nil = null)
	batches [][][]any
}

var (
	dataMu   sync.Mutex
	dataSets = map[string]testData{}
	captured = map[string]*Table{}
)

// PutData registers rows (split into batches of batchRows) under name.
func PutData(name string, schema *arrow.Schema, batchRows int, rows ...[]any) {
	d := testData{schema: schema}
	for lo := 0; lo < len(rows); lo += batchRows {
		d.batches = append(d.batches, rows[lo:min(lo+batchRows, len(rows))])
	}
	dataMu.Lock()
	dataSets[name] = d
	dataMu.Unlock()
}

type dataStep struct {
	Name string `yaml:"name" required:"true"`
}

func (s *dataStep) Check(c *workflow.CheckContext) {
	dataMu.Lock()
	d, ok := dataSets[s.Name]
	dataMu.Unlock()
	if !ok {
		c.Errorf("name", "no test data %q", s.Name)
		return
	}
	c.SetOutput("", d.schema)
}

func (s *dataStep) Run(ctx context.Context, r *workflow.RunContext) error {
	dataMu.Lock()
	d := dataSets[s.Name]
	dataMu.Unlock()
	t := workflow.NewTable(d.schema)
	for _, rows := range d.batches {
		b, err := BuildBatch(r.Mem(), d.schema, rows)
		if err != nil {
			t.Release()
			return err
		}
		t.Append(b)
	}
	r.SetOutput("", t)
	return nil
}

// BuildBatch builds a record batch of schema from rows of Go values (nil
// is null).
func BuildBatch(mem memory.Allocator, schema *arrow.Schema, rows [][]any) (arrow.RecordBatch, error) {
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	for _, row := range rows {
		for j, v := range row {
			fb := b.Field(j)
			if v == nil {
				fb.AppendNull()
				continue
			}
			switch fb := fb.(type) {
			case *array.Int64Builder:
				fb.Append(int64(v.(int)))
			case *array.Float64Builder:
				fb.Append(v.(float64))
			case *array.StringBuilder:
				fb.Append(v.(string))
			case *array.BooleanBuilder:
				fb.Append(v.(bool))
			case *array.Date32Builder:
				fb.Append(arrow.Date32FromTime(MustTime(v.(string))))
			case *array.TimestampBuilder:
				fb.Append(arrow.Timestamp(MustTime(v.(string)).UnixMicro()))
			default:
				return nil, fmt.Errorf("unsupported builder %T", fb)
			}
		}
	}
	return b.NewRecordBatch(), nil
}

// MustTime parses an RFC 3339 time or a date, panicking on bad input.
func MustTime(s string) time.Time {
	t, err := workflow.ParseTime(s)
	if err != nil {
		panic(err)
	}
	return t
}

// Table is captured output: column names, types and Go values by column
// (int64, float64, string, bool, time.Time for dates and timestamps, nil
// for null).
type Table struct {
	Names []string
	Types []arrow.DataType
	Cols  [][]any
}

// Col returns the values of the named column.
func (t *Table) Col(name string) []any {
	for i, n := range t.Names {
		if n == name {
			return t.Cols[i]
		}
	}
	panic("no column " + name + " in " + strings.Join(t.Names, ","))
}

// Rows returns the number of rows.
func (t *Table) Rows() int {
	if len(t.Cols) == 0 {
		return 0
	}
	return len(t.Cols[0])
}

type captureStep struct {
	Input workflow.Ref `yaml:"input" required:"true"`
	Name  string       `yaml:"name" required:"true"`
}

func (s *captureStep) Check(c *workflow.CheckContext) { c.SetOutput("", c.Schema(s.Input)) }

func (s *captureStep) Run(ctx context.Context, r *workflow.RunContext) error {
	in := r.Input(s.Input)
	t := &Table{}
	for _, f := range in.Schema().Fields() {
		t.Names = append(t.Names, f.Name)
		t.Types = append(t.Types, f.Type)
	}
	t.Cols = make([][]any, len(t.Names))
	err := in.Scan(ctx, func(b arrow.RecordBatch) error {
		if !b.Schema().Equal(in.Schema()) {
			return fmt.Errorf("batch schema %s differs from declared %s", b.Schema(), in.Schema())
		}
		for j := range t.Names {
			a := b.Column(j)
			for i := range a.Len() {
				t.Cols[j] = append(t.Cols[j], GoVal(a, i))
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	dataMu.Lock()
	captured[s.Name] = t
	dataMu.Unlock()
	r.SetOutput("", in)
	return nil
}

// GoVal returns row i of a as a Go value (nil for null).
func GoVal(a arrow.Array, i int) any {
	if a.IsNull(i) {
		return nil
	}
	switch a := a.(type) {
	case *array.Int64:
		return a.Value(i)
	case *array.Float64:
		return a.Value(i)
	case *array.String:
		return a.Value(i)
	case *array.Boolean:
		return a.Value(i)
	case *array.Date32:
		return a.Value(i).ToTime().UTC()
	case *array.Timestamp:
		return time.UnixMicro(int64(a.Value(i))).UTC()
	}
	panic(fmt.Sprintf("unsupported %s", a.DataType()))
}

// Run plans and executes a recipe with a checked allocator and returns
// the run results, the output folder and the captured tables.
func Run(t *testing.T, src string) (*workflow.RunResults, string, map[string]*Table) {
	t.Helper()
	res, out, tabs, err := TryRun(t, src)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return res, out, tabs
}

// TryRun is Run that returns the run error instead of failing the test.
func TryRun(t *testing.T, src string) (*workflow.RunResults, string, map[string]*Table, error) {
	t.Helper()
	return TryRunIn(t, src, t.TempDir(), "r.yaml")
}

// TryRunIn runs a recipe written to name in the folder out.
func TryRunIn(t *testing.T, src, out, name string) (*workflow.RunResults, string, map[string]*Table, error) {
	t.Helper()
	p := Plan(t, src, out, name)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	dataMu.Lock()
	captured = map[string]*Table{}
	dataMu.Unlock()
	res, err := workflow.Execute(context.Background(), p, workflow.ExecOptions{Parallel: 2, Mem: mem, Version: "test"})
	dataMu.Lock()
	tabs := captured
	dataMu.Unlock()
	return res, out, tabs, err
}

// Plan plans a recipe written to name in out and fails the test on
// diagnostics.
func Plan(t *testing.T, src, out, name string) *workflow.Plan {
	t.Helper()
	r, err := workflow.Parse(name, []byte(src))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	p, err := workflow.Build(r, workflow.Options{OutDir: out})
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	return p
}

// PlanErrors plans a recipe that must fail and returns the diagnostics as
// text.
func PlanErrors(t *testing.T, src string) string {
	t.Helper()
	r, err := workflow.Parse("r.yaml", []byte(src))
	if err != nil {
		return err.Error()
	}
	_, err = workflow.Build(r, workflow.Options{OutDir: t.TempDir()})
	if err == nil {
		t.Fatalf("plan succeeded; want errors")
	}
	return err.Error()
}

// RepoRoot walks up from the package folder to the folder with go.mod.
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found")
		}
		dir = parent
	}
}

// SharedData returns the path of a file under ../shared/data, skipping
// the test when it is absent.
func SharedData(t testing.TB, rel string) string {
	t.Helper()
	p := filepath.Join(RepoRoot(t), "..", "shared", "data", rel)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("shared data %s not available: %v", rel, err)
	}
	return p
}

// Approx reports whether a and b agree to tol, relative above 1 and
// absolute below; two NaN agree.
func Approx(a, b, tol float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Abs(a-b) <= tol*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

// The canonical column types, short.
var (
	I64  = arrow.PrimitiveTypes.Int64
	F64  = arrow.PrimitiveTypes.Float64
	Str  = arrow.BinaryTypes.String
	Bool = arrow.FixedWidthTypes.Boolean
	Date = arrow.FixedWidthTypes.Date32
	TS   = workflow.Timestamp
)

// SchemaOf builds a nullable schema from name, type pairs.
func SchemaOf(fields ...any) *arrow.Schema {
	var fs []arrow.Field
	for i := 0; i < len(fields); i += 2 {
		fs = append(fs, arrow.Field{Name: fields[i].(string), Type: fields[i+1].(arrow.DataType), Nullable: true})
	}
	return arrow.NewSchema(fs, nil)
}
