package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"slices"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"go.yaml.in/yaml/v3"

	"github.com/aftercare/aftercare/steps/cluster/kmeans"
	"github.com/aftercare/aftercare/steps/features"
	"github.com/aftercare/aftercare/workflow"
)

func init() {
	workflow.Register(workflow.Spec{
		Type:    "cluster.kmeans",
		Summary: "K-means clustering: k-means++, accelerated exact iterations, choosing k, saved models and stable cluster ids.",
		Description: `Clusters rows on numeric feature columns with k-means (the
cluster/kmeans kernel: greedy k-means++ or random initialisation, n_init
restarts keeping the lowest inertia, Lloyd or the exact accelerated
Hamerly and Elkan iterations, or mini-batch k-means). The main output is
the input rows with two more columns: cluster (int) and distance (the
Euclidean distance of the row to its cluster centre, in the model space).
The profiles output has one row per cluster with its size, share and every
feature's mean, in original units when the features were scaled (by
scale: standard or by a features.scale step given as scaler); the centres
output has the centres in the model space.

k is a number, or a range k: {min: 2, max: 12} that fits every k and picks
one by select (silhouette, the default, or calinski_harabasz,
davies_bouldin, elbow); the per-k scores go into the run results.

Defaults: n_init 10 for both initialisations (scikit-learn 1.2's default;
scikit-learn >= 1.4 uses 1 for k-means++), max_iter 300, tol 1e-4 relative
to the mean feature variance, seed 0. The same seed gives the same output
bytes whatever the number of cores.

scale: standard standardises the features (mean 0, population standard
deviation 1, as scikit-learn's StandardScaler) before clustering and stores
the scaler in the model, so that a model loaded later applies it to new
data.

model: path saves the fitted model as JSON ({"aftercare_model": "kmeans",
"version": 1, "features", "centres", "k", "seed", "inertia", "scale",
"scaler"}). load: path assigns rows to the centres of a saved model
without refitting (nightly scoring); previous: path refits and gives every
new cluster the id of the nearest old centre (optimal matching), so that
ids stay stable between runs (with fewer clusters than before some old ids
are unused: their profile rows have size 0 and no centre row; extra
clusters get fresh ids after the old ones). A previous model that does not
exist yet (the first run) is a warning, and ids are then not matched.

Metrics: k, inertia, iterations, converged, algorithm, silhouette (exact up
to silhouette_sample rows, on a seeded sample beyond), calinski_harabasz,
davies_bouldin; for a range of k also sweep (a list of {k, inertia,
silhouette, calinski_harabasz, davies_bouldin, iterations, converged}),
criterion and chosen_k; silhouette_sample when the silhouette was sampled,
matched_previous with previous. With load, k, inertia and the three
indices describe the scored data.
Nulls, NaN and infinite feature values fail the run naming the column and
count (impute first). The step holds the input in memory plus an n x d
float64 matrix.`,
		Outputs: []workflow.Port{
			{Name: ""},
			{Name: "profiles", Doc: "One row per cluster: cluster, size, share and each feature's mean (in original units when scaled)."},
			{Name: "centres", Doc: "One row per cluster: cluster and each feature's centre coordinate in the model space."},
		},
		New: func() workflow.Step {
			return &KMeans{Init: kmeans.InitKMeansPP, NInit: 10, MaxIter: 300, Tol: 1e-4, Algorithm: kmeans.AlgoAuto,
				Select: kmeans.CriterionSilhouette, SilhouetteSample: kmeans.DefaultSilhouetteSample, Scale: "none"}
		},
		Examples: []string{
			"- {id: orders, type: io.read, path: data/orders.csv}\n- {id: rfm, type: features.rfm, input: orders, customer: customer_id, order: order_id, timestamp: ordered_at, amount: amount}\n- id: segments\n  type: cluster.kmeans\n  input: rfm\n  features: [recency_days, frequency, monetary]\n  scale: standard\n  k: 4\n  seed: 7\n  model: kmeans.json",
			"- {id: orders, type: io.read, path: data/orders.csv}\n- {id: rfm, type: features.rfm, input: orders, customer: customer_id, order: order_id, timestamp: ordered_at, amount: amount}\n- id: scaled\n  type: features.scale\n  input: rfm\n  columns: [recency_days, frequency, monetary]\n- id: segments\n  type: cluster.kmeans\n  input: scaled\n  features: [recency_days, frequency, monetary]\n  scaler: scaled.model\n  k: {min: 2, max: 8}\n  select: silhouette",
		},
	})
}

// KSpec is the k of cluster.kmeans: a number of clusters, or a range
// {min, max} to sweep.
type KSpec struct {
	K        int // the number of clusters, when not a range
	Min, Max int // the range, when Range is set
	Range    bool
	set      bool // k was given
}

// UnmarshalRecipe decodes k: 5 or k: {min: 2, max: 12}.
func (k *KSpec) UnmarshalRecipe(d *workflow.Decoder, n *yaml.Node, path string) {
	switch n.Kind {
	case yaml.ScalarNode:
		v, err := strconv.Atoi(n.Value)
		if err != nil {
			d.Errorf(n, path, "k must be an integer or a range {min, max}, got %q", n.Value)
			return
		}
		*k = KSpec{K: v, set: true}
	case yaml.MappingNode:
		var r struct {
			Min int `yaml:"min" required:"true" doc:"Smallest k."`
			Max int `yaml:"max" required:"true" doc:"Largest k."`
		}
		d.Decode(n, &r, path)
		*k = KSpec{Min: r.Min, Max: r.Max, Range: true, set: true}
	default:
		d.Errorf(n, path, "k must be an integer or a range {min, max}")
	}
}

// RecipeSchema describes k in the recipe JSON Schema.
func (KSpec) RecipeSchema() map[string]any {
	return map[string]any{
		"description": "Number of clusters, or a range {min, max} to sweep.",
		"oneOf": []any{
			map[string]any{"type": "integer", "minimum": 1},
			map[string]any{
				"type":                 "object",
				"additionalProperties": false,
				"required":             []any{"min", "max"},
				"properties": map[string]any{
					"min": map[string]any{"type": "integer", "minimum": 1, "description": "Smallest k."},
					"max": map[string]any{"type": "integer", "minimum": 1, "description": "Largest k."},
				},
			},
			map[string]any{"type": "string", "pattern": `^\$\{[^}]+\}$`, "description": "A ${params.NAME} reference."},
		},
	}
}

// KMeans is the cluster.kmeans step.
type KMeans struct {
	Input            workflow.Ref      `yaml:"input" required:"true" doc:"Step whose rows are clustered."`
	Features         []workflow.Column `yaml:"features" required:"true" minItems:"1" doc:"Numeric feature columns."`
	K                KSpec             `yaml:"k" doc:"Number of clusters, or a range {min: 2, max: 12} to sweep (required unless load)."`
	Select           string            `yaml:"select" enum:"silhouette|calinski_harabasz|davies_bouldin|elbow" doc:"How a range of k picks one (default silhouette)."`
	Init             string            `yaml:"init" enum:"k-means++|random" doc:"Initialisation (default k-means++)."`
	NInit            int               `yaml:"n_init" min:"1" doc:"Restarts; the lowest inertia is kept (default 10)."`
	MaxIter          int               `yaml:"max_iter" min:"1" doc:"Maximum iterations per restart (default 300; epochs for minibatch)."`
	Tol              float64           `yaml:"tol" min:"0" doc:"Stop when the squared centre shift is at most tol times the mean feature variance (default 1e-4; not used by minibatch)."`
	Seed             int64             `yaml:"seed" min:"0" doc:"Seed of every random choice (default 0)."`
	Algorithm        string            `yaml:"algorithm" enum:"auto|lloyd|hamerly|elkan|minibatch" doc:"Iteration algorithm (default auto: Hamerly, or Elkan for many features and clusters)."`
	BatchSize        int               `yaml:"batch_size" min:"1" doc:"Rows per step of minibatch (default 1024)."`
	Weight           *workflow.Column  `yaml:"weight" doc:"Optional numeric column of non-negative sample weights."`
	Scale            string            `yaml:"scale" enum:"none|standard" doc:"Standardise the features before clustering (default none); the scaler is saved with the model."`
	Scaler           *workflow.Ref     `yaml:"scaler" doc:"The model output of the features.scale step that scaled the features (step.model), for profiles in original units."`
	SilhouetteSample int               `yaml:"silhouette_sample" min:"0" doc:"Rows above which the silhouette is computed on a seeded sample of that size (default 10000; 0: always exact)."`
	Model            string            `yaml:"model" doc:"Save the fitted model as JSON to this path (relative to the run's output folder)."`
	Load             string            `yaml:"load" doc:"Assign rows to the centres of a saved model instead of fitting (relative to the recipe's folder)."`
	Previous         string            `yaml:"previous" doc:"A model saved by an earlier run: new clusters take the ids of the nearest old centres (relative to the recipe's folder)."`

	plan *kmeansPlan
}

type kmeansPlan struct {
	names    []string
	load     string
	previous string
	model    *KMeansModel // the loaded model, when load is set and it exists
}

// KMeansModelKind is the value of "aftercare_model" in a saved k-means model.
const KMeansModelKind = "kmeans"

// KMeansModelVersion is the version of the saved k-means format this
// package writes and reads.
const KMeansModelVersion = 1

// KMeansModel is a fitted k-means model as cluster.kmeans saves it with
// model: path.json. Centres are in the model space: after Scaler when
// Scale is "standard" (the step applies it to new data), otherwise in the
// units of the step's input (Scaler, when present, then only describes
// how the input was scaled). IDs, when present, give the cluster id of
// each centre (after matching with a previous model); otherwise centre j
// is cluster j.
type KMeansModel struct {
	Model    string                `json:"aftercare_model"`
	Version  int                   `json:"version"`
	Features []string              `json:"features"`
	K        int                   `json:"k"`
	Centres  [][]float64           `json:"centres"`
	IDs      []int                 `json:"ids,omitempty"`
	Seed     int64                 `json:"seed"`
	Inertia  float64               `json:"inertia"`
	Scale    string                `json:"scale"`
	Scaler   *features.ScalerModel `json:"scaler,omitempty"`
}

// ids returns the cluster id of every centre.
func (m *KMeansModel) ids() []int {
	if m.IDs != nil {
		return m.IDs
	}
	out := make([]int, len(m.Centres))
	for i := range out {
		out[i] = i
	}
	return out
}

// flat returns the centres row-major.
func (m *KMeansModel) flat() []float64 {
	out := make([]float64, 0, len(m.Centres)*len(m.Features))
	for _, c := range m.Centres {
		out = append(out, c...)
	}
	return out
}

func (m *KMeansModel) validate() error {
	if m.Model != KMeansModelKind {
		return fmt.Errorf("not a k-means model: aftercare_model is %q, want %q", m.Model, KMeansModelKind)
	}
	if m.Version != KMeansModelVersion {
		return fmt.Errorf("k-means model version %d is not supported (this aftercare reads version %d)", m.Version, KMeansModelVersion)
	}
	d := len(m.Features)
	if d == 0 || len(m.Centres) == 0 || m.K != len(m.Centres) {
		return errors.New("k-means model needs features and k centres")
	}
	for i, c := range m.Centres {
		if len(c) != d {
			return fmt.Errorf("k-means model centre %d has %d values for %d features", i, len(c), d)
		}
		for _, v := range c {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("k-means model centre %d is not finite", i)
			}
		}
	}
	if m.IDs != nil && len(m.IDs) != m.K {
		return fmt.Errorf("k-means model has %d ids for %d centres", len(m.IDs), m.K)
	}
	if m.IDs != nil {
		seen := map[int]bool{}
		for _, id := range m.IDs {
			if id < 0 || seen[id] {
				return fmt.Errorf("k-means model ids must be distinct and non-negative, got %v", m.IDs)
			}
			seen[id] = true
		}
	}
	if m.Scale == "standard" {
		if m.Scaler == nil {
			return errors.New("k-means model with scale standard has no scaler")
		}
		for _, f := range m.Features {
			if _, ok := m.Scaler.Columns[f]; !ok {
				return fmt.Errorf("k-means model scaler has no column %q", f)
			}
		}
	}
	return nil
}

// LoadKMeansModel reads and validates a model saved by cluster.kmeans.
func LoadKMeansModel(path string) (*KMeansModel, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m, err := ReadKMeansModel(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// ReadKMeansModel decodes and validates a saved k-means model.
func ReadKMeansModel(r io.Reader) (*KMeansModel, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var m KMeansModel
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("decode k-means model: %w", err)
	}
	if err := m.validate(); err != nil {
		return nil, err
	}
	return &m, nil
}

var (
	clusterField  = arrow.Field{Name: "cluster", Type: workflow.Int64}
	distanceField = arrow.Field{Name: "distance", Type: workflow.Float64}
)

func centresSchema(names []string) *arrow.Schema {
	fields := []arrow.Field{{Name: "cluster", Type: workflow.Int64}}
	for _, f := range names {
		fields = append(fields, arrow.Field{Name: f, Type: workflow.Float64})
	}
	return arrow.NewSchema(fields, nil)
}

// checkModelFile loads a model at plan time and checks its features.
func (s *KMeans) checkModelFile(c *workflow.CheckContext, key, path string, names []string, mustExist bool) *KMeansModel {
	m, err := LoadKMeansModel(path)
	if !errors.Is(err, fs.ErrNotExist) {
		c.ReadsFile(path) // part of the fingerprint; a missing previous model is not
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if mustExist {
			c.Errorf(key, "model %s does not exist", path)
		} else {
			c.Warnf(key, "model %s does not exist: cluster ids are not matched to an earlier model", path)
		}
		return nil
	case err != nil:
		c.Errorf(key, "%v", err)
		return nil
	}
	if !slices.Equal(m.Features, names) {
		c.Errorf(key, "model %s has features %v but the step lists %v (same names in the same order)", path, m.Features, names)
		return nil
	}
	return m
}

// Check validates the options and declares the outputs.
func (s *KMeans) Check(c *workflow.CheckContext) {
	s.plan = nil
	p := &kmeansPlan{names: workflow.Names(s.Features)}
	ok := true
	fail := func(path, format string, args ...any) {
		c.Errorf(path, format, args...)
		ok = false
	}
	if s.Load != "" {
		if s.Previous != "" {
			fail("previous", "load and previous cannot be combined: load assigns to a saved model without refitting")
		}
		if s.K.set {
			fail("k", "k cannot be combined with load: the saved model decides")
		}
		if s.Scale != "" && s.Scale != "none" {
			fail("scale", "scale cannot be combined with load: the saved model decides")
		}
		if s.Model != "" {
			fail("model", "model cannot be combined with load: nothing is fitted")
		}
		p.load = c.InputPath(s.Load)
		p.model = s.checkModelFile(c, "load", p.load, p.names, true)
		if p.model == nil {
			ok = false
		}
	} else {
		switch {
		case !s.K.set:
			fail("k", "k is required (a number of clusters or a range {min, max}) unless load is given")
		case !s.K.Range && s.K.K < 1:
			fail("k", "k must be at least 1, got %d", s.K.K)
		case s.K.Range && s.K.Min < 1:
			fail("k.min", "k.min must be at least 1, got %d", s.K.Min)
		case s.K.Range && s.K.Min > s.K.Max:
			fail("k", "k.min (%d) is larger than k.max (%d)", s.K.Min, s.K.Max)
		}
		if s.K.Range && s.Algorithm == "minibatch" {
			fail("algorithm", "a range of k cannot use algorithm minibatch: give one k, or another algorithm")
		}
		if s.Previous != "" {
			p.previous = c.InputPath(s.Previous)
			if m := s.checkModelFile(c, "previous", p.previous, p.names, false); m == nil && c.Failed() {
				ok = false
			}
		}
		if s.Model != "" {
			c.Writes(s.Model)
		}
	}
	if s.Scaler != nil && s.Scale == "standard" {
		fail("scaler", "scaler and scale: standard cannot be combined: the features are scaled either by a features.scale step or by this step")
	}
	if s.BatchSize != 0 && s.Algorithm != "minibatch" {
		fail("batch_size", "batch_size applies to algorithm minibatch only")
	}
	if s.Scaler != nil {
		if ss := c.Schema(*s.Scaler); ss != nil && !ss.Equal(features.ScalerModelSchema) {
			fail("scaler", "scaler must be the model output of a features.scale step (like scaled.model)")
		}
	}
	in := c.Schema(s.Input)
	if in == nil {
		return
	}
	checkFeatures(c, "features", in, s.Features)
	if s.Weight != nil {
		if f, fok := c.ColumnAt(s.Weight.Pos, "weight", in, s.Weight.Name); fok && !workflow.IsNumeric(f.Type) {
			fail("weight", "weight %q is %s; it must be numeric", s.Weight.Name, workflow.TypeName(f.Type))
		} else if !fok {
			ok = false
		}
	}
	for _, f := range []arrow.Field{clusterField, distanceField} {
		if len(in.FieldIndices(f.Name)) > 0 {
			fail("input", "input already has a column %q: rename or drop it before clustering", f.Name)
		}
	}
	if !ok || c.Failed() {
		return
	}
	fields := append(slices.Clone(in.Fields()), clusterField, distanceField)
	c.SetOutput("", arrow.NewSchema(fields, nil))
	c.SetOutput("profiles", profileSchema(p.names))
	c.SetOutput("centres", centresSchema(p.names))
	s.plan = p
}

// Run fits (or loads) the model and writes the outputs.
func (s *KMeans) Run(ctx context.Context, r *workflow.RunContext) error {
	p := s.plan
	if p == nil {
		return errors.New("cluster.kmeans was not planned")
	}
	// The engine prefixes errors with "step <id>:".
	m, err := readMatrix(ctx, r.Input(s.Input), p.names)
	if err != nil {
		return err
	}
	defer m.table.Release()
	return s.run(ctx, r, m)
}

func (s *KMeans) run(ctx context.Context, r *workflow.RunContext, m *matrix) error {
	p := s.plan
	var scaler *features.ScalerModel
	if s.Scaler != nil {
		sc, err := features.ScalerModelFromDataset(ctx, r.Input(*s.Scaler))
		if err != nil {
			return fmt.Errorf("read scaler: %w", err)
		}
		scaler = sc
	}
	var weights []float64
	if s.Weight != nil {
		w, err := readWeights(m.table, s.Weight.Name)
		if err != nil {
			return err
		}
		weights = w
	}

	var (
		model     *KMeansModel
		labels    []int32
		distances []float64
		centres   []float64 // row-major, one per id (rows of unused ids are NaN)
		k         int       // number of ids
	)
	if p.load != "" {
		loaded, err := LoadKMeansModel(p.load)
		if err != nil {
			return fmt.Errorf("load model: %w", err)
		}
		if !slices.Equal(loaded.Features, p.names) {
			return fmt.Errorf("model %s has features %v, the step lists %v", p.load, loaded.Features, p.names)
		}
		model = loaded
		if model.Scale == "standard" {
			standardiseWith(m, model.Scaler)
		}
		if scaler == nil {
			scaler = model.Scaler
		}
		lab, dist, err := kmeans.Predict(m.x, m.n, m.d, model.flat())
		if err != nil {
			return fmt.Errorf("assign rows: %w", err)
		}
		ids := model.ids()
		for i, l := range lab {
			lab[i] = int32(ids[l])
		}
		labels, distances = lab, dist
		k, centres = byID(model.flat(), ids, m.d)
		inertia := 0.0
		for i, dd := range dist {
			w := 1.0
			if weights != nil {
				w = weights[i]
			}
			inertia += w * dd * dd
		}
		r.Metric("k", model.K)
		r.Metric("inertia", inertia)
	} else {
		if err := checkConstant(m); err != nil {
			return err
		}
		if s.Scale == "standard" {
			scaler = standardScaler(m)
			standardiseWith(m, scaler)
		}
		res, err := s.fit(r, m, weights)
		if err != nil {
			return err
		}
		ids := make([]int, res.K)
		for i := range ids {
			ids[i] = i
		}
		if p.previous != "" {
			prev, err := LoadKMeansModel(p.previous)
			switch {
			case errors.Is(err, fs.ErrNotExist):
				r.Metric("matched_previous", false)
			case err != nil:
				return fmt.Errorf("read previous model: %w", err)
			default:
				if !slices.Equal(prev.Features, p.names) {
					return fmt.Errorf("previous model %s has features %v, the step lists %v", p.previous, prev.Features, p.names)
				}
				match, err := kmeans.MatchCentres(prev.flat(), res.Centres, m.d)
				if err != nil {
					return fmt.Errorf("match previous centres: %w", err)
				}
				pids := prev.ids()
				kOld := 0
				for _, id := range pids {
					kOld = max(kOld, id+1)
				}
				next := kOld
				for j, mj := range match {
					if mj < len(pids) {
						ids[j] = pids[mj]
					} else {
						ids[j] = next
						next++
					}
				}
				r.Metric("matched_previous", true)
			}
		}
		labels = make([]int32, m.n)
		for i, l := range res.Labels {
			labels[i] = int32(ids[l])
		}
		distances = res.Distances
		k, centres = byID(res.Centres, ids, m.d)
		model = &KMeansModel{Model: KMeansModelKind, Version: KMeansModelVersion, Features: p.names, K: res.K,
			Seed: s.Seed, Inertia: res.Inertia, Scale: "none", Scaler: scaler}
		if s.Scale == "standard" {
			model.Scale = "standard"
		}
		for j := range res.K {
			model.Centres = append(model.Centres, slices.Clone(res.Centres[j*m.d:(j+1)*m.d]))
		}
		if !slices.Equal(ids, model.ids()) {
			model.IDs = ids
		}
		if s.Model != "" {
			if err := writeModel(r, s.Model, model); err != nil {
				return err
			}
		}
	}
	if err := s.qualityMetrics(r, m, labels, model.K); err != nil {
		return err
	}

	mem := r.Mem()
	lab64 := make([]int64, m.n)
	for i, l := range labels {
		lab64[i] = int64(l)
	}
	main, err := m.withColumns(mem, []arrow.Field{clusterField, distanceField}, [][]float64{distances}, [][]int64{lab64})
	if err != nil {
		return err
	}
	prof, err := profiles(mem, m, labels, k, scaler)
	if err != nil {
		main.Release()
		return err
	}
	r.SetOutput("", main)
	r.SetOutput("profiles", prof)
	r.SetOutput("centres", centresTable(mem, p.names, centres, k))
	return nil
}

// fit runs one fit, a sweep, or mini-batch k-means, recording the metrics.
func (s *KMeans) fit(r *workflow.RunContext, m *matrix, w []float64) (*kmeans.Result, error) {
	cfg := kmeans.Config{Init: s.Init, NInit: s.NInit, MaxIter: s.MaxIter, Tol: s.Tol, Seed: uint64(s.Seed),
		Algorithm: s.Algorithm, Workers: r.Workers()}
	if cfg.Init == "" {
		cfg.Init = kmeans.InitKMeansPP
	}
	if cfg.Algorithm == "" {
		cfg.Algorithm = kmeans.AlgoAuto
	}
	wrap := func(err error) error {
		if errors.Is(err, kmeans.ErrK) {
			return fmt.Errorf("%w (lower k, or remove duplicate rows)", err)
		}
		return fmt.Errorf("fit k-means: %w", err)
	}
	if s.K.Range {
		sample := s.SilhouetteSample
		if sample == 0 {
			sample = -1
		}
		sw, err := kmeans.Sweep(m.x, m.n, m.d, w, s.K.Min, s.K.Max, kmeans.SweepConfig{Fit: cfg, Criterion: s.Select, SilhouetteSample: sample})
		if err != nil {
			return nil, wrap(err)
		}
		table := make([]map[string]any, len(sw.K))
		for i, k := range sw.K {
			table[i] = map[string]any{"k": k, "inertia": finite(sw.Inertia[i]), "silhouette": finite(sw.Silhouette[i]),
				"calinski_harabasz": finite(sw.CalinskiHarabasz[i]), "davies_bouldin": finite(sw.DaviesBouldin[i]),
				"iterations": sw.Iterations[i], "converged": sw.Converged[i]}
		}
		r.Metric("sweep", table)
		r.Metric("criterion", sw.Criterion)
		r.Metric("chosen_k", sw.BestK)
		s.fitMetrics(r, sw.Best)
		return sw.Best, nil
	}
	var res *kmeans.Result
	var err error
	if s.Algorithm == "minibatch" {
		res, err = kmeans.MiniBatch(m.x, m.n, m.d, w, kmeans.MiniBatchConfig{K: s.K.K, Init: cfg.Init, NInit: s.NInit,
			BatchSize: s.BatchSize, MaxEpochs: s.MaxIter, Seed: uint64(s.Seed), Workers: r.Workers()})
	} else {
		cfg.K = s.K.K
		res, err = kmeans.Fit(m.x, m.n, m.d, w, cfg)
	}
	if err != nil {
		return nil, wrap(err)
	}
	s.fitMetrics(r, res)
	return res, nil
}

func (s *KMeans) fitMetrics(r *workflow.RunContext, res *kmeans.Result) {
	r.Metric("k", res.K)
	r.Metric("inertia", res.Inertia)
	r.Metric("iterations", res.Iterations)
	r.Metric("converged", res.Converged)
	r.Metric("algorithm", res.Algorithm)
}

// qualityMetrics records the silhouette, Calinski-Harabasz and
// Davies-Bouldin indices when they are defined (2 <= clusters < n).
func (s *KMeans) qualityMetrics(r *workflow.RunContext, m *matrix, labels []int32, k int) error {
	used := map[int32]bool{}
	for _, l := range labels {
		used[l] = true
	}
	if len(used) < 2 || len(used) >= m.n {
		return nil
	}
	// The metric functions want labels 0..K-1 without gaps.
	dense := make([]int32, len(labels))
	remap := map[int32]int32{}
	keys := make([]int32, 0, len(used))
	for l := range used {
		keys = append(keys, l)
	}
	slices.Sort(keys)
	for i, l := range keys {
		remap[l] = int32(i)
	}
	for i, l := range labels {
		dense[i] = remap[l]
	}
	opt := kmeans.SilhouetteOptions{Seed: uint64(s.Seed), Workers: r.Workers()}
	if s.SilhouetteSample > 0 && m.n > s.SilhouetteSample {
		opt.SampleSize = s.SilhouetteSample
		r.Metric("silhouette_sample", s.SilhouetteSample)
	}
	sil, err := kmeans.Silhouette(m.x, m.n, m.d, dense, opt)
	if err != nil {
		return fmt.Errorf("silhouette: %w", err)
	}
	ch, err := kmeans.CalinskiHarabasz(m.x, m.n, m.d, dense)
	if err != nil {
		return fmt.Errorf("calinski-harabasz: %w", err)
	}
	db, err := kmeans.DaviesBouldin(m.x, m.n, m.d, dense)
	if err != nil {
		return fmt.Errorf("davies-bouldin: %w", err)
	}
	r.Metric("silhouette", finite(sil))
	r.Metric("calinski_harabasz", finite(ch))
	r.Metric("davies_bouldin", finite(db))
	return nil
}

// finite returns v, or nil for NaN and infinities (JSON has no NaN).
func finite(v float64) any {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return v
}

// byID lays out centres by cluster id: row ids[j] holds centre j; rows of
// ids no centre has are NaN. It returns the number of ids.
func byID(centres []float64, ids []int, d int) (int, []float64) {
	k := 0
	for _, id := range ids {
		k = max(k, id+1)
	}
	out := make([]float64, k*d)
	for i := range out {
		out[i] = math.NaN()
	}
	for j, id := range ids {
		copy(out[id*d:(id+1)*d], centres[j*d:(j+1)*d])
	}
	return k, out
}

// centresTable builds the centres output, skipping ids without a centre.
func centresTable(mem memory.Allocator, names []string, centres []float64, k int) *workflow.Table {
	d := len(names)
	schema := centresSchema(names)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	for c := range k {
		row := centres[c*d : (c+1)*d]
		if math.IsNaN(row[0]) {
			continue
		}
		b.Field(0).(*array.Int64Builder).Append(int64(c))
		for j, v := range row {
			b.Field(1 + j).(*array.Float64Builder).Append(v)
		}
	}
	return workflow.NewTable(schema, b.NewRecordBatch())
}

// checkConstant reports features with a single value: they cannot
// separate clusters.
func checkConstant(m *matrix) error {
	if m.n < 2 {
		return nil
	}
	for j, name := range m.names {
		first := m.x[j]
		constant := true
		for i := 1; i < m.n; i++ {
			if m.x[i*m.d+j] != first {
				constant = false
				break
			}
		}
		if constant {
			return fmt.Errorf("feature %q is constant (every row is %g): it cannot separate clusters; drop it", name, first)
		}
	}
	return nil
}

// standardScaler fits scikit-learn's StandardScaler (mean, population
// standard deviation; 1 for a zero spread) to the matrix's columns.
func standardScaler(m *matrix) *features.ScalerModel {
	sc := &features.ScalerModel{Model: features.ScalerModelKind, Version: features.ScalerModelVersion, Columns: map[string]features.ColumnScaler{}}
	for j, name := range m.names {
		mean := 0.0
		for i := range m.n {
			mean += m.x[i*m.d+j]
		}
		mean /= float64(m.n)
		ss := 0.0
		for i := range m.n {
			dv := m.x[i*m.d+j] - mean
			ss += dv * dv
		}
		sd := math.Sqrt(ss / float64(m.n))
		if sd == 0 {
			sd = 1
		}
		sc.Columns[name] = features.ColumnScaler{Method: "standard", Center: mean, Scale: sd, N: int64(m.n)}
	}
	return sc
}

// standardiseWith transforms the matrix in place with the scaler.
func standardiseWith(m *matrix, sc *features.ScalerModel) {
	for j, name := range m.names {
		c := sc.Columns[name]
		for i := range m.n {
			m.x[i*m.d+j] = c.Transform(m.x[i*m.d+j])
		}
	}
}

// readWeights reads a numeric weight column; nulls, NaN and negative
// values are errors.
func readWeights(t *workflow.Table, name string) ([]float64, error) {
	ii := t.Schema().FieldIndices(name)
	if len(ii) == 0 {
		return nil, fmt.Errorf("input has no weight column %q", name)
	}
	w := make([]float64, 0, t.NumRows())
	bad := 0
	for _, b := range t.Batches() {
		switch a := b.Column(ii[0]).(type) {
		case *array.Float64:
			for i := range a.Len() {
				v := a.Value(i)
				if a.IsNull(i) || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
					bad++
				}
				w = append(w, v)
			}
		case *array.Int64:
			for i := range a.Len() {
				v := a.Value(i)
				if a.IsNull(i) || v < 0 {
					bad++
				}
				w = append(w, float64(v))
			}
		default:
			return nil, fmt.Errorf("weight %q is %s, not numeric", name, a.DataType())
		}
	}
	if bad > 0 {
		return nil, fmt.Errorf("weight %q has %d null, NaN, infinite or negative value(s)", name, bad)
	}
	return w, nil
}

// writeModel saves the model as indented JSON, staged until the run succeeds.
func writeModel(r *workflow.RunContext, path string, m *KMeansModel) error {
	f, err := r.CreateOutput(path)
	if err != nil {
		return fmt.Errorf("save model: %w", err)
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		f.Close()
		return fmt.Errorf("save model: %w", err)
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("save model: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("save model: %w", err)
	}
	return nil
}
