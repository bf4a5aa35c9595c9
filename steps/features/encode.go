package features

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/aftercare/aftercare/workflow"
)

func init() {
	workflow.Register(workflow.Spec{
		Type:    "features.encode",
		Summary: "Encode categorical columns: one-hot (with a cap on categories and an other bucket) or ordinal.",
		Description: `onehot replaces each listed column by one float column per category
(1 where the row has it, else 0), named COLUMN_CATEGORY, plus
COLUMN_other for the categories left out. ordinal replaces the column by
an int code (0, 1, ...) in the order of the categories.

The output columns must be known before any data is read, so the
categories come from:

  categories: {COLUMN: [a, b, c]}  an explicit list (ordinal: the order)
  load: encoder.json               an encoder saved by an earlier run
  otherwise                        learned from the data at run time:
                                   ordinal sorts the distinct values;
                                   onehot needs max_categories K and keeps
                                   the K - 1 most frequent categories
                                   (ties by name) as COLUMN_top1 ...
                                   COLUMN_top{K-1} plus COLUMN_other; which
                                   category each rank holds is in the run
                                   results (metrics.categories) and in the
                                   saved encoder

With explicit categories, max_categories keeps the first K - 1 listed (K
when there is no other column); a loaded encoder is used as saved. A value outside the categories goes to COLUMN_other (unknown:
other, the default; for ordinal it becomes null), is left all zeros / null
(ignore), or fails the run (error). A null value is all zeros (onehot) or
null (ordinal). String, int and bool columns can be encoded; ints and
bools by their text.`,
		New: func() workflow.Step { return &Encode{Method: "onehot", Unknown: "other"} },
		Examples: []string{
			"- {id: customers, type: io.read, path: data/customers.csv}\n- id: encoded\n  type: features.encode\n  input: customers\n  method: onehot\n  columns: [region]\n  max_categories: 5",
			"- {id: customers, type: io.read, path: data/customers.csv}\n- id: coded\n  type: features.encode\n  input: customers\n  method: ordinal\n  columns: [region]",
		},
	})
}

// Encode is the features.encode step.
type Encode struct {
	Input         workflow.Ref           `yaml:"input" required:"true" doc:"Step whose columns are encoded."`
	Columns       []workflow.Column      `yaml:"columns" doc:"Categorical columns (string, int or bool) to encode (with load, default: the saved encoder's)."`
	Method        string                 `yaml:"method" enum:"onehot|ordinal" doc:"onehot: one 0/1 column per category; ordinal: one int code column."`
	MaxCategories int                    `yaml:"max_categories" min:"2" doc:"onehot: at most this many columns per encoded column, the other bucket included."`
	Categories    workflow.Map[[]string] `yaml:"categories" doc:"Explicit categories per column, in order (for ordinal, the code order)."`
	Unknown       string                 `yaml:"unknown" enum:"other|ignore|error" doc:"A value outside the categories goes to the other bucket (ordinal: null), is ignored (all zeros / null), or fails the run."`
	KeepOriginal  bool                   `yaml:"keep_original" doc:"onehot: keep the encoded column before its indicator columns."`
	Save          string                 `yaml:"save" doc:"Write the categories as JSON to this path (relative to the run's output folder)."`
	Load          string                 `yaml:"load" doc:"Use categories saved by an earlier run (relative to the recipe's folder)."`

	plan *encodePlan
}

// EncoderModelKind is the value of "aftercare_model" in a saved encoder.
const EncoderModelKind = "encoder"

// EncoderModel is the state of features.encode, as saved with save:
//
//	{"aftercare_model": "encoder", "version": 1, "method": "onehot",
//	 "columns": {"country": {"categories": ["United Kingdom", "Germany"], "other": true}}}
type EncoderModel struct {
	Model   string                   `json:"aftercare_model"`
	Version int                      `json:"version"`
	Method  string                   `json:"method"`
	Columns map[string]ColumnEncoder `json:"columns"`
}

// ColumnEncoder is the categories of one column, in output order, and
// whether it has an other bucket.
type ColumnEncoder struct {
	Categories []string `json:"categories"`
	Other      bool     `json:"other,omitempty"`
}

type encodeCol struct {
	name     string
	idx      int
	cats     []string // known at plan time; nil when learned
	learned  bool
	ranks    int  // onehot learned: number of top columns
	other    bool // has an other column (onehot)
	outNames []string
}

type encodePlan struct {
	cols []encodeCol
	out  *arrow.Schema
	// src maps each output column to its input column (>= 0) or to
	// -1 - (encoded column index) for generated ones.
	src []int
}

// Check resolves the categories and declares the output columns.
func (s *Encode) Check(c *workflow.CheckContext) {
	s.plan = nil
	in := c.Schema(s.Input)
	ok := true
	onehot := s.Method == "onehot"
	var model *EncoderModel
	if s.Load != "" {
		path := c.InputPath(s.Load)
		c.ReadsFile(path)
		m, err := loadEncoder(path)
		switch {
		case err != nil:
			c.Errorf("load", "%v", err)
			ok = false
		case m.Method != s.Method:
			c.Errorf("load", "%s is a %s encoder but method is %s", s.Load, m.Method, s.Method)
			ok = false
		default:
			model = m
		}
		if len(s.Categories) > 0 {
			c.Errorf("categories", "categories cannot be combined with load")
			ok = false
		}
	}
	if !onehot && s.MaxCategories > 0 {
		c.Errorf("max_categories", "max_categories applies to onehot only")
		ok = false
	}
	if !onehot && s.KeepOriginal {
		c.Errorf("keep_original", "keep_original applies to onehot only (ordinal replaces the column)")
		ok = false
	}
	if s.Save != "" {
		c.Writes(s.Save)
	}
	if in == nil {
		return
	}
	cols := s.Columns
	if len(cols) == 0 && model != nil {
		for _, n := range sortedKeysOf(model.Columns) {
			cols = append(cols, workflow.Column{Name: n, Pos: c.Pos("load")})
		}
	}
	if len(cols) == 0 {
		c.Errorf("columns", "encode needs the columns to encode")
		return
	}
	explicit := map[string][]string{}
	listed := map[string]bool{}
	for _, col := range cols {
		listed[col.Name] = true
	}
	for _, e := range s.Categories {
		if !listed[e.Key] {
			c.ErrorAt(e.Pos, "categories."+e.Key, "categories for %q, which is not in columns%s", e.Key, workflow.DidYouMean(e.Key, workflow.Names(cols)))
			ok = false
			continue
		}
		if len(e.Value) == 0 {
			c.Errorf("categories."+e.Key, "empty category list")
			ok = false
		}
		seen := map[string]bool{}
		for _, v := range e.Value {
			if seen[v] {
				c.Errorf("categories."+e.Key, "category %q is listed twice", v)
				ok = false
			}
			seen[v] = true
		}
		explicit[e.Key] = e.Value
	}
	p := &encodePlan{}
	enc := map[int]int{}
	seen := map[string]bool{}
	for i, col := range cols {
		path := fmt.Sprintf("columns[%d]", i)
		if seen[col.Name] {
			c.ErrorAt(col.Pos, path, "column %q is listed twice", col.Name)
			ok = false
			continue
		}
		seen[col.Name] = true
		f, fok := c.ColumnAt(col.Pos, path, in, col.Name)
		if !fok {
			ok = false
			continue
		}
		if id := f.Type.ID(); id != arrow.STRING && id != arrow.INT64 && id != arrow.BOOL {
			c.ErrorAt(col.Pos, path, "column %q is %s: only string, int and bool columns can be encoded", col.Name, workflow.TypeName(f.Type))
			ok = false
			continue
		}
		ec := encodeCol{name: col.Name, idx: in.FieldIndices(col.Name)[0]}
		switch {
		case model != nil:
			ce, has := model.Columns[col.Name]
			if !has {
				c.ErrorAt(col.Pos, path, "the saved encoder %s has no column %q%s", s.Load, col.Name, workflow.DidYouMean(col.Name, sortedKeysOf(model.Columns)))
				ok = false
				continue
			}
			ec.cats, ec.other = ce.Categories, ce.Other
		case explicit[col.Name] != nil:
			ec.cats = explicit[col.Name]
			if onehot && s.MaxCategories > 0 && len(ec.cats) > s.MaxCategories-1 && s.Unknown == "other" {
				ec.cats = ec.cats[:s.MaxCategories-1]
			} else if onehot && s.MaxCategories > 0 && len(ec.cats) > s.MaxCategories {
				ec.cats = ec.cats[:s.MaxCategories]
			}
			ec.other = onehot && s.Unknown == "other"
		default:
			ec.learned = true
			if onehot {
				if s.MaxCategories == 0 {
					c.ErrorAt(col.Pos, path, "one-hot columns must be known before the data is read: list the categories of %q (categories: {%s: [...]}), load a saved encoder, or set max_categories to learn the most frequent ones", col.Name, col.Name)
					ok = false
					continue
				}
				ec.ranks = s.MaxCategories - 1
				ec.other = true
			}
		}
		if onehot {
			if ec.learned {
				for r := 1; r <= ec.ranks; r++ {
					ec.outNames = append(ec.outNames, fmt.Sprintf("%s_top%d", col.Name, r))
				}
			} else {
				for _, cat := range ec.cats {
					ec.outNames = append(ec.outNames, col.Name+"_"+cat)
				}
			}
			if ec.other {
				ec.outNames = append(ec.outNames, col.Name+"_other")
			}
		}
		enc[ec.idx] = len(p.cols)
		p.cols = append(p.cols, ec)
	}
	var fields []arrow.Field
	for j, f := range in.Fields() {
		k, isEnc := enc[j]
		if !isEnc {
			fields = append(fields, f)
			p.src = append(p.src, j)
			continue
		}
		if !onehot {
			fields = append(fields, arrow.Field{Name: f.Name, Type: workflow.Int64, Nullable: true})
			p.src = append(p.src, -1-k)
			continue
		}
		if s.KeepOriginal {
			fields = append(fields, f)
			p.src = append(p.src, j)
		}
		for _, name := range p.cols[k].outNames {
			fields = append(fields, arrow.Field{Name: name, Type: workflow.Float64})
			p.src = append(p.src, -1-k)
		}
	}
	count := map[string]int{}
	for _, f := range fields {
		count[f.Name]++
		if count[f.Name] == 2 {
			c.Errorf("columns", "output column %q would appear twice: an encoded column's name clashes with another column", f.Name)
			ok = false
		}
	}
	p.out = arrow.NewSchema(fields, nil)
	c.SetOutput("", p.out)
	if ok {
		s.plan = p
	}
}

func loadEncoder(path string) (*EncoderModel, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m EncoderModel
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: decode encoder: %w", path, err)
	}
	if m.Model != EncoderModelKind || m.Version != 1 {
		return nil, fmt.Errorf("%s: not a version 1 encoder (aftercare_model %q, version %d)", path, m.Model, m.Version)
	}
	return &m, nil
}

// categoryText returns row i of a categorical column as text (the string
// is only valid while the batch is).
func categoryText(a arrow.Array, i int) string {
	switch c := a.(type) {
	case *array.String:
		return c.Value(i)
	case *array.Int64:
		return strconv.FormatInt(c.Value(i), 10)
	case *array.Boolean:
		return strconv.FormatBool(c.Value(i))
	}
	return ""
}

// learn counts the values of the learned columns and fixes their
// categories: frequency then name for onehot, sorted values for ordinal.
func (s *Encode) learn(ctx context.Context, d workflow.Dataset) ([][]string, error) {
	p := s.plan
	counts := make([]map[string]*int64, len(p.cols))
	need := false
	for k, ec := range p.cols {
		if ec.learned {
			counts[k] = map[string]*int64{}
			need = true
		}
	}
	cats := make([][]string, len(p.cols))
	for k, ec := range p.cols {
		cats[k] = ec.cats
	}
	if !need {
		return cats, nil
	}
	intVals := make([]map[int64]bool, len(p.cols))
	err := d.Scan(ctx, func(rec arrow.RecordBatch) error {
		for k, ec := range p.cols {
			if !ec.learned {
				continue
			}
			a := rec.Column(ec.idx)
			for i := range a.Len() {
				if a.IsNull(i) {
					continue
				}
				v := categoryText(a, i)
				if n := counts[k][v]; n != nil {
					*n++
					continue
				}
				one := int64(1)
				counts[k][strings.Clone(v)] = &one
				if ia, isInt := a.(*array.Int64); isInt && s.Method == "ordinal" {
					if intVals[k] == nil {
						intVals[k] = map[int64]bool{}
					}
					intVals[k][ia.Value(i)] = true
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for k, ec := range p.cols {
		if !ec.learned {
			continue
		}
		names := sortedKeysOf(counts[k])
		if s.Method == "ordinal" {
			if intVals[k] != nil {
				// Ints sort by value, not text.
				slices.SortFunc(names, func(a, b string) int {
					x, _ := strconv.ParseInt(a, 10, 64)
					y, _ := strconv.ParseInt(b, 10, 64)
					return cmp.Compare(x, y)
				})
			}
			cats[k] = names
			continue
		}
		slices.SortStableFunc(names, func(a, b string) int { return cmp.Compare(*counts[k][b], *counts[k][a]) })
		if len(names) > ec.ranks {
			names = names[:ec.ranks]
		}
		cats[k] = names
	}
	return cats, nil
}

// Run learns the categories when needed, records and saves them, and
// returns the lazily encoded input.
func (s *Encode) Run(ctx context.Context, r *workflow.RunContext) error {
	p := s.plan
	if p == nil {
		return fmt.Errorf("step was not planned")
	}
	in := r.Input(s.Input)
	cats, err := s.learn(ctx, in)
	if err != nil {
		return err
	}
	model := &EncoderModel{Model: EncoderModelKind, Version: 1, Method: s.Method, Columns: map[string]ColumnEncoder{}}
	metric := map[string]any{}
	lookup := make([]map[string]int, len(p.cols))
	for k, ec := range p.cols {
		model.Columns[ec.name] = ColumnEncoder{Categories: cats[k], Other: ec.other}
		metric[ec.name] = cats[k]
		lookup[k] = make(map[string]int, len(cats[k]))
		for i, cat := range cats[k] {
			lookup[k][cat] = i
		}
	}
	r.Metric("categories", metric)
	if s.Save != "" {
		if err := saveModel(r, s.Save, "encoder", model); err != nil {
			return err
		}
	}
	mem := r.Mem()
	r.SetOutput("", r.Lazy(in, p.out, func(rec arrow.RecordBatch) (arrow.RecordBatch, error) {
		return s.transform(rec, lookup, mem)
	}))
	return nil
}

// transform encodes one batch.
func (s *Encode) transform(rec arrow.RecordBatch, lookup []map[string]int, mem memory.Allocator) (arrow.RecordBatch, error) {
	p := s.plan
	n := int(rec.NumRows())
	gen := make([][]arrow.Array, len(p.cols))
	defer func() {
		for _, g := range gen {
			for _, a := range g {
				a.Release()
			}
		}
	}()
	codes := make([]int, n)
	for k, ec := range p.cols {
		a := rec.Column(ec.idx)
		ncat := len(ec.outNames)
		if ec.other {
			ncat--
		}
		for i := range n {
			if a.IsNull(i) {
				codes[i] = -2
				continue
			}
			v := categoryText(a, i)
			code, found := lookup[k][v]
			if !found {
				if s.Unknown == "error" {
					return nil, fmt.Errorf("column %q: value %q is not among its categories (set unknown: other or ignore to accept it)", ec.name, v)
				}
				code = -1
			}
			codes[i] = code
		}
		if s.Method == "ordinal" {
			b := array.NewInt64Builder(mem)
			b.Reserve(n)
			for _, code := range codes {
				if code < 0 {
					b.UnsafeAppendBoolToBitmap(false)
				} else {
					b.UnsafeAppend(int64(code))
				}
			}
			gen[k] = append(gen[k], b.NewArray())
			b.Release()
			continue
		}
		for j := range len(ec.outNames) {
			vals := make([]float64, n)
			for i, code := range codes {
				if code == j || code == -1 && ec.other && j == ncat {
					vals[i] = 1
				}
			}
			gen[k] = append(gen[k], floatArray(vals, mem))
		}
	}
	cols := make([]arrow.Array, len(p.src))
	next := make([]int, len(p.cols))
	for i, src := range p.src {
		if src >= 0 {
			cols[i] = rec.Column(src)
			continue
		}
		k := -1 - src
		cols[i] = gen[k][next[k]]
		next[k]++
	}
	return array.NewRecordBatch(p.out, cols, int64(n)), nil
}
