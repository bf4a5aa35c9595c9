// Package examples_test runs every example under examples/ and compares
// what it writes with the example's expected/ folder, byte for byte.
package examples_test

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	_ "github.com/aftercare/aftercare/steps/all"
	"github.com/aftercare/aftercare/workflow"
)

var update = flag.Bool("update", false, "rewrite the examples' expected outputs")

func TestExamples(t *testing.T) {
	recipes, err := filepath.Glob("*/recipe.yaml")
	if err != nil || len(recipes) == 0 {
		t.Fatalf("no examples found (%v)", err)
	}
	for _, path := range recipes {
		name := filepath.Dir(path)
		t.Run(name, func(t *testing.T) {
			r, err := workflow.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			out := t.TempDir()
			p, err := workflow.Build(r, workflow.Options{OutDir: out})
			if err != nil {
				t.Fatal(err)
			}
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			res, err := workflow.Execute(context.Background(), p, workflow.ExecOptions{Mem: mem})
			if err != nil {
				t.Fatalf("run: %v", err)
			}
			expDir := filepath.Join(name, "expected")
			if *update {
				os.RemoveAll(expDir)
				os.MkdirAll(expDir, 0o755)
			}
			for _, s := range res.Steps {
				for _, o := range s.Outputs {
					got, err := os.ReadFile(filepath.Join(out, o))
					if err != nil {
						t.Fatal(err)
					}
					want := filepath.Join(expDir, o)
					if *update {
						os.MkdirAll(filepath.Dir(want), 0o755)
						if err := os.WriteFile(want, got, 0o644); err != nil {
							t.Fatal(err)
						}
						continue
					}
					exp, err := os.ReadFile(want)
					if err != nil {
						t.Fatalf("%v (run go test ./examples -update and review)", err)
					}
					if !bytes.Equal(got, exp) {
						t.Errorf("%s differs from %s", o, want)
					}
				}
			}
		})
	}
}
