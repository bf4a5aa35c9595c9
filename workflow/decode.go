package workflow

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Unmarshaler is implemented by config types that decode themselves from
// a YAML node, for shapes a plain struct cannot express (an int or a
// {min, max} range, say). The node has already had parameters
// interpolated. Report problems with d.Errorf.
type Unmarshaler interface {
	UnmarshalRecipe(d *Decoder, n *yaml.Node, path string)
}

// maxNodes bounds how many YAML nodes one recipe may expand to, following
// aliases, so an alias bomb is refused instead of exhausting memory.
const maxNodes = 200_000

// Decoder turns YAML nodes into config structs strictly: unknown keys (with
// a did-you-mean), wrong types, missing required fields and out-of-range
// values become diagnostics; every decoded value's position is recorded
// by its config path. It interpolates ${params.x} and ${env:VAR:-default}.
type Decoder struct {
	file      string
	params    map[string]*Param
	env       func(string) (string, bool)
	diags     *Diagnostics
	step      string
	positions map[string]Pos
	nodes     int
	skipKeys  map[string]bool
	enum      []string
	lines     []string // the recipe's source lines, for block-scalar offsets
}

// Errorf reports a diagnostic at n for the config path.
func (d *Decoder) Errorf(n *yaml.Node, path, format string, args ...any) {
	*d.diags = append(*d.diags, Diagnostic{Pos: d.pos(n), Step: d.step, Path: path, Msg: fmt.Sprintf(format, args...)})
}

func (d *Decoder) pos(n *yaml.Node) Pos {
	if n == nil {
		return Pos{File: d.file}
	}
	return Pos{File: d.file, Line: n.Line, Col: n.Column}
}

// Pos returns the file position of node n.
func (d *Decoder) Pos(n *yaml.Node) Pos { return d.pos(n) }

// Decode decodes n into the value pointed to by v, recording positions
// under path.
func (d *Decoder) Decode(n *yaml.Node, v any, path string) {
	d.decode(n, reflect.ValueOf(v).Elem(), path)
}

func (d *Decoder) resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

func (d *Decoder) count() bool {
	d.nodes++
	return d.nodes <= maxNodes
}

func (d *Decoder) decode(n *yaml.Node, v reflect.Value, path string) {
	if !d.count() {
		if d.nodes == maxNodes+1 {
			d.Errorf(n, path, "recipe expands to more than %d YAML nodes (an alias bomb?): refusing it", maxNodes)
		}
		return
	}
	n = d.resolve(n)
	if n == nil {
		return
	}
	if d.positions != nil {
		d.positions[path] = d.pos(n)
	}
	if n.Kind == yaml.ScalarNode && d.env != nil && (strings.Contains(n.Value, "${") || strings.Contains(n.Value, "$$")) {
		n = d.interpolate(n, path, v.Type())
		if n == nil {
			return
		}
	}
	if v.CanAddr() {
		if u, ok := v.Addr().Interface().(Unmarshaler); ok {
			u.UnmarshalRecipe(d, n, path)
			return
		}
	}
	t := v.Type()
	switch t {
	case refType:
		if s, ok := d.scalarString(n, path, "a step reference"); ok {
			v.Set(reflect.ValueOf(parseRef(s, d.pos(n))))
		}
		return
	case columnType:
		if s, ok := d.scalarString(n, path, "a column name"); ok {
			if s == "" {
				d.Errorf(n, path, "empty column name")
			}
			v.Set(reflect.ValueOf(Column{Name: s, Pos: d.pos(n)}))
		}
		return
	case exprType:
		if n.Kind != yaml.ScalarNode {
			d.Errorf(n, path, "expected an expression, got %s", kindName(n))
			return
		}
		e := Expr{Src: n.Value, Pos: d.pos(n)}
		switch n.Style {
		case yaml.LiteralStyle, yaml.FoldedStyle:
			e.block = true
			e.ind = d.blockIndent(n.Line)
		case yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle:
			e.quote = 1
		}
		if n.Tag == "!!bool" || n.Tag == "!!int" || n.Tag == "!!float" || n.Tag == "!!null" {
			e.Src = n.Value
		}
		v.Set(reflect.ValueOf(e))
		return
	}
	switch t.Kind() {
	case reflect.Pointer:
		if n.Tag == "!!null" {
			return
		}
		nv := reflect.New(t.Elem())
		d.decode(n, nv.Elem(), path)
		v.Set(nv)
	case reflect.String:
		if s, ok := d.scalarString(n, path, "a string"); ok {
			v.SetString(s)
			d.checkEnum(n, path, s)
		}
	case reflect.Bool:
		if n.Kind != yaml.ScalarNode {
			d.Errorf(n, path, "expected true or false, got %s", kindName(n))
			return
		}
		b, err := strconv.ParseBool(n.Value)
		if err != nil || n.Tag == "!!str" && n.Style != 0 {
			d.Errorf(n, path, "expected true or false, got %q", n.Value)
			return
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int64, reflect.Int32:
		if t == reflect.TypeFor[time.Duration]() {
			if s, ok := d.scalarString(n, path, "a duration"); ok {
				dur, err := ParseDuration(s)
				if err != nil {
					d.Errorf(n, path, "%v", err)
					return
				}
				v.SetInt(int64(dur))
			}
			return
		}
		if n.Kind != yaml.ScalarNode {
			d.Errorf(n, path, "expected an integer, got %s", kindName(n))
			return
		}
		i, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 64)
		if err != nil {
			f, ferr := strconv.ParseFloat(n.Value, 64)
			if ferr == nil && f == math.Trunc(f) && math.Abs(f) < 1<<53 {
				i = int64(f)
			} else {
				d.Errorf(n, path, "expected an integer, got %q", n.Value)
				return
			}
		}
		v.SetInt(i)
	case reflect.Uint64, reflect.Uint, reflect.Uint32:
		if n.Kind != yaml.ScalarNode {
			d.Errorf(n, path, "expected a non-negative integer, got %s", kindName(n))
			return
		}
		u, err := strconv.ParseUint(strings.ReplaceAll(n.Value, "_", ""), 0, 64)
		if err != nil {
			d.Errorf(n, path, "expected a non-negative integer, got %q", n.Value)
			return
		}
		v.SetUint(u)
	case reflect.Float64, reflect.Float32:
		if n.Kind != yaml.ScalarNode {
			d.Errorf(n, path, "expected a number, got %s", kindName(n))
			return
		}
		f, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64)
		if err != nil {
			switch strings.ToLower(n.Value) {
			case ".inf", "+.inf":
				f = math.Inf(1)
			case "-.inf":
				f = math.Inf(-1)
			default:
				d.Errorf(n, path, "expected a number, got %q", n.Value)
				return
			}
		}
		v.SetFloat(f)
	case reflect.Slice:
		if t.Implements(orderedMapType) {
			d.decodeOrderedMap(n, v, path)
			return
		}
		if n.Kind != yaml.SequenceNode {
			d.Errorf(n, path, "expected a list, got %s", kindName(n))
			return
		}
		s := reflect.MakeSlice(t, len(n.Content), len(n.Content))
		for i, c := range n.Content {
			d.decode(c, s.Index(i), indexPath(path, i))
		}
		v.Set(s)
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			d.Errorf(n, path, "expected a mapping, got %s", kindName(n))
			return
		}
		if t.Key().Kind() != reflect.String {
			panic("workflow: config maps must have string keys")
		}
		m := reflect.MakeMapWithSize(t, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := d.resolve(n.Content[i])
			ev := reflect.New(t.Elem()).Elem()
			d.decode(n.Content[i+1], ev, joinPath(path, k.Value))
			m.SetMapIndex(reflect.ValueOf(k.Value).Convert(t.Key()), ev)
		}
		v.Set(m)
	case reflect.Struct:
		d.decodeStruct(n, v, path)
	case reflect.Interface:
		if x := d.decodeAny(n, path); x != nil {
			v.Set(reflect.ValueOf(x))
		}
	default:
		panic(fmt.Sprintf("workflow: unsupported config field type %s", t))
	}
}

func (d *Decoder) decodeOrderedMap(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.Errorf(n, path, "expected a mapping, got %s", kindName(n))
		return
	}
	t := v.Type()
	s := reflect.MakeSlice(t, 0, len(n.Content)/2)
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := d.resolve(n.Content[i])
		if seen[k.Value] {
			d.Errorf(k, joinPath(path, k.Value), "duplicate key %q", k.Value)
			continue
		}
		seen[k.Value] = true
		e := reflect.New(t.Elem()).Elem()
		e.FieldByName("Key").SetString(k.Value)
		e.FieldByName("Pos").Set(reflect.ValueOf(d.pos(k)))
		d.decode(n.Content[i+1], e.FieldByName("Value"), joinPath(path, k.Value))
		s = reflect.Append(s, e)
	}
	v.Set(s)
}

func (d *Decoder) decodeStruct(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.Errorf(n, path, "expected a mapping, got %s", kindName(n))
		return
	}
	fields := structFields(v.Type())
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := d.resolve(n.Content[i])
		key := k.Value
		if d.skipKeys != nil && path == "" && d.skipKeys[key] {
			continue
		}
		if seen[key] {
			d.Errorf(k, joinPath(path, key), "duplicate key %q", key)
			continue
		}
		seen[key] = true
		f, ok := fields.byName[key]
		if !ok {
			names := append([]string(nil), fields.names...)
			if path == "" {
				for s := range d.skipKeys {
					names = append(names, s)
				}
			}
			where := "here"
			if path != "" {
				where = "in " + path
			}
			d.Errorf(k, joinPath(path, key), "unknown key %q %s%s", key, where, DidYouMean(key, names))
			continue
		}
		fp := joinPath(path, key)
		fv := v.FieldByIndex(f.index)
		before := len(*d.diags)
		d.decodeField(n.Content[i+1], fv, fp, f)
		_ = before
	}
	for _, f := range fields.list {
		if f.required && !seen[f.name] {
			d.Errorf(n, path, "missing required key %q", f.name)
		}
	}
	if pf, ok := v.Type().FieldByName("Pos"); ok && pf.Type == posType {
		v.FieldByName("Pos").Set(reflect.ValueOf(d.pos(n)))
	}
}

// decodeField decodes one struct field and applies its tag constraints.
func (d *Decoder) decodeField(n *yaml.Node, fv reflect.Value, path string, f fieldInfo) {
	saved := d.enum
	d.enum = f.enum
	d.decode(n, fv, path)
	d.enum = saved
	rn := d.resolve(n)
	num, isNum := numberOf(fv)
	if isNum {
		if f.min != nil && num < *f.min {
			d.Errorf(rn, path, "%v is below the minimum %v", fmtNum(num), fmtNum(*f.min))
		}
		if f.max != nil && num > *f.max {
			d.Errorf(rn, path, "%v is above the maximum %v", fmtNum(num), fmtNum(*f.max))
		}
	}
	if fv.Kind() == reflect.Slice && !fv.Type().Implements(orderedMapType) && f.minItems > 0 && fv.Len() < f.minItems && rn != nil && rn.Kind == yaml.SequenceNode {
		d.Errorf(rn, path, "needs at least %d item(s), got %d", f.minItems, fv.Len())
	}
}

func numberOf(v reflect.Value) (float64, bool) {
	switch v.Kind() {
	case reflect.Int, reflect.Int64, reflect.Int32:
		if v.Type() == reflect.TypeFor[time.Duration]() {
			return 0, false
		}
		return float64(v.Int()), true
	case reflect.Uint, reflect.Uint64, reflect.Uint32:
		return float64(v.Uint()), true
	case reflect.Float64, reflect.Float32:
		return v.Float(), true
	case reflect.Pointer:
		if !v.IsNil() {
			return numberOf(v.Elem())
		}
	}
	return 0, false
}

func fmtNum(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

func (d *Decoder) scalarString(n *yaml.Node, path, what string) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		d.Errorf(n, path, "expected %s, got %s", what, kindName(n))
		return "", false
	}
	if n.Tag == "!!null" {
		d.Errorf(n, path, "expected %s, got null", what)
		return "", false
	}
	return n.Value, true
}

func (d *Decoder) checkEnum(n *yaml.Node, path, s string) {
	if len(d.enum) == 0 {
		return
	}
	for _, e := range d.enum {
		if e == s {
			return
		}
	}
	d.Errorf(n, path, "%q is not one of %s%s", s, strings.Join(d.enum, ", "), DidYouMean(s, d.enum))
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "null"
		}
		return fmt.Sprintf("%q", n.Value)
	}
	return "a document"
}

func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func indexPath(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }

// blockIndent returns the 1-based column where the content of a block
// scalar whose indicator is on line starts.
func (d *Decoder) blockIndent(line int) int {
	for l := line; l < len(d.lines); l++ { // d.lines[l] is file line l+1
		text := d.lines[l]
		if strings.TrimSpace(text) == "" {
			continue
		}
		return len(text) - len(strings.TrimLeft(text, " ")) + 1
	}
	return 1
}

// decodeAny decodes a node into plain Go values (map[string]any, []any,
// string, int64, float64, bool, nil), counting nodes through aliases.
func (d *Decoder) decodeAny(n *yaml.Node, path string) any {
	if !d.count() {
		if d.nodes == maxNodes+1 {
			d.Errorf(n, path, "recipe expands to more than %d YAML nodes (an alias bomb?): refusing it", maxNodes)
		}
		return nil
	}
	n = d.resolve(n)
	switch n.Kind {
	case yaml.MappingNode:
		m := map[string]any{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := d.resolve(n.Content[i]).Value
			m[k] = d.decodeAny(n.Content[i+1], joinPath(path, k))
		}
		return m
	case yaml.SequenceNode:
		out := make([]any, len(n.Content))
		for i, c := range n.Content {
			out[i] = d.decodeAny(c, indexPath(path, i))
		}
		return out
	case yaml.ScalarNode:
		var x any
		if err := n.Decode(&x); err != nil {
			d.Errorf(n, path, "%v", err)
			return nil
		}
		if i, ok := x.(int); ok {
			return int64(i)
		}
		return x
	}
	return nil
}
