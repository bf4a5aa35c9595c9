// Command hclust-bench times the hclust kernel on a raw float64 matrix, for
// bench/hclust/run.sh, which runs scipy and fastcluster on the same file.
//
// Usage:
//
//	go run ./bench/hclust -x X.bin -n 20000 -d 6 -method ward [-z Z.bin]
//	go run ./bench/hclust -x X.bin -n 1000000 -d 6 -twostage 1000
//
// X.bin holds n·d little-endian float64 values, row-major. With -z the
// linkage matrix is written as (n−1)×4 little-endian float64 values in
// scipy's layout. One result line is printed: "go <what> n=<n> seconds=<t> ...".
package main

import (
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"os"
	"time"

	"github.com/aftercare/aftercare/steps/cluster/hclust"
)

func main() {
	xPath := flag.String("x", "", "raw little-endian float64 matrix, row-major")
	n := flag.Int("n", 0, "rows")
	d := flag.Int("d", 0, "columns")
	method := flag.String("method", "ward", "linkage method")
	metric := flag.String("metric", "euclidean", "metric")
	workers := flag.Int("workers", 0, "workers (0: GOMAXPROCS)")
	zPath := flag.String("z", "", "write the linkage matrix here")
	twoStage := flag.Int("twostage", 0, "micro-clusters for two-stage ward (0: plain linkage)")
	flag.Parse()
	if *xPath == "" || *n < 2 || *d < 1 {
		flag.Usage()
		os.Exit(2)
	}
	x, err := readMatrix(*xPath, *n**d)
	if err != nil {
		log.Fatal(err)
	}
	cfg := hclust.Config{Method: hclust.Method(*method), Metric: hclust.Metric(*metric), Workers: *workers}

	if *twoStage > 0 {
		start := time.Now()
		mc, err := hclust.MicroClusters(x, *n, *d, hclust.MicroConfig{K: *twoStage, Seed: 1, Workers: *workers})
		if err != nil {
			log.Fatal(err)
		}
		stage1 := time.Since(start)
		ts, err := hclust.NewTwoStage(x, *n, *d, mc.Centres, mc.Weights, mc.Assign, cfg)
		if err != nil {
			log.Fatal(err)
		}
		labels, err := ts.CutK(5)
		if err != nil {
			log.Fatal(err)
		}
		total := time.Since(start)
		sizes := make([]int, 5)
		for _, l := range labels {
			sizes[l]++
		}
		fmt.Printf("go twostage n=%d seconds=%.3f kmeans_seconds=%.3f micro=%d kept_ss=%.4f k5_sizes=%v\n",
			*n, total.Seconds(), stage1.Seconds(), len(mc.Weights), ts.KeptSS, sizes)
		return
	}

	start := time.Now()
	z, err := hclust.Linkage(x, *n, *d, nil, cfg)
	if err != nil {
		log.Fatal(err)
	}
	el := time.Since(start)
	fmt.Printf("go %s n=%d seconds=%.3f\n", *method, *n, el.Seconds())
	if *zPath != "" {
		if err := writeZ(*zPath, z); err != nil {
			log.Fatal(err)
		}
	}
}

func readMatrix(path string, count int) ([]float64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf := make([]byte, count*8)
	if _, err := io.ReadFull(f, buf); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	x := make([]float64, count)
	for i := range x {
		x[i] = math.Float64frombits(binary.LittleEndian.Uint64(buf[i*8:]))
	}
	return x, nil
}

func writeZ(path string, z []hclust.Merge) error {
	buf := make([]byte, 0, len(z)*32)
	for _, m := range z {
		for _, v := range [4]float64{float64(m.Left), float64(m.Right), m.Height, float64(m.Size)} {
			buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(v))
		}
	}
	return os.WriteFile(path, buf, 0o644)
}
