package fileformat

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/aftercare/aftercare/workflow"
)

// Format names a file format.
type Format string

// The supported formats.
const (
	// CSV is delimited text (RFC 4180), optionally gzip-compressed.
	CSV Format = "csv"
	// Parquet is Apache Parquet.
	Parquet Format = "parquet"
	// Arrow is the Arrow IPC file format (Feather v2); reading also
	// accepts the IPC stream format.
	Arrow Format = "arrow"
	// JSONL is JSON Lines: one flat JSON object per line, optionally
	// gzip-compressed.
	JSONL Format = "jsonl"
)

// formatNames maps the names a user may write to formats.
var formatNames = map[string]Format{
	"csv": CSV, "tsv": CSV, "txt": CSV,
	"parquet": Parquet, "pq": Parquet,
	"arrow": Arrow, "feather": Arrow, "ipc": Arrow,
	"jsonl": JSONL, "ndjson": JSONL,
}

// extensions maps file extensions (without the dot) to formats.
var extensions = map[string]Format{
	"csv": CSV, "tsv": CSV, "txt": CSV,
	"parquet": Parquet, "pq": Parquet,
	"arrow": Arrow, "feather": Arrow, "ipc": Arrow,
	"jsonl": JSONL, "ndjson": JSONL,
}

// Detect returns the format of path: explicit when it is not empty (one of
// csv, parquet, arrow, jsonl, or the aliases tsv, feather, ipc, ndjson),
// otherwise from the file extension: .csv .tsv .txt (CSV), .parquet .pq,
// .arrow .feather .ipc, .jsonl .ndjson. A trailing .gz is looked through
// (gzip-compressed CSV and JSON Lines are read and written transparently).
func Detect(path, explicit string) (Format, error) {
	if explicit != "" {
		if f, ok := formatNames[strings.ToLower(explicit)]; ok {
			return f, nil
		}
		return "", fmt.Errorf("unknown format %q%s (known: csv, parquet, arrow, jsonl)", explicit, workflow.DidYouMean(explicit, []string{"csv", "parquet", "arrow", "jsonl", "feather", "ndjson", "tsv"}))
	}
	base := strings.ToLower(filepath.Base(path))
	gz := strings.HasSuffix(base, ".gz")
	base = strings.TrimSuffix(base, ".gz")
	ext := strings.TrimPrefix(filepath.Ext(base), ".")
	f, ok := extensions[ext]
	if !ok {
		return "", fmt.Errorf("cannot tell the format of %s from its extension (set format: csv, parquet, arrow or jsonl)", path)
	}
	if gz && f != CSV && f != JSONL {
		return "", fmt.Errorf("cannot read %s: gzip compression applies to CSV and JSON Lines only", path)
	}
	return f, nil
}

// isGzipPath reports whether path ends in .gz.
func isGzipPath(path string) bool {
	return strings.HasSuffix(strings.ToLower(path), ".gz")
}

// isTSVPath reports whether path ends in .tsv or .tsv.gz.
func isTSVPath(path string) bool {
	p := strings.TrimSuffix(strings.ToLower(path), ".gz")
	return strings.HasSuffix(p, ".tsv")
}
