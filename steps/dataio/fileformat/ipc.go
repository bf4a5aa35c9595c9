package fileformat

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/aftercare/aftercare/workflow"
)

// ipcReader reads the batches of an Arrow IPC file or stream.
type ipcReader struct {
	f      *os.File
	file   *ipc.FileReader // IPC file format (Feather v2)
	stream *ipc.Reader     // IPC stream format
	next   int
}

// openIPC opens path as an IPC file when it starts with the "ARROW1"
// magic, else as an IPC stream.
func openIPC(path string, mem memory.Allocator) (*ipcReader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	r := &ipcReader{f: f}
	var magic [6]byte
	n, _ := f.ReadAt(magic[:], 0)
	if n == 6 && bytes.Equal(magic[:], []byte("ARROW1")) {
		r.file, err = ipc.NewFileReader(f, ipc.WithAllocator(mem))
	} else {
		r.stream, err = ipc.NewReader(f, ipc.WithAllocator(mem))
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return r, nil
}

func (r *ipcReader) schema() *arrow.Schema {
	if r.file != nil {
		return r.file.Schema()
	}
	return r.stream.Schema()
}

// read returns the next batch (the caller releases it) or io.EOF.
func (r *ipcReader) read() (arrow.RecordBatch, error) {
	if r.file != nil {
		if r.next >= r.file.NumRecords() {
			return nil, io.EOF
		}
		r.next++
		return r.file.RecordBatchAt(r.next - 1)
	}
	if !r.stream.Next() {
		if err := r.stream.Err(); err != nil {
			return nil, err
		}
		return nil, io.EOF
	}
	rec := r.stream.RecordBatch()
	rec.Retain()
	return rec, nil
}

func (r *ipcReader) close() {
	if r.file != nil {
		r.file.Close()
	} else {
		r.stream.Release()
	}
	r.f.Close()
}

// readSchemaIPC reads the schema from the file footer or the stream's
// first message.
func readSchemaIPC(path string, o ReadOptions) (*arrow.Schema, error) {
	r, err := openIPC(path, memory.DefaultAllocator)
	if err != nil {
		return nil, err
	}
	defer r.close()
	return canonicalSchema(path, r.schema(), o.Types, o.note)
}

// scanIPC reads the schema's columns, normalised to canonical types;
// batches longer than BatchRows are sliced.
func scanIPC(ctx context.Context, path string, schema *arrow.Schema, o ReadOptions, mem memory.Allocator, fn func(arrow.RecordBatch) error) error {
	r, err := openIPC(path, mem)
	if err != nil {
		return err
	}
	defer r.close()
	cols, err := projection(path, r.schema(), schema)
	if err != nil {
		return err
	}
	limit := int64(o.batchRows())
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		rec, err := r.read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", path, err)
		}
		out, err := normalizeBatch(mem, rec, schema, cols)
		rec.Release()
		if err != nil {
			return fmt.Errorf("read %s: %w", path, err)
		}
		for off := int64(0); off < out.NumRows(); off += limit {
			part := out
			if out.NumRows() > limit {
				part = out.NewSlice(off, min(off+limit, out.NumRows()))
			}
			err = fn(part)
			if part != out {
				part.Release()
			}
			if err != nil {
				break
			}
		}
		out.Release()
		if err != nil {
			return err
		}
	}
}

// ipcOptions maps a compression name to IPC writer options.
func ipcOptions(name string) ([]ipc.Option, error) {
	switch strings.ToLower(name) {
	case "", "none", "uncompressed":
		return nil, nil
	case "lz4":
		return []ipc.Option{ipc.WithLZ4()}, nil
	case "zstd":
		return []ipc.Option{ipc.WithZstd()}, nil
	}
	return nil, fmt.Errorf("unknown arrow compression %q%s (use none, lz4 or zstd)", name, workflow.DidYouMean(name, []string{"none", "lz4", "zstd"}))
}

// writeIPC writes an Arrow IPC file (Feather v2).
func writeIPC(ctx context.Context, w io.Writer, schema *arrow.Schema, o WriteOptions, mem memory.Allocator, scan func(fn func(arrow.RecordBatch) error) error) (int64, error) {
	opts, err := ipcOptions(o.Compression)
	if err != nil {
		return 0, err
	}
	fw, err := ipc.NewFileWriter(w, append(opts, ipc.WithSchema(schema), ipc.WithAllocator(mem))...)
	if err != nil {
		return 0, err
	}
	var rows int64
	err = scan(func(rec arrow.RecordBatch) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		rec, err := conform(schema, rec)
		if err != nil {
			return err
		}
		defer rec.Release()
		rows += rec.NumRows()
		return fw.Write(rec)
	})
	if cerr := fw.Close(); err == nil {
		err = cerr
	}
	return rows, err
}
