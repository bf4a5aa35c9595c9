// Package recipes_test checks that every shipped recipe plans cleanly with
// its default parameters and declares the schema comment editors use.
package recipes_test

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/aftercare/aftercare/steps/all"
	"github.com/aftercare/aftercare/workflow"
)

func TestRecipesPlan(t *testing.T) {
	files, _ := filepath.Glob("*.yaml")
	ex, _ := filepath.Glob("../examples/*/*.yaml")
	files = append(files, ex...)
	if len(files) == 0 {
		t.Fatal("no recipes")
	}
	for _, f := range files {
		t.Run(f, func(t *testing.T) {
			r, err := workflow.Load(f)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(r.Source, []byte("# yaml-language-server: $schema=")) {
				t.Errorf("%s does not start with the yaml-language-server schema comment", f)
			}
			p, err := workflow.Build(r, workflow.Options{OutDir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range p.Warnings {
				t.Logf("warning: %v", w)
			}
		})
	}
}

// TestStepExamplesPlan plans every step type's documented examples. An
// example is a list of steps showing the type in context; it is planned as
// a recipe in examples/quickstart, so relative paths read the quickstart
// data and every column it names is checked.
func TestStepExamplesPlan(t *testing.T) {
	for _, s := range workflow.Specs() {
		if strings.HasPrefix(s.Type, "test.") {
			continue
		}
		if len(s.Examples) == 0 {
			t.Errorf("%s has no example", s.Type)
		}
		for i, ex := range s.Examples {
			t.Run(fmt.Sprintf("%s/%d", s.Type, i), func(t *testing.T) {
				src := "version: 1\nname: example\nparams:\n  as_of: {type: date, default: \"2025-01-01\"}\nsteps:\n  " +
					strings.ReplaceAll(strings.TrimSpace(ex), "\n", "\n  ") + "\n"
				r, err := workflow.Parse("../examples/quickstart/example.yaml", []byte(src))
				if err != nil {
					t.Fatalf("%v\n%s", err, src)
				}
				p, err := workflow.Build(r, workflow.Options{OutDir: t.TempDir()})
				if err != nil {
					t.Fatalf("%v\n%s", err, src)
				}
				if len(p.Warnings) > 0 {
					t.Errorf("warnings: %v", p.Warnings)
				}
				found := false
				for _, st := range p.Steps {
					found = found || st.Type == s.Type
				}
				if !found {
					t.Errorf("example of %s does not use it", s.Type)
				}
			})
		}
	}
}
