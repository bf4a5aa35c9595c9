package features

import (
	"math"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/aftercare/aftercare/workflow"
)

// microsPerDay is the number of microseconds in a day: timestamps are
// microseconds since the Unix epoch in UTC, dates days since it.
const microsPerDay = 86_400_000_000

// Window restricts the rows a step uses to a lookback window that ends at
// an as-of instant: rows whose time t satisfies as_of - last < t <= as_of.
type Window struct {
	AsOf   string          `yaml:"as_of" doc:"End of the window (inclusive): a date or timestamp, usually ${params.as_of}. Default: the recipe's as_of parameter."`
	Last   time.Duration   `yaml:"last" doc:"Length of the window, like 90d or 12w; rows in (as_of - last, as_of] count. Default: every row up to as_of."`
	Column workflow.Column `yaml:"column" doc:"Date or timestamp column the window applies to (default: the step's time column)."`
}

// windowSpec is a checked window: rows whose column (in microseconds) is
// in (lo, hi] are kept.
type windowSpec struct {
	col    int
	date   bool
	lo, hi int64
}

// resolveAsOf returns the instant written in s (at path), or the recipe's
// as_of parameter when s is empty. It reports a diagnostic and returns
// false when there is neither or s does not parse.
func resolveAsOf(c *workflow.CheckContext, path, s string) (time.Time, bool) {
	if s != "" {
		t, err := workflow.ParseTime(s)
		if err != nil {
			c.Errorf(path, "%v", err)
			return time.Time{}, false
		}
		return t, true
	}
	if t := c.AsOf(); t != nil {
		return t.UTC(), true
	}
	c.Errorf(path, "no as-of instant: set %s or declare an as_of parameter (type date) in the recipe", path)
	return time.Time{}, false
}

// isTimeType reports whether t is a date or timestamp.
func isTimeType(t arrow.DataType) bool {
	return t.ID() == arrow.DATE32 || t.ID() == arrow.TIMESTAMP
}

// checkWindow validates w against the input schema; def is the column to
// use when w names none. It returns nil after reporting a problem.
func checkWindow(c *workflow.CheckContext, path string, w *Window, in *arrow.Schema, def workflow.Column) *windowSpec {
	col := w.Column
	if col.Name == "" {
		col = def
	}
	ok := true
	if col.Name == "" {
		c.Errorf(path, "window needs a column (a date or timestamp)")
		ok = false
	}
	if w.Last < 0 {
		c.Errorf(path+".last", "last must be positive, got %v", w.Last)
		ok = false
	}
	asOf, aok := resolveAsOf(c, path+".as_of", w.AsOf)
	if !aok || !ok {
		return nil
	}
	f, fok := c.ColumnAt(col.Pos, path+".column", in, col.Name)
	if !fok {
		return nil
	}
	if !isTimeType(f.Type) {
		c.ErrorAt(col.Pos, path+".column", "window column %q is %s, want date or timestamp", col.Name, workflow.TypeName(f.Type))
		return nil
	}
	ws := &windowSpec{col: in.FieldIndices(col.Name)[0], date: f.Type.ID() == arrow.DATE32, hi: asOf.UnixMicro(), lo: math.MinInt64}
	if w.Last > 0 {
		ws.lo = ws.hi - w.Last.Microseconds()
	}
	return ws
}

// keep sets keep[i] to whether row i of rec is inside the window.
func (w *windowSpec) keep(rec arrow.RecordBatch, keep []bool) {
	a := rec.Column(w.col)
	switch c := a.(type) {
	case *array.Timestamp:
		vals := c.TimestampValues()
		for i, v := range vals {
			x := int64(v)
			keep[i] = x > w.lo && x <= w.hi && (c.NullN() == 0 || c.IsValid(i))
		}
	case *array.Date32:
		vals := c.Date32Values()
		for i, v := range vals {
			x := int64(v) * microsPerDay
			keep[i] = x > w.lo && x <= w.hi && (c.NullN() == 0 || c.IsValid(i))
		}
	}
}
