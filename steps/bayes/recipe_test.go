package bayes_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/aftercare/aftercare/workflow"
)

// moduleRoot returns the folder holding go.mod.
func moduleRoot(t testing.TB) string {
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
			t.Skip("go.mod not found")
		}
		dir = parent
	}
}

// execPlan runs a planned recipe with a checked allocator.
func execPlan(t *testing.T, p *workflow.Plan) *workflow.RunResults {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	res, err := workflow.Execute(context.Background(), p, workflow.ExecOptions{Mem: mem, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// The shipped recipe runs on the quickstart data, writes the documented
// columns and reports the fitted parameters in its metrics.
func TestCLVRecipeRuns(t *testing.T) {
	root := moduleRoot(t)
	for _, unit := range []string{"weeks", "days"} {
		t.Run(unit, func(t *testing.T) {
			r, err := workflow.Load(filepath.Join(root, "recipes", "clv-bgnbd.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			out := t.TempDir()
			p, err := workflow.Build(r, workflow.Options{OutDir: out, Set: []string{"time_unit=" + unit}})
			if err != nil {
				t.Fatal(err)
			}
			res := execPlan(t, p)
			rows := readCSV(t, filepath.Join(out, "customers.csv"))
			if len(rows) == 0 {
				t.Fatal("customers.csv is empty")
			}
			var cols []string
			for k := range rows[0] {
				cols = append(cols, k)
			}
			for _, c := range []string{"customer", "frequency", "recency", "T", "p_alive", "expected_purchases", "expected_value", "clv"} {
				if _, ok := rows[0][c]; !ok {
					t.Errorf("customers.csv has no column %s (has %v)", c, cols)
				}
			}
			want := map[string][]string{
				"bgnbd": {"r", "alpha", "a", "b", "log_likelihood"},
				"spend": {"p", "q", "v", "log_likelihood", "corr_frequency_value"},
			}
			for _, s := range res.Steps {
				for _, k := range want[s.ID] {
					if _, ok := s.Metrics[k].(float64); !ok {
						t.Errorf("step %s metric %s = %v", s.ID, k, s.Metrics[k])
					}
				}
			}
		})
	}
}

// Every example of the bayes step types runs on the quickstart data.
func TestExamplesRun(t *testing.T) {
	root := moduleRoot(t)
	for _, s := range workflow.Specs() {
		if !strings.HasPrefix(s.Type, "bayes.") {
			continue
		}
		for _, ex := range s.Examples {
			t.Run(s.Type, func(t *testing.T) {
				src := "version: 1\nname: example\nparams:\n  as_of: {type: date, default: \"2025-01-01\"}\nsteps:\n  " +
					strings.ReplaceAll(strings.TrimSpace(ex), "\n", "\n  ") + "\n"
				r, err := workflow.Parse(filepath.Join(root, "examples", "quickstart", "example.yaml"), []byte(src))
				if err != nil {
					t.Fatal(err)
				}
				p, err := workflow.Build(r, workflow.Options{OutDir: t.TempDir()})
				if err != nil {
					t.Fatal(err)
				}
				execPlan(t, p)
			})
		}
	}
}
