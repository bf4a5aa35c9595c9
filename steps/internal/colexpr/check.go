package colexpr

import (
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/checker"
	"github.com/expr-lang/expr/conf"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/types"

	"github.com/aftercare/aftercare/workflow"
)

// Error is a compile error with its position inside the expression
// source. Line and Col are 1-based; Col counts characters (runes). The
// caller adds the position of the expression in its file.
type Error struct {
	Line, Col int
	Msg       string
}

// Error formats the error as "line:col: msg".
func (e *Error) Error() string { return fmt.Sprintf("%d:%d: %s", e.Line, e.Col, e.Msg) }

// paramsName is the identifier under which the recipe params are seen.
const paramsName = "params"

// colAlias is the identifier a column named "params" is reached by, through
// col("params"); no expression can spell it directly.
const colAlias = "$col:params"

// predicateBuiltins are expr's builtins that take a predicate; they stay
// available (over lists) and run on expr's VM.
var predicateBuiltins = []string{"all", "any", "count", "filter", "find", "findIndex", "findLast",
	"findLastIndex", "groupBy", "map", "none", "one", "reduce", "sortBy", "sum"}

// column describes a column of the schema as the compiler sees it.
type column struct {
	name  string // name in the schema
	index int    // field index in the schema
	k     kind
	ok    bool // the evaluator can read its type
}

// errAt returns an Error at rune offset pos of src.
func errAt(src string, pos int, format string, args ...any) *Error {
	line, col := 1, 1
	i := 0
	for _, r := range src {
		if i >= pos {
			break
		}
		if r == '\n' {
			line++
			col = 1
		} else {
			col++
		}
		i++
	}
	return &Error{Line: line, Col: col, Msg: fmt.Sprintf(format, args...)}
}

// setup builds the compiler's view of the environment: the columns, the
// params converted to the values expr's VM uses, the typed environment
// the checker sees, the function table and expr's configuration.
func (c *compiler) setup() error {
	c.columns = map[string]*column{}
	for i, f := range c.env.Schema.Fields() {
		name := f.Name
		if name == paramsName {
			name = colAlias
		}
		if _, dup := c.columns[name]; dup {
			continue // the first of duplicate names wins
		}
		k, ok := colKind(f.Type)
		c.columns[name] = &column{name: f.Name, index: i, k: k, ok: ok}
		c.colNames = append(c.colNames, f.Name)
	}

	c.vmParams = make(map[string]any, len(c.env.Params))
	c.paramKinds = make(map[string]kind, len(c.env.Params))
	paramTypes := types.Map{}
	for name, v := range c.env.Params {
		gv, t, err := paramValue(v)
		if err != nil {
			return &Error{Line: 1, Col: 1, Msg: fmt.Sprintf("param %s: %v", name, err)}
		}
		c.vmParams[name] = gv
		paramTypes[name] = t
		c.paramNames = append(c.paramNames, paramsName+"."+name)
	}
	sort.Strings(c.paramNames)

	envTypes := types.Map{paramsName: paramTypes}
	for name, col := range c.columns {
		envTypes[name] = goType(col)
	}

	c.fns = functions(c.env)
	cfg := conf.CreateNew()
	cfg.WithEnv(envTypes)
	cfg.Optimize = false
	for name := range cfg.Builtins {
		cfg.Disabled[name] = true
		delete(cfg.Builtins, name)
	}
	names := make([]string, 0, len(c.fns))
	for name := range c.fns {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		f := c.fns[name]
		expr.Function(name, f.row, f.types...)(cfg)
	}
	c.cfg = cfg
	return nil
}

// goType returns the type the checker gives a column.
func goType(col *column) types.Type {
	switch col.k {
	case kInt:
		return types.Int
	case kFloat:
		return types.Float64
	case kString:
		return types.String
	case kBool:
		return types.Bool
	case kDate, kTime:
		return types.TypeOf(time.Time{})
	}
	return types.Any
}

// paramValue converts a resolved param to the value expr's VM sees (int64
// becomes int, times are UTC with microsecond precision, lists become
// []any) and the type the checker sees.
func paramValue(v any) (any, types.Type, error) {
	switch v := v.(type) {
	case nil:
		return nil, types.Nil, nil
	case string:
		return v, types.String, nil
	case bool:
		return v, types.Bool, nil
	case int:
		return v, types.Int, nil
	case int64:
		return int(v), types.Int, nil
	case int32:
		return int(v), types.Int, nil
	case float64:
		return v, types.Float64, nil
	case float32:
		return float64(v), types.Float64, nil
	case time.Time:
		return normTime(v), types.TypeOf(time.Time{}), nil
	case time.Duration:
		return v, types.TypeOf(time.Duration(0)), nil
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		list := make([]any, rv.Len())
		var elem types.Type
		same := true
		for i := range list {
			gv, t, err := paramValue(rv.Index(i).Interface())
			if err != nil {
				return nil, nil, fmt.Errorf("item %d: %w", i, err)
			}
			list[i] = gv
			if i == 0 {
				elem = t
			} else if same && !elem.Equal(t) {
				same = false
			}
		}
		if same && elem != nil && elem != types.Nil {
			return list, types.Array(elem), nil
		}
		return list, types.TypeOf([]any{}), nil
	case reflect.Map:
		return v, types.TypeOf(v), nil
	}
	return nil, nil, fmt.Errorf("unsupported value of type %T", v)
}

// parseCheck parses and type-checks the source with expr, after
// rewriting col("name") into a column reference and coalesce(a, b, ...)
// into a ?? b ?? ..., and returns the checked tree.
func (c *compiler) parseCheck() (tree *parser.Tree, err error) {
	defer func() {
		if r := recover(); r != nil {
			tree, err = nil, &Error{Line: 1, Col: 1, Msg: fmt.Sprintf("internal error in expr: %v", r)}
		}
	}()
	tree, err = parser.ParseWithConfig(c.src, c.cfg)
	if err != nil {
		return nil, c.convertError(err)
	}
	rw := &rewriter{c: c}
	ast.Walk(&tree.Node, rw)
	if rw.err != nil {
		return nil, rw.err
	}
	if _, err := checker.Check(tree, c.cfg); err != nil {
		return nil, c.convertError(err)
	}
	return tree, nil
}

// convertError turns one of expr's errors into an Error, adding a
// did-you-mean to unknown names.
func (c *compiler) convertError(err error) *Error {
	var fe *file.Error
	if !errors.As(err, &fe) {
		return &Error{Line: 1, Col: 1, Msg: err.Error()}
	}
	msg := typeNames.Replace(strings.TrimSpace(fe.Message))
	if name, ok := strings.CutPrefix(msg, "unknown name "); ok {
		// Columns first: they are what a misspelt name most often means.
		s := workflow.Suggest(name, c.colNames)
		if s == "" {
			s = workflow.Suggest(name, c.candidates())
		}
		if s != "" {
			msg += " (did you mean " + s + "?)"
		}
	}
	line := max(fe.Line, 1)
	return &Error{Line: line, Col: fe.Column + 1, Msg: msg}
}

// typeNames replaces the Go type names in expr's messages by the names
// recipes use.
var typeNames = strings.NewReplacer(
	"[]interface {}", "list",
	"map[string]interface {}", "map",
	"interface {}", "any",
	"time.Time", "date/time",
	"time.Duration", "duration",
	"float64", "float",
)

// candidates lists the names an identifier may spell: columns (those that
// are identifiers), params and functions.
func (c *compiler) candidates() []string {
	names := []string{paramsName, "col", "coalesce"}
	for _, n := range c.colNames {
		if isIdent(n) {
			names = append(names, n)
		}
	}
	for n := range c.fns {
		names = append(names, n)
	}
	names = append(names, predicateBuiltins...)
	sort.Strings(names)
	return names
}

func isIdent(s string) bool {
	for i, r := range s {
		if !(r == '_' || r == '$' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return s != "" && utf8.ValidString(s)
}

// rewriter is the pre-pass run on expr's parse tree before type checking.
type rewriter struct {
	c   *compiler
	err *Error
	pos int
}

func (r *rewriter) fail(pos int, format string, args ...any) {
	if r.err == nil || pos < r.pos {
		r.err = errAt(r.c.src, pos, format, args...)
		r.pos = pos
	}
}

// Visit implements ast.Visitor.
func (r *rewriter) Visit(node *ast.Node) {
	switch n := (*node).(type) {
	case *ast.CallNode:
		id, ok := n.Callee.(*ast.IdentifierNode)
		if !ok {
			return
		}
		switch id.Value {
		case "col":
			r.col(node, n)
		case "coalesce":
			if len(n.Arguments) == 0 {
				r.fail(n.Location().From, "not enough arguments to call coalesce")
				return
			}
			out := n.Arguments[len(n.Arguments)-1]
			for i := len(n.Arguments) - 2; i >= 0; i-- {
				b := &ast.BinaryNode{Operator: "??", Left: n.Arguments[i], Right: out}
				b.SetLocation(n.Location())
				out = b
			}
			ast.Patch(node, out)
		}
	case *ast.MemberNode:
		id, ok := n.Node.(*ast.IdentifierNode)
		if !ok || id.Value != paramsName {
			return
		}
		prop, ok := n.Property.(*ast.StringNode)
		if !ok {
			return
		}
		if _, ok := r.c.vmParams[prop.Value]; !ok {
			name := paramsName + "." + prop.Value
			r.fail(id.Location().From, "unknown name %s%s", name, workflow.DidYouMean(name, r.c.paramNames))
		}
	}
}

// col rewrites col("name") into a reference to the column.
func (r *rewriter) col(node *ast.Node, n *ast.CallNode) {
	if len(n.Arguments) != 1 {
		r.fail(n.Location().From, "col takes one argument, the column name as a string literal")
		return
	}
	s, ok := n.Arguments[0].(*ast.StringNode)
	if !ok {
		r.fail(n.Arguments[0].Location().From, "col needs a string literal naming a column")
		return
	}
	name := s.Value
	if name == paramsName {
		name = colAlias
	}
	if _, ok := r.c.columns[name]; !ok {
		r.fail(s.Location().From, "unknown column %q%s", s.Value, workflow.DidYouMean(s.Value, r.c.colNames))
		return
	}
	ast.Patch(node, &ast.IdentifierNode{Value: name})
}

// schemaOrder sorts column references by their position in the schema.
func schemaOrder(cols []*column) []*column {
	sort.Slice(cols, func(i, j int) bool { return cols[i].index < cols[j].index })
	return cols
}

// arrowType returns the canonical Arrow type of kind k.
func arrowType(k kind) arrow.DataType {
	switch k {
	case kInt:
		return workflow.Int64
	case kFloat:
		return workflow.Float64
	case kString:
		return workflow.String
	case kBool:
		return workflow.Bool
	case kDate:
		return workflow.Date
	case kTime:
		return workflow.Timestamp
	}
	return nil
}
