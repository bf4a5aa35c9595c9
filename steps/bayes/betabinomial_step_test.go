package bayes_test

import (
	"fmt"
	"math"
	"path/filepath"
	"testing"

	"github.com/aftercare/aftercare/steps/bayes/betabin"
)

// Posteriors computed by hand. Uniform prior, level 0.9:
//
//	a: 1 of 1  → Beta(2, 1): mean 2/3, CDF x², interval √0.05, √0.95;
//	             P(p > p_b) = ∫ x·2x dx = 2/3; P(p > 0.5) = 1 - 0.25
//	b: 0 of 0  → Beta(1, 1): mean 1/2, interval 0.05, 0.95; 1/2; 1/2
//	c: 0 of 3  → Beta(1, 4): mean 1/5, CDF 1-(1-x)⁴, quantile 1-(1-u)^¼;
//	             P(p > U) = E[p] = 1/5; P(p > 0.5) = 0.5⁴
var handPosteriors = map[string][]float64{ // successes, trials, a, b, mean, lower, upper, beats b, above 0.5
	"a": {1, 1, 2, 1, 2.0 / 3, math.Sqrt(0.05), math.Sqrt(0.95), 2.0 / 3, 0.75},
	"b": {0, 0, 1, 1, 0.5, 0.05, 0.95, 0.5, 0.5},
	"c": {0, 3, 1, 4, 0.2, 1 - math.Pow(0.95, 0.25), 1 - math.Pow(0.05, 0.25), 0.2, 0.0625},
}

var bbColumns = []string{"successes", "trials", "posterior_a", "posterior_b", "mean", "lower", "upper", "prob_beats_baseline", "prob_above_rate"}

func checkHand(t *testing.T, rows []map[string]string, segCol string, label func(string) string) {
	t.Helper()
	if len(rows) != 3 {
		t.Fatalf("%d segments, want 3", len(rows))
	}
	for i, seg := range []string{"a", "b", "c"} {
		r := rows[i]
		if r[segCol] != label(seg) {
			t.Errorf("row %d segment %q, want %q", i, r[segCol], label(seg))
		}
		for j, c := range bbColumns {
			near(t, seg+"."+c, num(t, r[c]), handPosteriors[seg][j], 1e-9)
		}
	}
}

func TestBetaBinomialCounts(t *testing.T) {
	// Counts split over rows are summed per segment; segment b has no trials.
	p := writeFile(t, "k.csv", "seg,k,n\nc,0,2\na,1,1\nb,0,0\nc,0,1\n")
	res := run(t, fmt.Sprintf(`version: 1
name: t
steps:
  - {id: in, type: io.read, path: %q}
  - {id: bb, type: bayes.beta_binomial, input: in, segment: seg, successes: k, trials: n, baseline: b, rate: 0.5}
  - {id: out, type: io.write, input: bb, path: o.csv}
`, p))
	if res.err != nil {
		t.Fatal(res.err)
	}
	checkHand(t, readCSV(t, filepath.Join(res.out, "o.csv")), "seg", func(s string) string { return s })
	if m := res.metrics["bb"]; m["prior_a"] != 1.0 || m["prior_b"] != 1.0 || m["segments"] != 3.0 {
		t.Errorf("metrics %v", m)
	}
}

func TestBetaBinomialOutcome(t *testing.T) {
	// Segments a and c of TestBetaBinomialCounts as int segments 1 and 3,
	// one row per trial; the row with a null segment is skipped.
	p := writeFile(t, "o.csv", "seg,ok\n3,false\n1,true\n3,false\n,true\n3,false\n")
	res := run(t, fmt.Sprintf(`version: 1
name: t
steps:
  - {id: in, type: io.read, path: %q, types: {seg: int, ok: bool}}
  - {id: bb, type: bayes.beta_binomial, input: in, segment: seg, outcome: ok, rate: 0.5, baseline: "3"}
  - {id: out, type: io.write, input: bb, path: o.csv}
`, p))
	if res.err != nil {
		t.Fatal(res.err)
	}
	rows := readCSV(t, filepath.Join(res.out, "o.csv"))
	if len(rows) != 2 || rows[0]["seg"] != "1" || rows[1]["seg"] != "3" {
		t.Fatalf("rows %v", rows)
	}
	a, c := handPosteriors["a"], handPosteriors["c"]
	for j, col := range bbColumns[:7] {
		near(t, "1."+col, num(t, rows[0][col]), a[j], 1e-9)
		near(t, "3."+col, num(t, rows[1][col]), c[j], 1e-9)
	}
	near(t, "3.prob_above_rate", num(t, rows[1]["prob_above_rate"]), c[8], 1e-9)
	// P(Beta(2,1) > Beta(1,4)) = 1 - ∫ F_a dF_c = 1 - ∫ x²·4(1-x)³ dx = 1 - 4·B(3,4) = 1 - 4/60.
	near(t, "1.prob_beats_baseline", num(t, rows[0]["prob_beats_baseline"]), 1-4.0/60, 1e-9)
	near(t, "3.prob_beats_baseline", num(t, rows[1]["prob_beats_baseline"]), 0.5, 1e-9)
	if res.metrics["bb"]["rows_skipped"] != 1.0 {
		t.Errorf("metrics %v", res.metrics["bb"])
	}
}

func TestBetaBinomialPriors(t *testing.T) {
	p := writeFile(t, "k.csv", "seg,k,n\na,2,20\nb,9,30\nc,1,25\nd,14,40\ne,5,10\n")
	// Stated Beta(2, 3): a's posterior is Beta(4, 21), mean 4/25.
	res := run(t, fmt.Sprintf("version: 1\nname: t\nsteps:\n  - {id: in, type: io.read, path: %q}\n  - {id: bb, type: bayes.beta_binomial, input: in, segment: seg, successes: k, trials: n, prior: stated, a: 2, b: 3}\n  - {id: out, type: io.write, input: bb, path: o.csv}\n", p))
	if res.err != nil {
		t.Fatal(res.err)
	}
	r := readCSV(t, filepath.Join(res.out, "o.csv"))[0]
	near(t, "posterior_a", num(t, r["posterior_a"]), 4, 0)
	near(t, "posterior_b", num(t, r["posterior_b"]), 21, 0)
	near(t, "mean", num(t, r["mean"]), 4.0/25, 1e-12)

	// Empirical Bayes: the step passes the counts to betabin.FitPrior (tested
	// against scipy in package betabin) and uses its prior.
	res = run(t, fmt.Sprintf("version: 1\nname: t\nsteps:\n  - {id: in, type: io.read, path: %q}\n  - {id: bb, type: bayes.beta_binomial, input: in, segment: seg, successes: k, trials: n, prior: empirical}\n  - {id: out, type: io.write, input: bb, path: o.csv}\n", p))
	if res.err != nil {
		t.Fatal(res.err)
	}
	fit, err := betabin.FitPrior([]float64{2, 9, 1, 14, 5}, []float64{20, 30, 25, 40, 10})
	if err != nil {
		t.Fatal(err)
	}
	m := res.metrics["bb"]
	near(t, "prior_a", m["prior_a"], fit.Prior.A, 1e-12)
	near(t, "prior_b", m["prior_b"], fit.Prior.B, 1e-12)
	r = readCSV(t, filepath.Join(res.out, "o.csv"))[0]
	near(t, "empirical posterior_a", num(t, r["posterior_a"]), fit.Prior.A+2, 1e-9)
}

func TestBetaBinomialErrors(t *testing.T) {
	p := writeFile(t, "k.csv", "seg,k,n,ok\na,2,1,2\nb,1,3,1\nc,5,4,0\n")
	cases := []struct {
		name, cfg string
		want      []string
	}{
		{"successes over trials", "successes: k, trials: n", []string{"2 rows", "successes greater than trials", "rows 1, 3"}},
		{"outcome not binary", "outcome: ok", []string{"outcome other than 0 or 1", "(row 1)"}},
		{"unknown baseline", "successes: k, trials: k, baseline: bb", []string{`baseline segment "bb" not found`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := run(t, fmt.Sprintf("version: 1\nname: t\nsteps:\n  - {id: in, type: io.read, path: %q}\n  - {id: bb, type: bayes.beta_binomial, input: in, segment: seg, %s}\n  - {id: out, type: io.write, input: bb, path: o.csv}\n", p, c.cfg))
			wantErr(t, res, "bb", c.want...)
		})
	}
	got := plan(t, fmt.Sprintf("version: 1\nname: t\nsteps:\n  - {id: in, type: io.read, path: %q}\n  - {id: bb, type: bayes.beta_binomial, input: in, segment: seg, successes: k, outcome: ok, prior: stated, level: 1}\n", p))
	for _, want := range []string{"not both", "a stated prior needs", "level 1 must be strictly between"} {
		if !contains(got, want) {
			t.Errorf("diagnostics %q do not mention %q", got, want)
		}
	}
}
