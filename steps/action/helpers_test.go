package action_test

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

	_ "github.com/aftercare/aftercare/steps/action"
	_ "github.com/aftercare/aftercare/steps/segment"
	"github.com/aftercare/aftercare/workflow"
)

// Two test step types: test.data emits batches built in Go (registered
// by name with putData), test.capture converts its input to Go values
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
	captured = map[string]*table{}
)

// putData registers rows (split into batches of batchRows) under name.
func putData(name string, schema *arrow.Schema, batchRows int, rows ...[]any) {
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
		b, err := buildBatch(r.Mem(), d.schema, rows)
		if err != nil {
			t.Release()
			return err
		}
		t.Append(b)
	}
	r.SetOutput("", t)
	return nil
}

func buildBatch(mem memory.Allocator, schema *arrow.Schema, rows [][]any) (arrow.RecordBatch, error) {
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
				fb.Append(arrow.Date32FromTime(mustTime(v.(string))))
			case *array.TimestampBuilder:
				fb.Append(arrow.Timestamp(mustTime(v.(string)).UnixMicro()))
			default:
				return nil, fmt.Errorf("unsupported builder %T", fb)
			}
		}
	}
	return b.NewRecordBatch(), nil
}

func mustTime(s string) time.Time {
	t, err := workflow.ParseTime(s)
	if err != nil {
		panic(err)
	}
	return t
}

// table is captured output: column names, types and Go values by column
// (int64, float64, string, bool, time.Time for dates and timestamps, nil
// for null).
type table struct {
	names []string
	types []arrow.DataType
	cols  [][]any
}

func (t *table) col(name string) []any {
	for i, n := range t.names {
		if n == name {
			return t.cols[i]
		}
	}
	panic("no column " + name + " in " + strings.Join(t.names, ","))
}

func (t *table) rows() int {
	if len(t.cols) == 0 {
		return 0
	}
	return len(t.cols[0])
}

type captureStep struct {
	Input workflow.Ref `yaml:"input" required:"true"`
	Name  string       `yaml:"name" required:"true"`
}

func (s *captureStep) Check(c *workflow.CheckContext) { c.SetOutput("", c.Schema(s.Input)) }

func (s *captureStep) Run(ctx context.Context, r *workflow.RunContext) error {
	in := r.Input(s.Input)
	t := &table{}
	for _, f := range in.Schema().Fields() {
		t.names = append(t.names, f.Name)
		t.types = append(t.types, f.Type)
	}
	t.cols = make([][]any, len(t.names))
	err := in.Scan(ctx, func(b arrow.RecordBatch) error {
		if !b.Schema().Equal(in.Schema()) {
			return fmt.Errorf("batch schema %s differs from declared %s", b.Schema(), in.Schema())
		}
		for j := range t.names {
			a := b.Column(j)
			for i := range a.Len() {
				t.cols[j] = append(t.cols[j], goVal(a, i))
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

func goVal(a arrow.Array, i int) any {
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

// run plans and executes a recipe with a checked allocator and returns
// the run results, the output folder and the captured tables.
func run(t *testing.T, src string) (*workflow.RunResults, string, map[string]*table) {
	t.Helper()
	res, out, tabs, err := tryRun(t, src)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return res, out, tabs
}

func tryRun(t *testing.T, src string) (*workflow.RunResults, string, map[string]*table, error) {
	t.Helper()
	return tryRunIn(t, src, t.TempDir(), "r.yaml")
}

func tryRunIn(t *testing.T, src, out, name string) (*workflow.RunResults, string, map[string]*table, error) {
	t.Helper()
	p := plan(t, src, out, name)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	dataMu.Lock()
	captured = map[string]*table{}
	dataMu.Unlock()
	res, err := workflow.Execute(context.Background(), p, workflow.ExecOptions{Parallel: 2, Mem: mem, Version: "test"})
	dataMu.Lock()
	tabs := captured
	dataMu.Unlock()
	return res, out, tabs, err
}

func plan(t *testing.T, src, out, name string) *workflow.Plan {
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

// planErrors plans a recipe that must fail and returns the diagnostics as
// text.
func planErrors(t *testing.T, src string) string {
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

// repoRoot walks up from the package folder to the folder with go.mod.
func repoRoot(t testing.TB) string {
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

// sharedData returns the path of a file under ../shared/data, skipping
// the test when it is absent.
func sharedData(t testing.TB, rel string) string {
	t.Helper()
	p := filepath.Join(repoRoot(t), "..", "shared", "data", rel)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("shared data %s not available: %v", rel, err)
	}
	return p
}

func approx(a, b, tol float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Abs(a-b) <= tol*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

var (
	i64  = arrow.PrimitiveTypes.Int64
	f64  = arrow.PrimitiveTypes.Float64
	str  = arrow.BinaryTypes.String
	bln  = arrow.FixedWidthTypes.Boolean
	date = arrow.FixedWidthTypes.Date32
	ts   = workflow.Timestamp
)

func schemaOf(fields ...any) *arrow.Schema {
	var fs []arrow.Field
	for i := 0; i < len(fields); i += 2 {
		fs = append(fs, arrow.Field{Name: fields[i].(string), Type: fields[i+1].(arrow.DataType), Nullable: true})
	}
	return arrow.NewSchema(fs, nil)
}
