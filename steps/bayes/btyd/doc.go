// Package btyd implements the "buy till you die" customer-lifetime models used
// by aftercare: the BG/NBD purchase model (Fader, Hardie & Lee 2005, "Counting
// Your Customers the Easy Way", Marketing Science 24(2)) and the Gamma-Gamma
// spend model (Fader, Hardie & Lee 2005, "RFM and CLV", JMR 42(4); Hardie's
// note 025), plus customer lifetime value combining the two.
//
// Everything works on plain []float64 slices, one entry per customer:
//
//   - x is the number of repeat purchases (purchase periods minus one),
//   - tx is the recency: time from the first to the last purchase,
//   - T is the age: time from the first purchase to the end of calibration,
//   - zbar is the mean value of the repeat purchases (0 when x is 0).
//
// Times are in one model time unit chosen by the caller (days or weeks); every
// parameter with a time dimension (BGParams.Alpha) and every horizon t passed
// to a prediction is in that unit. [Summarize] builds these columns from a
// transaction log, [Simulate] draws customers from the generative model.
//
// Fits are maximum likelihood with gonum's BFGS on log-parameters using the
// analytic gradient; identical (x, tx, T) rows are merged into weights and the
// likelihood is summed over fixed-size chunks in parallel, combined in chunk
// order, so results do not depend on GOMAXPROCS. Standard errors come from the
// inverse of a central-difference Hessian of the analytic gradient of the
// (penalised) negative log-likelihood in the natural parameters.
//
// The BG/NBD prediction functions evaluate the Gauss hypergeometric function
// through its Euler-transformed series, rearranged so that there is no
// singularity at a = 1 or a+b = 1 and no overflow for large x; see
// [BGParams.ConditionalExpectedPurchases].
package btyd
