package workflow

import (
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
)

// ColumnSet is a set of column names. The zero value stands for every
// column, so a step that says nothing about its columns needs them all.
type ColumnSet struct {
	names []string // sorted, without duplicates
	some  bool     // names is the whole set (otherwise: every column)
}

// AllColumns returns the set of every column.
func AllColumns() ColumnSet { return ColumnSet{} }

// Columns returns the set of the named columns (possibly none).
func Columns(names ...string) ColumnSet {
	s := slices.Clone(names)
	slices.Sort(s)
	return ColumnSet{names: slices.Compact(s), some: true}
}

// All reports whether the set stands for every column.
func (s ColumnSet) All() bool { return !s.some }

// Names returns the columns of a set that is not All, sorted.
func (s ColumnSet) Names() []string { return slices.Clone(s.names) }

// Has reports whether the set holds the column.
func (s ColumnSet) Has(name string) bool {
	if !s.some {
		return true
	}
	_, ok := slices.BinarySearch(s.names, name)
	return ok
}

// Union returns the columns in either set.
func (s ColumnSet) Union(o ColumnSet) ColumnSet {
	if !s.some || !o.some {
		return AllColumns()
	}
	return Columns(append(slices.Clone(s.names), o.names...)...)
}

// With returns the set with the named columns added.
func (s ColumnSet) With(names ...string) ColumnSet {
	return s.Union(Columns(names...))
}

// Without returns the set less the named columns; All stays All.
func (s ColumnSet) Without(names ...string) ColumnSet {
	if !s.some {
		return s
	}
	return Columns(slices.DeleteFunc(slices.Clone(s.names), func(n string) bool { return slices.Contains(names, n) })...)
}

// Project returns the fields of sc that are in the set, in sc's order. It
// returns sc itself when every field is kept.
func (s ColumnSet) Project(sc *arrow.Schema) *arrow.Schema {
	if !s.some || sc == nil {
		return sc
	}
	var fields []arrow.Field
	for _, f := range sc.Fields() {
		if s.Has(f.Name) {
			fields = append(fields, f)
		}
	}
	if len(fields) == sc.NumFields() {
		return sc
	}
	md := sc.Metadata()
	return arrow.NewSchema(fields, &md)
}

// ColumnUser is implemented by steps that read only some columns of their
// inputs. After a recipe plans cleanly, the engine asks each such step,
// from the last step back to the first, which columns of input in it
// reads when downstream steps use the columns out(port) of its outputs.
// A step that reads an input's columns lazily (features.filter) also
// passes on only the columns asked of its own output.
//
// The engine unions what every consumer of an output asks for (a consumer
// that is not a ColumnUser asks for every column) and tells the producing
// step through RunContext.Columns, so io.read decodes only the columns
// the recipe uses. A step's runtime output schema is then its declared
// schema less the columns nobody downstream reads: steps look columns up
// by name in their input's runtime schema, never by planned position.
type ColumnUser interface {
	InputColumns(in Ref, out func(port string) ColumnSet) ColumnSet
}

// planColumns works out, for every output port, the columns downstream
// steps read. It runs after every step has checked cleanly.
func (p *Plan) planColumns() {
	type portKey struct{ step, port string }
	used := map[portKey]ColumnSet{}
	seen := map[portKey]bool{}
	for i := len(p.Steps) - 1; i >= 0; i-- {
		ps := p.Steps[i]
		ps.columns = map[string]ColumnSet{}
		for _, port := range ps.Spec.Outputs {
			k := portKey{ps.ID, port.Name}
			if !seen[k] {
				// Nothing reads it: keep every column, the result is the
				// step's own business (tests and the CLI may look at it).
				continue
			}
			cs := used[k]
			if sc := ps.schemas[port.Name]; !cs.All() {
				names := cs.Intersect(sc)
				if len(names) == 0 && sc != nil && sc.NumFields() > 0 {
					// Rows without columns do not exist in a batch: a
					// consumer that only counts rows still needs one.
					names = []string{sc.Field(0).Name}
				}
				cs = Columns(names...)
			}
			ps.columns[port.Name] = cs
		}
		cu, _ := ps.Config.(ColumnUser)
		out := func(port string) ColumnSet { return ps.Columns(port) }
		for _, in := range ps.Inputs {
			k := portKey{in.Step, in.Port}
			need := AllColumns()
			if cu != nil {
				need = cu.InputColumns(in, out)
			}
			if seen[k] {
				need = need.Union(used[k])
			}
			used[k], seen[k] = need, true
		}
	}
}

// Intersect returns the names of sc's fields that are in the set, in sc's
// order.
func (s ColumnSet) Intersect(sc *arrow.Schema) []string {
	if sc == nil {
		return s.Names()
	}
	names := []string{}
	for _, f := range sc.Fields() {
		if s.Has(f.Name) {
			names = append(names, f.Name)
		}
	}
	return names
}

// Columns returns the columns of an output port that downstream steps
// read: AllColumns unless every consumer says which it needs.
func (s *PlannedStep) Columns(port string) ColumnSet {
	if cs, ok := s.columns[port]; ok {
		return cs
	}
	return AllColumns()
}

// Columns returns the columns of the running step's output port that
// downstream steps read (see ColumnUser). A source such as io.read reads
// only these; other steps may ignore it.
func (r *RunContext) Columns(port string) ColumnSet { return r.step.Columns(port) }
