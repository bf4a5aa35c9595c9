package colexpr

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/aftercare/aftercare/workflow"
)

// The test batch: five rows with a null in every column. Expected values
// below are worked out by hand; those involving calendars were computed
// with Python's datetime module (days, fractional day differences,
// weekdays, truncations).
func testColumns() []col {
	nan := math.NaN()
	return []col{
		ints("i", int64(1), int64(-2), nil, int64(7), int64(0)),
		ints("j", int64(3), int64(3), int64(4), nil, int64(0)),
		floats("f", 1.5, nil, -0.5, 2.0, nan),
		strs("s", "Apple", " pear ", nil, "apple", ""),
		bools("b", true, false, nil, true, false),
		dates("d", day("2024-01-31"), day("2024-02-29"), nil, day("2023-12-31"), day("1969-12-31")),
		stamps("ts", stamp("2024-03-10T12:30:00Z"), stamp("2024-01-01T00:00:00Z"), nil,
			stamp("1969-12-31T18:00:00Z"), stamp("2024-12-31T23:59:59.5Z")),
		floats("Annual Income (k$)", 15.0, 16.0, nil, 17.0, 18.0),
	}
}

func testEnv(schema *arrow.Schema) Env {
	asOf := day("2024-12-31")
	now := stamp("2025-01-01T08:00:00Z")
	return Env{
		Schema: schema,
		Params: map[string]any{
			"as_of": asOf, "k": int64(3), "ratio": 0.5, "name": "apple", "flag": false,
			"cats": []any{"apple", "Apple"}, "nums": []any{int64(1), 7.0},
			"grace": 48 * time.Hour, "when": stamp("2024-01-01T06:00:00Z"),
		},
		AsOf: &now,
	}
}

const N = "null" // marks an expected null in the tables (nil is also accepted)

func dt(s string) time.Time { return day(s) }

type evalCase struct {
	src  string
	typ  arrow.DataType
	want []any
}

var evalCases = []evalCase{
	// Arithmetic: ints stay ints, mixing gives floats, / and ** give floats.
	{"i + j", workflow.Int64, []any{4, 1, N, N, 0}},
	{"i - j", workflow.Int64, []any{-2, -5, N, N, 0}},
	{"i * j", workflow.Int64, []any{3, -6, N, N, 0}},
	{"i / j", workflow.Float64, []any{1.0 / 3, -2.0 / 3, N, N, math.NaN()}},
	{"i % j", workflow.Int64, []any{1, -2, N, N, N}}, // x % 0 is null
	{"i ** 2", workflow.Float64, []any{1.0, 4.0, N, 49.0, 0.0}},
	{"i ^ 2", workflow.Float64, []any{1.0, 4.0, N, 49.0, 0.0}},
	{"i + f", workflow.Float64, []any{2.5, N, N, 9.0, math.NaN()}},
	{"-i", workflow.Int64, []any{-1, 2, N, -7, 0}},
	{"+i", workflow.Int64, []any{1, -2, N, 7, 0}},
	{"-f", workflow.Float64, []any{-1.5, N, 0.5, -2.0, math.NaN()}},
	{"i + 0.5", workflow.Float64, []any{1.5, -1.5, N, 7.5, 0.5}},
	{"10 - i", workflow.Int64, []any{9, 12, N, 3, 10}},
	{"i - 10", workflow.Int64, []any{-9, -12, N, -3, -10}},
	{"10 / i", workflow.Float64, []any{10.0, -5.0, N, 10.0 / 7, math.Inf(1)}},
	{"i / 2", workflow.Float64, []any{0.5, -1.0, N, 3.5, 0.0}},
	{"2 * f", workflow.Float64, []any{3.0, N, -1.0, 4.0, math.NaN()}},
	{"2 ** -1", workflow.Float64, []any{0.5, 0.5, 0.5, 0.5, 0.5}},
	{"1 + 2 * 3", workflow.Int64, []any{7, 7, 7, 7, 7}},
	{"j % 2", workflow.Int64, []any{1, 1, 0, N, 0}},
	{"7 % j", workflow.Int64, []any{1, 1, 3, N, N}},

	// Comparisons: a null operand gives null, NaN compares false.
	{"i > 0", workflow.Bool, []any{true, false, N, true, false}},
	{"0 < i", workflow.Bool, []any{true, false, N, true, false}},
	{"i >= 1", workflow.Bool, []any{true, false, N, true, false}},
	{"i <= j", workflow.Bool, []any{true, true, N, N, true}},
	{"i == j", workflow.Bool, []any{false, false, N, N, true}},
	{"i != j", workflow.Bool, []any{true, true, N, N, false}},
	{"f > 1", workflow.Bool, []any{true, N, false, true, false}},
	{"f == f", workflow.Bool, []any{true, N, true, true, false}},
	{"f != f", workflow.Bool, []any{false, N, false, false, true}},
	{"i >= f", workflow.Bool, []any{false, N, N, true, false}},
	{"i == 7.0", workflow.Bool, []any{false, false, N, true, false}},
	{`s == "apple"`, workflow.Bool, []any{false, false, N, true, false}},
	{`s < "b"`, workflow.Bool, []any{true, true, N, true, true}},
	{`"b" > s`, workflow.Bool, []any{true, true, N, true, true}},
	{`s >= "apple"`, workflow.Bool, []any{false, false, N, true, false}},
	{"b == true", workflow.Bool, []any{true, false, N, true, false}},
	{"b != b", workflow.Bool, []any{false, false, N, false, false}},
	{`d < date("2024-01-01")`, workflow.Bool, []any{false, false, N, true, true}},
	{"ts >= d", workflow.Bool, []any{true, false, N, false, true}},
	{"d == params.as_of", workflow.Bool, []any{false, false, N, false, false}},
	{`date_trunc("day", ts) == date("2024-01-01")`, workflow.Bool, []any{false, true, N, false, false}},
	{"ts > params.when", workflow.Bool, []any{true, false, N, false, true}},
	{"i == nil", workflow.Bool, []any{false, false, true, false, false}},
	{"nil != s", workflow.Bool, []any{true, true, false, true, true}},
	{"nil == nil", workflow.Bool, []any{true, true, true, true, true}},

	// Three-valued logic.
	{"b && i > 0", workflow.Bool, []any{true, false, N, true, false}},
	{"b || f > 1", workflow.Bool, []any{true, N, N, true, false}},
	{"b && f > 1", workflow.Bool, []any{true, false, false, true, false}},
	{"b or f > 1", workflow.Bool, []any{true, N, N, true, false}},
	{"b and f > 1", workflow.Bool, []any{true, false, false, true, false}},
	{"!b", workflow.Bool, []any{false, true, N, false, true}},
	{"not (i > 0)", workflow.Bool, []any{false, true, N, false, true}},
	{"true || b", workflow.Bool, []any{true, true, true, true, true}},
	{"false && b", workflow.Bool, []any{false, false, false, false, false}},
	{"b && true", workflow.Bool, []any{true, false, N, true, false}},
	{"false || b", workflow.Bool, []any{true, false, N, true, false}},
	{"b && j > 3", workflow.Bool, []any{false, false, N, N, false}},
	{"j > 3 || b", workflow.Bool, []any{true, false, true, true, false}},
	{"!(j > 3 || b)", workflow.Bool, []any{false, true, false, false, true}},
	{"params.flag || b", workflow.Bool, []any{true, false, N, true, false}},

	// Conditionals: a null condition takes the else branch.
	{`i > 0 ? "pos" : "non"`, workflow.String, []any{"pos", "non", "non", "pos", "non"}},
	{"b ? i : f", workflow.Float64, []any{1.0, N, -0.5, 7.0, math.NaN()}},
	{"if b { j } else { 0 }", workflow.Int64, []any{3, 0, 0, N, 0}},
	{"b ? nil : i", workflow.Int64, []any{N, -2, N, N, 0}},
	{"b ? d : ts", workflow.Timestamp, []any{dt("2024-01-31"), stamp("2024-01-01T00:00:00Z"), N,
		dt("2023-12-31"), stamp("2024-12-31T23:59:59.5Z")}},
	{"b ? b : i > 0", workflow.Bool, []any{true, false, N, true, false}},
	{"true ? i : j", workflow.Int64, []any{1, -2, N, 7, 0}},

	// Nulls: coalesce, ??, is_null.
	{"coalesce(i, j, 99)", workflow.Int64, []any{1, -2, 4, 7, 0}},
	{"coalesce(i)", workflow.Int64, []any{1, -2, N, 7, 0}},
	{"f ?? 0", workflow.Float64, []any{1.5, 0.0, -0.5, 2.0, math.NaN()}},
	{"coalesce(f, i)", workflow.Float64, []any{1.5, -2.0, -0.5, 2.0, math.NaN()}},
	{"coalesce(nil, s)", workflow.String, []any{"Apple", " pear ", N, "apple", ""}},
	{"coalesce(d, ts)", workflow.Timestamp, []any{dt("2024-01-31"), dt("2024-02-29"), N, dt("2023-12-31"), dt("1969-12-31")}},
	{"coalesce(b, false)", workflow.Bool, []any{true, false, false, true, false}},
	{"is_null(s)", workflow.Bool, []any{false, false, true, false, false}},
	{"is_null(i + j)", workflow.Bool, []any{false, false, true, true, false}},
	{"is_null(1)", workflow.Bool, []any{false, false, false, false, false}},

	// Membership.
	{"s in params.cats", workflow.Bool, []any{true, false, N, true, false}},
	{`s not in ["apple"]`, workflow.Bool, []any{true, true, N, false, true}},
	{`s in {"apple": 1}`, workflow.Bool, []any{false, false, N, true, false}},
	{"i in params.nums", workflow.Bool, []any{true, false, N, true, false}},
	{"f in [1.5, 2]", workflow.Bool, []any{true, N, false, true, false}},
	{"i in 1..3", workflow.Bool, []any{true, false, N, false, false}},
	{"b in [true]", workflow.Bool, []any{true, false, N, true, false}},
	{`d in [date("2024-02-29")]`, workflow.Bool, []any{false, true, N, false, false}},

	// Strings.
	{"lower(s)", workflow.String, []any{"apple", " pear ", N, "apple", ""}},
	{"upper(s)", workflow.String, []any{"APPLE", " PEAR ", N, "APPLE", ""}},
	{"trim(s)", workflow.String, []any{"Apple", "pear", N, "apple", ""}},
	{"len(s)", workflow.Int64, []any{5, 6, N, 5, 0}},
	{`len("héllo")`, workflow.Int64, []any{5, 5, 5, 5, 5}},
	{`s + "!"`, workflow.String, []any{"Apple!", " pear !", N, "apple!", "!"}},
	{`"<" + s`, workflow.String, []any{"<Apple", "< pear ", N, "<apple", "<"}},
	{"s + s", workflow.String, []any{"AppleApple", " pear  pear ", N, "appleapple", ""}},
	{`s contains "pp"`, workflow.Bool, []any{true, false, N, true, false}},
	{`s startsWith "a"`, workflow.Bool, []any{false, false, N, true, false}},
	{`s endsWith " "`, workflow.Bool, []any{false, true, N, false, false}},
	{`s matches "^[Aa]pp"`, workflow.Bool, []any{true, false, N, true, false}},
	{`s not contains "p"`, workflow.Bool, []any{false, false, N, false, true}},
	{`"pear" matches trim(s)`, workflow.Bool, []any{false, true, N, false, true}},
	{`lower(s) == params.name`, workflow.Bool, []any{true, false, N, true, false}},

	// Numbers.
	{"abs(i)", workflow.Int64, []any{1, 2, N, 7, 0}},
	{"abs(f)", workflow.Float64, []any{1.5, N, 0.5, 2.0, math.NaN()}},
	{"round(f)", workflow.Float64, []any{2.0, N, -1.0, 2.0, math.NaN()}},
	{"round(10 / 3, 2)", workflow.Float64, []any{3.33, 3.33, 3.33, 3.33, 3.33}},
	{"round(i / 3, 1)", workflow.Float64, []any{0.3, -0.7, N, 2.3, 0.0}},
	{"round(i * 1234.5, -2)", workflow.Float64, []any{1200.0, -2500.0, N, 8600.0, 0.0}},
	{"floor(f)", workflow.Float64, []any{1.0, N, -1.0, 2.0, math.NaN()}},
	{"ceil(f)", workflow.Float64, []any{2.0, N, 0.0, 2.0, math.NaN()}},
	{"floor(i)", workflow.Float64, []any{1.0, -2.0, N, 7.0, 0.0}},
	{"sqrt(i)", workflow.Float64, []any{1.0, math.NaN(), N, math.Sqrt(7), 0.0}},
	{"log(j)", workflow.Float64, []any{math.Log(3), math.Log(3), math.Log(4), N, math.Inf(-1)}},
	{"log1p(i)", workflow.Float64, []any{math.Log(2), math.NaN(), N, math.Log(8), 0.0}},
	{"exp(j)", workflow.Float64, []any{math.Exp(3), math.Exp(3), math.Exp(4), N, 1.0}},
	{"pow(i, 2)", workflow.Float64, []any{1.0, 4.0, N, 49.0, 0.0}},
	{"pow(2, f)", workflow.Float64, []any{math.Pow(2, 1.5), N, math.Pow(2, -0.5), 4.0, math.NaN()}},
	{"min(i, j)", workflow.Int64, []any{1, -2, N, N, 0}},
	{"max(i, j, 2)", workflow.Int64, []any{3, 3, N, N, 2}},
	{"max(i, f)", workflow.Float64, []any{1.5, N, N, 7.0, math.NaN()}},
	{"min(f, 1)", workflow.Float64, []any{1.0, N, -0.5, 1.0, math.NaN()}},
	{"clamp(i, 0, 5)", workflow.Int64, []any{1, 0, N, 5, 0}},
	{"clamp(f, 0, 1)", workflow.Float64, []any{1.0, N, 0.0, 1.0, math.NaN()}},
	{"int(f)", workflow.Int64, []any{1, N, 0, 2, N}},
	{"int(i)", workflow.Int64, []any{1, -2, N, 7, 0}},
	{"float(i)", workflow.Float64, []any{1.0, -2.0, N, 7.0, 0.0}},

	// Dates and timestamps.
	{"days_between(d, params.as_of)", workflow.Float64, []any{335.0, 306.0, N, 366.0, 20089.0}},
	{"days_between(ts, d)", workflow.Float64, []any{-39.520833333333336, 59.0, N, 19722.25, -20089.99999421296}},
	{"hours_between(ts, params.as_of)", workflow.Float64, []any{7091.5, 8760.0, N, 482118.0, -23.999861111111112}},
	{"weeks_between(d, ts)", workflow.Float64, []any{5.645833333333333, -8.428571428571429, N, -2817.464285714286, 2869.9999991732802}},
	{"weekday(d)", workflow.Int64, []any{3, 4, N, 0, 3}},
	{"weekday(ts)", workflow.Int64, []any{0, 1, N, 3, 2}},
	{"year(d)", workflow.Int64, []any{2024, 2024, N, 2023, 1969}},
	{"month(d)", workflow.Int64, []any{1, 2, N, 12, 12}},
	{"day(d)", workflow.Int64, []any{31, 29, N, 31, 31}},
	{"year(ts) * 100 + month(ts)", workflow.Int64, []any{202403, 202401, N, 196912, 202412}},
	{"day(ts)", workflow.Int64, []any{10, 1, N, 31, 31}},
	{`date_trunc("day", d)`, workflow.Date, []any{dt("2024-01-31"), dt("2024-02-29"), N, dt("2023-12-31"), dt("1969-12-31")}},
	{`date_trunc("week", d)`, workflow.Date, []any{dt("2024-01-29"), dt("2024-02-26"), N, dt("2023-12-25"), dt("1969-12-29")}},
	{`date_trunc("month", d)`, workflow.Date, []any{dt("2024-01-01"), dt("2024-02-01"), N, dt("2023-12-01"), dt("1969-12-01")}},
	{`date_trunc("quarter", d)`, workflow.Date, []any{dt("2024-01-01"), dt("2024-01-01"), N, dt("2023-10-01"), dt("1969-10-01")}},
	{`date_trunc("year", d)`, workflow.Date, []any{dt("2024-01-01"), dt("2024-01-01"), N, dt("2023-01-01"), dt("1969-01-01")}},
	{`date_trunc("day", ts)`, workflow.Timestamp, []any{dt("2024-03-10"), dt("2024-01-01"), N, dt("1969-12-31"), dt("2024-12-31")}},
	{`date_trunc("week", ts)`, workflow.Timestamp, []any{dt("2024-03-04"), dt("2024-01-01"), N, dt("1969-12-29"), dt("2024-12-30")}},
	{`date_trunc("month", ts)`, workflow.Timestamp, []any{dt("2024-03-01"), dt("2024-01-01"), N, dt("1969-12-01"), dt("2024-12-01")}},
	{`date_trunc("quarter", ts)`, workflow.Timestamp, []any{dt("2024-01-01"), dt("2024-01-01"), N, dt("1969-10-01"), dt("2024-10-01")}},
	{`date_trunc("year", ts)`, workflow.Timestamp, []any{dt("2024-01-01"), dt("2024-01-01"), N, dt("1969-01-01"), dt("2024-01-01")}},
	{"add_days(d, 1)", workflow.Date, []any{dt("2024-02-01"), dt("2024-03-01"), N, dt("2024-01-01"), dt("1970-01-01")}},
	{"add_days(ts, -1)", workflow.Timestamp, []any{stamp("2024-03-09T12:30:00Z"), stamp("2023-12-31T00:00:00Z"), N,
		stamp("1969-12-30T18:00:00Z"), stamp("2024-12-30T23:59:59.5Z")}},
	{"add_days(d, i)", workflow.Date, []any{dt("2024-02-01"), dt("2024-02-27"), N, dt("2024-01-07"), dt("1969-12-31")}},
	{`date("2024-12-31")`, workflow.Date, []any{dt("2024-12-31"), dt("2024-12-31"), dt("2024-12-31"), dt("2024-12-31"), dt("2024-12-31")}},
	{"date(s)", workflow.Date, []any{N, N, N, N, N}},
	{"now()", workflow.Timestamp, []any{stamp("2025-01-01T08:00:00Z"), stamp("2025-01-01T08:00:00Z"),
		stamp("2025-01-01T08:00:00Z"), stamp("2025-01-01T08:00:00Z"), stamp("2025-01-01T08:00:00Z")}},
	{"params.as_of", workflow.Date, []any{dt("2024-12-31"), dt("2024-12-31"), dt("2024-12-31"), dt("2024-12-31"), dt("2024-12-31")}},
	{"ts - d > params.grace", workflow.Bool, []any{true, false, N, false, true}},
	{"ts + params.grace", workflow.Timestamp, []any{stamp("2024-03-12T12:30:00Z"), stamp("2024-01-03T00:00:00Z"), N,
		stamp("1970-01-02T18:00:00Z"), stamp("2025-01-02T23:59:59.5Z")}},
	{"d - params.grace", workflow.Timestamp, []any{dt("2024-01-29"), dt("2024-02-27"), N, dt("2023-12-29"), dt("1969-12-29")}},
	{"params.grace + d", workflow.Timestamp, []any{dt("2024-02-02"), dt("2024-03-02"), N, dt("2024-01-02"), dt("1970-01-02")}},
	{"now() - ts < params.grace", workflow.Bool, []any{false, false, N, false, true}},

	// Params, let, columns that are not identifiers.
	{"params.k * i", workflow.Int64, []any{3, -6, N, 21, 0}},
	{"params.ratio * f", workflow.Float64, []any{0.75, N, -0.25, 1.0, math.NaN()}},
	{"params.k", workflow.Int64, []any{3, 3, 3, 3, 3}},
	{"let y = i * 2; y + y", workflow.Int64, []any{4, -8, N, 28, 0}},
	{"let c = 3; i + c", workflow.Int64, []any{4, 1, N, 10, 3}},
	{"let y = i; let z = y + 1; z * y", workflow.Int64, []any{2, 2, N, 56, 0}},
	{`col("Annual Income (k$)") * 1000`, workflow.Float64, []any{15000.0, 16000.0, N, 17000.0, 18000.0}},
	{`col("i") + i`, workflow.Int64, []any{2, -4, N, 14, 0}},
	{"i | abs()", workflow.Int64, []any{1, 2, N, 7, 0}},

	// Row-at-a-time fallback on expr's VM.
	{"any(params.nums, {# == i})", workflow.Bool, []any{true, false, N, true, false}},
	{"len(filter(params.cats, # startsWith lower(s)))", workflow.Int64, []any{1, 0, N, 1, 2}},
	{"s[0:2]", workflow.String, []any{"Ap", " p", N, "ap", ""}},
	{"let y = i * 2; any(params.nums, {# == y})", workflow.Bool, []any{false, false, N, false, false}},
	{"i > 0 && all(params.cats, {len(#) > i})", workflow.Bool, []any{true, false, N, false, false}},
	{"count(params.nums, {# > 0}) + i", workflow.Int64, []any{3, 0, N, 9, 2}},
	{"params.cats[0]", workflow.String, []any{"apple", "apple", "apple", "apple", "apple"}},
}

// sameValue compares a value from an array with an expected one: ints
// given as int, floats to 1e-12 relative (NaN equals NaN), times by
// instant.
func sameValue(got, want any) bool {
	if want == N {
		want = nil
	}
	switch w := want.(type) {
	case nil:
		return got == nil
	case int:
		g, ok := got.(int64)
		return ok && g == int64(w)
	case float64:
		g, ok := got.(float64)
		if !ok {
			return false
		}
		if math.IsNaN(w) || math.IsNaN(g) {
			return math.IsNaN(w) && math.IsNaN(g)
		}
		if g == w {
			return true
		}
		return math.Abs(g-w) <= 1e-12*math.Max(math.Abs(w), 1)
	case time.Time:
		g, ok := got.(time.Time)
		return ok && g.Equal(w)
	}
	return got == want
}

func TestEval(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rec := newBatch(t, mem, testColumns()...)
	defer rec.Release()
	env := testEnv(rec.Schema())
	for _, tc := range evalCases {
		t.Run(tc.src, func(t *testing.T) {
			p, err := Compile(tc.src, env)
			if err != nil {
				t.Fatalf("compile: %v", err)
			}
			if !arrow.TypeEqual(p.Type(), tc.typ) {
				t.Errorf("type %s, want %s", p.Type(), tc.typ)
			}
			arr, err := p.Eval(rec, mem)
			if err != nil {
				t.Fatalf("eval: %v", err)
			}
			defer arr.Release()
			if !arrow.TypeEqual(arr.DataType(), p.Type()) {
				t.Errorf("array type %s, program type %s", arr.DataType(), p.Type())
			}
			got := values(t, arr)
			ok := len(got) == len(tc.want)
			for i := 0; ok && i < len(got); i++ {
				ok = sameValue(got[i], tc.want[i])
			}
			if !ok {
				t.Errorf("got  %s\nwant %s", fmtVals(got), fmtVals(tc.want))
			}
			if p.Type().ID() != arrow.BOOL {
				return
			}
			// EvalBool agrees, with null as false.
			dst := make([]bool, rec.NumRows())
			if err := p.EvalBool(rec, dst); err != nil {
				t.Fatalf("EvalBool: %v", err)
			}
			for i, v := range got {
				if dst[i] != (v == true) {
					t.Errorf("EvalBool row %d = %v, Eval gave %v", i, dst[i], v)
				}
			}
		})
	}
}

// TestConcurrentEval runs one Program from several goroutines, as callers
// evaluating batches in parallel do (run it with -race).
func TestConcurrentEval(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rec := newBatch(t, mem, testColumns()...)
	defer rec.Release()
	p, err := Compile(`b && i > 0 || any(params.nums, {# == j}) ? upper(s) + "!" : lower(s)`, testEnv(rec.Schema()))
	if err != nil {
		t.Fatal(err)
	}
	want, err := p.Eval(rec, mem)
	if err != nil {
		t.Fatal(err)
	}
	defer want.Release()
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			for range 50 {
				got, err := p.Eval(rec, mem)
				if err != nil {
					errs <- err
					return
				}
				equal := array.Equal(got, want)
				got.Release()
				if !equal {
					errs <- fmt.Errorf("results differ between goroutines")
					return
				}
			}
			errs <- nil
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// TestChunks evaluates a batch longer than a chunk, with nulls, sliced at
// an offset that is not a multiple of eight, and compares each row with
// the same expression evaluated on that row alone.
func TestChunks(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	n := 2*chunkRows + 123
	is, fs, ss, bs := make([]any, n), make([]any, n), make([]any, n), make([]any, n)
	for i := range n {
		if i%7 != 3 {
			is[i] = int64(i % 11)
		}
		if i%5 != 1 {
			fs[i] = float64(i%13) / 2
		}
		if i%9 != 2 {
			ss[i] = []string{"a", "b", "apple"}[i%3]
		}
		if i%4 != 0 {
			bs[i] = i%3 == 0
		}
	}
	rec := newBatch(t, mem, ints("i", is...), floats("f", fs...), strs("s", ss...), bools("b", bs...))
	defer rec.Release()
	src := `(b || i > 5) && f < 4 ? s + "x" : coalesce(s, "none")`
	p, err := Compile(src, Env{Schema: rec.Schema()})
	if err != nil {
		t.Fatal(err)
	}
	sliced := rec.NewSlice(3, int64(n))
	defer sliced.Release()
	arr, err := p.Eval(sliced, mem)
	if err != nil {
		t.Fatal(err)
	}
	defer arr.Release()
	got := values(t, arr)
	for i := range got {
		row := sliced.NewSlice(int64(i), int64(i+1))
		one, err := p.Eval(row, mem)
		row.Release()
		if err != nil {
			t.Fatal(err)
		}
		want := values(t, one)[0]
		one.Release()
		if got[i] != want {
			t.Fatalf("row %d: %v in the batch, %v alone", i, got[i], want)
		}
	}
}

// TestVectorised checks which expressions run entirely in the vectorised
// evaluator and which need expr's VM row by row.
func TestVectorised(t *testing.T) {
	rec := newBatch(t, memory.NewGoAllocator(), testColumns()...)
	defer rec.Release()
	env := testEnv(rec.Schema())
	for _, tc := range []struct {
		src string
		vm  bool
	}{
		{"i > 1000 && f > 90", false},
		{`s == "return" || s in params.cats`, false},
		{"days_between(d, params.as_of) > 180", false},
		{"coalesce(f, 0) / j + len(params.cats)", false},
		{"let y = i * 2; y > 3 ? upper(s) : lower(s)", false},
		{"any(params.nums, {# > i})", true},
		{"s[0:2]", true},
	} {
		p, err := Compile(tc.src, env)
		if err != nil {
			t.Fatalf("%s: %v", tc.src, err)
		}
		if p.usesVM != tc.vm {
			t.Errorf("%s: uses the VM = %v, want %v", tc.src, p.usesVM, tc.vm)
		}
	}
}
