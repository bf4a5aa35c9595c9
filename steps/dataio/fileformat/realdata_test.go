package fileformat

import (
	"context"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/aftercare/aftercare/workflow"
)

// The expected numbers below are published in shared/data/README.md
// (checked there with pandas, and matching the commonly quoted figures).

func TestCDNOWSample(t *testing.T) {
	p := filepath.Join(dataDir(t), "cdnow_lifetimes", "CDNOW_sample.txt")
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	o := ReadOptions{Whitespace: true, NoHeader: true,
		ColumnNames: []string{"customer", "sample_id", "date", "cds", "amount"},
		Types:       map[string]arrow.DataType{"customer": workflow.String, "date": workflow.Date}}
	sc, err := ReadSchema(p, o)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"customer": "string", "sample_id": "int", "date": "date", "cds": "int", "amount": "float"}
	if got := schemaTypes(sc); len(got) != 5 || got["customer"] != want["customer"] || got["sample_id"] != "int" || got["date"] != "date" || got["cds"] != "int" || got["amount"] != "float" {
		t.Fatalf("types %v, want %v", got, want)
	}
	var n, cds int64
	var dollars float64
	customers := map[int64]bool{}
	minDay, maxDay := int32(math.MaxInt32), int32(math.MinInt32)
	err = Scan(context.Background(), p, sc, o, mem, func(b arrow.RecordBatch) error {
		n += b.NumRows()
		ids := b.Column(1).(*array.Int64)
		days := b.Column(2).(*array.Date32)
		for i := range int(b.NumRows()) {
			customers[ids.Value(i)] = true
			cds += b.Column(3).(*array.Int64).Value(i)
			dollars += b.Column(4).(*array.Float64).Value(i)
			minDay, maxDay = min(minDay, int32(days.Value(i))), max(maxDay, int32(days.Value(i)))
		}
		if got := b.Column(0).ValueStr(0); len(got) != 5 {
			t.Errorf("customer id %q lost its zero padding", got)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != 6919 || cds != 16479 || len(customers) != 2357 || math.Abs(dollars-244091.94) > 0.005 {
		t.Errorf("rows %d (want 6919), cds %d (16479), customers %d (2357), dollars %.2f (244091.94)", n, cds, len(customers), dollars)
	}
	first := arrow.Date32FromTime(time.Date(1997, 1, 1, 0, 0, 0, 0, time.UTC))
	last := arrow.Date32FromTime(time.Date(1998, 6, 30, 0, 0, 0, 0, time.UTC))
	if minDay != int32(first) || maxDay != int32(last) {
		t.Errorf("dates %d..%d, want %d..%d", minDay, maxDay, first, last)
	}
}

func TestOnlineRetail(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("reads 48 MB: skipped with -short and under the race detector")
	}
	p := filepath.Join(dataDir(t), "online_retail_uci", "online_retail.csv.gz")
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	sc, err := ReadSchema(p, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"InvoiceNo": "string", "StockCode": "string", "Description": "string", "Quantity": "int",
		"InvoiceDate": "timestamp", "UnitPrice": "float", "CustomerID": "float", "Country": "string"}
	if got := schemaTypes(sc); len(got) != len(want) {
		t.Fatalf("types %v", got)
	} else {
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s is %s, want %s", k, got[k], v)
			}
		}
	}
	var n, nullCustomers, nullDescriptions int64
	var revenue float64
	customers := map[float64]bool{}
	countries := map[string]bool{}
	minTS, maxTS := int64(math.MaxInt64), int64(math.MinInt64)
	idx := func(name string) int { return sc.FieldIndices(name)[0] }
	err = Scan(context.Background(), p, sc, ReadOptions{}, mem, func(b arrow.RecordBatch) error {
		n += b.NumRows()
		q := b.Column(idx("Quantity")).(*array.Int64).Int64Values()
		price := b.Column(idx("UnitPrice")).(*array.Float64).Float64Values()
		cust := b.Column(idx("CustomerID")).(*array.Float64)
		ts := b.Column(idx("InvoiceDate")).(*array.Timestamp)
		country := b.Column(idx("Country")).(*array.String)
		nullCustomers += int64(cust.NullN())
		nullDescriptions += int64(b.Column(idx("Description")).NullN())
		for i := range q {
			revenue += float64(q[i]) * price[i]
			if cust.IsValid(i) {
				customers[cust.Value(i)] = true
			}
			countries[country.Value(i)] = true
			minTS, maxTS = min(minTS, int64(ts.Value(i))), max(maxTS, int64(ts.Value(i)))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != 541909 || nullCustomers != 135080 || len(customers) != 4372 || nullDescriptions != 1454 || len(countries) != 38 {
		t.Errorf("rows %d (541909), null CustomerID %d (135080), customers %d (4372), null Description %d (1454), countries %d (38)",
			n, nullCustomers, len(customers), nullDescriptions, len(countries))
	}
	if math.Abs(revenue-9747747.93) > 0.005 {
		t.Errorf("Σ Quantity×UnitPrice = %.4f, want 9747747.93", revenue)
	}
	wantMin := time.Date(2010, 12, 1, 8, 26, 0, 0, time.UTC).UnixMicro()
	wantMax := time.Date(2011, 12, 9, 12, 50, 0, 0, time.UTC).UnixMicro()
	if minTS != wantMin || maxTS != wantMax {
		t.Errorf("InvoiceDate %s..%s", time.UnixMicro(minTS).UTC(), time.UnixMicro(maxTS).UTC())
	}
}
