// Package kmeans is the k-means kernel of aftercare: plain functions on a
// row-major n x d []float64 matrix, with optional sample weights, usable
// without the recipe runner.
//
// # Clustering
//
// Fit runs k-means the way scikit-learn's KMeans does, and faster:
//
//   - initialisation by greedy k-means++ (2 + floor(ln k) candidates per
//     centre, the one lowering the potential most is kept; the first centre
//     is drawn by weight), by k rows with distinct values ("random"), or
//     from given centres; NInit restarts keep the lowest inertia, restart r
//     being seeded from (Seed, r);
//   - iterations by Lloyd's algorithm or by the exact accelerated variants
//     of Hamerly (one lower bound per row) and Elkan (one per row and
//     centre). Given the same start the three produce bitwise identical
//     labels, centres and iteration counts;
//   - scikit-learn's stopping rule: labels unchanged (strict convergence),
//     or total squared centre shift <= Tol * mean(var(X, axis=0)), or
//     MaxIter; unless the labels were stable, a final assignment makes the
//     labels consistent with the final centres. Empty clusters are re-seeded
//     with the rows farthest from their centres, as scikit-learn's
//     _relocate_empty_clusters.
//
// Algorithm "auto" picks Elkan when d >= 64 and 16 <= k <= d (its n x k
// bounds are then smaller than X, and must fit in 1 GiB), Lloyd for k = 1,
// and Hamerly otherwise.
//
// MiniBatch is mini-batch k-means (scikit-learn's MiniBatchKMeans) for data
// too large for many full passes; Predict assigns rows to given centres;
// Sweep fits a range of k and picks one by silhouette, Calinski-Harabasz,
// Davies-Bouldin or the elbow (kneedle) of the inertia; MatchCentres gives
// the clusters of a new fit the ids of the nearest old ones (Hungarian
// algorithm).
//
// # Metrics
//
// Inertia, Silhouette (exact in O(n^2 d) time and O(n + k) memory per
// worker, or on a seeded sample of rows), SilhouetteSamples,
// CalinskiHarabasz and DaviesBouldin follow scikit-learn's definitions and
// agree with sklearn.metrics to about 1e-14 relative on the test cases.
//
// # Determinism and parallelism
//
// Work is split into fixed-size row chunks processed by Workers goroutines
// (default runtime.GOMAXPROCS(0)); every reduction keeps partial results
// per chunk and combines them in chunk order, and all randomness comes from
// PCG generators seeded from the configuration. The same input and
// configuration give the same bits whatever the number of workers.
//
// # Numerics and memory
//
// X is never copied or modified. Assignments use, for each centre c, the
// value v = ||c'||^2 + 2 m.c' - 2 x.c' with c' = c - m and m the column
// means (the distance to c minus the distance to m, squared), computed by
// kernels unrolled for 1 to 8 features; using the means as origin keeps
// the rounding error proportional to |m| * spread instead of |m|^2. On
// amd64, Lloyd's assignment (in Fit and Predict) runs assembly kernels,
// chosen at run time, that label 8 rows at a time with AVX-512 (1 to 16
// features) or 4 with AVX2 (1 to 8): each lane performs the Go kernel's
// operations in the same order, without FMA, with the same tie and NaN
// ordering, so labels are bit-identical on every CPU. The build tag purego
// disables them.
// Hamerly and Elkan only skip a centre when their bounds prove it farther
// than the assigned one by more than a bound on that rounding error, which
// is why they agree with Lloyd exactly. Reported distances
// (Result.Distances, Inertia, the metrics) are computed directly. Centre
// sums are updated incrementally with the rows that changed cluster, in a
// fixed order. Beyond X, a fit allocates O(n) labels and distances, plus
// two bounds per row for Hamerly or k + 2 values per row for Elkan.
package kmeans
