package bayes

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/aftercare/aftercare/steps/bayes/btyd"
	"github.com/aftercare/aftercare/workflow"
)

func init() {
	workflow.Register(workflow.Spec{
		Type:    "bayes.bgnbd",
		Summary: "Fit the BG/NBD purchase model; P(alive) and expected purchases per customer.",
		Description: `Fits the BG/NBD model (Fader, Hardie & Lee 2005, "Counting Your
Customers the Easy Way") by maximum likelihood to a per-customer summary:
frequency (repeat purchases), recency (time from the first to the last
purchase) and T (time from the first purchase to the end of calibration),
all in one time unit (days or weeks). To start from a transaction log, chain
features.btyd_summary before this step (see recipes/clv-bgnbd.yaml).

The output is the input with two columns added: p_alive, the probability
that the customer is still active, and expected_purchases, the expected
number of purchases in the next horizon time units given the customer's
history. prob_n: [0, 1, 2] adds columns p_n0, p_n1, p_n2: the probability
that the customer makes exactly n purchases within horizon, given the
history (a customer still active at T buys from then on like a new
customer with parameters r+frequency, alpha+T, a, b+frequency). The
params port and metrics get new_p_n0, ...: the same for a new customer.

The params port has one row: r, alpha, a, b, their standard errors (from
the Hessian; NaN when it is not positive definite) and log_likelihood.
Metrics: the same, iterations, converged and customers. Negative, NaN or
null values and recency > T are errors naming the rows (1-based data
rows); a fit that does not converge fails the step with the last
parameters and a hint (try penalizer: 0.001 or rescale time to weeks).`,
		Outputs: []workflow.Port{
			{Name: ""},
			{Name: "params", Doc: "One row: r, alpha, a, b, r_se, alpha_se, a_se, b_se, log_likelihood (and new_p_n<k> with prob_n)."},
		},
		New: func() workflow.Step {
			return &BGNBD{
				Frequency: workflow.Column{Name: "frequency"},
				Recency:   workflow.Column{Name: "recency"},
				T:         workflow.Column{Name: "T"},
			}
		},
		Examples: []string{
			"- {id: orders, type: io.read, path: data/orders.csv}\n- {id: summary, type: features.btyd_summary, input: orders, customer: customer_id, timestamp: ordered_at, amount: amount, calibration_end: \"${params.as_of}\", time_unit: weeks}\n- id: bgnbd\n  type: bayes.bgnbd\n  input: summary\n  horizon: 52\n  prob_n: [0, 1, 2]",
		},
	})
}

// BGNBD is the bayes.bgnbd step.
type BGNBD struct {
	Input         workflow.Ref    `yaml:"input" required:"true" doc:"Step whose rows are one customer each (usually features.btyd_summary)."`
	Frequency     workflow.Column `yaml:"frequency" doc:"Repeat purchases column (default frequency)."`
	Recency       workflow.Column `yaml:"recency" doc:"Recency column: time from the first to the last purchase (default recency)."`
	T             workflow.Column `yaml:"T" doc:"Age column: time from the first purchase to the calibration end (default T)."`
	Horizon       float64         `yaml:"horizon" required:"true" min:"0" doc:"Prediction horizon for expected_purchases, in the summary's time unit (52 weeks, say)."`
	Penalizer     float64         `yaml:"penalizer" min:"0" doc:"L2 penalty coefficient on the parameters, as lifetimes' penalizer_coef (default 0: plain maximum likelihood)."`
	ProbN         []int           `yaml:"prob_n" doc:"Purchase counts n: adds columns p_n<n>, P(exactly n purchases within horizon | history), and new_p_n<n> (a new customer) to params and metrics."`
	MaxIterations int             `yaml:"max_iterations" min:"1" doc:"Maximum optimiser iterations (default 1000)."`

	out, params *arrow.Schema
}

// bgParamsSchema returns the schema of the params port.
func bgParamsSchema(probN []int) *arrow.Schema {
	names := []string{"r", "alpha", "a", "b", "r_se", "alpha_se", "a_se", "b_se", "log_likelihood"}
	for _, n := range probN {
		names = append(names, fmt.Sprintf("new_p_n%d", n))
	}
	return floatSchema(names)
}

// Check validates the columns and declares both output schemas.
func (s *BGNBD) Check(c *workflow.CheckContext) {
	seen := map[int]bool{}
	for i, n := range s.ProbN {
		switch {
		case n < 0:
			c.Errorf(fmt.Sprintf("prob_n[%d]", i), "purchase count %d is negative", n)
		case seen[n]:
			c.Errorf(fmt.Sprintf("prob_n[%d]", i), "purchase count %d is listed twice", n)
		}
		seen[n] = true
	}
	s.params = bgParamsSchema(s.ProbN)
	c.SetOutput("params", s.params)
	in := c.Schema(s.Input)
	if in == nil {
		return
	}
	checkNumeric(c, in, "frequency", s.Frequency)
	checkNumeric(c, in, "recency", s.Recency)
	checkNumeric(c, in, "T", s.T)
	names := []string{"p_alive", "expected_purchases"}
	for _, n := range s.ProbN {
		names = append(names, fmt.Sprintf("p_n%d", n))
	}
	s.out = appendSchema(c, in, names...)
	c.SetOutput("", s.out)
}

// Run fits the model and scores every customer.
func (s *BGNBD) Run(ctx context.Context, r *workflow.RunContext) error {
	t, err := workflow.Collect(ctx, r.Input(s.Input))
	if err != nil {
		return err
	}
	defer t.Release()
	x, tx, T, err := summaryColumns(t, s.Frequency.Name, s.Recency.Name, s.T.Name)
	if err != nil {
		return err
	}
	fit, err := btyd.FitBG(x, tx, T, nil, btyd.BGOptions{Penalizer: s.Penalizer, MaxIterations: s.MaxIterations})
	if err != nil {
		var ce *btyd.ConvergenceError
		if errors.As(err, &ce) && len(ce.Params) == 4 {
			for i, name := range []string{"r", "alpha", "a", "b"} {
				r.Metric(name, ce.Params[i])
			}
			r.Metric("iterations", ce.Conv.Iterations)
			r.Metric("converged", false)
		}
		return fmt.Errorf("fit bg/nbd on %d customers (parameters r, alpha, a, b): %w", len(x), err)
	}
	p := fit.Params
	n := len(x)
	alive, expected := make([]float64, n), make([]float64, n)
	cols := [][]float64{alive, expected}
	for range s.ProbN {
		cols = append(cols, make([]float64, n))
	}
	for i := range n {
		alive[i] = p.ProbAlive(x[i], tx[i], T[i])
		expected[i] = p.ConditionalExpectedPurchases(s.Horizon, x[i], tx[i], T[i])
		for j, k := range s.ProbN {
			cols[2+j][i] = condProbPurchases(p, alive[i], s.Horizon, k, x[i], T[i])
		}
	}
	row := []float64{p.R, p.Alpha, p.A, p.B, fit.StdErr.R, fit.StdErr.Alpha, fit.StdErr.A, fit.StdErr.B, fit.LogLik}
	for _, k := range s.ProbN {
		row = append(row, p.ProbPurchases(s.Horizon, k))
	}
	for i, f := range s.params.Fields() {
		r.Metric(f.Name, metricValue(row[i]))
	}
	r.Metric("iterations", fit.Conv.Iterations)
	r.Metric("converged", true)
	r.Metric("customers", n)
	mem := r.Mem()
	r.SetOutput("params", oneRow(mem, s.params, row))
	r.SetOutput("", withColumns(mem, t, s.out, cols))
	return nil
}

// condProbPurchases returns P(X(t) = n | x, tx, T) given alive = P(alive |
// x, tx, T). A customer who has dropped out buys nothing. Given alive at T
// the posterior of the purchase rate is Gamma(r+x, alpha+T) and of the
// dropout probability Beta(a, b+x), independent; as Poisson purchases are
// memoryless, the customer then buys like a new customer with those
// parameters, so P(X(t) = n | alive) is that customer's
// [btyd.BGParams.ProbPurchases]. Its mean is FHL's conditional expectation
// (equation 10) divided by P(alive), which the tests check.
func condProbPurchases(p btyd.BGParams, alive, t float64, n int, x, T float64) float64 {
	post := btyd.BGParams{R: p.R + x, Alpha: p.Alpha + T, A: p.A, B: p.B + x}
	q := alive * post.ProbPurchases(t, n)
	if n == 0 {
		q += 1 - alive
	}
	return q
}

// metricValue maps NaN and infinities (not representable in JSON) to nil.
func metricValue(v float64) any {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return v
}

// summaryColumns reads the frequency, recency and T columns and checks
// them, naming the offending rows.
func summaryColumns(t *workflow.Table, freq, rec, age string) (x, tx, T []float64, err error) {
	// Read all three columns before failing, so that every problem is
	// reported at once; NaN compares false below, so a NaN row is reported
	// once, by floatColumn.
	x, errX := floatColumn(t, freq, false)
	tx, errTx := floatColumn(t, rec, false)
	T, errT := floatColumn(t, age, false)
	if x == nil || tx == nil || T == nil {
		return nil, nil, nil, joinErrs(errX, errTx, errT)
	}
	if len(x) == 0 {
		return nil, nil, nil, fmt.Errorf("input has no rows")
	}
	neg := rowList{what: "negative frequency, recency or T"}
	late := rowList{what: fmt.Sprintf("%s greater than %s", rec, age)}
	frac := rowList{what: "a non-integer " + freq}
	zero := rowList{what: fmt.Sprintf("%s 0 but %s > 0", freq, rec)}
	for i := range x {
		if x[i] < 0 || tx[i] < 0 || T[i] < 0 {
			neg.add(i)
		}
		if tx[i] > T[i] {
			late.add(i)
		}
		if x[i] != math.Trunc(x[i]) && !math.IsNaN(x[i]) {
			frac.add(i)
		}
		if x[i] == 0 && tx[i] > 0 {
			zero.add(i)
		}
	}
	if err := joinErrs(errX, errTx, errT, neg.err(), late.err(), frac.err(), zero.err()); err != nil {
		return nil, nil, nil, fmt.Errorf("check summary: %w", err)
	}
	return x, tx, T, nil
}

// rowList counts the rows that fail one condition and keeps the first few.
type rowList struct {
	what  string
	count int
	first []int
}

func (l *rowList) add(i int) {
	l.count++
	if len(l.first) < 5 {
		l.first = append(l.first, i+1)
	}
}

func (l *rowList) err() error {
	if l.count == 0 {
		return nil
	}
	rows := make([]string, len(l.first))
	for i, r := range l.first {
		rows[i] = fmt.Sprint(r)
	}
	more := ""
	if l.count > len(l.first) {
		more = ", ..."
	}
	if l.count == 1 {
		return fmt.Errorf("1 row with %s (row %s)", l.what, rows[0])
	}
	return fmt.Errorf("%d rows with %s (rows %s%s)", l.count, l.what, strings.Join(rows, ", "), more)
}

// floatColumn reads a numeric column of t as float64. Nulls and NaN or
// infinite values are errors naming the rows, unless allowNull, in which
// case nulls read as NaN. With such an error the values are returned too;
// the slice is nil only when the column is missing or not numeric.
func floatColumn(t *workflow.Table, name string, allowNull bool) ([]float64, error) {
	idx := t.Schema().FieldIndices(name)
	if len(idx) == 0 {
		return nil, fmt.Errorf("input has no column %q", name)
	}
	out := make([]float64, 0, t.NumRows())
	nulls := rowList{what: "null " + name}
	bad := rowList{what: "NaN or infinite " + name}
	for _, b := range t.Batches() {
		base := len(out)
		switch a := b.Column(idx[0]).(type) {
		case *array.Float64:
			for i, v := range a.Float64Values() {
				switch {
				case a.IsNull(i):
					v = math.NaN()
					if !allowNull {
						nulls.add(base + i)
					}
				case math.IsNaN(v) || math.IsInf(v, 0):
					bad.add(base + i)
				}
				out = append(out, v)
			}
		case *array.Int64:
			for i, v := range a.Int64Values() {
				f := float64(v)
				if a.IsNull(i) {
					f = math.NaN()
					if !allowNull {
						nulls.add(base + i)
					}
				}
				out = append(out, f)
			}
		default:
			return nil, fmt.Errorf("column %q is %s, want int or float", name, workflow.TypeName(a.DataType()))
		}
	}
	if err := joinErrs(nulls.err(), bad.err()); err != nil {
		// The values are still returned, so callers can check other
		// conditions and report everything at once.
		return out, fmt.Errorf("column %s: %w", name, err)
	}
	return out, nil
}

// checkNumeric reports a missing or non-numeric column at plan time.
func checkNumeric(c *workflow.CheckContext, in *arrow.Schema, path string, col workflow.Column) {
	pos := col.Pos
	if pos.Line == 0 {
		// A default column name: report at the step.
		pos = c.Pos(path)
	}
	if f, ok := c.ColumnAt(pos, path, in, col.Name); ok && !workflow.IsNumeric(f.Type) {
		c.ErrorAt(pos, path, "column %q is %s, want int or float", col.Name, workflow.TypeName(f.Type))
	}
}

// appendSchema returns in with float64 columns added, reporting names that
// the input already has.
func appendSchema(c *workflow.CheckContext, in *arrow.Schema, names ...string) *arrow.Schema {
	fields := append([]arrow.Field(nil), in.Fields()...)
	for _, n := range names {
		if in.HasField(n) {
			c.Errorf("input", "input already has a column %q, which this step adds; drop or rename it first", n)
			continue
		}
		fields = append(fields, arrow.Field{Name: n, Type: workflow.Float64, Nullable: true})
	}
	return arrow.NewSchema(fields, nil)
}

// floatSchema returns a schema of nullable float64 columns.
func floatSchema(names []string) *arrow.Schema {
	fields := make([]arrow.Field, len(names))
	for i, n := range names {
		fields[i] = arrow.Field{Name: n, Type: workflow.Float64, Nullable: true}
	}
	return arrow.NewSchema(fields, nil)
}

// oneRow builds a one-row table of float64 values; NaN becomes null.
func oneRow(mem memory.Allocator, schema *arrow.Schema, vals []float64) *workflow.Table {
	cols := make([]arrow.Array, len(vals))
	for i, v := range vals {
		cols[i] = floatArray(mem, []float64{v})
	}
	return tableOf(schema, cols, 1)
}

// floatArray builds a float64 array; NaN becomes null.
func floatArray(mem memory.Allocator, v []float64) arrow.Array {
	b := array.NewFloat64Builder(mem)
	defer b.Release()
	b.Reserve(len(v))
	for _, x := range v {
		if math.IsNaN(x) {
			b.AppendNull()
		} else {
			b.UnsafeAppend(x)
		}
	}
	return b.NewArray()
}

// tableOf wraps columns into a one-batch table, taking over the columns.
func tableOf(schema *arrow.Schema, cols []arrow.Array, rows int) *workflow.Table {
	rec := array.NewRecordBatch(schema, cols, int64(rows))
	for _, c := range cols {
		c.Release()
	}
	return workflow.NewTable(schema, rec)
}

// withColumns returns t's rows with the float64 columns vals appended, one
// value per row each, batch by batch; out is the full output schema.
func withColumns(mem memory.Allocator, t *workflow.Table, out *arrow.Schema, vals [][]float64) *workflow.Table {
	res := workflow.NewTable(out)
	row := 0
	for _, b := range t.Batches() {
		rows := int(b.NumRows())
		cols := make([]arrow.Array, 0, len(out.Fields()))
		for c := range int(b.NumCols()) {
			a := b.Column(c)
			a.Retain()
			cols = append(cols, a)
		}
		for _, v := range vals {
			cols = append(cols, floatArray(mem, v[row:row+rows]))
		}
		res.Append(array.NewRecordBatch(out, cols, int64(rows)))
		for _, a := range cols {
			a.Release()
		}
		row += rows
	}
	return res
}

// joinErrs joins the non-nil errors into one line separated by "; ", or
// returns nil.
func joinErrs(errs ...error) error {
	var parts []string
	for _, e := range errs {
		if e != nil {
			parts = append(parts, e.Error())
		}
	}
	if len(parts) == 0 {
		return nil
	}
	return errors.New(strings.Join(parts, "; "))
}
