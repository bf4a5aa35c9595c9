package synth

import (
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// scanRows scans g and returns the number of rows.
func scanRows(b *testing.B, g Generator) int64 {
	var rows int64
	err := g.Scan(context.Background(), memory.DefaultAllocator, func(rec arrow.RecordBatch) error {
		rows += rec.NumRows()
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return rows
}

// BenchmarkTransactions generates about 1,000,000 transactions (350,000
// CDNOW-like customers over 78 weeks) and reports the throughput.
func BenchmarkTransactions(b *testing.B) {
	opts := DefaultTransactionsOptions()
	opts.Customers = 350_000
	tx, _, err := Transactions(opts)
	if err != nil {
		b.Fatal(err)
	}
	var rows int64
	for b.Loop() {
		rows = scanRows(b, tx)
	}
	b.ReportMetric(float64(rows), "transactions/op")
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "transactions/s")
}

// BenchmarkSupportOrders generates the orders of 200,000 support customers
// (about 1.1 million orders) and reports the throughput.
func BenchmarkSupportOrders(b *testing.B) {
	opts := DefaultSupportOptions()
	opts.Customers = 200_000
	orders, _, _, err := Support(opts)
	if err != nil {
		b.Fatal(err)
	}
	var rows int64
	for b.Loop() {
		rows = scanRows(b, orders)
	}
	b.ReportMetric(float64(rows), "orders/op")
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "orders/s")
}

// BenchmarkSupportTickets generates the tickets of 200,000 support customers.
func BenchmarkSupportTickets(b *testing.B) {
	opts := DefaultSupportOptions()
	opts.Customers = 200_000
	_, tickets, _, err := Support(opts)
	if err != nil {
		b.Fatal(err)
	}
	var rows int64
	for b.Loop() {
		rows = scanRows(b, tickets)
	}
	b.ReportMetric(float64(rows), "tickets/op")
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "tickets/s")
}
