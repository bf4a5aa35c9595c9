package btyd

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// sharedData returns the path of a file under the project's shared data
// folder (../shared/data next to the folder holding go.mod) and skips the
// test when it is absent.
func sharedData(t testing.TB, rel string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("go.mod not found above the package directory; shared data unavailable")
		}
		dir = parent
	}
	p := filepath.Join(dir, "..", "shared", "data", rel)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("shared data file %s not available: %v", p, err)
	}
	return p
}

// readCSVColumns reads a CSV file with a header and returns the named columns
// as float64 slices.
func readCSVColumns(t testing.TB, path string, names ...string) [][]float64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	idx := make([]int, len(names))
	for k, name := range names {
		idx[k] = -1
		for j, h := range recs[0] {
			if strings.TrimSpace(h) == name {
				idx[k] = j
			}
		}
		if idx[k] < 0 {
			t.Fatalf("%s: no column %q in header %v", path, name, recs[0])
		}
	}
	cols := make([][]float64, len(names))
	for _, rec := range recs[1:] {
		for k, j := range idx {
			v, err := strconv.ParseFloat(strings.TrimSpace(rec[j]), 64)
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			cols[k] = append(cols[k], v)
		}
	}
	return cols
}

// cdnowSummary returns x, tx, T of cdnow_customers_summary.csv (lifetimes,
// 2,357 customers, weeks, rounded to 2 decimals).
func cdnowSummary(t testing.TB) (x, tx, T []float64) {
	c := readCSVColumns(t, sharedData(t, "cdnow_lifetimes/cdnow_customers_summary.csv"), "frequency", "recency", "T")
	return c[0], c[1], c[2]
}

// epochDay returns the day number (days since 1970-01-01) of a YYYYMMDD date.
func epochDay(t testing.TB, s string) float64 {
	t.Helper()
	d, err := time.Parse("20060102", s)
	if err != nil {
		t.Fatal(err)
	}
	return float64(d.Unix() / 86400)
}

// cdnowSampleLog reads CDNOW_sample.txt (columns master_id, sample_id,
// YYYYMMDD date, number of CDs, dollar value) into an event log indexed by
// sample_id-1, times in epoch days, sorted by time within a customer.
func cdnowSampleLog(t testing.TB) EventLog {
	t.Helper()
	b, err := os.ReadFile(sharedData(t, "cdnow_lifetimes/CDNOW_sample.txt"))
	if err != nil {
		t.Fatal(err)
	}
	type ev struct{ day, value float64 }
	var byCust [][]ev
	for line := range strings.Lines(string(b)) {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		id, err := strconv.Atoi(f[1])
		if err != nil {
			t.Fatal(err)
		}
		v, err := strconv.ParseFloat(f[4], 64)
		if err != nil {
			t.Fatal(err)
		}
		for len(byCust) < id {
			byCust = append(byCust, nil)
		}
		byCust[id-1] = append(byCust[id-1], ev{epochDay(t, f[2]), v})
	}
	var log EventLog
	log.Start = append(log.Start, 0)
	for _, evs := range byCust {
		// Stable insertion sort by day keeps file order within a day.
		for i := 1; i < len(evs); i++ {
			for j := i; j > 0 && evs[j].day < evs[j-1].day; j-- {
				evs[j], evs[j-1] = evs[j-1], evs[j]
			}
		}
		for _, e := range evs {
			log.Times = append(log.Times, e.day)
			log.Values = append(log.Values, e.value)
		}
		log.Start = append(log.Start, len(log.Times))
	}
	return log
}
