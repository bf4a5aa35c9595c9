package fileformat

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/klauspost/compress/gzip"
)

// Write writes the batches that scan produces to exactly path (the caller
// stages it through a temporary file and renames it) and returns the
// number of rows written. Every batch must have schema's column types.
//
// CSV output has a header line, RFC 4180 quoting (a field is quoted when
// it holds the delimiter, a quote, CR or LF, starts or ends with a space,
// is empty, or equals one of DefaultNullValues, so it reads back as the
// same text), nulls as empty fields, floats in shortest round-trip form
// (strconv 'g', -1) with ".0" added to integral values so they read back
// as floats, NaN and ±Inf as NaN, +Inf, -Inf, timestamps in RFC 3339 UTC
// ("2006-01-02T15:04:05Z", with up to six fraction digits when not
// whole), dates as YYYY-MM-DD, bools as true/false. JSON Lines output has
// one object per row with every column (nulls as null; NaN and ±Inf,
// which JSON cannot hold, as null too), dates and timestamps as strings
// in the same forms. Parquet stores the Arrow schema (so timestamps keep
// their UTC zone) in row groups of up to 1,048,576 rows.
func Write(ctx context.Context, path string, schema *arrow.Schema, o WriteOptions, mem memory.Allocator, scan func(fn func(arrow.RecordBatch) error) error) (rows int64, err error) {
	f, err := Detect(path, string(o.Format))
	if err != nil {
		return 0, err
	}
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	// Check options before creating the file.
	var delim byte
	switch f {
	case CSV:
		if delim, err = delimiterFor(o.Delimiter, path); err != nil {
			return 0, err
		}
	case Parquet:
		if _, err := parquetCodec(o.Compression); err != nil {
			return 0, err
		}
	case Arrow:
		if _, err := ipcOptions(o.Compression); err != nil {
			return 0, err
		}
	}
	out, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	bw := bufio.NewWriterSize(out, 1<<20)
	var w io.Writer = bw
	var gz *gzip.Writer
	if (f == CSV || f == JSONL) && (o.Gzip || isGzipPath(path)) {
		gz = gzip.NewWriter(bw)
		w = gz
	}
	switch f {
	case CSV:
		rows, err = writeCSV(ctx, w, schema, delim, scan)
	case JSONL:
		rows, err = writeJSONL(ctx, w, schema, scan)
	case Parquet:
		rows, err = writeParquet(ctx, w, schema, o, mem, scan)
	case Arrow:
		rows, err = writeIPC(ctx, w, schema, o, mem, scan)
	default:
		err = fmt.Errorf("unsupported format %q", f)
	}
	if gz != nil {
		err = errors.Join(err, gz.Close())
	}
	err = errors.Join(err, bw.Flush(), out.Close())
	if err != nil {
		return rows, fmt.Errorf("write %s: %w", path, err)
	}
	return rows, nil
}
