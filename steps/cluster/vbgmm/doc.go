// Package vbgmm fits a variational Bayesian Gaussian mixture to a row-major
// feature matrix, the model scikit-learn 1.2 calls BayesianGaussianMixture.
//
// The weights get either a truncated Dirichlet process prior (stick breaking,
// the default) or a finite Dirichlet prior; the means a Gaussian prior; the
// precisions a Wishart prior. Covariances may be full, tied, diagonal or
// spherical. Starting from a k-means or random assignment of rows to
// components, coordinate ascent alternates an E-step (responsibilities from
// the current variational posteriors) and an M-step (posteriors from the
// responsibilities) until the evidence lower bound gains less than Config.Tol,
// exactly as scikit-learn does: given the same initial responsibilities the
// parameters and the lower bound agree with scikit-learn to rounding error.
//
// Components the data does not need end up with weights near zero, so
// MaxComponents is an upper bound and Result.EffectiveComponents counts the
// components whose weight exceeds Config.WeightThreshold (0.01 by default).
//
// Work on the rows runs in parallel over fixed chunks of rows whose partial
// sums are combined in chunk order, so a fit gives the same bytes whatever the
// number of workers. Randomness comes only from Config.Seed (math/rand/v2
// PCG).
//
// Fit returns a Model with exported fields that can be stored as JSON and
// used later to assign new rows with Model.Predict or Model.PredictProba.
package vbgmm
