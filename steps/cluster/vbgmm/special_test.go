package vbgmm

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestExpNeg compares expNeg with math.Exp on the range the E-step uses.
func TestExpNeg(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	check := func(x float64) {
		got, want := expNeg(x), math.Exp(x)
		if math.Abs(got-want) > 4.5e-16*want {
			t.Fatalf("expNeg(%v) = %.17g, math.Exp %.17g (relative %.3g)", x, got, want, (got-want)/want)
		}
	}
	for _, x := range []float64{0, -1e-300, -1e-17, -0.5, -math.Ln2, -1, -700, -708, -708.5, -745} {
		check(x)
	}
	for range 200_000 {
		check(-745 * rng.Float64())
		check(-2 * rng.Float64())
	}
}

func BenchmarkExpNeg(b *testing.B) {
	xs := make([]float64, 1000)
	for i := range xs {
		xs[i] = -float64(i) * 0.05
	}
	var s float64
	for b.Loop() {
		for _, x := range xs {
			s += expNeg(x)
		}
	}
	_ = s
}

func BenchmarkMathExp(b *testing.B) {
	xs := make([]float64, 1000)
	for i := range xs {
		xs[i] = -float64(i) * 0.05
	}
	var s float64
	for b.Loop() {
		for _, x := range xs {
			s += math.Exp(x)
		}
	}
	_ = s
}
