package kmeans

import (
	"math"
	"testing"
)

// TestSweepFindsBlobs checks that every criterion picks k = 4 on four
// well-separated blobs and that the per-k scores equal the metric functions
// applied to the chosen fit.
func TestSweepFindsBlobs(t *testing.T) {
	n, d := 2000, 3
	X := make([]float64, n*d)
	g := gaussianMixture(n, d, 1, 0, 8) // unit noise around the origin
	centres := [][]float64{{0, 0, 0}, {12, 0, 0}, {0, 12, 0}, {0, 0, 12}}
	for i := range n {
		for t := range d {
			X[i*d+t] = centres[i%4][t] + g[i*d+t]
		}
	}
	for _, crit := range []string{CriterionSilhouette, CriterionCalinskiHarabasz, CriterionDaviesBouldin, CriterionElbow} {
		res, err := Sweep(X, n, d, nil, 1, 8, SweepConfig{Fit: Config{NInit: 3, Seed: 5, Tol: 1e-4}, Criterion: crit})
		if err != nil {
			t.Fatal(err)
		}
		if res.BestK != 4 {
			t.Errorf("%s picked k = %d, want 4 (silhouette %v)", crit, res.BestK, res.Silhouette)
		}
		if !math.IsNaN(res.Silhouette[0]) || !math.IsNaN(res.CalinskiHarabasz[0]) || !math.IsNaN(res.DaviesBouldin[0]) {
			t.Errorf("k = 1 scores should be NaN")
		}
		i := res.BestK - 1
		sil, _ := Silhouette(X, n, d, res.Best.Labels, SilhouetteOptions{})
		ch, _ := CalinskiHarabasz(X, n, d, res.Best.Labels)
		db, _ := DaviesBouldin(X, n, d, res.Best.Labels)
		if sil != res.Silhouette[i] || ch != res.CalinskiHarabasz[i] || db != res.DaviesBouldin[i] || res.Best.Inertia != res.Inertia[i] {
			t.Errorf("%s: stored scores differ from the metric functions", crit)
		}
	}
}

// TestKneedle checks the knee of a hand-computed curve: y = 100, 50, 20,
// 15, 12, 10 at k = 1..6 gives the difference curve 0, .356, .489, .344,
// .178, 0, so the knee is k = 3.
func TestKneedle(t *testing.T) {
	if got := kneedle([]int{1, 2, 3, 4, 5, 6}, []float64{100, 50, 20, 15, 12, 10}); got != 2 {
		t.Errorf("knee index %d, want 2 (k = 3)", got)
	}
	if got := kneedle([]int{1, 2, 3}, []float64{3, 2, 1}); got != 0 {
		t.Errorf("straight line: knee index %d, want 0", got)
	}
}
