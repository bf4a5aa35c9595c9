package hclust

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// The reference values in testdata/ref_*.json were produced by
// testdata/gen_reference.py with Debian's scipy 1.10.1 / numpy 1.24.2
// (/usr/bin/python3): linkage(X, method, metric), fcluster(Z, k, 'maxclust'),
// fcluster(Z, t, 'distance') and cophenet(Z, pdist(X, metric)).

type refCase struct {
	Method   Method             `json:"method"`
	Metric   Metric             `json:"metric"`
	Z        [][4]float64       `json:"z"`
	Maxclust map[string][]int   `json:"maxclust"`
	Distance []refDistanceCut   `json:"distance"`
	Cophenet float64            `json:"cophenet"`
	Extra    map[string]float64 `json:"-"`
}

type refDistanceCut struct {
	T      float64 `json:"t"`
	Labels []int   `json:"labels"`
}

type refData struct {
	Source string    `json:"source"`
	N      int       `json:"n"`
	D      int       `json:"d"`
	X      []float64 `json:"x"`
	Cases  []refCase `json:"cases"`
}

func loadJSON(t testing.TB, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("read reference: %v", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode %s: %v", name, err)
	}
}

// heightTol is the relative tolerance on merge heights required by the
// specification (scipy computes them through Lance-Williams updates, we
// partly from centroids).
const heightTol = 1e-9

func relDiff(a, b float64) float64 {
	if a == b {
		return 0
	}
	return math.Abs(a-b) / math.Max(math.Abs(a), math.Abs(b))
}

// compareZ checks the linkage matrix against scipy's: same left, right and
// size columns, heights within heightTol.
func compareZ(t *testing.T, got []Merge, want [][4]float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d merges, want %d", len(got), len(want))
	}
	worst := 0.0
	for i, w := range want {
		g := got[i]
		if g.Left != int(w[0]) || g.Right != int(w[1]) || g.Size != int(w[3]) {
			t.Fatalf("row %d: got (%d, %d, %g, %d), want (%d, %d, %g, %d)",
				i, g.Left, g.Right, g.Height, g.Size, int(w[0]), int(w[1]), w[2], int(w[3]))
		}
		if float64(g.Size) != g.Weight {
			t.Fatalf("row %d: weight %g differs from size %d without sample weights", i, g.Weight, g.Size)
		}
		worst = math.Max(worst, relDiff(g.Height, w[2]))
	}
	if worst > heightTol {
		t.Fatalf("largest relative height difference %.3g exceeds %g", worst, heightTol)
	}
	t.Logf("largest relative height difference %.3g", worst)
}

// samePartition reports whether two labelings describe the same partition.
func samePartition(a, b []int) error {
	if len(a) != len(b) {
		return fmt.Errorf("lengths %d and %d differ", len(a), len(b))
	}
	ab, ba := map[int]int{}, map[int]int{}
	for i := range a {
		if x, ok := ab[a[i]]; ok && x != b[i] {
			return fmt.Errorf("row %d: cluster %d maps to both %d and %d", i, a[i], x, b[i])
		}
		if y, ok := ba[b[i]]; ok && y != a[i] {
			return fmt.Errorf("row %d: reference cluster %d maps to both %d and %d", i, b[i], y, a[i])
		}
		ab[a[i]], ba[b[i]] = b[i], a[i]
	}
	return nil
}

// checkCanonical verifies the numbering rule of flat cluster ids: 0..k−1 by
// size descending, then by smallest row index.
func checkCanonical(t *testing.T, labels []int) {
	t.Helper()
	size := map[int]int{}
	first := map[int]int{}
	for i, c := range labels {
		if _, ok := size[c]; !ok {
			first[c] = i
		}
		size[c]++
	}
	for c := 0; c < len(size); c++ {
		if _, ok := size[c]; !ok {
			t.Fatalf("cluster ids are not 0..%d: %d missing", len(size)-1, c)
		}
		if c > 0 {
			p := c - 1
			if size[p] < size[c] || (size[p] == size[c] && first[p] > first[c]) {
				t.Fatalf("cluster %d (size %d, first row %d) ordered before cluster %d (size %d, first row %d)",
					p, size[p], first[p], c, size[c], first[c])
			}
		}
	}
}

func TestLinkageMatchesScipy(t *testing.T) {
	for _, file := range []string{"ref_300x4.json", "ref_1000x6.json", "ref_rounded_400x3.json"} {
		var ref refData
		loadJSON(t, file, &ref)
		for _, c := range ref.Cases {
			t.Run(fmt.Sprintf("%s/%s/%s", file, c.Method, c.Metric), func(t *testing.T) {
				cfg := Config{Method: c.Method, Metric: c.Metric}
				z, err := Linkage(ref.X, ref.N, ref.D, nil, cfg)
				if err != nil {
					t.Fatal(err)
				}
				compareZ(t, z, c.Z)
				for ks, want := range c.Maxclust {
					var k int
					fmt.Sscan(ks, &k)
					got, err := CutK(z, k)
					if err != nil {
						t.Fatal(err)
					}
					if err := samePartition(got, want); err != nil {
						t.Errorf("CutK(%d): %v", k, err)
					}
					checkCanonical(t, got)
				}
				for _, cut := range c.Distance {
					got := CutHeight(z, cut.T)
					if err := samePartition(got, cut.Labels); err != nil {
						t.Errorf("CutHeight(%g): %v", cut.T, err)
					}
					checkCanonical(t, got)
				}
				coph, err := Cophenetic(z, ref.X, ref.N, ref.D, cfg)
				if err != nil {
					t.Fatal(err)
				}
				if math.Abs(coph-c.Cophenet) > 1e-9 {
					t.Errorf("cophenetic correlation %.15g, scipy %.15g", coph, c.Cophenet)
				}
			})
		}
	}
}

// TestWorkersBitwise checks that results do not depend on the number of
// workers. The parallel thresholds are lowered so that the 1000-row set runs
// every parallel path; a second set rounds the values to one decimal, which
// creates many tied distances and duplicate rows.
func TestWorkersBitwise(t *testing.T) {
	defer func(a, b int) { minParallel, wardParallel = a, b }(minParallel, wardParallel)
	minParallel, wardParallel = 64, 64
	var ref refData
	loadJSON(t, "ref_1000x6.json", &ref)
	n, d := ref.N, ref.D
	rounded := make([]float64, len(ref.X))
	for i, v := range ref.X {
		rounded[i] = math.Round(v*10) / 10
	}
	methods := []struct {
		m  Method
		mt Metric
	}{
		{Ward, Euclidean}, {Average, Euclidean}, {Complete, Cosine}, {Weighted, Cityblock},
		{Single, Euclidean}, {Single, Cosine}, {Centroid, Euclidean}, {Median, Euclidean},
	}
	for _, data := range []struct {
		name string
		x    []float64
	}{{"normal", ref.X}, {"rounded", rounded}} {
		for _, c := range methods {
			t.Run(data.name+"/"+string(c.m)+"/"+string(c.mt), func(t *testing.T) {
				x := data.x
				z1, err := Linkage(x, n, d, nil, Config{Method: c.m, Metric: c.mt, Workers: 1})
				if err != nil {
					t.Fatal(err)
				}
				z4, err := Linkage(x, n, d, nil, Config{Method: c.m, Metric: c.mt, Workers: 4})
				if err != nil {
					t.Fatal(err)
				}
				for i := range z1 {
					if z1[i] != z4[i] || math.Float64bits(z1[i].Height) != math.Float64bits(z4[i].Height) {
						t.Fatalf("row %d: 1 worker %+v, 4 workers %+v", i, z1[i], z4[i])
					}
				}
				c1, err := Cophenetic(z1, x, n, d, Config{Metric: c.mt, Workers: 1})
				if err != nil {
					t.Fatal(err)
				}
				c4, err := Cophenetic(z1, x, n, d, Config{Metric: c.mt, Workers: 4})
				if err != nil {
					t.Fatal(err)
				}
				if math.Float64bits(c1) != math.Float64bits(c4) {
					t.Fatalf("cophenetic correlation: 1 worker %.17g, 4 workers %.17g", c1, c4)
				}
			})
		}
	}
}
