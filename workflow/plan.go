package workflow

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"go.yaml.in/yaml/v3"
)

// Options are the inputs of planning besides the recipe.
type Options struct {
	Set     []string                    // NAME=VALUE overrides from --set
	OutDir  string                      // --out; default ./out/<recipe name>
	Env     func(string) (string, bool) // environment lookup; default os.LookupEnv
	WorkDir string                      // resolves relative --set paths and OutDir; default the process's
}

// Plan is a validated recipe: resolved parameters, decoded step configs,
// the DAG in execution order and every step's output schemas.
type Plan struct {
	Recipe *Recipe
	Params []*Param
	Steps  []*PlannedStep // topological order, file order among independent steps
	OutDir string         // absolute
	// Warnings are problems that do not invalidate the recipe, like an
	// input file that does not exist yet.
	Warnings Diagnostics
	byID     map[string]*PlannedStep
}

// PlannedStep is one step of a plan.
type PlannedStep struct {
	ID     string
	Type   string
	Pos    Pos
	Spec   *Spec
	Config Step
	Deps   []string // ids of the steps this one reads from or runs after, sorted
	Inputs []Ref    // data references, in config order

	schemas   map[string]*arrow.Schema
	positions map[string]Pos
	files     []string
	writes    []string
	node      *StepNode
	columns   map[string]ColumnSet // per output port, see planColumns
}

// Schema returns the declared schema of an output port.
func (s *PlannedStep) Schema(port string) *arrow.Schema { return s.schemas[port] }

// Writes returns the files the step declared it writes.
func (s *PlannedStep) Writes() []string { return s.writes }

// Step returns a planned step by id.
func (p *Plan) Step(id string) *PlannedStep { return p.byID[id] }

// Build plans a loaded recipe: it resolves parameters, decodes every
// step's config strictly, wires and orders the DAG, and runs every step's
// Check. It reads no data, only file schemas. All problems come back at
// once as Diagnostics.
func Build(r *Recipe, opts Options) (*Plan, error) {
	if opts.Env == nil {
		opts.Env = os.LookupEnv
	}
	if opts.WorkDir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return nil, err
		}
		opts.WorkDir = wd
	}
	diags := append(Diagnostics(nil), r.diags...)
	p := &Plan{Recipe: r, byID: map[string]*PlannedStep{}}
	p.resolveParams(opts, &diags)
	out := opts.OutDir
	if out == "" {
		out = filepath.Join("out", r.Name)
	}
	if !filepath.IsAbs(out) {
		out = filepath.Join(opts.WorkDir, out)
	}
	p.OutDir = filepath.Clean(out)

	params := map[string]*Param{}
	for _, q := range p.Params {
		params[q.Name] = q
	}
	// Decode each step.
	var steps []*PlannedStep
	for _, sn := range r.Steps {
		if sn.ID == "" || sn.Type == "" {
			continue
		}
		ps := &PlannedStep{ID: sn.ID, Type: sn.Type, Pos: sn.Pos, node: sn, schemas: map[string]*arrow.Schema{}, positions: map[string]Pos{}}
		spec, ok := Lookup(sn.Type)
		if !ok {
			diags = append(diags, Diagnostic{Pos: sn.TypePos, Step: sn.ID, Path: "type", Msg: fmt.Sprintf("unknown step type %q%s", sn.Type, DidYouMean(sn.Type, typeNamesRegistered()))})
		} else {
			ps.Spec = spec
			ps.Config = spec.New()
			d := &Decoder{file: r.Path, params: params, env: opts.Env, diags: &diags, step: sn.ID, positions: ps.positions,
				skipKeys: map[string]bool{"id": true, "type": true, "description": true, "after": true}, lines: r.lines}
			d.decodeStruct(sn.Node, reflect.ValueOf(ps.Config).Elem(), "")
		}
		if _, dup := p.byID[ps.ID]; !dup {
			p.byID[ps.ID] = ps
		}
		steps = append(steps, ps)
	}
	// Wire references.
	for _, ps := range steps {
		deps := map[string]bool{}
		if ps.Config != nil {
			var refs []refAt
			collectRefs(reflect.ValueOf(ps.Config), "", &refs)
			for _, ra := range refs {
				up, ok := p.byID[ra.Ref.Step]
				switch {
				case !ok:
					diags = append(diags, Diagnostic{Pos: ra.Ref.Pos, Step: ps.ID, Path: ra.Path, Msg: fmt.Sprintf("unknown step %q%s", ra.Ref.Step, DidYouMean(ra.Ref.Step, sortedKeys(p.byID)))})
					continue
				case up == ps:
					diags = append(diags, Diagnostic{Pos: ra.Ref.Pos, Step: ps.ID, Path: ra.Path, Msg: "a step cannot read its own output"})
					continue
				case up.Spec != nil && !up.Spec.hasPort(ra.Ref.Port):
					msg := fmt.Sprintf("step %q (%s) has no output %q", up.ID, up.Type, ra.Ref.Port)
					if names := up.Spec.portNames(); len(names) > 0 {
						msg += DidYouMean(ra.Ref.Port, names) + "; its outputs: " + strings.Join(names, ", ") + " (and the main output, named by the step id alone)"
					}
					diags = append(diags, Diagnostic{Pos: ra.Ref.Pos, Step: ps.ID, Path: ra.Path, Msg: msg})
					continue
				}
				ps.Inputs = append(ps.Inputs, ra.Ref)
				deps[up.ID] = true
			}
		}
		for i, a := range ps.node.After {
			if _, ok := p.byID[a]; !ok {
				diags = append(diags, Diagnostic{Pos: ps.Pos, Step: ps.ID, Path: fmt.Sprintf("after[%d]", i), Msg: fmt.Sprintf("unknown step %q%s", a, DidYouMean(a, sortedKeys(p.byID)))})
				continue
			}
			deps[a] = true
		}
		ps.Deps = sortedKeys(deps)
	}
	order, cycles := topoSort(steps, p.byID)
	for _, cyc := range cycles {
		first := p.byID[cyc[0]]
		diags = append(diags, Diagnostic{Pos: first.Pos, Step: first.ID, Msg: "steps form a cycle: " + strings.Join(append(cyc, cyc[0]), " → ")})
	}
	p.Steps = order
	// Check in order so schemas flow downstream.
	inCycle := map[string]bool{}
	for _, cyc := range cycles {
		for _, id := range cyc {
			inCycle[id] = true
		}
	}
	for _, ps := range order {
		if ps.Config == nil || inCycle[ps.ID] {
			continue
		}
		c := &CheckContext{plan: p, step: ps, diags: &diags}
		ps.Config.Check(c)
	}
	// Two steps writing one file would race.
	writers := map[string]string{}
	for _, ps := range order {
		for _, w := range ps.writes {
			if other, ok := writers[w]; ok {
				diags = append(diags, Diagnostic{Pos: ps.Pos, Step: ps.ID, Msg: fmt.Sprintf("writes %s, which step %q also writes", w, other)})
			}
			writers[w] = ps.ID
		}
	}
	if len(diags) > 0 {
		diags.Sort()
		return p, diags
	}
	p.planColumns()
	return p, nil
}

func (p *Plan) resolveParams(opts Options, diags *Diagnostics) {
	r := p.Recipe
	set := map[string]string{}
	byName := map[string]*Param{}
	for _, q := range r.Params {
		byName[q.Name] = q
	}
	for _, kv := range opts.Set {
		name, val, ok := strings.Cut(kv, "=")
		pos := Pos{File: "--set " + kv}
		if !ok {
			*diags = append(*diags, Diagnostic{Pos: pos, Msg: "expected NAME=VALUE"})
			continue
		}
		name = strings.TrimSpace(name)
		if _, ok := byName[name]; !ok {
			*diags = append(*diags, Diagnostic{Pos: pos, Msg: fmt.Sprintf("unknown parameter %q%s", name, DidYouMean(name, paramNames(byName)))})
			continue
		}
		set[name] = val
	}
	d := &Decoder{file: r.Path, env: opts.Env, diags: diags, params: map[string]*Param{}, lines: r.lines}
	for _, q := range r.Params {
		rq := *q
		if v, ok := set[q.Name]; ok {
			val, err := q.convert(v, true, opts.WorkDir)
			if err != nil {
				*diags = append(*diags, Diagnostic{Pos: Pos{File: "--set " + q.Name + "=" + v}, Msg: fmt.Sprintf("parameter %s: %v", q.Name, err)})
			}
			rq.Value = val
		} else if q.HasDefault {
			raw := q.Default
			if s, ok := raw.(string); ok && strings.Contains(s, "${") {
				n := d.interpolate(&yaml.Node{Kind: yaml.ScalarNode, Value: s, Line: r.paramNodes[q.Name].Line, Column: r.paramNodes[q.Name].Column}, "params."+q.Name+".default", nil)
				if n == nil {
					p.Params = append(p.Params, &rq)
					continue
				}
				raw = n.Value
			}
			val, err := q.convert(raw, false, r.Dir)
			if err == nil {
				rq.Value = val
			}
		} else if q.Type != "" {
			*diags = append(*diags, Diagnostic{Pos: q.Pos, Path: "params." + q.Name, Msg: fmt.Sprintf("parameter %s has no default: give it with --set %s=VALUE", q.Name, q.Name)})
		}
		p.Params = append(p.Params, &rq)
	}
}

// topoSort orders steps so that every step comes after its dependencies,
// keeping file order among steps that are ready together. Steps on a cycle
// are left out of the order and returned as cycles, each listing its steps
// in dependency order.
func topoSort(steps []*PlannedStep, byID map[string]*PlannedStep) ([]*PlannedStep, [][]string) {
	indeg := map[string]int{}
	users := map[string][]*PlannedStep{}
	for _, s := range steps {
		indeg[s.ID] += 0
		for _, d := range s.Deps {
			indeg[s.ID]++
			users[d] = append(users[d], s)
		}
	}
	idx := map[string]int{}
	for i, s := range steps {
		idx[s.ID] = i
	}
	var order []*PlannedStep
	done := map[string]bool{}
	for len(order) < len(steps) {
		progressed := false
		for _, s := range steps {
			if done[s.ID] || indeg[s.ID] > 0 {
				continue
			}
			done[s.ID] = true
			order = append(order, s)
			for _, u := range users[s.ID] {
				indeg[u.ID]--
			}
			progressed = true
			break // restart so that file order wins among ready steps
		}
		if !progressed {
			break
		}
	}
	if len(order) == len(steps) {
		return order, nil
	}
	// Find cycles among the remaining steps by walking dependencies.
	var cycles [][]string
	reported := map[string]bool{}
	for _, s := range steps {
		if done[s.ID] || reported[s.ID] {
			continue
		}
		// Walk from s following undone deps until a step repeats.
		seen := map[string]int{}
		var path []string
		cur := s
		for cur != nil {
			if at, ok := seen[cur.ID]; ok {
				cyc := path[at:]
				// Rotate so the cycle starts at its first step in file order.
				m := 0
				for i := range cyc {
					if idx[cyc[i]] < idx[cyc[m]] {
						m = i
					}
				}
				cyc = append(append([]string(nil), cyc[m:]...), cyc[:m]...)
				// Walk direction is step → dependency; present it as data flow.
				for i, j := 1, len(cyc)-1; i < j; i, j = i+1, j-1 {
					cyc[i], cyc[j] = cyc[j], cyc[i]
				}
				dup := false
				for _, id := range cyc {
					if reported[id] {
						dup = true
					}
				}
				if !dup {
					cycles = append(cycles, cyc)
				}
				for _, id := range cyc {
					reported[id] = true
				}
				break
			}
			seen[cur.ID] = len(path)
			path = append(path, cur.ID)
			var next *PlannedStep
			for _, d := range cur.Deps {
				if !done[d] {
					next = byID[d]
					break
				}
			}
			cur = next
		}
	}
	return order, cycles
}
