// Command aftercare runs customer-segmentation recipes: it validates a
// recipe before touching data, plans its DAG, runs independent steps in
// parallel over Apache Arrow data and leaves outputs and a run record.
//
// Exit codes (a contract with schedulers): 0 success; 1 a step failed at
// run time; 2 the recipe or command line is invalid and nothing ran; 3 a
// quality check failed; 75 a transient failure that a retry may cure;
// 130 and 143 interrupted by SIGINT and SIGTERM.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	_ "github.com/aftercare/aftercare/steps/all"
)

// Exit codes.
const (
	exitOK        = 0
	exitFailed    = 1
	exitInvalid   = 2
	exitCheck     = 3
	exitTransient = 75
	exitSIGINT    = 130
	exitSIGTERM   = 143
)

func main() {
	ctx, stop, sig := signalContext()
	defer stop()
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, sig)
	stop()
	os.Exit(code)
}

// signalContext returns a context canceled by the first SIGINT or
// SIGTERM and a function telling which signal it was. A second signal
// exits at once.
func signalContext() (context.Context, func(), func() os.Signal) {
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	var got os.Signal
	done := make(chan struct{})
	gotCh := make(chan os.Signal, 1)
	go func() {
		select {
		case s := <-ch:
			gotCh <- s
			cancel()
		case <-done:
			return
		}
		select {
		case s := <-ch:
			fmt.Fprintf(os.Stderr, "aftercare: second %v: exiting now\n", s)
			os.Exit(exitCodeFor(s))
		case <-done:
		}
	}()
	which := func() os.Signal {
		if got == nil {
			select {
			case got = <-gotCh:
			default:
			}
		}
		return got
	}
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			signal.Stop(ch)
			close(done)
			cancel()
		}
	}
	return ctx, stop, which
}

func exitCodeFor(s os.Signal) int {
	if s == syscall.SIGTERM {
		return exitSIGTERM
	}
	return exitSIGINT
}

const usage = `aftercare: declarative customer segmentation and post-purchase support

Usage:
  aftercare run RECIPE [--set NAME=VALUE]... [--out DIR] [--parallel N]
                       [--log-format text|json] [--quiet] [--verbose]
  aftercare validate RECIPE [--set NAME=VALUE]... [--format text|json]
  aftercare plan RECIPE [--set NAME=VALUE]... [--format text|json]
  aftercare graph RECIPE [--format mermaid|dot]
  aftercare schema
  aftercare list [--format text|json|markdown]
  aftercare generate KIND [--customers N] [--seed S] [--out PATH] ...
  aftercare version

Exit codes: 0 ok, 1 step failed, 2 invalid recipe or usage, 3 check failed,
75 transient failure, 130/143 interrupted by SIGINT/SIGTERM.
`

// usageError is a command-line mistake: exit 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func run(ctx context.Context, args []string, stdout, stderr io.Writer, sig func() os.Signal) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitInvalid
	}
	cmd, rest := args[0], args[1:]
	var err error
	code := exitOK
	switch cmd {
	case "run":
		code = cmdRun(ctx, rest, stdout, stderr, sig)
	case "validate":
		code = cmdValidate(rest, stdout, stderr)
	case "plan":
		code = cmdPlan(rest, stdout, stderr)
	case "graph":
		code = cmdGraph(rest, stdout, stderr)
	case "schema":
		err = cmdSchema(rest, stdout)
	case "list":
		err = cmdList(rest, stdout)
	case "generate":
		code = cmdGenerate(ctx, rest, stdout, stderr, sig)
	case "version", "--version", "-version":
		fmt.Fprintln(stdout, "aftercare", version())
	case "help", "-h", "--help", "-help":
		fmt.Fprint(stdout, usage)
	default:
		err = &usageError{fmt.Sprintf("unknown command %q%s", cmd, didYouMean(cmd, []string{"run", "validate", "plan", "graph", "schema", "list", "generate", "version", "help"}))}
	}
	if err != nil {
		fmt.Fprintln(stderr, "aftercare:", err)
		var ue *usageError
		if errors.As(err, &ue) {
			return exitInvalid
		}
		return exitFailed
	}
	return code
}
