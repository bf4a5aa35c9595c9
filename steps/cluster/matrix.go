package cluster

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/aftercare/aftercare/steps/features"
	"github.com/aftercare/aftercare/workflow"
)

// checkFeatures reports, at plan time, feature columns that are missing,
// not numeric, or listed twice.
func checkFeatures(c *workflow.CheckContext, path string, s *arrow.Schema, cols []workflow.Column) {
	if len(cols) == 0 {
		c.Errorf(path, "needs at least one feature column")
		return
	}
	seen := map[string]bool{}
	for i, col := range cols {
		p := fmt.Sprintf("%s[%d]", path, i)
		if seen[col.Name] {
			c.ErrorAt(col.Pos, p, "column %q is listed twice", col.Name)
			continue
		}
		seen[col.Name] = true
		f, ok := c.ColumnAt(col.Pos, p, s, col.Name)
		if ok && !workflow.IsNumeric(f.Type) {
			c.ErrorAt(col.Pos, p, "feature %q is %s; features must be numeric (encode it with features.encode)", col.Name, workflow.TypeName(f.Type))
		}
	}
}

// matrix is a dataset's rows held in memory together with its feature
// columns as a row-major float64 matrix.
type matrix struct {
	table *workflow.Table // the input rows, for writing them back out
	x     []float64       // n × d, row-major
	n, d  int
	names []string
}

// readMatrix collects d and builds the feature matrix. Nulls and NaN are
// an error naming each column and its count (impute them first); so are
// infinite values and an empty input.
func readMatrix(ctx context.Context, ds workflow.Dataset, cols []string) (*matrix, error) {
	t, err := workflow.Collect(ctx, ds)
	if err != nil {
		return nil, err
	}
	m := &matrix{table: t, n: int(t.NumRows()), d: len(cols), names: cols}
	if m.n == 0 {
		t.Release()
		return nil, fmt.Errorf("input has no rows")
	}
	idx := make([]int, len(cols))
	for j, c := range cols {
		ii := t.Schema().FieldIndices(c)
		if len(ii) == 0 {
			t.Release()
			return nil, fmt.Errorf("input has no column %q", c)
		}
		idx[j] = ii[0]
	}
	m.x = make([]float64, m.n*m.d)
	nulls := make([]int, m.d)
	nans := make([]int, m.d)
	infs := make([]int, m.d)
	row := 0
	for _, b := range t.Batches() {
		rows := int(b.NumRows())
		for j, ci := range idx {
			switch a := b.Column(ci).(type) {
			case *array.Float64:
				vals := a.Float64Values()
				for i := range rows {
					v := vals[i]
					switch {
					case a.IsNull(i):
						nulls[j]++
					case math.IsNaN(v):
						nans[j]++
					case math.IsInf(v, 0):
						infs[j]++
					}
					m.x[(row+i)*m.d+j] = v
				}
			case *array.Int64:
				vals := a.Int64Values()
				for i := range rows {
					if a.IsNull(i) {
						nulls[j]++
					}
					m.x[(row+i)*m.d+j] = float64(vals[i])
				}
			default:
				t.Release()
				return nil, fmt.Errorf("feature %q is %s, not numeric", cols[j], a.DataType())
			}
		}
		row += rows
	}
	var bad []string
	for j, c := range cols {
		var parts []string
		if nulls[j] > 0 {
			parts = append(parts, fmt.Sprintf("%d null", nulls[j]))
		}
		if nans[j] > 0 {
			parts = append(parts, fmt.Sprintf("%d NaN", nans[j]))
		}
		if infs[j] > 0 {
			parts = append(parts, fmt.Sprintf("%d infinite", infs[j]))
		}
		if len(parts) > 0 {
			bad = append(bad, fmt.Sprintf("%s has %s", c, strings.Join(parts, " and ")))
		}
	}
	if len(bad) > 0 {
		t.Release()
		return nil, fmt.Errorf("feature matrix: %s value(s) of %d rows (impute them with features.impute or filter them out)", strings.Join(bad, "; "), m.n)
	}
	return m, nil
}

// withColumns returns the matrix's rows with extra columns appended; vals
// hold one value per row for each new field (int32 labels as int64).
func (m *matrix) withColumns(mem memory.Allocator, fields []arrow.Field, cols [][]float64, ints [][]int64) (*workflow.Table, error) {
	base := m.table.Schema()
	all := append(append([]arrow.Field(nil), base.Fields()...), fields...)
	schema := arrow.NewSchema(all, nil)
	out := workflow.NewTable(schema)
	row := 0
	for _, b := range m.table.Batches() {
		rows := int(b.NumRows())
		arrs := make([]arrow.Array, 0, len(all))
		for c := range int(b.NumCols()) {
			a := b.Column(c)
			a.Retain()
			arrs = append(arrs, a)
		}
		fc, ic := 0, 0
		for _, f := range fields {
			switch f.Type.ID() {
			case arrow.INT64:
				bld := array.NewInt64Builder(mem)
				bld.AppendValues(ints[ic][row:row+rows], nil)
				arrs = append(arrs, bld.NewArray())
				bld.Release()
				ic++
			case arrow.FLOAT64:
				bld := array.NewFloat64Builder(mem)
				bld.AppendValues(cols[fc][row:row+rows], nil)
				arrs = append(arrs, bld.NewArray())
				bld.Release()
				fc++
			default:
				for _, a := range arrs {
					a.Release()
				}
				out.Release()
				return nil, fmt.Errorf("withColumns: unsupported type %s", f.Type)
			}
		}
		out.Append(array.NewRecordBatch(schema, arrs, int64(rows)))
		for _, a := range arrs {
			a.Release()
		}
		row += rows
	}
	return out, nil
}

// profileSchema returns the schema of a clustering step's profile table:
// cluster, size, share, then each feature's mean (in original units when
// a scaler is given).
func profileSchema(features []string) *arrow.Schema {
	fields := []arrow.Field{
		{Name: "cluster", Type: workflow.Int64},
		{Name: "size", Type: workflow.Int64},
		{Name: "share", Type: workflow.Float64},
	}
	for _, f := range features {
		fields = append(fields, arrow.Field{Name: f, Type: workflow.Float64})
	}
	return arrow.NewSchema(fields, nil)
}

// profiles builds the profile table: one row per cluster 0..k-1 with its
// size, share of rows and every feature's mean. When scaler is not nil
// and knows a feature, the mean is mapped back to original units.
func profiles(mem memory.Allocator, m *matrix, labels []int32, k int, scaler *features.ScalerModel) (*workflow.Table, error) {
	size := make([]int64, k)
	sums := make([]float64, k*m.d)
	for i, l := range labels {
		size[l]++
		row := m.x[i*m.d : (i+1)*m.d]
		s := sums[int(l)*m.d : (int(l)+1)*m.d]
		for j, v := range row {
			s[j] += v
		}
	}
	schema := profileSchema(m.names)
	bld := array.NewRecordBuilder(mem, schema)
	defer bld.Release()
	for c := range k {
		bld.Field(0).(*array.Int64Builder).Append(int64(c))
		bld.Field(1).(*array.Int64Builder).Append(size[c])
		bld.Field(2).(*array.Float64Builder).Append(float64(size[c]) / float64(m.n))
		for j, name := range m.names {
			fb := bld.Field(3 + j).(*array.Float64Builder)
			if size[c] == 0 {
				fb.AppendNull()
				continue
			}
			mean := sums[c*m.d+j] / float64(size[c])
			if scaler != nil {
				if v, err := scaler.Inverse(name, mean); err == nil {
					mean = v
				}
			}
			fb.Append(mean)
		}
	}
	return workflow.NewTable(schema, bld.NewRecordBatch()), nil
}
