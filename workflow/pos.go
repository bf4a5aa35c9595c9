package workflow

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Pos is a position in a recipe file. Line and Col are 1-based; zero
// means unknown.
type Pos struct {
	File string `json:"file"`
	Line int    `json:"line"`
	Col  int    `json:"col"`
}

// String formats p as file:line:col.
func (p Pos) String() string {
	switch {
	case p.Line == 0:
		return p.File
	case p.Col == 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// Diagnostic is one problem found in a recipe, at a position.
type Diagnostic struct {
	Pos  Pos    `json:"pos"`
	Step string `json:"step,omitempty"` // step id, when the problem is inside a step
	Path string `json:"path,omitempty"` // config path inside the step, like rules[2].when
	Msg  string `json:"message"`
}

// Error formats the diagnostic as
// "recipes/x.yaml:14:9: step seg: rules[2].when: unknown name ...".
func (d Diagnostic) Error() string {
	var b strings.Builder
	b.WriteString(d.Pos.String())
	b.WriteString(": ")
	if d.Step != "" {
		b.WriteString("step ")
		b.WriteString(d.Step)
		b.WriteString(": ")
	}
	if d.Path != "" {
		b.WriteString(d.Path)
		b.WriteString(": ")
	}
	b.WriteString(d.Msg)
	return b.String()
}

// Diagnostics is a list of problems; as an error it reports all of them,
// one per line, in file order.
type Diagnostics []Diagnostic

// Error joins the diagnostics one per line.
func (ds Diagnostics) Error() string {
	lines := make([]string, len(ds))
	for i, d := range ds {
		lines[i] = d.Error()
	}
	return strings.Join(lines, "\n")
}

// Sort orders diagnostics by file, line and column, keeping the order of
// diagnostics at the same position.
func (ds Diagnostics) Sort() {
	sort.SliceStable(ds, func(i, j int) bool {
		a, b := ds[i].Pos, ds[j].Pos
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
}

// MarshalJSON writes the diagnostics as {"diagnostics": [...]} entries
// with an "error" field holding the formatted text.
func (ds Diagnostics) MarshalJSON() ([]byte, error) {
	type item struct {
		Diagnostic
		Text string `json:"error"`
	}
	items := make([]item, len(ds))
	for i, d := range ds {
		items[i] = item{d, d.Error()}
	}
	return json.Marshal(items)
}
