package features_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// ordersData registers a small order log with nulls, a NaN, a tie in
// time and a null key, split into batches of three rows so that groups
// span batches. Expected values below are worked out by hand from these
// rows.
func ordersData(name string) {
	putData(name, schemaOf("customer", str, "order", i64, "ts", ts, "amount", f64, "cat", str), 3,
		[]any{"c1", 1, "2024-01-01 10:00:00", 10.0, "buy"},
		[]any{"c2", 2, "2024-01-02", 5.0, "buy"},
		[]any{"c1", 1, "2024-01-01 10:00:00", 20.0, "return"},
		[]any{"c1", 3, "2024-02-01", nil, "buy"},
		[]any{nil, 4, "2024-02-02", 7.0, "buy"},
		[]any{"c3", 5, "2024-03-01", math.NaN(), "return"},
		[]any{"c2", 6, "2024-01-01", 1.0, nil},
	)
}

func TestAggregateFunctions(t *testing.T) {
	ordersData("orders")
	src := `version: 1
name: agg
steps:
  - {id: orders, type: test.data, name: orders}
  - id: agg
    type: features.aggregate
    input: orders
    by: [customer]
    order_by: ts
    aggregates:
      rows: {count: "*"}
      rows2: {rows: true}
      n_amount: {count: amount}
      orders: {count_distinct: order}
      total: {sum: amount}
      order_sum: {sum: order}
      avg: {mean: amount}
      lo: {min: amount}
      hi: {max: amount}
      first_ts: {min: ts}
      last_ts: {max: ts}
      first_amount: {first: amount}
      last_amount: {last: amount}
      last_cat: {last: cat}
      sd: {std: amount}
      variance: {var: amount}
      pvar: {var: amount, ddof: 0}
      med: {median: amount}
      p90: {quantile: amount, q: 0.9}
      any_return: {any: 'cat == "return"'}
      all_buy: {all: 'cat == "buy"'}
      returns: {count: "*", where: 'cat == "return"'}
      return_amount: {sum: amount, where: 'cat == "return"'}
      max_cat: {max: cat}
  - {id: out, type: test.capture, input: agg, name: agg}
`
	_, _, tabs := run(t, src)
	got := tabs["agg"]
	if got.Rows() != 4 {
		t.Fatalf("rows = %d, want 4 (c1, c2, c3, null)", got.Rows())
	}
	ts := func(s string) any { return mustTime(s) }
	nan := math.NaN()
	want := map[string][]any{
		"customer":      {"c1", "c2", "c3", nil},
		"rows":          {int64(3), int64(2), int64(1), int64(1)},
		"rows2":         {int64(3), int64(2), int64(1), int64(1)},
		"n_amount":      {int64(2), int64(2), int64(0), int64(1)},
		"orders":        {int64(2), int64(2), int64(1), int64(1)},
		"total":         {30.0, 6.0, 0.0, 7.0},
		"order_sum":     {int64(5), int64(8), int64(5), int64(4)},
		"avg":           {15.0, 3.0, nil, 7.0},
		"lo":            {10.0, 1.0, nil, 7.0},
		"hi":            {20.0, 5.0, nil, 7.0},
		"first_ts":      {ts("2024-01-01 10:00:00"), ts("2024-01-01"), ts("2024-03-01"), ts("2024-02-02")},
		"last_ts":       {ts("2024-02-01"), ts("2024-01-02"), ts("2024-03-01"), ts("2024-02-02")},
		"first_amount":  {10.0, 1.0, nil, 7.0},
		"last_amount":   {20.0, 5.0, nil, 7.0},
		"last_cat":      {"buy", "buy", "return", "buy"},
		"sd":            {math.Sqrt(50), math.Sqrt(8), nil, nil},
		"variance":      {50.0, 8.0, nil, nil},
		"pvar":          {25.0, 4.0, nil, 0.0},
		"med":           {15.0, 3.0, nil, 7.0},
		"p90":           {19.0, 4.6, nil, 7.0},
		"any_return":    {true, false, true, false},
		"all_buy":       {false, true, false, true},
		"returns":       {int64(1), int64(0), int64(1), int64(0)},
		"return_amount": {20.0, 0.0, 0.0, 0.0},
		"max_cat":       {"return", "buy", "return", "buy"},
	}
	_ = nan
	for name, w := range want {
		checkCol(t, got, name, w)
	}
	if n := len(got.Names); n != len(want) {
		t.Errorf("output has %d columns, want %d: %v", n, len(want), got.Names)
	}
}

// checkCol compares a captured column with expected values (floats to
// 1e-12 relative).
func checkCol(t *testing.T, got *table, name string, want []any) {
	t.Helper()
	col := got.Col(name)
	if len(col) != len(want) {
		t.Errorf("%s: %d values, want %d", name, len(col), len(want))
		return
	}
	for i := range want {
		g, w := col[i], want[i]
		switch wv := w.(type) {
		case float64:
			gv, ok := g.(float64)
			if !ok || !approx(gv, wv, 1e-12) {
				t.Errorf("%s[%d] = %v, want %v", name, i, g, w)
			}
		case time.Time:
			gv, ok := g.(time.Time)
			if !ok || !gv.Equal(wv) {
				t.Errorf("%s[%d] = %v, want %v", name, i, g, w)
			}
		default:
			if g != w {
				t.Errorf("%s[%d] = %v (%T), want %v (%T)", name, i, g, g, w, w)
			}
		}
	}
}

func TestAggregateNullKeysDropAndScanOrder(t *testing.T) {
	ordersData("orders2")
	src := `version: 1
name: agg
steps:
  - {id: orders, type: test.data, name: orders2}
  - id: agg
    type: features.aggregate
    input: orders
    by: [customer]
    null_keys: drop
    aggregates:
      first_order: {first: order}
      last_order: {last: order}
  - {id: out, type: test.capture, input: agg, name: agg}
`
	_, _, tabs := run(t, src)
	got := tabs["agg"]
	checkCol(t, got, "customer", []any{"c1", "c2", "c3"})
	checkCol(t, got, "first_order", []any{int64(1), int64(2), int64(5)})
	checkCol(t, got, "last_order", []any{int64(3), int64(6), int64(5)})
}

func TestAggregateMultiKeyDateAndWindow(t *testing.T) {
	putData("tickets", schemaOf("region", str, "day", date, "n", i64, "resolved", bln), 2,
		[]any{"eu", "2024-03-01", 1, true},
		[]any{"us", "2024-03-01", 2, false},
		[]any{"eu", "2024-02-01", 3, true},
		[]any{"eu", "2024-03-01", 4, nil},
		[]any{"eu", "2023-12-01", 5, true}, // before the window
		[]any{"us", "2024-04-02", 6, true}, // after as_of
		[]any{"us", nil, 7, true},          // null time: outside any window
	)
	src := `version: 1
name: agg
params:
  as_of: {type: date, default: "2024-04-01"}
steps:
  - {id: t, type: test.data, name: tickets}
  - id: agg
    type: features.aggregate
    input: t
    by: [region, day]
    window: {last: 90d, column: day}
    aggregates:
      n: {sum: n}
      k: {count: resolved}
      all_resolved: {all: resolved}
  - {id: out, type: test.capture, input: agg, name: agg}
`
	res, _, tabs := run(t, src)
	got := tabs["agg"]
	checkCol(t, got, "region", []any{"eu", "eu", "us"})
	checkCol(t, got, "day", []any{mustTime("2024-02-01"), mustTime("2024-03-01"), mustTime("2024-03-01")})
	checkCol(t, got, "n", []any{int64(3), int64(5), int64(2)})
	checkCol(t, got, "k", []any{int64(1), int64(1), int64(1)})
	checkCol(t, got, "all_resolved", []any{true, true, false})
	m := res.Steps[1].Metrics
	if m["rows_scanned"] != int64(7) || m["rows_used"] != int64(4) {
		t.Errorf("metrics %v", m)
	}
}

func TestAggregateEmptyInputAndNoKeys(t *testing.T) {
	putData("empty", schemaOf("customer", str, "amount", f64, "ts", ts), 10)
	src := `version: 1
name: agg
steps:
  - {id: e, type: test.data, name: empty}
  - id: grouped
    type: features.aggregate
    input: e
    by: [customer]
    aggregates:
      total: {sum: amount}
      last: {max: ts}
  - id: whole
    type: features.aggregate
    input: e
    aggregates:
      n: {count: "*"}
      total: {sum: amount}
      avg: {mean: amount}
  - {id: o1, type: test.capture, input: grouped, name: grouped}
  - {id: o2, type: test.capture, input: whole, name: whole}
`
	_, _, tabs := run(t, src)
	g := tabs["grouped"]
	if g.Rows() != 0 || strings.Join(g.Names, ",") != "customer,total,last" {
		t.Errorf("grouped: %d rows, columns %v", g.Rows(), g.Names)
	}
	if g.Types[1].ID() != f64.ID() || g.Types[2].ID() != ts.ID() {
		t.Errorf("grouped types %v", g.Types)
	}
	w := tabs["whole"]
	checkCol(t, w, "n", []any{int64(0)})
	checkCol(t, w, "total", []any{0.0})
	checkCol(t, w, "avg", []any{nil})
}

func TestAggregateManyGroupsSorted(t *testing.T) {
	// Enough groups to grow the hash table several times, in an order
	// unlike the sorted one; int keys.
	var rows [][]any
	const n = 5000
	for i := range 3 * n {
		k := (i * 7919) % n
		rows = append(rows, []any{k - n/2, float64(i)})
	}
	putData("many", schemaOf("k", i64, "x", f64), 1000, rows...)
	src := `version: 1
name: agg
steps:
  - {id: d, type: test.data, name: many}
  - id: agg
    type: features.aggregate
    input: d
    by: [k]
    aggregates:
      n: {count: x}
      s: {sum: x}
  - {id: o, type: test.capture, input: agg, name: agg}
`
	_, _, tabs := run(t, src)
	got := tabs["agg"]
	if got.Rows() != n {
		t.Fatalf("%d groups, want %d", got.Rows(), n)
	}
	ks, ns, ss := got.Col("k"), got.Col("n"), got.Col("s")
	for j := range n {
		k := int64(j - n/2)
		if ks[j] != k || ns[j] != int64(3) {
			t.Fatalf("row %d: k=%v n=%v, want %d 3", j, ks[j], ns[j], k)
		}
		// Rows i with (i*7919) % n == j: i = j*inv, + n, + 2n.
		var want float64
		for i := range 3 * n {
			if (i*7919)%n == j {
				want += float64(i)
			}
		}
		if ss[j] != want {
			t.Fatalf("row %d: s=%v, want %v", j, ss[j], want)
		}
	}
}

func TestAggregatePlanErrors(t *testing.T) {
	ordersData("orders3")
	head := "version: 1\nname: agg\nsteps:\n  - {id: orders, type: test.data, name: orders3}\n  - id: agg\n    type: features.aggregate\n    input: orders\n"
	cases := []struct {
		name, body string
		want       []string
	}{
		{"unknown column", "    by: [custmer]\n    aggregates:\n      n: {sum: amout}\n",
			[]string{`r.yaml:8:10: step agg: by[0]: unknown column "custmer" (did you mean customer?)`, `r.yaml:10:16: step agg: aggregates.n.sum: unknown column "amout" (did you mean amount?)`}},
		{"sum of string", "    by: [customer]\n    aggregates:\n      n: {sum: cat}\n      m: {mean: ts}\n",
			[]string{`aggregates.n.sum: sum needs a numeric column, but column "cat" is string`, `aggregates.m.mean: mean needs a numeric column, but column "ts" is timestamp`}},
		{"unknown function", "    by: [customer]\n    aggregates:\n      n: {summ: amount}\n",
			[]string{`unknown key "summ" in aggregates.n (did you mean sum?)`}},
		{"two functions", "    by: [customer]\n    aggregates:\n      n: {sum: amount, mean: amount}\n",
			[]string{"more than one aggregate function (sum, mean)"}},
		{"quantile without q", "    by: [customer]\n    aggregates:\n      n: {quantile: amount}\n      m: {mean: amount, q: 0.5}\n",
			[]string{"quantile needs q", "aggregates.m.q: q applies to quantile only"}},
		{"bad where", "    by: [customer]\n    aggregates:\n      n: {count: \"*\", where: 'catt == \"x\"'}\n",
			[]string{"aggregates.n.where", "catt"}},
		{"name clash", "    by: [customer]\n    aggregates:\n      customer: {count: \"*\"}\n",
			[]string{`aggregate "customer" has the name of a key column`}},
		{"window without as_of", "    by: [customer]\n    window: {last: 30d, column: ts}\n    aggregates:\n      n: {count: \"*\"}\n",
			[]string{"window.as_of: no as-of instant"}},
		{"window on a number", "    by: [customer]\n    window: {as_of: \"2024-01-01\", column: amount}\n    aggregates:\n      n: {count: \"*\"}\n",
			[]string{`window column "amount" is float, want date or timestamp`}},
		{"first by string", "    by: [customer]\n    aggregates:\n      n: {first: amount, by: cat}\n",
			[]string{`aggregates.n.by: column "cat" is string: first and last order by`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			msg := planErrors(t, head+tc.body)
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("diagnostics lack %q:\n%s", w, msg)
				}
			}
		})
	}
}

func TestAggregateFloatKeys(t *testing.T) {
	putData("fk", schemaOf("k", f64, "x", i64), 3,
		[]any{2.5, 1}, []any{-1.0, 2}, []any{math.NaN(), 3}, []any{nil, 4},
		[]any{math.Copysign(0, -1), 5}, []any{0.0, 6}, []any{2.5, 7}, []any{-3.0, 8})
	_, _, tabs := run(t, `version: 1
name: agg
steps:
  - {id: d, type: test.data, name: fk}
  - {id: a, type: features.aggregate, input: d, by: [k], aggregates: {s: {sum: x}}}
  - {id: o, type: test.capture, input: a, name: a}
`)
	// NaN and null are one null key (sorted last); -0 and 0 are one key.
	checkCol(t, tabs["a"], "k", []any{-3.0, -1.0, 0.0, 2.5, nil})
	checkCol(t, tabs["a"], "s", []any{int64(8), int64(2), int64(11), int64(8), int64(7)})
}

// TestCountDistinctRunsAndRecount checks count_distinct against a map on
// values that arrive sorted per group (one pass) and shuffled (a second,
// exact pass for the groups whose values went back), with short and long
// strings, ints and floats.
func TestCountDistinctRunsAndRecount(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pool := []string{"", "7", "42", "100", "999", "1000", "abc", "abcdefg", "abcdefgh", "abcdefgh1", "ORD-000000123", "ORD-000000124", "ORD-00000099", "zz"}
	type row struct {
		g int
		s string
		i int
		f float64
	}
	var rows []row
	for range 3000 {
		rows = append(rows, row{rng.IntN(40), pool[rng.IntN(len(pool))], rng.IntN(25) - 5, float64(rng.IntN(9)) / 4})
	}
	want := map[int][3]map[any]bool{}
	for _, r := range rows {
		w, ok := want[r.g]
		if !ok {
			w = [3]map[any]bool{{}, {}, {}}
			want[r.g] = w
		}
		w[0][r.s], w[1][r.i], w[2][r.f] = true, true, true
	}
	sorted := slices.Clone(rows)
	slices.SortStableFunc(sorted, func(a, b row) int {
		// shortlex for strings, as the one-pass order
		if len(a.s) != len(b.s) {
			return len(a.s) - len(b.s)
		}
		return strings.Compare(a.s, b.s)
	})
	for name, rs := range map[string][]row{"shuffled": rows, "sorted": sorted} {
		t.Run(name, func(t *testing.T) {
			var data [][]any
			for _, r := range rs {
				data = append(data, []any{r.g, r.s, r.i, r.f})
			}
			putData("cd"+name, schemaOf("g", i64, "s", str, "i", i64, "f", f64), 257, data...)
			aggs, cols := "{s: {count_distinct: s}, i: {count_distinct: i}, f: {count_distinct: f}}", []string{"s", "i", "f"}
			if name == "sorted" { // only s is sorted
				aggs, cols = "{s: {count_distinct: s}}", cols[:1]
			}
			res, _, tabs := run(t, `version: 1
name: cd
steps:
  - {id: d, type: test.data, name: cd`+name+`}
  - {id: a, type: features.aggregate, input: d, by: [g], aggregates: `+aggs+`}
  - {id: o, type: test.capture, input: a, name: a}
`)
			got := tabs["a"]
			for k := range got.Rows() {
				g := int(got.Col("g")[k].(int64))
				for j, c := range cols {
					if n := got.Col(c)[k].(int64); n != int64(len(want[g][j])) {
						t.Errorf("group %d %s: %d distinct, want %d", g, c, n, len(want[g][j]))
					}
				}
			}
			if _, two := res.Steps[1].Metrics["passes"]; two != (name == "shuffled") {
				t.Errorf("%s: metrics %v", name, res.Steps[1].Metrics)
			}
		})
	}
}
