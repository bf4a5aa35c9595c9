package btyd

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/mathext"
)

// BGOptions configures [FitBG]. The zero value is a plain maximum-likelihood
// fit from an automatic start.
type BGOptions struct {
	// Penalizer is the L2 coefficient c of lifetimes' BetaGeoFitter: the
	// objective is the mean negative log-likelihood per customer plus
	// c·(r² + α² + a² + b²). Zero disables the penalty.
	Penalizer float64
	// Init is the starting point; the zero value starts from r = a = b = 1 and
	// α = max(T)/10 (lifetimes' start after its time rescaling).
	Init BGParams
	// MaxIterations bounds the BFGS iterations (default 1000).
	MaxIterations int
	// GradTol is the convergence threshold on the infinity norm of the
	// gradient of the objective with respect to the log-parameters
	// (default 1e-8).
	GradTol float64
}

// BGFit is the result of [FitBG].
type BGFit struct {
	// Params are the maximum-likelihood (or penalised) estimates.
	Params BGParams
	// StdErr holds the standard errors of the natural parameters from the
	// inverse Hessian of the total penalised negative log-likelihood; NaN
	// when that Hessian is not positive definite.
	StdErr BGParams
	// Cov is the 4×4 covariance matrix in the order r, alpha, a, b; nil when
	// the Hessian is not positive definite.
	Cov *mat.SymDense
	// LogLik is the total weighted log-likelihood at Params, without the
	// penalty (BTYD's LL).
	LogLik float64
	// Customers is the total weight (number of customers).
	Customers float64
	// Rows is the number of distinct (x, tx, T) rows the likelihood was
	// summed over after merging identical rows.
	Rows int
	// Conv describes the optimisation.
	Conv Convergence
}

// FitBG fits the BG/NBD model by maximum likelihood to one row per customer:
// x repeat purchases, recency tx and age T (all in one time unit). Weights,
// when not nil, count identical customers (as lifetimes' weights); rows with
// weight 0 are ignored. Identical rows are merged before fitting.
//
// Invalid input (see [ErrInvalidInput]) names the first offending row and the
// number of such rows; a fit that does not converge returns a
// *[ConvergenceError].
func FitBG(x, tx, T, weights []float64, opt BGOptions) (*BGFit, error) {
	const op = "fit bgnbd"
	if err := validateSummary(op, x, tx, T, weights); err != nil {
		return nil, err
	}
	d := newBGData(x, tx, T, weights)
	init := opt.Init
	if init == (BGParams{}) {
		init = BGParams{R: 1, Alpha: math.Max(slices.Max(T)/10, 1e-3), A: 1, B: 1}
	}
	if err := init.Validate(); err != nil {
		return nil, fmt.Errorf("%s: initial parameters: %w", op, err)
	}
	pen := opt.Penalizer
	if !(pen >= 0) || math.IsInf(pen, 1) {
		return nil, fmt.Errorf("%s: penalizer %g must be finite and non-negative: %w", op, pen, ErrInvalidInput)
	}
	theta0 := []float64{math.Log(init.R), math.Log(init.Alpha), math.Log(init.A), math.Log(init.B)}
	var terms [5]float64
	p := make([]float64, 4)
	obj := func(theta, grad []float64) float64 {
		if !expParams(theta, p) {
			clear(grad)
			return math.Inf(1)
		}
		d.eval(BGParams{R: p[0], Alpha: p[1], A: p[2], B: p[3]}, terms[:])
		f := -terms[0] / d.sumW
		for k := range 4 {
			f += pen * p[k] * p[k]
			grad[k] = p[k] * (-terms[k+1]/d.sumW + 2*pen*p[k])
		}
		return f
	}
	theta, conv, ok := minimize(obj, theta0, opt.MaxIterations, opt.GradTol)
	expParams(theta, p)
	if !ok {
		return nil, &ConvergenceError{Model: "bgnbd", Params: slices.Clone(p), Conv: conv, Hint: defaultConvHint}
	}
	est := BGParams{R: p[0], Alpha: p[1], A: p[2], B: p[3]}
	d.eval(est, terms[:])
	fit := &BGFit{Params: est, LogLik: terms[0], Customers: d.sumW, Rows: len(d.w), Conv: conv}
	fit.Cov = covariance(p, func(q, g []float64) {
		var t [5]float64
		d.eval(BGParams{R: q[0], Alpha: q[1], A: q[2], B: q[3]}, t[:])
		for k := range 4 {
			g[k] = -t[k+1] + 2*pen*d.sumW*q[k]
		}
	})
	se := stdErrs(fit.Cov, 4)
	fit.StdErr = BGParams{R: se[0], Alpha: se[1], A: se[2], B: se[3]}
	return fit, nil
}

// bgData is the merged BG/NBD data: distinct (x, tx, T) rows sorted by
// (x, T, tx), grouped by x, with T and tx stored as indices into a table of
// distinct time values so that ln(α+t) is computed once per value.
type bgData struct {
	xs    []float64 // distinct x values, ascending
	wx    []float64 // total weight per distinct x
	grp   []int32   // group (index into xs) of each row
	iT    []int32   // index into times of each row's T
	itx   []int32   // index into times of each row's tx
	w     []float64 // weight of each row
	times []float64 // distinct values of T and tx
	sumW  float64

	// Per-evaluation tables: by group, and by time value.
	rx, c4, ib  []float64
	lnAT, invAT []float64 // ln(α+t) and 1/(α+t)
}

type bgRow struct{ x, T, tx, w float64 }

// newBGData merges identical (x, tx, T) rows, summing their weights, and
// drops rows of weight zero. The input must have passed validateSummary.
func newBGData(x, tx, T, weights []float64) *bgData {
	rows := make([]bgRow, 0, len(x))
	for i := range x {
		w := 1.0
		if weights != nil {
			w = weights[i]
		}
		if w > 0 {
			rows = append(rows, bgRow{x[i], T[i], tx[i], w})
		}
	}
	// Equal keys may be reordered by the (deterministic) sort, so weights of
	// identical rows are summed in an order fixed by the input; with integer
	// counts the sums are exact anyway.
	slices.SortFunc(rows, func(a, b bgRow) int {
		switch {
		case a.x != b.x:
			return cmp.Compare(a.x, b.x)
		case a.T != b.T:
			return cmp.Compare(a.T, b.T)
		default:
			return cmp.Compare(a.tx, b.tx)
		}
	})
	d := &bgData{}
	var rowT, rowTx []float64
	for i, r := range rows {
		if i > 0 && rows[i-1].x == r.x && rows[i-1].T == r.T && rows[i-1].tx == r.tx {
			d.w[len(d.w)-1] += r.w
		} else {
			if len(d.xs) == 0 || d.xs[len(d.xs)-1] != r.x {
				d.xs = append(d.xs, r.x)
				d.wx = append(d.wx, 0)
			}
			d.grp = append(d.grp, int32(len(d.xs)-1))
			rowT = append(rowT, r.T)
			rowTx = append(rowTx, r.tx)
			d.w = append(d.w, r.w)
		}
		d.wx[len(d.wx)-1] += r.w
		d.sumW += r.w
	}
	// Table of distinct time values (T and tx together).
	d.times = make([]float64, 0, 2*len(rowT))
	d.times = append(append(d.times, rowT...), rowTx...)
	slices.Sort(d.times)
	d.times = slices.Compact(d.times)
	d.iT = timeIndices(d.times, rowT)
	d.itx = timeIndices(d.times, rowTx)
	g := len(d.xs)
	d.rx = make([]float64, g)
	d.c4 = make([]float64, g)
	d.ib = make([]float64, g)
	d.lnAT = make([]float64, len(d.times))
	d.invAT = make([]float64, len(d.times))
	return d
}

// timeIndices returns the position of every v in the sorted table times.
func timeIndices(times, v []float64) []int32 {
	idx := make([]int32, len(v))
	for i, t := range v {
		j, _ := slices.BinarySearch(times, t)
		idx[i] = int32(j)
	}
	return idx
}

// eval writes into out the total weighted log-likelihood at p followed by
// its partial derivatives with respect to r, alpha, a and b.
func (d *bgData) eval(p BGParams, out []float64) {
	r, al, a, b := p.R, p.Alpha, p.A, p.B
	la := math.Log(a)
	for g, x := range d.xs {
		d.rx[g] = r + x
		if x > 0 {
			d.ib[g] = 1 / (b + x - 1)
			d.c4[g] = la - math.Log(b+x-1)
		}
	}
	forChunks(len(d.times), func(_, lo, hi int) {
		for k := lo; k < hi; k++ {
			at := al + d.times[k]
			d.lnAT[k] = math.Log(at)
			d.invAT[k] = 1 / at
		}
	})
	var acc [5]float64
	sumChunks(len(d.w), 5, d.evalRows(), acc[:])
	ll, dr, dal, dw4, db := acc[0], acc[1], acc[2], acc[3], acc[4]
	da := dw4 / a
	// Terms that depend on x only: lgamma and digamma once per distinct x.
	lnAl := math.Log(al)
	psiR, psiB, psiAB := mathext.Digamma(r), mathext.Digamma(b), mathext.Digamma(a+b)
	lgR, lgB, lgAB := lgamma(r), lgamma(b), lgamma(a+b)
	for g, x := range d.xs {
		wx := d.wx[g]
		ll += wx * r * lnAl
		dr += wx * lnAl
		dal += wx * r / al
		if x == 0 {
			continue // the gamma-function ratios are all 1 when x is 0
		}
		psiABX := mathext.Digamma(a + b + x)
		ll += wx * (lgamma(r+x) - lgR + lgAB + lgamma(b+x) - lgB - lgamma(a+b+x))
		dr += wx * (mathext.Digamma(r+x) - psiR)
		da += wx * (psiAB - psiABX)
		db += wx * (psiAB + mathext.Digamma(b+x) - psiB - psiABX)
	}
	out[0], out[1], out[2], out[3], out[4] = ll, dr, dal, da, db
}

// evalRows returns the per-chunk kernel of eval: for rows [lo, hi) it sums
// w·ln(A3 + A4) and its derivatives, where ln A3 = -(r+x) ln(α+T) and
// ln A4 = ln a - ln(b+x-1) - (r+x) ln(α+tx) (present only when x > 0).
func (d *bgData) evalRows() func(lo, hi int, acc []float64) {
	return func(lo, hi int, acc []float64) {
		grp, iT, itx, w := d.grp[lo:hi], d.iT[lo:hi], d.itx[lo:hi], d.w[lo:hi]
		iT, itx, w = iT[:len(grp)], itx[:len(grp)], w[:len(grp)]
		lnAT, invAT := d.lnAT, d.invAT
		var ll, dr, dal, dw4, db float64
		for i, g := range grp {
			rx := d.rx[g]
			lT, invT := lnAT[iT[i]], invAT[iT[i]]
			l3 := -rx * lT
			wi := w[i]
			if d.xs[g] == 0 {
				ll += wi * l3
				dr -= wi * lT
				dal -= wi * rx * invT
				continue
			}
			ltx, invTx := lnAT[itx[i]], invAT[itx[i]]
			l4 := d.c4[g] - rx*ltx
			var w3, w4, m, e float64
			if l3 >= l4 {
				e = math.Exp(l4 - l3)
				w3 = 1 / (1 + e)
				w4 = e * w3
				m = l3
			} else {
				e = math.Exp(l3 - l4)
				w4 = 1 / (1 + e)
				w3 = e * w4
				m = l4
			}
			ll += wi * (m + math.Log1p(e))
			dr -= wi * (w3*lT + w4*ltx)
			dal -= wi * rx * (w3*invT + w4*invTx)
			dw4 += wi * w4
			db -= wi * w4 * d.ib[g]
		}
		acc[0] += ll
		acc[1] += dr
		acc[2] += dal
		acc[3] += dw4
		acc[4] += db
	}
}
