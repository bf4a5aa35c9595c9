package kmeans

import (
	"math"
	"slices"
	"testing"
)

// TestPredictMatchesSklearn checks that Predict with scikit-learn's fitted
// centres reproduces scikit-learn's labels (its fit ends with an assignment
// to those centres), and that Predict with Fit's centres reproduces Fit's
// labels and distances.
func TestPredictMatchesSklearn(t *testing.T) {
	ref := loadReference(t)
	for _, c := range ref.Cases {
		labels, dist, err := Predict(c.X, c.N, c.D, c.Centres)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(labels, c.Labels) {
			t.Errorf("%s: Predict labels differ from sklearn", c.Name)
		}
		res, err := Fit(c.X, c.N, c.D, c.W, Config{K: c.K, Init: InitGiven, Centres: c.Init, Tol: c.Tol, MaxIter: c.MaxIter})
		if err != nil {
			t.Fatal(err)
		}
		labels, dist, err = Predict(c.X, c.N, c.D, res.Centres)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(labels, res.Labels) {
			t.Errorf("%s: Predict(Fit centres) labels differ from Fit", c.Name)
		}
		for i := range dist {
			if math.Abs(dist[i]-res.Distances[i]) > 1e-12*(1+res.Distances[i]) {
				t.Errorf("%s: row %d distance %v, Fit %v", c.Name, i, dist[i], res.Distances[i])
				break
			}
		}
	}
}

// TestPredictHandChecked checks Predict on points placed by hand, including
// a tie (equidistant from centres 0 and 1: the lowest index wins).
func TestPredictHandChecked(t *testing.T) {
	centres := []float64{0, 0, 10, 0, 0, 10}
	X := []float64{1, 1, 9, 0, 0, 12, 5, 0, -3, -4}
	labels, dist, err := Predict(X, 5, 2, centres)
	if err != nil {
		t.Fatal(err)
	}
	wantL := []int32{0, 1, 2, 0, 0}
	wantD := []float64{math.Sqrt2, 1, 2, 5, 5}
	if !slices.Equal(labels, wantL) {
		t.Errorf("labels = %v, want %v", labels, wantL)
	}
	for i := range dist {
		if math.Abs(dist[i]-wantD[i]) > 1e-12 {
			t.Errorf("distance %d = %v, want %v", i, dist[i], wantD[i])
		}
	}
}
