package features

import (
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/aftercare/aftercare/steps/internal/colexpr"
	"github.com/aftercare/aftercare/workflow"
)

// Column pruning (workflow.ColumnUser). At plan time each step below says
// which input columns it reads; at run time its input may hold just those
// (io.read decodes no others), so Run looks columns up by name in the
// runtime schema: planned column positions are rebound with rebind.

// planned returns the names of the fields of sc at the given positions
// (negative positions are skipped).
func planned(sc *arrow.Schema, idx ...int) []string {
	var names []string
	for _, i := range idx {
		if i >= 0 {
			names = append(names, sc.Field(i).Name)
		}
	}
	return names
}

// progColumns returns the columns the compiled expressions read.
func progColumns(progs ...*colexpr.Program) []string {
	var names []string
	for _, p := range progs {
		if p != nil {
			names = append(names, p.Columns()...)
		}
	}
	return names
}

// rebinder maps column positions of a planned schema to the runtime
// schema of the same input, by name.
type rebinder struct {
	planned, runtime *arrow.Schema
	err              error
}

// idx returns the runtime position of planned column i (-1 stays -1). A
// column missing at run time is an engine bug; it is reported, not
// papered over.
func (b *rebinder) idx(i int) int {
	if i < 0 || b.planned == b.runtime {
		return i
	}
	name := b.planned.Field(i).Name
	j := b.runtime.FieldIndices(name)
	if len(j) == 0 {
		if b.err == nil {
			b.err = fmt.Errorf("input has no column %s at run time (columns: %v)", name, fieldNames(b.runtime))
		}
		return i
	}
	return j[0]
}

func (b *rebinder) window(w *windowSpec) *windowSpec {
	if w == nil {
		return nil
	}
	c := *w
	c.col = b.idx(w.col)
	return &c
}

func fieldNames(sc *arrow.Schema) []string {
	names := make([]string, sc.NumFields())
	for i, f := range sc.Fields() {
		names[i] = f.Name
	}
	return names
}

// project returns b's columns that out names, in out's order (b itself,
// retained, when out has them all).
func project(b arrow.RecordBatch, out *arrow.Schema) arrow.RecordBatch {
	if out == b.Schema() || out.NumFields() == int(b.NumCols()) {
		b.Retain()
		return b
	}
	cols := make([]arrow.Array, out.NumFields())
	for i, f := range out.Fields() {
		cols[i] = b.Column(b.Schema().FieldIndices(f.Name)[0])
	}
	return array.NewRecordBatch(out, cols, b.NumRows())
}

// InputColumns implements workflow.ColumnUser: what downstream reads and
// the condition's columns.
func (s *Filter) InputColumns(_ workflow.Ref, out func(string) workflow.ColumnSet) workflow.ColumnSet {
	return out("").With(progColumns(s.prog)...)
}

// InputColumns implements workflow.ColumnUser: what downstream reads of
// the input's columns, and every expression's columns.
func (s *Derive) InputColumns(_ workflow.Ref, out func(string) workflow.ColumnSet) workflow.ColumnSet {
	cs := out("")
	if cs.All() {
		return cs
	}
	derived := make([]string, len(s.Columns))
	for i, e := range s.Columns {
		derived[i] = e.Key
	}
	// An expression naming a column derived before it reads that one; the
	// engine drops names the input does not have.
	return cs.Without(derived...).With(progColumns(s.progs...)...)
}

// InputColumns implements workflow.ColumnUser: the sources of the output
// columns downstream reads.
func (s *Select) InputColumns(_ workflow.Ref, out func(string) workflow.ColumnSet) workflow.ColumnSet {
	cs := out("")
	var names []string
	for i, f := range s.out.Fields() {
		if cs.Has(f.Name) {
			names = append(names, s.srcNames[i])
		}
	}
	return workflow.Columns(names...)
}

// InputColumns implements workflow.ColumnUser: keys, window, and the
// columns and conditions of every aggregate.
func (s *Aggregate) InputColumns(workflow.Ref, func(string) workflow.ColumnSet) workflow.ColumnSet {
	if s.plan == nil {
		return workflow.AllColumns()
	}
	return workflow.Columns(s.plan.columns()...)
}

// InputColumns implements workflow.ColumnUser.
func (s *RFM) InputColumns(workflow.Ref, func(string) workflow.ColumnSet) workflow.ColumnSet {
	p := s.plan
	if p == nil {
		return workflow.AllColumns()
	}
	return workflow.Columns(planned(p.in, p.customer, p.order, p.ts, p.amount, p.window.col)...)
}

// InputColumns implements workflow.ColumnUser.
func (s *BTYDSummary) InputColumns(workflow.Ref, func(string) workflow.ColumnSet) workflow.ColumnSet {
	p := s.plan
	if p == nil {
		return workflow.AllColumns()
	}
	return workflow.Columns(planned(p.in, p.customer, p.ts, p.amount, p.window.col)...)
}

// columns returns the input columns a group-by reads.
func (p *groupPlan) columns() []string {
	idx := append([]int(nil), p.keys...)
	if p.window != nil {
		idx = append(idx, p.window.col)
	}
	var progs []*colexpr.Program
	for _, ap := range p.aggs {
		idx = append(idx, ap.col, ap.ord)
		progs = append(progs, ap.where, ap.expr)
	}
	return append(planned(p.in, idx...), progColumns(progs...)...)
}

// bind returns the plan with its column positions rebound to the runtime
// schema of the input.
func (p *groupPlan) bind(rt *arrow.Schema) (*groupPlan, error) {
	if rt == p.in {
		return p, nil
	}
	b := &rebinder{planned: p.in, runtime: rt}
	q := *p
	q.keys = make([]int, len(p.keys))
	for i, k := range p.keys {
		q.keys[i] = b.idx(k)
	}
	q.window = b.window(p.window)
	q.aggs = append([]aggPlan(nil), p.aggs...)
	for i := range q.aggs {
		q.aggs[i].col = b.idx(q.aggs[i].col)
		q.aggs[i].ord = b.idx(q.aggs[i].ord)
	}
	return &q, b.err
}

// InputColumns implements workflow.ColumnUser: from the left, the keys
// and what downstream reads; from the right, the keys and the brought
// columns downstream reads. A self-join asks for both.
func (s *Join) InputColumns(in workflow.Ref, out func(string) workflow.ColumnSet) workflow.ColumnSet {
	p := s.plan
	if p == nil {
		return workflow.AllColumns()
	}
	need := out("")
	cs := workflow.Columns()
	if in.Step == s.Left.Step && in.Port == s.Left.Port {
		if need.All() {
			return need
		}
		cs = cs.With(need.Intersect(p.left)...).With(planned(p.left, p.leftKeys...)...)
	}
	if in.Step == s.Right.Step && in.Port == s.Right.Port {
		nl := p.left.NumFields()
		cs = cs.With(planned(p.right, p.rightKeys...)...)
		for k, j := range p.rightCols {
			if need.Has(p.out.Field(nl + k).Name) {
				cs = cs.With(p.right.Field(j).Name)
			}
		}
	}
	return cs
}

// bind returns the plan for the runtime schemas of the inputs, bringing
// only the right columns downstream reads (under their planned names).
func (p *joinPlan) bind(ls, rs *arrow.Schema, need workflow.ColumnSet) (*joinPlan, error) {
	lb := &rebinder{planned: p.left, runtime: ls}
	rb := &rebinder{planned: p.right, runtime: rs}
	q := *p
	q.leftKeys, q.rightKeys, q.rightCols = nil, nil, nil
	for i := range p.leftKeys {
		q.leftKeys = append(q.leftKeys, lb.idx(p.leftKeys[i]))
		q.rightKeys = append(q.rightKeys, rb.idx(p.rightKeys[i]))
	}
	fields := append([]arrow.Field(nil), ls.Fields()...)
	nl := p.left.NumFields()
	for k, j := range p.rightCols {
		f := p.out.Field(nl + k)
		if !need.Has(f.Name) {
			continue
		}
		q.rightCols = append(q.rightCols, rb.idx(j))
		fields = append(fields, f)
	}
	q.out = arrow.NewSchema(fields, nil)
	return &q, errors.Join(lb.err, rb.err)
}
