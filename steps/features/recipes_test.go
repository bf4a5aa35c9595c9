package features_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/aftercare/aftercare/workflow"
)

// runShipped runs a recipe from recipes/ with --set values and returns
// the rows of the CSV it writes.
func runShipped(t *testing.T, recipe, output string, set ...string) [][]string {
	t.Helper()
	r, err := workflow.Load(filepath.Join(repoRoot(t), "recipes", recipe))
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	p, err := workflow.Build(r, workflow.Options{OutDir: out, Set: set})
	if err != nil {
		t.Fatal(err)
	}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	if _, err := workflow.Execute(context.Background(), p, workflow.ExecOptions{Mem: mem}); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(out, output))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestShippedRFMRecipe runs recipes/rfm.yaml on the generated log of
// testdata/agg_input.csv and compares with pandas (agg_expected.json, see
// gen_reference.py): frequency = nunique(order), monetary = sum(amount),
// first/last purchase = min/max(ts); as_of is after every purchase.
func TestShippedRFMRecipe(t *testing.T) {
	input, _ := filepath.Abs(filepath.Join("testdata", "agg_input.csv"))
	rows := runShipped(t, "rfm.yaml", "rfm.csv",
		"transactions="+input, "customer=customer", "order=order", "timestamp=ts", "amount=amount", "as_of=2024-05-01")
	if got := strings.Join(rows[0], ","); got != "customer,recency_days,frequency,monetary,first_purchase,last_purchase,tenure_days" {
		t.Fatalf("header %s", got)
	}
	b, err := os.ReadFile(filepath.Join("testdata", "agg_expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var exp struct{ All []map[string]any }
	if err := json.Unmarshal(b, &exp); err != nil {
		t.Fatal(err)
	}
	rows = rows[1:]
	if len(rows) != len(exp.All) {
		t.Fatalf("%d customers, pandas %d", len(rows), len(exp.All))
	}
	asOf := mustTime("2024-05-01")
	for i, w := range exp.All {
		r := rows[i]
		first, _ := time.Parse(time.RFC3339, w["first_ts"].(string))
		last, _ := time.Parse(time.RFC3339, w["last_ts"].(string))
		want := []string{
			w["customer"].(string),
			strconv.Itoa(int(asOf.Sub(last).Hours() / 24)),
			strconv.Itoa(int(w["orders"].(float64))),
			"", "", "",
			strconv.Itoa(int(asOf.Sub(first).Hours() / 24)),
		}
		for j, v := range want {
			if v != "" && r[j] != v {
				t.Errorf("customer %s: %s = %s, pandas %s", r[0], rows[0][j], r[j], v)
			}
		}
		if m, err := strconv.ParseFloat(r[3], 64); err != nil || !approx(m, w["total"].(float64), 1e-9) {
			t.Errorf("customer %s: monetary %s, pandas %v", r[0], r[3], w["total"])
		}
		for j, tm := range map[int]time.Time{4: first, 5: last} {
			if g, err := workflow.ParseTime(r[j]); err != nil || !g.Equal(tm) {
				t.Errorf("customer %s: column %d = %s, pandas %s", r[0], j, r[j], tm)
			}
		}
	}
}

// TestShippedBTYDRecipe runs recipes/btyd-summary.yaml on the CDNOW sample
// (converted to CSV with ISO dates) and compares summary.csv with the
// lifetimes summaries, as TestCDNOWSummary does for the step.
func TestShippedBTYDRecipe(t *testing.T) {
	elog := sharedData(t, "cdnow_lifetimes/CDNOW_sample.txt")
	summary := readCSV(t, sharedData(t, "cdnow_lifetimes/cdnow_customers_summary.csv"))
	withTx := readCSV(t, sharedData(t, "cdnow_lifetimes/cdnow_customers_summary_with_transactions.csv"))
	raw, err := os.ReadFile(elog)
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	sb.WriteString("master_id,sample_id,date,cds,dollar_value\n")
	for _, line := range strings.Split(string(raw), "\n") {
		f := strings.Fields(line)
		if len(f) != 5 {
			continue
		}
		d := f[2]
		fmt.Fprintf(&sb, "%s,%s,%s-%s-%s,%s,%s\n", f[0], f[1], d[:4], d[4:6], d[6:], f[3], f[4])
	}
	csvPath := filepath.Join(t.TempDir(), "cdnow.csv")
	if err := os.WriteFile(csvPath, []byte(sb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	rows := runShipped(t, "btyd-summary.yaml", "summary.csv", "transactions="+csvPath, "customer=sample_id", "date=date",
		"amount=dollar_value", "calibration_end=1997-09-30", "time_unit=weeks")
	if got := strings.Join(rows[0], ","); got != "customer,frequency,recency,T,monetary_value" {
		t.Fatalf("header %s", got)
	}
	rows = rows[1:]
	if len(rows) != 2357 {
		t.Fatalf("%d rows, want 2357", len(rows))
	}
	for i, r := range rows {
		v := make([]float64, 5)
		for j := range v {
			v[j], _ = strconv.ParseFloat(r[j], 64)
		}
		s, w := summary[i], withTx[i]
		r2 := func(x float64) float64 { return math.Round(x*100) / 100 }
		if v[0] != s[0] || r2(v[1]) != s[1] || r2(v[2]) != s[2] || r2(v[3]) != s[3] || math.Abs(v[4]-w[4]) > 0.01+1e-9 {
			t.Errorf("row %d: %v; lifetimes %v zbar %v", i, r, s, w[4])
		}
	}
}
