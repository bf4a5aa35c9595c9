package fileformat

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// splitAll cuts data into records the way Scan does (chunker, then field
// scanner), with small reads and chunks to exercise chunk boundaries. With
// mapped the whole input is handed over at once (the memory-mapped path).
func splitAll(data []byte, delim byte, ws bool, readSize, maxRows int, mapped bool) ([][]string, error) {
	var ck *chunker
	if mapped {
		ck = newChunkerBytes(data, true, maxRows)
	} else {
		ck = newChunker(bytes.NewReader(data), true, maxRows)
		ck.readSize = readSize
	}
	var out [][]string
	for {
		chunk, _, err := ck.next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		s := scanner{data: chunk, delim: delim, ws: ws}
		for s.startRecord() {
			var rec []string
			for {
				f, _, more := s.field()
				if s.err != nil {
					return out, s.err
				}
				rec = append(rec, string(f))
				if !more {
					break
				}
			}
			out = append(out, rec)
		}
	}
}

// dataDir returns ../shared/data next to the module root, or skips.
func dataDir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("module root not found")
		}
		dir = parent
	}
	d := filepath.Join(dir, "..", "shared", "data")
	if _, err := os.Stat(d); err != nil {
		t.Skipf("shared data folder %s not present: skipping the real-data test", d)
	}
	return d
}

// readAll scans path into retained batches; the caller releases them.
func readAll(t testing.TB, path string, schema *arrow.Schema, o ReadOptions, mem memory.Allocator) []arrow.RecordBatch {
	t.Helper()
	var out []arrow.RecordBatch
	err := Scan(context.Background(), path, schema, o, mem, func(b arrow.RecordBatch) error {
		b.Retain()
		out = append(out, b)
		return nil
	})
	if err != nil {
		release(out)
		t.Fatal(err)
	}
	return out
}

func release(bs []arrow.RecordBatch) {
	for _, b := range bs {
		b.Release()
	}
}

func writeFile(t testing.TB, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// rows renders batches as text rows (ValueStr, "<null>" for nulls), for
// comparisons.
func rows(bs []arrow.RecordBatch) [][]string {
	var out [][]string
	for _, b := range bs {
		for i := range int(b.NumRows()) {
			var r []string
			for _, c := range b.Columns() {
				if c.IsNull(i) {
					r = append(r, "<null>")
				} else {
					r = append(r, c.ValueStr(i))
				}
			}
			out = append(out, r)
		}
	}
	return out
}
