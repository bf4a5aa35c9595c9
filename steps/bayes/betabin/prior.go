package betabin

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mathext"
	"gonum.org/v1/gonum/optimize"
)

// ErrNoOverdispersion is returned by [FitPrior] when the segments' rates vary
// no more than binomial noise explains: the marginal likelihood then grows
// without bound as a+b → ∞ and there is no finite empirical-Bayes prior.
var ErrNoOverdispersion = errors.New("rates show no spread beyond binomial noise, so the empirical-Bayes prior is degenerate (a+b → ∞); use a stated prior")

// PriorFit is the result of [FitPrior].
type PriorFit struct {
	// Prior is the fitted Beta(a, b).
	Prior Beta
	// LogLik is the beta-binomial log marginal likelihood at Prior,
	// binomial coefficients included (Σ log betabinom.pmf in scipy terms).
	LogLik float64
	// Segments is the number of segments with trials > 0 used in the fit.
	Segments int
	// Iterations is the number of BFGS iterations.
	Iterations int
	// GradNorm is the infinity norm of the gradient of the mean negative
	// log-likelihood with respect to ln a and ln b at Prior.
	GradNorm float64
	// Status is gonum's optimize status.
	Status string
}

// FitPrior fits a Beta(a, b) prior to per-segment successes and trials by
// maximising the beta-binomial marginal likelihood
//
//	Σ_i [ln C(n_i, k_i) + ln B(k_i + a, n_i - k_i + b) - ln B(a, b)]
//
// with gonum's BFGS on (ln a, ln b) and the analytic (digamma) gradient.
// Segments with no trials carry no information and are skipped; at least two
// segments with trials are needed. It returns an error wrapping
// [ErrNoOverdispersion] when the maximum is at a+b → ∞.
func FitPrior(successes, trials []float64) (*PriorFit, error) {
	const op = "fit beta prior"
	if err := validateCounts(op, successes, trials); err != nil {
		return nil, err
	}
	var k, n []float64
	for i := range trials {
		if trials[i] > 0 {
			k = append(k, successes[i])
			n = append(n, trials[i])
		}
	}
	if len(n) < 2 {
		return nil, fmt.Errorf("%s: %d segments with trials, need at least 2: %w", op, len(n), ErrInvalidInput)
	}
	var sk, sn, lconst float64
	for i := range n {
		sk += k[i]
		sn += n[i]
		lconst += lgamma(n[i]+1) - lgamma(k[i]+1) - lgamma(n[i]-k[i]+1)
	}
	m := sk / sn
	if m == 0 || m == 1 {
		return nil, fmt.Errorf("%s: all trials have the same outcome (pooled rate %g), so the prior cannot be estimated: %w", op, m, ErrInvalidInput)
	}
	// Binomial limit (a+b → ∞ with a/(a+b) = m).
	llBinom := lconst
	for i := range n {
		llBinom += k[i]*math.Log(m) + (n[i]-k[i])*math.Log1p(-m)
	}

	ns := float64(len(n))
	// ln B(k+a, n-k+b) - ln B(a, b) as three log-gamma differences, which
	// stay accurate when a+b is much larger than n (near the binomial limit).
	loglik := func(a, b float64, grad []float64) float64 {
		ll := lconst
		var da, db float64
		for i := range n {
			ll += lgammaDiff(a, k[i]) + lgammaDiff(b, n[i]-k[i]) - lgammaDiff(a+b, n[i])
			if grad != nil {
				dn := digammaDiff(a+b, n[i])
				da += digammaDiff(a, k[i]) - dn
				db += digammaDiff(b, n[i]-k[i]) - dn
			}
		}
		if grad != nil {
			grad[0], grad[1] = da, db
		}
		return ll
	}

	// Start from the method of moments on the observed rates when it gives
	// a usable a+b, else from a+b = 2.
	var s2 float64
	for i := range n {
		d := k[i]/n[i] - m
		s2 += d * d
	}
	s2 /= ns
	conc := 2.0
	if c := m*(1-m)/s2 - 1; s2 > 0 && c > 0 && isFinite(c) {
		conc = math.Min(math.Max(c, 0.1), 1e6)
	}
	theta0 := []float64{math.Log(m * conc), math.Log((1 - m) * conc)}

	var (
		lastX []float64
		lastF float64
		lastG = make([]float64, 2)
		g     = make([]float64, 2)
	)
	eval := func(x []float64) {
		if lastX != nil && slices.Equal(lastX, x) {
			return
		}
		lastX = append(lastX[:0], x...)
		if !(math.Abs(x[0]) <= 60 && math.Abs(x[1]) <= 60) {
			lastF = math.Inf(1)
			clear(lastG)
			return
		}
		a, b := math.Exp(x[0]), math.Exp(x[1])
		lastF = -loglik(a, b, g) / ns
		lastG[0], lastG[1] = -a*g[0]/ns, -b*g[1]/ns
	}
	prob := optimize.Problem{
		Func: func(x []float64) float64 { eval(x); return lastF },
		Grad: func(grad, x []float64) { eval(x); copy(grad, lastG) },
	}
	settings := &optimize.Settings{
		GradientThreshold: 1e-8,
		MajorIterations:   1000,
		Converger:         &optimize.FunctionConverge{Absolute: 1e-15, Relative: 1e-15, Iterations: 20},
	}
	// Minimize's error restates a failure status; the checks below decide.
	res, _ := optimize.Minimize(prob, theta0, settings, &optimize.BFGS{})
	x, status, iters := theta0, optimize.NotTerminated, 0
	if res != nil {
		x, status, iters = res.X, res.Status, res.Stats.MajorIterations
	}
	eval(x)
	a, b := math.Exp(x[0]), math.Exp(x[1])
	fit := &PriorFit{Prior: Beta{A: a, B: b}, Segments: len(n), Iterations: iters,
		GradNorm: floats.Norm(lastG, math.Inf(1)), Status: status.String()}
	fit.LogLik = loglik(a, b, nil)
	if fit.LogLik <= llBinom+1e-9*math.Abs(llBinom) {
		return nil, fmt.Errorf("%s: a=%.4g b=%.4g: %w", op, a, b, ErrNoOverdispersion)
	}
	if !(fit.GradNorm <= 1e-6) || status == optimize.IterationLimit {
		return nil, fmt.Errorf("%s: no convergence after %d iterations (status %s, gradient norm %.3g) at a=%.6g b=%.6g: try a stated prior", op, iters, fit.Status, fit.GradNorm, a, b)
	}
	return fit, nil
}

func lgamma(x float64) float64 {
	v, _ := math.Lgamma(x)
	return v
}

// Stirling-series coefficients B_2k/(2k(2k-1)) of ln Γ and B_2k/(2k) of ψ.
var (
	lgammaCoef  = [...]float64{1.0 / 12, -1.0 / 360, 1.0 / 1260, -1.0 / 1680, 1.0 / 1188, -691.0 / 360360, 1.0 / 156}
	digammaCoef = [...]float64{1.0 / 12, -1.0 / 120, 1.0 / 252, -1.0 / 240, 1.0 / 132, -691.0 / 32760, 1.0 / 12}
)

// stirlingMin is where the asymptotic series is accurate to double
// precision with the coefficients above.
const stirlingMin = 10

// lgammaDiff returns ln Γ(x+h) - ln Γ(x) for x > 0, h >= 0 without the
// cancellation of subtracting two large log-gammas: for x >= 10 it is
// h ln x + (x+h-1/2) ln(1+h/x) - h plus the difference of the Stirling
// corrections.
func lgammaDiff(x, h float64) float64 {
	if h == 0 {
		return 0
	}
	if x < stirlingMin {
		return lgamma(x+h) - lgamma(x)
	}
	y := x + h
	d := h*math.Log(x) + (y-0.5)*math.Log1p(h/x) - h
	ix, iy := 1/x, 1/y
	px, py := ix, iy // x^-(2k-1), y^-(2k-1)
	ix2, iy2 := ix*ix, iy*iy
	for _, c := range lgammaCoef {
		d += c * (py - px)
		px *= ix2
		py *= iy2
	}
	return d
}

// digammaDiff returns ψ(x+h) - ψ(x) for x > 0, h >= 0, with the
// asymptotic series for x >= 10 as in lgammaDiff.
func digammaDiff(x, h float64) float64 {
	if h == 0 {
		return 0
	}
	if x < stirlingMin {
		return mathext.Digamma(x+h) - mathext.Digamma(x)
	}
	y := x + h
	ix, iy := 1/x, 1/y
	d := math.Log1p(h/x) - 0.5*(iy-ix)
	ix2, iy2 := ix*ix, iy*iy
	px, py := ix2, iy2 // x^-2k
	for _, c := range digammaCoef {
		d -= c * (py - px)
		px *= ix2
		py *= iy2
	}
	return d
}
