package hclust

import (
	"math"
	"slices"
	"testing"
)

// blobs returns n rows around 4 well separated centres in d columns.
func blobs(n, d int, seed uint64) []float64 {
	x := normalMatrix(n, d, seed)
	for i := range n {
		shift := float64(i%4) * 10
		x[i*d] += shift
		x[i*d+1%d] -= shift
	}
	return x
}

func TestMicroClusters(t *testing.T) {
	const n, d, k = 5000, 3, 60
	x := blobs(n, d, 9)
	mc, err := MicroClusters(x, n, d, MicroConfig{K: k, Seed: 4, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	m := len(mc.Weights)
	if m < 1 || m > k || len(mc.Centres) != m*d {
		t.Fatalf("got %d micro-clusters with %d centre values", m, len(mc.Centres))
	}
	// By definition of the Lloyd fixed point: every centre is the mean of
	// its rows, weights count the rows, no micro-cluster is empty.
	sums := make([]float64, m*d)
	counts := make([]float64, m)
	for i, a := range mc.Assign {
		counts[a]++
		for j := range d {
			sums[a*d+j] += x[i*d+j]
		}
	}
	for c := range m {
		if counts[c] == 0 || counts[c] != mc.Weights[c] {
			t.Fatalf("micro-cluster %d: %g rows, weight %g", c, counts[c], mc.Weights[c])
		}
		for j := range d {
			if mean := sums[c*d+j] / counts[c]; math.Abs(mean-mc.Centres[c*d+j]) > 1e-12*math.Max(1, math.Abs(mean)) {
				t.Fatalf("centre %d column %d: %g, mean of its rows %g", c, j, mc.Centres[c*d+j], mean)
			}
		}
	}
	// Same seed, other worker count: the same bytes.
	mc4, err := MicroClusters(x, n, d, MicroConfig{K: k, Seed: 4, Workers: 4})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(mc.Assign, mc4.Assign) || !slices.Equal(mc.Centres, mc4.Centres) {
		t.Fatal("result depends on the worker count")
	}
	if _, err := MicroClusters(x, n, d, MicroConfig{K: n + 1}); err == nil {
		t.Fatal("K > n: no error")
	}
}

// TestMicroClustersNearest checks, with a converged run, that every row sits
// in the micro-cluster of its nearest centre (brute force).
func TestMicroClustersNearest(t *testing.T) {
	const n, d, k = 3000, 4, 40
	x := blobs(n, d, 2)
	mc, err := MicroClusters(x, n, d, MicroConfig{K: k, Seed: 1, MaxIter: 300})
	if err != nil {
		t.Fatal(err)
	}
	m := len(mc.Weights)
	for i := range n {
		r := x[i*d : i*d+d]
		best, bestD := -1, math.Inf(1)
		for c := range m {
			if v := sqEuclid(r, mc.Centres[c*d:c*d+d]); v < bestD {
				best, bestD = c, v
			}
		}
		if a := mc.Assign[i]; a != best && sqEuclid(r, mc.Centres[a*d:a*d+d]) > bestD {
			t.Fatalf("row %d in micro-cluster %d, nearest centre is %d", i, a, best)
		}
	}
}

func TestTwoStage(t *testing.T) {
	const n, d, k = 4000, 3, 50
	x := blobs(n, d, 7)
	mc, err := MicroClusters(x, n, d, MicroConfig{K: k, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	ts, err := NewTwoStage(x, n, d, mc.Centres, mc.Weights, mc.Assign, Config{})
	if err != nil {
		t.Fatal(err)
	}
	m := len(mc.Weights)
	if len(ts.Merges) != m-1 {
		t.Fatalf("%d merges for %d micro-clusters", len(ts.Merges), m)
	}
	if root := ts.Merges[m-2]; root.Weight != n || root.Size != m {
		t.Fatalf("root has weight %g and size %d, want %d rows and %d micro-clusters", root.Weight, root.Size, n, m)
	}

	// Kept share: with centres at the means, total SS = within SS + between
	// SS (the ANOVA decomposition), so the kept share is between/total.
	// Computed here from that decomposition, independently of keptSS.
	mean := make([]float64, d)
	for i := range n {
		for j := range d {
			mean[j] += x[i*d+j] / n
		}
	}
	var total, between float64
	for i := range n {
		total += sqEuclid(x[i*d:i*d+d], mean)
	}
	for c := range m {
		between += mc.Weights[c] * sqEuclid(mc.Centres[c*d:c*d+d], mean)
	}
	if want := between / total; math.Abs(ts.KeptSS-want) > 1e-9 {
		t.Fatalf("KeptSS %.12f, between/total %.12f", ts.KeptSS, want)
	}

	// The four blobs are found, and every row takes its micro-cluster's
	// segment.
	labels, err := ts.CutK(4)
	if err != nil {
		t.Fatal(err)
	}
	checkCanonical(t, labels)
	micro, err := CutK(ts.Merges, 4)
	if err != nil {
		t.Fatal(err)
	}
	if err := samePartition(labels, expandLabels(micro, mc.Assign)); err != nil {
		t.Fatal(err)
	}
	truth := make([]int, n)
	for i := range truth {
		truth[i] = i % 4
	}
	if err := samePartition(labels, truth); err != nil {
		t.Fatalf("blobs not recovered: %v", err)
	}
	if err := samePartition(ts.CutHeight(math.Inf(1)), make([]int, n)); err != nil {
		t.Fatal(err)
	}

	// Micro-clusters that are single rows reduce two-stage Ward to Ward.
	small := x[:200*d]
	assign := make([]int, 200)
	ones := make([]float64, 200)
	for i := range assign {
		assign[i], ones[i] = i, 1
	}
	ts1, err := NewTwoStage(small, 200, d, small, ones, assign, Config{})
	if err != nil {
		t.Fatal(err)
	}
	direct, err := Linkage(small, 200, d, nil, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ts1.Merges, direct) || ts1.KeptSS != 1 {
		t.Fatalf("singleton micro-clusters: kept %g, merges equal %v", ts1.KeptSS, slices.Equal(ts1.Merges, direct))
	}
}

func expandLabels(micro, assign []int) []int {
	out := make([]int, len(assign))
	for i, a := range assign {
		out[i] = micro[a]
	}
	return out
}

func TestTwoStageErrors(t *testing.T) {
	x := normalMatrix(10, 2, 1)
	c := x[:6]
	w := []float64{3, 3, 4}
	assign := []int{0, 0, 0, 1, 1, 1, 2, 2, 2, 2}
	bad := append([]int(nil), assign...)
	bad[5] = 3
	cases := []struct {
		name   string
		c, w   []float64
		assign []int
		cfg    Config
	}{
		{"method", c, w, assign, Config{Method: Average}},
		{"centres", c[:5], w, assign, Config{}},
		{"assign length", c, w, assign[:9], Config{}},
		{"assign range", c, w, bad, Config{}},
		{"one micro-cluster", c[:2], w[:1], make([]int, 10), Config{}},
	}
	for _, tc := range cases {
		if _, err := NewTwoStage(x, 10, 2, tc.c, tc.w, tc.assign, tc.cfg); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}
