package features

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/aftercare/aftercare/workflow"
)

func init() {
	workflow.Register(workflow.Spec{
		Type:    "features.scale",
		Summary: "Scale numeric columns: standard (z-score), minmax, robust (median/IQR), log1p, winsorize; save and re-apply the fit.",
		Description: `Replaces each listed column by a float column:

  standard   (x - mean) / std, population std (as scikit-learn StandardScaler)
  minmax     (x - min) / (max - min), stretched to range (default [0, 1])
  robust     (x - median) / (q75 - q25) (as RobustScaler; quantile_range)
  log1p      log(1 + x); values must be greater than -1
  winsorize  clip at the winsorize quantiles (default [0.01, 0.99])

log1p: true applies log1p before standard, minmax or robust, and
winsorize: [lo, hi] clips at those quantiles (linear interpolation, fitted
on the data) before anything else. A column with zero spread is not
divided (scale 1), as in scikit-learn.

The fitted parameters are recorded in the run results (metrics.scaler),
emitted on the model output (one row per column) and, with save, written
as versioned JSON ({"aftercare_model": "scaler", "version": 1, "columns":
{...}}). load applies a saved scaler to new data without refitting, so
tomorrow's customers are scored with today's scaling. Each column is
y = (f(clip(x)) - center) / scale + offset, with f = log1p when log1p is
set; x = f⁻¹((y - offset) * scale + center) maps a scaled value (a
cluster centre, say) back to original units (ColumnScaler.Inverse in Go).

Nulls and NaN: by default a null or NaN in a scaled column fails the run
naming the column and count (impute first); with nulls: keep they are left
out of the fit and stay null. The fit holds the listed columns' values in
memory (8 bytes a value).`,
		Outputs: []workflow.Port{{Name: ""}, {Name: "model", Doc: "The fitted scaler: one row per column (column, method, log1p, clip_low, clip_high, center, scale, offset, n)."}},
		New:     func() workflow.Step { return &Scale{Nulls: "error"} },
		Examples: []string{
			"- {id: orders, type: io.read, path: data/orders.csv}\n- {id: rfm, type: features.rfm, input: orders, customer: customer_id, order: order_id, timestamp: ordered_at, amount: amount}\n- id: scaled\n  type: features.scale\n  input: rfm\n  method: standard\n  columns: [recency_days, frequency, monetary]",
			"- {id: orders, type: io.read, path: data/orders.csv}\n- {id: rfm, type: features.rfm, input: orders, customer: customer_id, order: order_id, timestamp: ordered_at, amount: amount}\n- id: scaled\n  type: features.scale\n  input: rfm\n  method: robust\n  log1p: true\n  winsorize: [0.01, 0.99]\n  columns: [frequency, monetary]\n  save: scaler.json",
		},
	})
}

// Scale is the features.scale step.
type Scale struct {
	Input         workflow.Ref      `yaml:"input" required:"true" doc:"Step whose columns are scaled."`
	Columns       []workflow.Column `yaml:"columns" doc:"Numeric columns to scale (with load, default: the saved scaler's columns)."`
	Method        string            `yaml:"method" enum:"standard|minmax|robust|log1p|winsorize|none" doc:"Scaling method (default standard); none leaves values as they are, so a recipe can switch scaling off with a parameter."`
	Log1p         bool              `yaml:"log1p" doc:"Apply log(1 + x) before the method (values must be greater than -1)."`
	Winsorize     []float64         `yaml:"winsorize" doc:"Clip at these two quantiles, fitted on the data, before anything else: like [0.01, 0.99]."`
	Range         []float64         `yaml:"range" doc:"Target range of minmax (default [0, 1])."`
	QuantileRange []float64         `yaml:"quantile_range" doc:"Quantiles whose difference robust divides by (default [0.25, 0.75])."`
	Nulls         string            `yaml:"nulls" enum:"error|keep" doc:"A null or NaN in a scaled column fails the run (error) or stays null, left out of the fit (keep)."`
	Save          string            `yaml:"save" doc:"Write the fitted scaler as JSON to this path (relative to the run's output folder)."`
	Load          string            `yaml:"load" doc:"Apply a scaler saved by an earlier run instead of fitting (relative to the recipe's folder)."`

	plan *scalePlan
}

type scalePlan struct {
	names   []string
	idx     []int
	model   *ScalerModel // loaded at plan time, or nil
	load    string
	out     *arrow.Schema
	lo, hi  float64 // minmax range
	qlo     float64 // robust quantile range
	qhi     float64
	wlo     float64 // winsorize quantiles; wset when used
	whi     float64
	wset    bool
	method  string
	log1p   bool
	keepNul bool
}

func pair(c *workflow.CheckContext, path string, v []float64, lo, hi float64) (float64, float64, bool) {
	if len(v) != 2 || !(v[0] < v[1]) || v[0] < lo || v[1] > hi {
		c.Errorf(path, "%s needs two increasing numbers in [%g, %g], got %v", path, lo, hi, v)
		return 0, 0, false
	}
	return v[0], v[1], true
}

// Check validates the columns and options and declares the outputs.
func (s *Scale) Check(c *workflow.CheckContext) {
	s.plan = nil
	in := c.Schema(s.Input)
	ok := true
	p := &scalePlan{method: s.Method, log1p: s.Log1p, keepNul: s.Nulls == "keep", lo: 0, hi: 1, qlo: 0.25, qhi: 0.75}
	if p.method == "" {
		p.method = "standard"
	}
	if s.Load != "" {
		for _, opt := range []struct {
			name string
			set  bool
		}{{"method", s.Method != ""}, {"log1p", s.Log1p}, {"winsorize", s.Winsorize != nil}, {"range", s.Range != nil}, {"quantile_range", s.QuantileRange != nil}} {
			if opt.set {
				c.Errorf(opt.name, "%s cannot be combined with load: the saved scaler decides", opt.name)
				ok = false
			}
		}
		p.load = c.InputPath(s.Load)
		c.ReadsFile(p.load)
		m, err := LoadScalerModel(p.load)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			if len(s.Columns) == 0 {
				c.Errorf("load", "%s does not exist, and without it the columns to scale are unknown: list them under columns", p.load)
				ok = false
			} else {
				c.Warnf("load", "%s does not exist yet: it is read when the step runs", p.load)
			}
		case err != nil:
			c.Errorf("load", "%v", err)
			ok = false
		default:
			p.model = m
		}
	} else {
		if s.Range != nil {
			if p.method != "minmax" {
				c.Errorf("range", "range applies to method minmax only")
				ok = false
			}
			var rok bool
			p.lo, p.hi, rok = pair(c, "range", s.Range, math.Inf(-1), math.Inf(1))
			ok = ok && rok
		}
		if s.QuantileRange != nil {
			if p.method != "robust" {
				c.Errorf("quantile_range", "quantile_range applies to method robust only")
				ok = false
			}
			var qok bool
			p.qlo, p.qhi, qok = pair(c, "quantile_range", s.QuantileRange, 0, 1)
			ok = ok && qok
		}
		if s.Winsorize != nil || p.method == "winsorize" {
			p.wlo, p.whi, p.wset = 0.01, 0.99, true
			if s.Winsorize != nil {
				var wok bool
				p.wlo, p.whi, wok = pair(c, "winsorize", s.Winsorize, 0, 1)
				ok = ok && wok
			}
		}
		if s.Log1p && (p.method == "log1p" || p.method == "winsorize") {
			if p.method == "log1p" {
				c.Errorf("log1p", "log1p: true is redundant with method log1p")
				ok = false
			}
		}
		if len(s.Columns) == 0 {
			c.Errorf("columns", "scale needs the columns to scale")
			ok = false
		}
	}
	if s.Save != "" {
		c.Writes(s.Save)
	}
	if in == nil {
		return
	}
	cols := s.Columns
	if len(cols) == 0 && p.model != nil {
		for _, n := range p.model.ColumnNames() {
			cols = append(cols, workflow.Column{Name: n, Pos: c.Pos("load")})
		}
	}
	fields := slices.Clone(in.Fields())
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
		if !workflow.IsNumeric(f.Type) {
			c.ErrorAt(col.Pos, path, "column %q is %s: only int and float columns can be scaled (encode categories with features.encode)", col.Name, workflow.TypeName(f.Type))
			ok = false
			continue
		}
		if p.model != nil {
			if _, has := p.model.Columns[col.Name]; !has {
				c.ErrorAt(col.Pos, path, "the saved scaler %s has no column %q%s", s.Load, col.Name, workflow.DidYouMean(col.Name, p.model.ColumnNames()))
				ok = false
				continue
			}
		}
		j := in.FieldIndices(col.Name)[0]
		p.names = append(p.names, col.Name)
		p.idx = append(p.idx, j)
		fields[j] = arrow.Field{Name: col.Name, Type: workflow.Float64, Nullable: true}
	}
	p.out = arrow.NewSchema(fields, nil)
	c.SetOutput("", p.out)
	c.SetOutput("model", ScalerModelSchema)
	if ok {
		s.plan = p
	}
}

// nullError is the run-time error for nulls in a numeric feature column.
func nullError(column string, n int64, hint string) error {
	return fmt.Errorf("column %q has %d null or NaN values: %s", column, n, hint)
}

// collectValues scans d once and returns the non-null, non-NaN values of
// each column idx[k], and the count of nulls and NaN per column.
func collectValues(ctx context.Context, d workflow.Dataset, idx []int) ([][]float64, []int64, error) {
	vals := make([][]float64, len(idx))
	nulls := make([]int64, len(idx))
	var scratch []float64
	err := d.Scan(ctx, func(rec arrow.RecordBatch) error {
		for k, j := range idx {
			a := rec.Column(j)
			v := floatValues(a, &scratch)
			for i, x := range v {
				if a.IsNull(i) || x != x {
					nulls[k]++
					continue
				}
				vals[k] = append(vals[k], x)
			}
		}
		return nil
	})
	return vals, nulls, err
}

// fitColumn fits the scaler of one column from its values (which it
// reorders).
func (p *scalePlan) fitColumn(name string, v []float64) (ColumnScaler, error) {
	c := ColumnScaler{Method: p.method, Log1p: p.log1p || p.method == "log1p", Scale: 1, N: int64(len(v))}
	if len(v) == 0 {
		// No values (an empty input, or only nulls kept with nulls: keep):
		// the identity, recorded with n = 0.
		return c, nil
	}
	if p.wset {
		slices.Sort(v)
		lo, hi := quantileSorted(v, p.wlo), quantileSorted(v, p.whi)
		c.ClipLow, c.ClipHigh = &lo, &hi
		for i, x := range v {
			v[i] = min(max(x, lo), hi)
		}
	}
	if c.Log1p {
		for i, x := range v {
			if !(x > -1) {
				return c, fmt.Errorf("column %q: log1p needs values greater than -1, got %g", name, x)
			}
			v[i] = math.Log1p(x)
		}
	}
	const eps = 2.220446049250313e-16
	switch p.method {
	case "standard":
		n := float64(len(v))
		mean := kahanSum(v) / n
		var sq, corr float64
		for _, x := range v {
			d := x - mean
			corr += d
			sq += d * d
		}
		variance := (sq - corr*corr/n) / n
		c.Center = mean
		// scikit-learn's _is_constant_feature: variance within rounding of 0.
		if upper := n*eps*variance + (n*mean*eps)*(n*mean*eps); variance > upper {
			c.Scale = math.Sqrt(variance)
		}
	case "minmax":
		lo, hi := slices.Min(v), slices.Max(v)
		c.Center, c.Offset = lo, p.lo
		rng := hi - lo
		if rng < 10*eps {
			rng = 1
		}
		c.Scale = rng / (p.hi - p.lo)
	case "robust":
		slices.Sort(v)
		c.Center = median(v)
		if iqr := quantileSorted(v, p.qhi) - quantileSorted(v, p.qlo); iqr >= 10*eps {
			c.Scale = iqr
		}
	}
	return c, nil
}

// kahanSum sums with Kahan-Babuska compensation.
func kahanSum(v []float64) float64 {
	var s, c float64
	for _, x := range v {
		t := s + x
		if math.Abs(s) >= math.Abs(x) {
			c += (s - t) + x
		} else {
			c += (x - t) + s
		}
		s = t
	}
	return s + c
}

// Run fits (or loads) the scaler, records and saves it, and returns the
// lazily scaled input.
func (s *Scale) Run(ctx context.Context, r *workflow.RunContext) error {
	p := s.plan
	if p == nil {
		return fmt.Errorf("step was not planned")
	}
	in := r.Input(s.Input)
	m := p.model
	if p.load != "" && m == nil {
		var err error
		if m, err = LoadScalerModel(p.load); err != nil {
			return fmt.Errorf("load scaler: %w", err)
		}
		for _, n := range p.names {
			if _, ok := m.Columns[n]; !ok {
				return fmt.Errorf("load scaler: %s has no column %q%s", p.load, n, workflow.DidYouMean(n, m.ColumnNames()))
			}
		}
	}
	if m == nil {
		vals, nulls, err := collectValues(ctx, in, p.idx)
		if err != nil {
			return err
		}
		m = &ScalerModel{Model: ScalerModelKind, Version: ScalerModelVersion, Columns: map[string]ColumnScaler{}}
		for k, name := range p.names {
			if nulls[k] > 0 && !p.keepNul {
				return nullError(name, nulls[k], "impute them first (features.impute) or set nulls: keep")
			}
			cs, err := p.fitColumn(name, vals[k])
			if err != nil {
				return err
			}
			vals[k] = nil
			m.Columns[name] = cs
		}
	} else {
		// Keep only the columns this step scales.
		sub := &ScalerModel{Model: m.Model, Version: m.Version, Columns: map[string]ColumnScaler{}}
		for _, n := range p.names {
			sub.Columns[n] = m.Columns[n]
		}
		m = sub
	}
	r.Metric("scaler", m.Columns)
	if s.Save != "" {
		for _, n := range p.names {
			if m.Columns[n].N == 0 && p.load == "" {
				return fmt.Errorf("save scaler: column %q had no values to fit on", n)
			}
		}
		if err := saveModel(r, s.Save, "scaler", m); err != nil {
			return err
		}
	}
	mem := r.Mem()
	r.SetOutput("model", scalerTable(m, p.names, mem))
	scalers := make([]ColumnScaler, len(p.names))
	for k, n := range p.names {
		scalers[k] = m.Columns[n]
	}
	r.SetOutput("", r.Lazy(in, p.out, func(rec arrow.RecordBatch) (arrow.RecordBatch, error) {
		return p.transform(rec, scalers, mem)
	}))
	return nil
}

// transform replaces the scaled columns of rec.
func (p *scalePlan) transform(rec arrow.RecordBatch, scalers []ColumnScaler, mem memory.Allocator) (arrow.RecordBatch, error) {
	cols := make([]arrow.Array, rec.NumCols())
	for i := range cols {
		cols[i] = rec.Column(i)
		cols[i].Retain()
	}
	defer func() {
		for _, c := range cols {
			c.Release()
		}
	}()
	var scratch []float64
	n := int(rec.NumRows())
	for k, j := range p.idx {
		a := rec.Column(j)
		v := floatValues(a, &scratch)
		sc := scalers[k]
		b := array.NewFloat64Builder(mem)
		b.Reserve(n)
		var nulls int64
		for i, x := range v {
			if a.IsNull(i) || x != x {
				nulls++
				b.UnsafeAppendBoolToBitmap(false)
				continue
			}
			y := sc.Transform(x)
			if y != y {
				b.Release()
				return nil, fmt.Errorf("column %q: value %g cannot be scaled (log1p needs values greater than -1)", p.names[k], x)
			}
			b.UnsafeAppend(y)
		}
		if nulls > 0 && !p.keepNul {
			b.Release()
			return nil, nullError(p.names[k], nulls, "impute them first (features.impute) or set nulls: keep")
		}
		cols[j].Release()
		cols[j] = b.NewArray()
		b.Release()
	}
	return array.NewRecordBatch(p.out, cols, rec.NumRows()), nil
}
