package btyd

import (
	"sync"
	"testing"
)

func BenchmarkFitBGCDNOW(b *testing.B) {
	x, tx, T := cdnowSummary(b)
	for b.Loop() {
		if _, err := FitBG(x, tx, T, nil, BGOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFitGGCDNOW(b *testing.B) {
	c := readCSVColumns(b, sharedData(b, "cdnow_lifetimes/cdnow_customers_summary_with_transactions.csv"), "x", "zbar")
	for b.Loop() {
		if _, err := FitGG(c[0], c[1], nil, GGOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

var (
	millionOnce               sync.Once
	millionDaily, millionCont Summary
)

// million returns 1,000,000 customers simulated from CDNOW-like parameters
// in days (ages uniform on 1..365 whole days), summarised by day (so that
// identical rows merge) and in continuous time (no two rows alike).
func million(b *testing.B) (daily, cont Summary) {
	millionOnce.Do(func() {
		const n = 1_000_000
		ages := make([]float64, n)
		for i := range ages {
			ages[i] = float64(1 + i%365)
		}
		s, err := Simulate(SimConfig{Customers: n, BG: BGParams{R: 0.25, Alpha: 30, A: 0.8, B: 2.5}, GG: &GGParams{P: 6, Q: 4, V: 15}, Ages: ages, Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		millionCont = s.Summary()
		// Absolute days: everyone observed until day 1000.
		abs := EventLog{Start: s.Log.Start, Times: make([]float64, len(s.Log.Times)), Values: s.Log.Values}
		for i := range n {
			for j := s.Log.Start[i]; j < s.Log.Start[i+1]; j++ {
				abs.Times[j] = 1000 - ages[i] + s.Log.Times[j]
			}
		}
		if millionDaily, err = Summarize(abs, 1000, Days); err != nil {
			b.Fatal(err)
		}
	})
	return millionDaily, millionCont
}

func BenchmarkFitBG1MDaily(b *testing.B) {
	d, _ := million(b)
	for b.Loop() {
		if _, err := FitBG(d.X, d.Tx, d.T, nil, BGOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFitBG1MContinuous(b *testing.B) {
	_, c := million(b)
	for b.Loop() {
		if _, err := FitBG(c.X, c.Tx, c.T, nil, BGOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFitGG1M(b *testing.B) {
	_, c := million(b)
	for b.Loop() {
		if _, err := FitGG(c.X, c.Zbar, nil, GGOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkConditionalExpectedPurchases(b *testing.B) {
	for b.Loop() {
		btydParams.ConditionalExpectedPurchases(52, 5, 30, 39)
	}
}

func BenchmarkCLV12Months(b *testing.B) {
	cfg := CLVConfig{Periods: 12, PeriodLength: 4.345, DiscountRate: 0.01}
	for b.Loop() {
		CLV(btydParams, 5, 30, 39, 35, cfg)
	}
}

func BenchmarkMergeRows1M(b *testing.B) {
	_, c := million(b)
	for b.Loop() {
		newBGData(c.X, c.Tx, c.T, nil)
	}
}
