package btyd

import (
	"errors"
	"math"
	"runtime"
	"slices"
	"strings"
	"testing"
)

func TestFitBGErrors(t *testing.T) {
	nan := math.NaN()
	cases := []struct {
		name     string
		x, tx, T []float64
		w        []float64
		want     []string
	}{
		{"nan", []float64{1, 0, nan, 2, 0}, []float64{1, 0, 1, math.Inf(1), 0}, []float64{2, 2, 2, 2, 2}, nil,
			[]string{"2 rows with NaN or infinite x, tx or T (first at row 2)"}},
		{"negative", []float64{1, -1, 0}, []float64{1, 0, 0}, []float64{2, 2, -3}, nil,
			[]string{"2 rows with negative x, tx or T (first at row 1)"}},
		{"fractional x", []float64{1, 1.5}, []float64{1, 1}, []float64{2, 2}, nil,
			[]string{"1 row with non-integer x (first at row 1)"}},
		{"x zero with recency", []float64{1, 0, 0}, []float64{1, 0, 0.5}, []float64{2, 2, 2}, nil,
			[]string{"1 row with x == 0 but tx > 0 (first at row 2)"}},
		{"recency after age", []float64{1, 2, 3}, []float64{1, 3, 5}, []float64{2, 2, 4}, nil,
			[]string{"2 rows with tx > T (first at row 1)"}},
		{"several problems at once", []float64{1, 2, nan}, []float64{1, 3, 0}, []float64{2, 2, 2}, nil,
			[]string{"1 row with NaN", "1 row with tx > T (first at row 1)"}},
		{"all zero frequencies", []float64{0, 0}, []float64{0, 0}, []float64{2, 3}, nil,
			[]string{"all frequencies are zero"}},
		{"lengths", []float64{1, 0}, []float64{1}, []float64{2, 2}, nil, []string{"column lengths differ"}},
		{"weights", []float64{1, 0}, []float64{1, 0}, []float64{2, 2}, []float64{1, -2}, []string{"1 row with NaN, infinite or negative weight (first at row 1)"}},
		{"empty", nil, nil, nil, nil, []string{"no rows"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := FitBG(c.x, c.tx, c.T, c.w, BGOptions{})
			if !errors.Is(err, ErrInvalidInput) {
				t.Fatalf("error %v does not wrap ErrInvalidInput", err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestFitGGErrors(t *testing.T) {
	_, err := FitGG([]float64{1, 2, 0, 3}, []float64{5, 0, 0, -1}, nil, GGOptions{})
	if !errors.Is(err, ErrInvalidInput) || !strings.Contains(err.Error(), "2 rows with x > 0 but zbar <= 0 (first at row 1)") {
		t.Errorf("error %v", err)
	}
	_, err = FitGG([]float64{0, 0}, []float64{0, 0}, nil, GGOptions{})
	if !errors.Is(err, ErrInvalidInput) || !strings.Contains(err.Error(), "no customers with x > 0") {
		t.Errorf("error %v", err)
	}
}

func TestFitConvergenceError(t *testing.T) {
	x, tx, T := cdnowSummary(t)
	_, err := FitBG(x, tx, T, nil, BGOptions{MaxIterations: 2})
	var ce *ConvergenceError
	if !errors.As(err, &ce) {
		t.Fatalf("error %v is not a *ConvergenceError", err)
	}
	if ce.Model != "bgnbd" || len(ce.Params) != 4 || ce.Hint == "" || ce.Conv.Status != "IterationLimit" {
		t.Errorf("convergence error %+v", ce)
	}
	if !strings.Contains(err.Error(), "fit bgnbd: no convergence after 2 iterations") {
		t.Errorf("message %q", err)
	}
	// Restarting from the last parameters finishes the job.
	fit, err := FitBG(x, tx, T, nil, BGOptions{Init: BGParams{R: ce.Params[0], Alpha: ce.Params[1], A: ce.Params[2], B: ce.Params[3]}})
	if err != nil {
		t.Fatal(err)
	}
	checkAbs(t, "restarted r", fit.Params.R, lifetimesParams.R, 2e-6)
}

// TestFitBGStartInsensitive fits CDNOW from starts far from the optimum,
// including the CDNOW data in days (alpha 7 times larger).
func TestFitBGStartInsensitive(t *testing.T) {
	x, tx, T := cdnowSummary(t)
	for _, init := range []BGParams{{R: 10, Alpha: 0.1, A: 5, B: 0.05}, {R: 0.01, Alpha: 300, A: 0.05, B: 40}} {
		fit, err := FitBG(x, tx, T, nil, BGOptions{Init: init})
		if err != nil {
			t.Fatalf("init %+v: %v", init, err)
		}
		checkAbs(t, "r", fit.Params.R, lifetimesParams.R, 2e-6)
		checkAbs(t, "b", fit.Params.B, lifetimesParams.B, 2e-6)
	}
	days := func(v []float64) []float64 {
		out := make([]float64, len(v))
		for i := range v {
			out[i] = 7 * v[i]
		}
		return out
	}
	fit, err := FitBG(x, days(tx), days(T), nil, BGOptions{})
	if err != nil {
		t.Fatal(err)
	}
	checkRel(t, "alpha in days", fit.Params.Alpha, 7*lifetimesParams.Alpha, 1e-5)
	checkRel(t, "a in days", fit.Params.A, lifetimesParams.A, 1e-5)
}

// simulated draws the customer base used by the recovery tests.
func simulated(t testing.TB, n int, seed uint64) (*Sim, BGParams, GGParams) {
	bg := BGParams{R: 0.25, Alpha: 4, A: 0.8, B: 2.5} // close to the CDNOW estimate
	gg := GGParams{P: 6, Q: 4, V: 15}                 // close to the CDNOW spend estimate
	s, err := Simulate(SimConfig{Customers: n, BG: bg, GG: &gg, MaxAge: 52, Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	return s, bg, gg
}

// TestParameterRecovery fits the models to customers simulated from known
// parameters: every estimate is within 2 standard errors of the truth. The
// seed is fixed (and was not tuned): with ~95% coverage per parameter a
// different seed fails this check about a third of the time, which is why it
// is fixed.
func TestParameterRecovery(t *testing.T) {
	n := 50_000
	if testing.Short() {
		n = 10_000
	}
	s, bg, gg := simulated(t, n, 20260101)
	sum := s.Summary()
	fit, err := FitBG(sum.X, sum.Tx, sum.T, nil, BGOptions{})
	if err != nil {
		t.Fatal(err)
	}
	est, se := fit.Params, fit.StdErr
	for _, c := range []struct {
		name            string
		got, want, serr float64
	}{
		{"r", est.R, bg.R, se.R}, {"alpha", est.Alpha, bg.Alpha, se.Alpha}, {"a", est.A, bg.A, se.A}, {"b", est.B, bg.B, se.B},
	} {
		t.Logf("%s = %.4f ± %.4f (true %g, z = %.2f)", c.name, c.got, c.serr, c.want, (c.got-c.want)/c.serr)
		if math.Abs(c.got-c.want) > 2*c.serr {
			t.Errorf("%s = %g ± %g, true %g is more than 2 s.e. away", c.name, c.got, c.serr, c.want)
		}
	}
	gfit, err := FitGG(sum.X, sum.Zbar, nil, GGOptions{})
	if err != nil {
		t.Fatal(err)
	}
	g, gse := gfit.Params, gfit.StdErr
	for _, c := range []struct {
		name            string
		got, want, serr float64
	}{
		{"p", g.P, gg.P, gse.P}, {"q", g.Q, gg.Q, gse.Q}, {"v", g.V, gg.V, gse.V},
	} {
		t.Logf("%s = %.4f ± %.4f (true %g, z = %.2f)", c.name, c.got, c.serr, c.want, (c.got-c.want)/c.serr)
		if math.Abs(c.got-c.want) > 2*c.serr {
			t.Errorf("%s = %g ± %g, true %g is more than 2 s.e. away", c.name, c.got, c.serr, c.want)
		}
	}
	// Spend is independent of frequency in the generating model.
	if math.Abs(gfit.Corr) > 0.05 {
		t.Errorf("corr(x, zbar) = %g on independent data", gfit.Corr)
	}
}

func TestSimulateDeterministic(t *testing.T) {
	a, _, _ := simulated(t, 2000, 7)
	b, _, _ := simulated(t, 2000, 7)
	c, _, _ := simulated(t, 2000, 8)
	if !slices.Equal(a.Log.Times, b.Log.Times) || !slices.Equal(a.Log.Values, b.Log.Values) || !slices.Equal(a.T, b.T) {
		t.Error("same seed, different draws")
	}
	if slices.Equal(a.Log.Times, c.Log.Times) {
		t.Error("different seeds, same draws")
	}
	// Structure: first purchase at 0, times increasing and within the age.
	for i := range a.T {
		ts := a.Log.Times[a.Log.Start[i]:a.Log.Start[i+1]]
		if ts[0] != 0 || !slices.IsSorted(ts) || ts[len(ts)-1] > a.T[i] {
			t.Fatalf("customer %d: times %v, age %g", i, ts, a.T[i])
		}
	}
	ages := []float64{1, 2, 3}
	s, err := Simulate(SimConfig{Customers: 3, BG: btydParams, Ages: ages, Seed: 1})
	if err != nil || !slices.Equal(s.T, ages) || s.Log.Values != nil {
		t.Errorf("simulate with ages: %+v, %v", s, err)
	}
	if _, err := Simulate(SimConfig{Customers: 3, BG: btydParams, Ages: []float64{1, -1, math.NaN()}}); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("bad ages accepted: %v", err)
	}
}

// TestFitDeterministicAcrossWorkers fits a multi-chunk data set with 1 and
// with several workers and requires bit-identical results.
func TestFitDeterministicAcrossWorkers(t *testing.T) {
	s, _, _ := simulated(t, 40_000, 3)
	sum := s.Summary()
	fitWith := func(procs int) (*BGFit, *GGFit) {
		old := runtime.GOMAXPROCS(procs)
		defer runtime.GOMAXPROCS(old)
		bf, err := FitBG(sum.X, sum.Tx, sum.T, nil, BGOptions{})
		if err != nil {
			t.Fatal(err)
		}
		gf, err := FitGG(sum.X, sum.Zbar, nil, GGOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return bf, gf
	}
	b1, g1 := fitWith(1)
	b4, g4 := fitWith(4)
	if b1.Rows <= chunkRows {
		t.Fatalf("only %d rows: a single chunk does not test the reduction", b1.Rows)
	}
	if b1.Params != b4.Params || b1.LogLik != b4.LogLik || b1.StdErr != b4.StdErr {
		t.Errorf("BG/NBD fit depends on GOMAXPROCS: %+v vs %+v", b1.Params, b4.Params)
	}
	if g1.Params != g4.Params || g1.LogLik != g4.LogLik {
		t.Errorf("Gamma-Gamma fit depends on GOMAXPROCS: %+v vs %+v", g1.Params, g4.Params)
	}
}

// TestSimulateMatchesModel checks the generator against the model's own
// closed forms (themselves checked against mpmath): over customers of age 39
// the mean number of repeat purchases is E[X(39)] and the share with none is
// P(X(39) = 0), within 4 standard errors of the simulation mean.
func TestSimulateMatchesModel(t *testing.T) {
	n := 200_000
	if testing.Short() {
		n = 40_000
	}
	ages := make([]float64, n)
	for i := range ages {
		ages[i] = 39
	}
	s, err := Simulate(SimConfig{Customers: n, BG: btydParams, Ages: ages, Seed: 11})
	if err != nil {
		t.Fatal(err)
	}
	sum := s.Summary()
	var m, m2, zero float64
	for _, x := range sum.X {
		m += x
		m2 += x * x
		if x == 0 {
			zero++
		}
	}
	fn := float64(n)
	m, m2, zero = m/fn, m2/fn, zero/fn
	seMean := math.Sqrt((m2 - m*m) / fn)
	if want := btydParams.ExpectedPurchases(39); math.Abs(m-want) > 4*seMean {
		t.Errorf("mean x = %.4f ± %.4f, E[X(39)] = %.4f", m, seMean, want)
	}
	p0 := btydParams.ProbPurchases(39, 0)
	if seP := math.Sqrt(p0 * (1 - p0) / fn); math.Abs(zero-p0) > 4*seP {
		t.Errorf("share with x = 0 is %.4f, P(X(39)=0) = %.4f ± %.4f", zero, p0, seP)
	}
}
