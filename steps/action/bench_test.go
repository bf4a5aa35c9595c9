package action

import (
	"context"
	"fmt"
	"testing"
	"text/template"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/aftercare/aftercare/workflow"
)

// BenchmarkPlan1M plans actions for 1,000,000 customers in four segments
// (three with an action, each with a template and a due time from a date
// column) with a per-customer cap and a budget, on two workers.
func BenchmarkPlan1M(b *testing.B) {
	const n = 1_000_000
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "customer_id", Type: workflow.String},
		{Name: "segment", Type: workflow.String},
		{Name: "monetary", Type: workflow.Float64},
		{Name: "last_purchase", Type: workflow.Date},
	}, nil)
	segs := []string{"vip", "lapsing", "new", "regular"}
	in := workflow.NewTable(schema)
	defer in.Release()
	mem := memory.NewGoAllocator()
	base := arrow.Date32FromTime(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
	for lo := 0; lo < n; lo += 1 << 16 {
		rb := array.NewRecordBuilder(mem, schema)
		for i := lo; i < min(lo+1<<16, n); i++ {
			rb.Field(0).(*array.StringBuilder).Append(fmt.Sprintf("C%07d", i))
			rb.Field(1).(*array.StringBuilder).Append(segs[i*7%4])
			rb.Field(2).(*array.Float64Builder).Append(float64(i % 5000))
			rb.Field(3).(*array.Date32Builder).Append(base + arrow.Date32(i%365))
		}
		in.Append(rb.NewRecordBatch())
		rb.Release()
	}
	asOf := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	s := &Plan{
		Segment: workflow.Column{Name: "segment"}, Customer: workflow.Column{Name: "customer_id"},
		MaxPerCustomer: 1, budget: map[int64]int64{3: 100_000}, asOf: &asOf, recipe: "bench",
	}
	for i, name := range segs[:3] {
		t := template.Must(template.New(name).Parse(`Hello {{.customer_id}}, you spent {{printf "%.2f" .monetary}}`))
		fields := []string{"customer_id", "monetary"}
		s.specs = append(s.specs, compiled{
			Spec:    Spec{Action: name + "_action", Channel: "email", Priority: int64(i + 1), Template: "x", Due: Due{After: 72 * time.Hour, From: workflow.Column{Name: "last_purchase"}}},
			segment: name, tmpl: t, fields: fields, fieldIdx: []int{0, 2}, dueIdx: 3, fast: compileFast(t, fields),
		})
	}
	for b.Loop() {
		out, _, err := s.plan(context.Background(), in, map[string]struct{}{"C0000001": {}}, 2, mem)
		if err != nil {
			b.Fatal(err)
		}
		out.Release()
	}
}
