package workflow

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"sync"
)

// Step is a decoded step: a config struct whose fields come from the
// recipe, and the two methods the engine calls.
//
// Check runs at plan time, before any data is read. It validates what the
// decoder could not (one-of choices, columns, expressions), and declares
// the schema of every output port from its inputs' schemas, so that a
// misspelt column three steps downstream is caught statically. Input
// schemas may be nil when an upstream step failed to plan: skip the checks
// that need them but still declare outputs where possible.
//
// Run executes the step: it reads its inputs' Datasets and sets its
// outputs. A lazy step may return Datasets that do their work when
// scanned.
type Step interface {
	Check(c *CheckContext)
	Run(ctx context.Context, r *RunContext) error
}

// Port describes an output of a step type.
type Port struct {
	Name string // "" for the main output
	Doc  string
}

// Spec describes a step type once; it is the single source for decoding,
// validation, `aftercare list`, `aftercare schema` and reference docs.
type Spec struct {
	Type        string // family.name, like cluster.kmeans
	Summary     string // one line, shown by `aftercare list`
	Description string // paragraphs for the reference docs
	Outputs     []Port // output ports; the first is the main output ("")
	// New returns a config with its defaults set. Its exported fields and
	// their tags define the step's recipe keys.
	New func() Step
	// Examples are YAML lists of steps that show the type in context (an
	// io.read of the quickstart data, then this step). A test plans each
	// one as a recipe in examples/quickstart, so they cannot rot.
	Examples []string
}

var (
	regMu    sync.RWMutex
	registry = map[string]*Spec{}
)

// Register adds a step type. It panics on a duplicate or malformed spec:
// both are programmer errors.
func Register(s Spec) {
	regMu.Lock()
	defer regMu.Unlock()
	if s.Type == "" || s.New == nil {
		panic("workflow: Register needs Type and New")
	}
	if _, dup := registry[s.Type]; dup {
		panic("workflow: duplicate step type " + s.Type)
	}
	if len(s.Outputs) == 0 {
		s.Outputs = []Port{{Name: ""}}
	}
	if reflect.TypeOf(s.New()).Kind() != reflect.Pointer {
		panic("workflow: Spec.New must return a pointer to a struct: " + s.Type)
	}
	registry[s.Type] = &s
}

// Lookup returns the spec of a step type.
func Lookup(typ string) (*Spec, bool) {
	regMu.RLock()
	defer regMu.RUnlock()
	s, ok := registry[typ]
	return s, ok
}

// Specs returns every registered step type, sorted by type name.
func Specs() []*Spec {
	regMu.RLock()
	defer regMu.RUnlock()
	out := make([]*Spec, 0, len(registry))
	for _, s := range registry {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Type < out[j].Type })
	return out
}

func typeNamesRegistered() []string {
	specs := Specs()
	out := make([]string, len(specs))
	for i, s := range specs {
		out[i] = s.Type
	}
	return out
}

func (s *Spec) hasPort(name string) bool {
	for _, p := range s.Outputs {
		if p.Name == name {
			return true
		}
	}
	return false
}

func (s *Spec) portNames() []string {
	var out []string
	for _, p := range s.Outputs {
		if p.Name != "" {
			out = append(out, p.Name)
		}
	}
	return out
}

func (s *Spec) mustPort(name string) {
	if !s.hasPort(name) {
		panic(fmt.Sprintf("workflow: step type %s has no output port %q", s.Type, name))
	}
}
