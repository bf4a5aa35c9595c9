package features

import (
	"cmp"
	"context"
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/aftercare/aftercare/steps/internal/colexpr"
	"github.com/aftercare/aftercare/workflow"
)

func init() {
	workflow.Register(workflow.Spec{
		Type:    "features.btyd_summary",
		Summary: "Frequency, recency, T and monetary value per customer for BTYD models (BG/NBD, Pareto/NBD, Gamma-Gamma).",
		Description: `The calibration-period summary of a transaction log, as lifetimes'
summary_data_from_transaction_data builds it with daily periods: purchases
on the same (UTC) day are merged into one, and only days up to and
including calibration_end count. One row per customer (sorted):

  frequency       repeat purchase days: distinct purchase days - 1
  recency         time from the first to the last purchase day
  T               time from the first purchase day to calibration_end
  monetary_value  mean of the day totals of the repeat purchase days
                  (the first day excluded); 0 when frequency is 0. Only
                  with amount.

recency and T are in time_unit: days, or weeks (days / 7, as the CDNOW
summaries of Fader, Hardie & Lee). calibration_end defaults to the
recipe's as_of parameter. Rows with a null customer or time are skipped;
a null amount adds 0 to its day. Streaming: memory grows with the number
of customers, not rows, when each customer's purchases arrive in time
order; otherwise a second pass recounts the purchase days of the
customers whose purchases go back in time.`,
		New: func() workflow.Step { return &BTYDSummary{TimeUnit: "days"} },
		Examples: []string{
			"- {id: orders, type: io.read, path: data/orders.csv}\n- id: summary\n  type: features.btyd_summary\n  input: orders\n  customer: customer_id\n  timestamp: ordered_at\n  amount: amount\n  calibration_end: ${params.as_of}\n  time_unit: weeks",
		},
	})
}

// BTYDSummary is the features.btyd_summary step.
type BTYDSummary struct {
	Input          workflow.Ref    `yaml:"input" required:"true" doc:"Step whose rows are transactions."`
	Customer       workflow.Column `yaml:"customer" required:"true" doc:"Customer id column (string, int, float, date or timestamp)."`
	Timestamp      workflow.Column `yaml:"timestamp" required:"true" doc:"Purchase time column (date or timestamp); purchases on one UTC day merge."`
	Amount         workflow.Column `yaml:"amount" doc:"Numeric amount column; gives monetary_value."`
	CalibrationEnd string          `yaml:"calibration_end" doc:"Last day of the calibration period (inclusive), usually ${params.calibration_end}. Default: the recipe's as_of parameter."`
	TimeUnit       string          `yaml:"time_unit" enum:"days|weeks" doc:"Unit of recency and T: days or weeks (days / 7)."`
	CustomerAs     string          `yaml:"customer_as" doc:"Name of the customer column in the output (default: the input column's name)."`

	plan *btydPlan
}

type btydPlan struct {
	customer, ts, amount int
	custType             arrow.DataType
	endDay               int64
	unit                 float64
	window               *windowSpec
	out                  *arrow.Schema
	in                   *arrow.Schema // planned input schema: the positions above index it
}

// Check validates the columns and declares the output schema.
func (s *BTYDSummary) Check(c *workflow.CheckContext) {
	s.plan = nil
	in := c.Schema(s.Input)
	ci, ti, ct, _, ok := checkCustomerTime(c, in, s.Customer, s.Timestamp)
	p := &btydPlan{customer: ci, ts: ti, custType: ct, amount: -1, unit: 1, in: in}
	if s.TimeUnit == "weeks" {
		p.unit = 7
	}
	if s.Amount.Name != "" {
		if f, fok := c.ColumnAt(s.Amount.Pos, "amount", in, s.Amount.Name); fok {
			if !workflow.IsNumeric(f.Type) {
				c.ErrorAt(s.Amount.Pos, "amount", "amount column %q is %s, want int or float", s.Amount.Name, workflow.TypeName(f.Type))
				ok = false
			}
			p.amount = in.FieldIndices(s.Amount.Name)[0]
		} else if in != nil {
			ok = false
		}
	}
	end, eok := resolveAsOf(c, "calibration_end", s.CalibrationEnd)
	if in == nil {
		return
	}
	if eok {
		p.endDay = floorDiv(end.UnixMicro(), microsPerDay)
		// Keep every row up to the end of the calibration end's day.
		p.window = &windowSpec{col: ti, lo: math.MinInt64, hi: (p.endDay+1)*microsPerDay - 1}
	} else {
		ok = false
	}
	if ct == nil {
		ct = workflow.String
	}
	fields := []arrow.Field{
		{Name: cmp.Or(s.CustomerAs, s.Customer.Name), Type: ct, Nullable: true},
		{Name: "frequency", Type: workflow.Float64, Nullable: true},
		{Name: "recency", Type: workflow.Float64, Nullable: true},
		{Name: "T", Type: workflow.Float64, Nullable: true},
	}
	if s.Amount.Name != "" {
		fields = append(fields, arrow.Field{Name: "monetary_value", Type: workflow.Float64, Nullable: true})
	}
	p.out = arrow.NewSchema(fields, nil)
	c.SetOutput("", p.out)
	if ok {
		s.plan = p
	}
}

// btydAgg keeps, per customer, the distinct purchase days, the first and
// last day, the total amount and the total of the first day.
type btydAgg struct {
	ts, amount int
	days       runCounter // distinct days
	st         []btydState
	scratchT   []int64
	scratchA   []float64
}

// btydState is one customer's first and last day, total amount and the
// total of the first day, kept together for one cache miss a row.
type btydState struct {
	first, last   int64
	total, firstT float64
	has           bool
}

func (a *btydAgg) grow(n int) {
	a.days.grow(n)
	a.st = growTo(a.st, n)
}

func (a *btydAgg) needsRecount() bool { return a.days.ndirty > 0 }
func (a *btydAgg) startRecount()      { a.days.startRecount() }
func (a *btydAgg) finish()            { a.days.finish() }

// dayOf returns the UTC day of row i of a date or timestamp column.
func dayOf(tv []int64, date bool, i int) int64 {
	if date {
		return tv[i]
	}
	return floorDiv(tv[i], microsPerDay)
}

func (a *btydAgg) recountBatch(b *aggBatch) error {
	tarr := b.rec.Column(a.ts)
	tv := intValues(tarr, &a.scratchT)
	date := tarr.DataType().ID() == arrow.DATE32
	for i, g := range b.gids {
		if use(b, tarr, i) {
			a.days.recount(g, dayOf(tv, date, i))
		}
	}
	return nil
}

func (a *btydAgg) update(b *aggBatch) error {
	tarr := b.rec.Column(a.ts)
	tv := intValues(tarr, &a.scratchT)
	date := tarr.DataType().ID() == arrow.DATE32
	var amt []float64
	var aarr arrow.Array
	if a.amount >= 0 {
		aarr = b.rec.Column(a.amount)
		amt = floatValues(aarr, &a.scratchA)
	}
	for i, g := range b.gids {
		if !use(b, tarr, i) {
			continue
		}
		day := dayOf(tv, date, i)
		var x float64
		if amt != nil && aarr.IsValid(i) && amt[i] == amt[i] {
			x = amt[i]
		}
		a.days.add(g, day)
		st := &a.st[g]
		switch {
		case !st.has || day < st.first:
			if !st.has {
				st.last = day
			}
			st.first, st.firstT, st.has = day, x, true
		case day == st.first:
			st.firstT += x
		}
		if day > st.last {
			st.last = day
		}
		st.total += x
	}
	return nil
}

func (a *btydAgg) build(perm []int32, mem memory.Allocator) arrow.Array {
	panic("features: btydAgg builds through btydPlan.emit")
}

// Run builds the summary in one streaming pass.
func (s *BTYDSummary) Run(ctx context.Context, r *workflow.RunContext) error {
	p := s.plan
	if p == nil {
		return fmt.Errorf("step was not planned")
	}
	mem := r.Mem()
	in := r.Input(s.Input)
	b := &rebinder{planned: p.in, runtime: in.Schema()}
	agg := &btydAgg{ts: b.idx(p.ts), amount: b.idx(p.amount)}
	gs := &groupScan{keys: []int{b.idx(p.customer)}, keyTypes: []arrow.DataType{p.custType}, window: b.window(p.window), dropNull: true,
		aggs: []aggregator{agg}, wheres: make([]*colexpr.Program, 1)}
	if b.err != nil {
		return b.err
	}
	t, err := gs.scan(ctx, in)
	if err != nil {
		return err
	}
	perm := t.sortedOrder()
	n := len(perm)
	freq, rec, age, mon := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	var repeat int64
	for i, g := range perm {
		x := agg.days.count(g) - 1
		repeat += x
		freq[i] = float64(x)
		st := &agg.st[g]
		rec[i] = float64(st.last-st.first) / p.unit
		age[i] = float64(p.endDay-st.first) / p.unit
		if x > 0 {
			mon[i] = (st.total - st.firstT) / float64(x)
		}
	}
	cols := []arrow.Array{t.keys[0].build(perm, mem), floatArray(freq, mem), floatArray(rec, mem), floatArray(age, mem)}
	if p.amount >= 0 {
		cols = append(cols, floatArray(mon, mem))
	}
	r.Metric("customers", n)
	r.Metric("repeat_purchases", repeat)
	r.Metric("rows_scanned", gs.rows)
	r.Metric("rows_used", gs.kept)
	if gs.passes == 2 {
		r.Metric("passes", 2)
	}
	r.SetOutput("", resultTable(p.out, cols, n))
	return nil
}

// floatArray builds a float64 array without nulls.
func floatArray(v []float64, mem memory.Allocator) arrow.Array {
	b := array.NewFloat64Builder(mem)
	defer b.Release()
	b.AppendValues(v, nil)
	return b.NewArray()
}
