package vbgmm

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// benchData draws n rows in d dimensions from 6 overlapping Gaussian
// clusters, and random initial responsibilities for k components.
func benchData(n, d, k int) (x, resp []float64) {
	rng := rand.New(rand.NewPCG(42, 7))
	centers := make([]float64, 6*d)
	for i := range centers {
		centers[i] = 4 * rng.NormFloat64()
	}
	x = make([]float64, n*d)
	for i := range n {
		c := rng.IntN(6)
		for j := range d {
			x[i*d+j] = centers[c*d+j] + rng.NormFloat64()*(1+0.2*float64(j))
		}
	}
	return x, randomResp(n, k, rng)
}

// BenchmarkIteration times one E-step + M-step + lower bound on 100,000 × 8
// with 10 components (the bench/vbgmm comparison with scikit-learn).
func BenchmarkIteration(b *testing.B) {
	const n, d, k = 100_000, 8, 10
	x, resp := benchData(n, d, k)
	for _, ct := range []CovarianceType{Full, Diag, Spherical, Tied} {
		for _, w := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/workers=%d", ct, w), func(b *testing.B) {
				cfg := DefaultConfig()
				cfg.MaxComponents = k
				cfg.CovarianceType = ct
				cfg.Workers = w
				f, err := newFitter(x, d, cfg)
				if err != nil {
					b.Fatal(err)
				}
				if err := f.initialize(resp, nil); err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				for b.Loop() {
					if _, err := f.iterate(); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
