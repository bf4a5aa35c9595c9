// Command kmeans times the kmeans package on the benchmark data shared with
// bench_sklearn.py; run.sh drives both and prints the comparison.
//
//	go run ./bench/kmeans -gen -data /tmp/x.f64   # write 1e6 x 8 N(0,1) rows
//	go run ./bench/kmeans -data /tmp/x.f64        # time and print JSON lines
package main

import (
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/aftercare/aftercare/steps/cluster/kmeans"
)

func main() {
	path := flag.String("data", "/tmp/aftercare-kmeans-bench.f64", "raw little-endian float64 file, row-major")
	gen := flag.Bool("gen", false, "write the benchmark data and exit")
	n := flag.Int("n", 1_000_000, "rows")
	d := flag.Int("d", 8, "features")
	k := flag.Int("k", 8, "clusters")
	reps := flag.Int("reps", 3, "repetitions per measurement (the minimum is reported)")
	seeds := flag.Int("seeds", 8, "k-means++ seeds for the end-to-end runs")
	cases := flag.String("cases", "fixed50,e2e", "measurements to run (comma-separated: fixed50, e2e)")
	algos := flag.String("algorithms", "lloyd,hamerly,elkan,auto", "algorithms of the fixed50 case (comma-separated)")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the measurements to this file")
	flag.Parse()
	if *gen {
		if err := writeData(*path, *n, *d); err != nil {
			log.Fatal(err)
		}
		return
	}
	X, err := readData(*path)
	if err != nil {
		log.Fatal(err)
	}
	if len(X) != *n**d {
		log.Fatalf("read %d values, want %d x %d", len(X), *n, *d)
	}
	init := append([]float64(nil), X[:*k**d]...) // first k rows, as the python side
	enc := json.NewEncoder(os.Stdout)

	var fixed []string
	if strings.Contains(*cases, "fixed50") {
		fixed = strings.Split(*algos, ",")
	}
	if !strings.Contains(*cases, "e2e") {
		*seeds = 0
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	for _, algo := range fixed {
		cfg := kmeans.Config{K: *k, Init: kmeans.InitGiven, Centres: init, MaxIter: 50, Tol: 0, Algorithm: algo}
		m := measure(*reps, func() *kmeans.Result { return fit(X, *n, *d, cfg) })
		enc.Encode(map[string]any{
			"side": "go", "case": "fixed50", "algorithm": m.res.Algorithm, "requested": algo,
			"seconds": m.wall, "cpu_seconds": m.cpu, "iterations": m.res.Iterations,
			"ms_per_iter": 1000 * m.wall / float64(m.res.Iterations),
			"inertia":     m.res.Inertia, "alloc_bytes": m.alloc, "x_bytes": 8 * len(X),
		})
	}
	for seed := range *seeds {
		cfg := kmeans.Config{K: *k, Init: kmeans.InitKMeansPP, NInit: 1, MaxIter: 300, Tol: 1e-4, Seed: uint64(seed)}
		m := measure(*reps, func() *kmeans.Result { return fit(X, *n, *d, cfg) })
		enc.Encode(map[string]any{
			"side": "go", "case": "e2e", "algorithm": m.res.Algorithm, "seed": seed,
			"seconds": m.wall, "cpu_seconds": m.cpu, "iterations": m.res.Iterations,
			"inertia": m.res.Inertia, "converged": m.res.Converged, "alloc_bytes": m.alloc, "x_bytes": 8 * len(X),
		})
	}
}

// fit runs kmeans.Fit and exits on error.
func fit(X []float64, n, d int, cfg kmeans.Config) *kmeans.Result {
	r, err := kmeans.Fit(X, n, d, nil, cfg)
	if err != nil {
		log.Fatal(err)
	}
	return r
}

// measurement is the best (minimum) wall and CPU time over repetitions, the
// bytes allocated by one run and its result.
type measurement struct {
	wall, cpu float64
	alloc     uint64
	res       *kmeans.Result
}

// measure runs f reps times after a GC each and keeps the minimum times.
func measure(reps int, f func() *kmeans.Result) measurement {
	m := measurement{wall: math.Inf(1), cpu: math.Inf(1)}
	for range reps {
		runtime.GC()
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		c0 := cpuSeconds()
		t0 := time.Now()
		m.res = f()
		m.wall = min(m.wall, time.Since(t0).Seconds())
		m.cpu = min(m.cpu, cpuSeconds()-c0)
		runtime.ReadMemStats(&m1)
		m.alloc = m1.TotalAlloc - m0.TotalAlloc
	}
	return m
}

// cpuSeconds returns the user + system CPU time of the process.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return math.NaN()
	}
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)*1e-6
}

// writeData writes n x d standard normal values (PCG seed 2024) as raw
// little-endian float64.
func writeData(path string, n, d int) error {
	r := rand.New(rand.NewPCG(2024, 1))
	buf := make([]byte, 8*n*d)
	for i := range n * d {
		binary.LittleEndian.PutUint64(buf[8*i:], math.Float64bits(r.NormFloat64()))
	}
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		return fmt.Errorf("write benchmark data: %w", err)
	}
	return nil
}

// readData reads a raw little-endian float64 file.
func readData(path string) ([]float64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read benchmark data: %w", err)
	}
	X := make([]float64, len(b)/8)
	for i := range X {
		X[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
	}
	return X, nil
}
