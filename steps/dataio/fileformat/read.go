package fileformat

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// ReadSchema returns the schema of the file at path with canonical column
// types, reading only what it needs: the header and a sample of rows
// spread over the file (CSV, JSON Lines), the footer (Parquet, Arrow IPC
// file) or the first message (Arrow IPC stream). A missing file gives the
// error of os.Open (which matches fs.ErrNotExist).
func ReadSchema(path string, o ReadOptions) (*arrow.Schema, error) {
	f, err := Detect(path, string(o.Format))
	if err != nil {
		return nil, err
	}
	switch f {
	case CSV:
		return readSchemaCSV(path, o)
	case JSONL:
		return readSchemaJSONL(path, o)
	case Parquet:
		return readSchemaParquet(path, o)
	case Arrow:
		return readSchemaIPC(path, o)
	}
	return nil, fmt.Errorf("read %s: unsupported format %q", path, f)
}

// Scan reads the file at path and calls fn with its record batches in file
// order, from the calling goroutine; the batches are the same on every run
// whatever the number of CPUs. schema selects and orders the columns (a
// subset of the file's, by name, with canonical types, typically from
// ReadSchema); nil means ReadSchema(path, o). Each batch has at most
// o.BatchRows rows and is released when fn returns (Retain it to keep
// it). Scan stops at the first error from the file, from fn or from ctx.
//
// A text value that does not parse as its column's type is an error
// naming the file, line, column and value, never a silent null.
func Scan(ctx context.Context, path string, schema *arrow.Schema, o ReadOptions, mem memory.Allocator, fn func(arrow.RecordBatch) error) error {
	f, err := Detect(path, string(o.Format))
	if err != nil {
		return err
	}
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	if schema == nil {
		if schema, err = ReadSchema(path, o); err != nil {
			return err
		}
	}
	switch f {
	case CSV:
		return scanCSV(ctx, path, schema, o, mem, fn)
	case JSONL:
		return scanJSONL(ctx, path, schema, o, mem, fn)
	case Parquet:
		return scanParquet(ctx, path, schema, o, mem, fn)
	case Arrow:
		return scanIPC(ctx, path, schema, o, mem, fn)
	}
	return fmt.Errorf("read %s: unsupported format %q", path, f)
}
