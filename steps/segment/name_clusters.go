package segment

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/aftercare/aftercare/steps/internal/colexpr"
	"github.com/aftercare/aftercare/workflow"
)

func init() {
	workflow.Register(workflow.Spec{
		Type:    "segment.name_clusters",
		Summary: "Give clusters human names by rules over their profiles, so names survive id changes.",
		Description: `profiles is a clustering step's profiles output (one row per cluster: cluster,
size, share and each feature's mean). The names are tried in order; each
claims clusters that no earlier name claimed:

  - when: EXPR claims every remaining cluster whose profile row makes the
    condition true (columns size, share and the feature means);
  - highest: COLUMN (or lowest: COLUMN) claims the one remaining cluster
    with the highest (lowest) value of that profile column; with a when it
    ranks only the remaining clusters the condition accepts. Ties go to the
    larger cluster, then the smaller id; NaN values are never picked.

A cluster no name claims gets default, or cluster_ID without one. The
output is the input with a cluster_name column (name configurable). Since
names depend on the profiles, not on the ids, they stay right when a rerun
numbers the clusters differently. Run results: the mapping cluster → name.
When default is set, the column's metadata lists every possible name (for
action.plan's checks).`,
		New: func() workflow.Step {
			return &NameClusters{Cluster: workflow.Column{Name: "cluster"}, Output: "cluster_name"}
		},
		Examples: []string{
			"- {id: orders, type: io.read, path: data/orders.csv}\n" +
				"- {id: rfm, type: features.rfm, input: orders, customer: customer_id, order: order_id, timestamp: ordered_at, amount: amount}\n" +
				"- {id: clusters, type: cluster.kmeans, input: rfm, features: [recency_days, frequency, monetary], scale: standard, k: 4, seed: 7}\n" +
				"- id: named\n  type: segment.name_clusters\n  input: clusters\n  profiles: clusters.profiles\n  names:\n" +
				"    - {name: high_value, highest: monetary}\n" +
				"    - {name: lapsing, when: recency_days > 120}\n" +
				"    - {name: new, lowest: frequency}\n" +
				"  default: regular",
		},
	})
}

// ClusterName is one naming rule of segment.name_clusters.
type ClusterName struct {
	Name    string          `yaml:"name" required:"true" doc:"Name given to the clusters this rule claims."`
	When    workflow.Expr   `yaml:"when" doc:"Condition over the profile row (size, share, feature means)."`
	Highest workflow.Column `yaml:"highest" doc:"Claim the remaining cluster with the highest value of this profile column."`
	Lowest  workflow.Column `yaml:"lowest" doc:"Claim the remaining cluster with the lowest value of this profile column."`
}

// NameClusters is the segment.name_clusters step.
type NameClusters struct {
	Input    workflow.Ref    `yaml:"input" required:"true" doc:"Rows with a cluster column (a clustering step's main output)."`
	Profiles workflow.Ref    `yaml:"profiles" required:"true" doc:"The clustering step's profiles output (like clusters.profiles)."`
	Cluster  workflow.Column `yaml:"cluster" doc:"Cluster id column of the input and of the profiles (default cluster)."`
	Names    []ClusterName   `yaml:"names" required:"true" minItems:"1" doc:"Ordered naming rules; the first that claims a cluster names it."`
	Default  string          `yaml:"default" doc:"Name of clusters no rule claims (default cluster_ID)."`
	Output   string          `yaml:"output" doc:"Name of the new column (default cluster_name)."`

	progs []*colexpr.Program
	out   *arrow.Schema
}

// Check compiles the rules against the profile schema.
func (s *NameClusters) Check(c *workflow.CheckContext) {
	prof := c.Schema(s.Profiles)
	in := c.Schema(s.Input)
	names := []string{}
	for i, n := range s.Names {
		path := fmt.Sprintf("names[%d]", i)
		if !segmentName.MatchString(n.Name) {
			c.Errorf(path+".name", "name %q may only hold letters, digits, _ . and -", n.Name)
		}
		if !slices.Contains(names, n.Name) {
			names = append(names, n.Name)
		}
		if n.Highest.Name != "" && n.Lowest.Name != "" {
			c.Errorf(path, "give highest or lowest, not both")
		}
		if n.When.Src == "" && n.Highest.Name == "" && n.Lowest.Name == "" {
			c.Errorf(path, "give when, highest or lowest")
		}
	}
	if s.Default != "" && !segmentName.MatchString(s.Default) {
		c.Errorf("default", "name %q may only hold letters, digits, _ . and -", s.Default)
	}
	if prof != nil {
		if f, ok := column(c, s.Cluster, "cluster", prof); ok && !arrow.TypeEqual(f.Type, workflow.Int64) {
			c.Errorf("cluster", "profiles column %s is %s, want int", s.Cluster.Name, f.Type)
		}
		s.progs = make([]*colexpr.Program, len(s.Names))
		for i, n := range s.Names {
			path := fmt.Sprintf("names[%d]", i)
			if n.When.Src != "" {
				s.progs[i] = compileExpr(c, path+".when", n.When, prof, "bool")
			}
			for _, rc := range []struct {
				key string
				col workflow.Column
			}{{"highest", n.Highest}, {"lowest", n.Lowest}} {
				if rc.col.Name == "" {
					continue
				}
				if f, ok := c.ColumnAt(rc.col.Pos, path+"."+rc.key, prof, rc.col.Name); ok &&
					!arrow.TypeEqual(f.Type, workflow.Float64) && !arrow.TypeEqual(f.Type, workflow.Int64) {
					c.Errorf(path+"."+rc.key, "profiles column %s is %s, want a number", rc.col.Name, f.Type)
				}
			}
		}
	}
	if in == nil {
		return
	}
	if f, ok := column(c, s.Cluster, "cluster", in); ok && !arrow.TypeEqual(f.Type, workflow.Int64) {
		c.Errorf("cluster", "input column %s is %s, want int", s.Cluster.Name, f.Type)
	}
	if in.HasField(s.Output) {
		c.Errorf("output", "column %s already exists in the input; choose another output name", s.Output)
	}
	f := arrow.Field{Name: s.Output, Type: workflow.String, Nullable: true}
	if s.Default != "" {
		if !slices.Contains(names, s.Default) {
			names = append(names, s.Default)
		}
		f.Metadata = arrow.NewMetadata([]string{SegmentsKey}, []string{strings.Join(names, ",")})
	}
	s.out = arrow.NewSchema(append(slices.Clone(in.Fields()), f), nil)
	c.SetOutput("", s.out)
}

// column looks col up in s, reporting an unknown one at col's position,
// or at path's when col is a default that the recipe does not spell.
func column(c *workflow.CheckContext, col workflow.Column, path string, s *arrow.Schema) (arrow.Field, bool) {
	if col.Pos == (workflow.Pos{}) {
		return c.Column(path, s, col.Name)
	}
	return c.ColumnAt(col.Pos, path, s, col.Name)
}

// profile is the part of a profile table the naming rules look at.
type profile struct {
	ids  []int64
	size []int64
	rows arrow.RecordBatch // the whole table as one batch
}

// nameClusters applies the rules to the profile table and returns the
// name of each cluster id.
func (s *NameClusters) nameClusters(p profile) (map[int64]string, error) {
	n := len(p.ids)
	named := make([]string, n)
	mask := make([]bool, n)
	for i, rule := range s.Names {
		ok := make([]bool, n)
		for j := range ok {
			ok[j] = named[j] == ""
		}
		if prog := s.progs[i]; prog != nil {
			if err := prog.EvalBool(p.rows, mask); err != nil {
				return nil, fmt.Errorf("names[%d].when: %w", i, err)
			}
			for j := range ok {
				ok[j] = ok[j] && mask[j]
			}
		}
		col, sign := rule.Highest.Name, 1.0
		if rule.Lowest.Name != "" {
			col, sign = rule.Lowest.Name, -1
		}
		if col == "" {
			for j := range ok {
				if ok[j] {
					named[j] = rule.Name
				}
			}
			continue
		}
		vals, err := floatColumn(p.rows, col)
		if err != nil {
			return nil, err
		}
		best := -1
		for j := range ok {
			v := sign * vals[j]
			if !ok[j] || math.IsNaN(v) {
				continue
			}
			if best < 0 {
				best = j
				continue
			}
			bv := sign * vals[best]
			if v > bv || v == bv && (p.size[j] > p.size[best] || p.size[j] == p.size[best] && p.ids[j] < p.ids[best]) {
				best = j
			}
		}
		if best >= 0 {
			named[best] = rule.Name
		}
	}
	out := make(map[int64]string, n)
	for j, id := range p.ids {
		if named[j] == "" {
			named[j] = s.defaultName(id)
		}
		out[id] = named[j]
	}
	return out, nil
}

func (s *NameClusters) defaultName(id int64) string {
	if s.Default != "" {
		return s.Default
	}
	return "cluster_" + strconv.FormatInt(id, 10)
}

// floatColumn returns a numeric column of b as float64 values, NaN for
// nulls.
func floatColumn(b arrow.RecordBatch, name string) ([]float64, error) {
	idx := b.Schema().FieldIndices(name)
	if len(idx) == 0 {
		return nil, fmt.Errorf("profiles have no column %s", name)
	}
	a := b.Column(idx[0])
	out := make([]float64, a.Len())
	for i := range out {
		switch {
		case a.IsNull(i):
			out[i] = math.NaN()
		case a.DataType().ID() == arrow.INT64:
			out[i] = float64(a.(*array.Int64).Value(i))
		case a.DataType().ID() == arrow.FLOAT64:
			out[i] = a.(*array.Float64).Value(i)
		default:
			return nil, fmt.Errorf("profiles column %s is %s, want a number", name, a.DataType())
		}
	}
	return out, nil
}

// Run names the clusters from the profiles and adds the name column
// lazily.
func (s *NameClusters) Run(ctx context.Context, r *workflow.RunContext) error {
	pt, err := workflow.Collect(ctx, r.Input(s.Profiles))
	if err != nil {
		return err
	}
	defer pt.Release()
	rows, err := concatBatches(pt, r)
	if err != nil {
		return err
	}
	defer rows.Release()
	p := profile{rows: rows}
	idx := rows.Schema().FieldIndices(s.Cluster.Name)
	if len(idx) == 0 {
		return fmt.Errorf("profiles have no column %s", s.Cluster.Name)
	}
	ids, ok := rows.Column(idx[0]).(*array.Int64)
	if !ok {
		return fmt.Errorf("profiles column %s is %s, want int", s.Cluster.Name, rows.Column(idx[0]).DataType())
	}
	sizes, _ := floatColumn(rows, "size")
	for i := range ids.Len() {
		if ids.IsNull(i) {
			return fmt.Errorf("profiles column %s is null in row %d", s.Cluster.Name, i+1)
		}
		p.ids = append(p.ids, ids.Value(i))
		sz := int64(0)
		if sizes != nil && !math.IsNaN(sizes[i]) {
			sz = int64(sizes[i])
		}
		p.size = append(p.size, sz)
	}
	mapping, err := s.nameClusters(p)
	if err != nil {
		return err
	}
	metric := make(map[string]string, len(mapping))
	for id, n := range mapping {
		metric[strconv.FormatInt(id, 10)] = n
	}
	r.Metric("names", metric)
	mem := r.Mem()
	r.SetOutput("", r.Lazy(r.Input(s.Input), s.out, func(b arrow.RecordBatch) (arrow.RecordBatch, error) {
		ci := b.Schema().FieldIndices(s.Cluster.Name)
		if len(ci) == 0 {
			return nil, fmt.Errorf("input has no column %s", s.Cluster.Name)
		}
		cl, ok := b.Column(ci[0]).(*array.Int64)
		if !ok {
			return nil, fmt.Errorf("input column %s is %s, want int", s.Cluster.Name, b.Column(ci[0]).DataType())
		}
		sb := array.NewStringBuilder(mem)
		defer sb.Release()
		sb.Reserve(cl.Len())
		for i := range cl.Len() {
			if cl.IsNull(i) {
				sb.AppendNull()
				continue
			}
			id := cl.Value(i)
			name, ok := mapping[id]
			if !ok {
				name = s.defaultName(id)
			}
			sb.Append(name)
		}
		names := sb.NewArray()
		defer names.Release()
		cols := append(slices.Clone(b.Columns()), names)
		return array.NewRecordBatch(s.out, cols, b.NumRows()), nil
	}))
	return nil
}

// concatBatches returns the table's rows as one batch.
func concatBatches(t *workflow.Table, r *workflow.RunContext) (arrow.RecordBatch, error) {
	bs := t.Batches()
	if len(bs) == 1 {
		bs[0].Retain()
		return bs[0], nil
	}
	schema := t.Schema()
	cols := make([]arrow.Array, schema.NumFields())
	for j := range cols {
		parts := make([]arrow.Array, len(bs))
		for i, b := range bs {
			parts[i] = b.Column(j)
		}
		if len(parts) == 0 {
			b := array.NewBuilder(r.Mem(), schema.Field(j).Type)
			cols[j] = b.NewArray()
			b.Release()
			continue
		}
		a, err := array.Concatenate(parts, r.Mem())
		if err != nil {
			for _, c := range cols[:j] {
				c.Release()
			}
			return nil, fmt.Errorf("read profiles: %w", err)
		}
		cols[j] = a
	}
	out := array.NewRecordBatch(schema, cols, t.NumRows())
	for _, c := range cols {
		c.Release()
	}
	return out, nil
}
