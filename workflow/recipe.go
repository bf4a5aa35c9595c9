package workflow

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// MaxRecipeBytes is the largest recipe file aftercare reads. Real recipes
// are a few kilobytes; the bound keeps a runaway file from exhausting
// memory.
const MaxRecipeBytes = 4 << 20

// Recipe is a parsed recipe file: its source, top-level fields, parameter
// declarations and step nodes, with positions. Step configs are decoded
// by Plan, once parameters are resolved.
type Recipe struct {
	Path        string // as given
	Dir         string // absolute folder of the recipe; relative input paths resolve here
	SHA256      string
	Source      []byte
	Version     int
	Name        string
	Description string
	Params      []*Param
	Steps       []*StepNode

	paramNodes map[string]*yaml.Node
	lines      []string
	diags      Diagnostics // problems found while parsing; Build reports them with its own
}

// StepNode is one step of a recipe before its config is decoded.
type StepNode struct {
	ID          string
	Type        string
	Description string
	After       []string // explicit ordering dependencies without data
	Pos         Pos      // the step's mapping
	IDPos       Pos
	TypePos     Pos
	Node        *yaml.Node
}

var (
	nameRE   = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]*$`)
	stepIDRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)
)

// Load reads and parses a recipe file. An I/O problem is returned as an
// error; problems in the recipe itself come back as Diagnostics, all of
// them, with positions.
func Load(path string) (*Recipe, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	src, err := io.ReadAll(io.LimitReader(f, MaxRecipeBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read recipe: %w", err)
	}
	if len(src) > MaxRecipeBytes {
		return nil, Diagnostics{{Pos: Pos{File: path}, Msg: fmt.Sprintf("recipe is larger than %d MiB: refusing to parse it", MaxRecipeBytes>>20)}}
	}
	return Parse(path, src)
}

// Parse parses recipe source; path names it in diagnostics and locates
// relative input paths. When the source is valid YAML with a mapping at
// the top, Parse returns a Recipe even if it found problems (returned as
// Diagnostics too), so that Build can report them together with the
// problems in the steps.
func Parse(path string, src []byte) (*Recipe, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(src)
	r := &Recipe{Path: path, Dir: filepath.Dir(abs), SHA256: hex.EncodeToString(sum[:]), Source: src,
		paramNodes: map[string]*yaml.Node{}, lines: strings.Split(string(src), "\n")}
	var diags Diagnostics
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(src))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, Diagnostics{{Pos: Pos{File: path, Line: 1, Col: 1}, Msg: "recipe is empty"}}
		}
		return nil, Diagnostics{syntaxDiagnostic(path, src, err)}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		diags = append(diags, Diagnostic{Pos: Pos{File: path, Line: extra.Line, Col: extra.Column}, Msg: "a recipe is one YAML document; found a second one"})
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	d := &Decoder{file: path, diags: &diags, lines: r.lines}
	if root.Kind != yaml.MappingNode {
		d.Errorf(root, "", "a recipe is a mapping with version, name, params and steps; got %s", kindName(root))
		return nil, diags
	}
	top := []string{"version", "name", "description", "params", "steps"}
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if _, dup := seen[k.Value]; dup {
			d.Errorf(k, k.Value, "duplicate key %q", k.Value)
			continue
		}
		seen[k.Value] = k
		switch k.Value {
		case "version":
			if v.Kind != yaml.ScalarNode || v.Value != "1" {
				d.Errorf(v, "version", "unsupported recipe version %s: this aftercare reads version 1", kindName(v))
			}
			r.Version = 1
		case "name":
			var s string
			d.Decode(v, &s, "name")
			if s != "" && !nameRE.MatchString(s) {
				d.Errorf(v, "name", "recipe name %q must be lower-case letters, digits, '.', '_' or '-' (it names the output folder)", s)
			}
			r.Name = s
		case "description":
			d.Decode(v, &r.Description, "description")
		case "params":
			r.parseParams(d, v)
		case "steps":
			r.parseSteps(d, v)
		default:
			d.Errorf(k, k.Value, "unknown key %q at the top of the recipe%s", k.Value, DidYouMean(k.Value, top))
		}
	}
	for _, req := range []string{"version", "name", "steps"} {
		if seen[req] == nil {
			d.Errorf(root, "", "missing required key %q", req)
		}
	}
	if len(diags) > 0 {
		diags.Sort()
		r.diags = diags
		return r, diags
	}
	return r, nil
}

func (r *Recipe) parseParams(d *Decoder, n *yaml.Node) {
	n = d.resolve(n)
	if n.Kind != yaml.MappingNode {
		d.Errorf(n, "params", "expected a mapping of parameter names to declarations, got %s", kindName(n))
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], d.resolve(n.Content[i+1])
		path := "params." + k.Value
		if !stepIDRE.MatchString(k.Value) {
			d.Errorf(k, path, "parameter name %q must be an identifier (letters, digits, _)", k.Value)
			continue
		}
		var decl paramDecl
		before := len(*d.diags)
		d.Decode(v, &decl, path)
		p := &Param{Name: k.Value, Type: decl.Type, Doc: decl.Doc, Min: decl.Min, Max: decl.Max, Enum: decl.Enum, Items: decl.Items, Pos: d.pos(k)}
		for _, q := range r.Params {
			if q.Name == p.Name {
				d.Errorf(k, path, "duplicate parameter %q", p.Name)
			}
		}
		if len(*d.diags) > before {
			r.Params = append(r.Params, p)
			continue
		}
		if decl.Default != nil {
			p.HasDefault = true
			p.Default = normaliseYAML(decl.Default)
			r.paramNodes[p.Name] = valueChild(v, "default")
			if _, err := p.convert(p.Default, false, r.Dir); err != nil {
				d.Errorf(r.paramNodes[p.Name], path+".default", "%v", err)
			}
		}
		r.Params = append(r.Params, p)
	}
}

// normaliseYAML turns yaml.v3's generic values into the ones Param.convert
// takes (ints as int64).
func normaliseYAML(v any) any {
	switch x := v.(type) {
	case int:
		return int64(x)
	case uint64:
		return strconv.FormatUint(x, 10)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normaliseYAML(e)
		}
		return out
	}
	return v
}

func valueChild(n *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return n
}

func (r *Recipe) parseSteps(d *Decoder, n *yaml.Node) {
	n = d.resolve(n)
	if n.Kind != yaml.SequenceNode {
		d.Errorf(n, "steps", "expected a list of steps, got %s", kindName(n))
		return
	}
	if len(n.Content) == 0 {
		d.Errorf(n, "steps", "a recipe needs at least one step")
	}
	ids := map[string]bool{}
	for i, s := range n.Content {
		s = d.resolve(s)
		path := fmt.Sprintf("steps[%d]", i)
		if s.Kind != yaml.MappingNode {
			d.Errorf(s, path, "expected a step (a mapping with id and type), got %s", kindName(s))
			continue
		}
		st := &StepNode{Node: s, Pos: d.pos(s)}
		for j := 0; j+1 < len(s.Content); j += 2 {
			k, v := s.Content[j], d.resolve(s.Content[j+1])
			switch k.Value {
			case "id":
				d.Decode(v, &st.ID, path+".id")
				st.IDPos = d.pos(v)
			case "type":
				d.Decode(v, &st.Type, path+".type")
				st.TypePos = d.pos(v)
			case "description":
				d.Decode(v, &st.Description, path+".description")
			case "after":
				d.Decode(v, &st.After, path+".after")
			}
		}
		if st.ID == "" {
			d.Errorf(s, path, "missing required key \"id\"")
		} else if !stepIDRE.MatchString(st.ID) {
			d.Errorf(valueChild(s, "id"), path+".id", "step id %q must start with a letter or _ and hold only letters, digits, _ and - (dots separate output ports)", st.ID)
		} else if ids[st.ID] {
			d.Errorf(valueChild(s, "id"), path+".id", "duplicate step id %q", st.ID)
		}
		ids[st.ID] = true
		if st.Type == "" {
			d.Errorf(s, path, "missing required key \"type\"")
		}
		r.Steps = append(r.Steps, st)
	}
}

var lineRE = regexp.MustCompile(`line (\d+)(?:, column (\d+))?`)

// syntaxDiagnostic turns a YAML parse error into a positioned diagnostic.
// The YAML parser names the line where the enclosing construct starts;
// the line with the actual mistake is found by parsing ever longer
// prefixes of the source (binary search on the first prefix that fails).
func syntaxDiagnostic(path string, src []byte, err error) Diagnostic {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	pos := Pos{File: path, Line: 1, Col: 1}
	ctxLine := 0
	if m := lineRE.FindStringSubmatch(msg); m != nil {
		ctxLine, _ = strconv.Atoi(m[1])
		pos.Line = ctxLine
		msg = strings.TrimSpace(lineRE.ReplaceAllString(msg, ""))
		msg = strings.TrimLeft(msg, ": ")
	}
	lines := strings.SplitAfter(string(src), "\n")
	fails := func(k int) bool {
		var n yaml.Node
		err := yaml.Unmarshal([]byte(strings.Join(lines[:k], "")), &n)
		return err != nil
	}
	lo, hi := 1, len(lines)
	if fails(hi) {
		for lo < hi {
			mid := (lo + hi) / 2
			if fails(mid) {
				hi = mid
			} else {
				lo = mid + 1
			}
		}
		if hi >= ctxLine {
			pos.Line = hi
			text := strings.TrimRight(lines[hi-1], "\r\n")
			pos.Col = len(text) - len(strings.TrimLeft(text, " \t")) + 1
			if ctxLine > 0 && ctxLine != hi {
				msg += fmt.Sprintf(" (in the block that starts on line %d)", ctxLine)
			}
		}
	}
	return Diagnostic{Pos: pos, Msg: "invalid YAML: " + msg}
}
