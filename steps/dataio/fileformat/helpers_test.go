package fileformat

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
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

// pageLayout is a way arrow-go's Parquet writer can lay out pages.
type pageLayout struct {
	name  string
	props []parquet.WriterProperty
	rg    int64 // rows per row group
}

// pageLayouts are the layouts the page decoders must read: dictionary or
// plain, dictionary falling back to plain mid-chunk, data page v1 and v2,
// small pages, several row groups, compressed or not (n: the rows).
func pageLayouts(n int64) []pageLayout {
	return []pageLayout{
		{"dict v1", []parquet.WriterProperty{parquet.WithDataPageVersion(parquet.DataPageV1)}, n},
		{"dict v2 snappy", []parquet.WriterProperty{parquet.WithDataPageVersion(parquet.DataPageV2), parquet.WithCompression(compress.Codecs.Snappy)}, 1700},
		{"plain v1 zstd small pages", []parquet.WriterProperty{parquet.WithDictionaryDefault(false), parquet.WithDataPageSize(512), parquet.WithCompression(compress.Codecs.Zstd)}, 2100},
		{"plain v2 small pages", []parquet.WriterProperty{parquet.WithDictionaryDefault(false), parquet.WithDataPageVersion(parquet.DataPageV2), parquet.WithDataPageSize(700)}, n},
		{"dict fallback small pages", []parquet.WriterProperty{parquet.WithDictionaryPageSizeLimit(2048), parquet.WithDataPageSize(1024), parquet.WithBatchSize(100)}, 3000},
	}
}

// writeLayout writes rec as a Parquet file laid out as l and returns its
// path.
func writeLayout(t *testing.T, mem memory.Allocator, rec arrow.RecordBatch, l pageLayout) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "f.parquet")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	tbl := array.NewTableFromRecords(rec.Schema(), []arrow.RecordBatch{rec})
	err = pqarrow.WriteTable(tbl, f, l.rg, parquet.NewWriterProperties(append(l.props, parquet.WithAllocator(mem))...), pqarrow.DefaultWriterProps())
	tbl.Release()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// writePageLayout writes rec as a Parquet file laid out as l and returns
// its path and canonical schema. It fails the test unless the read takes
// the fast path and every column chunk goes through a page decoder, or
// the test would check nothing.
func writePageLayout(t *testing.T, mem memory.Allocator, rec arrow.RecordBatch, l pageLayout) (string, *arrow.Schema) {
	t.Helper()
	p := writeLayout(t, mem, rec, l)
	rsc, err := ReadSchema(p, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rdr, fr, err := openParquet(p, 1024, mem)
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Close()
	fs, _ := fr.Schema()
	cols, err := projection(p, fs, rsc)
	if err != nil {
		t.Fatal(err)
	}
	if _, fast := fastPlan(rdr, fr, cols); !fast {
		t.Fatalf("%s: not read by the fast path", l.name)
	}
	for rg := range rdr.NumRowGroups() {
		for c := range rdr.MetaData().Schema.NumColumns() {
			phys := rdr.MetaData().Schema.Column(c).PhysicalType()
			_, fixed := newFixedChunk(fastLeaf{}, phys)
			if !chunkDecodable(rdr.RowGroup(rg), c) || !fixed && phys != parquet.Types.ByteArray {
				t.Fatalf("%s: row group %d column %d not decodable by readChunk", l.name, rg, c)
			}
		}
	}
	return p, rsc
}
