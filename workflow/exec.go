package workflow

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// ErrTransient marks a failure that a retry may cure (a network sink that
// is down). Wrap it (fmt.Errorf("...: %w", ErrTransient) or Transient) and
// the command exits 75.
var ErrTransient = errors.New("transient failure")

// Transient marks err as transient.
func Transient(err error) error { return &transientError{err} }

type transientError struct{ err error }

func (e *transientError) Error() string        { return e.err.Error() }
func (e *transientError) Unwrap() []error      { return []error{e.err, ErrTransient} }
func (e *transientError) Is(target error) bool { return target == ErrTransient }

// StepError is a run-time failure attributed to a step. Lazy datasets wrap
// their errors in it, so that a CSV row that fails to parse while a
// downstream aggregate scans the file is reported against the read step.
type StepError struct {
	Step string
	Err  error
}

func (e *StepError) Error() string { return "step " + e.Step + ": " + e.Err.Error() }
func (e *StepError) Unwrap() error { return e.Err }

// ExecOptions tune a run.
type ExecOptions struct {
	Parallel int              // steps run at once; default the number of CPUs
	Mem      memory.Allocator // default memory.DefaultAllocator
	Logger   *slog.Logger     // default discards
	Version  string           // aftercare version, recorded in run results
	// Progress, when set, is called after each step ends with the number
	// of finished steps, the total and the rows produced so far.
	Progress func(done, total int, rows int64)
}

// Execute runs a plan: ready steps run in parallel up to opts.Parallel;
// the first failure cancels the rest and marks the steps that did not run
// skipped. Files written through RunContext.CreateOutput are committed
// (renamed into place) only when every step succeeded, so a failed or
// interrupted run leaves no output files; run_results.json is written in
// every case. The error is nil on success, a *StepError (or one wrapping
// ErrTransient) on failure, or ctx's error when interrupted.
func Execute(ctx context.Context, p *Plan, opts ExecOptions) (*RunResults, error) {
	if opts.Parallel <= 0 {
		opts.Parallel = runtime.NumCPU()
	}
	if opts.Mem == nil {
		opts.Mem = memory.DefaultAllocator
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	e := &executor{plan: p, opts: opts, start: time.Now(), runID: newRunID(), fileHash: map[string]string{}}
	e.results = &RunResults{
		Version: opts.Version, Recipe: p.Recipe.Path, RecipeSHA256: p.Recipe.SHA256, RunID: e.runID,
		Status: StatusSucceeded, StartedAt: e.start.UTC().Format(time.RFC3339), Params: jsonParams(p.Params),
	}
	for _, s := range p.Steps {
		sr := &StepResult{ID: s.ID, Type: s.Type, Status: statusPending, Outputs: []string{}, Metrics: map[string]any{}}
		e.results.Steps = append(e.results.Steps, sr)
	}
	if err := os.MkdirAll(p.OutDir, 0o755); err != nil {
		return nil, fmt.Errorf("create output folder: %w", err)
	}
	runErr := e.run(ctx)
	e.finish(runErr)
	if werr := e.results.write(p.OutDir); werr != nil && runErr == nil {
		runErr = fmt.Errorf("write run results: %w", werr)
		e.results.Status = StatusFailed
	}
	return e.results, runErr
}

type executor struct {
	plan    *Plan
	opts    ExecOptions
	start   time.Time
	runID   string
	results *RunResults

	mu       sync.Mutex
	ctxs     map[string]*RunContext
	staged   []staged
	fileHash map[string]string
	done     int
	rows     int64
	failedBy string
}

type staged struct{ tmp, final string }

func (e *executor) run(parent context.Context) error {
	ctx, cancel := context.WithCancelCause(parent)
	defer cancel(nil)
	steps := e.plan.Steps
	e.ctxs = map[string]*RunContext{}
	remaining := map[string]int{}
	users := map[string][]*PlannedStep{}
	for _, s := range steps {
		remaining[s.ID] = len(s.Deps)
		for _, d := range s.Deps {
			users[d] = append(users[d], s)
		}
	}
	type doneMsg struct {
		step *PlannedStep
		err  error
	}
	doneCh := make(chan doneMsg)
	sem := make(chan struct{}, e.opts.Parallel)
	var ready []*PlannedStep
	for _, s := range steps {
		if remaining[s.ID] == 0 {
			ready = append(ready, s)
		}
	}
	running := 0
	var firstErr error
	started := map[string]bool{}
	for {
		for len(ready) > 0 && firstErr == nil && ctx.Err() == nil {
			s := ready[0]
			select {
			case sem <- struct{}{}:
			default:
				goto wait
			}
			ready = ready[1:]
			running++
			started[s.ID] = true
			go func() {
				err := e.runStep(ctx, s)
				<-sem
				doneCh <- doneMsg{s, err}
			}()
		}
	wait:
		if running == 0 {
			break
		}
		m := <-doneCh
		running--
		if m.err != nil {
			if firstErr == nil && parent.Err() == nil {
				firstErr = m.err
				e.failedBy = m.step.ID
				cancel(m.err)
			}
			continue
		}
		for _, u := range users[m.step.ID] {
			remaining[u.ID]--
			if remaining[u.ID] == 0 {
				ready = append(ready, u)
			}
		}
		sort.SliceStable(ready, func(i, j int) bool { return e.index(ready[i].ID) < e.index(ready[j].ID) })
	}
	if parent.Err() != nil {
		return parent.Err()
	}
	return firstErr
}

func (e *executor) index(id string) int {
	for i, s := range e.plan.Steps {
		if s.ID == id {
			return i
		}
	}
	return -1
}

func (e *executor) result(id string) *StepResult {
	return e.results.Steps[e.index(id)]
}

func (e *executor) runStep(ctx context.Context, s *PlannedStep) error {
	res := e.result(s.ID)
	t0 := time.Now()
	rc := &RunContext{exec: e, step: s, res: res, outputs: map[string]*countingDataset{}}
	e.mu.Lock()
	e.ctxs[s.ID] = rc
	e.mu.Unlock()
	fp, err := e.fingerprint(s)
	if err != nil {
		err = &StepError{Step: s.ID, Err: err}
		e.setFailed(res, err, t0)
		return err
	}
	res.Fingerprint = fp
	log := e.opts.Logger.With("step", s.ID, "type", s.Type)
	log.Debug("step started")
	err = s.Config.Run(ctx, rc)
	if err == nil {
		for _, port := range s.Spec.Outputs {
			if rc.outputs[port.Name] == nil {
				err = fmt.Errorf("step type %s did not set output %q", s.Type, port.Name)
				break
			}
		}
	}
	if err != nil {
		if ctx.Err() != nil && !errors.Is(err, ErrTransient) && context.Cause(ctx) != nil && !errors.As(err, new(*StepError)) {
			// Stopped by an interrupt or by another step's failure.
			e.mu.Lock()
			res.Status = StatusSkipped
			res.DurationMS = time.Since(t0).Milliseconds()
			msg := "interrupted"
			if e.failedBy != "" {
				msg = "canceled after step " + e.failedBy + " failed"
			}
			res.Error = &msg
			e.mu.Unlock()
			return context.Cause(ctx)
		}
		var se *StepError
		if errors.As(err, &se) && se.Step != s.ID {
			// A lazy upstream step failed while this step scanned it.
			up := e.result(se.Step)
			e.mu.Lock()
			if up.Status == StatusSucceeded {
				up.Status = StatusFailed
				msg := se.Err.Error()
				up.Error = &msg
			}
			e.mu.Unlock()
			err = fmt.Errorf("input %s failed: %w", se.Step, err)
		}
		if !errors.As(err, &se) || se.Step != s.ID {
			err = &StepError{Step: s.ID, Err: err}
		}
		e.setFailed(res, err, t0)
		log.Error("step failed", "error", err.(*StepError).Err.Error())
		return err
	}
	e.mu.Lock()
	res.Status = StatusSucceeded
	res.DurationMS = time.Since(t0).Milliseconds()
	e.done++
	if c := rc.outputs[""]; c != nil {
		if n, ok := c.Rows(); ok {
			e.rows += n
		}
	}
	done, rows := e.done, e.rows
	e.mu.Unlock()
	log.Info("step done", "duration_ms", res.DurationMS)
	if e.opts.Progress != nil {
		e.opts.Progress(done, len(e.plan.Steps), rows)
	}
	return nil
}

func (e *executor) setFailed(res *StepResult, err error, t0 time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	res.Status = StatusFailed
	res.DurationMS = time.Since(t0).Milliseconds()
	msg := err.Error()
	var se *StepError
	if errors.As(err, &se) {
		msg = se.Err.Error()
	}
	res.Error = &msg
}

// finish settles statuses, row counts and staged files after the run.
func (e *executor) finish(runErr error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, s := range e.plan.Steps {
		res := e.result(s.ID)
		rc := e.ctxs[s.ID]
		if res.Status == statusPending {
			res.Status = StatusSkipped
			msg := "not run"
			switch {
			case e.failedBy != "":
				msg = "not run: step " + e.failedBy + " failed"
			case runErr != nil:
				msg = "not run: interrupted"
			}
			res.Error = &msg
		}
		if rc == nil {
			continue
		}
		if c := rc.outputs[""]; c != nil {
			if n, ok := c.Rows(); ok {
				res.RowsOut = n
			}
		}
		for _, in := range s.Inputs {
			if up := e.ctxs[in.Step]; up != nil {
				if c := up.outputs[in.Port]; c != nil {
					if n, ok := c.Rows(); ok {
						res.RowsIn += n
					}
				}
			}
		}
		for k, v := range rc.metrics {
			res.Metrics[k] = v
		}
		if ns := rc.busy.Load(); ns > 0 && res.Status == StatusSucceeded {
			res.DurationMS += time.Duration(ns).Milliseconds()
		}
	}
	// Commit or discard staged files.
	if runErr == nil {
		for _, f := range e.staged {
			if err := os.Rename(f.tmp, f.final); err != nil {
				msg := fmt.Sprintf("commit %s: %v", f.final, err)
				e.results.Error = &msg
				e.results.Status = StatusFailed
			}
		}
	} else {
		for _, f := range e.staged {
			os.Remove(f.tmp)
		}
		for _, s := range e.plan.Steps {
			e.result(s.ID).Outputs = []string{}
		}
	}
	// Release what steps produced.
	for _, rc := range e.ctxs {
		for _, d := range rc.outputs {
			if r, ok := d.inner.(interface{ Release() }); ok {
				r.Release()
			}
		}
	}
	e.results.DurationMS = time.Since(e.start).Milliseconds()
	switch {
	case runErr == nil && e.results.Status == StatusSucceeded:
	case errors.Is(runErr, context.Canceled) || errors.Is(runErr, context.DeadlineExceeded):
		e.results.Status = StatusInterrupted
		msg := "interrupted"
		e.results.Error = &msg
	default:
		e.results.Status = StatusFailed
		if runErr != nil {
			msg := runErr.Error()
			e.results.Error = &msg
		}
	}
}

// fingerprint hashes a step's type, resolved config, the columns of its
// outputs that downstream steps read (when not all: the output then holds
// only those), its inputs' fingerprints and the content of the files it
// reads.
func (e *executor) fingerprint(s *PlannedStep) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "aftercare-step-v1\x00%s\x00", s.Type)
	cfg, err := json.Marshal(canonical(reflectValue(s.Config)))
	if err != nil {
		return "", err
	}
	h.Write(cfg)
	for _, port := range sortedKeys(s.columns) {
		if cs := s.columns[port]; !cs.All() {
			fmt.Fprintf(h, "\x00cols:%s=%s", port, strings.Join(cs.Names(), "\x01"))
		}
	}
	for _, in := range s.Inputs {
		e.mu.Lock()
		up := e.result(in.Step).Fingerprint
		e.mu.Unlock()
		fmt.Fprintf(h, "\x00in:%s=%s", in.String(), up)
	}
	for _, d := range s.Deps {
		e.mu.Lock()
		up := e.result(d).Fingerprint
		e.mu.Unlock()
		fmt.Fprintf(h, "\x00dep:%s=%s", d, up)
	}
	files := append([]string(nil), s.files...)
	sort.Strings(files)
	for _, f := range files {
		fh, err := e.hashFile(f)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "\x00file:%s", fh)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func (e *executor) hashFile(path string) (string, error) {
	e.mu.Lock()
	if h, ok := e.fileHash[path]; ok {
		e.mu.Unlock()
		return h, nil
	}
	e.mu.Unlock()
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	e.mu.Lock()
	e.fileHash[path] = sum
	e.mu.Unlock()
	return sum, nil
}

func newRunID() string {
	var b [4]byte
	rand.Read(b[:])
	return time.Now().UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}

// RunContext is what a step's Run sees: its inputs, a place for its
// outputs and metrics, the allocator, the logger, and staged output files.
type RunContext struct {
	exec    *executor
	step    *PlannedStep
	res     *StepResult
	outputs map[string]*countingDataset
	metrics map[string]any
	mu      sync.Mutex
	busy    atomic.Int64 // nanoseconds spent in lazy work done for this step
}

// StepID returns the running step's id.
func (r *RunContext) StepID() string { return r.step.ID }

// RecipeName returns the recipe's name.
func (r *RunContext) RecipeName() string { return r.exec.plan.Recipe.Name }

// RunID returns the run's id.
func (r *RunContext) RunID() string { return r.exec.runID }

// Params returns the resolved parameter values.
func (r *RunContext) Params() map[string]any { return r.exec.plan.ParamValues() }

// AsOf returns the as_of parameter, when the recipe has one.
func (r *RunContext) AsOf() *time.Time { return r.exec.plan.AsOf() }

// Mem returns the allocator for Arrow memory.
func (r *RunContext) Mem() memory.Allocator { return r.exec.opts.Mem }

// Workers returns how many goroutines a step may use for its own
// parallel work.
func (r *RunContext) Workers() int { return runtime.GOMAXPROCS(0) }

// Logger returns a logger tagged with the step.
func (r *RunContext) Logger() *slog.Logger {
	return r.exec.opts.Logger.With("step", r.step.ID, "type", r.step.Type)
}

// InputPath resolves a path the step reads.
func (r *RunContext) InputPath(p string) string { return r.exec.plan.InputPath(p) }

// OutputPath resolves a path the step writes.
func (r *RunContext) OutputPath(p string) string { return r.exec.plan.OutputPath(p) }

// Input returns the Dataset a reference points to.
func (r *RunContext) Input(ref Ref) Dataset {
	r.exec.mu.Lock()
	up := r.exec.ctxs[ref.Step]
	r.exec.mu.Unlock()
	if up == nil || up.outputs[ref.Port] == nil {
		panic(fmt.Sprintf("workflow: step %s read %s before it ran", r.step.ID, ref))
	}
	return up.outputs[ref.Port]
}

// SetOutput sets an output port's Dataset ("" for the main one). The
// engine owns it from here on and releases it after the run.
func (r *RunContext) SetOutput(port string, d Dataset) {
	r.step.Spec.mustPort(port)
	r.outputs[port] = &countingDataset{inner: d}
}

// Metric records a value in the step's run-results metrics.
func (r *RunContext) Metric(name string, v any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.metrics == nil {
		r.metrics = map[string]any{}
	}
	r.metrics[name] = v
}

// CreateOutput creates a file that is renamed to path (resolved against
// the output folder) only when the whole run succeeds, and removed
// otherwise. The caller writes and closes it.
func (r *RunContext) CreateOutput(path string) (*os.File, error) {
	final := r.exec.plan.OutputPath(path)
	if err := os.MkdirAll(filepath.Dir(final), 0o755); err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(filepath.Dir(final), "."+filepath.Base(final)+".aftercare-*.tmp")
	if err != nil {
		return nil, err
	}
	r.exec.mu.Lock()
	r.exec.staged = append(r.exec.staged, staged{tmp: f.Name(), final: final})
	rel, rerr := filepath.Rel(r.exec.plan.OutDir, final)
	if rerr != nil || len(rel) > 1 && rel[:2] == ".." {
		rel = final
	}
	r.res.Outputs = append(r.res.Outputs, rel)
	r.exec.mu.Unlock()
	return f, nil
}

// Lazy returns a Dataset that applies fn to every batch of in as it is
// scanned. fn returns a new batch (released by the caller of Scan's fn) or
// nil to drop the batch. Errors from fn are attributed to this step, and
// the time spent in fn is added to its duration.
func (r *RunContext) Lazy(in Dataset, schema *arrow.Schema, fn func(arrow.RecordBatch) (arrow.RecordBatch, error)) Dataset {
	return &lazyDataset{in: in, schema: schema, fn: fn, rc: r}
}

type lazyDataset struct {
	in     Dataset
	schema *arrow.Schema
	fn     func(arrow.RecordBatch) (arrow.RecordBatch, error)
	rc     *RunContext
}

func (l *lazyDataset) Schema() *arrow.Schema { return l.schema }

func (l *lazyDataset) Scan(ctx context.Context, fn func(arrow.RecordBatch) error) error {
	var fnErr error
	err := l.in.Scan(ctx, func(b arrow.RecordBatch) error {
		t0 := time.Now()
		out, err := l.fn(b)
		l.rc.busy.Add(int64(time.Since(t0)))
		if err != nil {
			return &StepError{Step: l.rc.step.ID, Err: err}
		}
		if out == nil {
			return nil
		}
		defer out.Release()
		if err := fn(out); err != nil {
			fnErr = err
			return err
		}
		return nil
	})
	if fnErr != nil {
		return fnErr
	}
	return err
}

// countingDataset counts the rows of the first complete scan of a Dataset.
type countingDataset struct {
	inner Dataset
	rows  atomic.Int64
	known atomic.Bool
}

func (c *countingDataset) Schema() *arrow.Schema { return c.inner.Schema() }

func (c *countingDataset) Scan(ctx context.Context, fn func(arrow.RecordBatch) error) error {
	if c.known.Load() {
		return c.inner.Scan(ctx, fn)
	}
	var n int64
	err := c.inner.Scan(ctx, func(b arrow.RecordBatch) error {
		n += b.NumRows()
		return fn(b)
	})
	if err == nil && c.known.CompareAndSwap(false, true) {
		c.rows.Store(n)
	}
	return err
}

// Rows returns the row count, when known without scanning.
func (c *countingDataset) Rows() (int64, bool) {
	if c.known.Load() {
		return c.rows.Load(), true
	}
	if t, ok := c.inner.(interface{ NumRows() int64 }); ok {
		return t.NumRows(), true
	}
	return 0, false
}

// Unwrap returns the Dataset the step set.
func (c *countingDataset) Unwrap() Dataset { return c.inner }

// ErrCheckFailed marks a declared quality check that did not hold; the
// command exits 3.
var ErrCheckFailed = errors.New("quality check failed")
