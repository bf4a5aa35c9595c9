package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestRunQuickstart runs the quickstart as a scheduler would: exit 0, a
// one-line summary on stdout, logs on stderr, run_results.json.
func TestRunQuickstart(t *testing.T) {
	out := t.TempDir()
	r := aftercare(t, filepath.Join(repoRoot(t), "examples", "quickstart"), "run", "recipe.yaml", "--out", out, "--log-format", "json")
	if r.code != 0 {
		t.Fatalf("exit %d\nstderr: %s", r.code, r.stderr)
	}
	if lines := strings.Split(strings.TrimSpace(r.stdout), "\n"); len(lines) != 1 || !strings.HasPrefix(lines[0], "succeeded: 10/10 steps") {
		t.Errorf("stdout = %q", r.stdout)
	}
	for _, line := range strings.Split(strings.TrimSpace(r.stderr), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Errorf("stderr line is not JSON: %q", line)
		}
	}
	var res struct {
		Status string `json:"status"`
		Steps  []struct {
			ID          string `json:"id"`
			Status      string `json:"status"`
			Fingerprint string `json:"fingerprint"`
			RowsOut     int64  `json:"rows_out"`
		} `json:"steps"`
	}
	b, err := os.ReadFile(filepath.Join(out, "run_results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	if res.Status != "succeeded" || len(res.Steps) != 10 {
		t.Errorf("results: %+v", res)
	}
	for _, f := range []string{"customer_features.csv", "check_in.csv"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
}

// TestValidateReportsEverything checks exit 2, every diagnostic with its
// position on stdout, and JSON output.
func TestValidateReportsEverything(t *testing.T) {
	dir := t.TempDir()
	copyFile(t, filepath.Join(repoRoot(t), "examples", "quickstart", "data", "orders.csv"), filepath.Join(dir, "orders.csv"))
	bad := `version: 1
name: bad
params:
  k: {type: int, default: 3}
steps:
  - id: orders
    type: io.read
    path: orders.csv
    delimeter: ";"
  - id: kept
    type: features.filter
    input: ordres
  - id: big
    type: features.filter
    input: orders
    where: amount > 100 && custmer_id != ""
  - id: mix
    type: features.derive
    input: orders
    columns:
      x: amount + "a"
  - id: nope
    type: features.frobnicate
  - id: save
    type: io.write
    input: big
    path: out.csv
    columns: [customer_id, amout]
`
	os.WriteFile(filepath.Join(dir, "bad.yaml"), []byte(bad), 0o644)
	r := aftercare(t, dir, "validate", "bad.yaml")
	if r.code != 2 {
		t.Fatalf("exit %d: %s %s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{
		`bad.yaml:9:5: step orders: delimeter: unknown key "delimeter" here (did you mean delimiter?)`,
		`bad.yaml:10:5: step kept: missing required key "where"`,
		`bad.yaml:12:12: step kept: input: unknown step "ordres" (did you mean orders?)`,
		`bad.yaml:16:28: step big: where: unknown name custmer_id (did you mean customer_id?)`,
		`bad.yaml:21:17: step mix: columns.x: invalid operation: + (mismatched types float and string)`,
		`bad.yaml:23:11: step nope: type: unknown step type "features.frobnicate"`,
		`bad.yaml:28:28: step save: columns[1]: unknown column "amout" (did you mean amount?)`,
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("missing diagnostic %q in:\n%s", want, r.stdout)
		}
	}
	r = aftercare(t, dir, "validate", "bad.yaml", "--format", "json")
	var doc struct {
		Valid       bool `json:"valid"`
		Diagnostics []struct {
			Pos struct{ Line, Col int } `json:"pos"`
		} `json:"diagnostics"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || doc.Valid || len(doc.Diagnostics) != 7 {
		t.Errorf("json: %v %+v\n%s", err, doc, r.stdout)
	}
	// run refuses the same recipe with exit 2 before touching data.
	r = aftercare(t, dir, "run", "bad.yaml", "--out", filepath.Join(dir, "out"))
	if r.code != 2 || r.stdout != "" {
		t.Errorf("run: exit %d stdout %q", r.code, r.stdout)
	}
	if _, err := os.Stat(filepath.Join(dir, "out")); err == nil {
		t.Errorf("an invalid recipe created the output folder")
	}
}

// TestRunFailureLeavesNothing: a bad row fails the run with exit 1, names
// file, line and column, and leaves no output besides run_results.json.
func TestRunFailureLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("id,amount\n")
	for i := range 2000 {
		b.WriteString("c" + string(rune('a'+i%26)) + ",1.5\n")
	}
	os.WriteFile(filepath.Join(dir, "in.csv"), []byte(b.String()), 0o644)
	recipe := "version: 1\nname: f\nsteps:\n  - {id: in, type: io.read, path: in.csv, types: {amount: float}}\n  - {id: w, type: io.write, input: in, path: copy.csv}\n  - {id: w2, type: io.write, input: in, path: copy.parquet}\n"
	os.WriteFile(filepath.Join(dir, "r.yaml"), []byte(recipe), 0o644)
	// Corrupt a row after planning could see it: the sample reads it too,
	// so the explicit type makes the failure a run-time one.
	data := b.String() + "cz,oops\n"
	os.WriteFile(filepath.Join(dir, "in.csv"), []byte(data), 0o644)
	out := filepath.Join(dir, "out")
	r := aftercare(t, dir, "run", "r.yaml", "--out", out)
	if r.code != 1 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "in.csv:2002") || !strings.Contains(r.stderr, "amount") || !strings.Contains(r.stderr, "oops") {
		t.Errorf("error does not name file:line, column and value:\n%s", r.stderr)
	}
	entries, _ := os.ReadDir(out)
	for _, e := range entries {
		if e.Name() != "run_results.json" {
			t.Errorf("left behind %s", e.Name())
		}
	}
	if !strings.HasPrefix(r.stdout, "failed:") {
		t.Errorf("stdout %q", r.stdout)
	}
}

// TestSIGTERMStopsCleanly interrupts a run mid-way: exit 143, status
// interrupted, no partial output.
func TestSIGTERMStopsCleanly(t *testing.T) {
	if testing.Short() {
		t.Skip("generates data")
	}
	dir := t.TempDir()
	gen := aftercare(t, dir, "generate", "transactions", "--customers", "300000", "--out", "tx.csv")
	if gen.code != 0 {
		t.Fatal(gen.stderr)
	}
	recipe := `version: 1
name: slow
steps:
  - {id: tx, type: io.read, path: tx.csv}
  - {id: a, type: io.write, input: tx, path: a.csv}
  - {id: b, type: io.write, input: tx, path: b.jsonl}
  - {id: c, type: io.write, input: tx, path: c.parquet}
  - {id: d, type: io.write, input: tx, path: d.arrow}
  - {id: e, type: io.write, input: tx, path: e.csv}
`
	os.WriteFile(filepath.Join(dir, "r.yaml"), []byte(recipe), 0o644)
	out := filepath.Join(dir, "out")
	cmd := exec.Command(binary, "run", "r.yaml", "--out", out, "--parallel", "1")
	cmd.Dir = dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait until the run has started writing.
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		entries, _ := os.ReadDir(out)
		if len(entries) > 0 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	err := cmd.Wait()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 143 {
		t.Fatalf("exit: %v\n%s", err, stderr.String())
	}
	entries, _ := os.ReadDir(out)
	for _, e := range entries {
		if e.Name() != "run_results.json" {
			t.Errorf("interrupted run left %s", e.Name())
		}
	}
	b, err := os.ReadFile(filepath.Join(out, "run_results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"status": "interrupted"`) {
		t.Errorf("run_results: %s", b)
	}
}

func TestPlanAndGraphGolden(t *testing.T) {
	qs := filepath.Join(repoRoot(t), "examples", "quickstart")
	for _, c := range []struct {
		args []string
		file string
	}{
		{[]string{"plan", "recipe.yaml"}, "quickstart.plan.txt"},
		{[]string{"plan", "recipe.yaml", "--format", "json"}, "quickstart.plan.json"},
		{[]string{"graph", "recipe.yaml"}, "quickstart.graph.mmd"},
		{[]string{"graph", "recipe.yaml", "--format", "dot"}, "quickstart.graph.dot"},
	} {
		r := aftercare(t, qs, c.args...)
		if r.code != 0 || r.stderr != "" {
			t.Fatalf("%v: exit %d stderr %q", c.args, r.code, r.stderr)
		}
		// Absolute paths differ between machines.
		got := strings.ReplaceAll(r.stdout, qs, "$QUICKSTART")
		golden(t, filepath.Join("testdata", c.file), []byte(got))
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
