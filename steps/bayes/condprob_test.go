package bayes

import (
	"math"
	"testing"

	"github.com/aftercare/aftercare/steps/bayes/btyd"
)

// The conditional purchase-count distribution sums to one and its mean is
// FHL's conditional expectation (equation 10, tested against the published
// CDNOW values in package btyd), for histories from the CDNOW sample.
func TestCondProbPurchasesMoments(t *testing.T) {
	p := btyd.BGParams{R: 0.2425982, Alpha: 4.4136842, A: 0.7929899, B: 2.4261667}
	cases := [][3]float64{{2, 30.43, 38.86}, {0, 0, 38.86}, {26, 30.86, 31}, {10, 20, 39}, {1, 1.71, 38.86}}
	for _, h := range []float64{1, 39, 52} {
		for _, c := range cases {
			x, tx, T := c[0], c[1], c[2]
			alive := p.ProbAlive(x, tx, T)
			var sum, mean float64
			for n := range 2000 {
				q := condProbPurchases(p, alive, h, n, x, T)
				if !(q >= 0 && q <= 1) {
					t.Fatalf("P(%d | %v, t=%g) = %g", n, c, h, q)
				}
				sum += q
				mean += float64(n) * q
			}
			want := p.ConditionalExpectedPurchases(h, x, tx, T)
			if math.Abs(sum-1) > 1e-9 || math.Abs(mean-want) > 1e-7*math.Max(1, want) {
				t.Errorf("history %v, t=%g: Σ P = %.12f, mean %.9f, want 1 and %.9f", c, h, sum, mean, want)
			}
		}
	}
}
