package bayes_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	_ "github.com/aftercare/aftercare/steps/bayes"
	_ "github.com/aftercare/aftercare/steps/dataio"
	_ "github.com/aftercare/aftercare/steps/features"
	"github.com/aftercare/aftercare/workflow"
)

// dataDir returns ../shared/data/rel next to the module root, or skips.
func dataDir(t testing.TB, rel string) string {
	t.Helper()
	p := filepath.Join(moduleRoot(t), "..", "shared", "data", rel)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("reference data %s not available: %v", p, err)
	}
	return p
}

// result is a finished run: its results, output folder and error.
type result struct {
	out     string
	err     error
	metrics map[string]map[string]any
	errors  map[string]string
}

// run plans and executes a recipe with a checked allocator.
func run(t *testing.T, src string) result {
	t.Helper()
	out := t.TempDir()
	r, err := workflow.Parse("r.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	p, err := workflow.Build(r, workflow.Options{OutDir: out})
	if err != nil {
		t.Fatal(err)
	}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	_, err = workflow.Execute(context.Background(), p, workflow.ExecOptions{Mem: mem, Version: "test"})
	res := result{out: out, err: err, metrics: map[string]map[string]any{}, errors: map[string]string{}}
	b, rerr := os.ReadFile(filepath.Join(out, "run_results.json"))
	if rerr != nil {
		t.Fatal(rerr)
	}
	var rr struct {
		Steps []struct {
			ID      string         `json:"id"`
			Error   string         `json:"error"`
			Metrics map[string]any `json:"metrics"`
		} `json:"steps"`
	}
	if err := json.Unmarshal(b, &rr); err != nil {
		t.Fatal(err)
	}
	for _, s := range rr.Steps {
		res.metrics[s.ID] = s.Metrics
		res.errors[s.ID] = s.Error
	}
	return res
}

// plan builds a recipe and returns its diagnostics as text.
func plan(t *testing.T, src string) string {
	t.Helper()
	r, err := workflow.Parse("r.yaml", []byte(src))
	if err != nil {
		return err.Error()
	}
	if _, err := workflow.Build(r, workflow.Options{OutDir: t.TempDir()}); err != nil {
		return err.Error()
	}
	return ""
}

// readCSV reads a written CSV into rows keyed by column name.
func readCSV(t *testing.T, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var rows []map[string]string
	for _, rec := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			m[h] = rec[i]
		}
		rows = append(rows, m)
	}
	return rows
}

func num(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("parse %q: %v", s, err)
	}
	return v
}

// near checks got against want within tol; got may be a metric (any).
func near(t *testing.T, what string, got any, want, tol float64) {
	t.Helper()
	g, ok := got.(float64)
	if !ok {
		t.Errorf("%s = %v (%T), want a number", what, got, got)
		return
	}
	if math.Abs(g-want) > tol {
		t.Errorf("%s = %.6f, want %.6f ± %g", what, g, want, tol)
	}
}

// writeFile writes a test input and returns its path.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func wantErr(t *testing.T, res result, step string, parts ...string) {
	t.Helper()
	if res.err == nil {
		t.Fatalf("run succeeded, want an error mentioning %q", parts)
	}
	msg := res.errors[step]
	for _, p := range parts {
		if !strings.Contains(msg, p) {
			t.Errorf("step %s error %q does not mention %q", step, msg, p)
		}
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
