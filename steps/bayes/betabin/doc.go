// Package betabin computes Bayesian posteriors for rate KPIs (conversion,
// retention, response rates) of customer segments with the beta-binomial
// model: a segment's unknown rate p has a Beta(a, b) prior, its successes out
// of trials are binomial, so its posterior is Beta(a + successes,
// b + trials - successes).
//
// The prior is uniform Beta(1, 1), stated by the caller, or fitted across
// segments by empirical Bayes ([FitPrior]: maximum beta-binomial marginal
// likelihood with gonum's BFGS and the analytic gradient). For each segment
// the package reports the posterior mean, an equal-tailed credible interval
// (gonum distuv.Beta quantiles), the probability that its rate beats a
// baseline segment's rate, P(p_A > p_B), and the probability that it beats a
// fixed rate.
//
// P(p_A > p_B) is exact when any of the four shape parameters is an integer,
// as with the uniform prior and integer counts (Evan Miller's closed-form sum,
// evaluated in log space through a term recurrence), and is otherwise
// computed by adaptive Gauss-Kronrod integration of F_B(Q_A(u)) over u in
// [0, 1]; see [ProbGreaterMethod].
package betabin
