package features

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/aftercare/aftercare/steps/internal/colexpr"
	"github.com/aftercare/aftercare/workflow"
)

// benchLog builds an order-line log in memory: rows lines in batches of
// 65,536, orders of 1 to 9 lines in time order with increasing invoice
// numbers (strings), customers drawn from ncust (float ids as in Online
// Retail, or strings), timestamps and amounts.
func benchLog(b *testing.B, rows, ncust int, stringKeys bool) *workflow.Table {
	mem := memory.DefaultAllocator
	custType := workflow.Float64
	if stringKeys {
		custType = workflow.String
	}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "customer", Type: custType}, {Name: "invoice", Type: workflow.String},
		{Name: "at", Type: workflow.Timestamp}, {Name: "amount", Type: workflow.Float64},
	}, nil)
	rng := rand.New(rand.NewPCG(1, 2))
	t := workflow.NewTable(schema)
	invoice, left, cust := 536365, 0, 0
	at := int64(1_291_190_400_000_000)
	bld := array.NewRecordBuilder(mem, schema)
	defer bld.Release()
	for i := range rows {
		if left == 0 {
			left = 1 + rng.IntN(9)
			invoice++
			cust = rng.IntN(ncust)
			at += 60_000_000
		}
		left--
		if stringKeys {
			bld.Field(0).(*array.StringBuilder).Append("C" + strconv.Itoa(1_000_000+cust))
		} else {
			bld.Field(0).(*array.Float64Builder).Append(float64(10_000_000 + cust))
		}
		bld.Field(1).(*array.StringBuilder).Append(strconv.Itoa(invoice))
		bld.Field(2).(*array.TimestampBuilder).Append(arrow.Timestamp(at))
		bld.Field(3).(*array.Float64Builder).Append(float64(rng.IntN(5000)) / 100)
		if (i+1)%65536 == 0 || i == rows-1 {
			t.Append(bld.NewRecordBatch())
		}
	}
	return t
}

// BenchmarkRFMScan measures the RFM aggregation alone (hashing customer
// keys, distinct orders, sum, min and max) on in-memory batches.
func BenchmarkRFMScan(b *testing.B) {
	for _, c := range []struct {
		rows, cust int
		str        bool
	}{{1_000_000, 100_000, false}, {1_000_000, 100_000, true}, {4_000_000, 1_000_000, false}} {
		b.Run(fmt.Sprintf("rows=%d/customers=%d/stringkeys=%v", c.rows, c.cust, c.str), func(b *testing.B) {
			t := benchLog(b, c.rows, c.cust, c.str)
			defer t.Release()
			b.SetBytes(int64(c.rows)) // "MB/s" reads as million rows per second
			for b.Loop() {
				gs := &groupScan{keys: []int{0}, keyTypes: []arrow.DataType{t.Schema().Field(0).Type},
					aggs:   []aggregator{&countDistinctAgg{col: 1}, &rfmStats{ts: 2, amount: 3}},
					wheres: make([]*colexpr.Program, 2)}
				gt, err := gs.scan(context.Background(), t)
				if err != nil {
					b.Fatal(err)
				}
				gt.sortedOrder()
			}
		})
	}
}

// BenchmarkGroupTable measures key hashing and lookup alone.
func BenchmarkGroupTable(b *testing.B) {
	for _, str := range []bool{false, true} {
		b.Run(fmt.Sprintf("stringkeys=%v", str), func(b *testing.B) {
			t := benchLog(b, 1_000_000, 100_000, str)
			defer t.Release()
			gids := make([]int32, 65536)
			b.SetBytes(1_000_000)
			for b.Loop() {
				gt := newGroupTable([]arrow.DataType{t.Schema().Field(0).Type})
				for _, rec := range t.Batches() {
					n := int(rec.NumRows())
					gt.assign([]arrow.Array{rec.Column(0)}, n, nil, gids[:n])
				}
			}
		})
	}
}

// BenchmarkQuantile measures the median of 1M values over 100k groups.
func BenchmarkQuantile(b *testing.B) {
	t := benchLog(b, 1_000_000, 100_000, false)
	defer t.Release()
	b.SetBytes(1_000_000)
	for b.Loop() {
		gs := &groupScan{keys: []int{0}, keyTypes: []arrow.DataType{workflow.Float64},
			aggs: []aggregator{&quantileAgg{col: 3, median: true}}, wheres: make([]*colexpr.Program, 1)}
		gt, err := gs.scan(context.Background(), t)
		if err != nil {
			b.Fatal(err)
		}
		gs.aggs[0].build(gt.sortedOrder(), memory.DefaultAllocator).Release()
	}
}
