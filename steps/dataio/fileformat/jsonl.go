package fileformat

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// JSON Lines: one flat JSON object per line; values are null, booleans,
// numbers or strings (nested objects and arrays are an error naming the
// key). Blank lines are skipped.

type jsonKind uint8

const (
	jNull jsonKind = iota
	jBool
	jNumber
	jString
)

// jsonValue is one scalar value. text is the number's literal or the
// decoded string; it may alias the input or the scanner's scratch buffer.
type jsonValue struct {
	kind jsonKind
	text []byte
	b    bool
}

// jsonScanner reads flat JSON objects from a chunk, one per line.
type jsonScanner struct {
	data    []byte
	pos     int
	line    int // newlines consumed
	scratch []byte
	keyBuf  []byte
}

var errNested = errors.New("nested objects and arrays are not supported (flatten the file first)")

func isJSONSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' }

// nextObject skips blank lines and reports whether an object starts here.
func (s *jsonScanner) nextObject() bool {
	d := s.data
	for s.pos < len(d) {
		c := d[s.pos]
		switch {
		case c == '\n':
			s.line++
			s.pos++
		case isJSONSpace(c):
			s.pos++
		default:
			return true
		}
	}
	return false
}

func (s *jsonScanner) skipSpace() {
	for s.pos < len(s.data) && isJSONSpace(s.data[s.pos]) {
		s.pos++
	}
}

// object parses the object on the current line and calls field for each
// member; key and value are valid during the call only. It consumes the
// line's newline.
func (s *jsonScanner) object(field func(key []byte, v jsonValue) error) error {
	d := s.data
	if d[s.pos] != '{' {
		return fmt.Errorf("expected a JSON object, found %q", clip(d[s.pos:]))
	}
	s.pos++
	s.skipSpace()
	if s.pos < len(d) && d[s.pos] == '}' {
		s.pos++
		return s.endLine()
	}
	for {
		s.skipSpace()
		if s.pos >= len(d) || d[s.pos] != '"' {
			return fmt.Errorf("expected a key in quotes, found %q", clip(d[s.pos:]))
		}
		key, err := s.str(&s.keyBuf)
		if err != nil {
			return err
		}
		s.skipSpace()
		if s.pos >= len(d) || d[s.pos] != ':' {
			return fmt.Errorf("expected ':' after key %q", key)
		}
		s.pos++
		s.skipSpace()
		v, err := s.value()
		if err != nil {
			if err == errNested {
				return fmt.Errorf("key %s: %w", key, err)
			}
			return err
		}
		if err := field(key, v); err != nil {
			return err
		}
		s.skipSpace()
		if s.pos >= len(d) {
			return errors.New("object not closed before the end of the line")
		}
		switch d[s.pos] {
		case ',':
			s.pos++
		case '}':
			s.pos++
			return s.endLine()
		default:
			return fmt.Errorf("expected ',' or '}', found %q", clip(d[s.pos:]))
		}
	}
}

func (s *jsonScanner) endLine() error {
	s.skipSpace()
	if s.pos == len(s.data) {
		return nil
	}
	if s.data[s.pos] != '\n' {
		return fmt.Errorf("unexpected %q after the object (one object per line)", clip(s.data[s.pos:]))
	}
	s.pos++
	s.line++
	return nil
}

// clip returns the start of b up to the end of its line, for messages.
func clip(b []byte) []byte {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	}
	if len(b) > 20 {
		b = b[:20]
	}
	return b
}

func (s *jsonScanner) value() (jsonValue, error) {
	d := s.data
	if s.pos >= len(d) {
		return jsonValue{}, errors.New("missing value")
	}
	switch c := d[s.pos]; {
	case c == '"':
		t, err := s.str(&s.scratch)
		return jsonValue{kind: jString, text: t}, err
	case c == '{' || c == '[':
		return jsonValue{}, errNested
	case c == 't' && bytes.HasPrefix(d[s.pos:], []byte("true")):
		s.pos += 4
		return jsonValue{kind: jBool, b: true}, nil
	case c == 'f' && bytes.HasPrefix(d[s.pos:], []byte("false")):
		s.pos += 5
		return jsonValue{kind: jBool}, nil
	case c == 'n' && bytes.HasPrefix(d[s.pos:], []byte("null")):
		s.pos += 4
		return jsonValue{kind: jNull}, nil
	case c == '-' || (c >= '0' && c <= '9'):
		start := s.pos
		for s.pos < len(d) {
			c := d[s.pos]
			if (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E' {
				s.pos++
				continue
			}
			break
		}
		t := d[start:s.pos]
		if _, ok := parseFloat(t); !ok {
			return jsonValue{}, fmt.Errorf("invalid number %q", t)
		}
		return jsonValue{kind: jNumber, text: t}, nil
	}
	return jsonValue{}, fmt.Errorf("invalid value %q", clip(d[s.pos:]))
}

// str parses the string at s.pos (a quote). A string with escapes is
// decoded into *buf.
func (s *jsonScanner) str(buf *[]byte) ([]byte, error) {
	d := s.data
	start := s.pos + 1
	i := start
	for i < len(d) {
		c := d[i]
		if c == '"' {
			s.pos = i + 1
			return d[start:i], nil
		}
		if c == '\\' {
			break
		}
		if c == '\n' {
			return nil, errors.New("string not closed before the end of the line")
		}
		i++
	}
	// Slow path with escapes.
	out := append((*buf)[:0], d[start:i]...)
	defer func() { *buf = out }()
	for i < len(d) {
		c := d[i]
		switch {
		case c == '"':
			s.pos = i + 1
			return out, nil
		case c == '\n':
			return nil, errors.New("string not closed before the end of the line")
		case c != '\\':
			out = append(out, c)
			i++
			continue
		}
		if i+1 >= len(d) {
			break
		}
		e := d[i+1]
		i += 2
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, n := hex4(d[i:])
			if n == 0 {
				return nil, errors.New(`invalid \u escape`)
			}
			i += n
			if utf16.IsSurrogate(r) {
				r2, n2 := rune(-1), 0
				if i+1 < len(d) && d[i] == '\\' && d[i+1] == 'u' {
					r2, n2 = hex4(d[i+2:])
				}
				if dec := utf16.DecodeRune(r, r2); n2 > 0 && dec != utf8.RuneError {
					r = dec
					i += 2 + n2
				} else {
					r = utf8.RuneError
				}
			}
			out = utf8.AppendRune(out, r)
		default:
			return nil, fmt.Errorf(`invalid escape \%c`, e)
		}
	}
	return nil, errors.New("string not closed before the end of the line")
}

func hex4(b []byte) (rune, int) {
	if len(b) < 4 {
		return 0, 0
	}
	v, err := strconv.ParseUint(string(b[:4]), 16, 32)
	if err != nil {
		return 0, 0
	}
	return rune(v), 4
}

// jsonInfer tracks the values seen for one key.
type jsonInfer struct {
	ints, floats, bools, strs int
	mask                      uint8 // date/timestamp candidates of the strings
}

// readSchemaJSONL infers the schema from a sample of lines spread over the
// file. Columns are in order of first appearance in the sample. Numbers
// that are all integers give int, other numbers float, booleans bool,
// strings date, timestamp or string (as in CSV), and mixed kinds string.
func readSchemaJSONL(path string, o ReadOptions) (*arrow.Schema, error) {
	t, err := openText(path)
	if err != nil {
		return nil, err
	}
	defer t.Close()
	ck := newChunker(t, false, 1)
	var names []string
	index := map[string]int{}
	var stats []jsonInfer
	tp := newTimeParser(o.TimestampFormats)
	err = sampleText(t, ck, o.inferRows(), func(data []byte, trusted bool, line int, maxRows int) error {
		s := jsonScanner{data: data}
		for n := 0; (maxRows <= 0 || n < maxRows) && s.nextObject(); n++ {
			recLine := 1 + line + s.line
			err := s.object(func(key []byte, v jsonValue) error {
				i, ok := index[string(key)]
				if !ok {
					i = len(names)
					names = append(names, string(key))
					index[string(key)] = i
					stats = append(stats, jsonInfer{mask: bDate | bTimestamp})
				}
				st := &stats[i]
				switch v.kind {
				case jNumber:
					if _, ok := parseInt(v.text); ok {
						st.ints++
					} else {
						st.floats++
					}
				case jBool:
					st.bools++
				case jString:
					st.strs++
					st.mask = textCandidates(st.mask, v.text, tp)
				}
				return nil
			})
			if err != nil {
				if trusted {
					return &ParseError{Path: path, Line: recLine, Err: err}
				}
				return nil
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	explicit, err := explicitKinds(path, names, o.Types)
	if err != nil {
		return nil, err
	}
	fields := make([]arrow.Field, len(names))
	for i, n := range names {
		k, ok := explicit[i]
		if !ok {
			k = stats[i].kind()
		}
		fields[i] = arrow.Field{Name: n, Type: k.dataType(), Nullable: true}
	}
	return arrow.NewSchema(fields, nil), nil
}

func (st jsonInfer) kind() kind {
	numbers := st.ints + st.floats
	switch {
	case numbers > 0 && st.bools == 0 && st.strs == 0:
		if st.floats == 0 {
			return kInt
		}
		return kFloat
	case st.bools > 0 && numbers == 0 && st.strs == 0:
		return kBool
	case st.strs > 0 && numbers == 0 && st.bools == 0:
		return kindFromMask(st.mask &^ (bInt | bFloat | bBool))
	}
	return kString
}

// scanJSONL reads the schema's columns from a JSON Lines file; keys not in
// the schema are ignored and missing keys read as null.
func scanJSONL(ctx context.Context, path string, schema *arrow.Schema, o ReadOptions, mem memory.Allocator, fn func(arrow.RecordBatch) error) error {
	t, err := openText(path)
	if err != nil {
		return err
	}
	defer t.Close()
	p, err := newTextParser(path, nil, schema, o, mem)
	if err != nil {
		return err
	}
	index := make(map[string]int, schema.NumFields())
	for i, f := range schema.Fields() {
		index[f.Name] = i
	}
	ck := t.chunks(false, o.batchRows())
	defer ck.release()
	return runChunks(ctx, ck, func(data []byte, rows int) (arrow.RecordBatch, int, error) {
		return p.parseJSONL(index, data, rows)
	}, path, 1, fn)
}

func (p *textParser) parseJSONL(index map[string]int, data []byte, rows int) (arrow.RecordBatch, int, error) {
	cols := p.newColumns(rows, len(data))
	seen := make([]int, len(cols)) // row number + 1 of the last value
	s := jsonScanner{data: data}
	n := 0
	var numBuf []byte
	for s.nextObject() {
		recLine := s.line
		row := n + 1
		err := s.object(func(key []byte, v jsonValue) error {
			oc, ok := index[string(key)]
			if !ok {
				return nil
			}
			if seen[oc] == row {
				return fmt.Errorf("key %s appears twice", key)
			}
			seen[oc] = row
			c := &cols[oc]
			if v.kind == jNull {
				c.b.appendNull()
				return nil
			}
			var err error
			switch k := c.b.kind; {
			case k == kString && v.kind == jBool:
				numBuf = strconv.AppendBool(numBuf[:0], v.b)
				err = c.b.appendString(numBuf)
			case k == kString:
				err = c.b.appendString(v.text)
			case k == kBool && v.kind == jBool:
				c.b.appendBool(v.b)
			case (k == kInt || k == kFloat) && v.kind == jNumber,
				(k == kDate || k == kTimestamp) && v.kind == jString:
				err = p.appendValue(c, oc, v.text)
			default:
				err = fmt.Errorf("unexpected %s: the column is %s (set types: {%s: string} to read it as text)", jsonKindName(v), kindName(k), p.names[oc])
			}
			if err != nil {
				return &ParseError{Line: recLine, Column: p.names[oc], Err: err}
			}
			return nil
		})
		if err != nil {
			releaseColumns(cols)
			var pe *ParseError
			if errors.As(err, &pe) {
				return nil, 0, err
			}
			return nil, 0, &ParseError{Line: recLine, Err: err}
		}
		for i := range cols {
			if seen[i] != row {
				cols[i].b.appendNull()
			}
		}
		n++
	}
	return p.finish(cols, n), s.line, nil
}

func jsonKindName(v jsonValue) string {
	switch v.kind {
	case jBool:
		return strconv.FormatBool(v.b)
	case jNumber:
		return "number " + string(v.text)
	case jString:
		return strconv.Quote(string(v.text))
	}
	return "null"
}

func kindName(k kind) string {
	return [...]string{kInt: "int", kFloat: "float", kBool: "bool", kDate: "date", kTimestamp: "timestamp", kString: "string"}[k]
}
