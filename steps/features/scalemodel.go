package features

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/aftercare/aftercare/workflow"
)

// ScalerModelKind is the value of "aftercare_model" in a saved scaler.
const ScalerModelKind = "scaler"

// ScalerModelVersion is the version of the saved scaler format this
// package writes and reads.
const ScalerModelVersion = 1

// ScalerModel is a fitted scaling of numeric columns, as features.scale
// records it in the run results, emits on its model output and saves with
// save: path.json:
//
//	{"aftercare_model": "scaler", "version": 1,
//	 "columns": {"monetary": {"method": "standard", "log1p": true,
//	             "center": 5.1, "scale": 1.2, "offset": 0, "n": 4338}}}
//
// Each column is transformed independently by ColumnScaler.Transform and
// mapped back to original units by ColumnScaler.Inverse.
type ScalerModel struct {
	Model   string                  `json:"aftercare_model"`
	Version int                     `json:"version"`
	Columns map[string]ColumnScaler `json:"columns"`
}

// ColumnScaler is the fitted transformation of one column:
//
//	y = (f(clip(x, ClipLow, ClipHigh)) - Center) / Scale + Offset
//
// where f is log1p when Log1p is set and the identity otherwise, and
// clipping applies only when the bounds are set (winsorizing). For the
// methods: standard has Center the mean and Scale the population standard
// deviation (as scikit-learn's StandardScaler); minmax has Center the
// minimum, Scale (max - min) / (high - low) and Offset low (as
// MinMaxScaler); robust has Center the median and Scale the interquartile
// range (as RobustScaler); log1p and winsorize have Center 0, Scale 1.
// A zero spread gives Scale 1 (as scikit-learn), so constant columns map
// to Offset.
type ColumnScaler struct {
	Method   string   `json:"method"`
	ClipLow  *float64 `json:"clip_low,omitempty"`
	ClipHigh *float64 `json:"clip_high,omitempty"`
	Log1p    bool     `json:"log1p"`
	Center   float64  `json:"center"`
	Scale    float64  `json:"scale"`
	Offset   float64  `json:"offset"`
	N        int64    `json:"n"` // values the fit used
}

// Transform applies the fitted transformation to x.
func (c ColumnScaler) Transform(x float64) float64 {
	if c.ClipLow != nil && x < *c.ClipLow {
		x = *c.ClipLow
	}
	if c.ClipHigh != nil && x > *c.ClipHigh {
		x = *c.ClipHigh
	}
	if c.Log1p {
		x = math.Log1p(x)
	}
	return (x-c.Center)/c.Scale + c.Offset
}

// Inverse maps a transformed value back to the original units: the
// inverse of Transform, except that values clipped by winsorizing come
// back as the clip bounds. Use it to show cluster centres in original
// units.
func (c ColumnScaler) Inverse(y float64) float64 {
	x := (y-c.Offset)*c.Scale + c.Center
	if c.Log1p {
		x = math.Expm1(x)
	}
	return x
}

// Inverse maps a transformed value of a column back to original units.
func (m *ScalerModel) Inverse(column string, y float64) (float64, error) {
	c, ok := m.Columns[column]
	if !ok {
		return 0, fmt.Errorf("scaler has no column %q%s", column, workflow.DidYouMean(column, m.ColumnNames()))
	}
	return c.Inverse(y), nil
}

// ColumnNames returns the model's columns, sorted.
func (m *ScalerModel) ColumnNames() []string {
	out := make([]string, 0, len(m.Columns))
	for k := range m.Columns {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// validate checks a decoded model.
func (m *ScalerModel) validate() error {
	if m.Model != ScalerModelKind {
		return fmt.Errorf("not a scaler model: aftercare_model is %q, want %q", m.Model, ScalerModelKind)
	}
	if m.Version != ScalerModelVersion {
		return fmt.Errorf("scaler model version %d is not supported (this aftercare reads version %d)", m.Version, ScalerModelVersion)
	}
	if len(m.Columns) == 0 {
		return errors.New("scaler model has no columns")
	}
	for name, c := range m.Columns {
		if !(c.Scale != 0) || math.IsNaN(c.Scale) || math.IsInf(c.Scale, 0) || math.IsNaN(c.Center) || math.IsNaN(c.Offset) {
			return fmt.Errorf("scaler model column %q: scale must be a finite non-zero number and center and offset numbers", name)
		}
	}
	return nil
}

// ReadScalerModel decodes and validates a saved scaler.
func ReadScalerModel(r io.Reader) (*ScalerModel, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var m ScalerModel
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("decode scaler model: %w", err)
	}
	if err := m.validate(); err != nil {
		return nil, err
	}
	return &m, nil
}

// LoadScalerModel reads a scaler saved with save: path.json.
func LoadScalerModel(path string) (*ScalerModel, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m, err := ReadScalerModel(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// ScalerModelSchema is the schema of features.scale's model output: one
// row per scaled column, in the step's column order.
var ScalerModelSchema = arrow.NewSchema([]arrow.Field{
	{Name: "column", Type: arrow.BinaryTypes.String},
	{Name: "method", Type: arrow.BinaryTypes.String},
	{Name: "log1p", Type: arrow.FixedWidthTypes.Boolean},
	{Name: "clip_low", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "clip_high", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "center", Type: arrow.PrimitiveTypes.Float64},
	{Name: "scale", Type: arrow.PrimitiveTypes.Float64},
	{Name: "offset", Type: arrow.PrimitiveTypes.Float64},
	{Name: "n", Type: arrow.PrimitiveTypes.Int64},
}, nil)

// scalerTable builds the model output table, columns in order.
func scalerTable(m *ScalerModel, order []string, mem memory.Allocator) *workflow.Table {
	b := array.NewRecordBuilder(mem, ScalerModelSchema)
	defer b.Release()
	for _, name := range order {
		c := m.Columns[name]
		b.Field(0).(*array.StringBuilder).Append(name)
		b.Field(1).(*array.StringBuilder).Append(c.Method)
		b.Field(2).(*array.BooleanBuilder).Append(c.Log1p)
		for k, v := range []*float64{c.ClipLow, c.ClipHigh} {
			fb := b.Field(3 + k).(*array.Float64Builder)
			if v == nil {
				fb.AppendNull()
			} else {
				fb.Append(*v)
			}
		}
		b.Field(5).(*array.Float64Builder).Append(c.Center)
		b.Field(6).(*array.Float64Builder).Append(c.Scale)
		b.Field(7).(*array.Float64Builder).Append(c.Offset)
		b.Field(8).(*array.Int64Builder).Append(c.N)
	}
	return workflow.NewTable(ScalerModelSchema, b.NewRecordBatch())
}

// ScalerModelFromDataset reads a scaler from features.scale's model
// output (a Dataset with ScalerModelSchema), for steps that reference it
// as step.model.
func ScalerModelFromDataset(ctx context.Context, d workflow.Dataset) (*ScalerModel, error) {
	if !d.Schema().Equal(ScalerModelSchema) {
		return nil, fmt.Errorf("not a scaler model output: schema %s", d.Schema())
	}
	m := &ScalerModel{Model: ScalerModelKind, Version: ScalerModelVersion, Columns: map[string]ColumnScaler{}}
	err := d.Scan(ctx, func(rec arrow.RecordBatch) error {
		name := rec.Column(0).(*array.String)
		method := rec.Column(1).(*array.String)
		lg := rec.Column(2).(*array.Boolean)
		lo := rec.Column(3).(*array.Float64)
		hi := rec.Column(4).(*array.Float64)
		ce := rec.Column(5).(*array.Float64)
		sc := rec.Column(6).(*array.Float64)
		of := rec.Column(7).(*array.Float64)
		n := rec.Column(8).(*array.Int64)
		for i := range int(rec.NumRows()) {
			c := ColumnScaler{Method: method.Value(i), Log1p: lg.Value(i), Center: ce.Value(i), Scale: sc.Value(i), Offset: of.Value(i), N: n.Value(i)}
			if lo.IsValid(i) {
				v := lo.Value(i)
				c.ClipLow = &v
			}
			if hi.IsValid(i) {
				v := hi.Value(i)
				c.ClipHigh = &v
			}
			m.Columns[name.Value(i)] = c
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := m.validate(); err != nil {
		return nil, err
	}
	return m, nil
}
