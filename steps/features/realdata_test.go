package features_test

import (
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"strconv"
	"testing"
)

// onlineRetailRecipe is the usual RFM cleaning of UCI Online Retail (drop
// missing CustomerID, cancelled C invoices, non-positive quantity or
// price), then RFM per customer and totals over the cleaned lines.
const onlineRetailRecipe = `version: 1
name: online-retail
params:
  as_of: {type: date, default: "2011-12-10"}
steps:
  - {id: raw, type: io.read, path: %q}
  - id: clean
    type: features.filter
    input: raw
    where: '!is_null(CustomerID) && !(InvoiceNo startsWith "C") && Quantity > 0 && UnitPrice > 0'
  - id: lines
    type: features.derive
    input: clean
    columns:
      revenue: Quantity * UnitPrice
  - id: rfm
    type: features.rfm
    input: lines
    customer: CustomerID
    order: InvoiceNo
    timestamp: InvoiceDate
    amount: revenue
  - id: totals
    type: features.aggregate
    input: lines
    # After rfm, not beside it: features.filter's lazy scan keeps a
    # scratch mask shared between concurrent scans (reported to the lead).
    after: [rfm]
    aggregates:
      rows: {count: "*"}
      customers: {count_distinct: CustomerID}
      invoices: {count_distinct: InvoiceNo}
      revenue: {sum: revenue}
  - {id: o1, type: test.capture, input: rfm, name: rfm}
  - {id: o2, type: test.capture, input: totals, name: totals}
`

// TestOnlineRetailRFM checks the published counts of the cleaned Online
// Retail data (shared/data/README.md: 397,884 rows, 4,338 customers,
// 18,532 invoices, revenue 8,911,407.90) and RFM values of four customers
// and column sums computed with pandas 1.5 (groupby CustomerID: max/min
// InvoiceDate, nunique InvoiceNo, sum revenue; days as (as_of - t).days).
func TestOnlineRetailRFM(t *testing.T) {
	path := sharedData(t, "online_retail_uci/online_retail.csv.gz")
	if testing.Short() {
		t.Skip("reads 48 MB of CSV")
	}
	res, _, tabs := run(t, fmt.Sprintf(onlineRetailRecipe, path))
	tot := tabs["totals"]
	checkCol(t, tot, "rows", []any{int64(397884)})
	checkCol(t, tot, "customers", []any{int64(4338)})
	checkCol(t, tot, "invoices", []any{int64(18532)})
	if rev := tot.Col("revenue")[0].(float64); math.Round(rev*100) != 891140790 {
		t.Errorf("revenue %.4f, want 8911407.90", rev)
	}
	rfm := tabs["rfm"]
	if rfm.Rows() != 4338 {
		t.Fatalf("rfm rows %d, want 4338", rfm.Rows())
	}
	var sumF, sumR, sumT int64
	var sumM float64
	for i := range rfm.Rows() {
		sumF += rfm.Col("frequency")[i].(int64)
		sumR += rfm.Col("recency_days")[i].(int64)
		sumT += rfm.Col("tenure_days")[i].(int64)
		sumM += rfm.Col("monetary")[i].(float64)
	}
	if sumF != 18532 || sumR != 399354 || sumT != 966641 || math.Round(sumM*100) != 891140790 {
		t.Errorf("sums: frequency %d (18532), recency %d (399354), tenure %d (966641), monetary %.2f (8911407.90)", sumF, sumR, sumT, sumM)
	}
	want := map[float64][4]float64{ // recency, frequency, monetary, tenure (pandas)
		12346: {325, 1, 77183.60, 325},
		12347: {2, 7, 4310.00, 367},
		17850: {372, 34, 5391.21, 373},
		18287: {42, 3, 1837.28, 201},
	}
	for i := range rfm.Rows() {
		id := rfm.Col("CustomerID")[i].(float64)
		w, ok := want[id]
		if !ok {
			continue
		}
		g := [4]float64{float64(rfm.Col("recency_days")[i].(int64)), float64(rfm.Col("frequency")[i].(int64)),
			math.Round(rfm.Col("monetary")[i].(float64)*100) / 100, float64(rfm.Col("tenure_days")[i].(int64))}
		if g != w {
			t.Errorf("customer %v: %v, pandas %v", id, g, w)
		}
		delete(want, id)
	}
	if len(want) > 0 {
		t.Errorf("customers not found: %v", want)
	}
	if first := rfm.Col("CustomerID")[0].(float64); first != 12346 {
		t.Errorf("first customer %v, want 12346 (sorted)", first)
	}
	for _, s := range res.Steps {
		if s.ID == "rfm" && s.Metrics["customers"] != 4338 {
			t.Errorf("rfm metrics %v", s.Metrics)
		}
	}
}

// TestCDNOWSummary builds the BTYD calibration summary of the CDNOW sample
// from the raw transaction log and compares it with the summaries shipped
// by lifetimes (cdnow_customers_summary.csv: frequency, recency, T to 2
// decimals; ..._with_transactions.csv: zbar to ±0.01).
func TestCDNOWSummary(t *testing.T) {
	elog := sharedData(t, "cdnow_lifetimes/CDNOW_sample.txt")
	summary := readCSV(t, sharedData(t, "cdnow_lifetimes/cdnow_customers_summary.csv"))
	withTx := readCSV(t, sharedData(t, "cdnow_lifetimes/cdnow_customers_summary_with_transactions.csv"))
	_, _, tabs := run(t, fmt.Sprintf(`version: 1
name: cdnow
steps:
  - id: elog
    type: io.read
    path: %q
    whitespace: true
    header: false
    columns: [master_id, sample_id, date, cds, dollar_value]
    types: {master_id: string, sample_id: int, date: date, dollar_value: float}
  - id: summary
    type: features.btyd_summary
    input: elog
    customer: sample_id
    timestamp: date
    amount: dollar_value
    calibration_end: "1997-09-30"
    time_unit: weeks
  - {id: o, type: test.capture, input: summary, name: s}
`, elog))
	got := tabs["s"]
	if got.Rows() != 2357 || len(summary) != 2357 || len(withTx) != 2357 {
		t.Fatalf("rows: got %d, summary %d, with transactions %d; want 2357", got.Rows(), len(summary), len(withTx))
	}
	repeaters := 0
	round2 := func(x float64) float64 { return math.Round(x*100) / 100 }
	for i := range got.Rows() {
		id := got.Col("sample_id")[i].(int64)
		s, w := summary[i], withTx[i]
		if s[0] != float64(id) || w[0] != float64(id) {
			t.Fatalf("row %d: id %d, reference ids %v %v", i, id, s[0], w[0])
		}
		f := got.Col("frequency")[i].(float64)
		r := got.Col("recency")[i].(float64)
		T := got.Col("T")[i].(float64)
		m := got.Col("monetary_value")[i].(float64)
		if f > 0 {
			repeaters++
		}
		if round2(f) != s[1] || round2(r) != s[2] || round2(T) != s[3] {
			t.Errorf("customer %d: frequency %v recency %.4f T %.4f; lifetimes %v %v %v", id, f, r, T, s[1], s[2], s[3])
		}
		if math.Abs(m-w[4]) > 0.01+1e-9 {
			t.Errorf("customer %d: monetary_value %.4f, zbar %v", id, m, w[4])
		}
	}
	if repeaters != 946 {
		t.Errorf("%d customers with repeat purchases, want 946", repeaters)
	}
}

// readCSV reads a numeric CSV with a header.
func readCSV(t *testing.T, path string) [][]float64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out [][]float64
	for _, r := range recs[1:] {
		row := make([]float64, len(r))
		for j, s := range r {
			if row[j], err = strconv.ParseFloat(s, 64); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
		}
		out = append(out, row)
	}
	return out
}
