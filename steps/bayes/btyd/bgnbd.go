package btyd

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mathext"
)

// BGParams holds the parameters of the BG/NBD model. While alive, a customer
// buys as a Poisson process with rate lambda ~ Gamma(shape R, rate Alpha);
// after each repeat purchase the customer drops out with probability
// p ~ Beta(A, B). The prediction methods assume valid parameters (see
// [BGParams.Validate]).
type BGParams struct {
	// R is the shape of the gamma distribution of purchase rates.
	R float64
	// Alpha is the rate (inverse scale) of that gamma distribution, in model
	// time units: the mean purchase rate is R/Alpha per unit.
	Alpha float64
	// A is the first shape parameter of the beta distribution of dropout
	// probabilities.
	A float64
	// B is the second shape parameter of that beta distribution.
	B float64
}

// Validate returns an error unless all four parameters are finite and positive.
func (p BGParams) Validate() error {
	for _, v := range [...]float64{p.R, p.Alpha, p.A, p.B} {
		if !(v > 0) || math.IsInf(v, 1) {
			return fmt.Errorf("validate bgnbd params: r=%g alpha=%g a=%g b=%g: %w", p.R, p.Alpha, p.A, p.B, ErrInvalidParams)
		}
	}
	return nil
}

// ErrInvalidParams reports model parameters that are not finite and positive.
var ErrInvalidParams = errors.New("parameters must be finite and positive")

// LogLik returns the log-likelihood of one customer's (x, tx, T) under the
// BG/NBD model (Fader, Hardie & Lee 2005).
func (p BGParams) LogLik(x, tx, T float64) float64 {
	r, al, a, b := p.R, p.Alpha, p.A, p.B
	ll := lgamma(r+x) - lgamma(r) + r*math.Log(al) +
		lgamma(a+b) + lgamma(b+x) - lgamma(b) - lgamma(a+b+x)
	l3 := -(r + x) * math.Log(al+T)
	if x > 0 {
		l4 := math.Log(a) - math.Log(b+x-1) - (r+x)*math.Log(al+tx)
		return ll + logAddExp(l3, l4)
	}
	return ll + l3
}

// ProbAlive returns P(alive | x, tx, T), the probability that a customer with
// this history has not dropped out by time T (FHL 2005; Hardie's note
// "Computing P(alive) using the BG/NBD model"). It is 1
// when x is 0, since the model only lets customers drop out after a repeat
// purchase.
func (p BGParams) ProbAlive(x, tx, T float64) float64 {
	if x == 0 {
		return 1
	}
	// 1 / (1 + a/(b+x-1) ((alpha+T)/(alpha+tx))^(r+x)), evaluated as a logistic
	// function of the log-odds so that it neither overflows nor loses digits.
	lo := math.Log(p.A) - math.Log(p.B+x-1) + (p.R+x)*math.Log1p((T-tx)/(p.Alpha+tx))
	if lo > 0 {
		e := math.Exp(-lo)
		return e / (1 + e)
	}
	return 1 / (1 + math.Exp(lo))
}

// ConditionalExpectedPurchases returns E[X(t) | x, tx, T], the expected number
// of purchases in the next t time units of a customer with history (x, tx, T)
// (FHL 2005). It returns NaN for t < 0 or when the hypergeometric series does
// not converge within 10^7 terms, which can only happen for horizons beyond
// about 10^5 (Alpha+T).
//
// Equation 10 is
//
//	(a+b+x-1)/(a-1) [1 - ((α+T)/(α+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; z)] P(alive)
//
// with z = t/(α+T+t). Applying Euler's transformation to 2F1 and separating
// the j = 0 term, the bracket divided by (a-1) becomes
//
//	[1-(1-z)^(a-1)]/(a-1) - (1-z)^(a-1) Σ_{j≥1} (c-r-x)_j (a)_(j-1) z^j / ((c)_j j!)
//
// with c = a+b+x-1. The first part is evaluated with expm1 (its limit at a = 1
// is -ln(1-z)), the series has upper parameters that do not grow with x, and c
// multiplies through to cancel the j = 1 pole at a+b+x = 1.
func (p BGParams) ConditionalExpectedPurchases(t, x, tx, T float64) float64 {
	if !(t >= 0) {
		return math.NaN()
	}
	if t == 0 {
		return 0
	}
	r, al, a, b := p.R, p.Alpha, p.A, p.B
	z := t / (al + T + t)
	l := -math.Log1p(t / (al + T)) // ln(1-z)
	c := a + b + x - 1
	am1 := a - 1
	var e1 float64 // [1-(1-z)^(a-1)]/(a-1)
	if am1 == 0 {
		e1 = -l
	} else {
		e1 = -math.Expm1(am1*l) / am1
	}
	s, scale, ok := bgSeries(a+b-1-r, a, c, z)
	if !ok {
		return math.NaN()
	}
	var second float64
	if s != 0 {
		second = math.Exp(am1*l + math.Log(math.Abs(s)) + scale)
		if s < 0 {
			second = -second
		}
	}
	return (c*e1 - second) * p.ProbAlive(x, tx, T)
}

// ExpectedPurchases returns E[X(t)], the expected number of repeat purchases
// of a new customer in the first t time units (FHL 2005).
func (p BGParams) ExpectedPurchases(t float64) float64 {
	return p.ConditionalExpectedPurchases(t, 0, 0, 0)
}

// ProbPurchases returns P(X(t) = n), the probability that a new customer
// makes exactly n repeat purchases in the first t time units (FHL 2005,
// lifetimes' probability_of_n_purchases_up_to_time). The
// negative-binomial tail 1 - Σ_{j<n} NB(j) is evaluated as the regularised
// incomplete beta function I_q(n, r), q = t/(α+t), which keeps full relative
// precision when it is small. It returns NaN for t < 0 or n < 0.
func (p BGParams) ProbPurchases(t float64, n int) float64 {
	if !(t >= 0) || n < 0 {
		return math.NaN()
	}
	if t == 0 {
		if n == 0 {
			return 1
		}
		return 0
	}
	r, al, a, b := p.R, p.Alpha, p.A, p.B
	fn := float64(n)
	lp := -math.Log1p(t / al)          // ln(α/(α+t))
	lq := math.Log(t) - math.Log(al+t) // ln(t/(α+t))
	lbab := mathext.Lbeta(a, b)
	first := math.Exp(mathext.Lbeta(a, b+fn) - lbab + lgamma(r+fn) - lgamma(r) - lgamma(fn+1) + r*lp + fn*lq)
	if n == 0 {
		return first
	}
	tail := mathext.RegIncBeta(fn, r, t/(al+t))
	return first + math.Exp(mathext.Lbeta(a+1, b+fn-1)-lbab)*tail
}

// maxSeriesTerms bounds the hypergeometric series; it is reached only when
// z = t/(α+T+t) is within about 4e-6 of 1 (t ≳ 2.5e5 (α+T)).
const maxSeriesTerms = 10_000_000

// bgSeries returns H = Σ_{j≥1} h_j with h_1 = ca·z and
// h_{j+1}/h_j = (ca+j)(a+j-1) z / ((c+j)(j+1)), as sum·exp(logScale). This is
// c·[2F1(ca, a-1; c; z) - 1]/(a-1) written without the division, so it is
// regular at a = 1 and at c = 0 (c > -1 is required).
func bgSeries(ca, a, c, z float64) (sum, logScale float64, ok bool) {
	h := ca * z
	if h == 0 {
		return 0, 0, true
	}
	const big, lnBig = 1e250, 575.6462732485114 // ln(1e250)
	s := h
	for j := 1; j < maxSeriesTerms; j++ {
		fj := float64(j)
		rho := (ca + fj) * (a + fj - 1) * z / ((c + fj) * (fj + 1))
		h *= rho
		s += h
		if h == 0 {
			return s, logScale, true
		}
		if ar := math.Abs(rho); ar < 1 && fj > -ca {
			// Past the last sign change the ratios approach z monotonically,
			// so the remaining tail is below |h| q/(1-q) with q = max(|rho|, z).
			q := math.Max(ar, z)
			if math.Abs(h)*q <= 1e-17*(1-q)*math.Abs(s) {
				return s, logScale, true
			}
		}
		if math.Abs(h) > big {
			h /= big
			s /= big
			logScale += lnBig
		}
	}
	return s, logScale, false
}

func lgamma(x float64) float64 {
	v, _ := math.Lgamma(x)
	return v
}

// logAddExp returns ln(e^u + e^v) without overflow.
func logAddExp(u, v float64) float64 {
	if u < v {
		u, v = v, u
	}
	if math.IsInf(v, -1) {
		return u
	}
	return u + math.Log1p(math.Exp(v-u))
}
