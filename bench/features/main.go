// Command features is the Go side of bench/features/run.sh.
//
//	features run RECIPE OUTDIR [NAME=VALUE ...]
//	    plans and executes a recipe and prints one line:
//	    "seconds=<wall time> rows=<rows read> customers=<rfm rows>"
//	features gen -rows N -customers C -seed S -out PATH
//	    writes an Online Retail shaped CSV (InvoiceNo, StockCode,
//	    Description, Quantity, InvoiceDate, UnitPrice, CustomerID,
//	    Country): orders in time order with increasing invoice numbers;
//	    customers in a random order, each customer's orders spread over
//	    the year, so every customer appears once the orders outnumber them;
//	    2% guest orders without CustomerID, 2% cancellations (C prefix),
//	    1% non-positive quantities, some zero prices, quoted descriptions
//	    with commas. Lines per order average -lines (default: rows /
//	    customers, between 1 and 5), so that 1M, 10M and 30M lines all
//	    reach about 1M customers.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime/pprof"
	"strconv"
	"time"

	_ "github.com/aftercare/aftercare/steps/all"
	"github.com/aftercare/aftercare/workflow"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: features run RECIPE OUTDIR [NAME=VALUE ...] | features gen -rows N -customers C -seed S -out PATH")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "run":
		err = runRecipe(os.Args[2:])
	case "gen":
		err = generate(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "features:", err)
		os.Exit(1)
	}
}

func runRecipe(args []string) error {
	if len(args) < 2 {
		return fmt.Errorf("run needs RECIPE and OUTDIR")
	}
	if path := os.Getenv("BENCH_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	t0 := time.Now()
	r, err := workflow.Load(args[0])
	if err != nil {
		return err
	}
	p, err := workflow.Build(r, workflow.Options{OutDir: args[1], Set: args[2:]})
	if err != nil {
		return err
	}
	res, err := workflow.Execute(context.Background(), p, workflow.ExecOptions{})
	if err != nil {
		return err
	}
	var rows, customers int64
	for _, s := range res.Steps {
		if s.Type == "io.read" {
			rows = s.RowsOut
		}
		if s.Type == "features.rfm" {
			customers = s.RowsOut
		}
	}
	fmt.Printf("seconds=%.3f rows=%d customers=%d\n", time.Since(t0).Seconds(), rows, customers)
	return nil
}

var (
	products = []string{"WHITE HANGING HEART T-LIGHT HOLDER", "REGENCY CAKESTAND 3 TIER", "JUMBO BAG RED RETROSPOT",
		"PARTY BUNTING", "LUNCH BAG RED RETROSPOT", "\"SET OF 3 CAKE TINS, PANTRY DESIGN\"", "ASSORTED COLOUR BIRD ORNAMENT",
		"PACK OF 72 RETROSPOT CAKE CASES", "\"AIRLINE LOUNGE,METAL SIGN\"", "NATURAL SLATE HEART CHALKBOARD"}
	countries = []string{"United Kingdom", "Germany", "France", "EIRE", "Spain", "Netherlands", "Belgium", "Switzerland",
		"Portugal", "Australia", "Norway", "Italy"}
)

func generate(args []string) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	rows := fs.Int("rows", 1_000_000, "rows (order lines) to write")
	customers := fs.Int("customers", 1_000_000, "customers")
	seed := fs.Uint64("seed", 1, "random seed")
	out := fs.String("out", "", "output CSV path")
	meanLines := fs.Int("lines", 0, "mean lines per order (0: rows / customers, clamped to [1, 5])")
	if err := fs.Parse(args); err != nil {
		return err
	}
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	rng := rand.New(rand.NewPCG(*seed, 0x5eed))
	w.WriteString("InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n")
	start := time.Date(2010, 12, 1, 8, 0, 0, 0, time.UTC)
	span := 373 * 24 * time.Hour
	invoice := 536365
	m := *meanLines
	if m <= 0 {
		m = min(max(*rows / *customers, 1), 5)
	}
	perm := rng.Perm(*customers)
	orders := 0
	var buf []byte
	for written := 0; written < *rows; {
		lines := 1 + rng.IntN(2*m-1)
		if lines > *rows-written {
			lines = *rows - written
		}
		// Orders spread evenly over the year, in time order.
		at := start.Add(time.Duration(float64(span) * float64(written) / float64(*rows))).Truncate(time.Minute)
		cust := ""
		if rng.Float64() >= 0.02 {
			cust = strconv.Itoa(10_000_000+perm[orders%*customers]) + ".0"
			orders++
		}
		inv := strconv.Itoa(invoice)
		if rng.Float64() < 0.02 {
			inv = "C" + inv
		}
		country := countries[rng.IntN(len(countries))]
		ts := at.Format("2006-01-02 15:04:05")
		for range lines {
			qty := 1 + rng.IntN(24)
			if rng.Float64() < 0.01 {
				qty = -qty
			}
			price := float64(rng.IntN(2000)) / 100 // 0.5% zero
			buf = buf[:0]
			buf = append(buf, inv...)
			buf = append(buf, ',')
			buf = strconv.AppendInt(buf, int64(20000+rng.IntN(4000)), 10)
			buf = append(buf, ',')
			buf = append(buf, products[rng.IntN(len(products))]...)
			buf = append(buf, ',')
			buf = strconv.AppendInt(buf, int64(qty), 10)
			buf = append(buf, ',')
			buf = append(buf, ts...)
			buf = append(buf, ',')
			buf = strconv.AppendFloat(buf, price, 'f', -1, 64)
			buf = append(buf, ',')
			buf = append(buf, cust...)
			buf = append(buf, ',')
			buf = append(buf, country...)
			buf = append(buf, '\n')
			w.Write(buf)
		}
		written += lines
		invoice++
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}
