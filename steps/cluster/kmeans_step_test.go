package cluster_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	_ "github.com/aftercare/aftercare/steps/cluster"
	_ "github.com/aftercare/aftercare/steps/dataio"
	_ "github.com/aftercare/aftercare/steps/features"
	"github.com/aftercare/aftercare/workflow"
)

// mallPath returns the Mall Customers file, found by walking up to the
// folder holding go.mod, or skips the test.
func mallPath(t *testing.T) string {
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
			t.Skip("go.mod not found above the package folder")
		}
		dir = parent
	}
	p := filepath.Join(dir, "..", "shared", "data", "mall_customers", "Mall_Customers.csv")
	if _, err := os.Stat(p); err != nil {
		t.Skipf("Mall Customers data not found at %s: %v", p, err)
	}
	return p
}

// kmRun plans and runs a recipe written to dir/r.yaml with a checked
// allocator, writing into out. It returns the step results by id and the
// run error.
func kmRun(t *testing.T, dir, out, src string, parallel int) (map[string]*workflow.StepResult, error) {
	t.Helper()
	path := filepath.Join(dir, "r.yaml")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := workflow.Parse(path, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	p, err := workflow.Build(r, workflow.Options{OutDir: out})
	if err != nil {
		return nil, err
	}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	res, err := workflow.Execute(context.Background(), p, workflow.ExecOptions{Parallel: parallel, Mem: mem, Version: "test"})
	byID := map[string]*workflow.StepResult{}
	if res != nil {
		for _, s := range res.Steps {
			byID[s.ID] = s
		}
	}
	return byID, err
}

// mallRecipe reads Mall Customers, renames the two features to income
// and score, runs cluster.kmeans with the given extra options and writes
// the three outputs.
func mallRecipe(data, opts string) string {
	return fmt.Sprintf(`version: 1
name: km
steps:
  - {id: raw, type: io.read, path: %q, batch_rows: 37}
  - id: mall
    type: features.select
    input: raw
    keep: [CustomerID, "Annual Income (k$)", "Spending Score (1-100)"]
    rename: {"Annual Income (k$)": income, "Spending Score (1-100)": score}
  - id: km
    type: cluster.kmeans
    input: mall
    features: [income, score]
%s
  - {id: w1, type: io.write, input: km, path: assignments.csv, columns: [CustomerID, cluster, distance]}
  - {id: w2, type: io.write, input: km.profiles, path: profiles.csv}
  - {id: w3, type: io.write, input: km.centres, path: centres.csv}
`, data, indent(opts))
}

func indent(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i, l := range lines {
		lines[i] = "    " + l
	}
	return strings.Join(lines, "\n")
}

type refScores struct {
	K                int     `json:"k"`
	Inertia          float64 `json:"inertia"`
	Silhouette       float64 `json:"silhouette"`
	CalinskiHarabasz float64 `json:"calinski_harabasz"`
	DaviesBouldin    float64 `json:"davies_bouldin"`
	Sizes            []int   `json:"sizes"`
}

// reference reads testdata/kmeans_step_reference.json, written by
// testdata/gen_kmeans_step_reference.py with scikit-learn 1.2.
func reference(t *testing.T) (raw []refScores, std refScores) {
	t.Helper()
	b, err := os.ReadFile("testdata/kmeans_step_reference.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Raw      []refScores `json:"raw"`
		Standard refScores   `json:"standard_k5"`
	}
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	return ref.Raw, ref.Standard
}

func readCSV(t *testing.T, path string) [][]string {
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
	return rows
}

// assignments maps CustomerID to cluster from assignments.csv.
func assignments(t *testing.T, out string) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, r := range readCSV(t, filepath.Join(out, "assignments.csv"))[1:] {
		m[r[0]] = r[1]
	}
	return m
}

func num(t *testing.T, v any) float64 {
	t.Helper()
	switch x := v.(type) {
	case float64:
		return x
	case int:
		return float64(x)
	case int64:
		return float64(x)
	}
	t.Fatalf("not a number: %v (%T)", v, v)
	return 0
}

func near(a, b, rel float64) bool {
	return math.Abs(a-b) <= rel*math.Max(math.Abs(a), math.Abs(b))
}

// TestKMeansMall checks the published Mall Customers inertia (k = 5,
// n_init 10: 44448.4554, /work/shared/data/README.md) and the quality
// metrics and cluster sizes against scikit-learn 1.2.
func TestKMeansMall(t *testing.T) {
	data := mallPath(t)
	raw, _ := reference(t)
	out := t.TempDir()
	res, err := kmRun(t, t.TempDir(), out, mallRecipe(data, "k: 5\nn_init: 10\nseed: 0\nmodel: model.json"), 0)
	if err != nil {
		t.Fatal(err)
	}
	m := res["km"].Metrics
	if got := fmt.Sprintf("%.4f", num(t, m["inertia"])); got != "44448.4554" {
		t.Errorf("inertia = %s, want 44448.4554", got)
	}
	want := raw[4]
	if num(t, m["k"]) != 5 || m["converged"] != true {
		t.Errorf("metrics %v", m)
	}
	for _, c := range []struct {
		name string
		want float64
	}{{"inertia", want.Inertia}, {"silhouette", want.Silhouette}, {"calinski_harabasz", want.CalinskiHarabasz}, {"davies_bouldin", want.DaviesBouldin}} {
		if got := num(t, m[c.name]); !near(got, c.want, 1e-9) {
			t.Errorf("%s = %.15g, scikit-learn %.15g", c.name, got, c.want)
		}
	}
	prof := readCSV(t, filepath.Join(out, "profiles.csv"))
	if strings.Join(prof[0], ",") != "cluster,size,share,income,score" || len(prof) != 6 {
		t.Fatalf("profiles %v", prof)
	}
	var sizes []int
	for _, r := range prof[1:] {
		n, _ := strconv.Atoi(r[1])
		sizes = append(sizes, n)
	}
	slices.Sort(sizes)
	if !slices.Equal(sizes, want.Sizes) {
		t.Errorf("sizes %v, scikit-learn %v", sizes, want.Sizes)
	}
	if a := readCSV(t, filepath.Join(out, "assignments.csv")); len(a) != 201 || strings.Join(a[0], ",") != "CustomerID,cluster,distance" {
		t.Errorf("assignments header %v, %d rows", a[0], len(a))
	}
	if c := readCSV(t, filepath.Join(out, "centres.csv")); len(c) != 6 || strings.Join(c[0], ",") != "cluster,income,score" {
		t.Errorf("centres %v", c)
	}
	b, err := os.ReadFile(filepath.Join(out, "model.json"))
	if err != nil {
		t.Fatal(err)
	}
	var model map[string]any
	if err := json.Unmarshal(b, &model); err != nil {
		t.Fatal(err)
	}
	if model["aftercare_model"] != "kmeans" || num(t, model["version"]) != 1 || len(model["centres"].([]any)) != 5 {
		t.Errorf("model %s", b)
	}
}

// TestKMeansDeterministic runs the same recipe on 1 and 4 threads and
// checks the output files are byte for byte identical.
func TestKMeansDeterministic(t *testing.T) {
	data := mallPath(t)
	var files [][]string
	for _, procs := range []int{1, 4} {
		old := runtime.GOMAXPROCS(procs)
		out := t.TempDir()
		_, err := kmRun(t, t.TempDir(), out, mallRecipe(data, "k: 6\nseed: 11\nalgorithm: lloyd\nmodel: model.json"), procs)
		runtime.GOMAXPROCS(old)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, f := range []string{"assignments.csv", "profiles.csv", "centres.csv", "model.json"} {
			b, err := os.ReadFile(filepath.Join(out, f))
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, string(b))
		}
		files = append(files, got)
	}
	for i := range files[0] {
		if files[0][i] != files[1][i] {
			t.Errorf("output %d differs between GOMAXPROCS 1 and 4", i)
		}
	}
}

// TestKMeansLoadAndPrevious saves a model, scores the data again with
// load (same clusters, no refit), then refits on the rows in reverse
// order with another seed and previous: the ids stay those of the first
// fit.
func TestKMeansLoadAndPrevious(t *testing.T) {
	data := mallPath(t)
	out1 := t.TempDir()
	if _, err := kmRun(t, t.TempDir(), out1, mallRecipe(data, "k: 5\nseed: 3\nscale: standard\nmodel: model.json"), 0); err != nil {
		t.Fatal(err)
	}
	first := assignments(t, out1)
	model := filepath.Join(out1, "model.json")

	out2 := t.TempDir()
	res, err := kmRun(t, t.TempDir(), out2, mallRecipe(data, "load: "+model), 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := assignments(t, out2); !mapsEqual(got, first) {
		t.Errorf("load gives other clusters")
	}
	if _, ok := res["km"].Metrics["iterations"]; ok {
		t.Errorf("load refitted: %v", res["km"].Metrics)
	}
	if p1, p2 := readCSV(t, filepath.Join(out1, "profiles.csv")), readCSV(t, filepath.Join(out2, "profiles.csv")); fmt.Sprint(p1) != fmt.Sprint(p2) {
		t.Errorf("profiles differ:\n%v\n%v", p1, p2)
	}

	// The data in reverse row order.
	rows := readCSV(t, data)
	rev := append([][]string{rows[0]}, rows[1:]...)
	slices.Reverse(rev[1:])
	dir := t.TempDir()
	permuted := filepath.Join(dir, "mall_reversed.csv")
	f, err := os.Create(permuted)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	w.WriteAll(rev)
	f.Close()

	out3 := t.TempDir()
	if _, err := kmRun(t, dir, out3, mallRecipe(permuted, "k: 5\nseed: 99\nscale: standard\nprevious: "+model), 0); err != nil {
		t.Fatal(err)
	}
	if got := assignments(t, out3); !mapsEqual(got, first) {
		t.Errorf("previous did not keep the cluster ids")
	}
	// Without previous the same fit numbers its clusters otherwise (so the
	// check above is not vacuous).
	out4 := t.TempDir()
	if _, err := kmRun(t, dir, out4, mallRecipe(permuted, "k: 5\nseed: 99\nscale: standard"), 0); err != nil {
		t.Fatal(err)
	}
	if mapsEqual(assignments(t, out4), first) {
		t.Errorf("the refit without previous already has the same ids: the test does not exercise previous")
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestKMeansStandardProfiles checks scale: standard against scikit-learn's
// StandardScaler + KMeans, and that profiles are in original units.
func TestKMeansStandardProfiles(t *testing.T) {
	data := mallPath(t)
	_, std := reference(t)
	out := t.TempDir()
	res, err := kmRun(t, t.TempDir(), out, mallRecipe(data, "k: 5\nscale: standard"), 0)
	if err != nil {
		t.Fatal(err)
	}
	m := res["km"].Metrics
	for _, c := range []struct {
		name string
		want float64
	}{{"inertia", std.Inertia}, {"silhouette", std.Silhouette}, {"calinski_harabasz", std.CalinskiHarabasz}, {"davies_bouldin", std.DaviesBouldin}} {
		if got := num(t, m[c.name]); !near(got, c.want, 1e-9) {
			t.Errorf("%s = %.15g, scikit-learn %.15g", c.name, got, c.want)
		}
	}
	// Size-weighted profile means give the column means in original units.
	var income float64
	for _, r := range readCSV(t, filepath.Join(out, "profiles.csv"))[1:] {
		n, _ := strconv.ParseFloat(r[1], 64)
		v, _ := strconv.ParseFloat(r[3], 64)
		income += n * v
	}
	if !near(income/200, 60.56, 1e-9) {
		t.Errorf("mean income from profiles %g, want 60.56", income/200)
	}
}

// TestKMeansSweep sweeps k = 2..8 and checks each k's inertia and scores
// against scikit-learn (best of 100 restarts on both sides: with 10, some
// k >= 6 stop in a local optimum) and the choice of k by the silhouette.
func TestKMeansSweep(t *testing.T) {
	data := mallPath(t)
	raw, _ := reference(t)
	res, err := kmRun(t, t.TempDir(), t.TempDir(), mallRecipe(data, "k: {min: 2, max: 8}\nselect: silhouette\nn_init: 100"), 0)
	if err != nil {
		t.Fatal(err)
	}
	m := res["km"].Metrics
	if num(t, m["chosen_k"]) != 5 || m["criterion"] != "silhouette" || num(t, m["k"]) != 5 {
		t.Errorf("metrics %v", m)
	}
	table, ok := m["sweep"].([]map[string]any)
	if !ok || len(table) != 7 {
		t.Fatalf("sweep %v", m["sweep"])
	}
	for i, row := range table {
		want := raw[i+1]
		if num(t, row["k"]) != float64(want.K) {
			t.Fatalf("row %d: %v", i, row)
		}
		if got := num(t, row["inertia"]); !near(got, want.Inertia, 1e-9) {
			t.Errorf("k=%d inertia %.10g, scikit-learn %.10g", want.K, got, want.Inertia)
		}
		if got := num(t, row["silhouette"]); !near(got, want.Silhouette, 1e-9) {
			t.Errorf("k=%d silhouette %.10g, scikit-learn %.10g", want.K, got, want.Silhouette)
		}
	}
}

// TestKMeansWeights checks that unit weights of 2 double the inertia and
// keep the clusters.
func TestKMeansWeights(t *testing.T) {
	data := mallPath(t)
	src := strings.Replace(mallRecipe(data, "k: 5\nweight: w"), "  - id: km\n", "  - {id: mallw, type: features.derive, input: mall, columns: {w: \"2\"}}\n  - id: km\n", 1)
	src = strings.Replace(src, "    input: mall\n    features", "    input: mallw\n    features", 1)
	res, err := kmRun(t, t.TempDir(), t.TempDir(), src, 0)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := reference(t)
	if got := num(t, res["km"].Metrics["inertia"]); !near(got, 2*raw[4].Inertia, 1e-12) {
		t.Errorf("weighted inertia %.10g, want 2 x %.10g", got, raw[4].Inertia)
	}
}

// TestKMeansErrors checks plan-time and run-time errors.
func TestKMeansErrors(t *testing.T) {
	data := mallPath(t)
	dir := t.TempDir()
	for _, c := range []struct{ opts, want string }{
		{"k: 0", "k must be at least 1"},
		{"k: {min: 5, max: 2}", "k.min (5) is larger than k.max (2)"},
		{"k: 3\nload: m.json\nprevious: m.json", "load and previous cannot be combined"},
		{"load: nothing.json", "does not exist"},
		{"features: [income, Genre]\nk: 3", "unknown column"},
		{"k: 3\nalgorithm: lloyd\nbatch_size: 10", "batch_size applies to algorithm minibatch only"},
		{"k: {min: 2, max: 4}\nalgorithm: minibatch", "cannot use algorithm minibatch"},
		{"", "k is required"},
	} {
		src := mallRecipe(data, c.opts)
		if strings.HasPrefix(c.opts, "features:") {
			src = strings.Replace(src, "    features: [income, score]\n", "", 1)
		}
		_, err := kmRun(t, dir, t.TempDir(), src, 0)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.opts, err, c.want)
		}
	}
	// A string feature.
	src := strings.Replace(mallRecipe(data, "k: 3"), `keep: [CustomerID, "Annual Income (k$)"`, `keep: [CustomerID, Genre, "Annual Income (k$)"`, 1)
	src = strings.Replace(src, "features: [income, score]", "features: [income, Genre]", 1)
	if _, err := kmRun(t, dir, t.TempDir(), src, 0); err == nil || !strings.Contains(err.Error(), "must be numeric") {
		t.Errorf("string feature: %v", err)
	}

	// Run-time errors, from small files.
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	small := func(path, opts string) string {
		return fmt.Sprintf("version: 1\nname: e\nsteps:\n  - {id: in, type: io.read, path: %q, types: {a: float, b: float}}\n  - id: km\n    type: cluster.kmeans\n    input: in\n    features: [a, b]\n%s\n  - {id: w, type: io.write, input: km, path: out.csv}\n", path, indent(opts))
	}
	for _, c := range []struct{ file, data, opts, want string }{
		{"dup.csv", "a,b\n1,2\n1,2\n3,4\n3,4\n", "k: 3", "exceeds the 2 distinct rows"},
		{"nulls.csv", "a,b\n1,2\n,2\n3,NaN\n4,\n", "k: 2", "a has 1 null; b has 1 null and 1 NaN"},
		{"empty.csv", "a,b\n", "k: 2", "no rows"},
		{"const.csv", "a,b\n1,2\n1,3\n1,4\n", "k: 2", `feature "a" is constant`},
	} {
		_, err := kmRun(t, dir, t.TempDir(), small(write(c.file, c.data), c.opts), 0)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "km") {
			t.Errorf("%s: error %v, want %q", c.file, err, c.want)
		}
	}
}

// TestKMeansShippedRecipe runs recipes/cluster-kmeans.yaml on its default
// input (the quickstart's expected per-customer features).
func TestKMeansShippedRecipe(t *testing.T) {
	path := filepath.Join("..", "..", "recipes", "cluster-kmeans.yaml")
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, scale := range []string{"standard", "none"} {
		r, err := workflow.Parse(path, src)
		if err != nil {
			t.Fatal(err)
		}
		out := t.TempDir()
		p, err := workflow.Build(r, workflow.Options{OutDir: out, Set: []string{"scale=" + scale}})
		if err != nil {
			t.Fatal(err)
		}
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		res, err := workflow.Execute(context.Background(), p, workflow.ExecOptions{Mem: mem, Version: "test"})
		if err != nil {
			t.Fatal(err)
		}
		mem.AssertSize(t, 0)
		var m map[string]any
		for _, s := range res.Steps {
			if s.ID == "segments" {
				m = s.Metrics
			}
		}
		for _, k := range []string{"inertia", "iterations", "silhouette"} {
			if _, ok := m[k]; !ok {
				t.Errorf("scale %s: metric %s missing: %v", scale, k, m)
			}
		}
		a := readCSV(t, filepath.Join(out, "assignments.csv"))
		if strings.Join(a[0], ",") != "customer_id,cluster,distance" || len(a) < 10 {
			t.Errorf("assignments %v", a[:min(3, len(a))])
		}
		if prof := readCSV(t, filepath.Join(out, "profiles.csv")); len(prof) != 5 {
			t.Errorf("profiles %v", prof)
		}
	}
}

// TestKMeansPreviousOtherK refits with fewer and more clusters than the
// previous model: matched clusters keep old ids, extra ones get fresh ids,
// and unused old ids have an empty profile row and no centre.
func TestKMeansPreviousOtherK(t *testing.T) {
	data := mallPath(t)
	out1 := t.TempDir()
	if _, err := kmRun(t, t.TempDir(), out1, mallRecipe(data, "k: 5\nmodel: model.json"), 0); err != nil {
		t.Fatal(err)
	}
	model := filepath.Join(out1, "model.json")

	out2 := t.TempDir()
	if _, err := kmRun(t, t.TempDir(), out2, mallRecipe(data, "k: 3\nmodel: m3.json\nprevious: "+model), 0); err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	maxID := 0
	for _, c := range assignments(t, out2) {
		used[c] = true
		n, _ := strconv.Atoi(c)
		maxID = max(maxID, n)
	}
	if len(used) != 3 || maxID > 4 {
		t.Errorf("ids of the 3-cluster refit: %v (want 3 of the old 0..4)", used)
	}
	prof := readCSV(t, filepath.Join(out2, "profiles.csv"))
	if len(prof) != maxID+2 {
		t.Fatalf("profiles for ids 0..%d: %v", maxID, prof)
	}
	empty := 0
	for _, r := range prof[1:] {
		if r[1] == "0" {
			empty++
		}
	}
	if empty != maxID+1-3 {
		t.Errorf("want %d empty profile rows: %v", maxID+1-3, prof)
	}
	if c := readCSV(t, filepath.Join(out2, "centres.csv")); len(c) != 4 {
		t.Errorf("centres %v", c)
	}
	// The 3-cluster model, with its ids, scores the data the same way.
	out3 := t.TempDir()
	if _, err := kmRun(t, t.TempDir(), out3, mallRecipe(data, "load: "+filepath.Join(out2, "m3.json")), 0); err != nil {
		t.Fatal(err)
	}
	if !mapsEqual(assignments(t, out2), assignments(t, out3)) {
		t.Errorf("loading a matched model changes the ids")
	}

	out4 := t.TempDir()
	if _, err := kmRun(t, t.TempDir(), out4, mallRecipe(data, "k: 7\nprevious: "+filepath.Join(out2, "m3.json")), 0); err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, c := range assignments(t, out4) {
		ids[c] = true
	}
	if len(ids) != 7 {
		t.Errorf("ids %v", ids)
	}
	for c := range ids {
		if n, _ := strconv.Atoi(c); n > 6 {
			t.Errorf("id %d beyond 0..6 (old ids 0..4 and two fresh)", n)
		}
	}

	// A previous model that does not exist yet (the first run) is a
	// warning, and the fit runs unmatched.
	res, err := kmRun(t, t.TempDir(), t.TempDir(), mallRecipe(data, "k: 5\nprevious: not_yet.json"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if res["km"].Metrics["matched_previous"] != false {
		t.Errorf("metrics %v", res["km"].Metrics)
	}
}

// TestKMeansMiniBatchAndSample runs mini-batch k-means and a sampled
// silhouette: both deterministic, close to the full fit's figures.
func TestKMeansMiniBatchAndSample(t *testing.T) {
	data := mallPath(t)
	raw, _ := reference(t)
	var first map[string]any
	for range 2 {
		res, err := kmRun(t, t.TempDir(), t.TempDir(), mallRecipe(data, "k: 5\nalgorithm: minibatch\nbatch_size: 64\nseed: 5\nsilhouette_sample: 120"), 0)
		if err != nil {
			t.Fatal(err)
		}
		m := res["km"].Metrics
		if in := num(t, m["inertia"]); in < raw[4].Inertia*(1-1e-12) || in > raw[4].Inertia*1.1 {
			t.Errorf("minibatch inertia %g, optimum %g", in, raw[4].Inertia)
		}
		if num(t, m["silhouette_sample"]) != 120 || math.Abs(num(t, m["silhouette"])-raw[4].Silhouette) > 0.1 {
			t.Errorf("sampled silhouette: %v", m)
		}
		if first == nil {
			first = m
		} else if fmt.Sprint(first) != fmt.Sprint(m) {
			t.Errorf("not deterministic:\n%v\n%v", first, m)
		}
	}
}

// TestKMeansLoadFeatureMismatch checks that a saved model whose features
// differ from the step's is refused at plan time.
func TestKMeansLoadFeatureMismatch(t *testing.T) {
	data := mallPath(t)
	dir := t.TempDir()
	model := `{"aftercare_model": "kmeans", "version": 1, "features": ["score", "income"], "k": 2,
 "centres": [[1, 2], [3, 4]], "seed": 0, "inertia": 1, "scale": "none"}`
	if err := os.WriteFile(filepath.Join(dir, "m.json"), []byte(model), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := kmRun(t, dir, t.TempDir(), mallRecipe(data, "load: m.json"), 0)
	if err == nil || !strings.Contains(err.Error(), "has features [score income] but the step lists [income score]") {
		t.Errorf("error %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bad.json"), []byte(`{"aftercare_model": "scaler", "version": 1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = kmRun(t, dir, t.TempDir(), mallRecipe(data, "load: bad.json"), 0)
	if err == nil || !strings.Contains(err.Error(), "not a k-means model") {
		t.Errorf("error %v", err)
	}
}
