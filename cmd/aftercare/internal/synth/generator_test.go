package synth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// checkedMem returns a checked allocator that must be empty when the test ends.
func checkedMem(t *testing.T) *memory.CheckedAllocator {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	return mem
}

// digest scans g and returns the SHA-256 of its Arrow IPC stream (so batch
// boundaries count), the number of rows and the number of batches.
func digest(t *testing.T, g Generator) (sum string, rows int64, batches int) {
	t.Helper()
	mem := checkedMem(t)
	h := sha256.New()
	w := ipc.NewWriter(h, ipc.WithSchema(g.Schema), ipc.WithAllocator(mem))
	err := g.Scan(context.Background(), mem, func(rec arrow.RecordBatch) error {
		if !rec.Schema().Equal(g.Schema) {
			t.Fatalf("batch schema %v differs from generator schema %v", rec.Schema(), g.Schema)
		}
		rows += rec.NumRows()
		batches++
		return w.Write(rec)
	})
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("close ipc writer: %v", err)
	}
	return hex.EncodeToString(h.Sum(nil)), rows, batches
}

// withProcs runs f with GOMAXPROCS set to n.
func withProcs(n int, f func()) {
	old := runtime.GOMAXPROCS(n)
	defer runtime.GOMAXPROCS(old)
	f()
}

// assertDeterministic checks that g gives the same bytes twice and with
// one and with four workers.
func assertDeterministic(t *testing.T, name string, g Generator) {
	t.Helper()
	var a, b, c string
	withProcs(1, func() { a, _, _ = digest(t, g) })
	withProcs(4, func() { b, _, _ = digest(t, g) })
	withProcs(4, func() { c, _, _ = digest(t, g) })
	if a != b || b != c {
		t.Errorf("%s: digests differ: GOMAXPROCS=1 %s, 4 %s, 4 again %s", name, a, b, c)
	}
}

func TestIDArray(t *testing.T) {
	mem := checkedMem(t)
	arr := idArray(mem, 'C', 6, []int64{1, 42, 999999, 1234567, 0})
	defer arr.Release()
	want := []string{"C000001", "C000042", "C999999", "C1234567", "C000000"}
	s := arr.(*array.String)
	if s.Len() != len(want) {
		t.Fatalf("len = %d, want %d", s.Len(), len(want))
	}
	for i, w := range want {
		if s.Value(i) != w {
			t.Errorf("id %d = %q, want %q", i, s.Value(i), w)
		}
	}
	if err := s.ValidateFull(); err != nil {
		t.Errorf("invalid array: %v", err)
	}
}

func TestCustomerIDWidth(t *testing.T) {
	for _, tc := range []struct{ n, want int }{{1, 6}, {999_999, 6}, {1_000_000, 7}, {30_000_000, 8}} {
		if got := customerIDWidth(tc.n); got != tc.want {
			t.Errorf("customerIDWidth(%d) = %d, want %d", tc.n, got, tc.want)
		}
	}
}

func TestScanStopsOnError(t *testing.T) {
	opts := DefaultTransactionsOptions()
	opts.Customers = 10 * blockSize
	tx, _, err := Transactions(opts)
	if err != nil {
		t.Fatal(err)
	}
	sentinel := errors.New("sink failed")
	for _, procs := range []int{1, 2, 4} {
		withProcs(procs, func() {
			mem := checkedMem(t)
			calls := 0
			err := tx.Scan(context.Background(), mem, func(arrow.RecordBatch) error {
				calls++
				if calls == 2 {
					return sentinel
				}
				return nil
			})
			if !errors.Is(err, sentinel) {
				t.Errorf("GOMAXPROCS=%d: err = %v, want the sink's error", procs, err)
			}
			if calls != 2 {
				t.Errorf("GOMAXPROCS=%d: fn called %d times, want 2", procs, calls)
			}
		})
	}
}

func TestScanCancelled(t *testing.T) {
	opts := DefaultTransactionsOptions()
	opts.Customers = 10 * blockSize
	tx, _, err := Transactions(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("before", func(t *testing.T) {
		mem := checkedMem(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := tx.Scan(ctx, mem, func(arrow.RecordBatch) error {
			t.Error("fn called on a cancelled context")
			return nil
		})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	})
	t.Run("during", func(t *testing.T) {
		mem := checkedMem(t)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		calls := 0
		err := tx.Scan(ctx, mem, func(arrow.RecordBatch) error {
			calls++
			if calls == 3 {
				cancel()
			}
			return nil
		})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
		if calls != 3 {
			t.Errorf("fn called %d times, want 3", calls)
		}
	})
}

func TestScanRetainedBatch(t *testing.T) {
	// A batch retained by fn outlives the scan and is released by its owner.
	mem := checkedMem(t)
	opts := DefaultTransactionsOptions()
	opts.Customers = 3 * blockSize
	tx, _, err := Transactions(opts)
	if err != nil {
		t.Fatal(err)
	}
	var kept []arrow.RecordBatch
	if err := tx.Scan(context.Background(), mem, func(rec arrow.RecordBatch) error {
		rec.Retain()
		kept = append(kept, rec)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(kept) != 3 {
		t.Errorf("%d batches, want 3 (one per block)", len(kept))
	}
	last := kept[len(kept)-1].Column(1).(*array.String)
	if id := last.Value(last.Len() - 1); !strings.HasPrefix(id, "O") {
		t.Errorf("last order id = %q", id)
	}
	for _, r := range kept {
		r.Release()
	}
}

// peakAllocator records the largest number of bytes allocated at once.
type peakAllocator struct {
	memory.Allocator
	cur, peak atomic.Int64
}

func (a *peakAllocator) add(n int) {
	c := a.cur.Add(int64(n))
	for {
		p := a.peak.Load()
		if c <= p || a.peak.CompareAndSwap(p, c) {
			return
		}
	}
}

func (a *peakAllocator) Allocate(n int) []byte {
	b := a.Allocator.Allocate(n)
	a.add(len(b))
	return b
}

func (a *peakAllocator) Reallocate(n int, b []byte) []byte {
	old := len(b)
	b = a.Allocator.Reallocate(n, b)
	a.add(len(b) - old)
	return b
}

func (a *peakAllocator) Free(b []byte) {
	a.add(-len(b))
	a.Allocator.Free(b)
}

// TestScanStreams checks that Arrow memory does not grow with the number
// of customers: the peak stays within the few blocks scanBlocks keeps in
// flight (at most 2*workers finished, one being emitted, and its record
// batch), whatever the row count. How close a run comes to that bound
// depends on scheduling, so the runs are not compared with each other.
func TestScanStreams(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("simulates 500,000 customers; memory use does not depend on the race detector")
	}
	const workers = 2
	peak := func(customers int) (peak, batch int64) {
		mem := &peakAllocator{Allocator: checkedMem(t)}
		opts := DefaultTransactionsOptions()
		opts.Customers = customers
		tx, _, err := Transactions(opts)
		if err != nil {
			t.Fatal(err)
		}
		withProcs(workers, func() {
			if err := tx.Scan(context.Background(), mem, func(rec arrow.RecordBatch) error {
				var n int64
				for _, c := range rec.Columns() {
					for _, b := range c.Data().Buffers() {
						if b != nil {
							n += int64(b.Cap())
						}
					}
				}
				batch = max(batch, n)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
		})
		return mem.peak.Load(), batch
	}
	for _, customers := range []int{100_000, 400_000} {
		p, b := peak(customers)
		// Each block in flight holds about one batch's worth of buffers;
		// the emitted batch is a second copy of one; one more for slack.
		bound := int64(2*workers+4) * b
		t.Logf("%d customers: peak Arrow memory %d bytes, largest batch %d, bound %d", customers, p, b, bound)
		if p > bound {
			t.Errorf("%d customers: peak Arrow memory %d bytes, more than %d blocks of %d", customers, p, 2*workers+4, b)
		}
	}
}
