package betabin

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mathext"
	"gonum.org/v1/gonum/stat/distuv"
)

// ErrInvalidInput is wrapped by every error about bad counts, priors or
// options, so callers can test for it with errors.Is.
var ErrInvalidInput = errors.New("invalid input")

// Beta is a Beta(A, B) distribution of a rate, used both as a prior and as a
// posterior.
type Beta struct {
	// A is the first shape parameter (prior successes, plus observed ones in
	// a posterior).
	A float64
	// B is the second shape parameter (prior failures, plus observed ones).
	B float64
}

// Uniform returns the uniform prior Beta(1, 1).
func Uniform() Beta { return Beta{A: 1, B: 1} }

// Validate returns an error unless both shape parameters are finite and
// positive.
func (d Beta) Validate() error {
	if !(d.A > 0) || !(d.B > 0) || math.IsInf(d.A, 1) || math.IsInf(d.B, 1) {
		return fmt.Errorf("validate beta: shapes %g, %g must be finite and positive: %w", d.A, d.B, ErrInvalidInput)
	}
	return nil
}

// Update returns the posterior after observing successes out of trials:
// Beta(A + successes, B + trials - successes).
func (d Beta) Update(successes, trials float64) (Beta, error) {
	if err := d.Validate(); err != nil {
		return Beta{}, err
	}
	if !isFinite(successes) || !isFinite(trials) || successes < 0 || successes > trials {
		return Beta{}, fmt.Errorf("update beta: %g successes of %g trials: need 0 <= successes <= trials, finite: %w", successes, trials, ErrInvalidInput)
	}
	return Beta{A: d.A + successes, B: d.B + trials - successes}, nil
}

// Mean returns A/(A+B).
func (d Beta) Mean() float64 { return d.A / (d.A + d.B) }

// Interval returns the equal-tailed credible interval at the given level
// (for example 0.95): the (1-level)/2 and (1+level)/2 quantiles. It returns
// NaNs unless 0 < level < 1.
func (d Beta) Interval(level float64) (lo, hi float64) {
	if !(level > 0 && level < 1) {
		return math.NaN(), math.NaN()
	}
	dist := distuv.Beta{Alpha: d.A, Beta: d.B}
	return dist.Quantile((1 - level) / 2), dist.Quantile((1 + level) / 2)
}

// ProbAbove returns P(p > rate) for p ~ d, computed as the regularised
// incomplete beta function I_{1-rate}(B, A) so that small upper tails keep
// their relative precision.
func (d Beta) ProbAbove(rate float64) float64 {
	switch {
	case math.IsNaN(rate):
		return math.NaN()
	case rate <= 0:
		return 1
	case rate >= 1:
		return 0
	}
	return mathext.RegIncBeta(d.B, d.A, 1-rate)
}

func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
