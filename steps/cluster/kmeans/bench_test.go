package kmeans

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
)

// benchData returns n x d standard normal rows (fixed seed).
func benchData(n, d int) []float64 {
	r := rand.New(rand.NewPCG(2024, 1))
	X := make([]float64, n*d)
	for i := range X {
		X[i] = r.NormFloat64()
	}
	return X
}

// BenchmarkFitFixedIter times 20 iterations from fixed centres on 200,000
// x 8 standard normal rows with k = 8, for each algorithm (per-iteration
// time = ns/op / 20). bench/kmeans compares the 1e6-row case with
// scikit-learn.
func BenchmarkFitFixedIter(b *testing.B) {
	n, d, k := 200_000, 8, 8
	X := benchData(n, d)
	init := append([]float64(nil), X[:k*d]...)
	for _, algo := range []string{AlgoLloyd, AlgoHamerly, AlgoElkan} {
		b.Run(algo, func(b *testing.B) {
			cfg := Config{K: k, Init: InitGiven, Centres: init, MaxIter: 20, Algorithm: algo}
			for b.Loop() {
				if _, err := Fit(X, n, d, nil, cfg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkLloyd times Lloyd iterations on the shape of issue #4 (1e6 x 8
// standard normal rows, k = 8, 50 iterations from the first 8 rows, as the
// fixed50 case of bench/kmeans, which compares it with scikit-learn), with
// every assignment kernel the CPU runs: the vector kernels (vec8: AVX-512,
// vec4: AVX2) and the Go kernels (go, what -tags purego or other CPUs
// run). It reports the time per iteration; -short uses 200,000 rows.
func BenchmarkLloyd(b *testing.B) {
	n, d, k := 1_000_000, 8, 8
	if testing.Short() {
		n = 200_000
	}
	X := benchData(n, d)
	init := X[:k*d]
	cases := kernelCases(d)
	names := slices.Sorted(maps.Keys(cases))
	for _, name := range names {
		b.Run("kernel="+name, func(b *testing.B) {
			p, err := newProblem(X, n, d, nil, k, 0)
			if err != nil {
				b.Fatal(err)
			}
			p.vec = cases[name]
			s := newSolver(p, AlgoLloyd)
			iters := 0
			for b.Loop() {
				iters += s.run(init, 50).iters
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(iters)/1e6, "ms/iter")
		})
	}
}

// BenchmarkFitEndToEnd times a full fit (k-means++, tol 1e-4) for a few
// shapes.
func BenchmarkFitEndToEnd(b *testing.B) {
	for _, s := range []struct{ n, d, k int }{{200_000, 8, 8}, {100_000, 3, 5}, {20_000, 32, 32}} {
		X := benchData(s.n, s.d)
		b.Run(fmt.Sprintf("n=%d/d=%d/k=%d", s.n, s.d, s.k), func(b *testing.B) {
			for b.Loop() {
				if _, err := Fit(X, s.n, s.d, nil, Config{K: s.k, Seed: 1, Tol: 1e-4}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkAssign times the Lloyd assignment kernel alone (one pass).
func BenchmarkAssign(b *testing.B) {
	n, d, k := 200_000, 8, 8
	X := benchData(n, d)
	mean := make([]float64, d)
	ctr, cn := kernelCentres(X[:k*d], mean, d)
	lab := make([]int32, n)
	assign := assignFunc(d)
	for b.Loop() {
		assign(X, ctr, cn, lab)
	}
}

// BenchmarkAssignVec times one Lloyd assignment pass as Fit runs it, with
// every vector kernel the CPU runs (see vecKernels) and the Go kernel.
func BenchmarkAssignVec(b *testing.B) {
	n, d, k := 200_000, 8, 8
	X := benchData(n, d)
	mean := make([]float64, d)
	ctr, cn := kernelCentres(X[:k*d], mean, d)
	lab := make([]int32, n)
	moved, from := make([]int32, n), make([]int32, n)
	assign := assignFunc(d)
	for name, vk := range kernelCases(d) {
		cb := vk.pack(nil, ctr, cn, d)
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				assignTrack(vk, assign, X, ctr, cn, cb, lab, moved, from, d)
			}
		})
	}
}

// BenchmarkMiniBatch times mini-batch k-means on 200,000 x 8 rows.
func BenchmarkMiniBatch(b *testing.B) {
	n, d := 200_000, 8
	X := benchData(n, d)
	for b.Loop() {
		if _, err := MiniBatch(X, n, d, nil, MiniBatchConfig{K: 8, Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPredict times Predict on 200,000 x 8 rows with 8 centres.
func BenchmarkPredict(b *testing.B) {
	n, d := 200_000, 8
	X := benchData(n, d)
	for b.Loop() {
		if _, _, err := Predict(X, n, d, X[:64]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSilhouette times the exact silhouette of 5,000 x 8 rows.
func BenchmarkSilhouette(b *testing.B) {
	n, d := 5000, 8
	X := benchData(n, d)
	labels := make([]int32, n)
	for i := range labels {
		labels[i] = int32(i % 6)
	}
	for b.Loop() {
		if _, err := Silhouette(X, n, d, labels, SilhouetteOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMatchCentres times the Hungarian matching of 64 centres.
func BenchmarkMatchCentres(b *testing.B) {
	d := 8
	prev := benchData(64, d)
	next := append([]float64(nil), prev...)
	for i := range next {
		next[i] += 0.1
	}
	for b.Loop() {
		if _, err := MatchCentres(prev, next, d); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAlgorithms compares Lloyd, Hamerly and Elkan on 30,000 rows of
// overlapping Gaussian blobs for several (d, k); it is the measurement
// behind the "auto" rule (k-means++ start, tol 1e-4, at most 100
// iterations).
func BenchmarkAlgorithms(b *testing.B) {
	for _, s := range []struct{ d, k int }{{4, 16}, {8, 32}, {16, 16}, {32, 32}, {64, 32}, {128, 32}, {8, 128}} {
		n := 30_000
		X := gaussianMixture(n, s.d, s.k, 1.5, 3)
		for _, algo := range []string{AlgoLloyd, AlgoHamerly, AlgoElkan} {
			b.Run(fmt.Sprintf("d=%d/k=%d/%s", s.d, s.k, algo), func(b *testing.B) {
				cfg := Config{K: s.k, Seed: 1, Tol: 1e-4, MaxIter: 100, Algorithm: algo}
				for b.Loop() {
					if _, err := Fit(X, n, s.d, nil, cfg); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
