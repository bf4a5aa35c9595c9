package fileformat

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
)

// ParseError reports a record of a text file (CSV, JSON Lines) that cannot
// be read, with the file, the 1-based line where the record starts and,
// when the problem is one value, the column.
type ParseError struct {
	// Path is the file as it was given to Scan or ReadSchema.
	Path string
	// Line is the 1-based line of the file where the record starts.
	Line int
	// Column names the column whose value failed, or is empty when the
	// problem concerns the whole record.
	Column string
	// Err describes the problem.
	Err error
}

// Error formats the error as path:line: column name: problem.
func (e *ParseError) Error() string {
	if e.Column != "" {
		return fmt.Sprintf("%s:%d: column %s: %v", e.Path, e.Line, e.Column, e.Err)
	}
	return fmt.Sprintf("%s:%d: %v", e.Path, e.Line, e.Err)
}

// Unwrap returns the underlying problem.
func (e *ParseError) Unwrap() error { return e.Err }

// chunkParser turns one chunk into a record batch. It returns the number
// of newlines in the chunk; a *ParseError it returns carries the line
// relative to the chunk (newlines before the record), which runChunks
// makes absolute.
type chunkParser func(data []byte, rows int) (arrow.RecordBatch, int, error)

// runChunks cuts the stream with ck, parses the chunks on GOMAXPROCS
// workers and calls fn with the batches in file order from the calling
// goroutine. firstLine is the file line on which the first chunk starts.
// Because chunk boundaries depend only on the bytes, the batches are the
// same whatever the number of workers. Every goroutine has finished when
// runChunks returns.
func runChunks(parent context.Context, ck *chunker, parse chunkParser, path string, firstLine int, fn func(arrow.RecordBatch) error) error {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	type job struct {
		data  []byte
		rows  int
		rec   arrow.RecordBatch
		lines int
		err   error
		done  chan struct{}
	}
	workers := max(runtime.GOMAXPROCS(0), 1)
	jobs := make(chan *job, workers)
	order := make(chan *job, workers+1)

	go func() {
		defer close(order)
		defer close(jobs)
		for ctx.Err() == nil {
			data, rows, err := ck.next()
			if err == io.EOF {
				return
			}
			j := &job{data: data, rows: rows, done: make(chan struct{})}
			if err != nil {
				j.err = err
				close(j.done)
				select {
				case order <- j:
				case <-ctx.Done():
				}
				return
			}
			select {
			case order <- j:
			case <-ctx.Done():
				return
			}
			jobs <- j
		}
	}()

	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for j := range jobs {
				if err := ctx.Err(); err != nil {
					j.err = err
				} else {
					j.rec, j.lines, j.err = parse(j.data, j.rows)
				}
				ck.recycle(j.data)
				close(j.done)
			}
		})
	}

	line := firstLine
	var firstErr error
	for j := range order {
		<-j.done
		if firstErr != nil {
			if j.rec != nil {
				j.rec.Release()
			}
			continue
		}
		if j.err != nil {
			var pe *ParseError
			if errors.As(j.err, &pe) && pe.Path == "" {
				pe.Path = path
				pe.Line += line
			}
			firstErr = j.err
			cancel()
			continue
		}
		err := fn(j.rec)
		j.rec.Release()
		line += j.lines
		if err != nil {
			firstErr = err
			cancel()
		}
	}
	wg.Wait()
	if firstErr == nil {
		return parent.Err()
	}
	return firstErr
}
