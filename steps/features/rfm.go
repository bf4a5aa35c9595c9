package features

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/aftercare/aftercare/steps/internal/colexpr"
	"github.com/aftercare/aftercare/workflow"
)

func init() {
	workflow.Register(workflow.Spec{
		Type:    "features.rfm",
		Summary: "Recency, frequency and monetary value per customer from a transaction log, as of a date.",
		Description: `One row per customer (sorted by customer) with:

  recency_days    whole days from the last purchase to as_of (floor)
  frequency       distinct orders (non-null values of the order column;
                  without order, the number of rows)
  monetary        sum of amount (nulls and NaN skipped; float)
  first_purchase  earliest purchase time (the timestamp column's type)
  last_purchase   latest purchase time
  tenure_days     whole days from the first purchase to as_of (floor)

Only purchases at or before as_of count (and, with last, after as_of -
last). as_of defaults to the recipe's as_of parameter. Rows with a null
customer or timestamp are skipped (counted in the metrics). Streaming:
memory grows with the number of customers, not rows (frequency counts
orders as count_distinct does: one pass when each customer's order ids
arrive in non-decreasing order, as in a time-ordered log, else a second
pass for the customers whose ids go back).`,
		New: func() workflow.Step { return &RFM{} },
		Examples: []string{
			"- {id: orders, type: io.read, path: data/orders.csv}\n- id: rfm\n  type: features.rfm\n  input: orders\n  customer: customer_id\n  order: order_id\n  timestamp: ordered_at\n  amount: amount\n  as_of: ${params.as_of}",
		},
	})
}

// RFM is the features.rfm step.
type RFM struct {
	Input      workflow.Ref    `yaml:"input" required:"true" doc:"Step whose rows are transactions (or order lines)."`
	Customer   workflow.Column `yaml:"customer" required:"true" doc:"Customer id column (string, int, float, date or timestamp)."`
	Order      workflow.Column `yaml:"order" doc:"Order id column: frequency counts its distinct values. Without it every row is one order."`
	Timestamp  workflow.Column `yaml:"timestamp" required:"true" doc:"Purchase time column (date or timestamp)."`
	Amount     workflow.Column `yaml:"amount" required:"true" doc:"Numeric amount column; monetary is its sum."`
	AsOf       string          `yaml:"as_of" doc:"Reference date (inclusive): usually ${params.as_of}. Default: the recipe's as_of parameter."`
	Last       time.Duration   `yaml:"last" doc:"Only purchases in (as_of - last, as_of] count, like 365d. Default: every purchase up to as_of."`
	CustomerAs string          `yaml:"customer_as" doc:"Name of the customer column in the output (default: the input column's name)."`

	plan *rfmPlan
}

type rfmPlan struct {
	customer, order, ts, amount int
	custType, tsType            arrow.DataType
	window                      *windowSpec
	out                         *arrow.Schema
	in                          *arrow.Schema // planned input schema: the positions above index it
}

// checkCustomerTime checks the customer and time columns shared by RFM
// and the BTYD summary.
func checkCustomerTime(c *workflow.CheckContext, in *arrow.Schema, cust, ts workflow.Column) (ci, ti int, ct, tt arrow.DataType, ok bool) {
	ok = true
	f, fok := c.ColumnAt(cust.Pos, "customer", in, cust.Name)
	if fok {
		if _, kok := keyKindOf(f.Type); !kok {
			c.ErrorAt(cust.Pos, "customer", "customer column %q is %s, want string, int, float, date or timestamp", cust.Name, workflow.TypeName(f.Type))
			ok = false
		} else {
			ci, ct = in.FieldIndices(cust.Name)[0], f.Type
		}
	} else {
		ok = false
	}
	g, gok := c.ColumnAt(ts.Pos, "timestamp", in, ts.Name)
	if gok {
		if !isTimeType(g.Type) {
			c.ErrorAt(ts.Pos, "timestamp", "timestamp column %q is %s, want date or timestamp", ts.Name, workflow.TypeName(g.Type))
			ok = false
		} else {
			ti, tt = in.FieldIndices(ts.Name)[0], g.Type
		}
	} else {
		ok = false
	}
	return
}

// Check validates the columns and declares the output schema.
func (s *RFM) Check(c *workflow.CheckContext) {
	s.plan = nil
	in := c.Schema(s.Input)
	ci, ti, ct, tt, ok := checkCustomerTime(c, in, s.Customer, s.Timestamp)
	p := &rfmPlan{customer: ci, ts: ti, custType: ct, tsType: tt, order: -1, amount: -1, in: in}
	if in != nil && s.Order.Name != "" {
		if f, fok := c.ColumnAt(s.Order.Pos, "order", in, s.Order.Name); fok {
			if _, kok := keyKindOf(f.Type); !kok {
				c.ErrorAt(s.Order.Pos, "order", "order column %q is %s, want string, int, float, date or timestamp", s.Order.Name, workflow.TypeName(f.Type))
				ok = false
			}
			p.order = in.FieldIndices(s.Order.Name)[0]
		} else {
			ok = false
		}
	}
	if f, fok := c.ColumnAt(s.Amount.Pos, "amount", in, s.Amount.Name); fok {
		if !workflow.IsNumeric(f.Type) {
			c.ErrorAt(s.Amount.Pos, "amount", "amount column %q is %s, want int or float", s.Amount.Name, workflow.TypeName(f.Type))
			ok = false
		}
		p.amount = in.FieldIndices(s.Amount.Name)[0]
	} else if in != nil {
		ok = false
	}
	if s.Last < 0 {
		c.Errorf("last", "last must be positive, got %v", s.Last)
		ok = false
	}
	if in == nil {
		return
	}
	if ok {
		w := &Window{AsOf: s.AsOf, Last: s.Last, Column: s.Timestamp}
		p.window = checkWindow(c, "as_of", w, in, s.Timestamp)
		ok = p.window != nil
	}
	if ct == nil {
		ct = workflow.String
	}
	if tt == nil {
		tt = workflow.Timestamp
	}
	p.out = arrow.NewSchema([]arrow.Field{
		{Name: cmp.Or(s.CustomerAs, s.Customer.Name), Type: ct, Nullable: true},
		{Name: "recency_days", Type: workflow.Int64, Nullable: true},
		{Name: "frequency", Type: workflow.Int64, Nullable: true},
		{Name: "monetary", Type: workflow.Float64, Nullable: true},
		{Name: "first_purchase", Type: tt, Nullable: true},
		{Name: "last_purchase", Type: tt, Nullable: true},
		{Name: "tenure_days", Type: workflow.Int64, Nullable: true},
	}, nil)
	c.SetOutput("", p.out)
	if ok {
		s.plan = p
	}
}

// Run aggregates the transactions in one streaming pass.
func (s *RFM) Run(ctx context.Context, r *workflow.RunContext) error {
	p := s.plan
	if p == nil {
		return fmt.Errorf("step was not planned")
	}
	mem := r.Mem()
	in := r.Input(s.Input)
	b := &rebinder{planned: p.in, runtime: in.Schema()}
	var freq interface {
		aggregator
		count(g int32) int64
	} = &countAgg{col: -1}
	if p.order >= 0 {
		freq = &countDistinctAgg{col: b.idx(p.order)}
	}
	stats := &rfmStats{ts: b.idx(p.ts), amount: b.idx(p.amount)}
	gs := &groupScan{keys: []int{b.idx(p.customer)}, keyTypes: []arrow.DataType{p.custType}, window: b.window(p.window), dropNull: true,
		aggs: []aggregator{freq, stats}, wheres: make([]*colexpr.Program, 2)}
	if b.err != nil {
		return b.err
	}
	t, err := gs.scan(ctx, in)
	if err != nil {
		return err
	}
	perm := t.sortedOrder()
	n := len(perm)
	// One pass over the groups in output order gathers every column, so
	// each customer's state is visited once.
	rec, freqs, ten := make([]int64, n), make([]int64, n), make([]int64, n)
	first, last := make([]int64, n), make([]int64, n)
	mon := make([]float64, n)
	date := p.tsType.ID() == arrow.DATE32
	for i, g := range perm {
		st := &stats.st[g]
		first[i], last[i] = st.first, st.last
		f, l := st.first, st.last
		if date {
			f, l = f*microsPerDay, l*microsPerDay
		}
		rec[i] = floorDiv(p.window.hi-l, microsPerDay)
		ten[i] = floorDiv(p.window.hi-f, microsPerDay)
		mon[i] = st.sum + st.c
		freqs[i] = freq.count(g)
	}
	seq := make([]int32, n)
	for i := range seq {
		seq[i] = int32(i)
	}
	cols := []arrow.Array{
		t.keys[0].build(perm, mem),
		buildInts(workflow.Int64, rec, nil, true, seq, mem),
		buildInts(workflow.Int64, freqs, nil, true, seq, mem),
		floatArray(mon, mem),
		buildInts(p.tsType, first, nil, true, seq, mem),
		buildInts(p.tsType, last, nil, true, seq, mem),
		buildInts(workflow.Int64, ten, nil, true, seq, mem),
	}
	r.Metric("customers", t.Len())
	r.Metric("rows_scanned", gs.rows)
	r.Metric("rows_used", gs.kept)
	if gs.passes == 2 {
		r.Metric("passes", 2)
	}
	r.SetOutput("", resultTable(p.out, cols, len(perm)))
	return nil
}

// rfmStats is the monetary sum and the first and last purchase time of
// each customer, kept together so that a row costs one cache miss.
type rfmStats struct {
	ts, amount int
	st         []rfmState
	scratchT   []int64
	scratchA   []float64
}

type rfmState struct {
	sum, c      float64 // Kahan-Babuska sum of amount
	first, last int64   // purchase times (µs or days)
	has         bool
}

func (a *rfmStats) grow(n int) { a.st = growTo(a.st, n) }

func (a *rfmStats) update(b *aggBatch) error {
	tarr, aarr := b.rec.Column(a.ts), b.rec.Column(a.amount)
	tv := intValues(tarr, &a.scratchT)
	av := floatValues(aarr, &a.scratchA)
	nulls := aarr.NullN() > 0
	for i, g := range b.gids {
		if g < 0 { // outside the window (which also drops null times)
			continue
		}
		st := &a.st[g]
		t := tv[i]
		if !st.has {
			st.first, st.last, st.has = t, t, true
		} else if t < st.first {
			st.first = t
		} else if t > st.last {
			st.last = t
		}
		x := av[i]
		if x != x || nulls && aarr.IsNull(i) {
			continue
		}
		sum := st.sum + x
		if math.Abs(st.sum) >= math.Abs(x) {
			st.c += (st.sum - sum) + x
		} else {
			st.c += (x - sum) + st.sum
		}
		st.sum = sum
	}
	return nil
}

func (a *rfmStats) build(perm []int32, mem memory.Allocator) arrow.Array {
	panic("features: rfmStats builds through RFM.Run")
}

// floorDiv divides rounding toward negative infinity.
func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}
