// Command btyd times aftercare's BG/NBD and Gamma-Gamma fits against the
// project's speed goals: the 2,357-customer CDNOW sample under 50 ms and
// 1,000,000 simulated customers under 5 s (on 2 cores). lifetimes is not
// installed here, so there is no Python side; the program prints absolute
// times.
//
// Run from the repository root:
//
//	go run ./bench/btyd            # or: bench/btyd/run.sh
//	go run ./bench/btyd -n 1000000 -reps 5
package main

import (
	"encoding/csv"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"time"

	"github.com/aftercare/aftercare/steps/bayes/btyd"
)

func main() {
	data := flag.String("data", "", "shared data folder (default: ../shared/data next to the folder holding go.mod)")
	n := flag.Int("n", 1_000_000, "simulated customers for the large fit")
	reps := flag.Int("reps", 5, "repetitions per timing (the median is reported)")
	flag.Parse()
	log.SetFlags(0)

	if *data == "" {
		*data = defaultDataDir()
	}
	fmt.Printf("GOMAXPROCS=%d GOOS=%s GOARCH=%s %s\n", runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH, runtime.Version())

	// CDNOW sample (data README §1a), weeks.
	x, tx, T, err := readSummary(filepath.Join(*data, "cdnow_lifetimes", "cdnow_customers_summary.csv"))
	if err != nil {
		log.Fatal(err)
	}
	var fit *btyd.BGFit
	d := median(*reps, func() {
		if fit, err = btyd.FitBG(x, tx, T, nil, btyd.BGOptions{}); err != nil {
			log.Fatal(err)
		}
	})
	report(fmt.Sprintf("BG/NBD fit, CDNOW %d customers (%d distinct rows)", len(x), fit.Rows), d, 50*time.Millisecond)
	fmt.Printf("    r=%.6f alpha=%.6f a=%.6f b=%.6f LL=%.4f iterations=%d evals=%d\n",
		fit.Params.R, fit.Params.Alpha, fit.Params.A, fit.Params.B, fit.LogLik, fit.Conv.Iterations, fit.Conv.FuncEvals)

	// Simulated customer base in days: ages 1..365 whole days, CDNOW-like
	// parameters with alpha in days.
	truth := btyd.BGParams{R: 0.25, Alpha: 30, A: 0.8, B: 2.5}
	ages := make([]float64, *n)
	for i := range ages {
		ages[i] = float64(1 + i%365)
	}
	t0 := time.Now()
	sim, err := btyd.Simulate(btyd.SimConfig{Customers: *n, BG: truth, GG: &btyd.GGParams{P: 6, Q: 4, V: 15}, Ages: ages, Seed: 1})
	if err != nil {
		log.Fatal(err)
	}
	cont := sim.Summary()
	abs := btyd.EventLog{Start: sim.Log.Start, Times: make([]float64, len(sim.Log.Times)), Values: sim.Log.Values}
	for i := range *n {
		for j := sim.Log.Start[i]; j < sim.Log.Start[i+1]; j++ {
			abs.Times[j] = 1000 - ages[i] + sim.Log.Times[j]
		}
	}
	fmt.Printf("simulated %d customers, %d transactions in %v (not timed against a goal)\n", *n, len(sim.Log.Times), time.Since(t0).Round(time.Millisecond))
	var daily btyd.Summary
	d = median(*reps, func() {
		if daily, err = btyd.Summarize(abs, 1000, btyd.Days); err != nil {
			log.Fatal(err)
		}
	})
	report(fmt.Sprintf("summary from event log, %d customers", *n), d, 0)

	d = median(*reps, func() {
		if fit, err = btyd.FitBG(daily.X, daily.Tx, daily.T, nil, btyd.BGOptions{}); err != nil {
			log.Fatal(err)
		}
	})
	report(fmt.Sprintf("BG/NBD fit, %d customers, daily summary (%d distinct rows)", *n, fit.Rows), d, 5*time.Second)
	fmt.Printf("    r=%.4f±%.4f alpha=%.3f±%.3f a=%.4f±%.4f b=%.4f±%.4f (generated from r=0.25 alpha=30 a=0.8 b=2.5; day-merging biases slightly) iterations=%d evals=%d\n",
		fit.Params.R, fit.StdErr.R, fit.Params.Alpha, fit.StdErr.Alpha, fit.Params.A, fit.StdErr.A, fit.Params.B, fit.StdErr.B, fit.Conv.Iterations, fit.Conv.FuncEvals)

	d = median(*reps, func() {
		if fit, err = btyd.FitBG(cont.X, cont.Tx, cont.T, nil, btyd.BGOptions{}); err != nil {
			log.Fatal(err)
		}
	})
	report(fmt.Sprintf("BG/NBD fit, %d customers, continuous times (%d distinct rows)", *n, fit.Rows), d, 5*time.Second)
	fmt.Printf("    r=%.4f±%.4f alpha=%.3f±%.3f a=%.4f±%.4f b=%.4f±%.4f iterations=%d evals=%d\n",
		fit.Params.R, fit.StdErr.R, fit.Params.Alpha, fit.StdErr.Alpha, fit.Params.A, fit.StdErr.A, fit.Params.B, fit.StdErr.B, fit.Conv.Iterations, fit.Conv.FuncEvals)

	var gfit *btyd.GGFit
	d = median(*reps, func() {
		if gfit, err = btyd.FitGG(cont.X, cont.Zbar, nil, btyd.GGOptions{}); err != nil {
			log.Fatal(err)
		}
	})
	report(fmt.Sprintf("Gamma-Gamma fit, %.0f repeat customers", gfit.Customers), d, 0)
	fmt.Printf("    p=%.4f q=%.4f v=%.4f (generated from 6, 4, 15)\n", gfit.Params.P, gfit.Params.Q, gfit.Params.V)
}

func median(reps int, f func()) time.Duration {
	ds := make([]time.Duration, max(reps, 1))
	for i := range ds {
		t0 := time.Now()
		f()
		ds[i] = time.Since(t0)
	}
	slices.Sort(ds)
	return ds[len(ds)/2]
}

func report(what string, d, goal time.Duration) {
	verdict := ""
	if goal > 0 {
		verdict = fmt.Sprintf("  goal < %v: ", goal)
		if d < goal {
			verdict += "met"
		} else {
			verdict += "MISSED"
		}
	}
	fmt.Printf("%-75s %10v%s\n", what, d.Round(10*time.Microsecond), verdict)
}

func defaultDataDir() string {
	dir, err := os.Getwd()
	if err != nil {
		log.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "..", "shared", "data")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			log.Fatal("go.mod not found; pass -data")
		}
		dir = parent
	}
}

func readSummary(path string) (x, tx, T []float64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, nil, err
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, nil, nil, fmt.Errorf("read %s: %w", path, err)
	}
	for _, r := range recs[1:] { // ID,frequency,recency,T
		var v [3]float64
		for k := range v {
			if v[k], err = strconv.ParseFloat(r[k+1], 64); err != nil {
				return nil, nil, nil, fmt.Errorf("read %s: %w", path, err)
			}
		}
		x, tx, T = append(x, v[0]), append(tx, v[1]), append(T, v[2])
	}
	return x, tx, T, nil
}
