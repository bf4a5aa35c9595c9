package synth

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

func TestTransactionsOptionsValidate(t *testing.T) {
	ok := DefaultTransactionsOptions()
	if err := ok.Validate(); err != nil {
		t.Fatalf("defaults are invalid: %v", err)
	}
	for _, tc := range []struct {
		name   string
		change func(*TransactionsOptions)
		want   []string
	}{
		{"no customers", func(o *TransactionsOptions) { o.Customers = 0 }, []string{"customers must be positive, got 0"}},
		{"negative cohort", func(o *TransactionsOptions) { o.CohortWeeks = -1 }, []string{"cohort weeks must be positive"}},
		{"end before cohort end", func(o *TransactionsOptions) { o.End = o.Start.AddDate(0, 0, 10) },
			[]string{"end 2023-01-11T00:00:00Z is before the end of the 12-week cohort window (2023-03-26T00:00:00Z)"}},
		{"no start", func(o *TransactionsOptions) { o.Start = time.Time{} }, []string{"start is not set"}},
		{"no end", func(o *TransactionsOptions) { o.End = time.Time{} }, []string{"end is not set"}},
		{"bad params", func(o *TransactionsOptions) { o.Params.R = 0; o.Params.Q = math.NaN() },
			[]string{"parameter r must be a positive finite number, got 0", "parameter q must be a positive finite number, got NaN"}},
		{"all at once", func(o *TransactionsOptions) { o.Customers = -3; o.Params.Alpha = math.Inf(1) },
			[]string{"customers must be positive, got -3", "parameter alpha must be a positive finite number, got +Inf"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := DefaultTransactionsOptions()
			tc.change(&o)
			_, _, err := Transactions(o)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.HasPrefix(err.Error(), "validate transactions options: ") {
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

func TestTransactionsSchemaAndRows(t *testing.T) {
	opts := DefaultTransactionsOptions()
	opts.Customers = 20_000 // three blocks
	tx, truth, err := Transactions(opts)
	if err != nil {
		t.Fatal(err)
	}
	wantTx := "schema:\n  fields: 4\n    - customer_id: type=utf8\n    - order_id: type=utf8\n" +
		"    - ordered_at: type=timestamp[us, tz=UTC]\n    - amount: type=float64"
	if got := tx.Schema.String(); got != wantTx {
		t.Errorf("transactions schema:\n%s\nwant:\n%s", got, wantTx)
	}
	wantTruth := []string{"customer_id", "first_purchase_at", "lambda_per_day", "p_dropout", "nu",
		"expected_spend", "purchases", "alive"}
	for i, f := range truth.Schema.Fields() {
		if f.Name != wantTruth[i] {
			t.Errorf("truth column %d = %s, want %s", i, f.Name, wantTruth[i])
		}
	}

	// Per customer: transactions counted, first time, first amount.
	type seen struct {
		n     int64
		first arrow.Timestamp
	}
	mem := checkedMem(t)
	perCustomer := map[string]*seen{}
	var orderNo int64
	start, end := arrow.Timestamp(opts.Start.UnixMicro()), arrow.Timestamp(opts.End.UnixMicro())
	cohortEnd := arrow.Timestamp(opts.Start.AddDate(0, 0, 7*opts.CohortWeeks).UnixMicro())
	var last string
	var lastAt arrow.Timestamp
	err = tx.Scan(context.Background(), mem, func(rec arrow.RecordBatch) error {
		cust := rec.Column(0).(*array.String)
		order := rec.Column(1).(*array.String)
		at := rec.Column(2).(*array.Timestamp)
		amount := rec.Column(3).(*array.Float64)
		for i := range int(rec.NumRows()) {
			orderNo++
			if want := fmt.Sprintf("O%09d", orderNo); order.Value(i) != want {
				t.Fatalf("order id %q, want %q", order.Value(i), want)
			}
			c := cust.Value(i)
			ts := at.Value(i)
			if ts < start || ts >= end || int64(ts)%1_000_000 != 0 {
				t.Fatalf("ordered_at %v outside [start, end) or not whole seconds", ts)
			}
			if a := amount.Value(i); a < 0.01 || math.Abs(a*100-math.Round(a*100)) > 1e-6 {
				t.Fatalf("amount %v not positive cents", a)
			}
			if c == last {
				if ts < lastAt {
					t.Fatalf("customer %s: transactions out of time order", c)
				}
				perCustomer[c].n++
			} else {
				if _, dup := perCustomer[c]; dup {
					t.Fatalf("customer %s rows are not contiguous", c)
				}
				if c <= last {
					t.Fatalf("customer %s after %s: not in id order", c, last)
				}
				if ts >= cohortEnd {
					t.Fatalf("customer %s: first purchase %v after the cohort window", c, ts)
				}
				last = strings.Clone(c)
				perCustomer[last] = &seen{n: 1, first: ts}
			}
			lastAt = ts
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(perCustomer) != opts.Customers {
		t.Fatalf("%d customers with transactions, want %d", len(perCustomer), opts.Customers)
	}
	if perCustomer["C000001"] == nil || perCustomer["C020000"] == nil {
		t.Error("customer ids do not run from C000001 to C020000")
	}

	// The truth table agrees with the transactions.
	rows := 0
	err = truth.Scan(context.Background(), mem, func(rec arrow.RecordBatch) error {
		cust := rec.Column(0).(*array.String)
		first := rec.Column(1).(*array.Timestamp)
		purchases := rec.Column(6).(*array.Int64)
		for i := range int(rec.NumRows()) {
			rows++
			s := perCustomer[cust.Value(i)]
			if s == nil {
				t.Fatalf("truth customer %s has no transactions", cust.Value(i))
			}
			if s.n != purchases.Value(i) || s.first != first.Value(i) {
				t.Fatalf("customer %s: truth says %d purchases from %v, transactions %d from %v",
					cust.Value(i), purchases.Value(i), first.Value(i), s.n, s.first)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if rows != opts.Customers {
		t.Errorf("truth has %d rows, want %d", rows, opts.Customers)
	}
}

func TestTransactionsDeterministic(t *testing.T) {
	opts := DefaultTransactionsOptions()
	opts.Customers = 30_000
	tx, truth, err := Transactions(opts)
	if err != nil {
		t.Fatal(err)
	}
	assertDeterministic(t, "transactions", tx)
	assertDeterministic(t, "truth", truth)

	a, _, _ := digest(t, tx)
	opts.Seed = 2
	tx2, _, err := Transactions(opts)
	if err != nil {
		t.Fatal(err)
	}
	if b, _, _ := digest(t, tx2); a == b {
		t.Error("seeds 1 and 2 give the same transactions")
	}
}

// bgnbdReference holds the values computed by testdata/gen_reference.py
// with scipy 1.10 (scipy.special.hyp2f1, betaln, gammaln) from Fader,
// Hardie & Lee (2005), Marketing Science 24(2): E[X(t)] (their eq. 9),
// P(X(t) = x) (eq. 8), the probability of being alive at the end, and the
// Gamma-Gamma mean and variance of the spend per transaction.
type bgnbdReference struct {
	CohortDays float64 `json:"cohort_days"`
	EndDays    float64 `json:"end_days"`
	ExpectedX  []struct {
		TDays  float64 `json:"t_days"`
		Value  float64 `json:"value"`
		Hyp2F1 float64 `json:"hyp2f1"`
	} `json:"expected_x"`
	PMF []struct {
		TDays float64   `json:"t_days"`
		Probs []float64 `json:"probs"`
	} `json:"pmf"`
	PAliveEnd float64 `json:"p_alive_end"`
	MeanSpend float64 `json:"mean_spend"`
	VarSpend  float64 `json:"var_spend"`
}

// hyp2f1 evaluates the Gauss hypergeometric function 2F1(a, b; c; z) for
// 0 <= z < 1 by its defining series Σ (a)_k (b)_k / ((c)_k k!) z^k.
func hyp2f1(a, b, c, z float64) float64 {
	sum, term := 1.0, 1.0
	for k := 0.0; k < 1e6; k++ {
		term *= (a + k) * (b + k) / ((c + k) * (k + 1)) * z
		sum += term
		if math.Abs(term) < 1e-16*math.Abs(sum) {
			break
		}
	}
	return sum
}

// expectedX is the unconditional E[X(t)] of the BG/NBD model, Fader,
// Hardie & Lee (2005), Marketing Science 24(2), eq. 9:
// (a+b−1)/(a−1) · [1 − (α/(α+t))^r · 2F1(r, b; a+b−1; t/(α+t))].
func expectedX(p Params, t float64) float64 {
	return (p.A + p.B - 1) / (p.A - 1) *
		(1 - math.Pow(p.Alpha/(p.Alpha+t), p.R)*hyp2f1(p.R, p.B, p.A+p.B-1, t/(p.Alpha+t)))
}

// TestTransactionsMatchBGNBD simulates 200,000 CDNOW-like customers and
// compares what the generator wrote with the BG/NBD and Gamma-Gamma
// theory: the mean and the distribution of the number of repeat purchases
// in the first t days, the share alive at the end, the mean spend, and the
// means of the latent λ, p and ν.
func TestTransactionsMatchBGNBD(t *testing.T) {
	raw, err := os.ReadFile("testdata/bgnbd_reference.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref bgnbdReference
	if err := json.Unmarshal(raw, &ref); err != nil {
		t.Fatal(err)
	}
	prm := CDNOWParams()
	// Our series against scipy's hyp2f1, then E[X(t)] against scipy's.
	for _, e := range ref.ExpectedX {
		z := e.TDays / (prm.Alpha + e.TDays)
		if got := hyp2f1(prm.R, prm.B, prm.A+prm.B-1, z); math.Abs(got-e.Hyp2F1) > 1e-10*e.Hyp2F1 {
			t.Errorf("2F1 at t=%g: series %.12g, scipy %.12g", e.TDays, got, e.Hyp2F1)
		}
		if got := expectedX(prm, e.TDays); math.Abs(got-e.Value) > 1e-10 {
			t.Errorf("E[X(%g)]: %.12g, scipy %.12g", e.TDays, got, e.Value)
		}
	}

	const n = 200_000
	opts := DefaultTransactionsOptions()
	opts.Customers = n
	opts.CohortWeeks = int(ref.CohortDays / 7)
	opts.End = opts.Start.AddDate(0, 0, int(ref.EndDays)) // every customer is observed at least 78 weeks
	tx, truth, err := Transactions(opts)
	if err != nil {
		t.Fatal(err)
	}

	ts := make([]float64, len(ref.ExpectedX))
	for i, e := range ref.ExpectedX {
		ts[i] = e.TDays
	}
	// Repeat purchases of each customer in (0, t] after the first one.
	counts := make([][]int, len(ts))
	var firstSpend []float64
	mem := checkedMem(t)
	var (
		cur     string
		first   int64
		x       []int
		started bool
	)
	flush := func() {
		for k := range ts {
			counts[k] = append(counts[k], x[k])
		}
	}
	x = make([]int, len(ts))
	err = tx.Scan(context.Background(), mem, func(rec arrow.RecordBatch) error {
		cust := rec.Column(0).(*array.String)
		at := rec.Column(2).(*array.Timestamp)
		amount := rec.Column(3).(*array.Float64)
		for i := range int(rec.NumRows()) {
			if c := cust.Value(i); !started || c != cur {
				if started {
					flush()
				}
				started, cur, first = true, strings.Clone(c), int64(at.Value(i))
				clear(x)
				firstSpend = append(firstSpend, amount.Value(i))
				continue
			}
			days := float64(int64(at.Value(i))-first) / 86400e6
			for k, tk := range ts {
				if days <= tk {
					x[k]++
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	flush()
	if len(firstSpend) != n {
		t.Fatalf("%d customers, want %d", len(firstSpend), n)
	}

	// within reports whether |got − want| ≤ 4 standard errors.
	within := func(what string, got, want, se float64) {
		t.Helper()
		t.Logf("%s: simulated %.5g, theory %.5g (%.2f standard errors)", what, got, want, (got-want)/se)
		if math.Abs(got-want) > 4*se {
			t.Errorf("%s: simulated %.6g, theory %.6g, more than 4 standard errors (%.3g) apart", what, got, want, se)
		}
	}
	for k, e := range ref.ExpectedX {
		mean, sd := meanSD(counts[k])
		within(fmt.Sprintf("E[X(%g days)]", e.TDays), mean, e.Value, sd/math.Sqrt(n))
	}
	for _, p := range ref.PMF {
		k := indexOf(ts, p.TDays)
		freq := make([]float64, len(p.Probs))
		for _, v := range counts[k] {
			if v < len(freq) {
				freq[v]++
			}
		}
		for x, want := range p.Probs {
			got := freq[x] / n
			within(fmt.Sprintf("P(X(%g days) = %d)", p.TDays, x), got, want, math.Sqrt(want*(1-want)/n))
		}
	}
	mean, _ := meanSDf(firstSpend)
	within("mean spend per transaction", mean, ref.MeanSpend, math.Sqrt(ref.VarSpend/n))

	// Latent truth: moments of Gamma(r, α), Beta(a, b), Gamma(q, v) and the
	// share alive at the end.
	var lambda, p, nu []float64
	alive := 0.0
	err = truth.Scan(context.Background(), mem, func(rec arrow.RecordBatch) error {
		lambda = append(lambda, rec.Column(2).(*array.Float64).Float64Values()...)
		p = append(p, rec.Column(3).(*array.Float64).Float64Values()...)
		nu = append(nu, rec.Column(4).(*array.Float64).Float64Values()...)
		a := rec.Column(7).(*array.Boolean)
		for i := range a.Len() {
			if a.Value(i) {
				alive++
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	m, _ := meanSDf(lambda)
	within("E[λ] = r/α", m, prm.R/prm.Alpha, math.Sqrt(prm.R)/prm.Alpha/math.Sqrt(n))
	m, _ = meanSDf(p)
	ab := prm.A + prm.B
	within("E[p] = a/(a+b)", m, prm.A/ab, math.Sqrt(prm.A*prm.B/(ab*ab*(ab+1))/n))
	m, _ = meanSDf(nu)
	within("E[ν] = q/v", m, prm.Q/prm.V, math.Sqrt(prm.Q)/prm.V/math.Sqrt(n))
	within("P(alive at end)", alive/n, ref.PAliveEnd, math.Sqrt(ref.PAliveEnd*(1-ref.PAliveEnd)/n))
}

func indexOf(v []float64, x float64) int {
	for i, y := range v {
		if y == x {
			return i
		}
	}
	return -1
}

func meanSD(v []int) (mean, sd float64) {
	f := make([]float64, len(v))
	for i, x := range v {
		f[i] = float64(x)
	}
	return meanSDf(f)
}

func meanSDf(v []float64) (mean, sd float64) {
	for _, x := range v {
		mean += x
	}
	mean /= float64(len(v))
	for _, x := range v {
		sd += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(sd / float64(len(v)-1))
}
