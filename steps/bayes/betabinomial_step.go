package bayes

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/aftercare/aftercare/steps/bayes/betabin"
	"github.com/aftercare/aftercare/workflow"
)

func init() {
	workflow.Register(workflow.Spec{
		Type:    "bayes.beta_binomial",
		Summary: "Beta posterior of a rate KPI per segment, with credible intervals and the probability of beating a baseline.",
		Description: `For each segment, the Beta posterior of a rate (repeat purchase,
retention, resolved on first contact): prior Beta(a, b), successes out of
trials observed, posterior Beta(a + successes, b + trials - successes).
The counts come either from successes and trials columns (summed per
segment) or from an outcome column (bool, or numbers 0/1) counted per
segment, one trial a row.

prior is uniform (Beta(1, 1)), stated (give a and b) or empirical (fitted
across the segments by maximum beta-binomial marginal likelihood; it fails
when the rates vary no more than binomial noise explains, then state a
prior). One row per segment, sorted by segment: segment, successes,
trials, posterior_a, posterior_b, mean, lower and upper (the equal-tailed
credible interval at level), prob_beats_baseline (P(rate > the baseline
segment's rate), with baseline) and prob_above_rate (P(rate > rate), with
rate). Rows with a null segment are skipped (metric rows_skipped). Metrics:
prior_a, prior_b, segments.`,
		New: func() workflow.Step { return &BetaBinomial{Prior: "uniform", Level: 0.9} },
		Examples: []string{
			"- {id: orders, type: io.read, path: data/orders.csv}\n- id: returns\n  type: bayes.beta_binomial\n  input: orders\n  segment: items\n  outcome: returned\n  prior: uniform\n  level: 0.9\n  baseline: \"1\"\n  rate: 0.05",
		},
	})
}

// BetaBinomial is the bayes.beta_binomial step.
type BetaBinomial struct {
	Input     workflow.Ref    `yaml:"input" required:"true" doc:"Step whose rows carry the segment and the counts or outcomes."`
	Segment   workflow.Column `yaml:"segment" required:"true" doc:"Segment column (string, int or bool)."`
	Successes workflow.Column `yaml:"successes" doc:"Numeric successes column, summed per segment (with trials)."`
	Trials    workflow.Column `yaml:"trials" doc:"Numeric trials column, summed per segment (with successes)."`
	Outcome   workflow.Column `yaml:"outcome" doc:"Outcome column (bool or 0/1), one trial a row; instead of successes and trials."`
	Prior     string          `yaml:"prior" enum:"uniform|stated|empirical" doc:"Prior of every segment's rate: uniform Beta(1, 1), stated (a, b) or empirical (fitted across segments)."`
	A         float64         `yaml:"a" min:"0" doc:"First shape of a stated prior (prior successes)."`
	B         float64         `yaml:"b" min:"0" doc:"Second shape of a stated prior (prior failures)."`
	Level     float64         `yaml:"level" min:"0" max:"1" doc:"Credible level of lower/upper (default 0.9)."`
	Baseline  string          `yaml:"baseline" doc:"Segment value every segment is compared with (prob_beats_baseline)."`
	Rate      *float64        `yaml:"rate" min:"0" max:"1" doc:"Fixed rate every segment is compared with (prob_above_rate)."`

	out *arrow.Schema
}

// Check validates the configuration and declares the per-segment schema.
func (s *BetaBinomial) Check(c *workflow.CheckContext) {
	counts := s.Successes.Name != "" || s.Trials.Name != ""
	switch {
	case counts && s.Outcome.Name != "":
		c.Errorf("outcome", "give either outcome or successes and trials, not both")
	case counts && (s.Successes.Name == "" || s.Trials.Name == ""):
		c.Errorf("successes", "successes and trials go together")
	case !counts && s.Outcome.Name == "":
		c.Errorf("outcome", "needs outcome, or successes and trials")
	}
	if s.Prior == "stated" && !(s.A > 0 && s.B > 0) {
		c.Errorf("prior", "a stated prior needs a > 0 and b > 0")
	}
	if s.Prior != "stated" && (s.A != 0 || s.B != 0) {
		c.Errorf("a", "a and b are only used with prior: stated")
	}
	if !(s.Level > 0 && s.Level < 1) {
		c.Errorf("level", "level %g must be strictly between 0 and 1", s.Level)
	}
	in := c.Schema(s.Input)
	if in == nil {
		return
	}
	segType := workflow.String
	if f, ok := c.ColumnAt(s.Segment.Pos, "segment", in, s.Segment.Name); ok {
		switch f.Type.ID() {
		case arrow.STRING, arrow.INT64, arrow.BOOL:
			segType = f.Type
		default:
			c.ErrorAt(s.Segment.Pos, "segment", "segment column %q is %s, want string, int or bool", s.Segment.Name, workflow.TypeName(f.Type))
		}
	}
	if counts {
		checkNumeric(c, in, "successes", s.Successes)
		checkNumeric(c, in, "trials", s.Trials)
	} else if s.Outcome.Name != "" {
		if f, ok := c.ColumnAt(s.Outcome.Pos, "outcome", in, s.Outcome.Name); ok && f.Type.ID() != arrow.BOOL && !workflow.IsNumeric(f.Type) {
			c.ErrorAt(s.Outcome.Pos, "outcome", "outcome column %q is %s, want bool or 0/1 numbers", s.Outcome.Name, workflow.TypeName(f.Type))
		}
	}
	fields := []arrow.Field{{Name: s.Segment.Name, Type: segType, Nullable: true}}
	names := []string{"successes", "trials", "posterior_a", "posterior_b", "mean", "lower", "upper"}
	if s.Baseline != "" {
		names = append(names, "prob_beats_baseline")
	}
	if s.Rate != nil {
		names = append(names, "prob_above_rate")
	}
	for _, n := range names {
		if n == s.Segment.Name {
			c.ErrorAt(s.Segment.Pos, "segment", "segment column %q clashes with an output column; rename it first", n)
		}
		fields = append(fields, arrow.Field{Name: n, Type: workflow.Float64, Nullable: true})
	}
	s.out = arrow.NewSchema(fields, nil)
	c.SetOutput("", s.out)
}

// segKey is a segment value of any supported type.
type segKey struct {
	s string
	i int64
	b bool
}

// label formats a segment value as a recipe would write it.
func (k segKey) label(t arrow.Type) string {
	switch t {
	case arrow.INT64:
		return strconv.FormatInt(k.i, 10)
	case arrow.BOOL:
		return strconv.FormatBool(k.b)
	}
	return k.s
}

func compareKeys(x, y segKey) int {
	if c := cmp.Compare(x.s, y.s); c != 0 {
		return c
	}
	if c := cmp.Compare(x.i, y.i); c != 0 {
		return c
	}
	switch {
	case x.b == y.b:
		return 0
	case !x.b:
		return -1
	}
	return 1
}

// segCounts accumulates successes and trials per segment.
type segCounts struct {
	index         map[segKey]int
	keys          []segKey
	succ, trials  []float64
	skipped       int
	neg, tooMany  rowList
	nulls, nonBin rowList
}

func (g *segCounts) slot(k segKey) int {
	j, ok := g.index[k]
	if !ok {
		j = len(g.keys)
		g.index[k] = j
		g.keys = append(g.keys, k)
		g.succ = append(g.succ, 0)
		g.trials = append(g.trials, 0)
	}
	return j
}

// numAt returns a numeric array's value at i; ok is false for a null.
func numAt(a arrow.Array, i int) (float64, bool) {
	if a.IsNull(i) {
		return 0, false
	}
	switch a := a.(type) {
	case *array.Float64:
		return a.Value(i), true
	case *array.Int64:
		return float64(a.Value(i)), true
	case *array.Boolean:
		if a.Value(i) {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

// Run aggregates the counts per segment and computes the posteriors.
func (s *BetaBinomial) Run(ctx context.Context, r *workflow.RunContext) error {
	in := r.Input(s.Input)
	sch := in.Schema()
	col := func(name string) int { return sch.FieldIndices(name)[0] }
	seg := col(s.Segment.Name)
	segType := sch.Field(seg).Type.ID()
	g := &segCounts{index: map[segKey]int{},
		neg:     rowList{what: "negative or non-finite successes or trials"},
		tooMany: rowList{what: "successes greater than trials"},
		nulls:   rowList{what: "null counts or outcome"},
		nonBin:  rowList{what: "an outcome other than 0 or 1"}}
	base := 0
	err := in.Scan(ctx, func(b arrow.RecordBatch) error {
		sa := b.Column(seg)
		for i := range int(b.NumRows()) {
			row := base + i
			if sa.IsNull(i) {
				g.skipped++
				continue
			}
			var k segKey
			switch a := sa.(type) {
			case *array.String:
				k.s = a.Value(i)
			case *array.Int64:
				k.i = a.Value(i)
			case *array.Boolean:
				k.b = a.Value(i)
			}
			j := g.slot(k)
			if s.Outcome.Name != "" {
				v, ok := numAt(b.Column(col(s.Outcome.Name)), i)
				switch {
				case !ok:
					g.nulls.add(row)
				case v != 0 && v != 1:
					g.nonBin.add(row)
				default:
					g.succ[j] += v
					g.trials[j]++
				}
				continue
			}
			k1, ok1 := numAt(b.Column(col(s.Successes.Name)), i)
			n1, ok2 := numAt(b.Column(col(s.Trials.Name)), i)
			switch {
			case !ok1 || !ok2:
				g.nulls.add(row)
			case !(k1 >= 0) || !(n1 >= 0) || math.IsInf(k1, 0) || math.IsInf(n1, 0):
				g.neg.add(row)
			case k1 > n1:
				g.tooMany.add(row)
			default:
				g.succ[j] += k1
				g.trials[j] += n1
			}
		}
		base += int(b.NumRows())
		return nil
	})
	if err != nil {
		return err
	}
	if err := joinErrs(g.nulls.err(), g.nonBin.err(), g.neg.err(), g.tooMany.err()); err != nil {
		return fmt.Errorf("read counts: %w", err)
	}
	if len(g.keys) == 0 {
		return fmt.Errorf("input has no rows with a segment")
	}
	order := make([]int, len(g.keys))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(x, y int) int { return compareKeys(g.keys[x], g.keys[y]) })
	n := len(order)
	succ, trials := make([]float64, n), make([]float64, n)
	labels := make([]string, n)
	for i, j := range order {
		succ[i], trials[i] = g.succ[j], g.trials[j]
		labels[i] = g.keys[j].label(segType)
	}
	opt := betabin.Options{Level: s.Level, Baseline: betabin.NoBaseline, Rate: s.Rate, Empirical: s.Prior == "empirical"}
	if s.Prior == "stated" {
		opt.Prior = betabin.Beta{A: s.A, B: s.B}
	}
	if s.Baseline != "" {
		opt.Baseline = slices.Index(labels, s.Baseline)
		if opt.Baseline < 0 {
			return fmt.Errorf("baseline segment %q not found among %d segments%s", s.Baseline, n, workflow.DidYouMean(s.Baseline, labels))
		}
	}
	res, err := betabin.Analyze(succ, trials, opt)
	if err != nil {
		return fmt.Errorf("analyze segments: %w", err)
	}
	r.Metric("prior_a", res.Prior.A)
	r.Metric("prior_b", res.Prior.B)
	r.Metric("segments", n)
	if g.skipped > 0 {
		r.Metric("rows_skipped", g.skipped)
	}
	if res.Fit != nil {
		r.Metric("prior_log_likelihood", res.Fit.LogLik)
	}
	mem := r.Mem()
	cols := []arrow.Array{segmentArray(mem, segType, g.keys, order)}
	vals := make([][]float64, len(s.out.Fields())-1)
	for i := range vals {
		vals[i] = make([]float64, n)
	}
	for i, sg := range res.Segments {
		row := []float64{sg.Successes, sg.Trials, sg.Posterior.A, sg.Posterior.B, sg.Mean, sg.Lo, sg.Hi}
		if s.Baseline != "" {
			row = append(row, sg.ProbBeatsBaseline)
		}
		if s.Rate != nil {
			row = append(row, sg.ProbAboveRate)
		}
		for c, v := range row {
			vals[c][i] = v
		}
	}
	for _, v := range vals {
		cols = append(cols, floatArray(mem, v))
	}
	r.SetOutput("", tableOf(s.out, cols, n))
	return nil
}

// segmentArray builds the segment column in the given order.
func segmentArray(mem memory.Allocator, t arrow.Type, keys []segKey, order []int) arrow.Array {
	switch t {
	case arrow.INT64:
		b := array.NewInt64Builder(mem)
		defer b.Release()
		for _, j := range order {
			b.Append(keys[j].i)
		}
		return b.NewArray()
	case arrow.BOOL:
		b := array.NewBooleanBuilder(mem)
		defer b.Release()
		for _, j := range order {
			b.Append(keys[j].b)
		}
		return b.NewArray()
	}
	b := array.NewStringBuilder(mem)
	defer b.Release()
	for _, j := range order {
		b.Append(keys[j].s)
	}
	return b.NewArray()
}
