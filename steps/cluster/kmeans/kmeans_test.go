package kmeans

import (
	"math"
	"slices"
	"testing"
)

var algorithms = []string{AlgoLloyd, AlgoHamerly, AlgoElkan}

// TestFitMatchesSklearn compares Lloyd, Hamerly and Elkan started from the
// same centres with scikit-learn 1.2's KMeans(init=centres, n_init=1,
// algorithm="lloyd") (testdata/gen_reference.py): same labels, same
// iteration count, inertia and centres within 1e-9 relative.
func TestFitMatchesSklearn(t *testing.T) {
	ref := loadReference(t)
	for _, c := range ref.Cases {
		for _, algo := range algorithms {
			t.Run(c.Name+"/"+algo, func(t *testing.T) {
				res, err := Fit(c.X, c.N, c.D, c.W, Config{
					K: c.K, Init: InitGiven, Centres: c.Init,
					Tol: c.Tol, MaxIter: c.MaxIter, Algorithm: algo,
				})
				if err != nil {
					t.Fatal(err)
				}
				if res.Iterations != c.NIter {
					t.Errorf("iterations = %d, sklearn n_iter_ = %d", res.Iterations, c.NIter)
				}
				if !slices.Equal(res.Labels, c.Labels) {
					diff := 0
					for i := range res.Labels {
						diff += b2i(res.Labels[i] != c.Labels[i])
					}
					t.Errorf("%d of %d labels differ from sklearn", diff, c.N)
				}
				// The scale of the problem: sklearn's inertia can be ~0
				// (sk_relocated), so the floor is the data's squared scale.
				scale := 0.0
				for _, v := range c.X {
					scale = max(scale, v*v)
				}
				if e := relErr(res.Inertia, c.Inertia, 1e-12*scale); e > 1e-9 {
					t.Errorf("inertia = %.17g, sklearn %.17g (rel err %.3g)", res.Inertia, c.Inertia, e)
				}
				for i, v := range res.Centres {
					if e := relErr(v, c.Centres[i], math.Sqrt(scale)); e > 1e-9 {
						t.Errorf("centre value %d = %.17g, sklearn %.17g", i, v, c.Centres[i])
						break
					}
				}
				if res.Algorithm != algo {
					t.Errorf("algorithm = %q, want %q", res.Algorithm, algo)
				}
			})
		}
	}
}

// TestAlgorithmsIdentical checks that Hamerly and Elkan reproduce Lloyd
// bit for bit (labels, centres, inertia, iterations) from k-means++ and
// random starts, on data where many rows lie near cluster boundaries.
func TestAlgorithmsIdentical(t *testing.T) {
	type tc struct {
		name    string
		n, d, k int
		sep     float64
		init    string
	}
	cases := []tc{
		{"overlap-d2-k5", 6000, 2, 5, 0.5, InitKMeansPP},
		{"blobs-d8-k8", 9000, 8, 8, 3, InitKMeansPP},
		{"d12-k20", 5000, 12, 20, 1, InitRandom},
		{"d20-k32", 4000, 20, 32, 2, InitKMeansPP},
		{"d3-k1", 1000, 3, 1, 1, InitKMeansPP},
		{"integer-ties-d2-k7", 3000, 2, 7, 0, InitKMeansPP},
		{"integer-ties-d3-k9", 3000, 3, 9, 0, InitRandom},
	}
	for _, c := range cases {
		X := gaussianMixture(c.n, c.d, max(c.k, 2), c.sep, 42)
		if c.sep == 0 {
			// Integer grid: many rows exactly equidistant from two centres.
			for i := range X {
				X[i] = math.Round(X[i] * 3)
			}
		}
		var w []float64
		if c.d == 8 {
			w = make([]float64, c.n)
			for i := range w {
				w[i] = float64(i%5) + 0.5
			}
		}
		var base *Result
		for _, algo := range algorithms {
			res, err := Fit(X, c.n, c.d, w, Config{K: c.k, Init: c.init, NInit: 2, Seed: 9, Tol: 1e-6, Algorithm: algo})
			if err != nil {
				t.Fatal(err)
			}
			if base == nil {
				base = res
				continue
			}
			if !slices.Equal(res.Labels, base.Labels) || !slices.Equal(res.Centres, base.Centres) ||
				res.Inertia != base.Inertia || res.Iterations != base.Iterations {
				t.Errorf("%s: %s differs from lloyd (iterations %d vs %d, inertia %.17g vs %.17g)",
					c.name, algo, res.Iterations, base.Iterations, res.Inertia, base.Inertia)
			}
		}
	}
}

// TestWorkersBitwise checks that results do not depend on the number of
// workers: 1 and 4 workers give the same bits.
func TestWorkersBitwise(t *testing.T) {
	n, d := 30000, 6
	X := gaussianMixture(n, d, 6, 2, 5)
	w := make([]float64, n)
	for i := range w {
		w[i] = 1 + float64(i%7)/3
	}
	for _, algo := range append([]string{AlgoAuto}, algorithms...) {
		for _, init := range []string{InitKMeansPP, InitRandom} {
			var got [2]*Result
			for i, workers := range []int{1, 4} {
				res, err := Fit(X, n, d, w, Config{K: 6, Init: init, NInit: 3, Seed: 77, Tol: 1e-4, Algorithm: algo, Workers: workers})
				if err != nil {
					t.Fatal(err)
				}
				got[i] = res
			}
			a, b := got[0], got[1]
			if !slices.Equal(a.Labels, b.Labels) || !slices.Equal(a.Centres, b.Centres) ||
				!slices.Equal(a.Distances, b.Distances) || a.Inertia != b.Inertia || a.Iterations != b.Iterations {
				t.Errorf("%s/%s: results differ between 1 and 4 workers", algo, init)
			}
		}
	}
}

// TestMallCustomers checks k-means++ with 10 restarts on the Mall Customers
// data (Annual Income, Spending Score) against the SSE values published in
// /work/shared/data/README.md (best of 200 random-start Lloyd runs, and
// 44448.45544793369 for k = 5 in many public tutorials). For k = 2 the
// global optimum is not reached by every 10-restart run: scikit-learn 1.2's
// KMeans(2, n_init=10) reaches it for 17 of random_state 0..19, so the test
// uses a seed that does and checks the rate over 40 seeds separately.
func TestMallCustomers(t *testing.T) {
	X, n := mallCustomers(t)
	if n != 200 {
		t.Fatalf("read %d rows, want 200", n)
	}
	want := map[int]float64{1: 269981.28, 2: 181363.596, 3: 106348.373, 4: 73679.789, 5: 44448.4554}
	decimals := map[int]float64{1: 2, 2: 3, 3: 3, 4: 3, 5: 4}
	for k := 1; k <= 5; k++ {
		res, err := Fit(X, n, 2, nil, Config{K: k, Init: InitKMeansPP, NInit: 10, Seed: 3, Tol: 1e-4})
		if err != nil {
			t.Fatal(err)
		}
		if got := math.Round(res.Inertia*math.Pow(10, decimals[k])) / math.Pow(10, decimals[k]); got != want[k] {
			t.Errorf("k = %d: inertia %.6f, published %v", k, res.Inertia, want[k])
		}
		if k == 5 {
			// Published centres and sizes, matched by rounding.
			type cl struct {
				x, y float64
				n    int
			}
			pub := []cl{{25.727, 79.364, 22}, {26.304, 20.913, 23}, {55.296, 49.519, 81}, {86.538, 82.128, 39}, {88.2, 17.114, 35}}
			sizes := make([]int, k)
			for _, l := range res.Labels {
				sizes[l]++
			}
			for _, p := range pub {
				found := false
				for j := range k {
					if math.Abs(res.Centres[2*j]-p.x) < 5e-4 && math.Abs(res.Centres[2*j+1]-p.y) < 5e-4 && sizes[j] == p.n {
						found = true
					}
				}
				if !found {
					t.Errorf("published centre (%v, %v) n=%d not found in %v sizes %v", p.x, p.y, p.n, res.Centres, sizes)
				}
			}
		}
	}
}

// TestMallCustomersRestartRate checks the quality of the k-means++
// initialisation: with 10 restarts the published optimum is reached for
// k = 3, 4, 5 with every seed 0..39, and for k = 2 about as often as with
// scikit-learn 1.2 (17 of random_state 0..19, i.e. ~34 of 40; this package
// reaches it for 33 of 40, the test requires 30).
func TestMallCustomersRestartRate(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	X, n := mallCustomers(t)
	want := map[int]float64{2: 181363.596, 3: 106348.373, 4: 73679.789, 5: 44448.4554}
	minHits := map[int]int{2: 30, 3: 40, 4: 40, 5: 40}
	for k := 2; k <= 5; k++ {
		hits := 0
		for seed := range uint64(40) {
			res, err := Fit(X, n, 2, nil, Config{K: k, NInit: 10, Seed: seed, Tol: 1e-4})
			if err != nil {
				t.Fatal(err)
			}
			hits += b2i(math.Abs(res.Inertia-want[k]) < 1e-3)
		}
		if hits < minHits[k] {
			t.Errorf("k = %d: optimum reached for %d of 40 seeds, want >= %d", k, hits, minHits[k])
		}
	}
}

// TestLargeOffset checks the numerics on data far from the origin: shifting
// the rows by 1e6 (and the initial centres with them) gives the same labels
// and iterations, and the same centres up to the shift, for every algorithm.
func TestLargeOffset(t *testing.T) {
	n, d, k := 5000, 4, 6
	X := gaussianMixture(n, d, k, 2, 17)
	Y := make([]float64, len(X))
	for i, v := range X {
		Y[i] = v + 1e6
	}
	init := append([]float64(nil), X[:k*d]...)
	initY := append([]float64(nil), Y[:k*d]...)
	for _, algo := range algorithms {
		a, err := Fit(X, n, d, nil, Config{K: k, Init: InitGiven, Centres: init, Tol: 1e-4, Algorithm: algo})
		if err != nil {
			t.Fatal(err)
		}
		b, err := Fit(Y, n, d, nil, Config{K: k, Init: InitGiven, Centres: initY, Tol: 1e-4, Algorithm: algo})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(a.Labels, b.Labels) || a.Iterations != b.Iterations {
			t.Errorf("%s: offset data gives different labels or iterations (%d vs %d)", algo, a.Iterations, b.Iterations)
		}
		for i := range a.Centres {
			if math.Abs(b.Centres[i]-1e6-a.Centres[i]) > 1e-8 {
				t.Errorf("%s: centre value %d: %v vs %v + 1e6", algo, i, a.Centres[i], b.Centres[i])
				break
			}
		}
		if relErr(b.Inertia, a.Inertia, 1) > 1e-9 {
			t.Errorf("%s: inertia %v vs %v", algo, b.Inertia, a.Inertia)
		}
	}
}
