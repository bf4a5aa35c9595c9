package workflow_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/aftercare/aftercare/workflow"
)

func execute(t *testing.T, ctx context.Context, src string, parallel int) (*workflow.RunResults, string, error) {
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
	res, err := workflow.Execute(ctx, p, workflow.ExecOptions{Parallel: parallel, Mem: mem, Version: "test"})
	return res, out, err
}

func readResults(t *testing.T, dir string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "run_results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestExecuteSucceeds(t *testing.T) {
	src := `version: 1
name: ok
params:
  n: {type: int, default: 10}
steps:
  - {id: a, type: test.source, rows: "${params.n}"}
  - {id: b, type: test.map, input: a, column: x, scale: 2}
  - {id: c, type: test.source, rows: 4}
  - {id: w, type: test.sink, input: b, path: sub/b.txt}
  - {id: w2, type: test.sink, input: c, path: c.txt}
`
	for _, par := range []int{1, 4} {
		res, out, err := execute(t, context.Background(), src, par)
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != workflow.StatusSucceeded {
			t.Fatalf("status %s", res.Status)
		}
		b, err := os.ReadFile(filepath.Join(out, "sub/b.txt"))
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Fields(string(b)); len(got) != 10 || got[9] != "18" {
			t.Errorf("b.txt = %q", got)
		}
		m := readResults(t, out)
		if m["status"] != "succeeded" || m["aftercare_version"] != "test" || m["recipe_sha256"] == "" {
			t.Errorf("results: %v", m)
		}
		steps := m["steps"].([]any)
		byID := map[string]map[string]any{}
		for _, s := range steps {
			s := s.(map[string]any)
			byID[s["id"].(string)] = s
		}
		if byID["b"]["rows_in"].(float64) != 10 || byID["b"]["rows_out"].(float64) != 10 {
			t.Errorf("rows of b: %v", byID["b"])
		}
		if byID["b"]["metrics"].(map[string]any)["scale"].(float64) != 2 {
			t.Errorf("metrics of b: %v", byID["b"]["metrics"])
		}
		if got := byID["w"]["outputs"].([]any); len(got) != 1 || got[0] != "sub/b.txt" {
			t.Errorf("outputs of w: %v", got)
		}
		if fp := byID["b"]["fingerprint"].(string); len(fp) != 64 {
			t.Errorf("fingerprint %q", fp)
		}
		if params := m["params"].(map[string]any); params["n"].(float64) != 10 {
			t.Errorf("params %v", params)
		}
	}
}

func TestFingerprintsStable(t *testing.T) {
	src := "version: 1\nname: fp\nsteps:\n  - {id: a, type: test.source, rows: 3}\n  - {id: b, type: test.map, input: a, column: x}\n"
	src2 := "version: 1\nname: fp\nsteps:\n  - id: a\n    type: test.source\n    rows: 3\n  - {id: b, type: test.map, input: a, column: x, scale: 1}\n"
	src3 := "version: 1\nname: fp\nsteps:\n  - {id: a, type: test.source, rows: 4}\n  - {id: b, type: test.map, input: a, column: x}\n"
	fp := func(src string) string {
		res, _, err := execute(t, context.Background(), src, 2)
		if err != nil {
			t.Fatal(err)
		}
		return res.Steps[1].Fingerprint
	}
	a, b, c := fp(src), fp(src2), fp(src3)
	if a != b {
		t.Errorf("formatting and explicit defaults changed the fingerprint")
	}
	if a == c {
		t.Errorf("an upstream config change did not change the fingerprint")
	}
}

func TestFailureCancelsAndSkips(t *testing.T) {
	src := `version: 1
name: fail
steps:
  - {id: bad, type: test.source, fail: true}
  - {id: slow, type: test.source, delay: 10s}
  - {id: ok, type: test.source}
  - {id: down, type: test.map, input: bad, column: x}
  - {id: w, type: test.sink, input: ok, path: ok.txt}
`
	start := time.Now()
	res, out, err := execute(t, context.Background(), src, 4)
	if err == nil {
		t.Fatal("no error")
	}
	var se *workflow.StepError
	if !errors.As(err, &se) || se.Step != "bad" {
		t.Fatalf("err = %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("the slow step was not canceled")
	}
	st := map[string]string{}
	for _, s := range res.Steps {
		st[s.ID] = s.Status
	}
	if st["bad"] != "failed" || st["down"] != "skipped" || st["slow"] != "skipped" {
		t.Errorf("statuses %v", st)
	}
	if _, err := os.Stat(filepath.Join(out, "ok.txt")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed run left ok.txt behind (err %v)", err)
	}
	entries, _ := os.ReadDir(out)
	for _, e := range entries {
		if e.Name() != "run_results.json" {
			t.Errorf("left behind: %s", e.Name())
		}
	}
	if m := readResults(t, out); m["status"] != "failed" {
		t.Errorf("status %v", m["status"])
	}
}

func TestLazyErrorAttributedUpstream(t *testing.T) {
	src := `version: 1
name: lazy
steps:
  - {id: a, type: test.source, rows: 20}
  - {id: b, type: test.map, input: a, column: x}
  - {id: w, type: test.sink, input: b, path: b.txt}
`
	res, _, err := execute(t, context.Background(), src, 2)
	var se *workflow.StepError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v", err)
	}
	st := map[string]*workflow.StepResult{}
	for _, s := range res.Steps {
		st[s.ID] = s
	}
	if st["b"].Status != "failed" || st["b"].Error == nil || !strings.Contains(*st["b"].Error, "unlucky row 13") {
		t.Errorf("b: %+v", st["b"])
	}
	if st["w"].Status != "failed" || !strings.Contains(*st["w"].Error, "input b failed") {
		t.Errorf("w: %+v %s", st["w"], *st["w"].Error)
	}
}

func TestInterruptLeavesNoOutputs(t *testing.T) {
	src := `version: 1
name: int
steps:
  - {id: ok, type: test.source}
  - {id: w, type: test.sink, input: ok, path: ok.txt}
  - {id: slow, type: test.source, delay: 20s}
`
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	res, out, err := execute(t, ctx, src, 4)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if res.Status != workflow.StatusInterrupted {
		t.Errorf("status %s", res.Status)
	}
	entries, _ := os.ReadDir(out)
	for _, e := range entries {
		if e.Name() != "run_results.json" {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}
