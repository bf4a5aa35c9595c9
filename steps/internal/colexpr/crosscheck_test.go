package colexpr

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
)

// The cross-check compares the vectorised evaluator with expr's own VM
// on random batches and random expressions from a small typed grammar.
//
// Rows where no null appears anywhere in the expression's evaluation are
// compared with expr.Run of the whole expression on a map environment
// (the same functions, as row implementations). Rows with nulls are
// compared with a row-at-a-time oracle written here: it applies the
// documented null rules (strict operators, Kleene && and ||, a null
// condition takes the else branch, coalesce, is_null) and computes every
// operator on non-null values with expr's VM.

// gnode is a generated expression.
type gnode struct {
	src  string
	tmpl string // expr source over a, b, c for an operator node
	args []*gnode
	col  string // a column leaf
	lit  any    // a literal leaf (a Go value as expr sees it)
	leaf bool
}

func (g *gnode) dump() string {
	if g.leaf {
		return g.src
	}
	s := "{" + g.tmpl
	for _, a := range g.args {
		s += " " + a.dump()
	}
	return s + "}"
}

type gen struct {
	rng *rand.Rand
}

func (g *gen) pick(xs ...string) string { return xs[g.rng.IntN(len(xs))] }

func (g *gen) op(tmpl string, args ...*gnode) *gnode {
	src := tmpl
	// Substitute a, b, c by the arguments' sources (tmpl uses them as whole words).
	names := []string{"a", "b", "c"}
	var sb strings.Builder
	for i := 0; i < len(src); i++ {
		ch := src[i]
		isName := false
		for k, nm := range names {
			if k < len(args) && ch == nm[0] && (i == 0 || !isWordByte(src[i-1])) && (i+1 == len(src) || !isWordByte(src[i+1])) {
				sb.WriteString("(" + args[k].src + ")")
				isName = true
				break
			}
		}
		if !isName {
			sb.WriteByte(ch)
		}
	}
	// Drop arguments the template does not use (a pick among templates
	// of different arities).
	used := 0
	for k := range args {
		if strings.Contains(sb.String(), "("+args[k].src+")") && tmplUses(tmpl, names[k][0]) {
			used = k + 1
		}
	}
	return &gnode{src: sb.String(), tmpl: tmpl, args: args[:used]}
}

func tmplUses(tmpl string, name byte) bool {
	for i := 0; i < len(tmpl); i++ {
		if tmpl[i] == name && (i == 0 || !isWordByte(tmpl[i-1])) && (i+1 == len(tmpl) || !isWordByte(tmpl[i+1])) {
			return true
		}
	}
	return false
}

func isWordByte(b byte) bool {
	return b == '_' || b == '"' || b == '.' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}

func (g *gen) column(name string) *gnode { return &gnode{src: name, col: name, leaf: true} }

func (g *gen) literal(src string, v any) *gnode { return &gnode{src: src, lit: v, leaf: true} }

func (g *gen) intExpr(depth int) *gnode {
	if depth <= 0 || g.rng.IntN(4) == 0 {
		switch g.rng.IntN(4) {
		case 0:
			v := g.rng.IntN(11) - 3
			return g.literal(fmt.Sprint(v), v)
		case 1:
			return g.column("i2")
		}
		return g.column("i1")
	}
	d := depth - 1
	switch g.rng.IntN(16) {
	case 0:
		return g.op("a + b", g.intExpr(d), g.intExpr(d))
	case 1:
		return g.op("a - b", g.intExpr(d), g.intExpr(d))
	case 2:
		return g.op("a * b", g.intExpr(d), g.intExpr(d))
	case 3:
		return g.op("a % b", g.intExpr(d), g.intExpr(d))
	case 4:
		return g.op("-a", g.intExpr(d))
	case 5:
		return g.op("abs(a)", g.intExpr(d))
	case 6:
		return g.op(g.pick("min(a, b)", "max(a, b)"), g.intExpr(d), g.intExpr(d))
	case 7:
		return g.op("clamp(a, b, c)", g.intExpr(d), g.intExpr(d), g.intExpr(d))
	case 8:
		return g.op("len(a)", g.strExpr(d))
	case 9:
		return g.op(g.pick("year(a)", "month(a)", "day(a)", "weekday(a)"), g.timeExpr(d))
	case 10:
		return g.op("int(a)", g.floatExpr(d))
	case 11:
		return g.op("a ? b : c", g.boolExpr(d), g.intExpr(d), g.intExpr(d))
	case 12:
		return g.op("coalesce(a, b)", g.intExpr(d), g.intExpr(d))
	case 13:
		return g.op("max(a, b, c)", g.intExpr(d), g.intExpr(d), g.intExpr(d))
	case 14:
		return g.op("a * 1000000007", g.intExpr(d))
	}
	return g.op("params.k + a", g.intExpr(d))
}

func (g *gen) numExpr(depth int) *gnode {
	if g.rng.IntN(2) == 0 {
		return g.intExpr(depth)
	}
	return g.floatExpr(depth)
}

func (g *gen) floatExpr(depth int) *gnode {
	if depth <= 0 || g.rng.IntN(4) == 0 {
		switch g.rng.IntN(4) {
		case 0:
			v := float64(g.rng.IntN(9)-2) / 2
			return g.literal(fmt.Sprintf("%.1f", v), v)
		case 1:
			return g.column("f2")
		}
		return g.column("f1")
	}
	d := depth - 1
	switch g.rng.IntN(20) {
	case 0:
		return g.op(g.pick("a + b", "a - b", "a * b"), g.floatExpr(d), g.numExpr(d))
	case 1:
		return g.op(g.pick("a + b", "a - b", "a * b"), g.intExpr(d), g.floatExpr(d))
	case 2:
		return g.op("a / b", g.numExpr(d), g.numExpr(d))
	case 3:
		return g.op("a ** b", g.numExpr(d), g.intExpr(d))
	case 4:
		return g.op("-a", g.floatExpr(d))
	case 5:
		return g.op(g.pick("abs(a)", "round(a)", "floor(a)", "ceil(a)", "sqrt(a)", "log(a)", "log1p(a)", "exp(a)"), g.floatExpr(d))
	case 6:
		digits := g.rng.IntN(5) - 1
		return g.op("round(a, b)", g.floatExpr(d), g.literal(fmt.Sprint(digits), digits))
	case 7:
		return g.op("pow(a, b)", g.numExpr(d), g.numExpr(d))
	case 8:
		return g.op(g.pick("min(a, b)", "max(a, b)"), g.floatExpr(d), g.numExpr(d))
	case 9:
		return g.op("clamp(a, b, c)", g.floatExpr(d), g.numExpr(d), g.numExpr(d))
	case 10:
		return g.op(g.pick("days_between(a, b)", "hours_between(a, b)", "weeks_between(a, b)"), g.timeExpr(d), g.timeExpr(d))
	case 11:
		return g.op("float(a)", g.intExpr(d))
	case 12:
		return g.op("a ? b : c", g.boolExpr(d), g.floatExpr(d), g.floatExpr(d))
	case 13:
		// An int branch mixed with a float one is converted to float;
		// expr's VM keeps the int: they differ beyond 2^53, so only
		// small ints meet floats here.
		v := g.rng.IntN(5)
		if g.rng.IntN(2) == 0 {
			return g.op("coalesce(a, b)", g.floatExpr(d), g.literal(fmt.Sprint(v), v))
		}
		return g.op("a ? b : c", g.boolExpr(d), g.literal(fmt.Sprint(v), v), g.floatExpr(d))
	case 14:
		return g.op("a * params.ratio", g.numExpr(d))
	case 15:
		return g.op("a ?? b", g.floatExpr(d), g.floatExpr(d))
	case 16:
		return g.op("if a { b } else { c }", g.boolExpr(d), g.floatExpr(d), g.floatExpr(d))
	}
	return g.op("a + b", g.floatExpr(d), g.floatExpr(d))
}

func (g *gen) strExpr(depth int) *gnode {
	if depth <= 0 || g.rng.IntN(3) == 0 {
		switch g.rng.IntN(4) {
		case 0:
			v := g.pick("", "a", "apple", "Apple", " pear ")
			return g.literal(fmt.Sprintf("%q", v), v)
		case 1:
			return g.column("s2")
		}
		return g.column("s1")
	}
	d := depth - 1
	switch g.rng.IntN(6) {
	case 0:
		return g.op(g.pick("lower(a)", "upper(a)", "trim(a)"), g.strExpr(d))
	case 1:
		return g.op("a + b", g.strExpr(d), g.strExpr(d))
	case 2:
		return g.op("a ? b : c", g.boolExpr(d), g.strExpr(d), g.strExpr(d))
	case 3:
		return g.op("coalesce(a, b)", g.strExpr(d), g.strExpr(d))
	case 4:
		return g.op("a + params.name", g.strExpr(d))
	}
	return g.op(`a + "-"`, g.strExpr(d))
}

func (g *gen) timeExpr(depth int) *gnode {
	if depth <= 0 || g.rng.IntN(3) == 0 {
		switch g.rng.IntN(5) {
		case 0:
			return g.literal(`date("2024-05-01")`, day("2024-05-01"))
		case 1:
			return g.op("params.as_of")
		case 2:
			return g.op("now()")
		case 3:
			return g.column("t1")
		}
		return g.column("d1")
	}
	d := depth - 1
	switch g.rng.IntN(5) {
	case 0:
		return g.op("add_days(a, b)", g.timeExpr(d), g.intExpr(d))
	case 1:
		return g.op(fmt.Sprintf("date_trunc(%q, a)", g.pick(truncUnits...)), g.timeExpr(d))
	case 2:
		return g.op("a ? b : c", g.boolExpr(d), g.timeExpr(d), g.timeExpr(d))
	case 3:
		return g.op("coalesce(a, b)", g.timeExpr(d), g.timeExpr(d))
	}
	return g.op(g.pick("a + params.grace", "a - params.grace"), g.timeExpr(d))
}

func (g *gen) boolExpr(depth int) *gnode {
	if depth <= 0 || g.rng.IntN(5) == 0 {
		switch g.rng.IntN(4) {
		case 0:
			v := g.rng.IntN(2) == 0
			return g.literal(fmt.Sprint(v), v)
		}
		return g.column("b1")
	}
	d := depth - 1
	cmp := g.pick("==", "!=", "<", "<=", ">", ">=")
	switch g.rng.IntN(17) {
	case 0, 1:
		return g.op("a "+cmp+" b", g.numExpr(d), g.numExpr(d))
	case 2:
		return g.op("a "+cmp+" b", g.strExpr(d), g.strExpr(d))
	case 3:
		return g.op("a "+cmp+" b", g.timeExpr(d), g.timeExpr(d))
	case 4, 5:
		return g.op("a && b", g.boolExpr(d), g.boolExpr(d))
	case 6, 7:
		return g.op("a || b", g.boolExpr(d), g.boolExpr(d))
	case 8:
		return g.op("!a", g.boolExpr(d))
	case 9:
		return g.op(g.pick(`a contains "p"`, `a startsWith "a"`, `a endsWith "e"`, `a matches "^[aA]p"`, "a contains b"), g.strExpr(d), g.strExpr(d))
	case 10:
		return g.op(g.pick(`a in ["a", "apple"]`, "a in params.cats", `a not in ["Apple"]`), g.strExpr(d))
	case 11:
		return g.op(g.pick("a in [1, 2, 3]", "a in params.nums", "a in 0..4"), g.numExpr(d))
	case 12:
		return g.op("is_null(a)", g.numExpr(d))
	case 13:
		return g.op("a == nil", g.strExpr(d))
	case 14:
		return g.op("a ? b : c", g.boolExpr(d), g.boolExpr(d), g.boolExpr(d))
	case 15:
		return g.op("a == b", g.boolExpr(d), g.boolExpr(d))
	}
	return g.op("any(params.nums, {# == a})", g.intExpr(d))
}

func (g *gen) anyExpr(depth int) *gnode {
	switch g.rng.IntN(6) {
	case 0:
		return g.intExpr(depth)
	case 1:
		return g.floatExpr(depth)
	case 2:
		return g.strExpr(depth)
	case 3:
		return g.timeExpr(depth)
	}
	return g.boolExpr(depth)
}

// randomBatch builds a batch of n rows with nulls, NaNs, infinities and
// negative zeros.
func randomBatch(t *testing.T, rng *rand.Rand, mem memory.Allocator, n int) arrow.RecordBatch {
	nullable := func(v any) any {
		if rng.Float64() < 0.15 {
			return nil
		}
		return v
	}
	mk := func(f func() any) []any {
		vs := make([]any, n)
		for i := range vs {
			vs[i] = nullable(f())
		}
		return vs
	}
	intv := func() any {
		if rng.IntN(20) == 0 {
			return rng.Int64() - math.MaxInt64/2
		}
		return rng.Int64N(16) - 4
	}
	floatv := func() any {
		switch rng.IntN(20) {
		case 0:
			return math.NaN()
		case 1:
			return math.Inf(1 - 2*rng.IntN(2))
		case 2:
			return math.Copysign(0, -1)
		case 3, 4, 5, 6:
			return float64(rng.IntN(9)-2) / 2
		}
		return rng.NormFloat64() * 100
	}
	strv := func() any {
		return []string{"", "a", "apple", "Apple", " pear ", "héllo", "return", "x1", "pe"}[rng.IntN(9)]
	}
	datev := func() any { return time.Unix((rng.Int64N(30000)-3000)*secondsPerDay, 0).UTC() }
	stampv := func() any {
		return time.UnixMicro((rng.Int64N(30000)-3000)*usPerDay + rng.Int64N(usPerDay)).UTC()
	}
	return newBatch(t, mem,
		col{"i1", ints("").typ, mk(intv)}, col{"i2", ints("").typ, mk(intv)},
		col{"f1", floats("").typ, mk(floatv)}, col{"f2", floats("").typ, mk(floatv)},
		col{"s1", strs("").typ, mk(strv)}, col{"s2", strs("").typ, mk(strv)},
		col{"b1", bools("").typ, mk(func() any { return rng.IntN(2) == 0 })},
		col{"d1", dates("").typ, mk(datev)}, col{"t1", stamps("").typ, mk(stampv)},
	)
}

// oracle evaluates generated expressions row by row.
type oracle struct {
	env   Env
	opts  []expr.Option
	progs map[string]*vm.Program
	vmm   vm.VM
}

func newOracle(env Env) *oracle {
	return &oracle{env: env, opts: exprOptions(env), progs: map[string]*vm.Program{}}
}

// exprOptions configures expr like Compile does: no expr builtins, the
// package's functions with their row implementations.
func exprOptions(env Env) []expr.Option {
	opts := []expr.Option{expr.DisableAllBuiltins(), expr.Optimize(false)}
	fns := functions(env)
	names := make([]string, 0, len(fns))
	for n := range fns {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		opts = append(opts, expr.Function(n, fns[n].row, fns[n].types...))
	}
	return opts
}

func vmParams(env Env) map[string]any {
	out := map[string]any{}
	for k, v := range env.Params {
		gv, _, err := paramValue(v)
		if err != nil {
			panic(err)
		}
		out[k] = gv
	}
	return out
}

// run compiles (once per source and argument types) and runs src on env.
func (o *oracle) run(src string, env map[string]any) (any, error) {
	key := src
	for _, k := range []string{"a", "b", "c"} {
		if v, ok := env[k]; ok {
			key += fmt.Sprintf("|%s:%T", k, v)
		}
	}
	prog, ok := o.progs[key]
	if !ok {
		var err error
		prog, err = expr.Compile(src, append([]expr.Option{expr.Env(env)}, o.opts...)...)
		if err != nil {
			return nil, err
		}
		o.progs[key] = prog
	}
	return o.vmm.Run(prog, env)
}

// staticType is the type expr's checker gives a generated node: "int",
// "float", "unknown" (int and float branches mixed), "string", "bool"
// or "time".
func staticType(g *gnode) string {
	if g.leaf {
		if g.col != "" {
			return map[byte]string{'i': "int", 'f': "float", 's': "string", 'b': "bool", 'd': "time", 't': "time"}[g.col[0]]
		}
		switch g.lit.(type) {
		case int:
			return "int"
		case float64:
			return "float"
		case string:
			return "string"
		case bool:
			return "bool"
		}
		return "time"
	}
	ts := make([]string, len(g.args))
	for i, a := range g.args {
		ts[i] = staticType(a)
	}
	promote := func(x, y string) string {
		switch {
		case x == "unknown" || y == "unknown":
			return "unknown"
		case x == "float" || y == "float":
			return "float"
		}
		return "int"
	}
	same := func(x, y string) string {
		if x == y {
			return x
		}
		return "unknown"
	}
	intOverload := func() bool { // min, max, clamp, abs pick func(int...) int
		for _, t := range ts {
			if t != "int" && t != "unknown" {
				return false
			}
		}
		return true
	}
	switch g.tmpl {
	case "a + b", "a - b", "a * b":
		if ts[0] == "string" {
			return "string"
		}
		return promote(ts[0], ts[1])
	case "-a":
		return ts[0]
	case "a * 1000000007":
		return promote(ts[0], "int")
	case "params.k + a":
		return promote("int", ts[0])
	case "a * params.ratio":
		return promote(ts[0], "float")
	case "a % b", "len(a)", "year(a)", "month(a)", "day(a)", "weekday(a)", "int(a)":
		return "int"
	case "abs(a)", "min(a, b)", "max(a, b)", "max(a, b, c)", "clamp(a, b, c)":
		if intOverload() {
			return "int"
		}
		return "float"
	case "a ? b : c", "if a { b } else { c }":
		return same(ts[1], ts[2])
	case "coalesce(a, b)", "a ?? b":
		return same(ts[0], ts[1])
	case "a / b", "a ** b", "round(a)", "floor(a)", "ceil(a)", "sqrt(a)", "log(a)", "log1p(a)", "exp(a)",
		"round(a, b)", "pow(a, b)", "days_between(a, b)", "hours_between(a, b)", "weeks_between(a, b)", "float(a)":
		return "float"
	case "lower(a)", "upper(a)", "trim(a)", "a + params.name", `a + "-"`:
		return "string"
	case "add_days(a, b)", "a + params.grace", "a - params.grace", "params.as_of", "now()":
		return "time"
	}
	if strings.HasPrefix(g.tmpl, "date_trunc") {
		return "time"
	}
	return "bool"
}

// floatParams lists, for the templates of functions with float
// parameters, which arguments expr's checker converts when they are
// ints: it rewrites their integer literals (through + - * and unary -)
// to floats, so that pow(x, n * 3) multiplies by 3.0. The oracle does the
// same to its copy of the tree.
func floatParams(g *gnode) []bool {
	switch g.tmpl {
	case "pow(a, b)":
		return []bool{true, true}
	case "sqrt(a)", "log(a)", "log1p(a)", "exp(a)", "floor(a)", "ceil(a)", "round(a)":
		return []bool{true}
	case "round(a, b)":
		return []bool{true, false}
	case "min(a, b)", "max(a, b)", "max(a, b, c)", "clamp(a, b, c)":
		if staticType(g) == "int" {
			return nil
		}
		return []bool{true, true, true}
	}
	return nil
}

// checked returns the tree as expr's checker leaves it.
func checked(g *gnode) *gnode {
	if g.leaf {
		return g
	}
	c := *g
	c.args = make([]*gnode, len(g.args))
	fp := floatParams(g)
	for i, a := range g.args {
		a = checked(a)
		if i < len(fp) && fp[i] && staticType(a) == "int" {
			a = floatLiterals(a)
		}
		c.args[i] = a
	}
	return &c
}

func floatLiterals(g *gnode) *gnode {
	if g.leaf {
		if v, ok := g.lit.(int); ok {
			return &gnode{src: g.src, lit: float64(v), leaf: true}
		}
		return g
	}
	c := *g
	switch g.tmpl {
	case "a + b", "a - b", "a * b", "-a", "params.k + a":
	case "a * 1000000007":
		c.tmpl = "a * 1000000007.0"
	default:
		return g
	}
	c.args = make([]*gnode, len(g.args))
	for i, a := range g.args {
		c.args[i] = floatLiterals(a)
	}
	return &c
}

// eval evaluates g on a row (column name → value, nil for null); sawNull
// reports whether a null appeared anywhere.
func (o *oracle) eval(g *gnode, row map[string]any, params map[string]any) (v any, sawNull bool, err error) {
	if g.leaf {
		if g.col != "" {
			v = row[g.col]
		} else {
			v = g.lit
		}
		return v, v == nil, nil
	}
	vals := make([]any, len(g.args))
	for i, a := range g.args {
		x, null, err := o.eval(a, row, params)
		if err != nil {
			return nil, false, err
		}
		vals[i] = x
		sawNull = sawNull || null
	}
	kleene := func(x any) int { // 0 false, 1 true, 2 null
		switch x {
		case nil:
			return 2
		case true:
			return 1
		}
		return 0
	}
	switch g.tmpl {
	case "a && b":
		x, y := kleene(vals[0]), kleene(vals[1])
		switch {
		case x == 0 || y == 0:
			return false, sawNull, nil
		case x == 1 && y == 1:
			return true, sawNull, nil
		}
		return nil, true, nil
	case "a || b":
		x, y := kleene(vals[0]), kleene(vals[1])
		switch {
		case x == 1 || y == 1:
			return true, sawNull, nil
		case x == 0 && y == 0:
			return false, sawNull, nil
		}
		return nil, true, nil
	case "a ? b : c", "if a { b } else { c }":
		if vals[0] == true {
			return vals[1], sawNull || vals[1] == nil, nil
		}
		return vals[2], sawNull || vals[2] == nil, nil
	case "coalesce(a, b)", "a ?? b":
		if vals[0] != nil {
			return vals[0], sawNull, nil
		}
		return vals[1], sawNull || vals[1] == nil, nil
	case "is_null(a)":
		return vals[0] == nil, sawNull, nil
	case "a == nil":
		return vals[0] == nil, sawNull, nil
	}
	env := map[string]any{"params": params}
	for i, x := range vals {
		if x == nil {
			return nil, true, nil // strict operators
		}
		env[[]string{"a", "b", "c"}[i]] = x
	}
	v, err = o.run(g.tmpl, env)
	if err != nil {
		if strings.Contains(err.Error(), "integer divide by zero") {
			return nil, true, nil // x % 0 is null in colexpr, an error in expr
		}
		return nil, false, fmt.Errorf("oracle %q: %w", g.tmpl, err)
	}
	return v, sawNull || v == nil, nil
}

// equalValues compares a colexpr value (from values) with one from expr's
// VM: numbers by value (NaN equals NaN), times by instant.
func equalValues(got, want any) bool {
	if got == nil || want == nil {
		return got == nil && want == nil
	}
	num := func(x any) (float64, bool) {
		switch x := x.(type) {
		case int:
			return float64(x), true
		case int64:
			return float64(x), true
		case float64:
			return x, true
		}
		return 0, false
	}
	if g, ok := got.(int64); ok {
		if w, ok := want.(int); ok {
			return g == int64(w)
		}
	}
	if g, ok := num(got); ok {
		w, ok := num(want)
		if !ok {
			return false
		}
		if math.IsNaN(g) || math.IsNaN(w) {
			return math.IsNaN(g) && math.IsNaN(w)
		}
		return g == w
	}
	if g, ok := got.(time.Time); ok {
		w, ok := want.(time.Time)
		return ok && g.Equal(w)
	}
	return reflect.DeepEqual(got, want)
}

var (
	crossSeed  = flag.Uint64("crosscheck.seed", 20241231, "seed of TestCrossCheckVM")
	crossExprs = flag.Int("crosscheck.n", 600, "number of random expressions TestCrossCheckVM checks")
)

func TestCrossCheckVM(t *testing.T) {
	exprs := *crossExprs
	if testing.Short() {
		exprs = min(exprs, 150)
	}
	rng := rand.New(rand.NewPCG(*crossSeed, 7))
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	g := &gen{rng: rng}
	var vmRows, oracleRows int
	for e := range exprs {
		n := 1 + rng.IntN(120)
		if e%100 == 0 {
			n = chunkRows + 1 + rng.IntN(300) // more than one chunk
		}
		rec := randomBatch(t, rng, mem, n)
		env := testEnv(rec.Schema())
		params := vmParams(env)
		o := newOracle(env)
		ge := g.anyExpr(1 + rng.IntN(4))
		oe := checked(ge)
		p, err := Compile(ge.src, env)
		if err != nil {
			rec.Release()
			t.Fatalf("compile %q: %v", ge.src, err)
		}
		full, err := vmProgramOf(ge.src, env)
		if err != nil {
			rec.Release()
			t.Fatalf("expr: compile %q: %v", ge.src, err)
		}
		// Evaluate the whole batch and a slice of it (offset arrays).
		lo := rng.IntN(n)
		slice := rec.NewSlice(int64(lo), int64(n))
		for _, b := range []struct {
			rec arrow.RecordBatch
			off int
		}{{rec, 0}, {slice, lo}} {
			arr, err := p.Eval(b.rec, mem)
			if err != nil {
				t.Fatalf("eval %q: %v", ge.src, err)
			}
			got := values(t, arr)
			arr.Release()
			cols := columnValues(t, b.rec)
			for i := range got {
				row := rowOf(cols, i)
				want, sawNull, err := o.eval(oe, row, params)
				if err != nil {
					t.Fatalf("%q row %v: %v", ge.src, row, err)
				}
				if !equalValues(got[i], want) {
					t.Fatalf("%q on row %v:\n colexpr %v (%T)\n oracle  %v (%T)\ntree %s", ge.src, row, got[i], got[i], want, want, ge.dump())
				}
				oracleRows++
				if sawNull {
					continue
				}
				row["params"] = params
				vmWant, err := expr.Run(full, row)
				if err != nil {
					t.Fatalf("%q on row %v: expr.Run: %v", ge.src, row, err)
				}
				if !equalValues(got[i], vmWant) {
					t.Fatalf("%q on row %v:\n colexpr %v (%T)\n expr    %v (%T)", ge.src, row, got[i], got[i], vmWant, vmWant)
				}
				vmRows++
			}
		}
		slice.Release()
		rec.Release()
	}
	t.Logf("%d expressions, %d rows checked against expr's VM, %d against the null oracle", exprs, vmRows, oracleRows)
	if vmRows < oracleRows/5 {
		t.Errorf("only %d of %d rows were null-free: the grammar or the data make too many nulls", vmRows, oracleRows)
	}
}

// vmProgramOf compiles src for expr's VM from the tree Compile checks:
// same environment types, functions and rewriting (col, coalesce).
func vmProgramOf(src string, env Env) (*vm.Program, error) {
	c := &compiler{src: src, env: env, used: map[string]int{}, hoisted: map[string]*cnode{}}
	if err := c.setup(); err != nil {
		return nil, err
	}
	tree, err := c.parseCheck()
	if err != nil {
		return nil, err
	}
	c.tree = tree
	return c.vmProgram(tree.Node)
}

// columnsOf is the compiler's column table for a schema.
func columnsOf(s *arrow.Schema) map[string]*column {
	out := map[string]*column{}
	for i, f := range s.Fields() {
		k, ok := colKind(f.Type)
		out[f.Name] = &column{name: f.Name, index: i, k: k, ok: ok}
	}
	return out
}

// vmEnvTypes is an example environment for expr.Compile: a zero value of
// each column's Go type, and the params.
func vmEnvTypes(s *arrow.Schema, params map[string]any) map[string]any {
	env := map[string]any{"params": params}
	for _, f := range s.Fields() {
		k, _ := colKind(f.Type)
		switch k {
		case kInt:
			env[f.Name] = 0
		case kFloat:
			env[f.Name] = 0.0
		case kString:
			env[f.Name] = ""
		case kBool:
			env[f.Name] = false
		case kDate, kTime:
			env[f.Name] = time.Time{}
		}
	}
	return env
}

// columnValues returns the columns of rec as expr sees their values:
// int, float64, string, bool, time.Time (UTC), nil for nulls.
func columnValues(t *testing.T, rec arrow.RecordBatch) map[string][]any {
	out := map[string][]any{}
	for c, f := range rec.Schema().Fields() {
		vs := values(t, rec.Column(c))
		for i, v := range vs {
			if x, ok := v.(int64); ok {
				vs[i] = int(x)
			}
		}
		out[f.Name] = vs
	}
	return out
}

func rowOf(cols map[string][]any, i int) map[string]any {
	row := make(map[string]any, len(cols)+1)
	for name, vs := range cols {
		row[name] = vs[i]
	}
	return row
}
