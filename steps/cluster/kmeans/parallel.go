package kmeans

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// baseChunkRows is the default number of rows per chunk. Chunks are the unit
// of parallel work and of every reduction: partial results are kept per
// chunk and combined in chunk order, so results do not depend on the number
// of workers.
const baseChunkRows = 2048

// maxPartialFloats bounds the memory of the per-chunk partial sums.
const maxPartialFloats = 1 << 22

// chunkRows returns the rows per chunk for n rows when each chunk keeps
// perChunk partial values. It depends only on the problem size, never on the
// worker count.
func chunkRows(n, perChunk int) int {
	rows := baseChunkRows
	for rows < n && ((n+rows-1)/rows)*perChunk > maxPartialFloats {
		rows *= 2
	}
	return rows
}

// numChunks returns the number of chunks of the given size covering n rows.
func numChunks(n, rows int) int { return (n + rows - 1) / rows }

// resolveWorkers returns w, or runtime.GOMAXPROCS(0) when w <= 0.
func resolveWorkers(w int) int {
	if w <= 0 {
		return runtime.GOMAXPROCS(0)
	}
	return w
}

// forChunks calls fn(worker, chunk) once for every chunk in [0, nChunks),
// spreading chunks over at most workers goroutines. The worker index lets fn
// use per-worker scratch space; fn must write its results per chunk.
func forChunks(nChunks, workers int, fn func(worker, chunk int)) {
	workers = min(workers, nChunks)
	if workers <= 1 {
		for c := range nChunks {
			fn(0, c)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for {
				c := int(next.Add(1) - 1)
				if c >= nChunks {
					return
				}
				fn(w, c)
			}
		})
	}
	wg.Wait()
}
