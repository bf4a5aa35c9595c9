package bayes_test

import (
	"fmt"
	"math"
	"path/filepath"
	"testing"

	"github.com/aftercare/aftercare/steps/bayes/btyd"
)

// Gamma-Gamma on the 946 CDNOW customers with repeat purchases: p, q, v =
// 6.25, 3.74, 15.44 (Hardie's note 025, lifetimes tests); corr(x, zbar) =
// 0.113884 and the expected spends of customers 1..10 (lifetimes tests,
// ±0.1), see ../shared/data/README.md.
func TestGammaGammaCDNOW(t *testing.T) {
	path := dataDir(t, "cdnow_lifetimes/cdnow_customers_summary_with_transactions.csv")
	res := run(t, fmt.Sprintf(`version: 1
name: t
steps:
  - {id: in, type: io.read, path: %q, types: {ID: string}}
  - {id: bg, type: bayes.bgnbd, input: in, frequency: x, recency: t_x, horizon: 39}
  - id: gg
    type: bayes.gamma_gamma
    input: bg
    frequency: x
    monetary_value: zbar
    recency: t_x
    bgnbd: bg.params
    time_unit: weeks
    periods: 12
    discount_rate: 0.01
  - {id: out, type: io.write, input: gg, path: out.csv}
  - {id: bgp, type: io.write, input: bg.params, path: bg.csv}
  - {id: ggp, type: io.write, input: gg.params, path: gg.csv}
`, path))
	if res.err != nil {
		t.Fatal(res.err)
	}
	m := res.metrics["gg"]
	near(t, "p", m["p"], 6.25, 5e-3)
	near(t, "q", m["q"], 3.74, 5e-3)
	near(t, "v", m["v"], 15.445, 1e-2)
	near(t, "corr_frequency_value", m["corr_frequency_value"], 0.113884, 1e-5)
	if m["customers"] != float64(946) {
		t.Errorf("customers = %v, want 946", m["customers"])
	}
	rows := readCSV(t, filepath.Join(res.out, "out.csv"))
	want := []float64{24.65, 18.91, 35.17, 35.17, 35.17, 71.46, 18.91, 35.17, 27.28, 35.17}
	for i, w := range want {
		near(t, "expected_value of customer "+rows[i]["ID"], num(t, rows[i]["expected_value"]), w, 0.1)
	}
	// Mean E[Z] over all customers: 35.2529588256 (lifetimes Quickstart).
	var sum float64
	for _, r := range rows {
		sum += num(t, r["expected_value"])
	}
	near(t, "mean expected_value", sum/float64(len(rows)), 35.2529588256, 0.01)

	// clv wiring: the step's column equals lifetimes' discounted sum
	// computed here from the two params tables (the kernel is tested
	// against lifetimes in package btyd).
	bp := readCSV(t, filepath.Join(res.out, "bg.csv"))[0]
	bg := btyd.BGParams{R: num(t, bp["r"]), Alpha: num(t, bp["alpha"]), A: num(t, bp["a"]), B: num(t, bp["b"])}
	for _, r := range rows[:20] {
		x, tx, T, ev := num(t, r["x"]), num(t, r["t_x"]), num(t, r["T"]), num(t, r["expected_value"])
		var clv, prev float64
		for i := 1; i <= 12; i++ {
			cur := bg.ConditionalExpectedPurchases(float64(i)*4.345, x, tx, T)
			clv += (cur - prev) * ev / math.Pow(1.01, float64(i))
			prev = cur
		}
		near(t, "clv of customer "+r["ID"], num(t, r["clv"]), clv, 1e-9*math.Max(1, clv))
	}
	gp := readCSV(t, filepath.Join(res.out, "gg.csv"))[0]
	near(t, "mean_value", num(t, gp["mean_value"]), num(t, gp["p"])*num(t, gp["v"])/(num(t, gp["q"])-1), 1e-9)
}

func TestGammaGammaBadInput(t *testing.T) {
	p := writeFile(t, "s.csv", "id,frequency,monetary_value\na,1,10\nb,2,0\nc,0,\nd,3,12\ne,1,-1\n")
	res := run(t, fmt.Sprintf("version: 1\nname: t\nsteps:\n  - {id: in, type: io.read, path: %q}\n  - {id: gg, type: bayes.gamma_gamma, input: in}\n  - {id: out, type: io.write, input: gg, path: o.csv}\n", p))
	wantErr(t, res, "gg", "2 rows", "monetary_value", "rows 2, 5")

	got := plan(t, fmt.Sprintf("version: 1\nname: t\nsteps:\n  - {id: in, type: io.read, path: %q}\n  - {id: gg, type: bayes.gamma_gamma, input: in, bgnbd: in}\n", p))
	for _, want := range []string{"period_length", `"recency"`, `no numeric column r, alpha, a, b`} {
		if !contains(got, want) {
			t.Errorf("diagnostics %q do not mention %q", got, want)
		}
	}
}
