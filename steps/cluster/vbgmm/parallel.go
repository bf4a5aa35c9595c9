package vbgmm

import (
	"sync"
	"sync/atomic"
)

// chunkRows is the number of rows per chunk of parallel work. Partial sums
// are formed per chunk and combined in chunk order, so results depend on
// this constant but never on the number of workers.
const chunkRows = 2048

// numChunks returns the number of chunks covering n rows.
func numChunks(n int) int {
	return (n + chunkRows - 1) / chunkRows
}

// forChunks calls fn(lo, hi, chunk, worker) for every chunk [lo, hi) of n
// rows, from at most workers goroutines; worker numbers are below workers.
// Chunks are handed out dynamically, so fn must write only to per-chunk or
// per-worker state.
func forChunks(n, workers int, fn func(lo, hi, chunk, worker int)) {
	nc := numChunks(n)
	if workers > nc {
		workers = nc
	}
	run := func(w int, next *atomic.Int64) {
		for {
			c := int(next.Add(1) - 1)
			if c >= nc {
				return
			}
			lo := c * chunkRows
			fn(lo, min(lo+chunkRows, n), c, w)
		}
	}
	var next atomic.Int64
	if workers <= 1 {
		run(0, &next)
		return
	}
	var wg sync.WaitGroup
	for w := 1; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			run(w, &next)
		}()
	}
	run(0, &next)
	wg.Wait()
}
