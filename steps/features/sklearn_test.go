package features_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aftercare/aftercare/steps/features"
)

// sklearnCases are inputs and scikit-learn 1.2 outputs written by
// testdata/gen_reference.py.
type sklearnCases struct {
	X, XNew         [][]float64
	Xi              [][]*float64
	Cats            []string
	Out             map[string]json.RawMessage
	OnehotNames     []string `json:"onehot_names"`
	OnehotFullNames []string `json:"onehot_full_names"`
}

func loadSklearn(t *testing.T) *sklearnCases {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "sklearn_cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	c := &sklearnCases{Out: raw}
	for key, dst := range map[string]any{"X": &c.X, "X_new": &c.XNew, "Xi": &c.Xi, "cats": &c.Cats, "onehot_names": &c.OnehotNames, "onehot_full_names": &c.OnehotFullNames} {
		if err := json.Unmarshal(raw[key], dst); err != nil {
			t.Fatalf("%s: %v", key, err)
		}
	}
	return c
}

func (c *sklearnCases) matrix(t *testing.T, key string) [][]float64 {
	t.Helper()
	var m [][]float64
	if err := json.Unmarshal(c.Out[key], &m); err != nil {
		t.Fatalf("%s: %v", key, err)
	}
	return m
}

var matCols = []string{"a", "b", "c", "d"}

// putMatrix registers a float matrix as test data with columns a, b, ...
func putMatrix(name string, m [][]float64) {
	var fields []any
	for j := range m[0] {
		fields = append(fields, matCols[j], f64)
	}
	rows := make([][]any, len(m))
	for i, r := range m {
		for _, v := range r {
			rows[i] = append(rows[i], v)
		}
	}
	putData(name, schemaOf(fields...), 7, rows...)
}

// checkMatrix compares captured columns a, b, ... with a scikit-learn
// output (1e-10 relative to max(1, |value|)).
func checkMatrix(t *testing.T, got *table, want [][]float64, label string) {
	t.Helper()
	for j := range want[0] {
		col := got.Col(matCols[j])
		for i := range want {
			g, ok := col[i].(float64)
			if !ok || !approx(g, want[i][j], 1e-10) {
				t.Errorf("%s: row %d column %s = %v, scikit-learn %v", label, i, matCols[j], col[i], want[i][j])
				return
			}
		}
	}
}

func TestScaleAgainstSklearn(t *testing.T) {
	c := loadSklearn(t)
	putMatrix("X", c.X)
	cases := []struct{ key, opts string }{
		{"standard", "method: standard"},
		{"minmax", "method: minmax"},
		{"minmax_range", "method: minmax\n    range: [-1, 2]"},
		{"robust", "method: robust"},
		{"robust_10_90", "method: robust\n    quantile_range: [0.1, 0.9]"},
		{"log1p_standard", "method: standard\n    log1p: true"},
		{"winsorize_05_95", "method: winsorize\n    winsorize: [0.05, 0.95]"},
	}
	for _, tc := range cases {
		t.Run(tc.key, func(t *testing.T) {
			src := fmt.Sprintf(`version: 1
name: scale
steps:
  - {id: x, type: test.data, name: X}
  - id: s
    type: features.scale
    input: x
    columns: [a, b, c, d]
    %s
  - {id: o, type: test.capture, input: s, name: s}
`, tc.opts)
			_, _, tabs := run(t, src)
			checkMatrix(t, tabs["s"], c.matrix(t, tc.key), tc.key)
		})
	}
}

func TestScaleSaveLoadModelPort(t *testing.T) {
	c := loadSklearn(t)
	putMatrix("X2", c.X)
	putMatrix("Xnew", c.XNew)
	out := t.TempDir()
	src := `version: 1
name: fit
steps:
  - {id: x, type: test.data, name: X2}
  - {id: s, type: features.scale, input: x, columns: [a, b, c, d], save: scaler.json}
  - {id: o, type: test.capture, input: s, name: s}
  - {id: m, type: test.capture, input: s.model, name: model}
`
	res, _, tabs, err := tryRunIn(t, src, out, "fit.yaml")
	if err != nil {
		t.Fatal(err)
	}
	checkMatrix(t, tabs["s"], c.matrix(t, "standard"), "fit")
	var mean, scale []float64
	json.Unmarshal(c.Out["standard_mean"], &mean)
	json.Unmarshal(c.Out["standard_scale"], &scale)
	model := tabs["model"]
	for j, name := range matCols {
		if model.Col("column")[j] != name || model.Col("method")[j] != "standard" {
			t.Errorf("model row %d: %v %v", j, model.Col("column")[j], model.Col("method")[j])
		}
		if g := model.Col("center")[j].(float64); !approx(g, mean[j], 1e-12) {
			t.Errorf("center %s = %v, scikit-learn mean_ %v", name, g, mean[j])
		}
		if g := model.Col("scale")[j].(float64); !approx(g, scale[j], 1e-12) {
			t.Errorf("scale %s = %v, scikit-learn scale_ %v", name, g, scale[j])
		}
	}
	if m, ok := res.Steps[1].Metrics["scaler"].(map[string]features.ColumnScaler); !ok || len(m) != 4 {
		t.Errorf("metrics: %#v", res.Steps[1].Metrics)
	}
	saved, err := features.LoadScalerModel(filepath.Join(out, "scaler.json"))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(filepath.Join(out, "scaler.json"))
	if !strings.Contains(string(raw), `"aftercare_model": "scaler"`) || !strings.Contains(string(raw), `"version": 1`) {
		t.Errorf("saved model:\n%s", raw)
	}
	// Inverse maps back to original units.
	for i := range 3 {
		y := saved.Columns["c"].Transform(c.X[i][2])
		if x, _ := saved.Inverse("c", y); !approx(x, c.X[i][2], 1e-12) {
			t.Errorf("inverse(%v) = %v, want %v", y, x, c.X[i][2])
		}
	}
	// Re-apply to new data without refitting.
	load := fmt.Sprintf(`version: 1
name: apply
steps:
  - {id: x, type: test.data, name: Xnew}
  - {id: s, type: features.scale, input: x, load: %s}
  - {id: o, type: test.capture, input: s, name: s}
`, filepath.Join(out, "scaler.json"))
	_, _, tabs = run(t, load)
	checkMatrix(t, tabs["s"], c.matrix(t, "standard_new"), "load")
}

func TestScaleNullsAndErrors(t *testing.T) {
	putData("withnull", schemaOf("a", f64, "b", i64, "s", str), 10,
		[]any{1.0, 1, "x"}, []any{nil, 2, "y"}, []any{3.0, 3, "z"})
	src := `version: 1
name: scale
steps:
  - {id: x, type: test.data, name: withnull}
  - {id: s, type: features.scale, input: x, columns: [a, b]NULLS}
  - {id: o, type: test.capture, input: s, name: s}
`
	_, _, _, err := tryRun(t, strings.Replace(src, "NULLS", "", 1))
	if err == nil || !strings.Contains(err.Error(), `column "a" has 1 null or NaN values: impute them first`) {
		t.Errorf("err = %v", err)
	}
	_, _, tabs := run(t, strings.Replace(src, "NULLS", ", nulls: keep, method: minmax", 1))
	checkCol(t, tabs["s"], "a", []any{0.0, nil, 1.0})
	checkCol(t, tabs["s"], "b", []any{0.0, 0.5, 1.0})
	msg := planErrors(t, `version: 1
name: scale
steps:
  - {id: x, type: test.data, name: withnull}
  - {id: s, type: features.scale, input: x, columns: [s, bb], method: standard, range: [0, 1], winsorize: [0.9, 0.1]}
  - {id: l, type: features.scale, input: x, load: /nonexistent/scaler.json}
`)
	for _, w := range []string{
		`columns[0]: column "s" is string: only int and float columns can be scaled`,
		`columns[1]: unknown column "bb" (did you mean b?)`,
		"range: range applies to method minmax only",
		"winsorize: winsorize needs two increasing numbers in [0, 1]",
		"load: /nonexistent/scaler.json does not exist, and without it the columns to scale are unknown",
	} {
		if !strings.Contains(msg, w) {
			t.Errorf("diagnostics lack %q:\n%s", w, msg)
		}
	}
}

func TestImputeAgainstSklearn(t *testing.T) {
	c := loadSklearn(t)
	rows := make([][]any, len(c.Xi))
	for i, r := range c.Xi {
		for _, v := range r {
			if v == nil {
				rows[i] = append(rows[i], nil)
			} else {
				rows[i] = append(rows[i], *v)
			}
		}
	}
	putData("Xi", schemaOf("a", f64, "b", f64), 8, rows...)
	for _, tc := range []struct{ key, opts string }{
		{"impute_mean", "strategy: mean"},
		{"impute_median", "strategy: median"},
		{"impute_most_frequent", "strategy: most_frequent"},
		{"impute_constant", "strategy: constant\n    value: -1"},
	} {
		t.Run(tc.key, func(t *testing.T) {
			src := fmt.Sprintf(`version: 1
name: impute
steps:
  - {id: x, type: test.data, name: Xi}
  - id: s
    type: features.impute
    input: x
    columns: [a, b]
    indicator: true
    %s
  - {id: o, type: test.capture, input: s, name: s}
`, tc.opts)
			_, _, tabs := run(t, src)
			checkMatrix(t, tabs["s"], c.matrix(t, tc.key), tc.key)
			ind := c.matrix(t, "impute_indicator")
			for j, name := range []string{"a_missing", "b_missing"} {
				col := tabs["s"].Col(name)
				for i := range ind {
					if col[i] != (ind[i][j] == 1) {
						t.Fatalf("%s[%d] = %v, scikit-learn indicator %v", name, i, col[i], ind[i][j])
					}
				}
			}
		})
	}
}

func TestImputeTypesAndErrors(t *testing.T) {
	putData("mixed", schemaOf("n", i64, "s", str, "d", date), 2,
		[]any{1, "x", "2024-01-01"}, []any{nil, nil, nil}, []any{3, "y", "2024-01-03"}, []any{3, "y", nil})
	_, _, tabs := run(t, `version: 1
name: impute
steps:
  - {id: x, type: test.data, name: mixed}
  - {id: f, type: features.impute, input: x, columns: [n, s, d], strategy: most_frequent}
  - {id: m, type: features.impute, input: x, columns: [n], strategy: mean}
  - {id: c, type: features.impute, input: x, columns: [s, d], strategy: constant, value: "2024-02-01"}
  - {id: o1, type: test.capture, input: f, name: f}
  - {id: o2, type: test.capture, input: m, name: m}
  - {id: o3, type: test.capture, input: c, name: c}
`)
	checkCol(t, tabs["f"], "n", []any{int64(1), int64(3), int64(3), int64(3)})
	checkCol(t, tabs["f"], "s", []any{"x", "y", "y", "y"})
	// Tie between the two dates: the smaller wins (as SimpleImputer).
	checkCol(t, tabs["f"], "d", []any{mustTime("2024-01-01"), mustTime("2024-01-01"), mustTime("2024-01-03"), mustTime("2024-01-01")})
	checkCol(t, tabs["m"], "n", []any{1.0, 7.0 / 3, 3.0, 3.0})
	checkCol(t, tabs["c"], "s", []any{"x", "2024-02-01", "y", "y"})
	checkCol(t, tabs["c"], "d", []any{mustTime("2024-01-01"), mustTime("2024-02-01"), mustTime("2024-01-03"), mustTime("2024-02-01")})
	msg := planErrors(t, `version: 1
name: impute
steps:
  - {id: x, type: test.data, name: mixed}
  - {id: a, type: features.impute, input: x, columns: [s], strategy: median}
  - {id: b, type: features.impute, input: x, columns: [n], strategy: constant, value: 2.5}
  - {id: c, type: features.impute, input: x, columns: [n], strategy: constant}
`)
	for _, w := range []string{
		`strategy median needs a numeric column, but "s" is string`,
		`value: value 2.5 for column "n": want an integer`,
		"strategy: strategy constant needs value",
	} {
		if !strings.Contains(msg, w) {
			t.Errorf("diagnostics lack %q:\n%s", w, msg)
		}
	}
}

func TestEncodeAgainstSklearn(t *testing.T) {
	c := loadSklearn(t)
	var rows [][]any
	for _, v := range c.Cats {
		rows = append(rows, []any{v})
	}
	putData("cats", schemaOf("country", str), 6, rows...)
	res, _, tabs := run(t, `version: 1
name: encode
steps:
  - {id: x, type: test.data, name: cats}
  - {id: e, type: features.encode, input: x, columns: [country], max_categories: 4}
  - {id: full, type: features.encode, input: x, columns: [country], categories: {country: [DE, ES, FR, IT, NL, UK]}, unknown: error}
  - {id: o, type: test.capture, input: e, name: e}
  - {id: o2, type: test.capture, input: full, name: full}
`)
	// Learned: ranks by frequency; map them to scikit-learn's names.
	cats := res.Steps[1].Metrics["categories"].(map[string]any)["country"].([]string)
	if strings.Join(cats, ",") != "UK,FR,DE" {
		t.Fatalf("learned categories %v", cats)
	}
	want := c.matrix(t, "onehot")
	skIndex := map[string]int{}
	for j, n := range c.OnehotNames {
		skIndex[n] = j
	}
	got := tabs["e"]
	if strings.Join(got.Names, ",") != "country_top1,country_top2,country_top3,country_other" {
		t.Fatalf("columns %v", got.Names)
	}
	for r, cat := range cats {
		compareOneHot(t, got.Col(fmt.Sprintf("country_top%d", r+1)), want, skIndex["country_"+cat])
	}
	compareOneHot(t, got.Col("country_other"), want, skIndex["country_infrequent_sklearn"])
	full := c.matrix(t, "onehot_full")
	for j, n := range c.OnehotFullNames {
		compareOneHot(t, tabs["full"].Col(n), full, j)
	}
}

func compareOneHot(t *testing.T, got []any, want [][]float64, j int) {
	t.Helper()
	for i := range want {
		if got[i] != want[i][j] {
			t.Fatalf("row %d: %v, scikit-learn %v (column %d)", i, got[i], want[i][j], j)
		}
	}
}

func TestEncodeOrdinalUnknownAndErrors(t *testing.T) {
	putData("tiers", schemaOf("tier", str, "n", i64), 3,
		[]any{"gold", 3}, []any{"bronze", 1}, []any{nil, 2}, []any{"platinum", 10}, []any{"silver", 2})
	_, _, tabs := run(t, `version: 1
name: encode
steps:
  - {id: x, type: test.data, name: tiers}
  - {id: o, type: features.encode, input: x, method: ordinal, columns: [tier], categories: {tier: [bronze, silver, gold]}}
  - {id: s, type: features.encode, input: x, method: ordinal, columns: [tier, n]}
  - {id: h, type: features.encode, input: x, columns: [tier], categories: {tier: [gold, silver]}, keep_original: true}
  - {id: c1, type: test.capture, input: o, name: o}
  - {id: c2, type: test.capture, input: s, name: s}
  - {id: c3, type: test.capture, input: h, name: h}
`)
	checkCol(t, tabs["o"], "tier", []any{int64(2), int64(0), nil, nil, int64(1)})
	checkCol(t, tabs["s"], "tier", []any{int64(1), int64(0), nil, int64(2), int64(3)})
	checkCol(t, tabs["s"], "n", []any{int64(2), int64(0), int64(1), int64(3), int64(1)}) // 1, 2, 3, 10 by value
	h := tabs["h"]
	if strings.Join(h.Names, ",") != "tier,tier_gold,tier_silver,tier_other,n" {
		t.Fatalf("columns %v", h.Names)
	}
	checkCol(t, h, "tier_gold", []any{1.0, 0.0, 0.0, 0.0, 0.0})
	checkCol(t, h, "tier_other", []any{0.0, 1.0, 0.0, 1.0, 0.0})
	_, _, _, err := tryRun(t, `version: 1
name: encode
steps:
  - {id: x, type: test.data, name: tiers}
  - {id: h, type: features.encode, input: x, columns: [tier], categories: {tier: [gold, silver]}, unknown: error}
  - {id: c, type: test.capture, input: h, name: h}
`)
	if err == nil || !strings.Contains(err.Error(), `column "tier": value "bronze" is not among its categories`) {
		t.Errorf("err = %v", err)
	}
	msg := planErrors(t, `version: 1
name: encode
steps:
  - {id: x, type: test.data, name: tiers}
  - {id: a, type: features.encode, input: x, columns: [tier]}
  - {id: b, type: features.encode, input: x, columns: [tier], categories: {teir: [a]}}
`)
	for _, w := range []string{
		`one-hot columns must be known before the data is read: list the categories of "tier"`,
		`categories.teir: categories for "teir", which is not in columns (did you mean tier?)`,
	} {
		if !strings.Contains(msg, w) {
			t.Errorf("diagnostics lack %q:\n%s", w, msg)
		}
	}
}
