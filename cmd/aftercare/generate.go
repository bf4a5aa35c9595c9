package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/aftercare/aftercare/cmd/aftercare/internal/synth"
	"github.com/aftercare/aftercare/steps/dataio/fileformat"
	"github.com/aftercare/aftercare/workflow"
)

const generateUsage = `Usage:
  aftercare generate transactions [--customers N] [--seed S] [--out FILE]
        [--start DATE] [--end DATE] [--cohort-weeks W] [--truth FILE]
        [--r R --alpha A --a A --b B --p P --q Q --v V]
      BG/NBD + Gamma-Gamma purchases (alpha in days); columns customer_id,
      order_id, ordered_at, amount. --truth writes each customer's latent
      rate, dropout probability and status. Default --out transactions.csv.
  aftercare generate support [--customers N] [--seed S] [--out DIR]
        [--format csv|parquet|arrow|jsonl] [--start DATE] [--end DATE]
      orders, tickets and customers (with the latent type) of a
      post-purchase support scenario, written to DIR (default support/).
The output format follows the file extension (.csv, .parquet, .arrow, .jsonl).
`

func cmdGenerate(ctx context.Context, args []string, stdout, stderr io.Writer, sig func() os.Signal) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, generateUsage)
		if len(args) == 0 {
			return exitInvalid
		}
		return exitOK
	}
	kind := args[0]
	var err error
	switch kind {
	case "transactions":
		err = generateTransactions(ctx, args[1:], stdout)
	case "support":
		err = generateSupport(ctx, args[1:], stdout)
	default:
		err = &usageError{fmt.Sprintf("unknown kind %q%s (want transactions or support)", kind, didYouMean(kind, []string{"transactions", "support"}))}
	}
	if err == nil {
		return exitOK
	}
	fmt.Fprintln(stderr, "aftercare generate:", err)
	var ue *usageError
	switch {
	case errors.As(err, &ue):
		return exitInvalid
	case errors.Is(err, context.Canceled):
		if s := sig(); s != nil {
			return exitCodeFor(s)
		}
		return exitSIGINT
	}
	return exitFailed
}

func generateTransactions(ctx context.Context, args []string, stdout io.Writer) error {
	o := synth.DefaultTransactionsOptions()
	fs := flag.NewFlagSet("generate transactions", flag.ContinueOnError)
	fs.IntVar(&o.Customers, "customers", o.Customers, "number of customers")
	fs.Uint64Var(&o.Seed, "seed", o.Seed, "random seed")
	out := fs.String("out", "transactions.csv", "output file")
	truth := fs.String("truth", "", "also write the latent truth per customer to this file")
	start := fs.String("start", o.Start.Format("2006-01-02"), "start of the cohort window")
	end := fs.String("end", o.End.Format("2006-01-02"), "end of observation")
	fs.IntVar(&o.CohortWeeks, "cohort-weeks", o.CohortWeeks, "width of the cohort window in weeks")
	fs.Float64Var(&o.Params.R, "r", o.Params.R, "BG/NBD r")
	fs.Float64Var(&o.Params.Alpha, "alpha", o.Params.Alpha, "BG/NBD alpha, in days")
	fs.Float64Var(&o.Params.A, "a", o.Params.A, "BG/NBD a")
	fs.Float64Var(&o.Params.B, "b", o.Params.B, "BG/NBD b")
	fs.Float64Var(&o.Params.P, "p", o.Params.P, "Gamma-Gamma p")
	fs.Float64Var(&o.Params.Q, "q", o.Params.Q, "Gamma-Gamma q")
	fs.Float64Var(&o.Params.V, "v", o.Params.V, "Gamma-Gamma v")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return &usageError{fmt.Sprintf("unexpected argument %q", pos[0])}
	}
	if o.Start, err = workflow.ParseTime(*start); err != nil {
		return &usageError{"--start: " + err.Error()}
	}
	if o.End, err = workflow.ParseTime(*end); err != nil {
		return &usageError{"--end: " + err.Error()}
	}
	if err := o.Validate(); err != nil {
		return &usageError{err.Error()}
	}
	tx, tr, err := synth.Transactions(o)
	if err != nil {
		return &usageError{err.Error()}
	}
	files := []genFile{{*out, tx}}
	if *truth != "" {
		files = append(files, genFile{*truth, tr})
	}
	return writeGenerated(ctx, files, stdout)
}

func generateSupport(ctx context.Context, args []string, stdout io.Writer) error {
	o := synth.DefaultSupportOptions()
	fs := flag.NewFlagSet("generate support", flag.ContinueOnError)
	fs.IntVar(&o.Customers, "customers", o.Customers, "number of customers")
	fs.Uint64Var(&o.Seed, "seed", o.Seed, "random seed")
	out := fs.String("out", "support", "output folder")
	format := fs.String("format", "csv", "file format: csv, parquet, arrow or jsonl")
	start := fs.String("start", o.Start.Format("2006-01-02"), "start of the period")
	end := fs.String("end", o.End.Format("2006-01-02"), "end of the period")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return &usageError{fmt.Sprintf("unexpected argument %q", pos[0])}
	}
	if err := checkFormat(*format, "csv", "parquet", "arrow", "jsonl"); err != nil {
		return err
	}
	if o.Start, err = workflow.ParseTime(*start); err != nil {
		return &usageError{"--start: " + err.Error()}
	}
	if o.End, err = workflow.ParseTime(*end); err != nil {
		return &usageError{"--end: " + err.Error()}
	}
	if err := o.Validate(); err != nil {
		return &usageError{err.Error()}
	}
	orders, tickets, customers, err := synth.Support(o)
	if err != nil {
		return &usageError{err.Error()}
	}
	ext := "." + *format
	return writeGenerated(ctx, []genFile{
		{filepath.Join(*out, "orders"+ext), orders},
		{filepath.Join(*out, "tickets"+ext), tickets},
		{filepath.Join(*out, "customers"+ext), customers},
	}, stdout)
}

type genFile struct {
	path string
	gen  synth.Generator
}

// writeGenerated writes every file through a temporary name; all are
// renamed into place only when all were written.
func writeGenerated(ctx context.Context, files []genFile, stdout io.Writer) error {
	mem := memory.DefaultAllocator
	var tmps []string
	cleanup := func() {
		for _, t := range tmps {
			os.Remove(t)
		}
	}
	var rows []int64
	for _, f := range files {
		format, err := fileformat.Detect(f.path, "")
		if err != nil {
			cleanup()
			return &usageError{err.Error()}
		}
		if err := os.MkdirAll(filepath.Dir(f.path), 0o755); err != nil {
			cleanup()
			return err
		}
		tmp := filepath.Join(filepath.Dir(f.path), "."+filepath.Base(f.path)+".tmp")
		tmps = append(tmps, tmp)
		n, err := fileformat.Write(ctx, tmp, f.gen.Schema, fileformat.WriteOptions{Format: format}, mem, func(fn func(arrow.RecordBatch) error) error {
			return f.gen.Scan(ctx, mem, fn)
		})
		if err != nil {
			cleanup()
			return fmt.Errorf("write %s: %w", f.path, err)
		}
		rows = append(rows, n)
	}
	for i, f := range files {
		if err := os.Rename(tmps[i], f.path); err != nil {
			cleanup()
			return err
		}
	}
	var parts []string
	for i, f := range files {
		parts = append(parts, fmt.Sprintf("%s (%d rows)", f.path, rows[i]))
	}
	fmt.Fprintln(stdout, "wrote", strings.Join(parts, ", "))
	return nil
}
