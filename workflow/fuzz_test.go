package workflow_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/aftercare/aftercare/workflow"
)

// FuzzRecipe feeds arbitrary bytes to the recipe parser and planner: they
// must never panic, and a failure must come back as diagnostics. Seeds
// are the shipped recipes and examples plus the recipes of this package's
// tests.
func FuzzRecipe(f *testing.F) {
	for _, pat := range []string{"../recipes/*.yaml", "../examples/*/*.yaml"} {
		files, _ := filepath.Glob(pat)
		for _, p := range files {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
	}
	f.Add([]byte("version: 1\nname: x\nparams:\n  n: {type: int, default: 3, min: 1}\n  l: {type: list, default: [a]}\nsteps:\n  - {id: a, type: test.source, rows: \"${params.n}\", tags: \"${params.l}\"}\n  - {id: b, type: test.map, input: a, column: x, when: x}\n  - {id: c, type: test.sink, input: b.stats, path: o.txt, after: [a]}\n"))
	f.Add([]byte("version: 1\nname: x\nsteps:\n  - {id: a, type: test.map, input: b, column: x}\n  - {id: b, type: test.map, input: a, column: x}\n"))
	f.Add([]byte("a: &a [*a]"))
	f.Add([]byte("version: 1\nname: x\nsteps:\n  - id: a\n    type: test.map\n    when: |\n      x\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		r, err := workflow.Parse("fuzz.yaml", src)
		if r == nil {
			if err == nil {
				t.Fatal("nil recipe without error")
			}
			return
		}
		p, err := workflow.Build(r, workflow.Options{WorkDir: "/w", Env: func(string) (string, bool) { return "", false }})
		if err == nil && p == nil {
			t.Fatal("nil plan without error")
		}
		if err == nil {
			p.PlanText()
			p.Graph("mermaid")
		}
	})
}
