package btyd

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
)

// TestSummarizeCDNOW rebuilds BTYD's calibration summary (data README §1b,
// cdnowSummary_cbs.csv) from the raw CDNOW_sample.txt: x, t.x and T.cal to
// rounding error and m.x (mean same-day-merged repeat value) to 1e-9, and
// the README's aggregate checks (Σx = 2,457; 946 repeat buyers; lifetimes
// tests/test_utils.py L352-371: mean ≈ 35, min ≈ 3, max ≈ 300).
func TestSummarizeCDNOW(t *testing.T) {
	s, err := Summarize(cdnowSampleLog(t), epochDay(t, "19970930"), Weeks)
	if err != nil {
		t.Fatal(err)
	}
	c := readCSVColumns(t, sharedData(t, "cdnow_btyd/cdnowSummary_cbs.csv"), "cust", "x", "t.x", "T.cal", "m.x")
	if len(s.X) != 2357 {
		t.Fatalf("%d customers, want 2357", len(s.X))
	}
	var sumX, repeat, sumZ, minZ, maxZ float64
	minZ = math.Inf(1)
	for i := range s.X {
		if int(c[0][i]) != s.Customer[i]+1 {
			t.Fatalf("row %d: customer %d vs cbs cust %g", i, s.Customer[i]+1, c[0][i])
		}
		if s.X[i] != c[1][i] || math.Abs(s.Tx[i]-c[2][i]) > 1e-12 || math.Abs(s.T[i]-c[3][i]) > 1e-12 || math.Abs(s.Zbar[i]-c[4][i]) > 1e-9 {
			t.Fatalf("customer %d: got (%g, %g, %g, %g), cbs (%g, %g, %g, %g)",
				i+1, s.X[i], s.Tx[i], s.T[i], s.Zbar[i], c[1][i], c[2][i], c[3][i], c[4][i])
		}
		sumX += s.X[i]
		if s.X[i] > 0 {
			repeat++
			sumZ += s.Zbar[i]
			minZ = min(minZ, s.Zbar[i])
			maxZ = max(maxZ, s.Zbar[i])
		}
	}
	if sumX != 2457 || repeat != 946 {
		t.Errorf("Σx = %g (want 2457), repeat buyers %g (want 946)", sumX, repeat)
	}
	if math.Round(sumZ/repeat) != 35 || math.Round(minZ) != 3 || math.Round(maxZ) != 300 {
		t.Errorf("zbar mean %g min %g max %g, want ≈ 35, 3, 300", sumZ/repeat, minZ, maxZ)
	}
	// Against lifetimes' 2-decimal summary with zbar (README §1a: ±0.01).
	x, tx, T, zbar := cdnowWithMoney(t)
	for i := range x {
		if s.X[i] != x[i] || math.Abs(s.Tx[i]-tx[i]) > 0.005+1e-9 || math.Abs(s.T[i]-T[i]) > 0.005+1e-9 || math.Abs(s.Zbar[i]-zbar[i]) > 0.01+1e-9 {
			t.Fatalf("customer %d differs from lifetimes' summary", i+1)
		}
	}
}

// TestSummarizeRules checks the aggregation rules on a hand-made log (days).
func TestSummarizeRules(t *testing.T) {
	log := EventLog{
		Start: []int{0, 4, 5, 7, 9},
		Times: []float64{
			10.2, 10.9, 17, 31, // customer 0: days 10 (twice), 17, 31 (after the end: ignored)
			12.5,   // customer 1: a single purchase
			40, 41, // customer 2: born after the end: left out
			29.99, 30.5, // customer 3: days 29 and 30 (the end day counts)
		},
		Values: []float64{1, 2, 4, 100, 9, 1, 1, 5, 7},
	}
	s, err := Summarize(log, 30.75, Weeks)
	if err != nil {
		t.Fatal(err)
	}
	want := Summary{
		X:        []float64{1, 0, 1},
		Tx:       []float64{7.0 / 7, 0, 1.0 / 7},
		T:        []float64{20.0 / 7, 18.0 / 7, 1.0 / 7},
		Zbar:     []float64{4, 0, 7},
		Customer: []int{0, 1, 3},
	}
	if !slices.Equal(s.X, want.X) || !slices.Equal(s.Tx, want.Tx) || !slices.Equal(s.T, want.T) ||
		!slices.Equal(s.Zbar, want.Zbar) || !slices.Equal(s.Customer, want.Customer) {
		t.Errorf("got %+v\nwant %+v", s, want)
	}
	// Without values there is no zbar.
	log.Values = nil
	if s, err = Summarize(log, 30.75, Days); err != nil || s.Zbar != nil || s.Tx[0] != 7 {
		t.Errorf("no-values summary %+v, %v", s, err)
	}
}

func TestSummarizeErrors(t *testing.T) {
	cases := []struct {
		name string
		log  EventLog
		want string
	}{
		{"unsorted", EventLog{Start: []int{0, 1, 3, 5}, Times: []float64{1, 2, 3, 5, 4}}, "1 customer with times out of order (first at customer 2)"},
		{"nan", EventLog{Start: []int{0, 2, 3}, Times: []float64{1, math.NaN(), math.Inf(1)}}, "2 customers with NaN or infinite time or value (first at customer 0)"},
		{"bad start", EventLog{Start: []int{0, 2}, Times: []float64{1}}, "Start must run"},
		{"values length", EventLog{Start: []int{0, 1}, Times: []float64{1}, Values: []float64{1, 2}}, "2 values for 1 times"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Summarize(c.log, 10, Days)
			if err == nil || !errors.Is(err, ErrInvalidInput) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want it to contain %q", err, c.want)
			}
		})
	}
}
