package hclust

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// normalMatrix returns n×d standard normal values from a fixed seed.
func normalMatrix(n, d int, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, seed+1))
	x := make([]float64, n*d)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	return x
}

// The speed goals (see bench/hclust/run.sh, which also runs scipy and
// fastcluster on the same data) are: ward at most 0.7× fastcluster's
// linkage_vector, average/complete at most scipy's time.

func BenchmarkLinkage(b *testing.B) {
	cases := []struct {
		m Method
		n int
	}{
		{Ward, 5000}, {Ward, 20000}, {Average, 5000}, {Complete, 5000}, {Single, 5000},
		{Centroid, 5000}, {Median, 5000},
	}
	const d = 6
	for _, c := range cases {
		x := normalMatrix(c.n, d, 1)
		b.Run(fmt.Sprintf("%s/n=%d", c.m, c.n), func(b *testing.B) {
			for b.Loop() {
				if _, err := Linkage(x, c.n, d, nil, Config{Method: c.m}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkCophenetic(b *testing.B) {
	const n, d = 5000, 6
	x := normalMatrix(n, d, 1)
	z, err := Linkage(x, n, d, nil, Config{Method: Ward})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Cophenetic(z, x, n, d, Config{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTwoStage(b *testing.B) {
	const n, d, k = 200000, 6, 500
	x := normalMatrix(n, d, 1)
	for b.Loop() {
		mc, err := MicroClusters(x, n, d, MicroConfig{K: k, Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := NewTwoStage(x, n, d, mc.Centres, mc.Weights, mc.Assign, Config{}); err != nil {
			b.Fatal(err)
		}
	}
}
