// Package bayes holds the Bayesian step types: bayes.bgnbd (BG/NBD purchase
// model), bayes.gamma_gamma (Gamma-Gamma spend model and customer lifetime
// value) and bayes.beta_binomial (Beta posteriors of segment rate KPIs).
//
// The mathematics lives in the subpackages btyd and betabin, which work on
// plain []float64 slices; the step files here collect the input rows,
// validate them with errors that name rows and columns, call the kernels
// and append the per-row results to the input.
//
// bayes.bgnbd reads a per-customer summary (frequency, recency, T). To fit
// it from a raw transaction log, chain features.btyd_summary before it, as
// recipes/clv-bgnbd.yaml does.
package bayes
