package features_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/aftercare/aftercare/steps/dataio"
)

// TestAggregateAgainstPandas runs features.aggregate on a generated order
// log with nulls (testdata/agg_input.csv) and compares every aggregate
// with pandas 1.5's groupby results stored in testdata/agg_expected.json
// by testdata/gen_reference.py (no Python at test time).
func TestAggregateAgainstPandas(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "agg_expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var exp struct {
		All, Window []map[string]any
	}
	if err := json.Unmarshal(b, &exp); err != nil {
		t.Fatal(err)
	}
	input, _ := filepath.Abs(filepath.Join("testdata", "agg_input.csv"))
	aggs := `    aggregates:
      rows: {count: "*"}
      n_amount: {count: amount}
      orders: {count_distinct: order}
      total: {sum: amount}
      qty_total: {sum: qty}
      avg: {mean: amount}
      avg_qty: {mean: qty}
      lo: {min: amount}
      hi: {max: amount}
      sd: {std: amount}
      variance: {var: amount}
      med: {median: amount}
      p90: {quantile: amount, q: 0.9}
      p25_qty: {quantile: qty, q: 0.25}
      first_amount: {first: amount}
      last_amount: {last: amount}
      first_ts: {min: ts}
      last_ts: {max: ts}
      min_cat: {min: category}
      max_cat: {max: category}
      any_return: {any: 'category == "return"'}
      all_return: {all: 'category == "return"'}
      returns: {count: "*", where: 'category == "return"'}
      return_amount: {sum: amount, where: 'category == "return"'}
`
	src := fmt.Sprintf(`version: 1
name: pandas
params:
  as_of: {type: date, default: "2024-04-20"}
steps:
  - id: log
    type: io.read
    path: %s
    types: {order: int, qty: int, amount: float, ts: timestamp, customer: string, category: string}
  - id: all
    type: features.aggregate
    input: log
    by: [customer]
    null_keys: drop
    order_by: ts
%s  - id: window
    type: features.aggregate
    input: log
    by: [customer]
    null_keys: drop
    order_by: ts
    window: {last: 30d, column: ts}
%s  - {id: o1, type: test.capture, input: all, name: all}
  - {id: o2, type: test.capture, input: window, name: window}
`, input, aggs, aggs)
	_, _, tabs := run(t, src)
	comparePandas(t, "all", tabs["all"], exp.All)
	comparePandas(t, "window", tabs["window"], exp.Window)
}

func comparePandas(t *testing.T, label string, got *table, want []map[string]any) {
	t.Helper()
	if got.Rows() != len(want) {
		t.Fatalf("%s: %d groups, pandas %d", label, got.Rows(), len(want))
	}
	for i, w := range want {
		for name, wv := range w {
			g := got.Col(name)[i]
			ok := false
			switch wv := wv.(type) {
			case nil:
				ok = g == nil
			case bool:
				ok = g == wv
			case string:
				switch gv := g.(type) {
				case string:
					ok = gv == wv
				case time.Time:
					ok = gv.Format(time.RFC3339) == wv
				}
			case float64:
				switch gv := g.(type) {
				case float64:
					ok = approx(gv, wv, 1e-9)
				case int64:
					ok = float64(gv) == wv
				}
			}
			if !ok {
				t.Errorf("%s: customer %v %s = %v (%T), pandas %v", label, w["customer"], name, g, g, wv)
			}
		}
	}
}
