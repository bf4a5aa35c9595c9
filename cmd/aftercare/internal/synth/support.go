package synth

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"gonum.org/v1/gonum/stat/distuv"
)

// SupportOptions configure [Support]. Start from [DefaultSupportOptions]
// and change what you need.
type SupportOptions struct {
	// Customers is the number of customers (default 5,000).
	Customers int
	// Seed seeds every random draw (default 1).
	Seed uint64
	// Start and End bound the period: signups, orders and tickets are in
	// [Start, End) (default 2023-01-01 to 2025-01-01 UTC).
	Start, End time.Time
	// Types are the latent customer types (default
	// [DefaultCustomerTypes]); at most 127.
	Types []CustomerType
	// Regions are the values of the region column, drawn uniformly and
	// independently of the type (a variable with no cluster signal)
	// (default north, east, south, west).
	Regions []string
	// UnresolvedProb is the probability that a ticket stays unresolved
	// (null resolution_hours); tickets whose resolution would end after
	// End are unresolved too (default 0.02).
	UnresolvedProb float64
	// UnansweredProb is the probability that the satisfaction survey of a
	// resolved ticket is not answered (null satisfaction); unresolved
	// tickets have no satisfaction either (default 0.20).
	UnansweredProb float64
	// ReturnTicketProb is the probability that a returned order leads to
	// a "return" ticket (default 0.6).
	ReturnTicketProb float64
}

// DefaultSupportOptions returns the documented defaults.
func DefaultSupportOptions() SupportOptions {
	return SupportOptions{
		Customers:        5_000,
		Seed:             1,
		Start:            time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC),
		End:              time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
		Types:            DefaultCustomerTypes(),
		Regions:          []string{"north", "east", "south", "west"},
		UnresolvedProb:   0.02,
		UnansweredProb:   0.20,
		ReturnTicketProb: 0.6,
	}
}

// Validate reports every problem with the options at once.
func (o SupportOptions) Validate() error {
	var errs []error
	if o.Customers <= 0 {
		errs = append(errs, fmt.Errorf("customers must be positive, got %d", o.Customers))
	}
	switch {
	case o.Start.IsZero():
		errs = append(errs, errors.New("start is not set"))
	case o.End.IsZero():
		errs = append(errs, errors.New("end is not set"))
	case !o.End.After(o.Start):
		errs = append(errs, fmt.Errorf("end %s must be after start %s",
			o.End.UTC().Format(time.RFC3339), o.Start.UTC().Format(time.RFC3339)))
	}
	if len(o.Types) == 0 {
		errs = append(errs, errors.New("no customer types"))
	}
	if len(o.Types) > math.MaxInt8 {
		errs = append(errs, fmt.Errorf("at most %d customer types, got %d", math.MaxInt8, len(o.Types)))
	}
	seen := map[string]bool{}
	for _, t := range o.Types {
		if seen[t.Name] {
			errs = append(errs, fmt.Errorf("customer type %q is defined twice", t.Name))
		}
		seen[t.Name] = true
		errs = append(errs, t.validate()...)
	}
	if len(o.Regions) == 0 {
		errs = append(errs, errors.New("no regions"))
	}
	if len(o.Regions) > math.MaxInt8 {
		errs = append(errs, fmt.Errorf("at most %d regions, got %d", math.MaxInt8, len(o.Regions)))
	}
	seenRegion := map[string]bool{}
	for _, r := range o.Regions {
		if seenRegion[r] {
			errs = append(errs, fmt.Errorf("region %q is listed twice", r))
		}
		seenRegion[r] = true
	}
	for _, p := range []struct {
		name string
		v    float64
	}{{"unresolved probability", o.UnresolvedProb}, {"unanswered probability", o.UnansweredProb},
		{"return ticket probability", o.ReturnTicketProb}} {
		if !(p.v >= 0 && p.v <= 1) {
			errs = append(errs, fmt.Errorf("%s must be in [0, 1], got %g", p.name, p.v))
		}
	}
	return errors.Join(errs...)
}

// Support returns three consistent generators over the same simulated
// customers (see [CustomerType] for the process):
//
// orders: customer_id (string), order_id (string, "O000000001"),
// ordered_at (timestamp), amount (float64, rounded to cents), items
// (int64), returned (bool).
//
// tickets: ticket_id (string, "T000000001"), customer_id (string),
// order_id (string, the order the ticket is about), opened_at (timestamp),
// category (string, one of [TicketCategories]), resolution_hours (float64,
// null when unresolved), satisfaction (int64 1..5, null when the survey
// was not answered or the ticket is unresolved).
//
// customers: customer_id (string), signup_date (date), region (string),
// latent_type (string, the ground truth for clustering). Every customer
// is listed, including those without orders.
//
// Each generator can be scanned on its own and gives the same rows
// whether or not the others are scanned: customer attributes, orders and
// tickets draw from separate random streams.
func Support(opts SupportOptions) (orders, tickets, customers Generator, err error) {
	if err := opts.Validate(); err != nil {
		return Generator{}, Generator{}, Generator{}, fmt.Errorf("validate support options: %w", err)
	}
	opts.Types = slices.Clone(opts.Types)
	opts.Regions = slices.Clone(opts.Regions)
	s := newSupportSim(opts)
	nb := numBlocks(opts.Customers)

	ordersSchema := arrow.NewSchema([]arrow.Field{
		field("customer_id", stringType, false),
		field("order_id", stringType, false),
		field("ordered_at", timestampType, false),
		field("amount", float64Type, false),
		field("items", int64Type, false),
		field("returned", boolType, false),
	}, nil)
	ticketsSchema := arrow.NewSchema([]arrow.Field{
		field("ticket_id", stringType, false),
		field("customer_id", stringType, false),
		field("order_id", stringType, false),
		field("opened_at", timestampType, false),
		field("category", stringType, false),
		field("resolution_hours", float64Type, true),
		field("satisfaction", int64Type, true),
	}, nil)
	customersSchema := arrow.NewSchema([]arrow.Field{
		field("customer_id", stringType, false),
		field("signup_date", dateType, false),
		field("region", stringType, false),
		field("latent_type", stringType, false),
	}, nil)

	orders = Generator{Schema: ordersSchema,
		Scan: func(ctx context.Context, mem memory.Allocator, fn func(arrow.RecordBatch) error) error {
			return scanBlocks(ctx, mem, ordersSchema, nb, s.ordersBlock, fn)
		}}
	tickets = Generator{Schema: ticketsSchema,
		Scan: func(ctx context.Context, mem memory.Allocator, fn func(arrow.RecordBatch) error) error {
			return scanBlocks(ctx, mem, ticketsSchema, nb, s.ticketsBlock, fn)
		}}
	customers = Generator{Schema: customersSchema,
		Scan: func(ctx context.Context, mem memory.Allocator, fn func(arrow.RecordBatch) error) error {
			return scanBlocks(ctx, mem, customersSchema, nb, s.customersBlock, fn)
		}}
	return orders, tickets, customers, nil
}

// Resolution above this many hours lowers satisfaction by one point.
const slowResolutionHours = 48

// supportSim simulates blocks of support customers.
type supportSim struct {
	opts       SupportOptions
	clock      clock
	periodDays float64
	idWidth    int
	typeCDF    []float64    // cumulative normalised shares
	ticketCDF  [][5]float64 // per type, cumulative normalised category weights
	typeNames  []string
	categories []string
}

func newSupportSim(opts SupportOptions) *supportSim {
	s := &supportSim{
		opts:       opts,
		clock:      newClock(opts.Start),
		periodDays: opts.End.Sub(opts.Start).Hours() / 24,
		idWidth:    customerIDWidth(opts.Customers),
		categories: TicketCategories(),
	}
	total := 0.0
	for _, t := range opts.Types {
		total += t.Share
	}
	acc := 0.0
	for _, t := range opts.Types {
		acc += t.Share / total
		s.typeCDF = append(s.typeCDF, acc)
		s.typeNames = append(s.typeNames, t.Name)
		var cdf [5]float64
		w := t.Tickets.weights()
		sum := w[0] + w[1] + w[2] + w[3] + w[4]
		c := 0.0
		for i := range w {
			if sum > 0 {
				c += w[i] / sum
			}
			cdf[i] = c
		}
		s.ticketCDF = append(s.ticketCDF, cdf)
	}
	return s
}

// pick returns the index of the first cumulative weight above u, the last
// index when rounding leaves u above them all.
func pick(cdf []float64, u float64) int {
	for i, c := range cdf {
		if u < c {
			return i
		}
	}
	return len(cdf) - 1
}

// supportCustomer is the customer-level draw (customers stream).
type supportCustomer struct {
	typ    int8
	region int8
	signup float64 // days after Start
}

type supportOrder struct {
	at       float64 // days after Start
	amount   float64
	items    int64
	returned bool
}

type supportTicket struct {
	at       float64 // days after Start
	order    int32   // order number within the block
	category int8
	hours    float64 // NaN when unresolved
	score    int64   // 0 when not answered
}

// customerDraws draws the customer attributes of block b.
func (s *supportSim) customerDraws(b int) []supportCustomer {
	rng := rand.New(blockSource(s.opts.Seed, streamSupportCustomers, b))
	lo := b * blockSize
	hi := min(lo+blockSize, s.opts.Customers)
	out := make([]supportCustomer, 0, hi-lo)
	for range hi - lo {
		typ := pick(s.typeCDF, rng.Float64())
		t := s.opts.Types[typ]
		signup := s.periodDays * (t.SignupFrom + rng.Float64()*(t.SignupTo-t.SignupFrom))
		region := rng.IntN(len(s.opts.Regions))
		out = append(out, supportCustomer{typ: int8(typ), region: int8(region), signup: signup})
	}
	return out
}

// orderDrawer draws the orders of the customers of one block in turn.
type orderDrawer struct {
	s       *supportSim
	rng     *rand.Rand
	src     rand.Source
	rateMul distuv.Gamma
}

func (s *supportSim) newOrderDrawer(b int) *orderDrawer {
	src := blockSource(s.opts.Seed, streamSupportOrders, b)
	return &orderDrawer{s: s, rng: rand.New(src), src: src, rateMul: distuv.Gamma{Alpha: 4, Beta: 4, Src: src}}
}

// next appends the orders of customer c to dst, in time order.
func (d *orderDrawer) next(c supportCustomer, dst []supportOrder) []supportOrder {
	t := d.s.opts.Types[c.typ]
	rng := d.rng
	rate := t.OrdersPerYear / 365.25 * d.rateMul.Rand() // per day
	stop := d.s.periodDays
	if t.ActiveDays > 0 {
		stop = min(stop, c.signup+rng.ExpFloat64()*t.ActiveDays)
	}
	items := distuv.Poisson{Lambda: t.ItemsMean - 1, Src: d.src}
	at := c.signup + rng.ExpFloat64() // first order, mean one day after signup
	for at < stop {
		n := 1 + int64(items.Rand())
		price := t.ItemPrice * math.Exp(t.PriceSigma*rng.NormFloat64())
		amount := max(0.01, math.Round(float64(n)*price*100)/100)
		returned := rng.Float64() < t.ReturnProb
		dst = append(dst, supportOrder{at: at, amount: amount, items: n, returned: returned})
		at += rng.ExpFloat64() / rate
	}
	return dst
}

// ticketDrawer draws the tickets of the customers of one block in turn.
type ticketDrawer struct {
	s   *supportSim
	rng *rand.Rand
	src rand.Source
}

func (s *supportSim) newTicketDrawer(b int) *ticketDrawer {
	src := blockSource(s.opts.Seed, streamSupportTickets, b)
	return &ticketDrawer{s: s, rng: rand.New(src), src: src}
}

// next appends the tickets about the orders of customer c (numbered from
// firstOrder within the block) to dst, in time order.
func (d *ticketDrawer) next(c supportCustomer, orders []supportOrder, firstOrder int32, dst []supportTicket) []supportTicket {
	t := d.s.opts.Types[c.typ]
	rng := d.rng
	count := distuv.Poisson{Lambda: t.TicketsPerOrder, Src: d.src}
	start := len(dst)
	returnCategory := int8(slices.Index(d.s.categories, "return"))
	for i, o := range orders {
		order := firstOrder + int32(i)
		if o.returned && rng.Float64() < d.s.opts.ReturnTicketProb {
			dst = d.ticket(dst, t, order, returnCategory, o.at+5*rng.ExpFloat64())
		}
		for range int(count.Rand()) {
			cat := int8(pick(d.s.ticketCDF[c.typ][:], rng.Float64()))
			dst = d.ticket(dst, t, order, cat, o.at+3*rng.ExpFloat64())
		}
	}
	slices.SortStableFunc(dst[start:], func(a, b supportTicket) int {
		switch {
		case a.at < b.at:
			return -1
		case a.at > b.at:
			return 1
		}
		return 0
	})
	return dst
}

// ticket draws the resolution and satisfaction of a ticket opened at the
// given time and appends it to dst unless it opens after End. Every draw
// is made whether or not the ticket is kept.
func (d *ticketDrawer) ticket(dst []supportTicket, t CustomerType, order int32, cat int8, at float64) []supportTicket {
	rng := d.rng
	hours := t.ResolutionHours * math.Exp(t.ResolutionSigma*rng.NormFloat64())
	unresolved := rng.Float64() < d.s.opts.UnresolvedProb
	unanswered := rng.Float64() < d.s.opts.UnansweredProb
	score := t.Satisfaction + 0.8*rng.NormFloat64()
	if at >= d.s.periodDays {
		return dst
	}
	if hours > slowResolutionHours {
		score--
	}
	tk := supportTicket{at: at, order: order, category: cat, hours: hours,
		score: int64(min(5, max(1, math.Round(score))))}
	if unresolved || at+hours/24 >= d.s.periodDays {
		tk.hours = math.NaN()
		tk.score = 0
	} else if unanswered {
		tk.score = 0
	}
	return append(dst, tk)
}

func (s *supportSim) customersBlock(mem memory.Allocator, b int) (*blockBatch, error) {
	cs := s.customerDraws(b)
	n := len(cs)
	ids := make([]int64, n)
	signup := make([]arrow.Date32, n)
	region := make([]int8, n)
	typ := make([]int8, n)
	for i, c := range cs {
		ids[i] = int64(b*blockSize + i + 1)
		signup[i] = s.clock.date(c.signup)
		region[i] = c.region
		typ[i] = c.typ
	}
	return &blockBatch{
		rows: n,
		cols: []arrow.Array{
			idArray(mem, 'C', s.idWidth, ids),
			dateArray(mem, signup),
			labelArray(mem, s.opts.Regions, region),
			labelArray(mem, s.typeNames, typ),
		},
	}, nil
}

func (s *supportSim) ordersBlock(mem memory.Allocator, b int) (*blockBatch, error) {
	cs := s.customerDraws(b)
	od := s.newOrderDrawer(b)
	orders := make([]supportOrder, 0, 8*len(cs)) // about 5.5 orders per customer by default
	cust := make([]int64, 0, cap(orders))
	for i, c := range cs {
		before := len(orders)
		orders = od.next(c, orders)
		for range len(orders) - before {
			cust = append(cust, int64(b*blockSize+i+1))
		}
	}
	n := len(orders)
	at := make([]arrow.Timestamp, n)
	amount := make([]float64, n)
	items := make([]int64, n)
	returned := make([]bool, n)
	for i, o := range orders {
		at[i] = s.clock.timestamp(o.at)
		amount[i] = o.amount
		items[i] = o.items
		returned[i] = o.returned
	}
	return &blockBatch{
		rows: n,
		cols: []arrow.Array{
			idArray(mem, 'C', s.idWidth, cust),
			nil, // order_id
			timestampArray(mem, at),
			float64Array(mem, amount, nil),
			int64Array(mem, items, nil),
			boolArray(mem, returned),
		},
		seqs:    []seqColumn{{col: 1, prefix: 'O', counter: counterOrders}},
		advance: [numCounters]int64{counterOrders: int64(n)},
	}, nil
}

func (s *supportSim) ticketsBlock(mem memory.Allocator, b int) (*blockBatch, error) {
	cs := s.customerDraws(b)
	od := s.newOrderDrawer(b)
	td := s.newTicketDrawer(b)
	var (
		orders  []supportOrder
		tickets []supportTicket
		cust    []int64
		nOrders int32
	)
	for i, c := range cs {
		orders = od.next(c, orders[:0])
		before := len(tickets)
		tickets = td.next(c, orders, nOrders, tickets)
		nOrders += int32(len(orders))
		for range len(tickets) - before {
			cust = append(cust, int64(b*blockSize+i+1))
		}
	}
	n := len(tickets)
	orderIdx := make([]int32, n)
	at := make([]arrow.Timestamp, n)
	cat := make([]int8, n)
	hours := make([]float64, n)
	hoursValid := make([]bool, n)
	score := make([]int64, n)
	scoreValid := make([]bool, n)
	for i, tk := range tickets {
		orderIdx[i] = tk.order
		at[i] = s.clock.timestamp(tk.at)
		cat[i] = tk.category
		if !math.IsNaN(tk.hours) {
			hours[i], hoursValid[i] = math.Round(tk.hours*100)/100, true
		}
		if tk.score > 0 {
			score[i], scoreValid[i] = tk.score, true
		}
	}
	return &blockBatch{
		rows: n,
		cols: []arrow.Array{
			nil, // ticket_id
			idArray(mem, 'C', s.idWidth, cust),
			nil, // order_id
			timestampArray(mem, at),
			labelArray(mem, s.categories, cat),
			float64Array(mem, hours, hoursValid),
			int64Array(mem, score, scoreValid),
		},
		seqs: []seqColumn{
			{col: 0, prefix: 'T', counter: counterTickets},
			{col: 2, prefix: 'O', counter: counterOrders, local: orderIdx},
		},
		advance: [numCounters]int64{counterOrders: int64(nOrders), counterTickets: int64(n)},
	}, nil
}
