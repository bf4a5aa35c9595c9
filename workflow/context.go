package workflow

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
)

// CheckContext is what a step's Check sees: its input schemas, the
// resolved parameters, where its config values came from, and a place to
// report diagnostics and declare output schemas.
type CheckContext struct {
	plan  *Plan
	step  *PlannedStep
	diags *Diagnostics
}

// StepID returns the id of the step being checked.
func (c *CheckContext) StepID() string { return c.step.ID }

// RecipeName returns the recipe's name.
func (c *CheckContext) RecipeName() string { return c.plan.Recipe.Name }

// Params returns the resolved parameters by name.
func (c *CheckContext) Params() map[string]any { return c.plan.ParamValues() }

// AsOf returns the run's reference instant: the as_of parameter when the
// recipe declares one (a date or timestamp), for reproducible time
// arithmetic; nil otherwise.
func (c *CheckContext) AsOf() *time.Time { return c.plan.AsOf() }

// Pos returns the position of the config value at path (like
// "rules[2].when"), falling back to its nearest recorded parent and then
// to the step itself.
func (c *CheckContext) Pos(path string) Pos {
	for p := path; ; {
		if pos, ok := c.step.positions[p]; ok {
			return pos
		}
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return c.step.Pos
}

// Errorf reports a problem with the config value at path.
func (c *CheckContext) Errorf(path, format string, args ...any) {
	c.ErrorAt(c.Pos(path), path, format, args...)
}

// ErrorAt reports a problem at an explicit position (inside an
// expression, say).
func (c *CheckContext) ErrorAt(pos Pos, path, format string, args ...any) {
	*c.diags = append(*c.diags, Diagnostic{Pos: pos, Step: c.step.ID, Path: path, Msg: fmt.Sprintf(format, args...)})
}

// Warnf reports something worth knowing that does not stop the recipe
// (an input file that does not exist yet, say).
func (c *CheckContext) Warnf(path, format string, args ...any) {
	c.plan.Warnings = append(c.plan.Warnings, Diagnostic{Pos: c.Pos(path), Step: c.step.ID, Path: path, Msg: fmt.Sprintf(format, args...)})
}

// Failed reports whether this step has reported any diagnostic so far.
func (c *CheckContext) Failed() bool {
	for _, d := range *c.diags {
		if d.Step == c.step.ID {
			return true
		}
	}
	return false
}

// Schema returns the schema of a referenced output, or nil when it is not
// known (the upstream step failed to plan).
func (c *CheckContext) Schema(r Ref) *arrow.Schema {
	up := c.plan.byID[r.Step]
	if up == nil {
		return nil
	}
	return up.schemas[r.Port]
}

// Column looks a column up in schema s and reports an unknown one (with a
// did-you-mean) at the position of path. With a nil schema it reports
// nothing and returns ok == false.
func (c *CheckContext) Column(path string, s *arrow.Schema, name string) (arrow.Field, bool) {
	return c.ColumnAt(c.Pos(path), path, s, name)
}

// ColumnAt is Column with an explicit position.
func (c *CheckContext) ColumnAt(pos Pos, path string, s *arrow.Schema, name string) (arrow.Field, bool) {
	if s == nil || name == "" {
		return arrow.Field{}, false
	}
	if i := s.FieldIndices(name); len(i) > 0 {
		return s.Field(i[0]), true
	}
	c.ErrorAt(pos, path, "unknown column %q%s", name, DidYouMean(name, FieldNames(s)))
	return arrow.Field{}, false
}

// SetOutput declares the schema of an output port ("" for the main one).
func (c *CheckContext) SetOutput(port string, s *arrow.Schema) {
	c.step.Spec.mustPort(port)
	c.step.schemas[port] = s
}

// InputPath resolves a path the step reads: relative paths are taken from
// the recipe file's folder.
func (c *CheckContext) InputPath(p string) string { return c.plan.InputPath(p) }

// OutputPath resolves a path the step writes: relative paths are taken
// from the run's output folder.
func (c *CheckContext) OutputPath(p string) string { return c.plan.OutputPath(p) }

// ReadsFile records that the step reads a file, so that the step's
// fingerprint covers the file's content.
func (c *CheckContext) ReadsFile(path string) { c.step.files = append(c.step.files, path) }

// Writes records a file the step will write (relative to the output
// folder or absolute); `plan` shows it and two steps writing the same file
// is an error.
func (c *CheckContext) Writes(path string) {
	c.step.writes = append(c.step.writes, c.plan.OutputPath(path))
}

// FieldNames returns the names of a schema's fields.
func FieldNames(s *arrow.Schema) []string {
	out := make([]string, s.NumFields())
	for i := range s.NumFields() {
		out[i] = s.Field(i).Name
	}
	return out
}

// InputPath resolves a path read by the recipe against its folder.
func (p *Plan) InputPath(path string) string {
	if path == "" || filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(p.Recipe.Dir, path)
}

// OutputPath resolves a path written by the recipe against the output
// folder.
func (p *Plan) OutputPath(path string) string {
	if path == "" || filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(p.OutDir, path)
}

// ParamValues returns the resolved parameter values by name.
func (p *Plan) ParamValues() map[string]any {
	out := make(map[string]any, len(p.Params))
	for _, q := range p.Params {
		out[q.Name] = q.Value
	}
	return out
}

// AsOf returns the value of an as_of parameter of type date or timestamp.
func (p *Plan) AsOf() *time.Time {
	for _, q := range p.Params {
		if q.Name == "as_of" {
			if t, ok := q.Value.(time.Time); ok {
				return &t
			}
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
