// Package cluster holds the clustering step types: cluster.kmeans,
// cluster.hierarchical and cluster.bayesian_gmm. The algorithms are plain
// functions in the subpackages kmeans, hclust and vbgmm; the step files
// here adapt Arrow tables to row-major float64 matrices and back, and
// share the cluster profile table.
package cluster
