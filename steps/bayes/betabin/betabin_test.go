package betabin

import (
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"
)

// reference mirrors testdata/reference.json, written by
// testdata/gen_reference.py with scipy 1.10 (scipy.stats.beta,
// scipy.integrate.quad, scipy.stats.betabinom + scipy.optimize).
type reference struct {
	Posteriors []struct {
		Label     string     `json:"label"`
		Prior     [2]float64 `json:"prior"`
		Successes float64    `json:"successes"`
		Trials    float64    `json:"trials"`
		Level     float64    `json:"level"`
		Rate      float64    `json:"rate"`
		Mean      float64    `json:"mean"`
		Lo        float64    `json:"lo"`
		Hi        float64    `json:"hi"`
		ProbAbove float64    `json:"prob_above"`
	} `json:"posteriors"`
	ProbGreater []struct {
		Label     string     `json:"label"`
		A         [2]float64 `json:"a"`
		B         [2]float64 `json:"b"`
		Value     float64    `json:"value"`
		QuadError float64    `json:"quad_error"`
		Mpmath    *float64   `json:"mpmath_value"`
	} `json:"prob_greater"`
	GammaDiffs []struct {
		X           float64 `json:"x"`
		H           float64 `json:"h"`
		LgammaDiff  float64 `json:"lgamma_diff"`
		DigammaDiff float64 `json:"digamma_diff"`
	} `json:"gamma_diffs"`
	EmpiricalBayes struct {
		Successes []float64 `json:"successes"`
		Trials    []float64 `json:"trials"`
		A         float64   `json:"a"`
		B         float64   `json:"b"`
		LogLik    float64   `json:"loglik"`
	} `json:"empirical_bayes"`
}

func loadReference(t *testing.T) reference {
	t.Helper()
	b, err := os.ReadFile("testdata/reference.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref reference
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	return ref
}

func checkRel(t *testing.T, what string, got, want, rel float64) {
	t.Helper()
	if !(math.Abs(got-want) <= rel*math.Abs(want)) {
		t.Errorf("%s = %.12g, want %.12g (rel tol %g)", what, got, want, rel)
	}
}

func checkAbs(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if !(math.Abs(got-want) <= tol) {
		t.Errorf("%s = %.12g, want %.12g ± %g", what, got, want, tol)
	}
}

func TestPosteriorsAgainstScipy(t *testing.T) {
	for _, c := range loadReference(t).Posteriors {
		t.Run(c.Label, func(t *testing.T) {
			post, err := Beta{A: c.Prior[0], B: c.Prior[1]}.Update(c.Successes, c.Trials)
			if err != nil {
				t.Fatal(err)
			}
			checkRel(t, "mean", post.Mean(), c.Mean, 1e-14)
			lo, hi := post.Interval(c.Level)
			checkRel(t, "lower bound", lo, c.Lo, 1e-9)
			checkRel(t, "upper bound", hi, c.Hi, 1e-9)
			checkRel(t, "P(p > rate)", post.ProbAbove(c.Rate), c.ProbAbove, 1e-10)
		})
	}
}

func TestProbGreaterAgainstScipy(t *testing.T) {
	for _, c := range loadReference(t).ProbGreater {
		t.Run(c.Label, func(t *testing.T) {
			a, b := Beta{A: c.A[0], B: c.A[1]}, Beta{A: c.B[0], B: c.B[1]}
			got, method := ProbGreaterMethod(a, b)
			t.Logf("%s: %.15g (%s), scipy %.15g ± %.1g", c.Label, got, method, c.Value, c.QuadError)
			tol := 1e-10 + 10*c.QuadError
			checkAbs(t, "P(p_A > p_B) vs scipy", got, c.Value, tol)
			if c.Mpmath != nil {
				// mpmath.quad at 40 digits: relative agreement, also for
				// the tiny tail probability that scipy resolves only to
				// its absolute tolerance.
				checkRel(t, "P(p_A > p_B) vs mpmath", got, *c.Mpmath, 1e-11)
			}
			wantMethod := Numeric
			if c.A[0] == math.Trunc(c.A[0]) || c.A[1] == math.Trunc(c.A[1]) ||
				c.B[0] == math.Trunc(c.B[0]) || c.B[1] == math.Trunc(c.B[1]) {
				wantMethod = Exact
			}
			if method != wantMethod {
				t.Errorf("method %s, want %s", method, wantMethod)
			}
			// The numeric path agrees with scipy on the integer cases too.
			checkAbs(t, "numeric P(p_A > p_B)", probGreaterNumeric(a, b), c.Value, 1e-9+10*c.QuadError)
		})
	}
}

// TestProbGreaterMonteCarlo compares with 400,000 paired draws (fixed PCG
// seed): within 4 standard errors of the simulated proportion.
func TestProbGreaterMonteCarlo(t *testing.T) {
	src := rand.NewPCG(1, 2)
	const n = 400_000
	for _, c := range []struct{ a, b Beta }{
		{Beta{A: 13, B: 40}, Beta{A: 9, B: 44}},          // exact path
		{Beta{A: 13.4, B: 40.2}, Beta{A: 9.7, B: 44.1}},  // numeric path
		{Beta{A: 0.7, B: 0.4}, Beta{A: 2.2, B: 1.3}},     // U-shaped vs skewed
		{Beta{A: 300.5, B: 700.5}, Beta{A: 0.5, B: 1.5}}, // narrow vs wide
	} {
		da := distuv.Beta{Alpha: c.a.A, Beta: c.a.B, Src: src}
		db := distuv.Beta{Alpha: c.b.A, Beta: c.b.B, Src: src}
		var wins float64
		for range n {
			if da.Rand() > db.Rand() {
				wins++
			}
		}
		mc := wins / n
		se := math.Sqrt(mc * (1 - mc) / n)
		got := ProbGreater(c.a, c.b)
		if math.Abs(got-mc) > 4*se {
			t.Errorf("P(%v > %v) = %.5f, Monte Carlo %.5f ± %.5f", c.a, c.b, got, mc, se)
		}
	}
}

// TestProbGreaterIdentities checks symmetry: P(A > B) + P(B > A) = 1, and
// P(A > A) = 1/2, on exact and numeric paths.
func TestProbGreaterIdentities(t *testing.T) {
	for _, c := range []struct{ a, b Beta }{
		{Beta{A: 7, B: 3}, Beta{A: 5, B: 5}},
		{Beta{A: 7.5, B: 3.1}, Beta{A: 5.2, B: 5.9}},
	} {
		checkAbs(t, "P(A>B)+P(B>A)", ProbGreater(c.a, c.b)+ProbGreater(c.b, c.a), 1, 1e-11)
		checkAbs(t, "P(A>A)", ProbGreater(c.a, c.a), 0.5, 1e-11)
	}
	if !math.IsNaN(ProbGreater(Beta{}, Uniform())) {
		t.Error("invalid Beta accepted")
	}
}

// TestGammaDiffs checks the cancellation-free log-gamma and digamma
// differences against mpmath (testdata/reference.json, 50 digits).
func TestGammaDiffs(t *testing.T) {
	for _, c := range loadReference(t).GammaDiffs {
		checkRel(t, "lgammaDiff", lgammaDiff(c.X, c.H), c.LgammaDiff, 1e-13)
		checkRel(t, "digammaDiff", digammaDiff(c.X, c.H), c.DigammaDiff, 1e-11) // gonum Digamma below x = 10
	}
}

func TestFitPriorAgainstScipy(t *testing.T) {
	ref := loadReference(t).EmpiricalBayes
	fit, err := FitPrior(ref.Successes, ref.Trials)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("fit %+v", fit)
	checkRel(t, "a", fit.Prior.A, ref.A, 1e-6)
	checkRel(t, "b", fit.Prior.B, ref.B, 1e-6)
	checkRel(t, "loglik", fit.LogLik, ref.LogLik, 1e-11)
	if fit.Segments != len(ref.Trials) || fit.GradNorm > 1e-6 {
		t.Errorf("fit report %+v", fit)
	}
	// Segments without trials carry no information.
	k := append([]float64{0}, ref.Successes...)
	n := append([]float64{0}, ref.Trials...)
	fit2, err := FitPrior(k, n)
	if err != nil || fit2.Segments != len(ref.Trials) {
		t.Fatalf("with an empty segment: %+v, %v", fit2, err)
	}
	checkRel(t, "a with empty segment", fit2.Prior.A, ref.A, 1e-6)
}

func TestFitPriorNoOverdispersion(t *testing.T) {
	// Identical observed rates: the marginal likelihood peaks at a+b → ∞.
	_, err := FitPrior([]float64{10, 20, 30}, []float64{100, 200, 300})
	if !errors.Is(err, ErrNoOverdispersion) {
		t.Errorf("error %v, want ErrNoOverdispersion", err)
	}
	_, err = FitPrior([]float64{0, 0}, []float64{10, 20})
	if !errors.Is(err, ErrInvalidInput) {
		t.Errorf("all failures: error %v", err)
	}
	_, err = FitPrior([]float64{1}, []float64{10})
	if !errors.Is(err, ErrInvalidInput) {
		t.Errorf("one segment: error %v", err)
	}
}

func TestAnalyze(t *testing.T) {
	ref := loadReference(t)
	rate := 0.08
	res, err := Analyze(ref.EmpiricalBayes.Successes, ref.EmpiricalBayes.Trials,
		Options{Empirical: true, Level: 0.9, Baseline: 2, Rate: &rate})
	if err != nil {
		t.Fatal(err)
	}
	checkRel(t, "empirical prior a", res.Prior.A, ref.EmpiricalBayes.A, 1e-6)
	for i, s := range res.Segments {
		want := Beta{A: res.Prior.A + s.Successes, B: res.Prior.B + s.Trials - s.Successes}
		if s.Posterior != want || s.Mean != want.Mean() {
			t.Errorf("segment %d posterior %+v, want %+v", i, s.Posterior, want)
		}
		if lo, hi := want.Interval(0.9); s.Lo != lo || s.Hi != hi {
			t.Errorf("segment %d interval", i)
		}
		if s.ProbBeatsBaseline != ProbGreater(want, res.Segments[2].Posterior) || s.ProbAboveRate != want.ProbAbove(rate) {
			t.Errorf("segment %d comparisons", i)
		}
	}
	checkAbs(t, "baseline vs itself", res.Segments[2].ProbBeatsBaseline, 0.5, 1e-9)

	// Defaults: uniform prior, 95% level.
	res, err = Analyze([]float64{3}, []float64{10}, Options{Baseline: NoBaseline})
	if err != nil {
		t.Fatal(err)
	}
	if res.Prior != Uniform() || res.Level != 0.95 || res.Segments[0].Posterior != (Beta{A: 4, B: 8}) ||
		!math.IsNaN(res.Segments[0].ProbBeatsBaseline) || !math.IsNaN(res.Segments[0].ProbAboveRate) {
		t.Errorf("defaults: %+v", res)
	}
	res, err = Analyze([]float64{3}, []float64{10}, Options{Prior: Beta{A: 2, B: 5}})
	if err != nil || res.Segments[0].Posterior != (Beta{A: 5, B: 12}) {
		t.Errorf("stated prior: %+v, %v", res, err)
	}
}

func TestAnalyzeErrors(t *testing.T) {
	nan := math.NaN()
	bad := 1.5
	cases := []struct {
		name string
		k, n []float64
		opt  Options
		want string
	}{
		{"lengths", []float64{1}, []float64{1, 2}, Options{}, "1 successes for 2 trials"},
		{"empty", nil, nil, Options{}, "no segments"},
		{"nan", []float64{1, nan, 2, nan}, []float64{3, 3, 3, 3}, Options{}, "2 segments with NaN or infinite counts (first at segment 1)"},
		{"negative", []float64{1, -1}, []float64{3, 3}, Options{}, "1 segment with negative counts (first at segment 1)"},
		{"too many successes", []float64{4, 1}, []float64{3, 3}, Options{}, "1 segment with successes > trials (first at segment 0)"},
		{"level", []float64{1}, []float64{3}, Options{Level: 1}, "credible level 1 not in (0, 1)"},
		{"baseline", []float64{1}, []float64{3}, Options{Baseline: 4}, "baseline segment 4 out of range"},
		{"rate", []float64{1}, []float64{3}, Options{Rate: &bad}, "baseline rate 1.5 not in [0, 1]"},
		{"prior", []float64{1}, []float64{3}, Options{Prior: Beta{A: -1, B: 1}}, "must be finite and positive"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Analyze(c.k, c.n, c.opt)
			if !errors.Is(err, ErrInvalidInput) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want %q", err, c.want)
			}
		})
	}
}

func BenchmarkProbGreaterExact(b *testing.B) {
	x, y := Beta{A: 1201, B: 30001}, Beta{A: 1151, B: 30101}
	for b.Loop() {
		ProbGreater(x, y)
	}
}

func BenchmarkProbGreaterNumeric(b *testing.B) {
	x, y := Beta{A: 1200.5, B: 30000.25}, Beta{A: 1150.75, B: 30100.5}
	for b.Loop() {
		ProbGreater(x, y)
	}
}

func BenchmarkFitPrior(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	k, n := make([]float64, 1000), make([]float64, 1000)
	for i := range n {
		n[i] = float64(100 + r.IntN(1000))
		p := distuv.Beta{Alpha: 5, Beta: 45, Src: r}.Rand()
		k[i] = math.Round(p * n[i])
	}
	for b.Loop() {
		if _, err := FitPrior(k, n); err != nil {
			b.Fatal(err)
		}
	}
}
