package segment

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/aftercare/aftercare/steps/internal/colexpr"
	"github.com/aftercare/aftercare/workflow"
)

// SegmentsKey is the Arrow field metadata key under which the segment
// column lists, comma-separated, every segment the step can produce.
const SegmentsKey = "aftercare.segments"

// Segments returns the segment names recorded in f's metadata by a
// segment.rules step, and whether f carries them.
func Segments(f arrow.Field) ([]string, bool) {
	i := f.Metadata.FindKey(SegmentsKey)
	if i < 0 {
		return nil, false
	}
	v := f.Metadata.Values()[i]
	if v == "" {
		return []string{}, true
	}
	return strings.Split(v, ","), true
}

func init() {
	workflow.Register(workflow.Spec{
		Type:    "segment.rules",
		Summary: "Put each row into named segments by ordered boolean rules.",
		Description: `Each rule has a segment name and a boolean condition over the row's
columns and params.NAME (null counts as false), type-checked at plan time.
In first_match mode (the default) a row gets the segment of the first rule
that matches, else the default segment (null without one), in the output
column (default "segment"). In all_matches mode the output column (default
"segments") holds every matching segment, comma-separated in rule order,
and one bool column in_NAME per segment says whether the row is in it.
A rule after a rule whose condition is always true can never match in
first_match mode and is an error.

The output column's Arrow metadata key "aftercare.segments" lists every
segment the step can produce, so action.plan can check its segment names.
Run results: rows, rows matched per rule, rows per segment, rows matched by
more than one rule, rows matched by none. Conditions are compiled once and
evaluated in parallel over fixed-size row chunks.`,
		New: func() workflow.Step { return &Rules{Mode: "first_match"} },
		Examples: []string{
			"- {id: orders, type: io.read, path: data/orders.csv}\n" +
				"- {id: rfm, type: features.rfm, input: orders, customer: customer_id, order: order_id, timestamp: ordered_at, amount: amount}\n" +
				"- id: segments\n  type: segment.rules\n  input: rfm\n  rules:\n" +
				"    - {segment: vip, when: monetary > 1000 && recency_days < 90}\n" +
				"    - {segment: lapsing, when: recency_days > 180}\n" +
				"    - {segment: new, when: frequency == 1}\n" +
				"  default: regular",
		},
	})
}

// Rule is one segment rule.
type Rule struct {
	Segment string        `yaml:"segment" required:"true" doc:"Segment name (letters, digits, _ . -)."`
	When    workflow.Expr `yaml:"when" required:"true" doc:"Boolean condition over the row's columns and params.NAME; null counts as false."`
}

// Rules is the segment.rules step.
type Rules struct {
	Input   workflow.Ref `yaml:"input" required:"true" doc:"Step whose rows are segmented."`
	Rules   []Rule       `yaml:"rules" required:"true" minItems:"1" doc:"Ordered rules."`
	Mode    string       `yaml:"mode" enum:"first_match|all_matches" doc:"first_match: the first matching rule's segment; all_matches: every matching segment."`
	Default string       `yaml:"default" doc:"Segment of rows no rule matches (null when unset)."`
	Output  string       `yaml:"output" doc:"Name of the segment column (default segment, or segments in all_matches mode)."`

	eng *engine
	out *arrow.Schema
}

var segmentName = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

// Check compiles the rules and declares the output schema.
func (s *Rules) Check(c *workflow.CheckContext) {
	all := s.Mode == "all_matches"
	outName := s.Output
	if outName == "" {
		outName = "segment"
		if all {
			outName = "segments"
		}
	}
	if s.Default != "" && !segmentName.MatchString(s.Default) {
		c.Errorf("default", "segment name %q may only hold letters, digits, _ . and -", s.Default)
	}
	var names []string // distinct segments in rule order, then the default
	for i, r := range s.Rules {
		if !segmentName.MatchString(r.Segment) {
			c.Errorf(fmt.Sprintf("rules[%d].segment", i), "segment name %q may only hold letters, digits, _ . and -", r.Segment)
		}
		if !slices.Contains(names, r.Segment) {
			names = append(names, r.Segment)
		}
	}
	if s.Default != "" && !slices.Contains(names, s.Default) {
		names = append(names, s.Default)
	}
	if all && len(names) > 64 {
		c.Errorf("rules", "all_matches mode supports at most 64 distinct segments, got %d", len(names))
	}
	in := c.Schema(s.Input)
	if in == nil {
		return
	}
	eng := &engine{all: all, names: names, progs: make([]*colexpr.Program, len(s.Rules)), seg: make([]int, len(s.Rules)), def: -1}
	if s.Default != "" {
		eng.def = slices.Index(names, s.Default)
	}
	always := -1 // first rule whose condition is always true
	for i, r := range s.Rules {
		path := fmt.Sprintf("rules[%d].when", i)
		eng.seg[i] = slices.Index(names, r.Segment)
		if always >= 0 && !all {
			c.Errorf(path, "rule %d (segment %s) can never match: rule %d (segment %s) above it is always true",
				i+1, r.Segment, always+1, s.Rules[always].Segment)
		}
		p := compileExpr(c, path, r.When, in, "bool")
		if p == nil {
			continue
		}
		eng.progs[i] = p
		if always < 0 && constTrue(p) {
			always = i
		}
	}
	if always >= 0 && !all && s.Default != "" {
		c.Errorf("default", "default segment %s is never used: rule %d (segment %s) is always true",
			s.Default, always+1, s.Rules[always].Segment)
	}
	fields := slices.Clone(in.Fields())
	add := func(f arrow.Field) {
		if in.HasField(f.Name) {
			c.Errorf("output", "column %s already exists in the input; choose another output name", f.Name)
		}
		fields = append(fields, f)
	}
	md := arrow.NewMetadata([]string{SegmentsKey}, []string{strings.Join(names, ",")})
	add(arrow.Field{Name: outName, Type: workflow.String, Nullable: true, Metadata: md})
	if all {
		for _, n := range names {
			add(arrow.Field{Name: "in_" + n, Type: workflow.Bool, Nullable: true})
		}
	}
	s.out = arrow.NewSchema(fields, nil)
	if !c.Failed() {
		s.eng = eng
	}
	c.SetOutput("", s.out)
}

// constTrue reports whether p reads no column and gives true: such a rule
// matches every row.
func constTrue(p *colexpr.Program) bool {
	if len(p.Columns()) > 0 {
		return false
	}
	rec := array.NewRecordBatch(arrow.NewSchema(nil, nil), nil, 1)
	defer rec.Release()
	dst := make([]bool, 1)
	return p.EvalBool(rec, dst) == nil && dst[0]
}

// compileExpr compiles e against schema and reports an error at its exact
// position inside the recipe. want is "bool" for conditions, "" for any
// type. It returns nil after reporting.
func compileExpr(c *workflow.CheckContext, path string, e workflow.Expr, schema *arrow.Schema, want string) *colexpr.Program {
	env := colexpr.Env{Schema: schema, Params: c.Params(), AsOf: c.AsOf()}
	var (
		p   *colexpr.Program
		err error
	)
	if want == "bool" {
		p, err = colexpr.CompileBool(e.Src, env)
	} else {
		p, err = colexpr.Compile(e.Src, env)
	}
	if err != nil {
		var ce *colexpr.Error
		if errors.As(err, &ce) {
			c.ErrorAt(e.At(ce.Line, ce.Col), path, "%s", ce.Msg)
		} else {
			c.ErrorAt(e.Pos, path, "%v", err)
		}
		return nil
	}
	return p
}

// Run segments the input and records coverage metrics.
func (s *Rules) Run(ctx context.Context, r *workflow.RunContext) error {
	in, err := workflow.Collect(ctx, r.Input(s.Input))
	if err != nil {
		return err
	}
	defer in.Release()
	out, cov, err := s.eng.run(ctx, in, s.out, r.Workers(), r.Mem())
	if err != nil {
		return err
	}
	r.SetOutput("", out)
	r.Metric("rows", cov.rows)
	rules := make([]map[string]any, len(s.Rules))
	for i, rule := range s.Rules {
		rules[i] = map[string]any{"rule": i + 1, "segment": rule.Segment, "matched": cov.matched[i], "assigned": cov.assigned[i]}
	}
	r.Metric("rules", rules)
	segs := map[string]int64{}
	for i, n := range s.eng.names {
		segs[n] = cov.segments[i]
	}
	r.Metric("segment_rows", segs)
	r.Metric("multi_match_rows", cov.multi)
	r.Metric("unmatched_rows", cov.none)
	return nil
}

// chunkRows is the size of the row chunks evaluated in parallel.
const chunkRows = 1 << 16

// engine is a compiled rule set.
type engine struct {
	all   bool
	names []string // distinct segments; the default included
	progs []*colexpr.Program
	seg   []int // segment index of each rule
	def   int   // segment index of the default, -1 for none
}

// coverage counts what the rules matched.
type coverage struct {
	rows, multi, none int64
	matched, assigned []int64 // per rule
	segments          []int64 // per segment name
}

func (e *engine) newCoverage() coverage {
	return coverage{matched: make([]int64, len(e.progs)), assigned: make([]int64, len(e.progs)), segments: make([]int64, len(e.names))}
}

func (cv *coverage) add(o coverage) {
	cv.rows += o.rows
	cv.multi += o.multi
	cv.none += o.none
	for i := range o.matched {
		cv.matched[i] += o.matched[i]
		cv.assigned[i] += o.assigned[i]
	}
	for i := range o.segments {
		cv.segments[i] += o.segments[i]
	}
}

// run applies the rules to every row of in, in parallel over row chunks,
// and returns a table with the output schema. Chunk results are combined
// in chunk order, so the output does not depend on the number of workers.
func (e *engine) run(ctx context.Context, in *workflow.Table, schema *arrow.Schema, workers int, mem memory.Allocator) (*workflow.Table, coverage, error) {
	type item struct {
		b      arrow.RecordBatch
		lo, hi int64
	}
	var items []item
	for _, b := range in.Batches() {
		for lo := int64(0); lo < b.NumRows(); lo += chunkRows {
			items = append(items, item{b, lo, min(lo+chunkRows, b.NumRows())})
		}
	}
	outs := make([]arrow.RecordBatch, len(items))
	covs := make([]coverage, len(items))
	errs := make([]error, len(items))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range max(1, min(workers, len(items))) {
		wg.Go(func() {
			sc := &scratch{}
			for {
				i := int(next.Add(1) - 1)
				if i >= len(items) || ctx.Err() != nil {
					return
				}
				it := items[i]
				b := it.b
				if it.lo != 0 || it.hi != b.NumRows() {
					b = b.NewSlice(it.lo, it.hi)
				} else {
					b.Retain()
				}
				outs[i], covs[i], errs[i] = e.apply(b, schema, sc, mem)
				b.Release()
			}
		})
	}
	wg.Wait()
	total := e.newCoverage()
	err := ctx.Err()
	for i := range items {
		if err == nil && errs[i] != nil {
			err = errs[i]
		}
	}
	if err != nil {
		for _, o := range outs {
			if o != nil {
				o.Release()
			}
		}
		return nil, total, err
	}
	t := workflow.NewTable(schema)
	for i, o := range outs {
		total.add(covs[i])
		t.Append(o)
	}
	return t, total, nil
}

// scratch is a worker's reusable buffers.
type scratch struct {
	masks [][]bool
	pick  []int32  // first_match: segment per row, -1 for none
	bits  []uint64 // all_matches: segment bit set per row
	joins map[uint64]string
}

// apply evaluates the rules on b and returns b with the output columns.
func (e *engine) apply(b arrow.RecordBatch, schema *arrow.Schema, sc *scratch, mem memory.Allocator) (arrow.RecordBatch, coverage, error) {
	n := int(b.NumRows())
	cv := e.newCoverage()
	cv.rows = int64(n)
	for len(sc.masks) < len(e.progs) {
		sc.masks = append(sc.masks, nil)
	}
	for k, p := range e.progs {
		if cap(sc.masks[k]) < n {
			sc.masks[k] = make([]bool, n)
		}
		sc.masks[k] = sc.masks[k][:n]
		if err := p.EvalBool(b, sc.masks[k]); err != nil {
			return nil, cv, fmt.Errorf("rule %d (segment %s): %w", k+1, e.names[e.seg[k]], err)
		}
	}
	if cap(sc.pick) < n {
		sc.pick = make([]int32, n)
		sc.bits = make([]uint64, n)
	}
	pick, bits := sc.pick[:n], sc.bits[:n]
	hits := make([]uint8, n) // matches per row, saturating at 2
	for i := range pick {
		pick[i] = -1
		bits[i] = 0
	}
	for k := range e.progs {
		m := sc.masks[k]
		seg := int32(e.seg[k])
		bit := uint64(1) << uint(seg&63)
		var cnt, asg int64
		for i, v := range m {
			if !v {
				continue
			}
			cnt++
			if hits[i] < 2 {
				hits[i]++
			}
			if pick[i] < 0 {
				pick[i] = seg
				asg++
			}
			bits[i] |= bit
		}
		cv.matched[k] = cnt
		if e.all {
			cv.assigned[k] = cnt
		} else {
			cv.assigned[k] = asg
		}
	}
	for i, h := range hits {
		switch h {
		case 0:
			cv.none++
			if e.def >= 0 {
				pick[i] = int32(e.def)
				bits[i] = 1 << uint(e.def)
			}
		case 2:
			cv.multi++
		}
	}
	cols := make([]arrow.Array, 0, schema.NumFields())
	for _, c := range b.Columns() {
		c.Retain()
		cols = append(cols, c)
	}
	sb := array.NewStringBuilder(mem)
	sb.Reserve(n)
	if !e.all {
		for _, p := range pick {
			if p < 0 {
				sb.AppendNull()
				continue
			}
			cv.segments[p]++
			sb.Append(e.names[p])
		}
	} else {
		if sc.joins == nil {
			sc.joins = map[uint64]string{}
		}
		for _, m := range bits {
			if m == 0 {
				sb.AppendNull()
				continue
			}
			s, ok := sc.joins[m]
			if !ok {
				var parts []string
				for j, name := range e.names {
					if m&(1<<uint(j)) != 0 {
						parts = append(parts, name)
					}
				}
				s = strings.Join(parts, ",")
				sc.joins[m] = s
			}
			sb.Append(s)
		}
	}
	cols = append(cols, sb.NewArray())
	sb.Release()
	if e.all {
		bb := array.NewBooleanBuilder(mem)
		for j := range e.names {
			bb.Reserve(n)
			var cnt int64
			for _, m := range bits {
				v := m&(1<<uint(j)) != 0
				if v {
					cnt++
				}
				bb.UnsafeAppend(v)
			}
			cv.segments[j] = cnt
			cols = append(cols, bb.NewArray())
		}
		bb.Release()
	}
	out := array.NewRecordBatch(schema, cols, int64(n))
	for _, c := range cols {
		c.Release()
	}
	return out, cv, nil
}
