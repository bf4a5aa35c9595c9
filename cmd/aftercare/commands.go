package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/aftercare/aftercare/workflow"
)

func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return "dev-" + s.Value[:12]
			}
		}
	}
	return "dev"
}

func didYouMean(s string, c []string) string { return workflow.DidYouMean(s, c) }

// multi is a repeatable string flag.
type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

// parseArgs parses flags and positional arguments in any order.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, &usageError{fmt.Sprintf("%s: %v", fs.Name(), err)}
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func oneRecipe(cmd string, pos []string) (string, error) {
	if len(pos) != 1 {
		return "", &usageError{fmt.Sprintf("%s takes one recipe file, got %d arguments (usage: aftercare %s RECIPE)", cmd, len(pos), cmd)}
	}
	return pos[0], nil
}

// load parses and plans a recipe. On failure it prints the problems and
// returns the exit code.
func load(path string, set []string, out string, diagOut io.Writer, format string) (*workflow.Plan, int) {
	r, err := workflow.Load(path)
	if err == nil {
		var p *workflow.Plan
		p, err = workflow.Build(r, workflow.Options{Set: set, OutDir: out})
		if err == nil {
			return p, exitOK
		}
	}
	var diags workflow.Diagnostics
	if errors.As(err, &diags) {
		printDiagnostics(diagOut, format, diags)
		return nil, exitInvalid
	}
	fmt.Fprintln(diagOut, "aftercare:", err)
	return nil, exitInvalid
}

func printDiagnostics(w io.Writer, format string, diags workflow.Diagnostics) {
	if format == "json" {
		b, _ := json.MarshalIndent(map[string]any{"valid": false, "diagnostics": diags}, "", "  ")
		fmt.Fprintln(w, string(b))
		return
	}
	for _, d := range diags {
		fmt.Fprintln(w, d.Error())
	}
	n := len(diags)
	fmt.Fprintf(w, "%d problem%s found\n", n, map[bool]string{true: "", false: "s"}[n == 1])
}

func checkFormat(format string, allowed ...string) error {
	for _, a := range allowed {
		if a == format {
			return nil
		}
	}
	return &usageError{fmt.Sprintf("unknown format %q (want %s)%s", format, strings.Join(allowed, " or "), didYouMean(format, allowed))}
}

func cmdValidate(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	var set multi
	fs.Var(&set, "set", "override a parameter: NAME=VALUE")
	format := fs.String("format", "text", "output format: text or json")
	pos, err := parseArgs(fs, args)
	if err == nil {
		err = checkFormat(*format, "text", "json")
	}
	var path string
	if err == nil {
		path, err = oneRecipe("validate", pos)
	}
	if err != nil {
		fmt.Fprintln(stderr, "aftercare:", err)
		return exitInvalid
	}
	p, code := load(path, set, "", stdout, *format)
	if p == nil {
		return code
	}
	if *format == "json" {
		b, _ := json.MarshalIndent(map[string]any{"valid": true, "recipe": path, "steps": len(p.Steps), "diagnostics": []any{}}, "", "  ")
		fmt.Fprintln(stdout, string(b))
	} else {
		fmt.Fprintf(stdout, "%s: ok (%d steps)\n", path, len(p.Steps))
	}
	return exitOK
}

func cmdPlan(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("plan", flag.ContinueOnError)
	var set multi
	fs.Var(&set, "set", "override a parameter: NAME=VALUE")
	format := fs.String("format", "text", "output format: text or json")
	out := fs.String("out", "", "output folder the plan resolves written paths against")
	pos, err := parseArgs(fs, args)
	if err == nil {
		err = checkFormat(*format, "text", "json")
	}
	var path string
	if err == nil {
		path, err = oneRecipe("plan", pos)
	}
	if err != nil {
		fmt.Fprintln(stderr, "aftercare:", err)
		return exitInvalid
	}
	p, code := load(path, set, *out, stderr, *format)
	if p == nil {
		return code
	}
	if *format == "json" {
		b, err := p.PlanJSON()
		if err != nil {
			fmt.Fprintln(stderr, "aftercare:", err)
			return exitFailed
		}
		stdout.Write(b)
		return exitOK
	}
	fmt.Fprint(stdout, p.PlanText())
	return exitOK
}

func cmdGraph(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("graph", flag.ContinueOnError)
	var set multi
	fs.Var(&set, "set", "override a parameter: NAME=VALUE")
	format := fs.String("format", "mermaid", "output format: mermaid or dot")
	pos, err := parseArgs(fs, args)
	if err == nil {
		err = checkFormat(*format, "mermaid", "dot")
	}
	var path string
	if err == nil {
		path, err = oneRecipe("graph", pos)
	}
	if err != nil {
		fmt.Fprintln(stderr, "aftercare:", err)
		return exitInvalid
	}
	p, code := load(path, set, "", stderr, "text")
	if p == nil {
		return code
	}
	g, err := p.Graph(*format)
	if err != nil {
		fmt.Fprintln(stderr, "aftercare:", err)
		return exitInvalid
	}
	fmt.Fprint(stdout, g)
	return exitOK
}

func cmdSchema(args []string, stdout io.Writer) error {
	if len(args) > 0 {
		return &usageError{"schema takes no arguments"}
	}
	b, err := workflow.JSONSchema()
	if err != nil {
		return err
	}
	_, err = stdout.Write(b)
	return err
}

func cmdList(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("list", flag.ContinueOnError)
	format := fs.String("format", "text", "output format: text, json or markdown")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return &usageError{"list takes no arguments"}
	}
	if err := checkFormat(*format, "text", "json", "markdown"); err != nil {
		return err
	}
	specs := workflow.Specs()
	switch *format {
	case "json":
		type item struct {
			Type    string   `json:"type"`
			Summary string   `json:"summary"`
			Outputs []string `json:"outputs"`
		}
		var items []item
		for _, s := range specs {
			it := item{Type: s.Type, Summary: s.Summary, Outputs: []string{}}
			for _, p := range s.Outputs {
				if p.Name != "" {
					it.Outputs = append(it.Outputs, p.Name)
				}
			}
			items = append(items, it)
		}
		b, _ := json.MarshalIndent(items, "", "  ")
		fmt.Fprintln(stdout, string(b))
	case "markdown":
		fmt.Fprint(stdout, workflow.Reference())
	default:
		w := 0
		for _, s := range specs {
			w = max(w, len(s.Type))
		}
		for _, s := range specs {
			fmt.Fprintf(stdout, "%-*s  %s\n", w, s.Type, s.Summary)
		}
	}
	return nil
}

func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer, sig func() os.Signal) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	var set multi
	fs.Var(&set, "set", "override a parameter: NAME=VALUE")
	out := fs.String("out", "", "output folder (default ./out/<recipe name>)")
	parallel := fs.Int("parallel", runtime.NumCPU(), "steps run at once")
	logFormat := fs.String("log-format", "text", "log format on stderr: text or json")
	quiet := fs.Bool("quiet", false, "log warnings and errors only, no progress")
	verbose := fs.Bool("verbose", false, "log debug messages")
	pos, err := parseArgs(fs, args)
	if err == nil {
		err = checkFormat(*logFormat, "text", "json")
	}
	if err == nil && *parallel < 1 {
		err = &usageError{fmt.Sprintf("--parallel must be at least 1, got %d", *parallel)}
	}
	var path string
	if err == nil {
		path, err = oneRecipe("run", pos)
	}
	if err != nil {
		fmt.Fprintln(stderr, "aftercare:", err)
		return exitInvalid
	}
	status := newStatusLine(stderr, !*quiet && *logFormat == "text")
	level := slog.LevelInfo
	if *quiet {
		level = slog.LevelWarn
	}
	if *verbose {
		level = slog.LevelDebug
	}
	var h slog.Handler
	if *logFormat == "json" {
		h = slog.NewJSONHandler(status, &slog.HandlerOptions{Level: level})
	} else {
		h = slog.NewTextHandler(status, &slog.HandlerOptions{Level: level})
	}
	logger := slog.New(h)
	p, code := load(path, set, *out, stderr, "text")
	if p == nil {
		return code
	}
	logger.Info("run started", "recipe", path, "steps", len(p.Steps), "out", p.OutDir)
	start := time.Now()
	res, err := workflow.Execute(ctx, p, workflow.ExecOptions{
		Parallel: *parallel, Logger: logger, Version: version(),
		Progress: func(done, total int, rows int64) { status.Set(done, total, rows, time.Since(start)) },
	})
	status.Done()
	if res == nil {
		logger.Error("run failed", "error", err)
		return exitFailed
	}
	ok := 0
	for _, s := range res.Steps {
		if s.Status == workflow.StatusSucceeded {
			ok++
		}
	}
	fmt.Fprintf(stdout, "%s: %d/%d steps succeeded in %s; results in %s\n", res.Status, ok, len(res.Steps),
		time.Duration(res.DurationMS)*time.Millisecond, p.OutDir)
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, context.Canceled):
		if s := sig(); s != nil {
			logger.Warn("run interrupted", "signal", s.String())
			return exitCodeFor(s)
		}
		return exitSIGINT
	case errors.Is(err, workflow.ErrTransient):
		logger.Error("run failed (transient: retrying may succeed)", "error", err)
		return exitTransient
	case errors.Is(err, workflow.ErrCheckFailed):
		logger.Error("quality check failed", "error", err)
		return exitCheck
	default:
		logger.Error("run failed", "error", err)
		return exitFailed
	}
}
