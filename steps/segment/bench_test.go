package segment

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/aftercare/aftercare/steps/internal/colexpr"
	"github.com/aftercare/aftercare/workflow"
)

// benchCustomers returns n customers with RFM-like columns in batches of
// 64Ki rows.
func benchCustomers(b *testing.B, n int) *workflow.Table {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "recency_days", Type: workflow.Int64, Nullable: true},
		{Name: "frequency", Type: workflow.Int64, Nullable: true},
		{Name: "monetary", Type: workflow.Float64, Nullable: true},
		{Name: "p_alive", Type: workflow.Float64, Nullable: true},
	}, nil)
	rng := rand.New(rand.NewPCG(1, 2))
	t := workflow.NewTable(schema)
	mem := memory.NewGoAllocator()
	for lo := 0; lo < n; lo += 1 << 16 {
		rb := array.NewRecordBuilder(mem, schema)
		for range min(1<<16, n-lo) {
			rb.Field(0).(*array.Int64Builder).Append(rng.Int64N(400))
			rb.Field(1).(*array.Int64Builder).Append(1 + rng.Int64N(20))
			rb.Field(2).(*array.Float64Builder).Append(rng.ExpFloat64() * 300)
			rb.Field(3).(*array.Float64Builder).Append(rng.Float64())
		}
		t.Append(rb.NewRecordBatch())
		rb.Release()
	}
	return t
}

// BenchmarkRules10 runs 10 rules over 1,000,000 customers in first_match
// mode with two workers; the metric is rule evaluations per second.
func BenchmarkRules10(b *testing.B) { benchRules(b, false) }

// BenchmarkRules10AllMatches is BenchmarkRules10 in all_matches mode
// (a segment list column and ten in_NAME columns).
func BenchmarkRules10AllMatches(b *testing.B) { benchRules(b, true) }

func benchRules(b *testing.B, all bool) {
	const n = 1_000_000
	in := benchCustomers(b, n)
	defer in.Release()
	srcs := []string{
		"monetary > 1000 && recency_days < 90",
		"recency_days > 300",
		"p_alive < 0.2 && frequency > 3",
		"frequency == 1 && recency_days < 30",
		"monetary > 500",
		"p_alive > 0.9",
		"recency_days >= 100 && recency_days <= 200",
		"frequency >= 10 || monetary > 2000",
		"monetary < 20",
		"recency_days < 60 && p_alive > 0.5",
	}
	env := colexpr.Env{Schema: in.Schema()}
	e := &engine{def: -1, all: all}
	for i, s := range srcs {
		p, err := colexpr.CompileBool(s, env)
		if err != nil {
			b.Fatal(err)
		}
		e.progs = append(e.progs, p)
		e.names = append(e.names, fmt.Sprintf("s%d", i))
		e.seg = append(e.seg, i)
	}
	fields := append(in.Schema().Fields(), arrow.Field{Name: "segment", Type: workflow.String, Nullable: true})
	if all {
		for _, n := range e.names {
			fields = append(fields, arrow.Field{Name: "in_" + n, Type: workflow.Bool, Nullable: true})
		}
	}
	schema := arrow.NewSchema(fields, nil)
	mem := memory.NewGoAllocator()
	for b.Loop() {
		out, _, err := e.run(context.Background(), in, schema, 2, mem)
		if err != nil {
			b.Fatal(err)
		}
		out.Release()
	}
	b.ReportMetric(float64(n*len(srcs))*float64(b.N)/b.Elapsed().Seconds(), "evals/s")
}
