package segment

import (
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/aftercare/aftercare/steps/internal/colexpr"
	"github.com/aftercare/aftercare/workflow"
)

// TestEngineSameOutputAnyWorkers runs the rules over 200,000 rows (several
// chunks) with 1 and 3 workers and compares every value and count.
func TestEngineSameOutputAnyWorkers(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := arrow.NewSchema([]arrow.Field{{Name: "x", Type: workflow.Int64, Nullable: true}}, nil)
	in := workflow.NewTable(schema)
	defer in.Release()
	for lo := 0; lo < 200_000; lo += 90_000 {
		b := array.NewInt64Builder(mem)
		for i := lo; i < min(lo+90_000, 200_000); i++ {
			if i%97 == 0 {
				b.AppendNull()
			} else {
				b.Append(int64(i % 1000))
			}
		}
		a := b.NewArray()
		b.Release()
		in.Append(array.NewRecordBatch(schema, []arrow.Array{a}, int64(a.Len())))
		a.Release()
	}
	e := &engine{all: true, names: []string{"low", "even", "other"}, seg: []int{0, 1}, def: 2}
	for _, src := range []string{"x < 300", "x % 2 == 0"} {
		p, err := colexpr.CompileBool(src, colexpr.Env{Schema: schema})
		if err != nil {
			t.Fatal(err)
		}
		e.progs = append(e.progs, p)
	}
	out := arrow.NewSchema(append(schema.Fields(),
		arrow.Field{Name: "segments", Type: workflow.String, Nullable: true},
		arrow.Field{Name: "in_low", Type: workflow.Bool, Nullable: true},
		arrow.Field{Name: "in_even", Type: workflow.Bool, Nullable: true},
		arrow.Field{Name: "in_other", Type: workflow.Bool, Nullable: true}), nil)
	t1, c1, err := e.run(context.Background(), in, out, 1, mem)
	if err != nil {
		t.Fatal(err)
	}
	defer t1.Release()
	t3, c3, err := e.run(context.Background(), in, out, 3, mem)
	if err != nil {
		t.Fatal(err)
	}
	defer t3.Release()
	if c1.rows != 200_000 || c1.none != c3.none || c1.multi != c3.multi || c1.segments[0] != c3.segments[0] {
		t.Errorf("coverage differs: %+v vs %+v", c1, c3)
	}
	// Hand count: x = i%1000, nulls at i%97 == 0 match nothing.
	var low, even, none, multi int64
	for i := range 200_000 {
		if i%97 == 0 {
			none++
			continue
		}
		x := i % 1000
		l, e := x < 300, x%2 == 0
		if l {
			low++
		}
		if e {
			even++
		}
		if l && e {
			multi++
		}
		if !l && !e {
			none++
		}
	}
	if c1.matched[0] != low || c1.matched[1] != even || c1.none != none || c1.multi != multi || c1.segments[2] != none {
		t.Errorf("coverage %+v; want low %d even %d none %d multi %d", c1, low, even, none, multi)
	}
	if len(t1.Batches()) != len(t3.Batches()) {
		t.Fatalf("batches %d vs %d", len(t1.Batches()), len(t3.Batches()))
	}
	for i := range t1.Batches() {
		if !array.RecordEqual(t1.Batches()[i], t3.Batches()[i]) {
			t.Errorf("batch %d differs", i)
		}
	}
}
