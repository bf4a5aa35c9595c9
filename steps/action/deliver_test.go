package action_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/aftercare/aftercare/workflow"
)

func init() {
	var rows [][]any
	for i := range 200 {
		rows = append(rows, []any{fmt.Sprintf("id%03d", i), fmt.Sprintf("c%03d", i), "hello"})
	}
	putData("actions", schemaOf("action_id", str, "customer_id", str, "message", str), 64, rows...)
}

// flakyServer fails a random 30% of requests with 503 and drops 10% of
// connections (half of them after accepting the batch, so the client
// retries a batch the server already has). It records the actions of
// every batch accepted under a new Idempotency-Key.
type flakyServer struct {
	mu       sync.Mutex
	rng      *rand.Rand
	keys     map[string]bool
	got      map[string]int
	accepted int
	onAccept func(n int) // called after each newly accepted batch
	status   int         // when non-zero, every request gets this status
	token    string
}

func newFlaky(seed uint64) *flakyServer {
	return &flakyServer{rng: rand.New(rand.NewPCG(seed, 1)), keys: map[string]bool{}, got: map[string]int{}}
}

func (f *flakyServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	if f.token != "" && r.Header.Get("Authorization") != "Bearer "+f.token {
		f.mu.Unlock()
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	if f.status != 0 {
		f.mu.Unlock()
		http.Error(w, "nope", f.status)
		return
	}
	u := f.rng.Float64()
	f.mu.Unlock()
	switch {
	case u < 0.3:
		http.Error(w, "busy", http.StatusServiceUnavailable)
		return
	case u < 0.35:
		drop(w)
		return
	}
	var batch []map[string]any
	if err := json.Unmarshal(body, &batch); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	key := r.Header.Get("Idempotency-Key")
	f.mu.Lock()
	newBatch := !f.keys[key]
	if newBatch {
		f.keys[key] = true
		for _, a := range batch {
			f.got[a["action_id"].(string)]++
		}
		f.accepted++
	}
	n, cb := f.accepted, f.onAccept
	f.mu.Unlock()
	if newBatch && cb != nil {
		cb(n)
	}
	if u < 0.4 {
		drop(w) // accepted, but the client never hears it
		return
	}
	w.WriteHeader(http.StatusOK)
}

func drop(w http.ResponseWriter) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		conn.Close()
	}
}

func deliverRecipe(url, extra string) string {
	return `
version: 1
name: r
steps:
  - {id: plan, type: test.data, name: actions}
  - {id: send, type: action.deliver, input: plan, url: "` + url + `", batch_size: 7, retries: 30, backoff: 1ms, timeout: 2s` + extra + `}
`
}

// execute runs a recipe in out with ctx and a checked allocator.
func execute(t *testing.T, ctx context.Context, src, out string) (*workflow.RunResults, error) {
	t.Helper()
	p := plan(t, src, out, "r.yaml")
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	return workflow.Execute(ctx, p, workflow.ExecOptions{Parallel: 2, Mem: mem, Version: "test"})
}

func ledgerIDs(t *testing.T, path string) map[string]int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ids := map[string]int{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e struct {
			ActionID string `json:"action_id"`
		}
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("ledger line %q: %v", sc.Text(), err)
		}
		ids[e.ActionID]++
	}
	return ids
}

// TestDeliverExactlyOnceAcrossCrash kills the first run after 10
// accepted batches, reruns it in the same output folder, and checks that
// the server got every action exactly once and the ledger agrees.
func TestDeliverExactlyOnceAcrossCrash(t *testing.T) {
	srv := newFlaky(42)
	ts := httptest.NewServer(srv)
	defer ts.Close()
	out := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	srv.onAccept = func(n int) {
		if n == 10 {
			cancel()
		}
	}
	if _, err := execute(t, ctx, deliverRecipe(ts.URL, ""), out); err == nil {
		t.Fatal("first run succeeded; want it interrupted")
	}
	cancel()
	srv.mu.Lock()
	srv.onAccept = nil
	first := len(srv.got)
	srv.mu.Unlock()
	if first == 0 || first >= 200 {
		t.Fatalf("first run delivered %d actions; want a part", first)
	}
	res, err := execute(t, context.Background(), deliverRecipe(ts.URL, ""), out)
	if err != nil {
		t.Fatalf("rerun: %v", err)
	}
	if len(srv.got) != 200 {
		t.Errorf("server has %d distinct actions, want 200", len(srv.got))
	}
	for id, n := range srv.got {
		if n != 1 {
			t.Errorf("server got %s %d times", id, n)
		}
	}
	ledger := ledgerIDs(t, filepath.Join(out, "delivery-ledger.jsonl"))
	if len(ledger) != 200 {
		t.Errorf("ledger has %d ids, want 200", len(ledger))
	}
	for id, n := range ledger {
		if n != 1 || srv.got[id] != 1 {
			t.Errorf("ledger has %s %d times, server %d", id, n, srv.got[id])
		}
	}
	m := res.Steps[1].Metrics
	if m["sent"].(int64)+m["skipped"].(int64) != 200 || m["skipped"].(int64) == 0 {
		t.Errorf("rerun metrics %v", m)
	}
	// A third run sends nothing.
	res, err = execute(t, context.Background(), deliverRecipe(ts.URL, ""), out)
	if err != nil || res.Steps[1].Metrics["sent"] != int64(0) {
		t.Errorf("third run: %v %v", err, res.Steps[1].Metrics)
	}
}

func TestDeliverPermanentAndTransientFailures(t *testing.T) {
	srv := newFlaky(1)
	srv.token = "s3cret-token"
	ts := httptest.NewServer(srv)
	defer ts.Close()
	t.Setenv("TEST_DELIVER_TOKEN", "wrong-token")
	_, err := execute(t, context.Background(), deliverRecipe(ts.URL, ", token_env: TEST_DELIVER_TOKEN"), t.TempDir())
	if err == nil || errors.Is(err, workflow.ErrTransient) || !strings.Contains(err.Error(), "status 401") {
		t.Errorf("401: got %v; want a permanent error", err)
	}
	if err != nil && strings.Contains(err.Error(), "wrong-token") {
		t.Errorf("error leaks the token: %v", err)
	}
	srv.token = ""
	srv.status = http.StatusBadGateway
	_, err = execute(t, context.Background(), strings.Replace(deliverRecipe(ts.URL, ""), "retries: 30", "retries: 2", 1), t.TempDir())
	if !errors.Is(err, workflow.ErrTransient) || !strings.Contains(err.Error(), "retries exhausted") {
		t.Errorf("502: got %v; want a transient error", err)
	}
	// Nothing listens on a closed server: network errors are transient.
	ts.Close()
	_, err = execute(t, context.Background(), strings.Replace(deliverRecipe(ts.URL, ""), "retries: 30", "retries: 1", 1), t.TempDir())
	if !errors.Is(err, workflow.ErrTransient) {
		t.Errorf("unreachable: got %v; want a transient error", err)
	}
}

func TestDeliverFile(t *testing.T) {
	out := t.TempDir()
	res, _, _, err := tryRunIn(t, `
version: 1
name: r
steps:
  - {id: plan, type: test.data, name: actions}
  - {id: send, type: action.deliver, input: plan, path: plan.jsonl}
`, out, "r.yaml")
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(out, "plan.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(string(data), "\n"); lines != 200 || !strings.HasPrefix(string(data), `{"action_id":"id000"`) {
		t.Errorf("file has %d lines, starts %q", lines, string(data)[:40])
	}
	if res.Steps[1].Metrics["written"] != int64(200) {
		t.Errorf("metrics %v", res.Steps[1].Metrics)
	}
}

func TestDeliverPlanErrors(t *testing.T) {
	for _, tc := range []struct{ cfg, want string }{
		{"url: ftp://x", "http or https"},
		{"path: x.csv, url: http://x", "not both"},
		{"batch_size: 0, url: http://x", "batch_size"},
		{"path: x.docx", "x.docx"},
		{"batch_size: 5", "give path (a file) or url"},
	} {
		msg := planErrors(t, "version: 1\nname: r\nsteps:\n  - {id: plan, type: test.data, name: actions}\n  - {id: send, type: action.deliver, input: plan, "+tc.cfg+"}\n")
		if !strings.Contains(msg, tc.want) {
			t.Errorf("%s: got %s", tc.cfg, msg)
		}
	}
}
