package hclust

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// minParallel is the number of candidates below which a scan runs on the
// calling goroutine, where splitting costs more than it saves. Tests lower it
// to exercise the parallel paths on small inputs.
var minParallel = 4096

// partsFor returns how many contiguous blocks a scan of m candidates uses.
// The answer may depend on the worker count; the scans that use it are exact
// minimum reductions whose result does not depend on the blocking.
func partsFor(m, workers int) int {
	if workers <= 1 || m < minParallel {
		return 1
	}
	p := m / max(minParallel/2, 1)
	if p > workers {
		p = workers
	}
	return p
}

// block returns the half-open range of block p of parts over [0, m).
func block(m, parts, p int) (lo, hi int) {
	return m * p / parts, m * (p + 1) / parts
}

// runParts calls fn(p) for p in [0, parts), concurrently, with part 0 on the
// calling goroutine, and returns when all calls have returned.
func runParts(parts int, fn func(p int)) {
	if parts <= 1 {
		fn(0)
		return
	}
	var wg sync.WaitGroup
	wg.Add(parts - 1)
	for p := 1; p < parts; p++ {
		go func() {
			defer wg.Done()
			fn(p)
		}()
	}
	fn(0)
	wg.Wait()
}

// forChunks calls fn(c) for every chunk c in [0, chunks) on up to workers
// goroutines that take chunks in turn. Callers that reduce store one result
// per chunk and combine them in chunk order, which keeps the result
// independent of the worker count.
func forChunks(chunks, workers int, fn func(c int)) {
	if workers > chunks {
		workers = chunks
	}
	if workers <= 1 {
		for c := range chunks {
			fn(c)
		}
		return
	}
	var next atomic.Int64
	runParts(workers, func(int) {
		for {
			c := int(next.Add(1) - 1)
			if c >= chunks {
				return
			}
			fn(c)
		}
	})
}

// candidate is the result of a nearest-neighbour scan: the smallest value
// and, among equal values, the smallest key.
type candidate struct {
	val float64
	key int32
	pos int32
}

// better reports whether a beats b: smaller value, then smaller key.
func (a candidate) better(b candidate) bool {
	return a.val < b.val || (a.val == b.val && a.key < b.key)
}

// team is a set of goroutines kept alive for the duration of one linkage, so
// that the many short scans of a run are split among workers without
// starting a goroutine each time. Parts are claimed from a shared counter by
// the caller and the workers alike: if a worker is slow to wake (a busy
// machine), the caller simply runs more parts itself and only ever waits for
// parts already started. Idle workers spin briefly, then park.
type team struct {
	workers int
	// state is epoch<<32 | next part to claim; only run changes the epoch.
	state   atomic.Uint64
	task    atomic.Pointer[teamTask]
	quit    atomic.Bool
	members []*teamMember
	wg      sync.WaitGroup
}

// teamTask is one call of run.
type teamTask struct {
	epoch    uint64
	parts    int
	fn       func(p int)
	finished atomic.Int64
}

type teamMember struct {
	sleeping atomic.Bool
	wake     chan struct{}
}

// spinLimit is how many times an idle worker polls before parking.
const spinLimit = 20000

// newTeam starts workers−1 goroutines; the caller is the remaining worker.
// It returns nil for a single worker. stop must be called when done.
func newTeam(workers int) *team {
	if workers <= 1 {
		return nil
	}
	t := &team{workers: workers}
	t.task.Store(&teamTask{})
	for range workers - 1 {
		m := &teamMember{wake: make(chan struct{}, 1)}
		t.members = append(t.members, m)
		t.wg.Add(1)
		go t.loop(m)
	}
	return t
}

// claim runs parts of the current task while any are left, returning when
// none is left to claim.
func (t *team) claim() {
	for {
		s := t.state.Load()
		tk := t.task.Load()
		if tk.epoch != s>>32 {
			continue // run is publishing a new task
		}
		p := int(s & (1<<32 - 1))
		if p >= tk.parts {
			return
		}
		if t.state.CompareAndSwap(s, s+1) {
			tk.fn(p)
			tk.finished.Add(1)
		}
	}
}

func (t *team) loop(m *teamMember) {
	defer t.wg.Done()
	var seen uint64
	for {
		spins := 0
		for t.state.Load()>>32 == seen {
			spins++
			if spins < spinLimit {
				if spins%64 == 0 {
					runtime.Gosched()
				}
				continue
			}
			m.sleeping.Store(true)
			if t.state.Load()>>32 != seen {
				m.sleeping.Store(false)
				break
			}
			<-m.wake
			m.sleeping.Store(false)
			spins = 0
		}
		if t.quit.Load() {
			return
		}
		seen = t.state.Load() >> 32
		t.claim()
	}
}

// size returns the number of workers (1 for a nil team).
func (t *team) size() int {
	if t == nil {
		return 1
	}
	return t.workers
}

// run calls fn(p) for p in [0, parts), spread over the caller and the
// workers, and returns when all calls have returned.
func (t *team) run(parts int, fn func(p int)) {
	if t == nil || parts <= 1 {
		for p := range parts {
			fn(p)
		}
		return
	}
	epoch := t.state.Load()>>32 + 1
	tk := &teamTask{epoch: epoch, parts: parts, fn: fn}
	t.task.Store(tk)
	t.state.Store(epoch << 32)
	t.wakeAll()
	t.claim()
	for spins := 1; tk.finished.Load() < int64(parts); spins++ {
		if spins%64 == 0 {
			runtime.Gosched()
		}
	}
}

func (t *team) wakeAll() {
	for _, m := range t.members {
		if m.sleeping.Load() {
			select {
			case m.wake <- struct{}{}:
			default:
			}
		}
	}
}

// stop ends the worker goroutines.
func (t *team) stop() {
	if t == nil {
		return
	}
	t.quit.Store(true)
	t.task.Store(&teamTask{epoch: t.state.Load()>>32 + 1})
	t.state.Add(1 << 32)
	for _, m := range t.members {
		select {
		case m.wake <- struct{}{}:
		default:
		}
	}
	t.wg.Wait()
}
