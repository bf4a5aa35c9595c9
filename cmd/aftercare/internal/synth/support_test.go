package synth

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

func TestSupportOptionsValidate(t *testing.T) {
	if err := DefaultSupportOptions().Validate(); err != nil {
		t.Fatalf("defaults are invalid: %v", err)
	}
	for _, tc := range []struct {
		name   string
		change func(*SupportOptions)
		want   []string
	}{
		{"no customers", func(o *SupportOptions) { o.Customers = 0 }, []string{"customers must be positive, got 0"}},
		{"end before start", func(o *SupportOptions) { o.End = o.Start.Add(-time.Hour) },
			[]string{"end 2022-12-31T23:00:00Z must be after start 2023-01-01T00:00:00Z"}},
		{"end equals start", func(o *SupportOptions) { o.End = o.Start }, []string{"must be after start"}},
		{"no types", func(o *SupportOptions) { o.Types = nil }, []string{"no customer types"}},
		{"duplicate type", func(o *SupportOptions) { o.Types = append(o.Types, o.Types[0]) },
			[]string{`customer type "loyal_high_value" is defined twice`}},
		{"bad type", func(o *SupportOptions) {
			o.Types[1].Share = 0
			o.Types[1].SignupFrom = 0.9
			o.Types[1].SignupTo = 0.2
			o.Types[2].ReturnProb = 1.5
			o.Types[3].Satisfaction = 6
			o.Types[4].Tickets = TicketMix{}
			o.Types[0].Tickets.Billing = -1
		}, []string{
			`customer type "bargain_one_timer": share must be positive, got 0`,
			`customer type "bargain_one_timer": signup window must satisfy 0 <= from < to <= 1, got [0.9, 0.2)`,
			`customer type "struggling_new": return probability must be in [0, 1], got 1.5`,
			`customer type "lapsing_regular": satisfaction must be in [1, 5], got 6`,
			`customer type "serial_returner": ticket category weights are all zero`,
			`customer type "loyal_high_value": ticket weight of billing must be 0 or positive, got -1`,
		}},
		{"no regions", func(o *SupportOptions) { o.Regions = nil }, []string{"no regions"}},
		{"duplicate region", func(o *SupportOptions) { o.Regions = []string{"a", "a"} }, []string{`region "a" is listed twice`}},
		{"probabilities", func(o *SupportOptions) { o.UnresolvedProb = -0.1; o.UnansweredProb = math.NaN() },
			[]string{"unresolved probability must be in [0, 1], got -0.1", "unanswered probability must be in [0, 1], got NaN"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := DefaultSupportOptions()
			tc.change(&o)
			_, _, _, err := Support(o)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.HasPrefix(err.Error(), "validate support options: ") {
				t.Errorf("error %q lacks the context prefix", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestSupportSchemas(t *testing.T) {
	orders, tickets, customers, err := Support(DefaultSupportOptions())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		g    Generator
		want string
	}{
		{orders, "customer_id:utf8 order_id:utf8 ordered_at:timestamp[us, tz=UTC] amount:float64 items:int64 returned:bool"},
		{tickets, "ticket_id:utf8 customer_id:utf8 order_id:utf8 opened_at:timestamp[us, tz=UTC] category:utf8 " +
			"resolution_hours:float64? satisfaction:int64?"},
		{customers, "customer_id:utf8 signup_date:date32 region:utf8 latent_type:utf8"},
	} {
		var got []string
		for _, f := range tc.g.Schema.Fields() {
			s := f.Name + ":" + f.Type.String()
			if f.Nullable {
				s += "?"
			}
			got = append(got, s)
		}
		if g := strings.Join(got, " "); g != tc.want {
			t.Errorf("schema %s, want %s", g, tc.want)
		}
	}
}

func TestSupportDeterministic(t *testing.T) {
	opts := DefaultSupportOptions()
	opts.Customers = 2*blockSize + 100 // three blocks, the last one short
	orders, tickets, customers, err := Support(opts)
	if err != nil {
		t.Fatal(err)
	}
	assertDeterministic(t, "orders", orders)
	assertDeterministic(t, "tickets", tickets)
	assertDeterministic(t, "customers", customers)

	// A second Support call with the same options gives the same tables.
	o2, t2, c2, err := Support(opts)
	if err != nil {
		t.Fatal(err)
	}
	for name, p := range map[string][2]Generator{"orders": {orders, o2}, "tickets": {tickets, t2}, "customers": {customers, c2}} {
		a, _, _ := digest(t, p[0])
		b, _, _ := digest(t, p[1])
		if a != b {
			t.Errorf("two Support calls with the same options give different %s", name)
		}
	}
	opts.Seed = 99
	o3, _, _, err := Support(opts)
	if err != nil {
		t.Fatal(err)
	}
	a, _, _ := digest(t, orders)
	b, _, _ := digest(t, o3)
	if a == b {
		t.Error("seeds 1 and 99 give the same orders")
	}
}

type supportCustomerRow struct {
	typ    string
	signup arrow.Date32
	region string
}

type supportOrderRow struct {
	customer string
	at       arrow.Timestamp
	items    int64
	amount   float64
	returned bool
}

// TestSupportConsistent scans the three tables of a 20,000-customer
// scenario (three blocks) and checks referential integrity, id numbering,
// value ranges, and that each latent type shows the behaviour it states.
func TestSupportConsistent(t *testing.T) {
	opts := DefaultSupportOptions()
	opts.Customers = 20_000
	orders, tickets, customers, err := Support(opts)
	if err != nil {
		t.Fatal(err)
	}
	mem := checkedMem(t)
	ctx := context.Background()
	start, end := arrow.Timestamp(opts.Start.UnixMicro()), arrow.Timestamp(opts.End.UnixMicro())

	custs := map[string]supportCustomerRow{}
	var custOrder []string
	err = customers.Scan(ctx, mem, func(rec arrow.RecordBatch) error {
		id := rec.Column(0).(*array.String)
		signup := rec.Column(1).(*array.Date32)
		region := rec.Column(2).(*array.String)
		typ := rec.Column(3).(*array.String)
		for i := range int(rec.NumRows()) {
			c := strings.Clone(id.Value(i))
			custs[c] = supportCustomerRow{typ: strings.Clone(typ.Value(i)), signup: signup.Value(i), region: strings.Clone(region.Value(i))}
			custOrder = append(custOrder, c)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(custs) != opts.Customers || len(custOrder) != opts.Customers {
		t.Fatalf("%d distinct customers in %d rows, want %d", len(custs), len(custOrder), opts.Customers)
	}
	if custOrder[0] != "C000001" || custOrder[len(custOrder)-1] != "C020000" || !slices.IsSorted(custOrder) {
		t.Errorf("customer ids are not C000001..C020000 in order")
	}

	ords := map[string]supportOrderRow{}
	var orderNo int64
	err = orders.Scan(ctx, mem, func(rec arrow.RecordBatch) error {
		cust := rec.Column(0).(*array.String)
		id := rec.Column(1).(*array.String)
		at := rec.Column(2).(*array.Timestamp)
		amount := rec.Column(3).(*array.Float64)
		items := rec.Column(4).(*array.Int64)
		returned := rec.Column(5).(*array.Boolean)
		for i := range int(rec.NumRows()) {
			orderNo++
			if want := fmt.Sprintf("O%09d", orderNo); id.Value(i) != want {
				t.Fatalf("order id %s, want %s", id.Value(i), want)
			}
			c, ok := custs[cust.Value(i)]
			if !ok {
				t.Fatalf("order %s: unknown customer %s", id.Value(i), cust.Value(i))
			}
			ts := at.Value(i)
			signup := arrow.Timestamp(int64(c.signup) * 86400e6)
			if ts < start || ts >= end || ts < signup {
				t.Fatalf("order %s at %v: before signup %v or outside the period", id.Value(i), ts, signup)
			}
			if items.Value(i) < 1 || amount.Value(i) < 0.01 {
				t.Fatalf("order %s: %d items for %v", id.Value(i), items.Value(i), amount.Value(i))
			}
			ords[strings.Clone(id.Value(i))] = supportOrderRow{customer: strings.Clone(cust.Value(i)), at: ts,
				items: items.Value(i), amount: amount.Value(i), returned: returned.Value(i)}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	categories := TicketCategories()
	var (
		ticketNo             int64
		unresolved, resolved float64
		unanswered           float64
		ticketsByType        = map[string]float64{}
		returnTickets        float64
	)
	err = tickets.Scan(ctx, mem, func(rec arrow.RecordBatch) error {
		id := rec.Column(0).(*array.String)
		cust := rec.Column(1).(*array.String)
		order := rec.Column(2).(*array.String)
		at := rec.Column(3).(*array.Timestamp)
		cat := rec.Column(4).(*array.String)
		hours := rec.Column(5).(*array.Float64)
		score := rec.Column(6).(*array.Int64)
		for i := range int(rec.NumRows()) {
			ticketNo++
			if want := fmt.Sprintf("T%09d", ticketNo); id.Value(i) != want {
				t.Fatalf("ticket id %s, want %s", id.Value(i), want)
			}
			c, ok := custs[cust.Value(i)]
			if !ok {
				t.Fatalf("ticket %s: unknown customer %s", id.Value(i), cust.Value(i))
			}
			o, ok := ords[order.Value(i)]
			if !ok {
				t.Fatalf("ticket %s: unknown order %s", id.Value(i), order.Value(i))
			}
			if o.customer != cust.Value(i) {
				t.Fatalf("ticket %s: order %s belongs to %s, not %s", id.Value(i), order.Value(i), o.customer, cust.Value(i))
			}
			if ts := at.Value(i); ts < o.at || ts >= end {
				t.Fatalf("ticket %s opened at %v, before its order (%v) or after the end", id.Value(i), ts, o.at)
			}
			if !slices.Contains(categories, cat.Value(i)) {
				t.Fatalf("ticket %s: category %q", id.Value(i), cat.Value(i))
			}
			if cat.Value(i) == "return" && o.returned {
				returnTickets++
			}
			ticketsByType[c.typ]++
			if hours.IsNull(i) {
				unresolved++
				if score.IsValid(i) {
					t.Fatalf("ticket %s: unresolved but rated", id.Value(i))
				}
				continue
			}
			resolved++
			if h := hours.Value(i); h < 0 || at.Value(i)+arrow.Timestamp(h*3600e6) > end {
				t.Fatalf("ticket %s: resolved in %v hours, after the end", id.Value(i), h)
			}
			if score.IsNull(i) {
				unanswered++
			} else if s := score.Value(i); s < 1 || s > 5 {
				t.Fatalf("ticket %s: satisfaction %d", id.Value(i), s)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	within := func(what string, got, want, se float64) {
		t.Helper()
		if math.Abs(got-want) > 4*se {
			t.Errorf("%s: %.4g, want %.4g ± 4 × %.2g", what, got, want, se)
		}
	}
	// Null rates: 2% unresolved by option plus tickets resolved after the
	// end; 20% of resolved tickets unanswered.
	total := unresolved + resolved
	if r := unresolved / total; r < 0.02 || r > 0.06 {
		t.Errorf("unresolved share %.3f, want between 0.02 and 0.06", r)
	}
	within("unanswered share", unanswered/resolved, opts.UnansweredProb, math.Sqrt(0.2*0.8/resolved))
	if returnTickets == 0 {
		t.Error("no return ticket about a returned order")
	}

	// Per type: share of customers (multinomial), return rate and mean
	// items per order (as stated), orders and tickets per customer
	// (ordering of the types).
	n := float64(opts.Customers)
	count := map[string]float64{}
	for _, c := range custs {
		count[c.typ]++
	}
	shareSum := 0.0
	for _, ty := range opts.Types {
		shareSum += ty.Share
	}
	type stats struct{ orders, returned, items float64 }
	byType := map[string]*stats{}
	for _, o := range ords {
		ty := custs[o.customer].typ
		if byType[ty] == nil {
			byType[ty] = &stats{}
		}
		s := byType[ty]
		s.orders++
		s.items += float64(o.items)
		if o.returned {
			s.returned++
		}
	}
	perCustomer := map[string]float64{}
	for _, ty := range opts.Types {
		p := ty.Share / shareSum
		within(ty.Name+" share", count[ty.Name]/n, p, math.Sqrt(p*(1-p)/n))
		s := byType[ty.Name]
		within(ty.Name+" return rate", s.returned/s.orders, ty.ReturnProb, math.Sqrt(ty.ReturnProb*(1-ty.ReturnProb)/s.orders))
		// items = 1 + Poisson(ItemsMean − 1): variance ItemsMean − 1.
		within(ty.Name+" items per order", s.items/s.orders, ty.ItemsMean, math.Sqrt(max(ty.ItemsMean-1, 1e-9)/s.orders))
		perCustomer[ty.Name] = s.orders / count[ty.Name]
		t.Logf("%-18s %5.0f customers, %.2f orders and %.2f tickets per customer, %.2f tickets per order",
			ty.Name, count[ty.Name], perCustomer[ty.Name], ticketsByType[ty.Name]/count[ty.Name], ticketsByType[ty.Name]/s.orders)
	}
	if !(perCustomer["bargain_one_timer"] < 1.6 && perCustomer["loyal_high_value"] > 5*perCustomer["bargain_one_timer"]) {
		t.Errorf("orders per customer do not separate loyal (%.2f) from one-timers (%.2f)",
			perCustomer["loyal_high_value"], perCustomer["bargain_one_timer"])
	}
	tpo := func(ty string) float64 { return ticketsByType[ty] / byType[ty].orders }
	for _, ty := range []string{"loyal_high_value", "bargain_one_timer", "lapsing_regular", "serial_returner"} {
		if tpo("struggling_new") < 2*tpo(ty) {
			t.Errorf("struggling_new has %.2f tickets per order, not clearly more than %s (%.2f)", tpo("struggling_new"), ty, tpo(ty))
		}
	}
}

// TestSupportRecency checks the lapsing regulars: they stop ordering long
// before the end, unlike the loyal customers.
func TestSupportRecency(t *testing.T) {
	opts := DefaultSupportOptions()
	orders, _, customers, err := Support(opts)
	if err != nil {
		t.Fatal(err)
	}
	mem := checkedMem(t)
	typ := map[string]string{}
	err = customers.Scan(context.Background(), mem, func(rec arrow.RecordBatch) error {
		id, ty := rec.Column(0).(*array.String), rec.Column(3).(*array.String)
		for i := range id.Len() {
			typ[strings.Clone(id.Value(i))] = strings.Clone(ty.Value(i))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	last := map[string]arrow.Timestamp{}
	err = orders.Scan(context.Background(), mem, func(rec arrow.RecordBatch) error {
		id, at := rec.Column(0).(*array.String), rec.Column(2).(*array.Timestamp)
		for i := range id.Len() {
			last[strings.Clone(id.Value(i))] = at.Value(i)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	recency := map[string][]float64{}
	for c, ts := range last {
		days := float64(opts.End.UnixMicro()-int64(ts)) / 86400e6
		recency[typ[c]] = append(recency[typ[c]], days)
	}
	median := func(v []float64) float64 { slices.Sort(v); return v[len(v)/2] }
	lapsing, loyal := median(recency["lapsing_regular"]), median(recency["loyal_high_value"])
	t.Logf("median recency: lapsing_regular %.0f days, loyal_high_value %.0f days", lapsing, loyal)
	if lapsing < 180 || loyal > 60 {
		t.Errorf("median recency: lapsing_regular %.0f days (want > 180), loyal_high_value %.0f (want < 60)", lapsing, loyal)
	}
}
