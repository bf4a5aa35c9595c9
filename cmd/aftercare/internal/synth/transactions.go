package synth

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"gonum.org/v1/gonum/stat/distuv"
)

// Params are the parameters of the BG/NBD purchase process (Fader, Hardie
// & Lee 2005, "Counting Your Customers the Easy Way", Marketing Science
// 24(2)) and of the Gamma-Gamma spend model (Fader, Hardie & Lee 2005,
// "RFM and CLV", Journal of Marketing Research 42(4)). Time is in days.
type Params struct {
	// R is the shape of the Gamma distribution of the transaction rate λ
	// across customers.
	R float64
	// Alpha is the rate of the Gamma distribution of λ, in days (λ is in
	// purchases per day, so E[λ] = R/Alpha per day). A weekly estimate
	// converts to days by multiplying it by 7.
	Alpha float64
	// A and B are the shapes of the Beta distribution of the dropout
	// probability p across customers.
	A, B float64
	// P is the shape of the Gamma distribution of the spend of one
	// transaction given the customer's scale ν: z ~ Gamma(P, rate ν).
	P float64
	// Q and V are the shape and rate of the Gamma distribution of ν across
	// customers (V is γ in Fader, Hardie & Lee and v in the lifetimes
	// package). The mean spend per transaction is P·V/(Q−1) when Q > 1.
	Q, V float64
}

// CDNOWParams returns the estimates published for the CDNOW data set,
// converted to days: BG/NBD r = 0.243, α = 4.414 weeks (30.898 days),
// a = 0.793, b = 2.426 (Fader, Hardie & Lee 2005, Marketing Science,
// section 5), and Gamma-Gamma p = 6.25, q = 3.74, γ = 15.44 (Fader, Hardie &
// Lee 2005, JMR; the mean spend per transaction is then $35.22).
func CDNOWParams() Params {
	return Params{R: 0.243, Alpha: 4.414 * 7, A: 0.793, B: 2.426, P: 6.25, Q: 3.74, V: 15.44}
}

func (p Params) validate() []error {
	var errs []error
	for _, f := range []struct {
		name string
		v    float64
	}{{"r", p.R}, {"alpha", p.Alpha}, {"a", p.A}, {"b", p.B}, {"p", p.P}, {"q", p.Q}, {"v", p.V}} {
		if !(f.v > 0) || math.IsInf(f.v, 1) {
			errs = append(errs, fmt.Errorf("parameter %s must be a positive finite number, got %g", f.name, f.v))
		}
	}
	return errs
}

// TransactionsOptions configure [Transactions]. Start from
// [DefaultTransactionsOptions] and change what you need.
type TransactionsOptions struct {
	// Customers is the number of customers (default 10,000).
	Customers int
	// Seed seeds every random draw (default 1).
	Seed uint64
	// Start opens the cohort window (default 2023-01-01 00:00 UTC).
	Start time.Time
	// CohortWeeks is the width of the cohort window: each customer makes
	// a first purchase at a time drawn uniformly in [Start, Start +
	// CohortWeeks weeks) (default 12, the first quarter as in CDNOW).
	CohortWeeks int
	// End ends the observation: no transaction is at or after End
	// (default 2024-06-30 00:00 UTC, 78 weeks after the default Start, as
	// the 78 weeks of CDNOW). It must not be before the end of the cohort
	// window.
	End time.Time
	// Params are the model parameters (default [CDNOWParams]).
	Params Params
}

// DefaultTransactionsOptions returns the documented defaults.
func DefaultTransactionsOptions() TransactionsOptions {
	start := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	return TransactionsOptions{
		Customers:   10_000,
		Seed:        1,
		Start:       start,
		CohortWeeks: 12,
		End:         start.AddDate(0, 0, 78*7),
		Params:      CDNOWParams(),
	}
}

// Validate reports every problem with the options at once.
func (o TransactionsOptions) Validate() error {
	var errs []error
	if o.Customers <= 0 {
		errs = append(errs, fmt.Errorf("customers must be positive, got %d", o.Customers))
	}
	if o.CohortWeeks <= 0 {
		errs = append(errs, fmt.Errorf("cohort weeks must be positive, got %d", o.CohortWeeks))
	}
	switch {
	case o.Start.IsZero():
		errs = append(errs, errors.New("start is not set"))
	case o.End.IsZero():
		errs = append(errs, errors.New("end is not set"))
	case o.CohortWeeks > 0:
		cohortEnd := o.Start.AddDate(0, 0, 7*o.CohortWeeks)
		if o.End.Before(cohortEnd) {
			errs = append(errs, fmt.Errorf("end %s is before the end of the %d-week cohort window (%s)",
				o.End.UTC().Format(time.RFC3339), o.CohortWeeks, cohortEnd.UTC().Format(time.RFC3339)))
		}
	}
	errs = append(errs, o.Params.validate()...)
	return errors.Join(errs...)
}

// Transactions returns two generators over the same simulated customers:
//
// transactions has one row per purchase, columns customer_id (string,
// "C000001"), order_id (string, "O000000001"), ordered_at (timestamp) and
// amount (float64, rounded to cents). Each customer is simulated as the
// BG/NBD model states: a first purchase at a uniform time in the cohort
// window; then, while alive, repeat purchases as a Poisson process with
// rate λ ~ Gamma(R, rate Alpha) per day; after each repeat purchase the
// customer drops out for good with probability p ~ Beta(A, B). Each
// purchase spends z ~ Gamma(P, rate ν), ν ~ Gamma(Q, rate V) per customer.
//
// truth has one row per customer with the latent values: customer_id,
// first_purchase_at (timestamp), lambda_per_day (float64), p_dropout
// (float64), nu (float64), expected_spend (float64, P/ν, the customer's
// mean spend per transaction), purchases (int64, transactions before End,
// the first one included) and alive (bool, not dropped out by End).
func Transactions(opts TransactionsOptions) (transactions, truth Generator, err error) {
	if err := opts.Validate(); err != nil {
		return Generator{}, Generator{}, fmt.Errorf("validate transactions options: %w", err)
	}
	s := newTxSim(opts)
	nb := numBlocks(opts.Customers)
	txSchema := arrow.NewSchema([]arrow.Field{
		field("customer_id", stringType, false),
		field("order_id", stringType, false),
		field("ordered_at", timestampType, false),
		field("amount", float64Type, false),
	}, nil)
	truthSchema := arrow.NewSchema([]arrow.Field{
		field("customer_id", stringType, false),
		field("first_purchase_at", timestampType, false),
		field("lambda_per_day", float64Type, false),
		field("p_dropout", float64Type, false),
		field("nu", float64Type, false),
		field("expected_spend", float64Type, false),
		field("purchases", int64Type, false),
		field("alive", boolType, false),
	}, nil)
	transactions = Generator{Schema: txSchema,
		Scan: func(ctx context.Context, mem memory.Allocator, fn func(arrow.RecordBatch) error) error {
			return scanBlocks(ctx, mem, txSchema, nb, s.transactionsBlock, fn)
		}}
	truth = Generator{Schema: truthSchema,
		Scan: func(ctx context.Context, mem memory.Allocator, fn func(arrow.RecordBatch) error) error {
			return scanBlocks(ctx, mem, truthSchema, nb, s.truthBlock, fn)
		}}
	return transactions, truth, nil
}

// txSim simulates blocks of BG/NBD customers.
type txSim struct {
	opts       TransactionsOptions
	clock      clock
	cohortDays float64 // width of the cohort window
	endDays    float64 // End, in days after Start
	idWidth    int
}

func newTxSim(opts TransactionsOptions) *txSim {
	return &txSim{
		opts:       opts,
		clock:      newClock(opts.Start),
		cohortDays: float64(7 * opts.CohortWeeks),
		endDays:    opts.End.Sub(opts.Start).Hours() / 24,
		idWidth:    customerIDWidth(opts.Customers),
	}
}

// txRows holds the simulated rows of one block.
type txRows struct {
	// transactions (when wanted)
	cust   []int64
	at     []arrow.Timestamp
	amount []float64
	// truth, one entry per customer
	first     []arrow.Timestamp
	lambda    []float64
	p         []float64
	nu        []float64
	purchases []int64
	alive     []bool
}

// simulate draws the customers of block b. The random draws are the same
// whether or not the transactions are kept.
func (s *txSim) simulate(b int, keepTx bool) *txRows {
	prm := s.opts.Params
	src := blockSource(s.opts.Seed, streamTransactions, b)
	rng := rand.New(src)
	lambdaDist := distuv.Gamma{Alpha: prm.R, Beta: prm.Alpha, Src: src}
	pDist := distuv.Beta{Alpha: prm.A, Beta: prm.B, Src: src}
	nuDist := distuv.Gamma{Alpha: prm.Q, Beta: prm.V, Src: src}
	spendDist := distuv.Gamma{Alpha: prm.P, Beta: 1, Src: src} // divided by ν

	lo := b * blockSize
	hi := min(lo+blockSize, s.opts.Customers)
	n := hi - lo
	rows := &txRows{
		first: make([]arrow.Timestamp, 0, n), lambda: make([]float64, 0, n), p: make([]float64, 0, n),
		nu: make([]float64, 0, n), purchases: make([]int64, 0, n), alive: make([]bool, 0, n),
	}
	if keepTx {
		c := 3 * n // about 2.9 transactions per customer with the CDNOW parameters
		rows.cust, rows.at, rows.amount = make([]int64, 0, c), make([]arrow.Timestamp, 0, c), make([]float64, 0, c)
	}
	spend := func(nu float64) float64 {
		return max(0.01, math.Round(spendDist.Rand()/nu*100)/100)
	}
	for c := lo; c < hi; c++ {
		t0 := rng.Float64() * s.cohortDays // first purchase, days after Start
		lambda := lambdaDist.Rand()
		p := pDist.Rand()
		nu := nuDist.Rand()
		horizon := s.endDays - t0
		purchases := int64(1)
		alive := true
		z := spend(nu)
		if keepTx {
			rows.cust = append(rows.cust, int64(c+1))
			rows.at = append(rows.at, s.clock.timestamp(t0))
			rows.amount = append(rows.amount, z)
		}
		// Repeat purchases (FHL 2005 assumptions i-iii): Poisson while
		// alive, dropout with probability p after each repeat purchase.
		t := 0.0
		for {
			t += rng.ExpFloat64() / lambda
			if !(t < horizon) { // also stops λ = 0 (t = +Inf or NaN)
				break
			}
			z := spend(nu)
			purchases++
			if keepTx {
				rows.cust = append(rows.cust, int64(c+1))
				rows.at = append(rows.at, s.clock.timestamp(t0+t))
				rows.amount = append(rows.amount, z)
			}
			if rng.Float64() < p {
				alive = false
				break
			}
		}
		rows.first = append(rows.first, s.clock.timestamp(t0))
		rows.lambda = append(rows.lambda, lambda)
		rows.p = append(rows.p, p)
		rows.nu = append(rows.nu, nu)
		rows.purchases = append(rows.purchases, purchases)
		rows.alive = append(rows.alive, alive)
	}
	return rows
}

func (s *txSim) transactionsBlock(mem memory.Allocator, b int) (*blockBatch, error) {
	r := s.simulate(b, true)
	n := len(r.cust)
	return &blockBatch{
		rows: n,
		cols: []arrow.Array{
			idArray(mem, 'C', s.idWidth, r.cust),
			nil, // order_id
			timestampArray(mem, r.at),
			float64Array(mem, r.amount, nil),
		},
		seqs:    []seqColumn{{col: 1, prefix: 'O', counter: counterOrders}},
		advance: [numCounters]int64{counterOrders: int64(n)},
	}, nil
}

func (s *txSim) truthBlock(mem memory.Allocator, b int) (*blockBatch, error) {
	r := s.simulate(b, false)
	n := len(r.first)
	ids := make([]int64, n)
	spend := make([]float64, n)
	for i := range n {
		ids[i] = int64(b*blockSize + i + 1)
		spend[i] = s.opts.Params.P / r.nu[i]
	}
	return &blockBatch{
		rows: n,
		cols: []arrow.Array{
			idArray(mem, 'C', s.idWidth, ids),
			timestampArray(mem, r.first),
			float64Array(mem, r.lambda, nil),
			float64Array(mem, r.p, nil),
			float64Array(mem, r.nu, nil),
			float64Array(mem, spend, nil),
			int64Array(mem, r.purchases, nil),
			boolArray(mem, r.alive),
		},
	}, nil
}
