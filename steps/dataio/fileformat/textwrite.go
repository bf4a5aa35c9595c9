package fileformat

import (
	"context"
	"io"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// appendFloat appends v in shortest round-trip form, with ".0" added when
// the text would otherwise read back as an integer.
func appendFloat(b []byte, v float64) []byte {
	start := len(b)
	b = strconv.AppendFloat(b, v, 'g', -1, 64)
	for _, c := range b[start:] {
		if c != '-' && (c < '0' || c > '9') {
			return b
		}
	}
	return append(b, '.', '0')
}

// civilFromDays returns the proleptic Gregorian date of a day count since
// 1970-01-01 (H. Hinnant's algorithm).
func civilFromDays(z int64) (y, m, d int) {
	z += 719468
	era := z
	if era < 0 {
		era -= 146096
	}
	era /= 146097
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = int(doy - (153*mp+2)/5 + 1)
	m = int(mp + 3)
	if m > 12 {
		m -= 12
	}
	y = int(yoe + era*400)
	if m <= 2 {
		y++
	}
	return y, m, d
}

func append2(b []byte, v int) []byte { return append(b, byte('0'+v/10), byte('0'+v%10)) }

// appendDate appends YYYY-MM-DD.
func appendDate(b []byte, days int64) []byte {
	y, m, d := civilFromDays(days)
	if y < 0 || y > 9999 {
		return time.Unix(days*86400, 0).UTC().AppendFormat(b, "2006-01-02")
	}
	b = append2(b, y/100)
	b = append2(b, y%100)
	b = append(b, '-')
	b = append2(b, m)
	b = append(b, '-')
	return append2(b, d)
}

// appendTimestamp appends microseconds since the epoch in RFC 3339 UTC,
// with the fraction only when it is not zero (trailing zeros dropped).
func appendTimestamp(b []byte, us int64) []byte {
	days := floorDiv(us, usPerDay)
	rem := us - days*usPerDay
	y, _, _ := civilFromDays(days)
	if y < 0 || y > 9999 {
		return time.UnixMicro(us).UTC().AppendFormat(b, time.RFC3339Nano)
	}
	b = appendDate(b, days)
	secs := int(rem / usPerSecond)
	frac := int(rem % usPerSecond)
	b = append(b, 'T')
	b = append2(b, secs/3600)
	b = append(b, ':')
	b = append2(b, secs/60%60)
	b = append(b, ':')
	b = append2(b, secs%60)
	if frac != 0 {
		b = append(b, '.')
		digits := 6
		for frac%10 == 0 {
			frac /= 10
			digits--
		}
		var tmp [6]byte
		for i := digits - 1; i >= 0; i-- {
			tmp[i] = byte('0' + frac%10)
			frac /= 10
		}
		b = append(b, tmp[:digits]...)
	}
	return append(b, 'Z')
}

// csvNulls are the texts a CSV string field is quoted for because a reader
// would take them as null.
var csvNulls = newNullSet(DefaultNullValues)

// appendCSVString appends s as a CSV field, quoted when needed.
func appendCSVString(b []byte, s string, delim byte) []byte {
	need := s == "" || s[0] == ' ' || s[0] == '\t' || s[len(s)-1] == ' ' || s[len(s)-1] == '\t' || csvNulls.hasString(s)
	if !need {
		for i := 0; i < len(s); i++ {
			if c := s[i]; c == delim || c == '"' || c == '\n' || c == '\r' {
				need = true
				break
			}
		}
	}
	if !need {
		return append(b, s...)
	}
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, s[i])
	}
	return append(b, '"')
}

// cellWriter appends the text of one non-null cell.
type cellWriter func(b []byte, i int) []byte

// cellWriters returns, for each column of rec, how to append a value as
// text: CSV fields when json is false, JSON values otherwise.
func cellWriters(rec arrow.RecordBatch, delim byte, json bool) []cellWriter {
	ws := make([]cellWriter, rec.NumCols())
	for c, col := range rec.Columns() {
		switch a := col.(type) {
		case *array.Int64:
			ws[c] = func(b []byte, i int) []byte { return strconv.AppendInt(b, a.Value(i), 10) }
		case *array.Float64:
			ws[c] = func(b []byte, i int) []byte {
				v := a.Value(i)
				if json && (math.IsNaN(v) || math.IsInf(v, 0)) {
					return append(b, "null"...)
				}
				return appendFloat(b, v)
			}
		case *array.Boolean:
			ws[c] = func(b []byte, i int) []byte { return strconv.AppendBool(b, a.Value(i)) }
		case *array.Date32:
			ws[c] = func(b []byte, i int) []byte {
				if json {
					return append(appendDate(append(b, '"'), int64(a.Value(i))), '"')
				}
				return appendDate(b, int64(a.Value(i)))
			}
		case *array.Timestamp:
			unit := a.DataType().(*arrow.TimestampType).Unit
			ws[c] = func(b []byte, i int) []byte {
				us, _ := toMicros(int64(a.Value(i)), unit)
				if json {
					return append(appendTimestamp(append(b, '"'), us), '"')
				}
				return appendTimestamp(b, us)
			}
		case *array.String:
			ws[c] = func(b []byte, i int) []byte {
				if json {
					return appendJSONString(b, a.Value(i))
				}
				return appendCSVString(b, a.Value(i), delim)
			}
		default:
			ws[c] = func(b []byte, i int) []byte {
				if json {
					return appendJSONString(b, col.ValueStr(i))
				}
				return appendCSVString(b, col.ValueStr(i), delim)
			}
		}
	}
	return ws
}

// writeCSV writes a header line and one line per row.
func writeCSV(ctx context.Context, w io.Writer, schema *arrow.Schema, delim byte, scan func(fn func(arrow.RecordBatch) error) error) (int64, error) {
	var b []byte
	for i, f := range schema.Fields() {
		if i > 0 {
			b = append(b, delim)
		}
		b = appendCSVString(b, f.Name, delim)
	}
	b = append(b, '\n')
	if _, err := w.Write(b); err != nil {
		return 0, err
	}
	var rows int64
	err := scan(func(rec arrow.RecordBatch) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		rec, err := conform(schema, rec)
		if err != nil {
			return err
		}
		defer rec.Release()
		ws := cellWriters(rec, delim, false)
		cols := rec.Columns()
		n := int(rec.NumRows())
		const flushAt = 1 << 20
		b = b[:0]
		for i := range n {
			for c, col := range cols {
				if c > 0 {
					b = append(b, delim)
				}
				if col.IsValid(i) {
					b = ws[c](b, i)
				}
			}
			b = append(b, '\n')
			if len(b) >= flushAt {
				if _, err := w.Write(b); err != nil {
					return err
				}
				b = b[:0]
			}
		}
		rows += int64(n)
		_, err = w.Write(b)
		return err
	})
	return rows, err
}

// writeJSONL writes one JSON object per row.
func writeJSONL(ctx context.Context, w io.Writer, schema *arrow.Schema, scan func(fn func(arrow.RecordBatch) error) error) (int64, error) {
	keys := make([][]byte, schema.NumFields())
	for i, f := range schema.Fields() {
		var k []byte
		if i == 0 {
			k = append(k, '{')
		} else {
			k = append(k, ',')
		}
		k = appendJSONString(k, f.Name)
		keys[i] = append(k, ':')
	}
	var rows int64
	var b []byte
	err := scan(func(rec arrow.RecordBatch) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		rec, err := conform(schema, rec)
		if err != nil {
			return err
		}
		defer rec.Release()
		ws := cellWriters(rec, 0, true)
		cols := rec.Columns()
		n := int(rec.NumRows())
		b = b[:0]
		for i := range n {
			if len(cols) == 0 {
				b = append(b, '{')
			}
			for c, col := range cols {
				b = append(b, keys[c]...)
				if col.IsValid(i) {
					b = ws[c](b, i)
				} else {
					b = append(b, "null"...)
				}
			}
			b = append(b, '}', '\n')
			if len(b) >= 1<<20 {
				if _, err := w.Write(b); err != nil {
					return err
				}
				b = b[:0]
			}
		}
		rows += int64(n)
		_, err = w.Write(b)
		return err
	})
	return rows, err
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string; invalid UTF-8 becomes
// U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
