package workflow

import (
	"fmt"
	"math"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// ParamTypes lists the parameter types a recipe may declare.
var ParamTypes = []string{"string", "int", "float", "bool", "date", "timestamp", "duration", "path", "list"}

// Param is a declared recipe parameter and, after planning, its resolved
// value. Values are typed: string and path as string (paths absolute
// after resolution), int as int64, float as float64, bool, date and
// timestamp as time.Time in UTC, duration as time.Duration, list as []any.
type Param struct {
	Name       string
	Type       string
	Doc        string
	Default    any
	HasDefault bool
	Min, Max   *float64
	Enum       []string
	Items      string // element type of a list: string (default), int or float
	Value      any
	Pos        Pos
}

// paramDecl is the YAML shape of one parameter declaration.
type paramDecl struct {
	Type    string   `yaml:"type" required:"true" enum:"string|int|float|bool|date|timestamp|duration|path|list" doc:"Value type."`
	Default any      `yaml:"default" doc:"Value used when --set does not give one; without it the parameter is required."`
	Min     *float64 `yaml:"min" doc:"Smallest allowed value (int, float)."`
	Max     *float64 `yaml:"max" doc:"Largest allowed value (int, float)."`
	Enum    []string `yaml:"enum" doc:"Allowed values (string)."`
	Items   string   `yaml:"items" enum:"string|int|float" doc:"Element type of a list (default string)."`
	Doc     string   `yaml:"doc" doc:"What the parameter means."`
}

// convert turns a raw value (from YAML or from --set) into p's type,
// checking bounds and allowed values. baseDir resolves relative paths.
func (p *Param) convert(raw any, fromCLI bool, baseDir string) (any, error) {
	str := func() (string, error) {
		switch v := raw.(type) {
		case string:
			return v, nil
		case int, int64, float64, bool:
			return fmt.Sprint(v), nil
		case time.Time:
			return v.Format("2006-01-02"), nil
		}
		return "", fmt.Errorf("expected a %s, got %v", p.Type, raw)
	}
	var out any
	switch p.Type {
	case "string", "path":
		s, err := str()
		if err != nil {
			return nil, err
		}
		if p.Type == "path" && s != "" && !filepath.IsAbs(s) && baseDir != "" {
			s = filepath.Join(baseDir, s)
		}
		if len(p.Enum) > 0 && !contains(p.Enum, s) {
			return nil, fmt.Errorf("%q is not one of %s%s", s, strings.Join(p.Enum, ", "), DidYouMean(s, p.Enum))
		}
		out = s
	case "int":
		switch v := raw.(type) {
		case int:
			out = int64(v)
		case int64:
			out = v
		case float64:
			if v != math.Trunc(v) {
				return nil, fmt.Errorf("expected an integer, got %v", v)
			}
			out = int64(v)
		case string:
			i, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil {
				return nil, fmt.Errorf("expected an integer, got %q", v)
			}
			out = i
		default:
			return nil, fmt.Errorf("expected an integer, got %v", raw)
		}
	case "float":
		switch v := raw.(type) {
		case int:
			out = float64(v)
		case int64:
			out = float64(v)
		case float64:
			out = v
		case string:
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				return nil, fmt.Errorf("expected a number, got %q", v)
			}
			out = f
		default:
			return nil, fmt.Errorf("expected a number, got %v", raw)
		}
	case "bool":
		switch v := raw.(type) {
		case bool:
			out = v
		case string:
			b, err := strconv.ParseBool(strings.TrimSpace(v))
			if err != nil {
				return nil, fmt.Errorf("expected true or false, got %q", v)
			}
			out = b
		default:
			return nil, fmt.Errorf("expected true or false, got %v", raw)
		}
	case "date", "timestamp":
		if t, ok := raw.(time.Time); ok {
			out = t.UTC()
			break
		}
		s, err := str()
		if err != nil {
			return nil, err
		}
		t, err := ParseTime(s)
		if err != nil {
			return nil, err
		}
		if p.Type == "date" {
			t = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
		}
		out = t
	case "duration":
		s, err := str()
		if err != nil {
			return nil, err
		}
		d, err := ParseDuration(s)
		if err != nil {
			return nil, err
		}
		out = d
	case "list":
		var items []any
		switch v := raw.(type) {
		case []any:
			items = v
		case string:
			if strings.TrimSpace(v) != "" {
				for _, s := range strings.Split(v, ",") {
					items = append(items, strings.TrimSpace(s))
				}
			}
		default:
			items = []any{v}
		}
		elem := &Param{Name: p.Name, Type: p.Items}
		if elem.Type == "" {
			elem.Type = "string"
		}
		list := make([]any, len(items))
		for i, it := range items {
			v, err := elem.convert(it, fromCLI, "")
			if err != nil {
				return nil, fmt.Errorf("item %d: %w", i, err)
			}
			list[i] = v
		}
		if len(p.Enum) > 0 {
			for _, it := range list {
				if s, ok := it.(string); ok && !contains(p.Enum, s) {
					return nil, fmt.Errorf("%q is not one of %s%s", s, strings.Join(p.Enum, ", "), DidYouMean(s, p.Enum))
				}
			}
		}
		out = list
	default:
		return nil, fmt.Errorf("unknown parameter type %q", p.Type)
	}
	var num float64
	isNum := true
	switch v := out.(type) {
	case int64:
		num = float64(v)
	case float64:
		num = v
	default:
		isNum = false
	}
	if isNum {
		if p.Min != nil && num < *p.Min {
			return nil, fmt.Errorf("%v is below the minimum %v", fmtNum(num), fmtNum(*p.Min))
		}
		if p.Max != nil && num > *p.Max {
			return nil, fmt.Errorf("%v is above the maximum %v", fmtNum(num), fmtNum(*p.Max))
		}
	}
	return out, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// timeLayouts are the date and time layouts accepted for date and
// timestamp parameters, tried in order.
var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02"}

// ParseTime parses a date or timestamp written in a recipe or on the
// command line (RFC 3339, "2006-01-02 15:04:05" or "2006-01-02"), in UTC
// unless it names a zone.
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, l := range timeLayouts {
		if t, err := time.ParseInLocation(l, s, time.UTC); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("cannot parse %q as a date (want YYYY-MM-DD or RFC 3339)", s)
}

var durRE = regexp.MustCompile(`^\s*(\d+(?:\.\d+)?)\s*(d|day|days|w|week|weeks|h|hour|hours|m|min|minute|minutes|s|sec|second|seconds)\s*$`)

// ParseDuration parses Go durations ("36h") and day or week counts such
// as "90d", "90 days" or "2w".
func ParseDuration(s string) (time.Duration, error) {
	if m := durRE.FindStringSubmatch(s); m != nil {
		f, _ := strconv.ParseFloat(m[1], 64)
		unit := map[byte]time.Duration{'d': 24 * time.Hour, 'w': 7 * 24 * time.Hour, 'h': time.Hour, 'm': time.Minute, 's': time.Second}[m[2][0]]
		return time.Duration(f * float64(unit)), nil
	}
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("cannot parse %q as a duration (like 90d, 2w or 36h)", s)
	}
	return d, nil
}

// FormatParam formats a resolved parameter value as text, as it is
// substituted into a larger string by ${params.x}.
func FormatParam(v any) string {
	switch x := v.(type) {
	case time.Time:
		if x.Hour() == 0 && x.Minute() == 0 && x.Second() == 0 && x.Nanosecond() == 0 {
			return x.Format("2006-01-02")
		}
		return x.Format(time.RFC3339)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = FormatParam(e)
		}
		return strings.Join(parts, ",")
	case time.Duration:
		return x.String()
	}
	return fmt.Sprint(v)
}

var interpRE = regexp.MustCompile(`\$\$|\$\{([^}]*)\}`)

// interpolate substitutes ${params.x} and ${env:VAR:-default} in a scalar
// node. A scalar that is exactly one ${params.x} takes the parameter's
// typed value (a list param becomes a YAML list); otherwise the values are
// formatted into the text. It returns nil after reporting an error.
func (d *Decoder) interpolate(n *yaml.Node, path string, target interface{ String() string }) *yaml.Node {
	s := n.Value
	if m := interpRE.FindStringSubmatchIndex(s); m != nil && m[0] == 0 && m[1] == len(s) && m[2] >= 0 {
		ref := s[m[2]:m[3]]
		if name, ok := strings.CutPrefix(strings.TrimSpace(ref), "params."); ok {
			p, ok := d.params[name]
			if !ok {
				d.Errorf(n, path, "unknown parameter %q%s", name, DidYouMean(name, paramNames(d.params)))
				return nil
			}
			if p.Value == nil {
				return nil // its own error was reported
			}
			return valueNode(p.Value, n)
		}
	}
	var failed bool
	out := interpRE.ReplaceAllStringFunc(s, func(tok string) string {
		if tok == "$$" {
			return "$"
		}
		ref := strings.TrimSpace(tok[2 : len(tok)-1])
		if name, ok := strings.CutPrefix(ref, "params."); ok {
			p, ok := d.params[name]
			if !ok {
				d.Errorf(n, path, "unknown parameter %q%s", name, DidYouMean(name, paramNames(d.params)))
				failed = true
				return ""
			}
			if p.Value == nil {
				failed = true
				return ""
			}
			return FormatParam(p.Value)
		}
		if spec, ok := strings.CutPrefix(ref, "env:"); ok {
			name, def, hasDef := strings.Cut(spec, ":-")
			if v, ok := d.env(name); ok && v != "" {
				return v
			}
			if hasDef {
				return def
			}
			d.Errorf(n, path, "environment variable %s is not set (give a default with ${env:%s:-value})", name, name)
			failed = true
			return ""
		}
		d.Errorf(n, path, "cannot interpolate ${%s}: use ${params.NAME} or ${env:VAR:-default}", ref)
		failed = true
		return ""
	})
	if failed {
		return nil
	}
	c := *n
	c.Value = out
	c.Tag = "!!str"
	return &c
}

// valueNode builds a YAML node holding a typed parameter value, at the
// position of the node it replaces.
func valueNode(v any, at *yaml.Node) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Line: at.Line, Column: at.Column, Style: at.Style}
	switch x := v.(type) {
	case []any:
		n.Kind = yaml.SequenceNode
		n.Tag = "!!seq"
		for _, e := range x {
			n.Content = append(n.Content, valueNode(e, at))
		}
		return n
	case int64:
		n.Tag, n.Value = "!!int", strconv.FormatInt(x, 10)
	case float64:
		n.Tag, n.Value = "!!float", strconv.FormatFloat(x, 'g', -1, 64)
	case bool:
		n.Tag, n.Value = "!!bool", strconv.FormatBool(x)
	default:
		n.Tag, n.Value = "!!str", FormatParam(v)
	}
	return n
}

func paramNames(ps map[string]*Param) []string {
	out := make([]string, 0, len(ps))
	for n := range ps {
		out = append(out, n)
	}
	return out
}
