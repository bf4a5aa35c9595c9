package kmeans

import (
	"math"
	"testing"
)

// TestEdgeCases checks degenerate but valid inputs: one row, identical
// rows, k equal to the number of distinct rows with every algorithm, one
// feature, and rows of weight zero.
func TestEdgeCases(t *testing.T) {
	for _, algo := range algorithms {
		res, err := Fit([]float64{3, 4}, 1, 2, nil, Config{K: 1, Algorithm: algo})
		if err != nil || res.Inertia != 0 || res.Centres[0] != 3 || res.Centres[1] != 4 {
			t.Errorf("%s one row: %v %+v", algo, err, res)
		}
		res, err = Fit([]float64{2, 2, 2, 2}, 4, 1, nil, Config{K: 1, Algorithm: algo})
		if err != nil || res.Inertia != 0 || res.Centres[0] != 2 {
			t.Errorf("%s identical rows: %v %+v", algo, err, res)
		}
		X := []float64{0, 0, 0, 10, 10, 10, 10, 20}
		res, err = Fit(X, 8, 1, nil, Config{K: 3, Algorithm: algo, Seed: 4})
		if err != nil || res.Inertia != 0 {
			t.Errorf("%s k = distinct rows: %v %+v", algo, err, res)
		}
		// The zero-weight row at 100 must not pull its centre.
		w := []float64{1, 1, 1, 1, 0}
		res, err = Fit([]float64{0, 1, 10, 11, 100}, 5, 1, w, Config{K: 2, Init: InitGiven, Centres: []float64{0, 100}, Algorithm: algo})
		if err != nil {
			t.Fatal(err)
		}
		if c := res.Centres; math.Abs(min(c[0], c[1])-0.5) > 1e-12 || math.Abs(max(c[0], c[1])-10.5) > 1e-12 {
			t.Errorf("%s zero weight: centres %v, want 0.5 and 10.5", algo, c)
		}
	}
}
