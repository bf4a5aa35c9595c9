package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files and schemas/recipe.schema.json")

var binary string

// TestMain builds the aftercare binary once; CLI tests run it as a user
// or a scheduler would.
func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "aftercare-cli")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "aftercare")
	if runtime.GOOS == "windows" {
		binary += ".exe"
	}
	cmd := exec.Command("go", "build", "-o", binary, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		os.Stderr.Write(out)
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	code           int
	stdout, stderr string
}

func aftercare(t *testing.T, dir string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code, o.String(), e.String()}
}

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/aftercare -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is stale: run go test ./cmd/aftercare -update and review the diff\n--- got ---\n%s", path, got)
	}
}

// TestSchemaFresh fails when schemas/recipe.schema.json no longer matches
// what the step specs generate.
func TestSchemaFresh(t *testing.T) {
	r := aftercare(t, ".", "schema")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("schema: exit %d, stderr %q", r.code, r.stderr)
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil {
		t.Fatalf("schema is not JSON: %v", err)
	}
	golden(t, filepath.Join(repoRoot(t), "schemas", "recipe.schema.json"), []byte(r.stdout))
}

// TestReferenceFresh keeps the generated step reference in docs current.
func TestReferenceFresh(t *testing.T) {
	r := aftercare(t, ".", "list", "--format", "markdown")
	if r.code != 0 {
		t.Fatalf("list: %d %s", r.code, r.stderr)
	}
	golden(t, filepath.Join(repoRoot(t), "schemas", "steps.md"), []byte(r.stdout))
}

func TestVersionAndList(t *testing.T) {
	r := aftercare(t, ".", "version")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "aftercare ") || r.stderr != "" {
		t.Errorf("version: %+v", r)
	}
	r = aftercare(t, ".", "list")
	for _, typ := range []string{"io.read", "io.write", "features.filter", "features.derive", "features.select"} {
		if !strings.Contains(r.stdout, typ) {
			t.Errorf("list lacks %s:\n%s", typ, r.stdout)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"frobnicate"},
		{"run"},
		{"run", "a.yaml", "b.yaml"},
		{"validate", "x.yaml", "--format", "yaml"},
		{"run", "x.yaml", "--parallel", "0"},
		{"generate", "widgets"},
	} {
		r := aftercare(t, t.TempDir(), args...)
		if r.code != 2 {
			t.Errorf("%v: exit %d, want 2 (stderr %q)", args, r.code, r.stderr)
		}
		if r.stdout != "" {
			t.Errorf("%v: stdout %q, want nothing", args, r.stdout)
		}
	}
	r := aftercare(t, ".", "runn")
	if !strings.Contains(r.stderr, "did you mean run?") {
		t.Errorf("no did-you-mean: %q", r.stderr)
	}
}

func TestMissingRecipe(t *testing.T) {
	r := aftercare(t, t.TempDir(), "validate", "nope.yaml")
	if r.code != 2 || !strings.Contains(r.stdout+r.stderr, "nope.yaml") {
		t.Errorf("%+v", r)
	}
}
