package kmeans

import (
	"slices"
	"testing"
)

// TestMiniBatch checks that mini-batch k-means is deterministic (same seed,
// 1 or 4 workers: same bits) and close to full k-means on separated blobs
// (within 1% of the inertia of Fit with 5 k-means++ restarts).
func TestMiniBatch(t *testing.T) {
	n, d, k := 40000, 4, 6
	X := gaussianMixture(n, d, k, 6, 3)
	w := make([]float64, n)
	for i := range w {
		w[i] = 0.5 + float64(i%3)
	}
	full, err := Fit(X, n, d, w, Config{K: k, NInit: 5, Seed: 1, Tol: 1e-4})
	if err != nil {
		t.Fatal(err)
	}
	var prev *Result
	for _, workers := range []int{1, 4} {
		res, err := MiniBatch(X, n, d, w, MiniBatchConfig{K: k, Seed: 12, Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		if res.Inertia > full.Inertia*1.01 {
			t.Errorf("mini-batch inertia %.6g, full k-means %.6g", res.Inertia, full.Inertia)
		}
		if prev != nil && (!slices.Equal(prev.Centres, res.Centres) || !slices.Equal(prev.Labels, res.Labels) || prev.Inertia != res.Inertia) {
			t.Errorf("mini-batch results differ between 1 and 4 workers")
		}
		prev = res
	}
	inertia, err := Inertia(X, n, d, w, prev.Centres, prev.Labels)
	if err != nil {
		t.Fatal(err)
	}
	if relErr(inertia, prev.Inertia, 1) > 1e-12 {
		t.Errorf("Inertia() = %.17g, result %.17g", inertia, prev.Inertia)
	}
}
