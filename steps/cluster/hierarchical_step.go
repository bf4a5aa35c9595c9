package cluster

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"go.yaml.in/yaml/v3"

	"github.com/aftercare/aftercare/steps/cluster/hclust"
	"github.com/aftercare/aftercare/steps/cluster/kmeans"
	"github.com/aftercare/aftercare/steps/features"
	"github.com/aftercare/aftercare/workflow"
)

// autoTwoStageRows is the row count above which mode auto runs Ward
// linkage in two stages.
const autoTwoStageRows = 20000

// autoCopheneticRows is the row count up to which cophenetic: auto
// computes the cophenetic correlation of an exact tree (it costs O(n²)
// time).
const autoCopheneticRows = 20000

func init() {
	workflow.Register(workflow.Spec{
		Type:    "cluster.hierarchical",
		Summary: "Agglomerative (hierarchical) clustering as scipy's linkage: ward, complete, average, single, weighted, centroid, median; exact or two-stage.",
		Description: `Clusters the rows on the numeric features with agglomerative linkage,
reproducing scipy 1.10's scipy.cluster.hierarchy.linkage (merge heights to
about 1e-15 relative), then cuts the tree into k clusters (fcluster
maxclust) or at distance_threshold (fcluster distance). Exactly one of k
and distance_threshold is required.

Linkages: ward, centroid and median need the euclidean metric; complete,
average, weighted and single also accept cityblock (manhattan) and
cosine. Ward, centroid, median and single work on the feature vectors in
O(n·d) memory; complete, average and weighted hold the condensed distance
matrix (8·n(n−1)/2 bytes) and refuse, before allocating it, when it would
exceed max_memory (bytes, or a size like 2GiB; default a quarter of the
machine's memory).

mode: exact builds the tree over all rows. two_stage (ward only) first
runs k-means (the cluster.kmeans kernel, k-means++ seeded by
two_stage.seed) to two_stage.micro_clusters weighted micro-clusters, then
exact weighted Ward on their centres; every row takes its
micro-cluster's segment. auto (the default) is two_stage for ward above
20,000 rows and exact otherwise. The metric kept_ss_share is the share
of the total sum of squares the micro-clusters keep (1 − within/total).

Outputs: the input rows plus cluster (int, 0 the largest cluster, ties
by smallest row); linkage, the merge tree in scipy's linkage-matrix
layout (n−1 rows: left, right, height, size; leaves 0..n−1 are the input
rows, row i makes cluster n+i), loadable into
scipy.cluster.hierarchy.dendrogram unchanged (in two-stage mode the tree
over the micro-clusters, leaves numbered as the micro-clusters); and
profiles (cluster, size, share, feature means).

scale: standard z-scores the features first (population standard
deviation, as features.scale method standard; zero spread divides by 1);
the profiles are then in original units. If the features were scaled by
an upstream features.scale, pass its model output as scaler
(scaler: scaled.model) to get profiles in original units instead.

Metrics: linkage, metric, mode, n, k, cophenetic_correlation (exact
mode; O(n²) time, by default only up to 20,000 rows, see cophenetic),
or cophenetic_correlation_micro (two-stage: the correlation of the tree
over the micro-cluster centres), kept_ss_share and micro_clusters.`,
		Outputs: []workflow.Port{
			{Name: ""},
			{Name: "linkage", Doc: "The merge tree in scipy's linkage-matrix layout: left, right, height, size (n−1 rows; in two-stage mode over the micro-clusters)."},
			{Name: "profiles", Doc: "One row per cluster: cluster, size, share and the mean of every feature (in original units with scale: standard or a scaler)."},
		},
		New: func() workflow.Step {
			return &Hierarchical{Linkage: "ward", Metric: "euclidean", Mode: "auto", Scale: "none", Cophenetic: "auto"}
		},
		Examples: []string{
			"- {id: orders, type: io.read, path: data/orders.csv}\n- {id: rfm, type: features.rfm, input: orders, customer: customer_id, order: order_id, timestamp: ordered_at, amount: amount}\n- id: segments\n  type: cluster.hierarchical\n  input: rfm\n  features: [recency_days, frequency, monetary]\n  scale: standard\n  linkage: ward\n  k: 4",
			"- {id: orders, type: io.read, path: data/orders.csv}\n- {id: rfm, type: features.rfm, input: orders, customer: customer_id, order: order_id, timestamp: ordered_at, amount: amount}\n- {id: scaled, type: features.scale, input: rfm, method: robust, log1p: true, columns: [frequency, monetary]}\n- id: segments\n  type: cluster.hierarchical\n  input: scaled\n  features: [frequency, monetary]\n  scaler: scaled.model\n  linkage: average\n  metric: cityblock\n  distance_threshold: 2.5\n  max_memory: 1GiB",
			"- {id: orders, type: io.read, path: data/orders.csv}\n- {id: rfm, type: features.rfm, input: orders, customer: customer_id, order: order_id, timestamp: ordered_at, amount: amount}\n- id: segments\n  type: cluster.hierarchical\n  input: rfm\n  features: [recency_days, frequency, monetary]\n  scale: standard\n  mode: two_stage\n  two_stage: {micro_clusters: 100, seed: 7}\n  k: 5",
		},
	})
}

// Hierarchical is the cluster.hierarchical step.
type Hierarchical struct {
	Input             workflow.Ref      `yaml:"input" required:"true" doc:"Step whose rows are clustered."`
	Features          []workflow.Column `yaml:"features" required:"true" minItems:"1" doc:"Numeric feature columns (no nulls or NaN: impute first)."`
	Linkage           string            `yaml:"linkage" enum:"ward|complete|average|single|weighted|centroid|median" doc:"Linkage criterion, as in scipy (default ward)."`
	Metric            string            `yaml:"metric" enum:"euclidean|cityblock|manhattan|cosine" doc:"Row distance (default euclidean); ward, centroid and median need euclidean."`
	K                 *int              `yaml:"k" min:"2" doc:"Number of flat clusters (fcluster maxclust), at least 2. Exactly one of k and distance_threshold."`
	DistanceThreshold *float64          `yaml:"distance_threshold" doc:"Cut the tree at this merge height (fcluster distance). Exactly one of k and distance_threshold."`
	MaxMemory         ByteSize          `yaml:"max_memory" doc:"Budget for the distance matrix of complete, average and weighted linkage: bytes or a size like 2GiB (default a quarter of the machine's memory)."`
	Mode              string            `yaml:"mode" enum:"exact|two_stage|auto" doc:"exact, two_stage (k-means micro-clusters, then weighted Ward; ward only) or auto: two_stage for ward above 20,000 rows (default)."`
	TwoStage          *TwoStageOptions  `yaml:"two_stage" doc:"Options of the two-stage mode."`
	Scale             string            `yaml:"scale" enum:"none|standard" doc:"standard z-scores the features before clustering (profiles stay in original units); default none."`
	Scaler            workflow.Ref      `yaml:"scaler" doc:"A features.scale model output (like scaled.model) that scaled the features upstream, to report profiles in original units."`
	Cophenetic        string            `yaml:"cophenetic" enum:"auto|always|never" doc:"Compute the cophenetic correlation: auto does up to 20,000 rows in exact mode (it takes O(n²) time) and always on the micro-cluster tree (default auto)."`

	method hclust.Method
	metric hclust.Metric
}

// TwoStageOptions configures the first stage of two-stage clustering.
type TwoStageOptions struct {
	MicroClusters int    `yaml:"micro_clusters" min:"2" doc:"Number of k-means micro-clusters (default 500; at most the number of rows)."`
	Seed          uint64 `yaml:"seed" doc:"Seed of the k-means++ initialisation (default 0)."`
	MaxIter       int    `yaml:"max_iter" min:"1" doc:"Maximum k-means iterations over all rows (default 20; micro-clusters need not converge)."`
}

// ByteSize is a number of bytes, written in a recipe as an integer or as
// a size with a unit: B, KB, MB, GB, TB (powers of 1000) or KiB, MiB,
// GiB, TiB (powers of 1024), like 2GiB or 500MB.
type ByteSize int64

var byteUnits = map[string]float64{
	"": 1, "b": 1,
	"k": 1e3, "kb": 1e3, "m": 1e6, "mb": 1e6, "g": 1e9, "gb": 1e9, "t": 1e12, "tb": 1e12,
	"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40,
}

// ParseByteSize parses a size like 2GiB, 500MB or 1048576.
func ParseByteSize(s string) (ByteSize, error) {
	t := strings.TrimSpace(s)
	i := len(t)
	for i > 0 && (t[i-1] < '0' || t[i-1] > '9') && t[i-1] != '.' {
		i--
	}
	num, unit := strings.TrimSpace(t[:i]), strings.ToLower(strings.TrimSpace(t[i:]))
	mult, ok := byteUnits[unit]
	v, err := strconv.ParseFloat(num, 64)
	if !ok || err != nil || v < 0 || math.IsInf(v, 0) || v*mult > math.MaxInt64/2 {
		return 0, fmt.Errorf("cannot parse %q as a size (like 2GiB, 500MB or a number of bytes)", s)
	}
	return ByteSize(math.Round(v * mult)), nil
}

// UnmarshalRecipe decodes an integer or a size with a unit.
func (b *ByteSize) UnmarshalRecipe(d *workflow.Decoder, n *yaml.Node, path string) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		d.Errorf(n, path, "expected a size like 2GiB or a number of bytes")
		return
	}
	v, err := ParseByteSize(n.Value)
	if err != nil {
		d.Errorf(n, path, "%v", err)
		return
	}
	*b = v
}

// RecipeSchema describes a size in the JSON Schema.
func (*ByteSize) RecipeSchema() map[string]any {
	return map[string]any{"anyOf": []any{
		map[string]any{"type": "integer", "minimum": 0},
		map[string]any{"type": "string", "pattern": `^\s*[0-9]+(\.[0-9]+)?\s*([kKmMgGtT]([iI]?[bB])?|[bB])?\s*$`},
		map[string]any{"type": "string", "pattern": `^\$\{[^}]+\}$`, "description": "A ${params.NAME} reference."},
	}, "description": "A size: bytes, or a number with a unit like 2GiB or 500MB."}
}

// Check validates the options and columns and declares the outputs.
func (s *Hierarchical) Check(c *workflow.CheckContext) {
	s.method = hclust.Method(s.Linkage)
	s.metric = hclust.Metric(s.Metric)
	if s.metric == "manhattan" {
		s.metric = hclust.Cityblock
	}
	switch s.method {
	case hclust.Ward, hclust.Centroid, hclust.Median:
		if s.metric != hclust.Euclidean {
			c.Errorf("metric", "linkage %s needs the euclidean metric, not %s (use complete, average, weighted or single linkage for %s)", s.Linkage, s.Metric, s.Metric)
		}
	}
	switch {
	case s.K != nil && s.DistanceThreshold != nil:
		c.Errorf("k", "set either k or distance_threshold, not both")
	case s.K == nil && s.DistanceThreshold == nil:
		c.Errorf("k", "set k (the number of clusters) or distance_threshold (the merge height to cut at)")
	case s.K != nil && *s.K < 2:
		c.Errorf("k", "k must be at least 2, got %d", *s.K)
	case s.DistanceThreshold != nil && (!(*s.DistanceThreshold >= 0) || math.IsInf(*s.DistanceThreshold, 0)):
		c.Errorf("distance_threshold", "distance_threshold must be a finite number ≥ 0, got %v", *s.DistanceThreshold)
	}
	if s.MaxMemory < 0 {
		c.Errorf("max_memory", "max_memory must not be negative")
	}
	if s.Mode == "two_stage" && s.method != hclust.Ward {
		c.Errorf("mode", "mode two_stage runs Ward linkage on k-means micro-clusters; it needs linkage ward, not %s", s.Linkage)
	}
	if s.TwoStage != nil && s.Mode == "exact" {
		c.Errorf("two_stage", "two_stage options have no effect with mode exact")
	}
	if s.Scale == "standard" && !s.Scaler.IsZero() {
		c.Errorf("scaler", "scale: standard and scaler cannot be combined: scaler describes features already scaled upstream")
	}
	if !s.Scaler.IsZero() {
		if ms := c.Schema(s.Scaler); ms != nil && !ms.Equal(features.ScalerModelSchema) {
			c.Errorf("scaler", "%s is not a features.scale model output (use the scale step's model port, like scaled.model)", s.Scaler)
		}
	}
	in := c.Schema(s.Input)
	if in == nil {
		return
	}
	checkFeatures(c, "features", in, s.Features)
	if len(in.FieldIndices("cluster")) > 0 {
		c.Errorf("input", "the input already has a column named cluster; drop or rename it first (features.select)")
	}
	fields := append(slices.Clone(in.Fields()), arrow.Field{Name: "cluster", Type: workflow.Int64})
	c.SetOutput("", arrow.NewSchema(fields, nil))
	c.SetOutput("linkage", linkageSchema)
	c.SetOutput("profiles", profileSchema(workflow.Names(s.Features)))
}

// linkageSchema is the schema of the linkage output.
var linkageSchema = arrow.NewSchema([]arrow.Field{
	{Name: "left", Type: workflow.Int64},
	{Name: "right", Type: workflow.Int64},
	{Name: "height", Type: workflow.Float64},
	{Name: "size", Type: workflow.Int64},
}, nil)

// Run builds the tree, cuts it and sets the three outputs.
func (s *Hierarchical) Run(ctx context.Context, r *workflow.RunContext) error {
	names := workflow.Names(s.Features)
	var scaler *features.ScalerModel
	if !s.Scaler.IsZero() {
		var err error
		if scaler, err = features.ScalerModelFromDataset(ctx, r.Input(s.Scaler)); err != nil {
			return fmt.Errorf("read scaler: %w", err)
		}
	}
	m, err := readMatrix(ctx, r.Input(s.Input), names)
	if err != nil {
		return err
	}
	defer m.table.Release()
	n := m.n
	if n < 2 {
		return fmt.Errorf("hierarchical clustering needs at least 2 rows, the input has %d", n)
	}
	if s.K != nil && *s.K > n {
		return fmt.Errorf("k = %d is larger than the number of rows (%d)", *s.K, n)
	}
	if s.Scale == "standard" {
		scaler = standardize(m)
	}
	twoStage := s.Mode == "two_stage" || (s.Mode == "auto" && s.method == hclust.Ward && n > autoTwoStageRows)
	cfg := hclust.Config{Method: s.method, Metric: s.metric, MaxMemory: int64(s.MaxMemory), Workers: r.Workers()}
	if cfg.MaxMemory == 0 {
		cfg.MaxMemory = hclust.DefaultMaxMemory()
	}
	if !twoStage {
		if need := hclust.RequiredMemory(n, s.method); need > cfg.MaxMemory {
			return fmt.Errorf("%s linkage on %d rows needs a %s distance matrix, more than max_memory (%s): use linkage ward (O(n·d) memory, with mode two_stage for large inputs), cluster a sample, or raise max_memory: %w",
				s.Linkage, n, formatBytes(need), formatBytes(cfg.MaxMemory), hclust.ErrMemoryBudget)
		}
	}

	var (
		merges []hclust.Merge
		labels []int
		coph   = math.NaN()
	)
	mode := "exact"
	if twoStage {
		mode = "two_stage"
		ts, kept, micro, err := s.twoStage(m, cfg)
		if err != nil {
			return err
		}
		merges = ts.Merges
		if s.K != nil {
			if labels, err = ts.CutK(*s.K); err != nil {
				return fmt.Errorf("cut tree: %w", err)
			}
		} else {
			labels = ts.CutHeight(*s.DistanceThreshold)
		}
		if s.Cophenetic != "never" {
			if coph, err = hclust.Cophenetic(merges, micro, len(merges)+1, m.d, cfg); err != nil {
				return fmt.Errorf("cophenetic correlation: %w", err)
			}
			r.Metric("cophenetic_correlation_micro", jsonFloat(coph))
		}
		r.Metric("kept_ss_share", jsonFloat(kept))
		r.Metric("micro_clusters", len(merges)+1)
	} else {
		if merges, err = hclust.Linkage(m.x, n, m.d, nil, cfg); err != nil {
			return fmt.Errorf("linkage: %w", err)
		}
		if s.K != nil {
			if labels, err = hclust.CutK(merges, *s.K); err != nil {
				return fmt.Errorf("cut tree: %w", err)
			}
		} else {
			labels = hclust.CutHeight(merges, *s.DistanceThreshold)
		}
		if s.Cophenetic == "always" || (s.Cophenetic == "auto" && n <= autoCopheneticRows) {
			if coph, err = hclust.Cophenetic(merges, m.x, n, m.d, cfg); err != nil {
				return fmt.Errorf("cophenetic correlation: %w", err)
			}
			r.Metric("cophenetic_correlation", jsonFloat(coph))
		}
	}
	k := 0
	lab64 := make([]int64, n)
	lab32 := make([]int32, n)
	for i, l := range labels {
		k = max(k, l+1)
		lab64[i] = int64(l)
		lab32[i] = int32(l)
	}
	r.Metric("linkage", s.Linkage)
	r.Metric("metric", string(s.metric))
	r.Metric("mode", mode)
	r.Metric("n", n)
	r.Metric("k", k)

	mem := r.Mem()
	main, err := m.withColumns(mem, []arrow.Field{{Name: "cluster", Type: workflow.Int64}}, nil, [][]int64{lab64})
	if err != nil {
		return err
	}
	prof, err := profiles(mem, m, lab32, k, scaler)
	if err != nil {
		main.Release()
		return err
	}
	r.SetOutput("", main)
	r.SetOutput("linkage", linkageTable(mem, merges))
	r.SetOutput("profiles", prof)
	return nil
}

// twoStage runs k-means to micro-clusters, then weighted Ward on them. It
// returns the tree, the kept share of the sum of squares and the
// micro-cluster centres.
func (s *Hierarchical) twoStage(m *matrix, cfg hclust.Config) (*hclust.TwoStage, float64, []float64, error) {
	opt := TwoStageOptions{MicroClusters: 500, MaxIter: 20}
	if s.TwoStage != nil {
		opt.Seed = s.TwoStage.Seed
		if s.TwoStage.MicroClusters > 0 {
			opt.MicroClusters = s.TwoStage.MicroClusters
		}
		if s.TwoStage.MaxIter > 0 {
			opt.MaxIter = s.TwoStage.MaxIter
		}
	}
	kc := kmeans.DefaultConfig(min(opt.MicroClusters, m.n))
	kc.Seed = opt.Seed
	kc.MaxIter = opt.MaxIter
	kc.Workers = cfg.Workers
	// Greedy k-means++ over all rows costs O(n·K·log K); seed it on a
	// sample of max(20·K, 10,000) rows (fitted there), then run Lloyd
	// from those centres on all rows.
	if sample := max(20*kc.K, 10000); sample < m.n {
		xs := sampleRows(m, sample, opt.Seed)
		sc := kc
		sc.MaxIter = 300
		if init, err := kmeans.Fit(xs, sample, m.d, nil, sc); err == nil {
			kc.Init, kc.Centres = kmeans.InitGiven, init.Centres
		}
	}
	res, err := kmeans.Fit(m.x, m.n, m.d, nil, kc)
	if errors.Is(err, kmeans.ErrK) {
		return nil, 0, nil, fmt.Errorf("two-stage first stage: the input has fewer than %d distinct rows; lower two_stage.micro_clusters or use mode exact: %w", kc.K, err)
	}
	if err != nil {
		return nil, 0, nil, fmt.Errorf("two-stage first stage: %w", err)
	}
	// Drop empty micro-clusters (k-means re-seeds them, so this is a
	// safeguard) and renumber the rest in order.
	counts := make([]float64, res.K)
	for _, l := range res.Labels {
		counts[l]++
	}
	remap := make([]int, res.K)
	var centres, weights []float64
	for c, w := range counts {
		remap[c] = -1
		if w > 0 {
			remap[c] = len(weights)
			weights = append(weights, w)
			centres = append(centres, res.Centres[c*m.d:(c+1)*m.d]...)
		}
	}
	if len(weights) < 2 {
		return nil, 0, nil, fmt.Errorf("two-stage first stage found %d non-empty micro-cluster(s); use mode exact", len(weights))
	}
	assign := make([]int, m.n)
	for i, l := range res.Labels {
		assign[i] = remap[l]
	}
	cfg.Method = hclust.Ward
	ts, err := hclust.NewTwoStage(m.x, m.n, m.d, centres, weights, assign, cfg)
	if err != nil {
		return nil, 0, nil, fmt.Errorf("two-stage ward: %w", err)
	}
	return ts, ts.KeptSS, centres, nil
}

// sampleRows draws size distinct rows of m (a seeded partial
// Fisher-Yates shuffle), in row order.
func sampleRows(m *matrix, size int, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 0x6863))
	idx := make([]int, m.n)
	for i := range idx {
		idx[i] = i
	}
	for i := range size {
		j := i + rng.IntN(m.n-i)
		idx[i], idx[j] = idx[j], idx[i]
	}
	pick := idx[:size]
	slices.Sort(pick)
	xs := make([]float64, 0, size*m.d)
	for _, i := range pick {
		xs = append(xs, m.x[i*m.d:(i+1)*m.d]...)
	}
	return xs
}

// standardize z-scores the matrix's columns in place with the population
// standard deviation (1 for a constant column, as scikit-learn's
// StandardScaler) and returns the equivalent scaler model.
func standardize(m *matrix) *features.ScalerModel {
	sm := &features.ScalerModel{Model: features.ScalerModelKind, Version: features.ScalerModelVersion, Columns: map[string]features.ColumnScaler{}}
	for j, name := range m.names {
		var mean float64
		for i := range m.n {
			mean += m.x[i*m.d+j]
		}
		mean /= float64(m.n)
		var ss float64
		for i := range m.n {
			v := m.x[i*m.d+j] - mean
			ss += v * v
		}
		sd := math.Sqrt(ss / float64(m.n))
		if sd == 0 || math.IsNaN(sd) {
			sd = 1
		}
		for i := range m.n {
			m.x[i*m.d+j] = (m.x[i*m.d+j] - mean) / sd
		}
		sm.Columns[name] = features.ColumnScaler{Method: "standard", Center: mean, Scale: sd, N: int64(m.n)}
	}
	return sm
}

// linkageTable builds the linkage output from the merges.
func linkageTable(mem memory.Allocator, merges []hclust.Merge) *workflow.Table {
	b := array.NewRecordBuilder(mem, linkageSchema)
	defer b.Release()
	for _, z := range merges {
		b.Field(0).(*array.Int64Builder).Append(int64(z.Left))
		b.Field(1).(*array.Int64Builder).Append(int64(z.Right))
		b.Field(2).(*array.Float64Builder).Append(z.Height)
		b.Field(3).(*array.Int64Builder).Append(int64(z.Size))
	}
	return workflow.NewTable(linkageSchema, b.NewRecordBatch())
}

// jsonFloat returns v, or nil for NaN (JSON has no NaN).
func jsonFloat(v float64) any {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return v
}

// formatBytes prints a byte count in binary units.
func formatBytes(b int64) string {
	const unit = 1024
	if b < unit {
		return fmt.Sprintf("%d B", b)
	}
	v, i := float64(b), -1
	for v >= unit && i < 4 {
		v /= unit
		i++
	}
	return fmt.Sprintf("%.1f %ciB", v, "KMGTP"[i])
}
