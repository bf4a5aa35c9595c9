package features_test

import (
	"strings"
	"testing"
)

// The expected values below are worked out by hand from the rows.

func TestRFM(t *testing.T) {
	putData("lines", schemaOf("cust", str, "inv", str, "at", ts, "rev", f64), 2,
		[]any{"b", "A1", "2024-01-10 09:00:00", 10.0},
		[]any{"b", "A1", "2024-01-10 09:00:00", 5.0}, // second line of A1
		[]any{"a", "A2", "2024-03-01 23:59:00", 7.5},
		[]any{"b", "A3", "2024-03-30 12:00:00", 2.5},
		[]any{nil, "A4", "2024-03-30 12:00:00", 100.0}, // no customer
		[]any{"c", "A5", "2024-04-02 00:00:00", 1.0},   // after as_of
		[]any{"a", nil, "2024-02-01", nil},             // no order, no amount
	)
	src := `version: 1
name: rfm
params:
  as_of: {type: date, default: "2024-04-01"}
steps:
  - {id: lines, type: test.data, name: lines}
  - id: rfm
    type: features.rfm
    input: lines
    customer: cust
    order: inv
    timestamp: at
    amount: rev
  - {id: out, type: test.capture, input: rfm, name: rfm}
`
	res, _, tabs := run(t, src)
	got := tabs["rfm"]
	if strings.Join(got.Names, ",") != "cust,recency_days,frequency,monetary,first_purchase,last_purchase,tenure_days" {
		t.Fatalf("columns %v", got.Names)
	}
	checkCol(t, got, "cust", []any{"a", "b"})
	// a: last 2024-03-01 23:59 → 30 days and 1 minute before as_of → 30.
	checkCol(t, got, "recency_days", []any{int64(30), int64(1)})
	checkCol(t, got, "frequency", []any{int64(1), int64(2)})
	checkCol(t, got, "monetary", []any{7.5, 17.5})
	checkCol(t, got, "first_purchase", []any{mustTime("2024-02-01"), mustTime("2024-01-10 09:00:00")})
	checkCol(t, got, "last_purchase", []any{mustTime("2024-03-01 23:59:00"), mustTime("2024-03-30 12:00:00")})
	checkCol(t, got, "tenure_days", []any{int64(60), int64(81)}) // b: 81 days 15 hours
	if m := res.Steps[1].Metrics; m["customers"] != 2 || m["rows_used"] != int64(5) {
		t.Errorf("metrics %v", m)
	}
}

func TestRFMWindowAndDates(t *testing.T) {
	putData("daily", schemaOf("cust", i64, "day", date, "amt", i64), 10,
		[]any{1, "2024-01-01", 3},
		[]any{1, "2024-03-31", 4},
		[]any{2, "2023-06-01", 5},
		[]any{1, "2024-04-01", 6},
	)
	src := `version: 1
name: rfm
steps:
  - {id: d, type: test.data, name: daily}
  - id: rfm
    type: features.rfm
    input: d
    customer: cust
    timestamp: day
    amount: amt
    as_of: "2024-04-01"
    last: 90d
  - {id: out, type: test.capture, input: rfm, name: rfm}
`
	_, _, tabs := run(t, src)
	got := tabs["rfm"]
	// Window (2024-01-02, 2024-04-01]: customer 2 has nothing in it.
	checkCol(t, got, "cust", []any{int64(1)})
	checkCol(t, got, "frequency", []any{int64(2)}) // rows, no order column
	checkCol(t, got, "monetary", []any{10.0})
	checkCol(t, got, "recency_days", []any{int64(0)})
	checkCol(t, got, "tenure_days", []any{int64(1)})
	checkCol(t, got, "first_purchase", []any{mustTime("2024-03-31")})
}

func TestBTYDSummary(t *testing.T) {
	putData("tx", schemaOf("cust", str, "at", ts, "amt", f64), 3,
		[]any{"x", "1997-01-01 10:00:00", 10.0},
		[]any{"x", "1997-01-01 18:00:00", 5.0}, // same day: merged
		[]any{"x", "1997-01-15 09:00:00", 20.0},
		[]any{"x", "1997-01-29 09:00:00", 40.0},
		[]any{"x", "1997-01-29 23:00:00", nil},  // same day, no amount
		[]any{"y", "1997-01-08 12:00:00", 7.0},  // one purchase only
		[]any{"y", "1997-02-05 12:00:00", 99.0}, // after calibration end
		[]any{"z", "1997-02-10 00:00:00", 1.0},  // first purchase after the end
		[]any{"x", "1997-02-04 23:59:59", 30.0}, // on the end day: counts
	)
	src := `version: 1
name: btyd
steps:
  - {id: tx, type: test.data, name: tx}
  - id: s
    type: features.btyd_summary
    input: tx
    customer: cust
    timestamp: at
    amount: amt
    calibration_end: "1997-02-04"
    time_unit: weeks
  - {id: out, type: test.capture, input: s, name: s}
`
	res, _, tabs := run(t, src)
	got := tabs["s"]
	if strings.Join(got.Names, ",") != "cust,frequency,recency,T,monetary_value" {
		t.Fatalf("columns %v", got.Names)
	}
	checkCol(t, got, "cust", []any{"x", "y"})
	// x: days 01-01, 01-15, 01-29, 02-04 → frequency 3; recency 34 days;
	// T 34 days; repeat day totals 20, 40, 30 → mean 30.
	checkCol(t, got, "frequency", []any{3.0, 0.0})
	checkCol(t, got, "recency", []any{34.0 / 7, 0.0})
	checkCol(t, got, "T", []any{34.0 / 7, 27.0 / 7})
	checkCol(t, got, "monetary_value", []any{30.0, 0.0})
	if m := res.Steps[1].Metrics; m["repeat_purchases"] != int64(3) {
		t.Errorf("metrics %v", m)
	}
}

func TestRFMPlanErrors(t *testing.T) {
	putData("lines2", schemaOf("cust", str, "inv", str, "at", ts, "rev", f64), 2)
	msg := planErrors(t, `version: 1
name: rfm
steps:
  - {id: lines, type: test.data, name: lines2}
  - {id: rfm, type: features.rfm, input: lines, customer: cust, order: invoice, timestamp: rev, amount: inv}
  - {id: b, type: features.btyd_summary, input: lines, customer: cst, timestamp: at, time_unit: months}
`)
	for _, w := range []string{
		`order: unknown column "invoice" (did you mean inv?)`,
		`timestamp: timestamp column "rev" is float, want date or timestamp`,
		`amount: amount column "inv" is string, want int or float`,
		`customer: unknown column "cst" (did you mean cust?)`,
		`time_unit: "months" is not one of days, weeks`,
		`calibration_end: no as-of instant`,
	} {
		if !strings.Contains(msg, w) {
			t.Errorf("diagnostics lack %q:\n%s", w, msg)
		}
	}
}

// TestBTYDSummaryUnsorted checks that a log out of time order (which
// needs the recount pass) gives the same summary as the sorted one.
func TestBTYDSummaryUnsorted(t *testing.T) {
	rows := [][]any{
		{"x", "1997-01-29 09:00:00", 40.0},
		{"x", "1997-01-01 10:00:00", 10.0},
		{"y", "1997-01-08 12:00:00", 7.0},
		{"x", "1997-01-15 09:00:00", 20.0},
		{"x", "1997-02-04 23:59:59", 30.0},
		{"x", "1997-01-01 18:00:00", 5.0},
		{"x", "1997-01-29 23:00:00", nil},
		{"x", "1997-01-15 19:00:00", 1.0},
	}
	putData("txu", schemaOf("cust", str, "at", ts, "amt", f64), 3, rows...)
	res, _, tabs := run(t, `version: 1
name: btyd
steps:
  - {id: tx, type: test.data, name: txu}
  - {id: s, type: features.btyd_summary, input: tx, customer: cust, timestamp: at, amount: amt, calibration_end: "1997-02-04", time_unit: days}
  - {id: out, type: test.capture, input: s, name: s}
`)
	got := tabs["s"]
	checkCol(t, got, "frequency", []any{3.0, 0.0})
	checkCol(t, got, "recency", []any{34.0, 0.0})
	checkCol(t, got, "T", []any{34.0, 27.0})
	checkCol(t, got, "monetary_value", []any{(21.0 + 40 + 30) / 3, 0.0})
	if res.Steps[1].Metrics["passes"] != 2 {
		t.Errorf("metrics %v", res.Steps[1].Metrics)
	}
}

// TestEmptyInputs runs every step type of the package on an empty input:
// each gives an empty output with the declared schema.
func TestEmptyInputs(t *testing.T) {
	putData("none", schemaOf("cust", str, "order", str, "at", ts, "amount", f64, "n", i64, "cat", str), 5)
	putData("some", schemaOf("cust", str, "x", f64), 5, []any{"a", 1.0})
	_, _, tabs := run(t, `version: 1
name: empty
params:
  as_of: {type: date, default: "2024-01-01"}
steps:
  - {id: e, type: test.data, name: none}
  - {id: s, type: test.data, name: some}
  - {id: rfm, type: features.rfm, input: e, customer: cust, order: order, timestamp: at, amount: amount}
  - {id: btyd, type: features.btyd_summary, input: e, customer: cust, timestamp: at, amount: amount}
  - {id: j1, type: features.join, left: e, right: s, on: [cust]}
  - {id: j2, type: features.join, left: s, right: e, on: [cust], how: left}
  - {id: sc, type: features.scale, input: e, columns: [amount, n]}
  - {id: im, type: features.impute, input: e, columns: [amount, cat], strategy: most_frequent, indicator: true}
  - {id: en, type: features.encode, input: e, columns: [cat], max_categories: 3}
  - {id: o1, type: test.capture, input: rfm, name: rfm}
  - {id: o2, type: test.capture, input: btyd, name: btyd}
  - {id: o3, type: test.capture, input: j1, name: j1}
  - {id: o4, type: test.capture, input: j2, name: j2}
  - {id: o5, type: test.capture, input: sc, name: sc}
  - {id: o6, type: test.capture, input: im, name: im}
  - {id: o7, type: test.capture, input: en, name: en}
  - {id: o8, type: test.capture, input: sc.model, name: model}
`)
	for name, cols := range map[string]string{
		"rfm":  "cust,recency_days,frequency,monetary,first_purchase,last_purchase,tenure_days",
		"btyd": "cust,frequency,recency,T,monetary_value",
		"j1":   "cust,order,at,amount,n,cat,x",
		"sc":   "cust,order,at,amount,n,cat",
		"im":   "cust,order,at,amount,n,cat,amount_missing,cat_missing",
		"en":   "cust,order,at,amount,n,cat_top1,cat_top2,cat_other",
	} {
		got := tabs[name]
		if got.Rows() != 0 || strings.Join(got.Names, ",") != cols {
			t.Errorf("%s: %d rows, columns %v; want 0 rows, %s", name, got.Rows(), got.Names, cols)
		}
	}
	checkCol(t, tabs["j2"], "order", []any{nil})
	checkCol(t, tabs["model"], "n", []any{int64(0), int64(0)})
}
