package bayes_test

import (
	"fmt"
	"path/filepath"
	"testing"
)

// FHL 2005 (Marketing Science) BG/NBD estimates on the CDNOW sample, as
// listed with their sources in ../shared/data/README.md: r, alpha, a, b =
// 0.243, 4.414, 0.793, 2.426; LL = -9582.429 (BTYD walkthrough §4.2).
func checkCDNOWParams(t *testing.T, m map[string]any) {
	t.Helper()
	near(t, "r", m["r"], 0.243, 5e-4)
	near(t, "alpha", m["alpha"], 4.414, 5e-4)
	near(t, "a", m["a"], 0.793, 5e-4)
	near(t, "b", m["b"], 2.426, 5e-4)
	near(t, "log_likelihood", m["log_likelihood"], -9582.429, 5e-3)
	// lifetimes' Quickstart standard errors: 0.012557, 0.378221, 0.185719, 0.705345.
	near(t, "r_se", m["r_se"], 0.012557, 5e-4)
	near(t, "alpha_se", m["alpha_se"], 0.378221, 5e-3)
	near(t, "a_se", m["a_se"], 0.185719, 5e-3)
	near(t, "b_se", m["b_se"], 0.705345, 5e-3)
	if m["converged"] != true || m["customers"] != float64(2357) {
		t.Errorf("converged %v, customers %v", m["converged"], m["customers"])
	}
}

func TestBGNBDCDNOWSummary(t *testing.T) {
	path := dataDir(t, "cdnow_lifetimes/cdnow_customers_summary.csv")
	res := run(t, fmt.Sprintf(`version: 1
name: t
steps:
  - {id: in, type: io.read, path: %q, types: {ID: string}}
  - {id: bg, type: bayes.bgnbd, input: in, horizon: 39, prob_n: [0]}
  - {id: out, type: io.write, input: bg, path: out.csv}
  - {id: par, type: io.write, input: bg.params, path: params.csv}
`, path))
	if res.err != nil {
		t.Fatal(res.err)
	}
	m := res.metrics["bg"]
	checkCDNOWParams(t, m)
	// P(X(39) = 0) = 0.5737864 with (0.243, 4.414, 0.793, 2.426) (lifetimes
	// tests); the fitted parameters differ in the 4th digit.
	near(t, "new_p_n0", m["new_p_n0"], 0.5737864, 1e-3)
	rows := readCSV(t, filepath.Join(res.out, "out.csv"))
	if len(rows) != 2357 {
		t.Fatalf("%d rows, want 2357", len(rows))
	}
	// Customer 1 (x=2, t_x=30.43, T=38.86): E[X(39)|...] = 1.226 (Hardie's
	// spreadsheet, lifetimes tests).
	if rows[0]["ID"] != "1" {
		t.Fatalf("first row %v", rows[0])
	}
	near(t, "expected_purchases of customer 1", num(t, rows[0]["expected_purchases"]), 1.226, 1e-3)
	if q := num(t, rows[0]["p_n0"]); !(q > 0 && q < 1) {
		t.Errorf("p_n0 of customer 1 = %g", q)
	}
	p := readCSV(t, filepath.Join(res.out, "params.csv"))
	if len(p) != 1 {
		t.Fatalf("params has %d rows", len(p))
	}
	near(t, "params.r", num(t, p[0]["r"]), 0.243, 5e-4)
}

// The same fit from the raw transaction log, through features.btyd_summary.
// Customer 1516 (x=26, t_x=30.85714, T=31): E[X(52)|...] = 25.75659 and
// P(alive) = 0.9688523 (BTYD walkthrough §4.3, exact times as here).
func TestBGNBDCDNOWRawLog(t *testing.T) {
	path := dataDir(t, "cdnow_lifetimes/CDNOW_sample.txt")
	res := run(t, fmt.Sprintf(`version: 1
name: t
steps:
  - id: log
    type: io.read
    path: %q
    whitespace: true
    header: false
    columns: [customer, sample_id, date, cds, amount]
    types: {customer: string, sample_id: int, date: date}
  - id: summary
    type: features.btyd_summary
    input: log
    customer: sample_id
    timestamp: date
    amount: amount
    calibration_end: 1997-09-30
    time_unit: weeks
  - {id: bg, type: bayes.bgnbd, input: summary, horizon: 52}
  - {id: out, type: io.write, input: bg, path: out.csv}
`, path))
	if res.err != nil {
		t.Fatal(res.err)
	}
	checkCDNOWParams(t, res.metrics["bg"])
	rows := readCSV(t, filepath.Join(res.out, "out.csv"))
	var found bool
	for _, r := range rows {
		if r["sample_id"] != "1516" {
			continue
		}
		found = true
		near(t, "frequency of 1516", num(t, r["frequency"]), 26, 0)
		near(t, "expected_purchases of 1516", num(t, r["expected_purchases"]), 25.75659, 5e-3)
		near(t, "p_alive of 1516", num(t, r["p_alive"]), 0.9688523, 1e-4)
	}
	if !found {
		t.Error("customer 1516 missing")
	}
}

func TestBGNBDBadInput(t *testing.T) {
	cases := []struct {
		name, data string
		want       []string
	}{
		{"recency after T", "id,frequency,recency,T\na,1,2,3\nb,2,5,4\nc,1,7,6\n", []string{"2 rows", "recency greater than T", "rows 2, 3"}},
		{"negative", "id,frequency,recency,T\na,1,2,3\nb,-1,0,4\n", []string{"negative", "row 2"}},
		{"null", "id,frequency,recency,T\na,1,2,3\nb,,0,4\n", []string{"null frequency", "row 2"}},
		{"NaN", "id,frequency,recency,T\na,1,2,3\nb,1,NaN,4\n", []string{"recency", "row 2"}},
		{"fractional", "id,frequency,recency,T\na,1.5,2,3\nb,0,1,4\n", []string{"non-integer frequency (row 1)", "frequency 0 but recency > 0 (row 2)"}},
		{"all zero", "id,frequency,recency,T\na,0,0,3\nb,0,0,4\n", []string{"all frequencies are zero"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := writeFile(t, "s.csv", c.data)
			res := run(t, fmt.Sprintf("version: 1\nname: t\nsteps:\n  - {id: in, type: io.read, path: %q, types: {frequency: float, recency: float, T: float}}\n  - {id: bg, type: bayes.bgnbd, input: in, horizon: 10}\n  - {id: out, type: io.write, input: bg, path: o.csv}\n", p))
			wantErr(t, res, "bg", c.want...)
		})
	}
}

// A fit stopped after one iteration reports the last parameters and a hint.
func TestBGNBDNoConvergence(t *testing.T) {
	path := dataDir(t, "cdnow_lifetimes/cdnow_customers_summary.csv")
	res := run(t, fmt.Sprintf("version: 1\nname: t\nsteps:\n  - {id: in, type: io.read, path: %q}\n  - {id: bg, type: bayes.bgnbd, input: in, horizon: 10, max_iterations: 1}\n  - {id: out, type: io.write, input: bg, path: o.csv}\n", path))
	wantErr(t, res, "bg", "no convergence", "at parameters")
	if m := res.metrics["bg"]; m["converged"] != false || m["r"] == nil {
		t.Errorf("metrics %v", m)
	}
}

func TestBGNBDPlanErrors(t *testing.T) {
	p := writeFile(t, "s.csv", "id,frequency,recency,T,p_alive\na,1,2,3,1\n")
	got := plan(t, fmt.Sprintf("version: 1\nname: t\nsteps:\n  - {id: in, type: io.read, path: %q}\n  - {id: bg, type: bayes.bgnbd, input: in, horizon: 10, recency: recncy, frequency: id, prob_n: [-1, 2, 2]}\n", p))
	for _, want := range []string{`recncy`, `did you mean recency`, `"id" is string`, `p_alive`, `prob_n[0]`, `listed twice`} {
		if !contains(got, want) {
			t.Errorf("diagnostics %q do not mention %q", got, want)
		}
	}
}
