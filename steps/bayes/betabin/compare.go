package betabin

import (
	"math"

	"gonum.org/v1/gonum/mathext"
	"gonum.org/v1/gonum/stat/distuv"
)

// maxExactTerms bounds the closed-form sum; beyond it ProbGreater integrates.
const maxExactTerms = 1 << 22

// Method names how [ProbGreaterMethod] computed P(p_A > p_B).
type Method string

// Methods of [ProbGreaterMethod].
const (
	// Exact is Evan Miller's closed-form sum (some shape parameter is an
	// integer).
	Exact Method = "exact"
	// Numeric is adaptive Gauss-Kronrod integration.
	Numeric Method = "numeric"
)

// ProbGreater returns P(p_A > p_B) for independent p_A ~ a and p_B ~ b.
// See [ProbGreaterMethod] for how it is computed.
func ProbGreater(a, b Beta) float64 {
	p, _ := ProbGreaterMethod(a, b)
	return p
}

// ProbGreaterMethod returns P(p_A > p_B) and the method used. It is NaN when
// a or b is not a valid Beta.
//
// When a shape parameter is an integer n (at most 2^22) the probability is
// Evan Miller's finite sum ("Formulas for Bayesian A/B Testing"): when A's
// first shape α_A is an integer,
//
//	P(p_A > p_B) = Σ_{i=0}^{α_A-1} B(α_B+i, β_A+β_B) / ((β_A+i) B(1+i, β_A) B(α_B, β_B)),
//
// evaluated in log space through the term ratio
// (α_B+i)(β_A+i) / ((α_B+β_A+β_B+i)(1+i)). An integer α_B gives the
// complement, and integer β's the same sums for 1-p. The variant with the
// fewest terms is used, preferring a direct sum to a complement. Otherwise
// the probability is ∫_0^1 F_B(Q_A(u)) du (or ∫ S_A(Q_B(u)) du, integrating
// over the quantiles of the narrower distribution) by adaptive 15-point
// Gauss-Kronrod quadrature to an absolute error of about 1e-12.
func ProbGreaterMethod(a, b Beta) (float64, Method) {
	if a.Validate() != nil || b.Validate() != nil {
		return math.NaN(), Numeric
	}
	flip := func(d Beta) Beta { return Beta{A: d.B, B: d.A} } // distribution of 1-p
	type variant struct {
		terms      float64
		complement bool
		hi, lo     Beta // the sum computes P(p_hi > p_lo)
	}
	var best *variant
	for _, v := range []variant{
		{a.A, false, a, b},             // P(p_A > p_B)
		{b.B, false, flip(b), flip(a)}, // P(1-p_B > 1-p_A)
		{b.A, true, b, a},              // 1 - P(p_B > p_A)
		{a.B, true, flip(a), flip(b)},  // 1 - P(1-p_A > 1-p_B)
	} {
		if v.terms != math.Trunc(v.terms) || v.terms > maxExactTerms {
			continue
		}
		if best == nil || v.terms < best.terms {
			best = &v
		}
	}
	if best == nil {
		return probGreaterNumeric(a, b), Numeric
	}
	p := millerSum(best.hi, best.lo)
	if best.complement {
		p = 1 - p
	}
	return math.Min(math.Max(p, 0), 1), Exact
}

// millerSum returns P(p_hi > p_lo) by Evan Miller's sum; hi.A must be a
// positive integer.
func millerSum(hi, lo Beta) float64 {
	n := int(hi.A)
	// Running sum s·exp(logScale) of terms t·exp(logScale), t_0 = 1.
	logScale := mathext.Lbeta(lo.A, hi.B+lo.B) - mathext.Lbeta(lo.A, lo.B)
	t, s := 1.0, 1.0
	const big, lnBig = 1e250, 575.6462732485114 // ln(1e250)
	for i := range n - 1 {
		fi := float64(i)
		t *= (lo.A + fi) * (hi.B + fi) / ((lo.A + hi.B + lo.B + fi) * (1 + fi))
		s += t
		if s > big {
			s /= big
			t /= big
			logScale += lnBig
		}
	}
	return math.Exp(logScale + math.Log(s))
}

// probGreaterNumeric integrates over the quantiles of the narrower of the
// two distributions, where the integrand is smoothest.
func probGreaterNumeric(a, b Beta) float64 {
	da := distuv.Beta{Alpha: a.A, Beta: a.B}
	db := distuv.Beta{Alpha: b.A, Beta: b.B}
	var f func(u float64) float64
	if da.Variance() <= db.Variance() {
		// P = E_A[F_B(p_A)] = ∫ F_B(Q_A(u)) du.
		f = func(u float64) float64 { return mathext.RegIncBeta(b.A, b.B, da.Quantile(u)) }
	} else {
		// P = E_B[S_A(p_B)] = ∫ S_A(Q_B(u)) du, with S_A(x) = I_{1-x}(β_A, α_A).
		f = func(u float64) float64 { return mathext.RegIncBeta(a.B, a.A, 1-db.Quantile(u)) }
	}
	p := adaptiveGK(f, 0, 1, 1e-12, 2000)
	return math.Min(math.Max(p, 0), 1)
}

// Gauss-Kronrod 7-15 nodes and weights (QUADPACK qk15).
var (
	gkNodes = [8]float64{
		0.991455371120812639206854697526329, 0.949107912342758524526189684047851,
		0.864864423359769072789712788640926, 0.741531185599394439863864773280788,
		0.586087235467691130294144845693013, 0.405845151377397166906606412076961,
		0.207784955007898467600689403773245, 0,
	}
	gkWeights = [8]float64{
		0.022935322010529224963732008058970, 0.063092092629978553290700663189204,
		0.104790010322250183839876322541518, 0.140653259715525918745189590510238,
		0.169004726639267902826583426598550, 0.190350578064785409913256402421014,
		0.204432940075298892414161999234649, 0.209482141084727828012999174891714,
	}
	gWeights = [4]float64{ // Gauss weights of nodes 1, 3, 5, 7
		0.129484966168869693270611432679082, 0.279705391489276667901467771423780,
		0.381830050505118944950369775488975, 0.417959183673469387755102040816327,
	}
)

// gk15 returns the Kronrod estimate of ∫_lo^hi f and |Kronrod - Gauss|.
func gk15(f func(float64) float64, lo, hi float64) (val, err float64) {
	c, h := (lo+hi)/2, (hi-lo)/2
	fc := f(c)
	k := gkWeights[7] * fc
	g := gWeights[3] * fc
	for j := range 7 {
		x := h * gkNodes[j]
		s := f(c-x) + f(c+x)
		k += gkWeights[j] * s
		if j%2 == 1 {
			g += gWeights[j/2] * s
		}
	}
	return k * h, math.Abs((k - g) * h)
}

// adaptiveGK integrates f over [lo, hi] by repeatedly bisecting the interval
// with the largest error estimate until the total estimate is below tol or
// maxIntervals is reached.
func adaptiveGK(f func(float64) float64, lo, hi, tol float64, maxIntervals int) float64 {
	type piece struct{ lo, hi, val, err float64 }
	v, e := gk15(f, lo, hi)
	pieces := []piece{{lo, hi, v, e}}
	for len(pieces) < maxIntervals {
		var total float64
		worst := 0
		for i, p := range pieces {
			total += p.err
			if p.err > pieces[worst].err {
				worst = i
			}
		}
		if total <= tol {
			break
		}
		p := pieces[worst]
		mid := (p.lo + p.hi) / 2
		lv, le := gk15(f, p.lo, mid)
		rv, re := gk15(f, mid, p.hi)
		pieces[worst] = piece{p.lo, mid, lv, le}
		pieces = append(pieces, piece{mid, p.hi, rv, re})
	}
	var sum float64
	for _, p := range pieces {
		sum += p.val
	}
	return sum
}
