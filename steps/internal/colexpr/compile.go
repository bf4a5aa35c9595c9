package colexpr

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"time"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/conf"
	"github.com/expr-lang/expr/parser"
)

// errFallback is returned by a node compiler that cannot vectorise its
// node; compile then evaluates the node with expr's VM instead.
var errFallback = errors.New("colexpr: node needs expr's VM")

// compiler turns a checked expr tree into cnodes.
type compiler struct {
	src string
	env Env
	cfg *conf.Config

	columns    map[string]*column // by identifier
	colNames   []string           // schema names, schema order
	used       map[string]int     // identifier → index in refs
	refs       []*column          // referenced columns, in order of first use
	colNodes   []*cnode           // their loading nodes, which share a slot
	hoisted    map[string]*cnode  // vectorised inputs of VM nodes, by identifier
	vmParams   map[string]any
	paramKinds map[string]kind
	paramNames []string // "params.x", sorted
	fns        map[string]*fnDef
	tree       *parser.Tree

	nslots int
	nvars  int
	lets   []letVar
	usesVM bool
}

type letVar struct {
	name string
	node *cnode
}

func (c *compiler) slot() int {
	c.nslots++
	return c.nslots - 1
}

func (c *compiler) errAt(pos int, format string, args ...any) *Error {
	return errAt(c.src, pos, format, args...)
}

func pos(n ast.Node) int { return n.Location().From }

// compile compiles n, falling back to expr's VM for what the vectorised
// evaluator does not handle.
func (c *compiler) compile(n ast.Node) (*cnode, error) {
	cn, err := c.compileNode(n)
	if errors.Is(err, errFallback) {
		return c.fallback(n)
	}
	return cn, err
}

func (c *compiler) compileNode(n ast.Node) (*cnode, error) {
	switch n := n.(type) {
	case *ast.NilNode:
		return c.nullConst(kNull, pos(n)), nil
	case *ast.IntegerNode:
		return c.constant(kInt, int64(n.Value), pos(n)), nil
	case *ast.FloatNode:
		return c.constant(kFloat, n.Value, pos(n)), nil
	case *ast.BoolNode:
		return c.constant(kBool, n.Value, pos(n)), nil
	case *ast.StringNode:
		return c.constant(kString, n.Value, pos(n)), nil
	case *ast.ConstantNode:
		return c.fromGo(n.Value, pos(n)), nil
	case *ast.IdentifierNode:
		return c.identifier(n)
	case *ast.UnaryNode:
		return c.unary(n)
	case *ast.BinaryNode:
		return c.binary(n)
	case *ast.ConditionalNode:
		return c.conditional(n)
	case *ast.CallNode:
		return c.call(n)
	case *ast.VariableDeclaratorNode:
		return c.let(n)
	case *ast.SequenceNode:
		if len(n.Nodes) == 0 {
			return nil, c.errAt(pos(n), "empty sequence expression")
		}
		return c.compile(n.Nodes[len(n.Nodes)-1])
	}
	return nil, errFallback
}

// constant returns a constant node of kind k; x has the Go type constVec
// expects.
func (c *compiler) constant(k kind, x any, p int) *cnode {
	return &cnode{k: k, kon: constVec(k, x), pos: p}
}

func (c *compiler) nullConst(k kind, p int) *cnode {
	return &cnode{k: k, kon: constVec(k, nil), pos: p}
}

// fromGo returns a constant node for a value computed by expr's VM.
func (c *compiler) fromGo(x any, p int) *cnode {
	switch x := x.(type) {
	case nil:
		return c.nullConst(kNull, p)
	case int:
		return c.constant(kInt, int64(x), p)
	case int64:
		return c.constant(kInt, x, p)
	case float64:
		return c.constant(kFloat, x, p)
	case bool:
		return c.constant(kBool, x, p)
	case string:
		return c.constant(kString, x, p)
	case time.Time:
		x = normTime(x)
		if timeKind(x) == kDate {
			return c.constant(kDate, floorDiv(x.UnixMicro(), usPerDay), p)
		}
		return c.constant(kTime, x.UnixMicro(), p)
	case time.Duration:
		return c.constant(kDur, int64(x), p)
	}
	rv := reflect.ValueOf(x)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return c.constant(kInt, rv.Int(), p)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return c.constant(kInt, int64(rv.Uint()), p)
	case reflect.Float32:
		return c.constant(kFloat, rv.Float(), p)
	case reflect.Slice, reflect.Array:
		return c.constant(kList, x, p)
	}
	return c.constant(kAny, x, p)
}

// kindOfType returns the kind of the values of Go type t, as expr's type
// checker typed a node.
func kindOfType(t reflect.Type) kind {
	if t == nil {
		return kAny
	}
	switch t {
	case reflect.TypeOf(time.Time{}):
		return kTime
	case reflect.TypeOf(time.Duration(0)):
		return kDur
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return kInt
	case reflect.Float32, reflect.Float64:
		return kFloat
	case reflect.Bool:
		return kBool
	case reflect.String:
		return kString
	case reflect.Slice, reflect.Array:
		return kList
	}
	return kAny
}

func (c *compiler) identifier(n *ast.IdentifierNode) (*cnode, error) {
	for i := len(c.lets) - 1; i >= 0; i-- {
		if c.lets[i].name == n.Value {
			return c.lets[i].node, nil
		}
	}
	if col, ok := c.columns[n.Value]; ok {
		return c.column(n.Value, col, pos(n))
	}
	if h, ok := c.hoisted[n.Value]; ok {
		return h, nil
	}
	return nil, errFallback
}

// column returns a node reading a column, registering the reference.
func (c *compiler) column(ident string, col *column, p int) (*cnode, error) {
	if !col.ok {
		return nil, c.errAt(p, "column %s has type %s, which expressions cannot read", col.name,
			c.env.Schema.Field(col.index).Type)
	}
	j, ok := c.used[ident]
	if !ok {
		j = len(c.refs)
		c.used[ident] = j
		c.refs = append(c.refs, col)
		c.colNodes = append(c.colNodes, &cnode{k: col.k, eval: loadColumn(col.k, j, c.slot())})
	}
	nd := *c.colNodes[j] // same slot, own position
	nd.pos = p
	return &nd, nil
}

// fold evaluates a node whose inputs are all constants once, at compile
// time, and returns the constant.
func (c *compiler) fold(nd *cnode) (*cnode, error) {
	st := newState(c.nslots, c.nvars)
	st.n = 1
	v, err := nd.eval(st)
	if err != nil {
		return nil, c.errAt(nd.pos, "%v", err)
	}
	return &cnode{k: nd.k, kon: copyConst(nd.k, v), pos: nd.pos}, nil
}

// copyConst copies row 0 of v into a new constant vector.
func copyConst(k kind, v *vec) *vec {
	if !v.isValid(0) {
		return constVec(k, nil)
	}
	switch k {
	case kInt, kDate, kTime, kDur:
		return constVec(k, v.i[0])
	case kFloat:
		return constVec(k, v.f[0])
	case kBool:
		return constVec(k, v.b[0])
	case kString:
		return constVec(k, v.s[0])
	}
	return constVec(k, v.val)
}

// broadcast returns a node that expands a constant to a whole chunk, for
// kernels that take vectors only. Other nodes are returned unchanged.
func (c *compiler) broadcast(a *cnode) *cnode {
	if a.kon == nil {
		return a
	}
	kon, k, id := a.kon, a.k, c.slot()
	return &cnode{k: k, pos: a.pos, eval: func(st *state) (*vec, error) {
		o := &st.slots[id]
		n := st.n
		switch k {
		case kInt, kDate, kTime, kDur:
			fill(o.ints(n), kon.i[0])
		case kFloat:
			fill(o.floats(n), kon.f[0])
		case kBool:
			fill(o.bools(n), kon.b[0])
		case kString:
			fill(o.strs(n), kon.s[0])
		case kNull:
			// no data
		default:
			o.val = kon.val
		}
		if kon.isNullConst() {
			fill(o.validBuf(n), false)
			if k == kBool {
				fill(o.b, false)
			}
		} else {
			o.valid = nil
		}
		return o, nil
	}}
}

func fill[T any](s []T, x T) {
	for i := range s {
		s[i] = x
	}
}

// body computes the data of out (already sized) from the argument
// vectors, for n rows. Rows that are null in out.valid may hold anything.
type body func(out *vec, in []*vec, n int) error

// strict builds a node whose value is null when any argument is null:
// it folds constant arguments, short-cuts null constants and broadcasts
// constants for kernels that take vectors only.
func (c *compiler) strict(k kind, p int, args []*cnode, fn body) (*cnode, error) {
	allConst := true
	for _, a := range args {
		if a.kon != nil && a.kon.isNullConst() {
			return c.nullConst(k, p), nil
		}
		if a.kon == nil {
			allConst = false
		}
	}
	ins := make([]*cnode, len(args))
	for i, a := range args {
		ins[i] = a
		if !allConst {
			ins[i] = c.broadcast(a)
		}
	}
	id := c.slot()
	nd := &cnode{k: k, pos: p, eval: func(st *state) (*vec, error) {
		vs := make([]*vec, len(ins))
		for i, a := range ins {
			v, err := a.run(st)
			if err != nil {
				return nil, err
			}
			vs[i] = v
		}
		o := &st.slots[id]
		n := st.n
		allocFor(k, o, n)
		andValidN(o, n, vs...)
		if err := fn(o, vs, n); err != nil {
			return nil, err
		}
		if k == kBool {
			maskBools(o.b, o.valid)
		}
		return o, nil
	}}
	if allConst {
		return c.fold(nd)
	}
	return nd, nil
}

// ownValid makes out.valid a buffer of out's own (copying what it
// aliased) so that a kernel can clear more rows.
func ownValid(o *vec, n int) []bool {
	if o.valid != nil && cap(o.vb) > 0 && &o.valid[0] == &o.vb[:1][0] {
		return o.valid
	}
	src := o.valid
	dst := o.validBuf(n)
	if src == nil {
		fill(dst, true)
	} else {
		copy(dst, src)
	}
	return dst
}

// toFloat converts an int node to float.
func (c *compiler) toFloat(a *cnode) (*cnode, error) {
	if a.k != kInt {
		return a, nil
	}
	return c.strict(kFloat, a.pos, []*cnode{a}, func(o *vec, in []*vec, n int) error {
		intToFloat(in[0].i, o.f)
		return nil
	})
}

// toTime converts a date node to a timestamp (midnight UTC).
func (c *compiler) toTime(a *cnode) (*cnode, error) {
	if a.k != kDate {
		return a, nil
	}
	return c.strict(kTime, a.pos, []*cnode{a}, func(o *vec, in []*vec, n int) error {
		src := in[0].i[:n]
		for i, d := range src {
			o.i[i] = d * usPerDay
		}
		return nil
	})
}

// unify converts a and b to a common kind: int and float give float, date
// and timestamp give timestamp, nil takes the other side's kind.
func (c *compiler) unify(a, b *cnode) (*cnode, *cnode, kind, bool) {
	var err error
	switch {
	case a.k == b.k:
		return a, b, a.k, true
	case a.k == kNull:
		return c.retype(a, b.k), b, b.k, true
	case b.k == kNull:
		return a, c.retype(b, a.k), a.k, true
	case a.k.numeric() && b.k.numeric():
		if a, err = c.toFloat(a); err != nil {
			return nil, nil, 0, false
		}
		if b, err = c.toFloat(b); err != nil {
			return nil, nil, 0, false
		}
		return a, b, kFloat, true
	case a.k.temporal() && b.k.temporal():
		if a, err = c.toTime(a); err != nil {
			return nil, nil, 0, false
		}
		if b, err = c.toTime(b); err != nil {
			return nil, nil, 0, false
		}
		return a, b, kTime, true
	}
	return a, b, 0, false
}

// retype gives a null constant kind k.
func (c *compiler) retype(a *cnode, k kind) *cnode {
	return c.nullConst(k, a.pos)
}

// let compiles let name = value; expr.
func (c *compiler) let(n *ast.VariableDeclaratorNode) (*cnode, error) {
	val, err := c.compile(n.Value)
	if err != nil {
		return nil, err
	}
	if !val.k.scalar() && val.k != kNull && val.kon == nil {
		return nil, errFallback
	}
	if val.kon != nil {
		c.lets = append(c.lets, letVar{name: n.Name, node: val})
		body, err := c.compile(n.Expr)
		c.lets = c.lets[:len(c.lets)-1]
		return body, err
	}
	slotVar := c.nvars
	c.nvars++
	ref := &cnode{k: val.k, pos: val.pos, eval: func(st *state) (*vec, error) { return st.vars[slotVar], nil }}
	c.lets = append(c.lets, letVar{name: n.Name, node: ref})
	body, err := c.compile(n.Expr)
	c.lets = c.lets[:len(c.lets)-1]
	if err != nil || body.kon != nil {
		return body, err
	}
	return &cnode{k: body.k, pos: body.pos, eval: func(st *state) (*vec, error) {
		v, err := val.run(st)
		if err != nil {
			return nil, err
		}
		st.vars[slotVar] = v
		return body.run(st)
	}}, nil
}

// conditional compiles c ? a : b and if c { a } else { b }. A null
// condition selects the else branch, as SQL's CASE does.
func (c *compiler) conditional(n *ast.ConditionalNode) (*cnode, error) {
	cond, err := c.compile(n.Cond)
	if err != nil {
		return nil, err
	}
	a, err := c.compile(n.Exp1)
	if err != nil {
		return nil, err
	}
	b, err := c.compile(n.Exp2)
	if err != nil {
		return nil, err
	}
	if !isData(cond) || !isData(a) || !isData(b) {
		return nil, errFallback
	}
	if cond.k != kBool && cond.k != kNull {
		return nil, c.errAt(pos(n.Cond), "non-bool expression (type %s) used as condition", cond.k)
	}
	a, b, k, ok := c.unify(a, b)
	if !ok {
		return nil, c.errAt(pos(n), "mismatched types %s and %s in conditional", a.k, b.k)
	}
	if cond.kon != nil {
		if cond.kon.isValid(0) && cond.kon.b[0] {
			return a, nil
		}
		return b, nil
	}
	return c.choose(k, pos(n), cond, a, b, func(cv *vec, i int) bool { return cv.b[i] })
}

// choose builds a node taking each row from a where pick(cond, row) holds
// and from b elsewhere.
func (c *compiler) choose(k kind, p int, cond, a, b *cnode, pick func(cv *vec, i int) bool) (*cnode, error) {
	a, b = c.broadcast(a), c.broadcast(b)
	id, selID := c.slot(), c.slot()
	return &cnode{k: k, pos: p, eval: func(st *state) (*vec, error) {
		cv, err := cond.run(st)
		if err != nil {
			return nil, err
		}
		av, err := a.run(st)
		if err != nil {
			return nil, err
		}
		bv, err := b.run(st)
		if err != nil {
			return nil, err
		}
		o := &st.slots[id]
		n := st.n
		sel := st.slots[selID].bools(n)
		for i := range sel {
			sel[i] = pick(cv, i)
		}
		switch k {
		case kInt, kDate, kTime, kDur:
			selectVV(sel, av.i, bv.i, o.ints(n))
		case kFloat:
			selectVV(sel, av.f, bv.f, o.floats(n))
		case kString:
			selectVV(sel, av.s, bv.s, o.strs(n))
		case kBool:
			selectVV(sel, av.b, bv.b, o.bools(n))
		}
		if av.valid == nil && bv.valid == nil {
			o.valid = nil
		} else {
			dst := o.validBuf(n)
			for i := range dst {
				if sel[i] {
					dst[i] = av.isValid(i)
				} else {
					dst[i] = bv.isValid(i)
				}
			}
		}
		return o, nil
	}}, nil
}

// isData reports whether a node holds values the vectorised evaluator
// handles per row (not a list or another Go value computed per row).
func isData(n *cnode) bool {
	return n.k.scalar() || n.k == kNull || n.kon != nil
}

func (c *compiler) unary(n *ast.UnaryNode) (*cnode, error) {
	a, err := c.compile(n.Node)
	if err != nil {
		return nil, err
	}
	if !isData(a) {
		return nil, errFallback
	}
	switch n.Operator {
	case "!", "not":
		if a.k != kBool && a.k != kNull {
			return nil, c.errAt(pos(n), "invalid operation: %s (mismatched type %s)", n.Operator, a.k)
		}
		return c.strict(kBool, pos(n), []*cnode{a}, func(o *vec, in []*vec, n int) error {
			notV(in[0].b[:n], o.b)
			return nil
		})
	case "-":
		switch a.k {
		case kInt, kDur:
			return c.strict(a.k, pos(n), []*cnode{a}, func(o *vec, in []*vec, n int) error {
				src := in[0].i[:n]
				for i, x := range src {
					o.i[i] = -x
				}
				return nil
			})
		case kFloat:
			return c.strict(kFloat, pos(n), []*cnode{a}, func(o *vec, in []*vec, n int) error {
				src := in[0].f[:n]
				for i, x := range src {
					o.f[i] = -x
				}
				return nil
			})
		}
	case "+":
		if a.k.numeric() {
			return a, nil
		}
	}
	return nil, c.errAt(pos(n), "invalid operation: %s (mismatched type %s)", n.Operator, a.k)
}

// vmFold evaluates a node that only depends on constants with expr's VM,
// once, at compile time.
func (c *compiler) vmFold(n ast.Node, names []string, nodes []*cnode) (*cnode, error) {
	prog, err := c.vmProgram(n)
	if err != nil {
		return nil, err
	}
	env := map[string]any{paramsName: c.vmParams}
	for i, name := range names {
		env[name] = goValue(nodes[i].k, nodes[i].kon, 0)
	}
	out, err := runVM(nil, prog, env)
	if err != nil {
		return nil, c.errAt(pos(n), "%v", err)
	}
	return c.fromGo(out, pos(n)), nil
}

// fallback compiles n to run on expr's VM: once at compile time when it
// only depends on constants, row by row otherwise (null when any column
// or variable it reads is null).
func (c *compiler) fallback(n ast.Node) (*cnode, error) {
	if err := c.hoist(n); err != nil {
		return nil, err
	}
	names, nodes, err := c.inputs(n)
	if err != nil {
		return nil, err
	}
	allConst := true
	for _, nd := range nodes {
		if nd.kon == nil {
			allConst = false
		}
	}
	if allConst {
		return c.vmFold(n, names, nodes)
	}
	prog, err := c.vmProgram(n)
	if err != nil {
		return nil, err
	}
	c.usesVM = true
	// A time.Time computed by the VM may be a date or a timestamp: it is
	// typed as the wider timestamp.
	k := kindOfType(n.Type())
	id := c.slot()
	params := c.vmParams
	return &cnode{k: k, pos: pos(n), eval: func(st *state) (*vec, error) {
		if !k.scalar() {
			return nil, fmt.Errorf("cannot evaluate %s per row: its type %s is not a column type", n, k)
		}
		ins := make([]*vec, len(nodes))
		for i, nd := range nodes {
			v, err := nd.run(st)
			if err != nil {
				return nil, err
			}
			ins[i] = v
		}
		o := &st.slots[id]
		rows := st.n
		allocFor(k, o, rows)
		valid := o.validBuf(rows)
		env := st.env
		env[paramsName] = params
	row:
		for i := 0; i < rows; i++ {
			for j, v := range ins {
				if !v.isValid(i) {
					valid[i] = false
					if k == kBool {
						o.b[i] = false
					}
					continue row
				}
				env[names[j]] = goValue(nodes[j].k, v, i)
			}
			out, err := runVM(&st.vm, prog, env)
			if err != nil {
				if strings.Contains(err.Error(), "integer divide by zero") {
					out = nil // x % 0 is null, as in the vectorised evaluator
				} else {
					return nil, fmt.Errorf("evaluate %s: %w", n, err)
				}
			}
			if err := setGoValue(k, o, i, out); err != nil {
				return nil, fmt.Errorf("evaluate %s: %w", n, err)
			}
		}
		if k == kBool {
			maskBools(o.b, o.valid)
		}
		return o, nil
	}}, nil
}

// inputs returns the columns and let variables a subtree reads, with
// their nodes.
func (c *compiler) inputs(n ast.Node) ([]string, []*cnode, error) {
	f := &identFinder{seen: map[string]bool{}}
	ast.Walk(&n, f)
	var names []string
	var nodes []*cnode
	for _, name := range f.names {
		found := false
		for i := len(c.lets) - 1; i >= 0; i-- {
			if c.lets[i].name == name {
				names = append(names, name)
				nodes = append(nodes, c.lets[i].node)
				found = true
				break
			}
		}
		if found {
			continue
		}
		if h, ok := c.hoisted[name]; ok {
			names = append(names, name)
			nodes = append(nodes, h)
			continue
		}
		if col, ok := c.columns[name]; ok {
			nd, err := c.column(name, col, 0)
			if err != nil {
				return nil, nil, err
			}
			names = append(names, name)
			nodes = append(nodes, nd)
		}
	}
	return names, nodes, nil
}

// hoist replaces, inside a node that runs on expr's VM, the largest
// subtrees that only read columns and variables (not the element of a
// predicate) by inputs computed by the vectorised evaluator: only what
// needs the VM runs row by row, and nulls inside those subtrees follow
// the vectorised rules. The node is then null wherever an input is.
func (c *compiler) hoist(n ast.Node) error {
	for _, ch := range children(n) {
		if c.hoistable(*ch) {
			cn, err := c.compile(*ch)
			if err != nil {
				return err
			}
			switch {
			case cn.kon == nil && cn.k.scalar():
				name := fmt.Sprintf("$in%d", len(c.hoisted))
				c.hoisted[name] = cn
				id := &ast.IdentifierNode{Value: name}
				id.SetNature(*(*ch).Nature())
				ast.Patch(ch, id)
				continue
			case cn.kon != nil && (cn.k.scalar() || cn.k == kNull):
				// Folded despite reading data, as coalesce(3, x) is.
				k := &ast.ConstantNode{Value: goValue(cn.k, cn.kon, 0)}
				k.SetNature(*(*ch).Nature())
				ast.Patch(ch, k)
				continue
			}
		}
		if err := c.hoist(*ch); err != nil {
			return err
		}
	}
	return nil
}

// hoistable reports whether a subtree reads data (columns or variables)
// and is closed: it uses no predicate element (#) or variable bound
// outside it, so that it can be computed for every row before the VM
// runs.
func (c *compiler) hoistable(n ast.Node) bool {
	switch n.(type) {
	case *ast.IdentifierNode:
		return false // an input already
	case *ast.PredicateNode:
		return false // a closure, not a value
	}
	ok, data := c.closed(n, 0, nil)
	return ok && data
}

// closed walks a subtree inside preds predicate bodies with the let names
// bound in it, reporting whether it is closed and whether it reads data.
func (c *compiler) closed(n ast.Node, preds int, bound []string) (ok, data bool) {
	switch n := n.(type) {
	case nil:
		return true, false
	case *ast.PointerNode:
		return preds > 0, false
	case *ast.PredicateNode:
		return c.closed(n.Node, preds+1, bound)
	case *ast.VariableDeclaratorNode:
		ok1, d1 := c.closed(n.Value, preds, bound)
		ok2, d2 := c.closed(n.Expr, preds, append(bound[:len(bound):len(bound)], n.Name))
		return ok1 && ok2, d1 || d2
	case *ast.IdentifierNode:
		name := n.Value
		for _, b := range bound {
			if b == name {
				return true, false
			}
		}
		if _, ok := c.columns[name]; ok {
			return true, true
		}
		if _, ok := c.hoisted[name]; ok {
			return true, true
		}
		for _, l := range c.lets {
			if l.name == name {
				return true, l.node.kon == nil
			}
		}
		if _, ok := c.fns[name]; ok || name == paramsName {
			return true, false
		}
		return false, false
	case *ast.CallNode:
		ok, data = true, false
		for _, a := range n.Arguments {
			o, d := c.closed(a, preds, bound)
			ok, data = ok && o, data || d
		}
		if _, isID := n.Callee.(*ast.IdentifierNode); !isID {
			o, d := c.closed(n.Callee, preds, bound)
			ok, data = ok && o, data || d
		}
		return ok, data
	}
	ok = true
	for _, ch := range children(n) {
		o, d := c.closed(*ch, preds, bound)
		ok, data = ok && o, data || d
	}
	return ok, data
}

// children returns pointers to the child nodes of n.
func children(n ast.Node) []*ast.Node {
	switch n := n.(type) {
	case *ast.UnaryNode:
		return []*ast.Node{&n.Node}
	case *ast.BinaryNode:
		return []*ast.Node{&n.Left, &n.Right}
	case *ast.ChainNode:
		return []*ast.Node{&n.Node}
	case *ast.MemberNode:
		return []*ast.Node{&n.Node, &n.Property}
	case *ast.SliceNode:
		var out []*ast.Node
		for _, p := range []*ast.Node{&n.Node, &n.From, &n.To} {
			if *p != nil {
				out = append(out, p)
			}
		}
		return out
	case *ast.CallNode:
		out := make([]*ast.Node, len(n.Arguments))
		for i := range n.Arguments {
			out[i] = &n.Arguments[i]
		}
		return out
	case *ast.BuiltinNode:
		out := make([]*ast.Node, len(n.Arguments))
		for i := range n.Arguments {
			out[i] = &n.Arguments[i]
		}
		return out
	case *ast.PredicateNode:
		return []*ast.Node{&n.Node}
	case *ast.ConditionalNode:
		return []*ast.Node{&n.Cond, &n.Exp1, &n.Exp2}
	case *ast.VariableDeclaratorNode:
		return []*ast.Node{&n.Value, &n.Expr}
	case *ast.SequenceNode:
		out := make([]*ast.Node, len(n.Nodes))
		for i := range n.Nodes {
			out[i] = &n.Nodes[i]
		}
		return out
	case *ast.ArrayNode:
		out := make([]*ast.Node, len(n.Nodes))
		for i := range n.Nodes {
			out[i] = &n.Nodes[i]
		}
		return out
	case *ast.MapNode:
		out := make([]*ast.Node, len(n.Pairs))
		for i := range n.Pairs {
			out[i] = &n.Pairs[i]
		}
		return out
	case *ast.PairNode:
		return []*ast.Node{&n.Key, &n.Value}
	}
	return nil
}

type identFinder struct {
	names []string
	seen  map[string]bool
}

// Visit implements ast.Visitor.
func (f *identFinder) Visit(node *ast.Node) {
	if id, ok := (*node).(*ast.IdentifierNode); ok && !f.seen[id.Value] {
		f.seen[id.Value] = true
		f.names = append(f.names, id.Value)
	}
}

// checkFinite is used by int(): NaN, infinities and floats outside the
// int64 range have no integer value.
func checkFinite(x float64) bool {
	return !math.IsNaN(x) && x >= -9.223372036854775808e18 && x < 9.223372036854775808e18
}
