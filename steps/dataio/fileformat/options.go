package fileformat

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
)

// Defaults used when the corresponding option is zero.
const (
	DefaultInferRows = 10_000
	DefaultBatchRows = 65_536
)

// DefaultNullValues are the field values read as null when
// ReadOptions.NullValues is nil. "NaN" is deliberately not among them: in
// a float column it reads as the float NaN (and in inference it counts as
// a float), in a string column as the text "NaN".
var DefaultNullValues = []string{"", "NA", "N/A", "null", "NULL"}

// ReadOptions configures ReadSchema and Scan.
type ReadOptions struct {
	// Format is the file format; empty means Detect from the extension.
	Format Format
	// Delimiter separates CSV fields: one ASCII character other than a
	// quote, CR or LF. Zero means ',' (or '\t' for a .tsv file).
	Delimiter rune
	// Whitespace reads CSV whose fields are separated by runs of spaces
	// and tabs; spaces at the start and end of a line are ignored.
	Whitespace bool
	// NoHeader says the CSV file has no header line.
	NoHeader bool
	// ColumnNames names the columns of a CSV file without a header
	// (default col1, col2, ...). With a header it renames the header's
	// columns and must have as many names.
	ColumnNames []string
	// Types gives explicit column types (canonical types, see
	// workflow.ParseType); other columns are inferred (CSV, JSON Lines) or
	// taken from the file (Parquet, Arrow, where only the conversions
	// int to float and any type to itself are allowed).
	Types map[string]arrow.DataType
	// InferRows is the number of rows sampled to infer CSV and JSON Lines
	// types (default DefaultInferRows): half from the start of the file,
	// half from evenly spaced places across the rest.
	InferRows int
	// TimestampFormats are extra Go time layouts for timestamp and date
	// values, tried before the built-in forms (so they settle ambiguous
	// day-first dates). Built in: RFC 3339 and its variants
	// "2006-01-02T15:04:05[.frac][Z|±07:00]" with T or a space and
	// optional seconds, "2006-01-02" (midnight), "1/2/2006 15:04:05",
	// "1/2/2006 15:04" (month first, zero padding optional), and
	// "20060102" when the column is typed date or timestamp explicitly.
	TimestampFormats []string
	// NullValues are the field values read as null; nil means
	// DefaultNullValues. In CSV a quoted field is never null in a string
	// column (so "" is the empty string and "NA" the text NA).
	NullValues []string
	// BatchRows caps the rows in one record batch (default
	// DefaultBatchRows).
	BatchRows int
	// Note, when set, receives remarks about lossy conversions made while
	// reading (for example a Parquet decimal column read as float).
	Note func(msg string)
}

func (o ReadOptions) inferRows() int {
	if o.InferRows > 0 {
		return o.InferRows
	}
	return DefaultInferRows
}

func (o ReadOptions) batchRows() int {
	if o.BatchRows > 0 {
		return o.BatchRows
	}
	return DefaultBatchRows
}

func (o ReadOptions) nullValues() []string {
	if o.NullValues != nil {
		return o.NullValues
	}
	return DefaultNullValues
}

func (o ReadOptions) note(format string, args ...any) {
	if o.Note != nil {
		o.Note(fmt.Sprintf(format, args...))
	}
}

// delimiter returns the CSV delimiter for path.
func (o ReadOptions) delimiter(path string) (byte, error) {
	return delimiterFor(o.Delimiter, path)
}

func delimiterFor(r rune, path string) (byte, error) {
	if r == 0 {
		if isTSVPath(path) {
			return '\t', nil
		}
		return ',', nil
	}
	if r >= 0x80 || r == '"' || r == '\n' || r == '\r' {
		return 0, fmt.Errorf("invalid delimiter %q: must be one ASCII character other than a quote, CR or LF", r)
	}
	return byte(r), nil
}

// WriteOptions configures Write.
type WriteOptions struct {
	// Format is the file format; empty means Detect from the path.
	Format Format
	// Delimiter separates CSV fields (default ',', or '\t' for .tsv).
	Delimiter rune
	// Compression is the Parquet codec: snappy (default), zstd, gzip or
	// none; for Arrow IPC files: none (default), lz4 or zstd.
	Compression string
	// Gzip compresses CSV and JSON Lines output. It is implied when the
	// path ends in .gz; set it when writing a .gz file under another name
	// (for example a temporary file renamed afterwards).
	Gzip bool
}

// nullSet tests field values against the null markers.
type nullSet struct {
	values [][]byte
	empty  bool // "" is a null marker
	maxLen int
}

func newNullSet(vals []string) *nullSet {
	n := &nullSet{}
	for _, v := range vals {
		if v == "" {
			n.empty = true
			continue
		}
		n.values = append(n.values, []byte(v))
		n.maxLen = max(n.maxLen, len(v))
	}
	return n
}

func (n *nullSet) has(b []byte) bool {
	if len(b) == 0 {
		return n.empty
	}
	if len(b) > n.maxLen {
		return false
	}
	for _, v := range n.values {
		if string(v) == string(b) {
			return true
		}
	}
	return false
}

func (n *nullSet) hasString(s string) bool {
	if s == "" {
		return n.empty
	}
	for _, v := range n.values {
		if string(v) == s {
			return true
		}
	}
	return false
}
