package cluster_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/aftercare/aftercare/steps/cluster"
	_ "github.com/aftercare/aftercare/steps/dataio"
	_ "github.com/aftercare/aftercare/steps/features"
	"github.com/aftercare/aftercare/workflow"
)

// The scipy reference values come from the hclust package's testdata
// (steps/cluster/hclust/testdata/gen_reference.py: scipy 1.10.1 linkage,
// fcluster and cophenet on numpy default_rng(300).standard_normal((300,
// 4))). The step is run on those rows written to a CSV file and its
// outputs are compared with scipy's.

type hcRefCase struct {
	Method   string             `json:"method"`
	Metric   string             `json:"metric"`
	Z        [][4]float64       `json:"z"`
	Maxclust map[string][]int   `json:"maxclust"`
	Distance []hcRefDistanceCut `json:"distance"`
	Cophenet float64            `json:"cophenet"`
}

type hcRefDistanceCut struct {
	T      float64 `json:"t"`
	Labels []int   `json:"labels"`
}

type hcRef struct {
	N     int         `json:"n"`
	D     int         `json:"d"`
	X     []float64   `json:"x"`
	Cases []hcRefCase `json:"cases"`
}

func hcLoadRef(t *testing.T) *hcRef {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("hclust", "testdata", "ref_300x4.json"))
	if err != nil {
		t.Fatal(err)
	}
	var r hcRef
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return &r
}

// hcWriteCSV writes rows (id, f0, f1, ...) with exact float formatting.
func hcWriteCSV(t *testing.T, path string, x []float64, n, d int) {
	t.Helper()
	var sb strings.Builder
	sb.WriteString("id")
	for j := range d {
		fmt.Fprintf(&sb, ",f%d", j)
	}
	sb.WriteByte('\n')
	for i := range n {
		fmt.Fprintf(&sb, "r%d", i)
		for j := range d {
			sb.WriteByte(',')
			sb.WriteString(strconv.FormatFloat(x[i*d+j], 'g', -1, 64))
		}
		sb.WriteByte('\n')
	}
	if err := os.WriteFile(path, []byte(sb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func hcFeatureList(d int) string {
	names := make([]string, d)
	for j := range d {
		names[j] = fmt.Sprintf("f%d", j)
	}
	return "[" + strings.Join(names, ", ") + "]"
}

// hcRecipe returns a recipe reading data.csv and writing the three
// outputs of a cluster.hierarchical step configured by extra.
func hcRecipe(d int, extra string) string {
	return `version: 1
name: hc
steps:
  - {id: data, type: io.read, path: data.csv}
  - id: seg
    type: cluster.hierarchical
    input: data
    features: ` + hcFeatureList(d) + `
` + extra + `
  - {id: w1, type: io.write, input: seg, path: assignments.csv, columns: [id, cluster]}
  - {id: w2, type: io.write, input: seg.linkage, path: linkage.csv}
  - {id: w3, type: io.write, input: seg.profiles, path: profiles.csv}
`
}

// hcBuild plans src as a recipe in dir.
func hcBuild(t *testing.T, dir, src string) (*workflow.Plan, error) {
	t.Helper()
	r, err := workflow.Parse(filepath.Join(dir, "r.yaml"), []byte(src))
	if err != nil {
		return nil, err
	}
	return workflow.Build(r, workflow.Options{OutDir: filepath.Join(dir, "out")})
}

// hcRun plans and executes src in dir with a checked allocator and
// returns the output folder and the step's metrics.
func hcRun(t *testing.T, dir, src string) (string, map[string]any, error) {
	t.Helper()
	p, err := hcBuild(t, dir, src)
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	_, err = workflow.Execute(context.Background(), p, workflow.ExecOptions{Parallel: 2, Mem: mem, Version: "test"})
	out := filepath.Join(dir, "out")
	b, rerr := os.ReadFile(filepath.Join(out, "run_results.json"))
	if rerr != nil {
		t.Fatal(rerr)
	}
	var res struct {
		Steps []struct {
			ID      string         `json:"id"`
			Metrics map[string]any `json:"metrics"`
		} `json:"steps"`
	}
	if jerr := json.Unmarshal(b, &res); jerr != nil {
		t.Fatal(jerr)
	}
	for _, s := range res.Steps {
		if s.ID == "seg" {
			return out, s.Metrics, err
		}
	}
	return out, nil, err
}

func hcReadCSV(t *testing.T, path string) ([]string, [][]string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows[0], rows[1:]
}

func hcAtoi(t *testing.T, s string) int {
	t.Helper()
	v, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func hcAtof(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// hcLabels reads the cluster column of assignments.csv.
func hcLabels(t *testing.T, out string) []int {
	t.Helper()
	hdr, rows := hcReadCSV(t, filepath.Join(out, "assignments.csv"))
	if strings.Join(hdr, ",") != "id,cluster" {
		t.Fatalf("assignments header %v", hdr)
	}
	labels := make([]int, len(rows))
	for i, r := range rows {
		labels[i] = hcAtoi(t, r[1])
	}
	return labels
}

// hcSamePartition reports whether a and b are equal up to relabelling,
// and whether a is numbered by cluster size descending, then smallest row.
func hcSamePartition(a, b []int) (same, numbered bool) {
	if len(a) != len(b) {
		return false, false
	}
	ab, ba := map[int]int{}, map[int]int{}
	for i := range a {
		if v, ok := ab[a[i]]; ok && v != b[i] {
			return false, false
		}
		if v, ok := ba[b[i]]; ok && v != a[i] {
			return false, false
		}
		ab[a[i]], ba[b[i]] = b[i], a[i]
	}
	size := map[int]int{}
	first := map[int]int{}
	for i, l := range a {
		if _, ok := first[l]; !ok {
			first[l] = i
		}
		size[l]++
	}
	for l := 1; l < len(size); l++ {
		p, c := l-1, l
		if size[p] < size[c] || (size[p] == size[c] && first[p] > first[c]) {
			return true, false
		}
	}
	return true, true
}

func TestHierarchicalMatchesScipy(t *testing.T) {
	ref := hcLoadRef(t)
	dir := t.TempDir()
	hcWriteCSV(t, filepath.Join(dir, "data.csv"), ref.X, ref.N, ref.D)
	for _, c := range ref.Cases {
		for _, cut := range []string{"k", "threshold"} {
			t.Run(c.Method+"_"+c.Metric+"_"+cut, func(t *testing.T) {
				metric := c.Metric
				if metric == "cityblock" {
					metric = "manhattan" // the alias is accepted
				}
				extra := fmt.Sprintf("    linkage: %s\n    metric: %s\n", c.Method, metric)
				want := c.Maxclust["5"]
				if cut == "k" {
					extra += "    k: 5"
				} else {
					extra += "    distance_threshold: " + strconv.FormatFloat(c.Distance[0].T, 'g', -1, 64)
					want = c.Distance[0].Labels
				}
				sub := t.TempDir()
				if err := os.Symlink(filepath.Join(dir, "data.csv"), filepath.Join(sub, "data.csv")); err != nil {
					t.Fatal(err)
				}
				out, metrics, err := hcRun(t, sub, hcRecipe(ref.D, extra))
				if err != nil {
					t.Fatal(err)
				}
				hdr, rows := hcReadCSV(t, filepath.Join(out, "linkage.csv"))
				if strings.Join(hdr, ",") != "left,right,height,size" {
					t.Fatalf("linkage header %v", hdr)
				}
				if len(rows) != ref.N-1 {
					t.Fatalf("linkage has %d rows, want %d", len(rows), ref.N-1)
				}
				for i, r := range rows {
					z := c.Z[i]
					h := hcAtof(t, r[2])
					if hcAtoi(t, r[0]) != int(z[0]) || hcAtoi(t, r[1]) != int(z[1]) || hcAtoi(t, r[3]) != int(z[3]) ||
						math.Abs(h-z[2]) > 1e-9*math.Abs(z[2]) {
						t.Fatalf("merge %d = %v, scipy %v", i, r, z)
					}
				}
				same, numbered := hcSamePartition(hcLabels(t, out), want)
				if !same {
					t.Errorf("flat clusters differ from scipy fcluster")
				}
				if !numbered {
					t.Errorf("clusters not numbered by size, then smallest row")
				}
				got, _ := metrics["cophenetic_correlation"].(float64)
				if math.Abs(got-c.Cophenet) > 1e-9 {
					t.Errorf("cophenetic_correlation = %v, scipy %v", metrics["cophenetic_correlation"], c.Cophenet)
				}
				if metrics["mode"] != "exact" || metrics["linkage"] != c.Method || metrics["metric"] != c.Metric || metrics["n"] != float64(ref.N) {
					t.Errorf("metrics %v", metrics)
				}
				if cut == "k" && metrics["k"] != float64(5) {
					t.Errorf("k metric %v", metrics["k"])
				}
			})
		}
	}
}

// hcBlobs returns n rows of d features around four well separated centres
// and the true blob of every row.
func hcBlobs(n, d int, seed uint64) ([]float64, []int) {
	rng := rand.New(rand.NewPCG(seed, 1))
	x := make([]float64, n*d)
	truth := make([]int, n)
	for i := range n {
		b := i % 4
		truth[i] = b
		for j := range d {
			centre := 0.0
			if j == b%d || (b == 3 && j == (b+1)%d) {
				centre = 20
			}
			x[i*d+j] = centre + rng.NormFloat64()
		}
	}
	return x, truth
}

func TestHierarchicalTwoStageRecoversBlobs(t *testing.T) {
	const n, d = 4000, 3
	x, truth := hcBlobs(n, d, 11)
	dir := t.TempDir()
	hcWriteCSV(t, filepath.Join(dir, "data.csv"), x, n, d)
	out, metrics, err := hcRun(t, dir, hcRecipe(d, "    mode: two_stage\n    two_stage: {micro_clusters: 60, seed: 3}\n    k: 4"))
	if err != nil {
		t.Fatal(err)
	}
	if same, _ := hcSamePartition(hcLabels(t, out), truth); !same {
		t.Errorf("two-stage clusters do not recover the blobs")
	}
	if metrics["mode"] != "two_stage" || metrics["micro_clusters"] != float64(60) || metrics["k"] != float64(4) {
		t.Errorf("metrics %v", metrics)
	}
	if kept, _ := metrics["kept_ss_share"].(float64); !(kept > 0.9 && kept <= 1) {
		t.Errorf("kept_ss_share = %v", metrics["kept_ss_share"])
	}
	if c, _ := metrics["cophenetic_correlation_micro"].(float64); !(c > 0.5 && c <= 1) {
		t.Errorf("cophenetic_correlation_micro = %v", metrics["cophenetic_correlation_micro"])
	}
	if _, ok := metrics["cophenetic_correlation"]; ok {
		t.Errorf("two-stage reports cophenetic_correlation; want only the _micro metric")
	}
	_, rows := hcReadCSV(t, filepath.Join(out, "linkage.csv"))
	if len(rows) != 59 {
		t.Errorf("two-stage linkage has %d rows, want 59 (over the micro-clusters)", len(rows))
	}
	_, prof := hcReadCSV(t, filepath.Join(out, "profiles.csv"))
	total := 0
	for _, r := range prof {
		total += hcAtoi(t, r[1])
	}
	if len(prof) != 4 || total != n {
		t.Errorf("profiles %v", prof)
	}
}

// Scaling inside the step (scale: standard) and upstream with
// features.scale plus scaler give the same clusters and profiles in
// original units.
func TestHierarchicalScaleAndScaler(t *testing.T) {
	const n, d = 200, 3
	x, _ := hcBlobs(n, d, 5)
	for i := range n {
		x[i*d+1] = 1000*x[i*d+1] + 50 // a feature in other units
	}
	dir := t.TempDir()
	hcWriteCSV(t, filepath.Join(dir, "data.csv"), x, n, d)
	out1, _, err := hcRun(t, dir, hcRecipe(d, "    scale: standard\n    k: 4"))
	if err != nil {
		t.Fatal(err)
	}
	a1 := hcLabels(t, out1)
	_, p1 := hcReadCSV(t, filepath.Join(out1, "profiles.csv"))

	dir2 := t.TempDir()
	hcWriteCSV(t, filepath.Join(dir2, "data.csv"), x, n, d)
	src := strings.Replace(hcRecipe(d, "    scaler: sc.model\n    k: 4"), "input: data\n", "input: sc\n", 1)
	src = strings.Replace(src, "  - id: seg\n", "  - {id: sc, type: features.scale, input: data, method: standard, columns: "+hcFeatureList(d)+"}\n  - id: seg\n", 1)
	out2, _, err := hcRun(t, dir2, src)
	if err != nil {
		t.Fatal(err)
	}
	if same, _ := hcSamePartition(hcLabels(t, out2), a1); !same {
		t.Errorf("scale: standard and features.scale + scaler give different clusters")
	}
	_, p2 := hcReadCSV(t, filepath.Join(out2, "profiles.csv"))
	// Profiles in original units: the mean of each cluster's raw rows.
	for c, r := range p1 {
		var sum [d]float64
		cnt := 0
		for i, l := range a1 {
			if l == c {
				cnt++
				for j := range d {
					sum[j] += x[i*d+j]
				}
			}
		}
		if hcAtoi(t, r[1]) != cnt {
			t.Fatalf("profile %d size %s, want %d", c, r[1], cnt)
		}
		for j := range d {
			want := sum[j] / float64(cnt)
			for _, p := range [][]string{r, p2[c]} {
				if got := hcAtof(t, p[3+j]); math.Abs(got-want) > 1e-9*math.Max(1, math.Abs(want)) {
					t.Errorf("profile %d feature %d = %v, want %v", c, j, got, want)
				}
			}
		}
	}
}

func TestHierarchicalPlanErrors(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "data.csv"), []byte("id,f0,f1,name\na,1,2,x\nb,3,4,y\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	recipe := func(features, extra string) string {
		return "version: 1\nname: hc\nsteps:\n  - {id: data, type: io.read, path: data.csv}\n  - id: seg\n    type: cluster.hierarchical\n    input: data\n    features: " + features + "\n" + extra
	}
	for _, tc := range []struct{ name, src, want string }{
		{"ward cosine", recipe("[f0, f1]", "    metric: cosine\n    k: 2\n"), "linkage ward needs the euclidean metric"},
		{"centroid manhattan", recipe("[f0, f1]", "    linkage: centroid\n    metric: manhattan\n    k: 2\n"), "needs the euclidean metric"},
		{"k 1", recipe("[f0, f1]", "    k: 1\n"), "minimum 2"},
		{"both", recipe("[f0, f1]", "    k: 2\n    distance_threshold: 1\n"), "not both"},
		{"neither", recipe("[f0, f1]", ""), "set k"},
		{"missing", recipe("[f0, f2]", "    k: 2\n"), "f2"},
		{"non-numeric", recipe("[f0, name]", "    k: 2\n"), "must be numeric"},
		{"two-stage average", recipe("[f0, f1]", "    linkage: average\n    mode: two_stage\n    k: 2\n"), "needs linkage ward"},
		{"bad size", recipe("[f0, f1]", "    k: 2\n    max_memory: lots\n"), "cannot parse"},
		{"bad linkage", recipe("[f0, f1]", "    k: 2\n    linkage: wards\n"), "not one of"},
		{"cluster column", strings.Replace(recipe("[f0, f1]", "    k: 2\n"), "input: data\n", "input: renamed\n", 1) + "  - {id: renamed, type: features.derive, input: data, columns: {cluster: f0}}\n", "already has a column named cluster"},
		{"scale and scaler", recipe("[f0, f1]", "    k: 2\n    scale: standard\n    scaler: data\n"), "cannot be combined"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := hcBuild(t, dir, tc.src)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("plan error %v, want it to contain %q", err, tc.want)
			}
		})
	}
	if _, err := hcBuild(t, dir, recipe("[f0, f1]", "    linkage: average\n    metric: manhattan\n    k: 2\n    max_memory: 2GiB\n")); err != nil {
		t.Errorf("valid recipe: %v", err)
	}
}

func TestHierarchicalRunErrors(t *testing.T) {
	for _, tc := range []struct{ name, data, extra, want string }{
		{"one row", "id,f0,f1\na,1,2\n", "    k: 2", "at least 2 rows"},
		{"k above n", "id,f0,f1\na,1,2\nb,2,3\nc,5,1\n", "    k: 4", "larger than the number of rows (3)"},
		{"null", "id,f0,f1\na,1,2\nb,,3\nc,5,1\n", "    k: 2", "f0 has 1 null"},
		{"nan", "id,f0,f1\na,1,2\nb,NaN,3\nc,5,1\n", "    k: 2", "f0 has 1 NaN"},
		{"memory", "id,f0,f1\na,1,2\nb,2,3\nc,5,1\nd,7,7\n", "    linkage: complete\n    max_memory: 16\n    k: 2", "needs a 48 B distance matrix, more than max_memory (16 B): use linkage ward"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "data.csv"), []byte(tc.data), 0o644); err != nil {
				t.Fatal(err)
			}
			src := strings.Replace(hcRecipe(2, tc.extra), "features: [f0, f1]", "features: [f0, f1]", 1)
			out, _, err := hcRun(t, dir, src)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("run error %v, want it to contain %q", err, tc.want)
			}
			for _, f := range []string{"assignments.csv", "linkage.csv", "profiles.csv"} {
				if _, err := os.Stat(filepath.Join(out, f)); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("%s written by a failed run", f)
				}
			}
		})
	}
}

func TestParseByteSize(t *testing.T) {
	for s, want := range map[string]cluster.ByteSize{
		"1024": 1024, "2GiB": 2 << 30, "500MB": 500e6, "1.5 KiB": 1536, "3 k": 3000, "7b": 7,
	} {
		got, err := cluster.ParseByteSize(s)
		if err != nil || got != want {
			t.Errorf("ParseByteSize(%q) = %d, %v; want %d", s, got, err, want)
		}
	}
	for _, s := range []string{"", "GiB", "-1", "2 parsecs", "1e400"} {
		if _, err := cluster.ParseByteSize(s); err == nil {
			t.Errorf("ParseByteSize(%q) succeeded", s)
		}
	}
}

// hcModuleRoot walks up from the package folder to the folder holding go.mod.
func hcModuleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found")
		}
		dir = parent
	}
}

// The shipped recipe on the quickstart customer features. Expected values
// from scipy 1.10.1 (Debian /usr/bin/python3):
//
//	d = pd.read_csv("examples/quickstart/expected/customer_features.csv")
//	X = d[["recency_days", "frequency", "monetary"]].to_numpy(float)
//	X = (X - X.mean(0)) / X.std(0)        # only for scale=standard
//	Z = linkage(X, method); cophenet(Z, pdist(X))[0]; Z[-1, 2]
//	sorted(np.bincount(fcluster(Z, 4, "maxclust"))[1:], reverse=True)
func TestHierarchicalShippedRecipe(t *testing.T) {
	root := hcModuleRoot(t)
	src, err := os.ReadFile(filepath.Join(root, "recipes", "cluster-hierarchical.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		set   []string
		coph  float64
		top   float64
		sizes []int
	}{
		{nil, 0.7017835706998081, 30.945317805440574, []int{134, 127, 89, 29}},
		{[]string{"linkage=average", "scale=none"}, 0.9218117385093171, 3868.4506553893343, []int{352, 22, 4, 1}},
	} {
		t.Run(strings.Join(tc.set, ","), func(t *testing.T) {
			r, err := workflow.Parse(filepath.Join(root, "recipes", "cluster-hierarchical.yaml"), src)
			if err != nil {
				t.Fatal(err)
			}
			out := t.TempDir()
			p, err := workflow.Build(r, workflow.Options{OutDir: out, Set: tc.set})
			if err != nil {
				t.Fatal(err)
			}
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			if _, err := workflow.Execute(context.Background(), p, workflow.ExecOptions{Mem: mem, Version: "test"}); err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(filepath.Join(out, "run_results.json"))
			if err != nil {
				t.Fatal(err)
			}
			var rr struct {
				Steps []struct {
					ID      string         `json:"id"`
					Metrics map[string]any `json:"metrics"`
				} `json:"steps"`
			}
			if err := json.Unmarshal(b, &rr); err != nil {
				t.Fatal(err)
			}
			for _, s := range rr.Steps {
				if s.ID == "segments" {
					if got, _ := s.Metrics["cophenetic_correlation"].(float64); math.Abs(got-tc.coph) > 1e-9 {
						t.Errorf("cophenetic_correlation = %v, scipy %v", s.Metrics["cophenetic_correlation"], tc.coph)
					}
				}
			}
			hdr, rows := hcReadCSV(t, filepath.Join(out, "linkage.csv"))
			if strings.Join(hdr, ",") != "left,right,height,size" {
				t.Fatalf("linkage header %v", hdr)
			}
			if top := hcAtof(t, rows[len(rows)-1][2]); math.Abs(top-tc.top) > 1e-9*tc.top {
				t.Errorf("top merge height %v, scipy %v", top, tc.top)
			}
			hdr, _ = hcReadCSV(t, filepath.Join(out, "assignments.csv"))
			if strings.Join(hdr, ",") != "customer_id,cluster" {
				t.Errorf("assignments header %v", hdr)
			}
			_, prof := hcReadCSV(t, filepath.Join(out, "profiles.csv"))
			for c, r := range prof {
				if c >= len(tc.sizes) || hcAtoi(t, r[1]) != tc.sizes[c] {
					t.Errorf("profile %d = %v, scipy sizes %v", c, r, tc.sizes)
				}
			}
		})
	}
}

// Two-stage results are the same bytes whatever GOMAXPROCS.
func TestHierarchicalTwoStageDeterministic(t *testing.T) {
	const n, d = 3000, 3
	x, _ := hcBlobs(n, d, 21)
	var outs [2][]byte
	for i, procs := range []int{1, 2} {
		prev := runtime.GOMAXPROCS(procs)
		dir := t.TempDir()
		hcWriteCSV(t, filepath.Join(dir, "data.csv"), x, n, d)
		out, _, err := hcRun(t, dir, hcRecipe(d, "    mode: two_stage\n    two_stage: {micro_clusters: 40, seed: 9}\n    k: 6"))
		runtime.GOMAXPROCS(prev)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{"linkage.csv", "assignments.csv", "profiles.csv"} {
			b, err := os.ReadFile(filepath.Join(out, f))
			if err != nil {
				t.Fatal(err)
			}
			outs[i] = append(outs[i], b...)
		}
	}
	if string(outs[0]) != string(outs[1]) {
		t.Errorf("two-stage outputs differ between GOMAXPROCS 1 and 2")
	}
}
