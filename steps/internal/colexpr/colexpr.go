package colexpr

import (
	"fmt"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/expr-lang/expr/ast"
)

// Env is what an expression can see: the columns of its input, the
// resolved recipe params and the run's reference time.
type Env struct {
	// Schema lists the columns expressions can read by name.
	Schema *arrow.Schema
	// Params are the resolved recipe params, seen as params.NAME: string,
	// int64, float64, bool, time.Time (dates and timestamps),
	// time.Duration, or []any lists of those.
	Params map[string]any
	// AsOf, when set, is the time now() returns, so that runs are
	// reproducible; without it now() is a compile error.
	AsOf *time.Time
}

// Program is a compiled expression. It is safe for concurrent use: each
// Eval takes scratch memory from a pool of its own.
type Program struct {
	src     string
	root    *cnode
	cols    []*column // referenced columns, in the order the evaluator binds them
	names   []string  // referenced column names, schema order
	nslots  int
	nvars   int
	usesVM  bool
	states  sync.Pool
	arrType arrow.DataType
}

// Compile compiles an expression over env. Errors are *Error values
// positioned inside src.
func Compile(src string, env Env) (*Program, error) {
	return compile(src, env, false)
}

// CompileBool compiles an expression that must give a bool, such as a
// filter or a segment rule's condition.
func CompileBool(src string, env Env) (*Program, error) {
	return compile(src, env, true)
}

func compile(src string, env Env, wantBool bool) (*Program, error) {
	if env.Schema == nil {
		env.Schema = arrow.NewSchema(nil, nil)
	}
	c := &compiler{src: src, env: env, used: map[string]int{}, hoisted: map[string]*cnode{}}
	if err := c.setup(); err != nil {
		return nil, err
	}
	tree, err := c.parseCheck()
	if err != nil {
		return nil, err
	}
	c.tree = tree
	root, err := c.compile(tree.Node)
	if err != nil {
		return nil, err
	}
	start := leftmost(tree.Node)
	switch {
	case wantBool && root.k != kBool:
		return nil, c.errAt(start, "expression must be bool, got %s", root.k)
	case root.k == kNull:
		return nil, c.errAt(start, "expression is always nil: its type is unknown")
	case root.k == kDur:
		return nil, c.errAt(start, "expression gives a duration, which is not a column type (use days_between or hours_between)")
	case !root.k.scalar():
		return nil, c.errAt(start, "expression gives a %s, which is not a column type", root.k)
	}
	p := &Program{
		src:     src,
		root:    root,
		cols:    c.refs,
		nslots:  c.nslots,
		nvars:   c.nvars,
		usesVM:  c.usesVM,
		arrType: arrowType(root.k),
	}
	for _, col := range schemaOrder(append([]*column(nil), c.refs...)) {
		p.names = append(p.names, col.name)
	}
	p.states.New = func() any { return newState(p.nslots, p.nvars) }
	return p, nil
}

// leftmost returns the smallest source offset in a tree: where the
// expression starts.
func leftmost(n ast.Node) int {
	f := &leftFinder{min: n.Location().From}
	ast.Walk(&n, f)
	return f.min
}

type leftFinder struct{ min int }

// Visit implements ast.Visitor.
func (f *leftFinder) Visit(node *ast.Node) {
	f.min = min(f.min, (*node).Location().From)
}

// Type returns the canonical Arrow type of the expression's values.
func (p *Program) Type() arrow.DataType { return p.arrType }

// Columns returns the names of the columns the expression reads, in
// schema order.
func (p *Program) Columns() []string { return append([]string(nil), p.names...) }

// Source returns the expression's source text.
func (p *Program) Source() string { return p.src }

// bind takes a state from the pool and points it at rec's columns.
func (p *Program) bind(rec arrow.RecordBatch) (*state, error) {
	st := p.states.Get().(*state)
	schema := rec.Schema()
	for _, col := range p.cols {
		idx := schema.FieldIndices(col.name)
		if len(idx) == 0 {
			p.done(st)
			return nil, fmt.Errorf("eval: batch has no column %s", col.name)
		}
		arr := rec.Column(idx[0])
		if k, ok := colKind(arr.DataType()); !ok || k != col.k {
			p.done(st)
			return nil, fmt.Errorf("eval: column %s is %s in the batch, %s in the compiled schema",
				col.name, arr.DataType(), col.k)
		}
		st.cols = append(st.cols, arr)
	}
	return st, nil
}

func (p *Program) done(st *state) {
	st.release()
	p.states.Put(st)
}

// Eval evaluates the expression on every row of rec and returns the
// values as an array of Type() allocated from mem. The caller releases it.
func (p *Program) Eval(rec arrow.RecordBatch, mem memory.Allocator) (arrow.Array, error) {
	st, err := p.bind(rec)
	if err != nil {
		return nil, err
	}
	defer p.done(st)
	n := int(rec.NumRows())
	out := newOutput(p.root.k, p.arrType, mem, n)
	defer out.release()
	for off := 0; off < n; off += chunkRows {
		st.off, st.n = off, min(chunkRows, n-off)
		st.gen++
		v, err := p.root.run(st)
		if err != nil {
			return nil, fmt.Errorf("eval: %w", err)
		}
		out.append(v, st.n)
	}
	return out.b.NewArray(), nil
}

// EvalBool evaluates a bool expression on every row of rec into dst,
// which must have one element per row. A null value counts as false.
func (p *Program) EvalBool(rec arrow.RecordBatch, dst []bool) error {
	if p.root.k != kBool {
		return fmt.Errorf("eval: expression gives %s, not bool", p.root.k)
	}
	n := int(rec.NumRows())
	if len(dst) != n {
		return fmt.Errorf("eval: destination has %d elements for %d rows", len(dst), n)
	}
	st, err := p.bind(rec)
	if err != nil {
		return err
	}
	defer p.done(st)
	for off := 0; off < n; off += chunkRows {
		st.off, st.n = off, min(chunkRows, n-off)
		st.gen++
		v, err := p.root.run(st)
		if err != nil {
			return fmt.Errorf("eval: %w", err)
		}
		d := dst[off : off+st.n]
		if v.c {
			fill(d, v.b[0] && v.isValid(0))
		} else {
			copy(d, v.b[:st.n])
		}
	}
	return nil
}

// output appends chunk vectors to an Arrow builder.
type output struct {
	k   kind
	b   array.Builder
	d32 []arrow.Date32
	ts  []arrow.Timestamp
}

func newOutput(k kind, t arrow.DataType, mem memory.Allocator, n int) *output {
	b := array.NewBuilder(mem, t)
	b.Reserve(n)
	return &output{k: k, b: b}
}

func (o *output) release() { o.b.Release() }

func (o *output) append(v *vec, n int) {
	if v.c {
		// Expand a constant result.
		null := !v.isValid(0)
		for range n {
			if null {
				o.b.AppendNull()
				continue
			}
			switch o.k {
			case kInt:
				o.b.(*array.Int64Builder).Append(v.i[0])
			case kFloat:
				o.b.(*array.Float64Builder).Append(v.f[0])
			case kBool:
				o.b.(*array.BooleanBuilder).Append(v.b[0])
			case kString:
				o.b.(*array.StringBuilder).Append(v.s[0])
			case kDate:
				o.b.(*array.Date32Builder).Append(arrow.Date32(v.i[0]))
			case kTime:
				o.b.(*array.TimestampBuilder).Append(arrow.Timestamp(v.i[0]))
			}
		}
		return
	}
	valid := v.valid
	switch o.k {
	case kInt:
		o.b.(*array.Int64Builder).AppendValues(v.i[:n], valid)
	case kFloat:
		o.b.(*array.Float64Builder).AppendValues(v.f[:n], valid)
	case kBool:
		o.b.(*array.BooleanBuilder).AppendValues(v.b[:n], valid)
	case kString:
		b := o.b.(*array.StringBuilder)
		total := 0
		for _, s := range v.s[:n] {
			total += len(s)
		}
		// The builder grows its data buffer to the exact size asked for:
		// grow it geometrically instead, or appending is quadratic.
		if need := b.DataLen() + total; need > b.DataCap() {
			b.ReserveData(max(need, 2*b.DataCap()) - b.DataLen())
		}
		b.AppendValues(v.s[:n], valid)
	case kDate:
		if cap(o.d32) < n {
			o.d32 = make([]arrow.Date32, n)
		}
		d := o.d32[:n]
		for i, x := range v.i[:n] {
			d[i] = arrow.Date32(x)
		}
		o.b.(*array.Date32Builder).AppendValues(d, valid)
	case kTime:
		if cap(o.ts) < n {
			o.ts = make([]arrow.Timestamp, n)
		}
		d := o.ts[:n]
		for i, x := range v.i[:n] {
			d[i] = arrow.Timestamp(x)
		}
		o.b.(*array.TimestampBuilder).AppendValues(d, valid)
	}
}
