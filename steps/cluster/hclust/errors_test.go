package hclust

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func TestLinkageErrors(t *testing.T) {
	x := normalMatrix(10, 2, 3)
	nan := normalMatrix(10, 2, 3)
	nan[7] = math.NaN()
	inf := normalMatrix(10, 2, 3)
	inf[0] = math.Inf(-1)
	zeroRow := normalMatrix(10, 2, 3)
	zeroRow[4], zeroRow[5] = 0, 0
	w := make([]float64, 10)
	for i := range w {
		w[i] = 1
	}
	negW := append([]float64(nil), w...)
	negW[3] = -1
	cases := []struct {
		name string
		x    []float64
		n, d int
		w    []float64
		cfg  Config
		want string
	}{
		{"one row", x[:2], 1, 2, nil, Config{}, "need at least 2 rows"},
		{"zero rows", nil, 0, 2, nil, Config{}, "need at least 2 rows"},
		{"no columns", nil, 10, 0, nil, Config{}, "need at least 1 column"},
		{"shape", x[:19], 10, 2, nil, Config{}, "matrix has 19 values"},
		{"nan", nan, 10, 2, nil, Config{}, "row 3, column 1 is NaN"},
		{"inf", inf, 10, 2, nil, Config{Method: Average}, "row 0, column 0 is -Inf"},
		{"ward cosine", x, 10, 2, nil, Config{Method: Ward, Metric: Cosine}, "ward linkage requires the euclidean metric, got cosine"},
		{"centroid cityblock", x, 10, 2, nil, Config{Method: Centroid, Metric: "manhattan"}, "centroid linkage requires the euclidean metric, got cityblock"},
		{"median cosine", x, 10, 2, nil, Config{Method: Median, Metric: Cosine}, "median linkage requires the euclidean metric"},
		{"unknown method", x, 10, 2, nil, Config{Method: "mcquitty"}, `unknown linkage "mcquitty"`},
		{"unknown metric", x, 10, 2, nil, Config{Metric: "chebyshev"}, `unknown metric "chebyshev"`},
		{"cosine zero row", zeroRow, 10, 2, nil, Config{Method: Single, Metric: Cosine}, "row 2 is all zeros"},
		{"weights need ward", x, 10, 2, w, Config{Method: Average}, "sample weights need ward linkage, got average"},
		{"weights length", x, 10, 2, w[:9], Config{}, "got 9 weights for 10 rows"},
		{"negative weight", x, 10, 2, negW, Config{}, "weight of row 3 is -1"},
		{"negative budget", x, 10, 2, nil, Config{Method: Average, MaxMemory: -1}, "negative MaxMemory"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Linkage(c.x, c.n, c.d, c.w, c.cfg)
			if err == nil {
				t.Fatalf("no error, want one containing %q", c.want)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q does not contain %q", err, c.want)
			}
		})
	}
}

// TestMemoryBudget checks that complete, average and weighted linkage refuse
// before allocating the distance matrix. The large case would need 32.7 TiB;
// had it tried to allocate, the test would crash.
func TestMemoryBudget(t *testing.T) {
	const big = 3_000_000
	x := make([]float64, big) // one column
	for i := range x {
		x[i] = float64(i % 1000)
	}
	for _, m := range []Method{Complete, Average, Weighted} {
		_, err := Linkage(x, big, 1, nil, Config{Method: m})
		if !errors.Is(err, ErrMemoryBudget) {
			t.Fatalf("%s: got %v, want ErrMemoryBudget", m, err)
		}
		for _, s := range []string{"32.7 TiB", "ward", "two-stage"} {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("%s: error %q does not mention %q", m, err, s)
			}
		}
	}
	small := normalMatrix(1000, 3, 1)
	// 1000 rows need 8·1000·999/2 = 3,996,000 bytes.
	if _, err := Linkage(small, 1000, 3, nil, Config{Method: Average, MaxMemory: 3_995_999}); !errors.Is(err, ErrMemoryBudget) {
		t.Fatalf("budget one byte short: got %v", err)
	}
	if _, err := Linkage(small, 1000, 3, nil, Config{Method: Average, MaxMemory: 3_996_000}); err != nil {
		t.Fatalf("budget exactly enough: %v", err)
	}
	if got := RequiredMemory(1000, Ward); got != 0 {
		t.Fatalf("RequiredMemory(ward) = %d, want 0", got)
	}
}

func TestDefaultMaxMemory(t *testing.T) {
	if got := DefaultMaxMemory(); got <= 0 {
		t.Fatalf("DefaultMaxMemory() = %d", got)
	}
	if _, ok := memTotal("testdata/no-such-meminfo"); ok {
		t.Fatal("memTotal of a missing file succeeded")
	}
}

func TestCutErrorsAndEdges(t *testing.T) {
	x := normalMatrix(30, 2, 5)
	z, err := Linkage(x, 30, 2, nil, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := CutK(z, 31); err == nil || !strings.Contains(err.Error(), "k = 31 exceeds the number of rows 30") {
		t.Fatalf("k > n: %v", err)
	}
	if _, err := CutK(z, 0); err == nil {
		t.Fatal("k = 0: no error")
	}
	bad := append([]Merge(nil), z...)
	bad[3].Left = 50
	if _, err := CutK(bad, 3); err == nil || !strings.Contains(err.Error(), "not yet formed") {
		t.Fatalf("malformed tree: %v", err)
	}
	for k := 1; k <= 30; k++ {
		labels, err := CutK(z, k)
		if err != nil {
			t.Fatal(err)
		}
		// Random normal data has no tied heights, so every k is reachable.
		if got := maxLabel(labels) + 1; got != k {
			t.Fatalf("CutK(%d) gave %d clusters", k, got)
		}
		checkCanonical(t, labels)
	}
	if got := maxLabel(CutHeight(z, -1)) + 1; got != 30 {
		t.Fatalf("CutHeight below all merges gave %d clusters", got)
	}
	if got := maxLabel(CutHeight(z, math.Inf(1))) + 1; got != 1 {
		t.Fatalf("CutHeight above all merges gave %d clusters", got)
	}
}

func maxLabel(labels []int) int {
	m := -1
	for _, l := range labels {
		m = max(m, l)
	}
	return m
}

func TestCopheneticErrors(t *testing.T) {
	x := normalMatrix(20, 2, 5)
	z, err := Linkage(x, 20, 2, nil, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Cophenetic(z[:18], x, 20, 2, Config{}); err == nil {
		t.Fatal("short tree: no error")
	}
	if _, err := Cophenetic(z, x, 20, 2, Config{Metric: "hamming"}); err == nil {
		t.Fatal("unknown metric: no error")
	}
}
