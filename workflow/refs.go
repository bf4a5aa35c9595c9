package workflow

import (
	"reflect"
	"strings"
)

// Ref is a reference from a step's config to another step's output: "id"
// for the main output, "id.port" for a named one. A config field of type
// Ref (or []Ref) is an input edge of the DAG; the engine finds them by
// reflection, so a step type declares its inputs simply by having them.
type Ref struct {
	Step string // step id
	Port string // output port; "" for the main output
	Pos  Pos
}

// String formats r as it is written in a recipe.
func (r Ref) String() string {
	if r.Port == "" {
		return r.Step
	}
	return r.Step + "." + r.Port
}

// IsZero reports whether the reference is unset.
func (r Ref) IsZero() bool { return r.Step == "" }

func parseRef(s string, pos Pos) Ref {
	if i := strings.IndexByte(s, '.'); i >= 0 {
		return Ref{Step: s[:i], Port: s[i+1:], Pos: pos}
	}
	return Ref{Step: s, Pos: pos}
}

// Expr is an expression written in a recipe, with the position and style
// of its YAML scalar so that an error at line:col inside the expression
// maps back to the exact place in the file.
type Expr struct {
	Src   string
	Pos   Pos
	block bool // literal or folded block scalar: content starts on the next line
	quote int  // 1 for a quoted flow scalar (the content starts one column later)
	ind   int  // block scalar indentation column (1-based) of the content
}

// At maps a 1-based line and column inside the expression text to a
// position in the recipe file.
func (e Expr) At(line, col int) Pos {
	p := e.Pos
	if line < 1 {
		line = 1
	}
	if col < 1 {
		col = 1
	}
	if e.block {
		p.Line += line
		p.Col = e.ind + col - 1
		return p
	}
	if line == 1 {
		p.Col += e.quote + col - 1
		return p
	}
	p.Line += line - 1
	p.Col = col
	return p
}

// Column is a column name written in a recipe, with its position.
type Column struct {
	Name string
	Pos  Pos
}

// Names returns the names of cols.
func Names(cols []Column) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.Name
	}
	return out
}

// Entry is one key of a Map, in file order.
type Entry[T any] struct {
	Key   string
	Pos   Pos // position of the key
	Value T
}

// Map is a YAML mapping decoded in file order, for configs where order is
// meaningful (output columns of an aggregate, say).
type Map[T any] []Entry[T]

func (Map[T]) recipeMap() {}

// Keys returns the keys of m in order.
func (m Map[T]) Keys() []string {
	out := make([]string, len(m))
	for i, e := range m {
		out[i] = e.Key
	}
	return out
}

type orderedMap interface{ recipeMap() }

var (
	refType        = reflect.TypeFor[Ref]()
	exprType       = reflect.TypeFor[Expr]()
	columnType     = reflect.TypeFor[Column]()
	posType        = reflect.TypeFor[Pos]()
	orderedMapType = reflect.TypeFor[orderedMap]()
)

// collectRefs returns every Ref in the config value v, with its path.
func collectRefs(v reflect.Value, path string, out *[]refAt) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			collectRefs(v.Elem(), path, out)
		}
	case reflect.Struct:
		if v.Type() == refType {
			r := v.Interface().(Ref)
			if !r.IsZero() {
				*out = append(*out, refAt{Ref: r, Path: path})
			}
			return
		}
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name := fieldName(f)
			if name == "-" {
				continue
			}
			collectRefs(v.Field(i), joinPath(path, name), out)
		}
	case reflect.Slice:
		if v.Type().Implements(orderedMapType) {
			for i := range v.Len() {
				e := v.Index(i)
				collectRefs(e.FieldByName("Value"), joinPath(path, e.FieldByName("Key").String()), out)
			}
			return
		}
		for i := range v.Len() {
			collectRefs(v.Index(i), indexPath(path, i), out)
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			collectRefs(v.MapIndex(k), joinPath(path, k.String()), out)
		}
	}
}

type refAt struct {
	Ref  Ref
	Path string
}
