package cluster_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBayesianGMMRecoversBlobs: four well-separated Gaussian blobs in 3-d
// with max_components 10. The truth is known by construction: the step
// must find 4 effective components, assign rows to them with an adjusted
// Rand index above 0.95, and its lower bound must never decrease.
func TestBayesianGMMRecoversBlobs(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(11, 12))
	centres := [][3]float64{{0, 0, 0}, {8, 0, 0}, {0, 8, 0}, {0, 0, 8}}
	var b strings.Builder
	b.WriteString("id,x,y,z\n")
	var truth []int
	for i := range 800 {
		c := i % 4
		truth = append(truth, c)
		fmt.Fprintf(&b, "r%d,%.6f,%.6f,%.6f\n", i, centres[c][0]+rng.NormFloat64(), centres[c][1]+rng.NormFloat64(), centres[c][2]+rng.NormFloat64())
	}
	os.WriteFile(filepath.Join(dir, "blobs.csv"), []byte(b.String()), 0o644)
	src := `version: 1
name: gmm
steps:
  - {id: in, type: io.read, path: blobs.csv}
  - {id: g, type: cluster.bayesian_gmm, input: in, features: [x, y, z], max_components: 10, seed: 3, n_init: 2, max_iter: 300}
  - {id: w, type: io.write, input: g, path: out.csv, columns: [id, cluster, probability]}
  - {id: p, type: io.write, input: g.profiles, path: profiles.csv}
`
	out := t.TempDir()
	res, err := kmRun(t, dir, out, src, 2)
	if err != nil {
		t.Fatal(err)
	}
	m := res["g"].Metrics
	if got := m["effective_components"]; got != 4 {
		t.Errorf("effective components = %v, want 4", got)
	}
	lbs := m["lower_bounds"].([]float64)
	for i := 1; i < len(lbs); i++ {
		if lbs[i] < lbs[i-1]-1e-9*math.Abs(lbs[i-1]) {
			t.Errorf("lower bound decreased at iteration %d: %v → %v", i, lbs[i-1], lbs[i])
		}
	}
	rows := readCSV(t, filepath.Join(out, "out.csv"))[1:]
	pred := make([]int, len(rows))
	for i, r := range rows {
		fmt.Sscan(r[1], &pred[i])
		var p float64
		fmt.Sscan(r[2], &p)
		if p <= 0 || p > 1 {
			t.Fatalf("row %d probability %v", i, p)
		}
	}
	if ari := adjustedRand(truth, pred); ari < 0.95 {
		t.Errorf("adjusted Rand index %.4f, want > 0.95", ari)
	}
}

// adjustedRand is the adjusted Rand index of Hubert & Arabie (1985).
func adjustedRand(a, b []int) float64 {
	type pair struct{ x, y int }
	n := len(a)
	cont := map[pair]int{}
	ra, rb := map[int]int{}, map[int]int{}
	for i := range a {
		cont[pair{a[i], b[i]}]++
		ra[a[i]]++
		rb[b[i]]++
	}
	c2 := func(k int) float64 { return float64(k) * float64(k-1) / 2 }
	var sIJ, sA, sB float64
	for _, v := range cont {
		sIJ += c2(v)
	}
	for _, v := range ra {
		sA += c2(v)
	}
	for _, v := range rb {
		sB += c2(v)
	}
	exp := sA * sB / c2(n)
	return (sIJ - exp) / ((sA+sB)/2 - exp)
}

func TestBayesianGMMErrors(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "in.csv"), []byte("id,x,s\na,1,u\nb,,v\nc,3,w\n"), 0o644)
	for _, c := range []struct{ cfg, want string }{
		{"features: [x], max_components: 2", "x has 1 null"},
		{"features: [s]", `feature "s" is string`},
		{"features: [xx]", `unknown column "xx" (did you mean x?)`},
		{"features: [x], covariance: fuller", `"fuller" is not one of`},
	} {
		src := "version: 1\nname: e\nsteps:\n  - {id: in, type: io.read, path: in.csv}\n  - {id: g, type: cluster.bayesian_gmm, input: in, " + c.cfg + "}\n"
		_, err := kmRun(t, dir, t.TempDir(), src, 1)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", c.cfg, err, c.want)
		}
	}
}
