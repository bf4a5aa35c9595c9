package colexpr

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// FuzzCompile checks that compiling arbitrary source never panics, and
// that what compiles evaluates without panicking or leaking memory. The
// corpus starts from the expressions of the other tests and the shapes
// recipes use.
func FuzzCompile(f *testing.F) {
	for _, tc := range evalCases {
		f.Add(tc.src)
	}
	for _, src := range []string{
		"monetary > 1000 && recency_days > 90",
		"days_between(last_purchase, params.as_of)",
		`category == "return"`,
		"frequency == 1",
		"true",
		`col("Annual Income (k$)") > 60 && s in ["a", "b"]`,
		"tenure_m > 3", "params.k2 + 1", `"abc" > 3`, "s && i > 1", "i > ", "((((", `"\u00e9` + "\n" + `"`,
		"let x = i; let y = x * x; y ?? 0", "filter(params.cats, # == s)", "map(params.nums, # * i)[0]",
		"reduce(params.nums, #acc + #, 0) + i", "sortBy(params.cats, len(#))", "1..100000000",
		"i | abs() | float()", "{a: i}.a", "[i, j][1]", "s?.x", "$env.i", "now() - ts", "i in i..j",
	} {
		f.Add(src)
	}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	rec := newBatch(f, mem, testColumns()...)
	defer rec.Release()
	env := testEnv(rec.Schema())
	f.Fuzz(func(t *testing.T, src string) {
		p, err := Compile(src, env)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("%q: error of type %T: %v", src, err, err)
			}
			return
		}
		m := memory.NewCheckedAllocator(memory.NewGoAllocator())
		arr, err := p.Eval(rec, m)
		if err == nil {
			if arr.Len() != int(rec.NumRows()) {
				t.Errorf("%q: %d values for %d rows", src, arr.Len(), rec.NumRows())
			}
			arr.Release()
		}
		m.AssertSize(t, 0)
		if _, err := CompileBool(src, env); err == nil {
			_ = p.EvalBool(rec, make([]bool, rec.NumRows()))
		}
	})
}
