package action

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/aftercare/aftercare/steps/dataio/fileformat"
	"github.com/aftercare/aftercare/workflow"
)

func init() {
	workflow.Register(workflow.Spec{
		Type:    "action.deliver",
		Summary: "Deliver an action plan: write it to a file or POST it to an HTTP endpoint, each action once.",
		Description: `With path, the plan is written to a CSV, Parquet or JSON Lines file (by
extension), staged and renamed into place when the run succeeds.

With url, the actions are POSTed as JSON arrays of batch_size objects (one
per row, every column; dates and timestamps as text). Each request has the
header Idempotency-Key: the action_id for a batch of one, else the hex
SHA-256 (first 16 bytes) of the batch's action ids joined by commas; every
object carries its action_id too. token_env names an environment variable
holding a bearer token: the token is never in the recipe, the logs or the
run results. Network errors, 408, 429 and 5xx answers are retried up to
retries times with exponential backoff (backoff, doubling, at most 30s);
when they run out the run fails with exit code 75 (try again later).
Another 4xx answer is a permanent failure (exit code 1).

After every accepted batch its action ids are appended to the ledger file
in the output folder (written at once and fsynced, not staged), and a run
skips the ids already in the ledger: rerunning a recipe after a crash, or
twice, never sends an action twice and never drops one. The output is the
input, unchanged. Run results: sent, skipped (already in the ledger),
requests and retries.`,
		New: func() workflow.Step {
			return &Deliver{BatchSize: 100, Timeout: 10 * time.Second, Retries: 5, Backoff: 500 * time.Millisecond,
				Ledger: "delivery-ledger.jsonl"}
		},
		Examples: []string{
			"- {id: orders, type: io.read, path: data/orders.csv}\n" +
				"- {id: rfm, type: features.rfm, input: orders, customer: customer_id, order: order_id, timestamp: ordered_at, amount: amount}\n" +
				"- id: segments\n  type: segment.rules\n  input: rfm\n  rules:\n    - {segment: lapsing, when: recency_days > 180}\n" +
				"- id: plan\n  type: action.plan\n  input: segments\n  actions:\n" +
				"    lapsing: {action: win_back, channel: email, priority: 1, template: \"Hello {{.customer_id}}\", due: {after: 1d}}\n" +
				"- {id: send, type: action.deliver, input: plan, url: \"https://helpdesk.example.com/api/actions\", token_env: HELPDESK_TOKEN, batch_size: 50}\n" +
				"- {id: file, type: action.deliver, input: plan, path: actions.csv}",
		},
	})
}

// Deliver is the action.deliver step.
type Deliver struct {
	Input     workflow.Ref  `yaml:"input" required:"true" doc:"An action plan (rows with an action_id column)."`
	Path      string        `yaml:"path" doc:"File to write (.csv, .parquet, .jsonl), relative to the output folder."`
	URL       string        `yaml:"url" doc:"HTTP(S) endpoint the actions are POSTed to."`
	TokenEnv  string        `yaml:"token_env" doc:"Environment variable holding a bearer token for url."`
	BatchSize int64         `yaml:"batch_size" min:"1" doc:"Actions per request (default 100)."`
	Timeout   time.Duration `yaml:"timeout" doc:"Timeout of one request (default 10s)."`
	Retries   int64         `yaml:"retries" min:"0" doc:"Retries of a request after a network error, 408, 429 or 5xx (default 5)."`
	Backoff   time.Duration `yaml:"backoff" doc:"Wait before the first retry, doubled for each next one (default 500ms)."`
	Ledger    string        `yaml:"ledger" doc:"Delivery ledger in the output folder (default delivery-ledger.jsonl)."`

	opts fileformat.WriteOptions
}

// Check validates the destination.
func (s *Deliver) Check(c *workflow.CheckContext) {
	switch {
	case s.Path == "" && s.URL == "":
		c.Errorf("", "give path (a file) or url (an HTTP endpoint)")
	case s.Path != "" && s.URL != "":
		c.Errorf("url", "give path or url, not both")
	case s.Path != "":
		f, err := fileformat.Detect(s.Path, "")
		if err != nil {
			c.Errorf("path", "%v", err)
		}
		s.opts = fileformat.WriteOptions{Format: f, Gzip: strings.HasSuffix(strings.ToLower(s.Path), ".gz")}
		c.Writes(s.Path)
	default:
		u, err := url.Parse(s.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			c.Errorf("url", "url must be an http or https address, got %q", s.URL)
		}
		if s.Ledger == "" {
			c.Errorf("ledger", "ledger must not be empty")
		}
		c.Writes(s.Ledger)
	}
	if s.Timeout <= 0 {
		c.Errorf("timeout", "timeout must be positive")
	}
	in := c.Schema(s.Input)
	if in == nil {
		return
	}
	if f, ok := c.Column("input", in, "action_id"); ok && !arrow.TypeEqual(f.Type, workflow.String) {
		c.Errorf("input", "column action_id is %s, want string", f.Type)
	}
	c.SetOutput("", in)
}

// Run delivers the plan.
func (s *Deliver) Run(ctx context.Context, r *workflow.RunContext) error {
	in := r.Input(s.Input)
	if s.Path != "" {
		f, err := r.CreateOutput(s.Path)
		if err != nil {
			return err
		}
		tmp := f.Name()
		if err := f.Close(); err != nil {
			return err
		}
		rows, err := fileformat.Write(ctx, tmp, in.Schema(), s.opts, r.Mem(), func(fn func(arrow.RecordBatch) error) error {
			return in.Scan(ctx, fn)
		})
		if err != nil {
			return err
		}
		r.Metric("written", rows)
		r.SetOutput("", in)
		return nil
	}
	st, err := s.post(ctx, in, r.OutputPath(s.Ledger))
	r.Metric("sent", st.sent)
	r.Metric("skipped", st.skipped)
	r.Metric("requests", st.requests)
	r.Metric("retries", st.retries)
	if err != nil {
		return err
	}
	r.SetOutput("", in)
	return nil
}

// deliveryStats counts what a delivery did.
type deliveryStats struct {
	sent, skipped, requests, retries int64
}

// ledgerEntry is one line of the ledger.
type ledgerEntry struct {
	ActionID    string `json:"action_id"`
	DeliveredAt string `json:"delivered_at"`
}

// readLedger returns the action ids recorded in the ledger at path. A
// torn last line (a crash while appending) is ignored.
func readLedger(path string) (map[string]struct{}, error) {
	done := map[string]struct{}{}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return done, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read ledger: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var e ledgerEntry
		if json.Unmarshal(sc.Bytes(), &e) == nil && e.ActionID != "" {
			done[e.ActionID] = struct{}{}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read ledger %s: %w", path, err)
	}
	return done, nil
}

// post sends the actions not in the ledger in batches.
func (s *Deliver) post(ctx context.Context, in workflow.Dataset, ledgerPath string) (deliveryStats, error) {
	var st deliveryStats
	token := ""
	if s.TokenEnv != "" {
		var ok bool
		if token, ok = os.LookupEnv(s.TokenEnv); !ok || token == "" {
			return st, fmt.Errorf("deliver: environment variable %s (token_env) is not set", s.TokenEnv)
		}
	}
	done, err := readLedger(ledgerPath)
	if err != nil {
		return st, err
	}
	if err := os.MkdirAll(filepath.Dir(ledgerPath), 0o755); err != nil {
		return st, fmt.Errorf("create ledger: %w", err)
	}
	ledger, err := os.OpenFile(ledgerPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return st, fmt.Errorf("open ledger: %w", err)
	}
	defer ledger.Close()
	client := &http.Client{}
	var (
		batch []map[string]any
		ids   []string
	)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := s.send(ctx, client, token, batch, ids, &st); err != nil {
			return err
		}
		var buf bytes.Buffer
		now := time.Now().UTC().Format(time.RFC3339Nano)
		for _, id := range ids {
			line, _ := json.Marshal(ledgerEntry{ActionID: id, DeliveredAt: now})
			buf.Write(line)
			buf.WriteByte('\n')
		}
		if _, err := ledger.Write(buf.Bytes()); err != nil {
			return fmt.Errorf("write ledger: %w", err)
		}
		if err := ledger.Sync(); err != nil {
			return fmt.Errorf("sync ledger: %w", err)
		}
		st.sent += int64(len(ids))
		batch, ids = batch[:0], ids[:0]
		return nil
	}
	err = in.Scan(ctx, func(b arrow.RecordBatch) error {
		idx := b.Schema().FieldIndices("action_id")
		if len(idx) == 0 {
			return fmt.Errorf("deliver: input has no action_id column")
		}
		idCol, ok := b.Column(idx[0]).(*array.String)
		if !ok {
			return fmt.Errorf("deliver: action_id is %s, want string", b.Column(idx[0]).DataType())
		}
		for i := range int(b.NumRows()) {
			if idCol.IsNull(i) {
				return fmt.Errorf("deliver: action_id is null in a row")
			}
			id := idCol.Value(i)
			if _, ok := done[id]; ok {
				st.skipped++
				continue
			}
			id = strings.Clone(id)
			done[id] = struct{}{} // queued: a repeated id in the input is skipped
			batch = append(batch, rowObject(b, i))
			ids = append(ids, id)
			if int64(len(batch)) >= s.BatchSize {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	return st, err
}

// idempotencyKey is the Idempotency-Key of a batch.
func idempotencyKey(ids []string) string {
	if len(ids) == 1 {
		return ids[0]
	}
	sum := sha256.Sum256([]byte(strings.Join(ids, ",")))
	return hex.EncodeToString(sum[:16])
}

// errPermanent marks an answer that retrying cannot change.
var errPermanent = errors.New("permanent")

// send POSTs one batch, retrying transient failures with backoff.
func (s *Deliver) send(ctx context.Context, client *http.Client, token string, batch []map[string]any, ids []string, st *deliveryStats) error {
	body, err := json.Marshal(batch)
	if err != nil {
		return fmt.Errorf("deliver: encode batch: %w", err)
	}
	key := idempotencyKey(ids)
	wait := s.Backoff
	var last error
	for attempt := int64(0); attempt <= s.Retries; attempt++ {
		if attempt > 0 {
			st.retries++
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			case <-t.C:
			}
			wait = min(2*wait, 30*time.Second)
		}
		st.requests++
		last = s.attempt(ctx, client, token, key, body)
		if last == nil {
			return nil
		}
		if errors.Is(last, errPermanent) || ctx.Err() != nil {
			return fmt.Errorf("deliver: POST %s: batch of %d actions from %s: %w", s.redactedURL(), len(ids), ids[0], last)
		}
	}
	return workflow.Transient(fmt.Errorf("deliver: POST %s: batch of %d actions from %s: %d retries exhausted: %w",
		s.redactedURL(), len(ids), ids[0], s.Retries, last))
}

// attempt makes one request.
func (s *Deliver) attempt(ctx context.Context, client *http.Client, token, key string, body []byte) error {
	rctx, cancel := context.WithTimeout(ctx, s.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, s.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%w: %v", errPermanent, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", key)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		// The error names the URL, never the headers, so the token stays out.
		return fmt.Errorf("network: %v", unwrapURLError(err))
	}
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	resp.Body.Close()
	switch code := resp.StatusCode; {
	case code >= 200 && code < 300:
		return nil
	case code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500:
		return fmt.Errorf("status %d: %s", code, strings.TrimSpace(string(msg)))
	default:
		return fmt.Errorf("%w: status %d: %s", errPermanent, code, strings.TrimSpace(string(msg)))
	}
}

// unwrapURLError drops the *url.Error wrapper (which repeats the URL).
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// redactedURL is the URL without user info or query, for messages.
func (s *Deliver) redactedURL() string {
	u, err := url.Parse(s.URL)
	if err != nil {
		return "(invalid url)"
	}
	u.User = nil
	u.RawQuery = ""
	return u.String()
}

// rowObject converts row i of b to a JSON object: dates as YYYY-MM-DD,
// timestamps in RFC 3339, NaN and nulls as null.
func rowObject(b arrow.RecordBatch, i int) map[string]any {
	obj := make(map[string]any, b.NumCols())
	for j, f := range b.Schema().Fields() {
		a := b.Column(j)
		if a.IsNull(i) {
			obj[f.Name] = nil
			continue
		}
		switch a := a.(type) {
		case *array.String:
			obj[f.Name] = a.Value(i)
		case *array.Int64:
			obj[f.Name] = a.Value(i)
		case *array.Float64:
			v := a.Value(i)
			if math.IsNaN(v) || math.IsInf(v, 0) {
				obj[f.Name] = nil
			} else {
				obj[f.Name] = v
			}
		case *array.Boolean:
			obj[f.Name] = a.Value(i)
		case *array.Date32:
			obj[f.Name] = a.Value(i).ToTime().UTC().Format("2006-01-02")
		case *array.Timestamp:
			obj[f.Name] = time.UnixMicro(int64(a.Value(i))).UTC().Format(time.RFC3339Nano)
		default:
			obj[f.Name] = a.ValueStr(i)
		}
	}
	return obj
}
