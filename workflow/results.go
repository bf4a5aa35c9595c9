package workflow

import (
	"encoding/json"
	"os"
	"path/filepath"
	"time"
)

// Run and step statuses, as written to run_results.json.
const (
	StatusSucceeded   = "succeeded"
	StatusFailed      = "failed"
	StatusInterrupted = "interrupted"
	StatusSkipped     = "skipped"
	StatusCached      = "cached"
	statusPending     = "pending"
)

// RunResults is the machine-readable record of a run (SPEC.md §4),
// written to DIR/run_results.json at the end of every run.
type RunResults struct {
	Version      string         `json:"aftercare_version"`
	Recipe       string         `json:"recipe"`
	RecipeSHA256 string         `json:"recipe_sha256"`
	RunID        string         `json:"run_id"`
	Status       string         `json:"status"`
	StartedAt    string         `json:"started_at"`
	DurationMS   int64          `json:"duration_ms"`
	Params       map[string]any `json:"params"`
	Steps        []*StepResult  `json:"steps"`
	Error        *string        `json:"error"`
}

// StepResult is one step's record in the run results.
type StepResult struct {
	ID          string         `json:"id"`
	Type        string         `json:"type"`
	Status      string         `json:"status"`
	Fingerprint string         `json:"fingerprint"`
	RowsIn      int64          `json:"rows_in"`
	RowsOut     int64          `json:"rows_out"`
	DurationMS  int64          `json:"duration_ms"`
	Outputs     []string       `json:"outputs"`
	Metrics     map[string]any `json:"metrics"`
	Error       *string        `json:"error"`
}

// jsonParams converts resolved parameter values for JSON: dates as
// YYYY-MM-DD, durations as text.
func jsonParams(ps []*Param) map[string]any {
	out := map[string]any{}
	for _, p := range ps {
		switch v := p.Value.(type) {
		case time.Time, time.Duration:
			out[p.Name] = FormatParam(v)
		case []any:
			list := make([]any, len(v))
			for i, e := range v {
				switch e.(type) {
				case time.Time, time.Duration:
					list[i] = FormatParam(e)
				default:
					list[i] = e
				}
			}
			out[p.Name] = list
		default:
			out[p.Name] = v
		}
	}
	return out
}

// WriteFileAtomic writes data to path through a temporary file in the same
// folder and a rename, so readers never see a partial file.
func WriteFileAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

func (rr *RunResults) write(dir string) error {
	b, err := json.MarshalIndent(rr, "", "  ")
	if err != nil {
		return err
	}
	return WriteFileAtomic(filepath.Join(dir, "run_results.json"), append(b, '\n'))
}
