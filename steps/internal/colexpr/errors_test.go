package colexpr

import (
	"errors"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// errorEnv is the test environment plus a column the evaluator cannot
// read and one whose name a test misspells.
func errorEnv(t *testing.T) Env {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rec := newBatch(t, mem, append(testColumns(), ints("tenure_months", int64(1), int64(2), int64(3), int64(4), int64(5)))...)
	defer rec.Release()
	fields := append(rec.Schema().Fields(), arrow.Field{Name: "small", Type: arrow.PrimitiveTypes.Int32})
	return testEnv(arrow.NewSchema(fields, nil))
}

func TestCompileErrors(t *testing.T) {
	env := errorEnv(t)
	noAsOf := env
	noAsOf.AsOf = nil
	cases := []struct {
		src    string
		bool   bool
		noAsOf bool
		want   string
	}{
		// Unknown names, with did-you-mean among columns, params and functions.
		{src: "tenure_m > 3", want: "1:1: unknown name tenure_m (did you mean tenure_months?)"},
		{src: "i > 0 && tenure_mnths > 3", want: "1:10: unknown name tenure_mnths (did you mean tenure_months?)"},
		{src: "params.k2 + 1", want: "1:1: unknown name params.k2 (did you mean params.k?)"},
		{src: "i * params.ratoi", want: "1:5: unknown name params.ratoi (did you mean params.ratio?)"},
		{src: "lowr(s)", want: "1:1: unknown name lowr (did you mean lower?)"},
		{src: "days_betwen(d, d)", want: "1:1: unknown name days_betwen (did you mean days_between?)"},
		{src: "any(params.cats, {# == zzz})", want: "1:24: unknown name zzz"},
		{src: `col("Annual Incme (k$)")`, want: `1:5: unknown column "Annual Incme (k$)" (did you mean Annual Income (k$)?)`},
		{src: "col(s)", want: "1:5: col needs a string literal naming a column"},
		{src: "col()", want: "1:1: col takes one argument, the column name as a string literal"},
		{src: "small + 1", want: "1:1: column small has type int32, which expressions cannot read"},

		// Type mismatches.
		{src: `"abc" > 3`, want: "1:7: invalid operation: > (mismatched types string and int)"},
		{src: `"héllo" > 3`, want: "1:9: invalid operation: > (mismatched types string and int)"},
		{src: "s && i > 1", want: "1:3: invalid operation: && (mismatched types string and bool)"},
		{src: "i == s", want: "1:3: invalid operation: == (mismatched types int and string)"},
		{src: "i % 1.5", want: "1:3: invalid operation: % (mismatched types int and float)"},
		{src: `"a" + 1`, want: "1:5: invalid operation: + (mismatched types string and int)"},
		{src: "d + 1", want: "1:3: invalid operation: + (mismatched types date/time and int)"},
		{src: "-s", want: "1:1: invalid operation: - (mismatched type string)"},
		{src: "!i", want: "1:1: invalid operation: ! (mismatched type int)"},
		{src: "s ? 1 : 2", want: "1:1: non-bool expression (type string) used as condition"},
		{src: "i in params.cats", want: "1:3: cannot use int as type string in array"},
		{src: "abs(s)", want: "1:5: cannot use string as argument (type float) to call abs"},
		{src: "days_between(d, s)", want: "1:17: cannot use string as argument (type date/time) to call days_between"},
		{src: "add_days(d, 1.5)", want: "1:13: cannot use float as argument (type int) to call add_days"},
		{src: "coalesce(s, i)", want: "1:1: mismatched types string and int in coalesce"},
		{src: "s", bool: true, want: "1:1: expression must be bool, got string"},
		{src: "i + 1", bool: true, want: "1:1: expression must be bool, got int"},
		{src: "  lower(s)", bool: true, want: "1:3: expression must be bool, got string"},

		// Arity.
		{src: "lower()", want: "1:1: not enough arguments to call lower"},
		{src: "lower(s, s)", want: "1:1: too many arguments to call lower"},
		{src: "days_between(d)", want: "1:1: not enough arguments to call days_between"},
		{src: "i > 0 && clamp(1, 2)", want: "1:10: not enough arguments to call clamp"},
		{src: "coalesce()", want: "1:1: not enough arguments to call coalesce"},
		{src: "is_null()", want: "1:1: not enough arguments to call is_null"},

		// Arguments checked at compile time.
		{src: `date("2024-13-01")`, want: `1:6: invalid date "2024-13-01" (want YYYY-MM-DD)`},
		{src: `date_trunc("dya", d)`, want: `1:12: unknown date_trunc unit "dya" (did you mean day?)`},
		{src: "date_trunc(s, d)", want: "1:12: date_trunc needs a constant unit: one of day, week, month, quarter, year"},
		{src: `s matches "("`, want: "1:3: error parsing regexp: missing closing ): `(`"},
		{src: "now()", noAsOf: true, want: "1:1: now() needs an as_of param"},
		{src: "days_between(d, now())", noAsOf: true, want: "1:17: now() needs an as_of param"},
		{src: "params.nums[5]", want: "1:12: index out of range: 5 (array length is 2)"},

		// Results that are not column values.
		{src: "ts - ts", want: "1:1: expression gives a duration, which is not a column type (use days_between or hours_between)"},
		{src: "params.cats", want: "1:1: expression gives a list, which is not a column type"},
		{src: "nil", want: "1:1: expression is always nil: its type is unknown"},

		// Syntax, and positions on later lines and after tabs.
		{src: "i > ", want: "1:4: unexpected token EOF"},
		{src: "i +* 2", want: "1:4: unexpected token Operator(\"*\")"},
		{src: "i > 1 &&\n  s > 2", want: "2:5: invalid operation: > (mismatched types string and int)"},
		{src: "\t\ti > \"x\"", want: "1:5: invalid operation: > (mismatched types int and string)"},
		{src: "let i = 3; i", want: "1:5: cannot redeclare i"},
	}
	for _, tc := range cases {
		t.Run(tc.src, func(t *testing.T) {
			e := env
			if tc.noAsOf {
				e = noAsOf
			}
			var err error
			if tc.bool {
				_, err = CompileBool(tc.src, e)
			} else {
				_, err = Compile(tc.src, e)
			}
			if err == nil {
				t.Fatalf("no error, want %q", tc.want)
			}
			if err.Error() != tc.want {
				t.Errorf("error\n got %q\nwant %q", err, tc.want)
			}
			var ce *Error
			if !errors.As(err, &ce) {
				t.Errorf("error is a %T, not an *Error", err)
			}
		})
	}
}

func TestEvalErrors(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rec := newBatch(t, mem, testColumns()...)
	defer rec.Release()
	p, err := Compile("i + j", testEnv(rec.Schema()))
	if err != nil {
		t.Fatal(err)
	}
	other := newBatch(t, mem, floats("i", 1.0), ints("k", int64(1)))
	defer other.Release()
	if _, err := p.Eval(other, mem); err == nil || err.Error() != "eval: column i is float64 in the batch, int in the compiled schema" {
		t.Errorf("type change: %v", err)
	}
	other2 := newBatch(t, mem, ints("i", int64(1)))
	defer other2.Release()
	if _, err := p.Eval(other2, mem); err == nil || err.Error() != "eval: batch has no column j" {
		t.Errorf("missing column: %v", err)
	}
	if err := p.EvalBool(rec, make([]bool, 5)); err == nil || err.Error() != "eval: expression gives int, not bool" {
		t.Errorf("EvalBool of an int: %v", err)
	}
	b, err := CompileBool("i > 0", testEnv(rec.Schema()))
	if err != nil {
		t.Fatal(err)
	}
	if err := b.EvalBool(rec, make([]bool, 4)); err == nil || err.Error() != "eval: destination has 4 elements for 5 rows" {
		t.Errorf("short destination: %v", err)
	}
	// A VM fallback that fails at run time reports the row's error.
	f, err := Compile("params.cats[i]", testEnv(rec.Schema()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Eval(rec, mem); err == nil || err.Error() != "eval: evaluate params.cats[i]: index out of range: 7 (array length is 2)" {
		t.Errorf("fallback error: %v", err)
	}
}
