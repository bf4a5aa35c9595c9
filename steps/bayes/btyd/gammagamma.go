package btyd

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/mathext"
)

// GGParams holds the parameters of the Gamma-Gamma spend model: each
// transaction value of a customer is Gamma(shape P, rate nu), and the
// customer's nu is Gamma(shape Q, rate V) across customers. The prediction
// methods assume valid parameters (see [GGParams.Validate]).
type GGParams struct {
	// P is the shape of the per-transaction value distribution.
	P float64
	// Q is the shape of the distribution of nu across customers.
	Q float64
	// V is the rate of the distribution of nu, in currency units.
	V float64
}

// Validate returns an error unless all three parameters are finite and
// positive.
func (g GGParams) Validate() error {
	for _, v := range [...]float64{g.P, g.Q, g.V} {
		if !(v > 0) || math.IsInf(v, 1) {
			return fmt.Errorf("validate gamma-gamma params: p=%g q=%g v=%g: %w", g.P, g.Q, g.V, ErrInvalidParams)
		}
	}
	return nil
}

// LogLik returns the log-likelihood of a customer's mean repeat value zbar
// over x > 0 transactions (Hardie's note 025, including the
// Jacobian of the mean as lifetimes does).
func (g GGParams) LogLik(x, zbar float64) float64 {
	p, q, v := g.P, g.Q, g.V
	px := p * x
	return lgamma(px+q) - lgamma(px) - lgamma(q) + q*math.Log(v) +
		(px-1)*math.Log(zbar) + px*math.Log(x) - (px+q)*math.Log(x*zbar+v)
}

// MeanSpend returns the population mean transaction value p·v/(q-1); it is
// +Inf when q <= 1.
func (g GGParams) MeanSpend() float64 {
	if g.Q <= 1 {
		return math.Inf(1)
	}
	return g.P * g.V / (g.Q - 1)
}

// ConditionalExpectedSpend returns E[Z | x, zbar], the expected mean
// transaction value of a customer with x repeat transactions of mean value
// zbar: p(v + x·zbar)/(p·x + q - 1), a weighted average of the population
// mean and zbar (FHL 2005 JMR; Hardie's note 025). With x = 0 it is the
// population mean. It is +Inf when q <= 1 and x = 0.
func (g GGParams) ConditionalExpectedSpend(x, zbar float64) float64 {
	if x == 0 {
		return g.MeanSpend()
	}
	return g.P * (g.V + x*zbar) / (g.P*x + g.Q - 1)
}

// GGOptions configures [FitGG]. The zero value is a plain maximum-likelihood
// fit from an automatic start.
type GGOptions struct {
	// Penalizer is the L2 coefficient c of lifetimes' GammaGammaFitter: the
	// objective is the mean negative log-likelihood plus c·(p² + q² + v²).
	Penalizer float64
	// Init is the starting point; the zero value starts from p = 1, q = 2 and
	// v = the mean zbar (so that the implied mean spend equals it).
	Init GGParams
	// MaxIterations bounds the BFGS iterations (default 1000).
	MaxIterations int
	// GradTol is the convergence threshold on the infinity norm of the
	// gradient of the objective with respect to the log-parameters
	// (default 1e-8).
	GradTol float64
}

// GGFit is the result of [FitGG].
type GGFit struct {
	// Params are the maximum-likelihood (or penalised) estimates.
	Params GGParams
	// StdErr holds standard errors of the natural parameters (NaN when the
	// Hessian is not positive definite).
	StdErr GGParams
	// Cov is the 3×3 covariance matrix in the order p, q, v, or nil.
	Cov *mat.SymDense
	// LogLik is the total weighted log-likelihood at Params without penalty.
	LogLik float64
	// Customers is the total weight of the customers with x > 0 used.
	Customers float64
	// Corr is the weighted Pearson correlation between x and zbar over the
	// customers used. The model assumes spend is independent of frequency, so
	// it should be close to zero (lifetimes' Quickstart reports 0.11 on CDNOW
	// and proceeds).
	Corr float64
	// Conv describes the optimisation.
	Conv Convergence
}

// FitGG fits the Gamma-Gamma spend model by maximum likelihood to customers'
// repeat-purchase counts x and mean repeat values zbar, using only the rows
// with x > 0 (the others carry no spend information). Weights, when not nil,
// count identical customers. Rows used must have finite zbar > 0.
func FitGG(x, zbar, weights []float64, opt GGOptions) (*GGFit, error) {
	const op = "fit gamma-gamma"
	d, err := newGGData(op, x, zbar, weights)
	if err != nil {
		return nil, err
	}
	init := opt.Init
	if init == (GGParams{}) {
		init = GGParams{P: 1, Q: 2, V: d.meanZ}
	}
	if err := init.Validate(); err != nil {
		return nil, fmt.Errorf("%s: initial parameters: %w", op, err)
	}
	pen := opt.Penalizer
	if !(pen >= 0) || math.IsInf(pen, 1) {
		return nil, fmt.Errorf("%s: penalizer %g must be finite and non-negative: %w", op, pen, ErrInvalidInput)
	}
	theta0 := []float64{math.Log(init.P), math.Log(init.Q), math.Log(init.V)}
	var terms [4]float64
	p := make([]float64, 3)
	obj := func(theta, grad []float64) float64 {
		if !expParams(theta, p) {
			clear(grad)
			return math.Inf(1)
		}
		d.eval(GGParams{P: p[0], Q: p[1], V: p[2]}, terms[:])
		f := -terms[0] / d.sumW
		for k := range 3 {
			f += pen * p[k] * p[k]
			grad[k] = p[k] * (-terms[k+1]/d.sumW + 2*pen*p[k])
		}
		return f
	}
	theta, conv, ok := minimize(obj, theta0, opt.MaxIterations, opt.GradTol)
	expParams(theta, p)
	if !ok {
		return nil, &ConvergenceError{Model: "gamma-gamma", Params: slices.Clone(p), Conv: conv, Hint: defaultConvHint}
	}
	est := GGParams{P: p[0], Q: p[1], V: p[2]}
	d.eval(est, terms[:])
	fit := &GGFit{Params: est, LogLik: terms[0], Customers: d.sumW, Corr: d.corr, Conv: conv}
	fit.Cov = covariance(p, func(q, g []float64) {
		var t [4]float64
		d.eval(GGParams{P: q[0], Q: q[1], V: q[2]}, t[:])
		for k := range 3 {
			g[k] = -t[k+1] + 2*pen*d.sumW*q[k]
		}
	})
	se := stdErrs(fit.Cov, 3)
	fit.StdErr = GGParams{P: se[0], Q: se[1], V: se[2]}
	return fit, nil
}

// ggData holds the rows with x > 0 sorted by x, grouped by distinct x.
type ggData struct {
	xs     []float64 // distinct x
	wx     []float64 // total weight per distinct x
	wlnz   []float64 // Σ w·ln zbar per distinct x
	grp    []int32
	xz     []float64 // x·zbar per row
	w      []float64
	sumW   float64
	meanZ  float64
	corr   float64
	lnX    []float64 // ln x per group
	px, pq []float64 // per-evaluation tables
}

func newGGData(op string, x, zbar, weights []float64) (*ggData, error) {
	n := len(x)
	if len(zbar) != n {
		return nil, fmt.Errorf("%s: column lengths differ (x %d, zbar %d): %w", op, n, len(zbar), ErrInvalidInput)
	}
	if weights != nil && len(weights) != n {
		return nil, fmt.Errorf("%s: %d weights for %d rows: %w", op, len(weights), n, ErrInvalidInput)
	}
	nan := &rowCheck{what: "NaN or infinite x or zbar"}
	neg := &rowCheck{what: "negative x"}
	zero := &rowCheck{what: "x > 0 but zbar <= 0"}
	badW := &rowCheck{what: "NaN, infinite or negative weight"}
	type row struct{ x, z, w float64 }
	rows := make([]row, 0, n)
	for i := range n {
		w := 1.0
		if weights != nil {
			w = weights[i]
			if !isFinite(w) || w < 0 {
				badW.hit(i)
				continue
			}
		}
		xi, zi := x[i], zbar[i]
		switch {
		case !isFinite(xi) || !isFinite(zi):
			nan.hit(i)
		case xi < 0:
			neg.hit(i)
		case xi > 0 && zi <= 0:
			zero.hit(i)
		case xi > 0 && w > 0:
			rows = append(rows, row{xi, zi, w})
		}
	}
	if err := joinChecks(op, nan, neg, zero, badW); err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("%s: no customers with x > 0: %w", op, ErrInvalidInput)
	}
	slices.SortStableFunc(rows, func(a, b row) int { return cmp.Compare(a.x, b.x) })
	d := &ggData{}
	var sx, sz float64
	for _, r := range rows {
		if len(d.xs) == 0 || d.xs[len(d.xs)-1] != r.x {
			d.xs = append(d.xs, r.x)
			d.wx = append(d.wx, 0)
			d.wlnz = append(d.wlnz, 0)
		}
		g := len(d.xs) - 1
		d.wx[g] += r.w
		d.wlnz[g] += r.w * math.Log(r.z)
		d.grp = append(d.grp, int32(g))
		d.xz = append(d.xz, r.x*r.z)
		d.w = append(d.w, r.w)
		d.sumW += r.w
		sx += r.w * r.x
		sz += r.w * r.z
	}
	mx, mz := sx/d.sumW, sz/d.sumW
	var cxx, czz, cxz float64
	for _, r := range rows {
		cxx += r.w * (r.x - mx) * (r.x - mx)
		czz += r.w * (r.z - mz) * (r.z - mz)
		cxz += r.w * (r.x - mx) * (r.z - mz)
	}
	d.meanZ = mz
	d.corr = cxz / math.Sqrt(cxx*czz)
	d.lnX = make([]float64, len(d.xs))
	for g, xv := range d.xs {
		d.lnX[g] = math.Log(xv)
	}
	d.px = make([]float64, len(d.xs))
	d.pq = make([]float64, len(d.xs))
	return d, nil
}

// eval writes the total weighted log-likelihood at g and its partial
// derivatives with respect to p, q and v into out.
func (d *ggData) eval(g GGParams, out []float64) {
	p, q, v := g.P, g.Q, g.V
	for k, x := range d.xs {
		d.px[k] = p * x
		d.pq[k] = p*x + q
	}
	// Per row: -(px+q) ln(x·zbar + v) and its derivatives.
	var acc [4]float64
	sumChunks(len(d.w), 4, func(lo, hi int, acc []float64) {
		grp, xz, w := d.grp[lo:hi], d.xz[lo:hi], d.w[lo:hi]
		xz, w = xz[:len(grp)], w[:len(grp)]
		var ll, dpx, dq, dv float64
		for i, k := range grp {
			s := xz[i] + v
			ls := math.Log(s)
			ll -= w[i] * d.pq[k] * ls
			dpx -= w[i] * d.xs[k] * ls
			dq -= w[i] * ls
			dv -= w[i] * d.pq[k] / s
		}
		acc[0] += ll
		acc[1] += dpx
		acc[2] += dq
		acc[3] += dv
	}, acc[:])
	ll, dp, dq, dv := acc[0], acc[1], acc[2], acc[3]
	lnV, lgQ, psiQ := math.Log(v), lgamma(q), mathext.Digamma(q)
	for k, x := range d.xs {
		wx := d.wx[k]
		px, pq := d.px[k], d.pq[k]
		psiPQ, psiPX := mathext.Digamma(pq), mathext.Digamma(px)
		ll += wx*(lgamma(pq)-lgamma(px)-lgQ+q*lnV+px*d.lnX[k]) + (px-1)*d.wlnz[k]
		dp += x * (wx*(psiPQ-psiPX+d.lnX[k]) + d.wlnz[k])
		dq += wx * (psiPQ - psiQ + lnV)
		dv += wx * q / v
	}
	out[0], out[1], out[2], out[3] = ll, dp, dq, dv
}
