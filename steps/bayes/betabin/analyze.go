package betabin

import (
	"errors"
	"fmt"
	"math"
)

// NoBaseline disables the comparison with a baseline segment in [Options].
const NoBaseline = -1

// Options configures [Analyze].
type Options struct {
	// Prior is the prior of every segment's rate; the zero value means the
	// uniform Beta(1, 1). It is ignored when Empirical is set.
	Prior Beta
	// Empirical fits the prior across the segments with [FitPrior].
	Empirical bool
	// Level is the credible level of the intervals (default 0.95).
	Level float64
	// Baseline is the index of the segment every segment is compared with
	// (P(p_i > p_baseline)), or NoBaseline; the zero value compares with
	// segment 0.
	Baseline int
	// Rate, when not nil, is a fixed rate every segment is compared with
	// (P(p_i > Rate)).
	Rate *float64
}

// Segment is the posterior summary of one segment.
type Segment struct {
	// Successes and Trials are the observed counts.
	Successes, Trials float64
	// Posterior is Beta(prior.A + successes, prior.B + failures).
	Posterior Beta
	// Mean is the posterior mean rate.
	Mean float64
	// Lo and Hi bound the equal-tailed credible interval.
	Lo, Hi float64
	// ProbBeatsBaseline is P(p > p_baseline); NaN without a baseline.
	ProbBeatsBaseline float64
	// ProbAboveRate is P(p > Options.Rate); NaN without a rate.
	ProbAboveRate float64
}

// Result is the outcome of [Analyze].
type Result struct {
	// Prior is the prior used.
	Prior Beta
	// Fit is the empirical-Bayes fit, nil unless Options.Empirical.
	Fit *PriorFit
	// Level is the credible level used.
	Level float64
	// Segments has one entry per input segment, in input order.
	Segments []Segment
}

// Analyze computes the posterior of each segment's rate from its successes
// and trials under the prior chosen in opt, with the posterior mean, the
// equal-tailed credible interval and the optional comparisons with a
// baseline segment and a fixed rate.
func Analyze(successes, trials []float64, opt Options) (*Result, error) {
	const op = "analyze segments"
	if err := validateCounts(op, successes, trials); err != nil {
		return nil, err
	}
	res := &Result{Level: opt.Level, Prior: opt.Prior}
	if res.Level == 0 {
		res.Level = 0.95
	}
	if !(res.Level > 0 && res.Level < 1) {
		return nil, fmt.Errorf("%s: credible level %g not in (0, 1): %w", op, res.Level, ErrInvalidInput)
	}
	if opt.Baseline != NoBaseline && (opt.Baseline < 0 || opt.Baseline >= len(trials)) {
		return nil, fmt.Errorf("%s: baseline segment %d out of range [0, %d): %w", op, opt.Baseline, len(trials), ErrInvalidInput)
	}
	if opt.Rate != nil && !(*opt.Rate >= 0 && *opt.Rate <= 1) {
		return nil, fmt.Errorf("%s: baseline rate %g not in [0, 1]: %w", op, *opt.Rate, ErrInvalidInput)
	}
	switch {
	case opt.Empirical:
		fit, err := FitPrior(successes, trials)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		res.Fit, res.Prior = fit, fit.Prior
	case res.Prior == (Beta{}):
		res.Prior = Uniform()
	default:
		if err := res.Prior.Validate(); err != nil {
			return nil, fmt.Errorf("%s: prior: %w", op, err)
		}
	}
	res.Segments = make([]Segment, len(trials))
	for i := range trials {
		post, err := res.Prior.Update(successes[i], trials[i])
		if err != nil {
			return nil, fmt.Errorf("%s: segment %d: %w", op, i, err)
		}
		s := Segment{Successes: successes[i], Trials: trials[i], Posterior: post, Mean: post.Mean(),
			ProbBeatsBaseline: math.NaN(), ProbAboveRate: math.NaN()}
		s.Lo, s.Hi = post.Interval(res.Level)
		if opt.Rate != nil {
			s.ProbAboveRate = post.ProbAbove(*opt.Rate)
		}
		res.Segments[i] = s
	}
	if opt.Baseline != NoBaseline {
		base := res.Segments[opt.Baseline].Posterior
		for i := range res.Segments {
			res.Segments[i].ProbBeatsBaseline = ProbGreater(res.Segments[i].Posterior, base)
		}
	}
	return res, nil
}

// validateCounts checks per-segment counts: equal lengths, at least one
// segment, finite values and 0 <= successes <= trials, naming the first
// offending segment and the number of such segments.
func validateCounts(op string, successes, trials []float64) error {
	if len(successes) != len(trials) {
		return fmt.Errorf("%s: %d successes for %d trials: %w", op, len(successes), len(trials), ErrInvalidInput)
	}
	if len(trials) == 0 {
		return fmt.Errorf("%s: no segments: %w", op, ErrInvalidInput)
	}
	type check struct {
		what         string
		count, first int
	}
	checks := []*check{{what: "NaN or infinite counts"}, {what: "negative counts"}, {what: "successes > trials"}}
	for i := range trials {
		k, n := successes[i], trials[i]
		var c *check
		switch {
		case !isFinite(k) || !isFinite(n):
			c = checks[0]
		case k < 0 || n < 0:
			c = checks[1]
		case k > n:
			c = checks[2]
		default:
			continue
		}
		if c.count == 0 {
			c.first = i
		}
		c.count++
	}
	var errs []error
	for _, c := range checks {
		if c.count > 0 {
			noun := "segments"
			if c.count == 1 {
				noun = "segment"
			}
			errs = append(errs, fmt.Errorf("%d %s with %s (first at segment %d): %w", c.count, noun, c.what, c.first, ErrInvalidInput))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s: %w", op, errors.Join(errs...))
	}
	return nil
}
