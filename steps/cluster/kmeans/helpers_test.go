package kmeans

import (
	"encoding/binary"
	"encoding/csv"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// refCase is one k-means case of testdata/reference.json, produced by
// testdata/gen_reference.py with scikit-learn 1.2
// (KMeans(init=centres, n_init=1, algorithm="lloyd")).
type refCase struct {
	Name             string    `json:"name"`
	N                int       `json:"n"`
	D                int       `json:"d"`
	K                int       `json:"k"`
	Weighted         bool      `json:"weighted"`
	Tol              float64   `json:"tol"`
	MaxIter          int       `json:"max_iter"`
	Init             []float64 `json:"init"`
	Centres          []float64 `json:"centres"`
	Labels           []int32   `json:"labels"`
	Inertia          float64   `json:"inertia"`
	NIter            int       `json:"n_iter"`
	Silhouette       *float64  `json:"silhouette"`
	CalinskiHarabasz *float64  `json:"calinski_harabasz"`
	DaviesBouldin    *float64  `json:"davies_bouldin"`

	X, W []float64 `json:"-"`
}

// refFile is testdata/reference.json.
type refFile struct {
	Sklearn     string    `json:"sklearn"`
	Cases       []refCase `json:"cases"`
	MetricCases []refCase `json:"metric_cases"`
}

// loadReference reads testdata/reference.json and the matrices it names.
func loadReference(t testing.TB) *refFile {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "reference.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ref refFile
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	load := func(c *refCase) {
		c.X = readF64(t, filepath.Join("testdata", c.Name+"_X.f64"))
		if c.Weighted {
			c.W = readF64(t, filepath.Join("testdata", c.Name+"_w.f64"))
		}
	}
	for i := range ref.Cases {
		load(&ref.Cases[i])
	}
	for i := range ref.MetricCases {
		load(&ref.MetricCases[i])
	}
	return &ref
}

// readF64 reads a raw little-endian float64 file.
func readF64(t testing.TB, path string) []float64 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]float64, len(b)/8)
	for i := range out {
		out[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
	}
	return out
}

// relErr returns |got-want| / max(|want|, floor).
func relErr(got, want, floor float64) float64 {
	return math.Abs(got-want) / max(math.Abs(want), floor)
}

// sharedData returns the path of a file under the shared data folder (the
// sibling "shared/data" of the folder holding go.mod), skipping the test
// when it is absent.
func sharedData(t testing.TB, rel string) string {
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
			t.Skip("go.mod not found above the package directory")
		}
		dir = parent
	}
	p := filepath.Join(dir, "..", "shared", "data", rel)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("shared data %s not available (%v)", rel, err)
	}
	return p
}

// mallCustomers returns the (Annual Income, Spending Score) columns of
// Mall_Customers.csv as a 200 x 2 matrix.
func mallCustomers(t testing.TB) ([]float64, int) {
	t.Helper()
	f, err := os.Open(sharedData(t, "mall_customers/Mall_Customers.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	ci, cs := col["Annual Income (k$)"], col["Spending Score (1-100)"]
	var X []float64
	for _, r := range rows[1:] {
		for _, c := range []int{ci, cs} {
			v, err := strconv.ParseFloat(r[c], 64)
			if err != nil {
				t.Fatal(err)
			}
			X = append(X, v)
		}
	}
	return X, len(rows) - 1
}

// gaussianMixture returns n x d rows from k unit-variance Gaussian blobs
// with centres spread by sep, generated from seed.
func gaussianMixture(n, d, k int, sep float64, seed uint64) []float64 {
	r := rand.New(rand.NewPCG(seed, 7))
	centres := make([]float64, k*d)
	for i := range centres {
		centres[i] = r.NormFloat64() * sep
	}
	X := make([]float64, n*d)
	for i := range n {
		c := r.IntN(k)
		for t := range d {
			X[i*d+t] = centres[c*d+t] + r.NormFloat64()
		}
	}
	return X
}
