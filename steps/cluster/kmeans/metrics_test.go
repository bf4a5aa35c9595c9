package kmeans

import (
	"math"
	"testing"
)

// TestMetricsMatchSklearn compares Silhouette, CalinskiHarabasz and
// DaviesBouldin with sklearn.metrics (silhouette_score,
// calinski_harabasz_score, davies_bouldin_score; scikit-learn 1.2 via
// testdata/gen_reference.py) on the stored cases: the sklearn labels of the
// k-means cases, and non-contiguous labels with a singleton cluster.
func TestMetricsMatchSklearn(t *testing.T) {
	ref := loadReference(t)
	cases := append([]refCase{}, ref.MetricCases...)
	for _, c := range ref.Cases {
		if c.Silhouette != nil {
			cases = append(cases, c)
		}
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			sil, err := Silhouette(c.X, c.N, c.D, c.Labels, SilhouetteOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if e := relErr(sil, *c.Silhouette, 1e-12); e > 1e-9 {
				t.Errorf("silhouette = %.17g, sklearn %.17g (rel err %.2g)", sil, *c.Silhouette, e)
			}
			ch, err := CalinskiHarabasz(c.X, c.N, c.D, c.Labels)
			if err != nil {
				t.Fatal(err)
			}
			if e := relErr(ch, *c.CalinskiHarabasz, 1e-12); e > 1e-9 {
				t.Errorf("calinski-harabasz = %.17g, sklearn %.17g (rel err %.2g)", ch, *c.CalinskiHarabasz, e)
			}
			db, err := DaviesBouldin(c.X, c.N, c.D, c.Labels)
			if err != nil {
				t.Fatal(err)
			}
			if e := relErr(db, *c.DaviesBouldin, 1e-12); e > 1e-9 {
				t.Errorf("davies-bouldin = %.17g, sklearn %.17g (rel err %.2g)", db, *c.DaviesBouldin, e)
			}
		})
	}
}

// TestSilhouetteSampleAndWorkers checks that the silhouette does not depend
// on the worker count, that the sampled variant is reproducible and equals
// the exact silhouette of the sampled rows, and that it is close to the
// exact value (|diff| < 0.02 with 1500 of 6000 rows on blob data).
func TestSilhouetteSampleAndWorkers(t *testing.T) {
	n, d := 6000, 3
	X := gaussianMixture(n, d, 4, 3, 21)
	res, err := Fit(X, n, d, nil, Config{K: 4, Seed: 1, Tol: 1e-4})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := Silhouette(X, n, d, res.Labels, SilhouetteOptions{Workers: 1})
	b, _ := Silhouette(X, n, d, res.Labels, SilhouetteOptions{Workers: 4})
	if a != b {
		t.Errorf("silhouette with 1 and 4 workers: %v != %v", a, b)
	}
	opt := SilhouetteOptions{SampleSize: 1500, Seed: 9}
	s1, _ := Silhouette(X, n, d, res.Labels, opt)
	s2, _ := Silhouette(X, n, d, res.Labels, opt)
	xs, ls := sampleRows(X, n, d, res.Labels, 1500, 9)
	s3, _ := Silhouette(xs, 1500, d, ls, SilhouetteOptions{})
	if s1 != s2 || s1 != s3 {
		t.Errorf("sampled silhouette not reproducible: %v %v %v", s1, s2, s3)
	}
	if math.Abs(s1-a) > 0.02 {
		t.Errorf("sampled silhouette %v far from exact %v", s1, a)
	}
}
