package kmeans

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestKernels checks every specialised kernel (d = 1..8) and the generic
// ones (d = 9, 13) against brute-force references: nearest centre (lowest
// index on ties), runner-up distance, assigned distances, distance sums and
// the k-means++ pass. Values are negative for rows near a centre (the
// origin is the centre mean), which exercises the order keys.
func TestKernels(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, d := range []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 13} {
		for _, k := range []int{1, 2, 3, 8, 11} {
			n := 300
			xs := make([]float64, n*d)
			for i := range xs {
				xs[i] = math.Round(r.NormFloat64()*4) / 2 // ties on purpose
			}
			cs := make([]float64, k*d)
			for i := range cs {
				cs[i] = math.Round(r.NormFloat64()*4) / 2
			}
			origin := make([]float64, d)
			for j := range k {
				for t := range d {
					origin[t] += cs[j*d+t] / float64(k)
				}
			}
			ctr, cn := kernelCentres(cs, origin, d)
			value := valueFunc(d)
			sqDist := sqDistFunc(d)

			// Reference: arg-min of the value kernel, lowest index on ties.
			want := make([]int32, n)
			wantD1, wantD2 := make([]float64, n), make([]float64, n)
			for i := range n {
				x := xs[i*d : i*d+d]
				best, bv := 0, value(x, ctr[:d], cn[0])
				for j := 1; j < k; j++ {
					if v := value(x, ctr[j*d:j*d+d], cn[j]); v < bv {
						best, bv = j, v
					}
				}
				want[i] = int32(best)
				wantD1[i] = math.Sqrt(sqDist(x, cs[best*d:best*d+d]))
				wantD2[i] = math.Inf(1)
				for j := range k {
					if j != best {
						wantD2[i] = min(wantD2[i], math.Sqrt(sqDist(x, cs[j*d:j*d+d])))
					}
				}
			}
			lab := make([]int32, n)
			for i := range lab {
				lab[i] = -1
			}
			if ch := assignFunc(d)(xs, ctr, cn, lab); ch != n || !slices.Equal(lab, want) {
				t.Errorf("d=%d k=%d: assign labels differ from the reference (changed %d)", d, k, ch)
			}
			rows := make([]int32, n)
			for i := range rows {
				rows[i] = int32(i)
			}
			best := make([]int32, n)
			d1, d2 := make([]float64, n), make([]float64, n)
			assign2Func(d)(xs, rows, ctr, cn, origin, best, d1, d2)
			if !slices.Equal(best, want) {
				t.Errorf("d=%d k=%d: assign2 labels differ from the reference", d, k)
			}
			for i := range n {
				// Distances derived from the values carry their rounding
				// error: at most ~1e-7 of the scale here.
				if math.Abs(d1[i]-wantD1[i]) > 1e-6*(1+wantD1[i]) || math.Abs(d2[i]-wantD2[i]) > 1e-6*(1+wantD2[i]) {
					t.Errorf("d=%d k=%d row %d: assign2 distances %v %v, want %v %v", d, k, i, d1[i], d2[i], wantD1[i], wantD2[i])
					break
				}
			}
			dist := make([]float64, n)
			distRowsFunc(d)(xs, rows, want, cs, dist)
			for i := range n {
				if dist[i] != wantD1[i] {
					t.Errorf("d=%d k=%d row %d: distRows %v, want %v", d, k, i, dist[i], wantD1[i])
					break
				}
			}
			idx := rows[:n/3]
			s, ref := sumDistFunc(d)(xs[:d], xs, idx), 0.0
			for _, j := range idx {
				ref += math.Sqrt(sqDistN(xs[:d], xs[int(j)*d:int(j)*d+d]))
			}
			if math.Abs(s-ref) > 1e-12*ref {
				t.Errorf("d=%d: sumDist %v, want %v", d, s, ref)
			}
			// k-means++ pass: closest folds prev, pot sums w*min(closest, D^2).
			closest := make([]float64, n)
			w := make([]float64, n)
			for i := range n {
				closest[i] = 50 * r.Float64()
				w[i] = r.Float64()
			}
			wantClosest := slices.Clone(closest)
			wantPot := make([]float64, k)
			for i := range n {
				x := xs[i*d : i*d+d]
				wantClosest[i] = min(wantClosest[i], sqDistN(x, cs[:d]))
				for j := range k {
					wantPot[j] += w[i] * min(wantClosest[i], sqDistN(x, cs[j*d:j*d+d]))
				}
			}
			pot := make([]float64, k)
			ppPassFunc(d)(xs, w, closest, cs[:d], cs, pot)
			for j := range k {
				if math.Abs(pot[j]-wantPot[j]) > 1e-12*wantPot[j] {
					t.Errorf("d=%d k=%d: ppPass pot[%d] = %v, want %v", d, k, j, pot[j], wantPot[j])
				}
			}
			for i := range n {
				if closest[i] != wantClosest[i] {
					t.Errorf("d=%d k=%d: ppPass closest[%d] = %v, want %v", d, k, i, closest[i], wantClosest[i])
					break
				}
			}
		}
	}
}
