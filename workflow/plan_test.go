package workflow_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aftercare/aftercare/workflow"
)

func plan(t *testing.T, src string, set ...string) (*workflow.Plan, workflow.Diagnostics) {
	t.Helper()
	r, err := workflow.Parse("r.yaml", []byte(src))
	var diags workflow.Diagnostics
	if r == nil {
		if !errors.As(err, &diags) {
			t.Fatalf("parse: %v", err)
		}
		return nil, diags
	}
	p, err := workflow.Build(r, workflow.Options{Set: set, WorkDir: "/w", Env: func(k string) (string, bool) {
		if k == "HOME_REGION" {
			return "eu", true
		}
		return "", false
	}})
	if err != nil {
		if !errors.As(err, &diags) {
			t.Fatalf("plan: %v", err)
		}
	}
	return p, diags
}

func TestDiagnostics(t *testing.T) {
	cases := []struct {
		name string
		src  string
		set  []string
		want []string // each diagnostic, in order
	}{
		{"yaml syntax", "version: 1\nname: x\nsteps:\n  - id: a\n   type: b\n", nil,
			[]string{"r.yaml:5:4: invalid YAML: did not find expected '-' indicator (in the block that starts on line 3)"}},
		{"unknown top-level key", "version: 1\nname: x\nstep:\n  - {id: a, type: test.source}\n", nil,
			[]string{`r.yaml:1:1: missing required key "steps"`, `r.yaml:3:1: step: unknown key "step" at the top of the recipe (did you mean steps?)`}},
		{"bad version", "version: 2\nname: x\nsteps: [{id: a, type: test.source}]\n", nil,
			[]string{`r.yaml:1:10: version: unsupported recipe version "2": this aftercare reads version 1`}},
		{"unknown step key", "version: 1\nname: x\nsteps:\n  - id: a\n    type: test.source\n    rowz: 3\n", nil,
			[]string{`r.yaml:6:5: step a: rowz: unknown key "rowz" here (did you mean rows?)`}},
		{"wrong type", "version: 1\nname: x\nsteps:\n  - id: a\n    type: test.source\n    rows: many\n", nil,
			[]string{`r.yaml:6:11: step a: rows: expected an integer, got "many"`}},
		{"out of range", "version: 1\nname: x\nsteps:\n  - id: a\n    type: test.source\n    rows: -1\n", nil,
			[]string{`r.yaml:6:11: step a: rows: -1 is below the minimum 0`}},
		{"enum", "version: 1\nname: x\nsteps:\n  - id: a\n    type: test.source\n    mode: fsat\n", nil,
			[]string{`r.yaml:6:11: step a: mode: "fsat" is not one of fast, slow (did you mean fast?)`}},
		{"missing required", "version: 1\nname: x\nsteps:\n  - id: a\n    type: test.source\n  - id: b\n    type: test.map\n    input: a\n", nil,
			[]string{`r.yaml:6:5: step b: missing required key "column"`}},
		{"unknown step type", "version: 1\nname: x\nsteps:\n  - id: a\n    type: test.sourse\n", nil,
			[]string{`r.yaml:5:11: step a: type: unknown step type "test.sourse" (did you mean test.source?)`}},
		{"missing step ref", "version: 1\nname: x\nsteps:\n  - {id: src, type: test.source}\n  - {id: b, type: test.map, input: scr, column: x}\n", nil,
			[]string{`r.yaml:5:36: step b: input: unknown step "scr" (did you mean src?)`}},
		{"unknown port", "version: 1\nname: x\nsteps:\n  - {id: a, type: test.source}\n  - {id: b, type: test.map, input: a, column: x}\n  - {id: c, type: test.map, input: b.stat, column: x}\n", nil,
			[]string{`r.yaml:6:36: step c: input: step "b" (test.map) has no output "stat" (did you mean stats?)`}},
		{"cycle", "version: 1\nname: x\nsteps:\n  - {id: a, type: test.map, input: c, column: x}\n  - {id: b, type: test.map, input: a, column: x}\n  - {id: c, type: test.map, input: b, column: x}\n", nil,
			[]string{`r.yaml:4:5: step a: steps form a cycle: a → b → c → a`}},
		{"unknown column", "version: 1\nname: x\nsteps:\n  - {id: a, type: test.source}\n  - {id: b, type: test.map, input: a, column: nmae}\n", nil,
			[]string{`r.yaml:5:47: step b: column: unknown column "nmae" (did you mean name?)`}},
		{"column three steps down", "version: 1\nname: x\nsteps:\n  - {id: a, type: test.source}\n  - {id: b, type: test.map, input: a, column: x}\n  - {id: c, type: test.map, input: b, column: x}\n  - {id: d, type: test.map, input: c, column: xx}\n", nil,
			[]string{`r.yaml:7:47: step d: column: unknown column "xx" (did you mean x?)`}},
		{"expression position", "version: 1\nname: x\nsteps:\n  - {id: a, type: test.source}\n  - id: b\n    type: test.map\n    input: a\n    column: x\n    when: \"nam\"\n", nil,
			[]string{`r.yaml:9:12: step b: when: unknown name nam (did you mean name?)`}},
		{"block expression position", "version: 1\nname: x\nsteps:\n  - {id: a, type: test.source}\n  - id: b\n    type: test.map\n    input: a\n    column: x\n    when: |\n      nam\n", nil,
			[]string{`r.yaml:10:7: step b: when: unknown name nam`}},
		{"duplicate id", "version: 1\nname: x\nsteps:\n  - {id: a, type: test.source}\n  - {id: a, type: test.source}\n", nil,
			[]string{`r.yaml:5:10: steps[1].id: duplicate step id "a"`}},
		{"unknown param in interpolation", "version: 1\nname: x\nparams:\n  n: {type: int, default: 3}\nsteps:\n  - {id: a, type: test.source, rows: \"${params.m}\"}\n", nil,
			[]string{`r.yaml:6:38: step a: rows: unknown parameter "m" (did you mean n?)`}},
		{"param bounds", "version: 1\nname: x\nparams:\n  n: {type: int, default: 30, max: 10}\nsteps:\n  - {id: a, type: test.source, rows: \"${params.n}\"}\n", nil,
			[]string{`r.yaml:4:27: params.n.default: 30 is above the maximum 10`}},
		{"set unknown param", "version: 1\nname: x\nparams:\n  rows: {type: int, default: 3}\nsteps:\n  - {id: a, type: test.source, rows: \"${params.rows}\"}\n", []string{"rowz=4"},
			[]string{`--set rowz=4: unknown parameter "rowz" (did you mean rows?)`}},
		{"set bad value", "version: 1\nname: x\nparams:\n  rows: {type: int, default: 3}\nsteps:\n  - {id: a, type: test.source, rows: \"${params.rows}\"}\n", []string{"rows=lots"},
			[]string{`--set rows=lots: parameter rows: expected an integer, got "lots"`}},
		{"required param", "version: 1\nname: x\nparams:\n  input: {type: path}\nsteps:\n  - {id: a, type: test.source}\n", nil,
			[]string{`r.yaml:4:3: params.input: parameter input has no default: give it with --set input=VALUE`}},
		{"env unset", "version: 1\nname: x\nsteps:\n  - {id: a, type: test.source, mode: \"${env:NOPE}\"}\n", nil,
			[]string{`r.yaml:4:38: step a: mode: environment variable NOPE is not set (give a default with ${env:NOPE:-value})`}},
		{"two writers", "version: 1\nname: x\nsteps:\n  - {id: a, type: test.source}\n  - {id: b, type: test.sink, input: a, path: o.txt}\n  - {id: c, type: test.sink, input: a, path: o.txt}\n", nil,
			[]string{`r.yaml:6:5: step c: writes /w/out/x/o.txt, which step "b" also writes`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, diags := plan(t, tc.src, tc.set...)
			if len(diags) != len(tc.want) {
				t.Fatalf("got %d diagnostics, want %d:\n%v", len(diags), len(tc.want), diags)
			}
			for i, w := range tc.want {
				if !strings.HasPrefix(diags[i].Error(), w) {
					t.Errorf("diagnostic %d:\n got %s\nwant %s", i, diags[i].Error(), w)
				}
			}
		})
	}
}

// TestAllDiagnosticsAtOnce checks that one recipe with many mistakes gets
// every diagnostic in one pass.
func TestAllDiagnosticsAtOnce(t *testing.T) {
	src := `version: 1
name: x
descripton: typo
steps:
  - {id: a, type: test.source, rows: lots}
  - {id: b, type: test.nope}
  - {id: c, type: test.map, input: zz, column: x}
  - {id: d, type: test.map, input: a, column: y, scale: 99}
`
	_, diags := plan(t, src)
	want := []string{"3:1", "5:38", "6:19", "7:36", "8:47", "8:57"}
	if len(diags) != len(want) {
		t.Fatalf("got %d diagnostics:\n%v", len(diags), diags)
	}
	for i, w := range want {
		if !strings.Contains(diags[i].Error(), ":"+w+":") {
			t.Errorf("diagnostic %d = %s, want position %s", i, diags[i].Error(), w)
		}
	}
}

func TestParams(t *testing.T) {
	src := `version: 1
name: x
params:
  rows: {type: int, default: 3, min: 1}
  share: {type: float, default: 0.5}
  on: {type: bool, default: true}
  as_of: {type: date, default: "2024-12-31"}
  window: {type: duration, default: 90d}
  tags: {type: list, default: [a, b]}
  region: {type: string, default: "${env:HOME_REGION:-us}"}
  input: {type: path, default: data/x.csv}
steps:
  - {id: a, type: test.source, rows: "${params.rows}", tags: "${params.tags}", label: "${params.region}"}
`
	p, diags := plan(t, src, "rows=7", "tags=x,y,z")
	if diags != nil {
		t.Fatal(diags)
	}
	v := p.ParamValues()
	if v["rows"] != int64(7) || v["share"] != 0.5 || v["on"] != true {
		t.Errorf("values: %v", v)
	}
	if d := v["as_of"].(time.Time); d.Format("2006-01-02") != "2024-12-31" {
		t.Errorf("as_of = %v", d)
	}
	if v["window"] != 90*24*time.Hour {
		t.Errorf("window = %v", v["window"])
	}
	if v["region"] != "eu" {
		t.Errorf("region = %v", v["region"])
	}
	if !strings.HasSuffix(v["input"].(string), "/data/x.csv") {
		t.Errorf("input = %v", v["input"])
	}
	if got := p.AsOf(); got == nil || got.Day() != 31 {
		t.Errorf("AsOf = %v", got)
	}
	if len(v["tags"].([]any)) != 3 {
		t.Errorf("tags = %v", v["tags"])
	}
}

func TestAliasBombRefused(t *testing.T) {
	var b strings.Builder
	b.WriteString("version: 1\nname: x\nx0: &a0 [1,1,1,1,1,1,1,1,1,1]\n")
	for i := 1; i < 9; i++ {
		b.WriteString("x" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [")
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(",")
			}
			b.WriteString("*a" + string(rune('0'+i-1)))
		}
		b.WriteString("]\n")
	}
	b.WriteString("steps:\n  - id: a\n    type: test.source\n    meta: *a8\n")
	start := time.Now()
	_, diags := plan(t, b.String())
	if len(diags) == 0 {
		t.Fatal("alias bomb accepted")
	}
	found := false
	for _, d := range diags {
		if strings.Contains(d.Msg, "alias bomb") {
			found = true
		}
	}
	if !found {
		t.Errorf("no alias-bomb diagnostic: %v", diags)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("took %v", el) // a guard against hanging, not a speed goal
	}
}

func TestHugeRecipeRefused(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/big.yaml"
	big := strings.Repeat("# padding\n", workflow.MaxRecipeBytes/10+10)
	if err := writeFile(path, big); err != nil {
		t.Fatal(err)
	}
	_, err := workflow.Load(path)
	if err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("err = %v", err)
	}
}
