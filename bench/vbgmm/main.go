// Command vbgmm-bench writes a benchmark data set and times the vbgmm
// kernel on it; run.sh runs it next to scikit-learn on the same files.
//
//	go run ./bench/vbgmm gen -dir DIR [-n 100000] [-d 8] [-k 10] [-seed 1]
//	go run ./bench/vbgmm fit -dir DIR [-iters 20] [-cov full] [-workers 0] [-reps 3]
//
// gen writes DIR/x.f64 (n×d) and DIR/resp.f64 (n×k uniform random
// responsibilities, rows normalised), raw little-endian float64, and
// DIR/meta.json. fit starts FitFrom from those responsibilities with tol 0,
// so both sides run exactly -iters iterations, and prints one JSON line per
// repetition with the milliseconds per iteration (whole fit time / iters)
// and the final lower bound.
package main

import (
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/aftercare/aftercare/steps/cluster/vbgmm"
)

type meta struct {
	N int `json:"n"`
	D int `json:"d"`
	K int `json:"k"`
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: vbgmm-bench gen|fit [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "gen":
		err = gen(os.Args[2:])
	case "fit":
		err = fit(os.Args[2:])
	default:
		err = fmt.Errorf("unknown mode %q (want gen or fit)", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "vbgmm-bench:", err)
		os.Exit(1)
	}
}

// gen draws n rows from 6 Gaussian clusters with centres N(0, 4²) per
// feature and per-feature noise 1 + 0.2·j, and random responsibilities.
func gen(args []string) error {
	fs := flag.NewFlagSet("gen", flag.ExitOnError)
	dir := fs.String("dir", "", "output directory")
	n := fs.Int("n", 100_000, "rows")
	d := fs.Int("d", 8, "features")
	k := fs.Int("k", 10, "components")
	seed := fs.Uint64("seed", 1, "seed")
	fs.Parse(args)
	if *dir == "" {
		return fmt.Errorf("gen: -dir is required")
	}
	rng := rand.New(rand.NewPCG(*seed, 7))
	const clusters = 6
	centers := make([]float64, clusters**d)
	for i := range centers {
		centers[i] = 4 * rng.NormFloat64()
	}
	x := make([]float64, *n**d)
	for i := range *n {
		c := rng.IntN(clusters)
		for j := range *d {
			x[i**d+j] = centers[c**d+j] + rng.NormFloat64()*(1+0.2*float64(j))
		}
	}
	resp := make([]float64, *n**k)
	for i := range *n {
		row := resp[i**k : (i+1)**k]
		s := 0.0
		for c := range row {
			row[c] = rng.Float64()
			s += row[c]
		}
		for c := range row {
			row[c] /= s
		}
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return err
	}
	if err := writeF64(filepath.Join(*dir, "x.f64"), x); err != nil {
		return err
	}
	if err := writeF64(filepath.Join(*dir, "resp.f64"), resp); err != nil {
		return err
	}
	b, _ := json.Marshal(meta{N: *n, D: *d, K: *k})
	return os.WriteFile(filepath.Join(*dir, "meta.json"), b, 0o644)
}

func fit(args []string) error {
	fs := flag.NewFlagSet("fit", flag.ExitOnError)
	dir := fs.String("dir", "", "data directory written by gen")
	iters := fs.Int("iters", 20, "iterations")
	cov := fs.String("cov", "full", "covariance type")
	workers := fs.Int("workers", 0, "workers (0: GOMAXPROCS)")
	reps := fs.Int("reps", 3, "repetitions")
	fs.Parse(args)
	var m meta
	b, err := os.ReadFile(filepath.Join(*dir, "meta.json"))
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	x, err := readF64(filepath.Join(*dir, "x.f64"), m.N*m.D)
	if err != nil {
		return err
	}
	resp, err := readF64(filepath.Join(*dir, "resp.f64"), m.N*m.K)
	if err != nil {
		return err
	}
	cfg := vbgmm.DefaultConfig()
	cfg.MaxComponents = m.K
	cfg.CovarianceType = vbgmm.CovarianceType(*cov)
	cfg.MaxIter = *iters
	cfg.Tol = 0
	cfg.Workers = *workers
	for range *reps {
		start := time.Now()
		res, err := vbgmm.FitFrom(x, m.D, resp, cfg)
		if err != nil {
			return err
		}
		el := time.Since(start)
		out, _ := json.Marshal(map[string]any{
			"side":        "go",
			"cov":         *cov,
			"iterations":  res.Iterations,
			"ms_per_iter": float64(el.Microseconds()) / 1000 / float64(res.Iterations),
			"lower_bound": res.LowerBound,
			"effective":   res.EffectiveComponents,
		})
		fmt.Println(string(out))
	}
	return nil
}

func writeF64(path string, v []float64) error {
	b := make([]byte, 0, 8*len(v))
	for _, f := range v {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(f))
	}
	return os.WriteFile(path, b, 0o644)
}

func readF64(path string, n int) ([]float64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b) != 8*n {
		return nil, fmt.Errorf("read %s: %d bytes, want %d", path, len(b), 8*n)
	}
	v := make([]float64, n)
	for i := range v {
		v[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
	}
	return v, nil
}
