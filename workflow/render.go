package workflow

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
)

// Stages groups a plan's steps into waves: every step of a wave depends
// only on steps of earlier waves, so a wave's steps can run in parallel.
func (p *Plan) Stages() [][]*PlannedStep {
	level := map[string]int{}
	var stages [][]*PlannedStep
	for _, s := range p.Steps {
		l := 0
		for _, d := range s.Deps {
			l = max(l, level[d]+1)
		}
		level[s.ID] = l
		for len(stages) <= l {
			stages = append(stages, nil)
		}
		stages[l] = append(stages[l], s)
	}
	return stages
}

type planColumn struct {
	Name     string `json:"name"`
	Type     string `json:"type"`
	Nullable bool   `json:"nullable"`
}

type planStep struct {
	ID      string                  `json:"id"`
	Type    string                  `json:"type"`
	Stage   int                     `json:"stage"`
	Deps    []string                `json:"deps"`
	Inputs  []string                `json:"inputs"`
	Outputs map[string][]planColumn `json:"outputs"`
	// Used lists, per output port whose consumers all say which columns
	// they read, those columns (see ColumnUser); io.read decodes only them.
	Used   map[string][]string `json:"used,omitempty"`
	Writes []string            `json:"writes"`
}

type planDoc struct {
	Recipe string         `json:"recipe"`
	Name   string         `json:"name"`
	Params map[string]any `json:"params"`
	Stages int            `json:"stages"`
	Steps  []planStep     `json:"steps"`
}

func (p *Plan) doc() planDoc {
	d := planDoc{Recipe: p.Recipe.Path, Name: p.Recipe.Name, Params: jsonParams(p.Params)}
	stages := p.Stages()
	d.Stages = len(stages)
	for i, st := range stages {
		for _, s := range st {
			ps := planStep{ID: s.ID, Type: s.Type, Stage: i + 1, Deps: append([]string{}, s.Deps...), Inputs: []string{}, Outputs: map[string][]planColumn{}, Writes: []string{}}
			for _, in := range s.Inputs {
				ps.Inputs = append(ps.Inputs, in.String())
			}
			for port, sc := range s.schemas {
				name := port
				if name == "" {
					name = "main"
				}
				cols := []planColumn{}
				if sc != nil {
					for _, f := range sc.Fields() {
						cols = append(cols, planColumn{f.Name, TypeName(f.Type), f.Nullable})
					}
				}
				ps.Outputs[name] = cols
				if cs := s.Columns(port); !cs.All() && sc != nil {
					if ps.Used == nil {
						ps.Used = map[string][]string{}
					}
					ps.Used[name] = cs.Intersect(sc)
				}
			}
			for _, w := range s.writes {
				ps.Writes = append(ps.Writes, p.relOut(w))
			}
			d.Steps = append(d.Steps, ps)
		}
	}
	return d
}

func (p *Plan) relOut(path string) string {
	if rel, err := filepath.Rel(p.OutDir, path); err == nil && !strings.HasPrefix(rel, "..") {
		return filepath.ToSlash(rel)
	}
	return path
}

// PlanJSON renders the plan as JSON: stages, dependencies, output columns
// with types, and the files each step writes (relative to the output
// folder).
func (p *Plan) PlanJSON() ([]byte, error) {
	b, err := json.MarshalIndent(p.doc(), "", "  ")
	return append(b, '\n'), err
}

// PlanText renders the plan for people.
func (p *Plan) PlanText() string {
	var b strings.Builder
	d := p.doc()
	fmt.Fprintf(&b, "recipe %s: %d steps in %d stages\n", d.Name, len(d.Steps), d.Stages)
	if len(p.Params) > 0 {
		b.WriteString("params:\n")
		for _, q := range p.Params {
			fmt.Fprintf(&b, "  %s = %s (%s)\n", q.Name, FormatParam(q.Value), q.Type)
		}
	}
	stage := 0
	for _, s := range d.Steps {
		if s.Stage != stage {
			stage = s.Stage
			fmt.Fprintf(&b, "stage %d:\n", stage)
		}
		fmt.Fprintf(&b, "  %s (%s)", s.ID, s.Type)
		if len(s.Inputs) > 0 {
			fmt.Fprintf(&b, " <- %s", strings.Join(s.Inputs, ", "))
		}
		b.WriteString("\n")
		for _, port := range sortedKeys(s.Outputs) {
			cols := s.Outputs[port]
			parts := make([]string, len(cols))
			for i, c := range cols {
				parts[i] = c.Name + " " + c.Type
			}
			label := "out"
			if port != "main" {
				label = "out." + port
			}
			fmt.Fprintf(&b, "      %s: %s\n", label, strings.Join(parts, ", "))
			if used, ok := s.Used[port]; ok && len(used) < len(cols) {
				fmt.Fprintf(&b, "      %s used downstream: %d of %d columns: %s\n", label, len(used), len(cols), strings.Join(used, ", "))
			}
		}
		for _, w := range s.Writes {
			fmt.Fprintf(&b, "      writes %s\n", w)
		}
	}
	return b.String()
}

// Graph renders the DAG as a Mermaid flowchart or a Graphviz dot graph.
func (p *Plan) Graph(format string) (string, error) {
	var b strings.Builder
	switch format {
	case "mermaid", "":
		b.WriteString("flowchart LR\n")
		for _, s := range p.Steps {
			fmt.Fprintf(&b, "  %s[\"%s<br/><small>%s</small>\"]\n", mermaidID(s.ID), s.ID, s.Type)
		}
		for _, s := range p.Steps {
			for _, e := range p.edges(s) {
				if e.label != "" {
					fmt.Fprintf(&b, "  %s -- %s --> %s\n", mermaidID(e.from), e.label, mermaidID(s.ID))
				} else {
					fmt.Fprintf(&b, "  %s --> %s\n", mermaidID(e.from), mermaidID(s.ID))
				}
			}
		}
	case "dot":
		fmt.Fprintf(&b, "digraph %q {\n  rankdir=LR;\n  node [shape=box];\n", p.Recipe.Name)
		for _, s := range p.Steps {
			fmt.Fprintf(&b, "  %q [label=%q];\n", s.ID, s.ID+"\n"+s.Type)
		}
		for _, s := range p.Steps {
			for _, e := range p.edges(s) {
				if e.label != "" {
					fmt.Fprintf(&b, "  %q -> %q [label=%q];\n", e.from, s.ID, e.label)
				} else {
					fmt.Fprintf(&b, "  %q -> %q;\n", e.from, s.ID)
				}
			}
		}
		b.WriteString("}\n")
	default:
		return "", fmt.Errorf("unknown graph format %q (want mermaid or dot)", format)
	}
	return b.String(), nil
}

type edge struct{ from, label string }

func (p *Plan) edges(s *PlannedStep) []edge {
	var out []edge
	seen := map[string]bool{}
	for _, in := range s.Inputs {
		k := in.String()
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, edge{in.Step, in.Port})
		seen[in.Step+"!dep"] = true
	}
	for _, d := range s.Deps {
		if !seen[d+"!dep"] {
			out = append(out, edge{d, "after"})
		}
	}
	return out
}

func mermaidID(id string) string { return "s_" + strings.ReplaceAll(id, "-", "_") }
