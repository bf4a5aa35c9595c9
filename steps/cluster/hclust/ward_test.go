package hclust

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

// TestWeightedWardMatchesExpandedScipy compares weighted Ward on 60 points
// with integer weights against scipy 1.10 ward on the expanded data set where
// point i appears w[i] times (testdata/ref_weighted_ward.json, made by
// gen_reference.py). The copies merge at height 0 first; the remaining m−1
// rows of scipy's tree are the weighted Ward tree: same heights in the same
// (sorted) order, scipy's sizes equal our weights, and the maxclust
// partitions agree once each expanded row is mapped to its point.
func TestWeightedWardMatchesExpandedScipy(t *testing.T) {
	var ref struct {
		N         int              `json:"n"`
		D         int              `json:"d"`
		X         []float64        `json:"x"`
		W         []float64        `json:"w"`
		ExpandedZ [][4]float64     `json:"expanded_z"`
		Maxclust  map[string][]int `json:"maxclust"`
	}
	loadJSON(t, "ref_weighted_ward.json", &ref)
	z, err := Linkage(ref.X, ref.N, ref.D, ref.W, Config{Method: Ward})
	if err != nil {
		t.Fatal(err)
	}
	var nonzero [][4]float64
	for _, r := range ref.ExpandedZ {
		if r[2] > 0 {
			nonzero = append(nonzero, r)
		}
	}
	if len(nonzero) != len(z) {
		t.Fatalf("scipy has %d non-zero merges, we have %d merges", len(nonzero), len(z))
	}
	for i, r := range nonzero {
		if relDiff(z[i].Height, r[2]) > heightTol {
			t.Fatalf("merge %d: height %.17g, scipy %.17g", i, z[i].Height, r[2])
		}
		if z[i].Weight != r[3] {
			t.Fatalf("merge %d: weight %g, scipy size %g", i, z[i].Weight, r[3])
		}
	}
	for ks, want := range ref.Maxclust {
		var k int
		fmt.Sscan(ks, &k)
		got, err := CutK(z, k)
		if err != nil {
			t.Fatal(err)
		}
		if err := samePartition(got, want); err != nil {
			t.Errorf("CutK(%d): %v", k, err)
		}
	}
}

// naiveWeightedWard is an independent O(n³) reference: the stored-matrix
// algorithm (always merge the globally closest pair) with the Lance-Williams
// Ward update on squared distances, generalised to weights:
//
//	D²(k, i∪j) = ((w_i+w_k)D²(k,i) + (w_j+w_k)D²(k,j) − w_k D²(i,j)) / (w_i+w_j+w_k),
//
// starting from D²(i,j) = 2 w_i w_j/(w_i+w_j) ‖x_i−x_j‖². It returns every
// merged cluster as a sorted member list with its height sqrt(D²).
func naiveWeightedWard(x []float64, n, d int, w []float64) (clusters [][]int, heights []float64) {
	dd := make([][]float64, n)
	for i := range dd {
		dd[i] = make([]float64, n)
		for j := range n {
			s := 0.0
			for k := range d {
				t := x[i*d+k] - x[j*d+k]
				s += t * t
			}
			dd[i][j] = 2 * w[i] * w[j] / (w[i] + w[j]) * s
		}
	}
	members := make([][]int, n)
	weight := slices.Clone(w)
	alive := make([]bool, n)
	for i := range n {
		members[i] = []int{i}
		alive[i] = true
	}
	for range n - 1 {
		bi, bj, best := -1, -1, math.Inf(1)
		for i := range n {
			for j := i + 1; j < n; j++ {
				if alive[i] && alive[j] && dd[i][j] < best {
					bi, bj, best = i, j, dd[i][j]
				}
			}
		}
		wi, wj := weight[bi], weight[bj]
		for k := range n {
			if !alive[k] || k == bi || k == bj {
				continue
			}
			wk := weight[k]
			v := ((wi+wk)*dd[k][bi] + (wj+wk)*dd[k][bj] - wk*best) / (wi + wj + wk)
			dd[k][bi], dd[bi][k] = v, v
		}
		alive[bj] = false
		weight[bi] = wi + wj
		members[bi] = append(members[bi], members[bj]...)
		sort.Ints(members[bi])
		clusters = append(clusters, slices.Clone(members[bi]))
		heights = append(heights, math.Sqrt(best))
	}
	return clusters, heights
}

// membersOf lists the rows under every merge of z, sorted.
func membersOf(z []Merge) [][]int {
	n := len(z) + 1
	sets := make([][]int, 2*n-1)
	for i := range n {
		sets[i] = []int{i}
	}
	out := make([][]int, len(z))
	for i, m := range z {
		s := append(slices.Clone(sets[m.Left]), sets[m.Right]...)
		sort.Ints(s)
		sets[n+i] = s
		out[i] = s
	}
	return out
}

func TestWeightedWardMatchesNaiveReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	const n, d = 120, 4
	x := make([]float64, n*d)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	w := make([]float64, n)
	for i := range w {
		w[i] = 0.25 + 4*rng.Float64()
	}
	z, err := Linkage(x, n, d, w, Config{Method: Ward})
	if err != nil {
		t.Fatal(err)
	}
	clusters, heights := naiveWeightedWard(x, n, d, w)
	want := map[string]float64{}
	for i, c := range clusters {
		want[fmt.Sprint(c)] = heights[i]
	}
	wsum := 0.0
	for _, v := range w {
		wsum += v
	}
	for i, c := range membersOf(z) {
		h, ok := want[fmt.Sprint(c)]
		if !ok {
			t.Fatalf("merge %d forms a cluster of %d rows that the reference never forms", i, len(c))
		}
		if relDiff(z[i].Height, h) > heightTol {
			t.Fatalf("merge %d: height %.17g, reference %.17g", i, z[i].Height, h)
		}
		if z[i].Size != len(c) {
			t.Fatalf("merge %d: size %d, want %d", i, z[i].Size, len(c))
		}
	}
	if got := z[len(z)-1].Weight; relDiff(got, wsum) > 1e-12 {
		t.Fatalf("root weight %g, want %g", got, wsum)
	}
}

// TestWardUnitWeightsEqualUnweighted checks that explicit unit weights give
// bitwise the unweighted result.
func TestWardUnitWeightsEqualUnweighted(t *testing.T) {
	var ref refData
	loadJSON(t, "ref_300x4.json", &ref)
	ones := make([]float64, ref.N)
	for i := range ones {
		ones[i] = 1
	}
	a, err := Linkage(ref.X, ref.N, ref.D, nil, Config{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Linkage(ref.X, ref.N, ref.D, ones, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a, b) {
		t.Fatal("unit weights change the result")
	}
}

// TestMallCustomersWard compares ward linkage on the Mall Customers data
// (annual income, spending score; integer values with many tied distances)
// against scipy 1.10 (testdata/ref_mall_ward.json). Ties make the exact
// merge order a matter of rounding, so only the heights (as a sorted
// multiset) and the maxclust partitions for k = 2..6 are compared.
func TestMallCustomersWard(t *testing.T) {
	path := sharedData(t, "mall_customers", "Mall_Customers.csv")
	x := readMall(t, path)
	var ref struct {
		Z        [][4]float64     `json:"z"`
		Maxclust map[string][]int `json:"maxclust"`
	}
	loadJSON(t, "ref_mall_ward.json", &ref)
	n := len(x) / 2
	z, err := Linkage(x, n, 2, nil, Config{Method: Ward})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range ref.Z {
		if relDiff(z[i].Height, r[2]) > heightTol {
			t.Fatalf("merge %d: height %.17g, scipy %.17g", i, z[i].Height, r[2])
		}
	}
	for ks, want := range ref.Maxclust {
		var k int
		fmt.Sscan(ks, &k)
		got, err := CutK(z, k)
		if err != nil {
			t.Fatal(err)
		}
		if err := samePartition(got, want); err != nil {
			t.Errorf("CutK(%d): %v", k, err)
		}
	}
}

// sharedData finds ../shared/data/<parts> next to the module root, or skips.
func sharedData(t *testing.T, parts ...string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("module root not found")
		}
		dir = parent
	}
	p := filepath.Join(append([]string{dir, "..", "shared", "data"}, parts...)...)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("shared data %s not available: %v", p, err)
	}
	return p
}

// readMall returns the (income, spending score) columns as a 200×2 matrix.
func readMall(t *testing.T, path string) []float64 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n")
	var x []float64
	for _, line := range lines[1:] {
		if strings.TrimSpace(line) == "" {
			continue
		}
		f := strings.Split(line, ",")
		var inc, score float64
		if _, err := fmt.Sscan(f[3], &inc); err != nil {
			t.Fatal(err)
		}
		if _, err := fmt.Sscan(f[4], &score); err != nil {
			t.Fatal(err)
		}
		x = append(x, inc, score)
	}
	if len(x) != 400 {
		t.Fatalf("read %d rows, want 200", len(x)/2)
	}
	return x
}
