// Command csvread times aftercare's file readers on a real file, for
// bench/csvread/run.sh. With -convert OUT it first writes the CSV as OUT
// (format from the extension) with fileformat.Write; then it reads each
// file given, -runs times, and prints the best wall time of a full read
// (ReadSchema + Scan, the batches counted and dropped) and, from one more
// read, the rows and Σ(Quantity×UnitPrice) as a check.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"math"
	"os"
	"runtime/pprof"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/aftercare/aftercare/steps/dataio/fileformat"
)

func main() {
	convert := flag.String("convert", "", "write the first file as this file (format from the extension) before timing")
	codec := flag.String("compression", "", "Parquet compression of the converted file (default: the writer's, snappy)")
	runs := flag.Int("runs", 5, "reads per file; the best time is reported")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the reads to this file")
	flag.Parse()
	if flag.NArg() == 0 {
		log.Fatal("usage: csvread [-convert out.parquet] [-runs n] file...")
	}
	ctx := context.Background()
	if *convert != "" {
		src := flag.Arg(0)
		sc, err := fileformat.ReadSchema(src, fileformat.ReadOptions{})
		if err != nil {
			log.Fatal(err)
		}
		n, err := fileformat.Write(ctx, *convert, sc, fileformat.WriteOptions{Compression: *codec}, memory.DefaultAllocator, func(fn func(arrow.RecordBatch) error) error {
			return fileformat.Scan(ctx, src, sc, fileformat.ReadOptions{}, memory.DefaultAllocator, fn)
		})
		if err != nil {
			log.Fatal(err)
		}
		st, _ := os.Stat(*convert)
		fmt.Fprintf(os.Stderr, "wrote %s: %d rows, %d bytes\n", *convert, n, st.Size())
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	for _, path := range flag.Args() {
		// The timed reads only read, as pandas' side times read_csv
		// alone: each batch is counted and dropped. One more read, not
		// timed, checks the contents.
		best := time.Duration(math.MaxInt64)
		for range *runs {
			t0 := time.Now()
			if _, _, err := read(ctx, path, false); err != nil {
				log.Fatal(err)
			}
			best = min(best, time.Since(t0))
		}
		rows, sum, err := read(ctx, path, true)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s\t%.4f\t%d\t%.2f\n", path, best.Seconds(), rows, sum)
	}
}

// read reads path in full (ReadSchema, then Scan) and returns its rows
// and, with check, Σ(Quantity×UnitPrice).
func read(ctx context.Context, path string, check bool) (rows int64, sum float64, err error) {
	sc, err := fileformat.ReadSchema(path, fileformat.ReadOptions{})
	if err != nil {
		return 0, 0, err
	}
	q, p := sc.FieldIndices("Quantity"), sc.FieldIndices("UnitPrice")
	err = fileformat.Scan(ctx, path, sc, fileformat.ReadOptions{}, memory.DefaultAllocator, func(b arrow.RecordBatch) error {
		rows += b.NumRows()
		if check && len(q) == 1 && len(p) == 1 {
			qs := b.Column(q[0]).(*array.Int64).Int64Values()
			ps := b.Column(p[0]).(*array.Float64).Float64Values()
			for i := range qs {
				sum += float64(qs[i]) * ps[i]
			}
		}
		return nil
	})
	return rows, sum, err
}
