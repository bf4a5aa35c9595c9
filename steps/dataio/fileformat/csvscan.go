package fileformat

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/bits"
)

// Field-level CSV syntax errors. They match encoding/csv's ErrBareQuote and
// ErrQuote cases (the fuzz test holds the two parsers to the same fields).
var (
	errBareQuote = errors.New(`bare " in a field that does not start with a quote (quote the whole field and double the inner quotes)`)
	errQuote     = errors.New(`extraneous " after a quoted field (a quote inside a quoted field must be doubled)`)
	errOpenQuote = errors.New("quoted field not closed before the end of the file")
)

// scanner splits a chunk of CSV into records and fields. Semantics are
// those of encoding/csv without LazyQuotes: records end at LF or CRLF;
// empty lines are skipped; a field starting with a quote runs to the next
// quote not doubled and may hold delimiters and newlines (a CRLF inside it
// reads as LF); a quote anywhere else is an error. In whitespace mode
// fields are separated by runs of spaces and tabs, and spaces at the start
// and end of a line are ignored.
type scanner struct {
	data    []byte
	pos     int
	delim   byte
	ws      bool
	line    int    // newlines consumed so far
	scratch []byte // unescaped quoted field
	err     error
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' }

// startRecord skips empty lines and reports whether a record starts at
// the current position.
func (s *scanner) startRecord() bool {
	d := s.data
	for s.pos < len(d) {
		c := d[s.pos]
		switch {
		case c == '\n':
			s.pos++
			s.line++
		case c == '\r' && (s.pos+1 == len(d) || d[s.pos+1] == '\n'):
			s.pos++
		case s.ws && isBlank(c):
			s.pos++
		default:
			return true
		}
	}
	return false
}

// field returns the next field of the current record, whether it was
// quoted, and whether another field follows in the same record. The field
// may alias the chunk or the scanner's scratch buffer; it is valid until
// the next call. On a syntax error it sets s.err and returns more=false.
func (s *scanner) field() (f []byte, quoted, more bool) {
	d := s.data
	i := s.pos
	if i < len(d) && d[i] == '"' {
		return s.quotedField()
	}
	start := i
	if s.ws {
		for i < len(d) {
			c := d[i]
			if c == ' ' || c == '\t' || c == '\n' || c == '"' {
				break
			}
			i++
		}
	} else {
		i = s.findSpecial(i)
	}
	if i < len(d) && d[i] == '"' {
		s.pos = i
		s.err = errBareQuote
		return nil, false, false
	}
	f = d[start:i]
	return f, false, s.endField(i, &f)
}

// endField moves past the end of a field at i (a delimiter, a newline or
// the end of the data) and reports whether another field follows. It
// drops the CR of a CRLF (and a CR just before the end of the data, as
// encoding/csv does) from *f.
func (s *scanner) endField(i int, f *[]byte) bool {
	d := s.data
	if s.ws {
		j := i
		for j < len(d) && isBlank(d[j]) {
			j++
		}
		if j < len(d) && d[j] == '\r' && (j+1 == len(d) || d[j+1] == '\n') {
			j++
		}
		if j == len(d) {
			s.pos = j
			s.trimCR(f, i)
			return false
		}
		if d[j] == '\n' {
			s.pos = j + 1
			s.line++
			s.trimCR(f, i)
			return false
		}
		s.pos = j
		return true
	}
	if i == len(d) {
		s.pos = i
		s.trimCR(f, i)
		return false
	}
	if d[i] == '\n' {
		s.pos = i + 1
		s.line++
		s.trimCR(f, i)
		return false
	}
	s.pos = i + 1 // delimiter
	return true
}

// trimCR drops a trailing CR from an unquoted field ending at i.
func (s *scanner) trimCR(f *[]byte, i int) {
	if b := *f; len(b) > 0 && b[len(b)-1] == '\r' && i > 0 && s.data[i-1] == '\r' {
		*f = b[:len(b)-1]
	}
}

func (s *scanner) quotedField() (f []byte, quoted, more bool) {
	d := s.data
	i := s.pos + 1
	start := i
	s.scratch = s.scratch[:0]
	copied := false
	for {
		q := bytes.IndexByte(d[i:], '"')
		if q < 0 {
			s.pos = len(d)
			s.err = errOpenQuote
			return nil, true, false
		}
		q += i
		seg := d[i:q]
		if nl := bytes.Count(seg, []byte{'\n'}); nl > 0 {
			s.line += nl
			if !copied && bytes.Contains(seg, []byte("\r\n")) {
				s.scratch = append(s.scratch, d[start:i]...)
				copied = true
			}
		}
		if copied {
			s.scratch = appendCRLFtoLF(s.scratch, seg)
		}
		i = q
		// d[i] is a quote.
		if i+1 < len(d) && d[i+1] == '"' {
			if !copied {
				s.scratch = append(s.scratch, d[start:i]...)
				copied = true
			}
			s.scratch = append(s.scratch, '"')
			i += 2
			continue
		}
		if copied {
			f = s.scratch
		} else {
			f = d[start:i]
		}
		j := i + 1
		if s.ws {
			k := j
			for k < len(d) && isBlank(d[k]) {
				k++
			}
			if k < len(d) && d[k] == '\r' && (k+1 == len(d) || d[k+1] == '\n') {
				k++
			}
			switch {
			case k == len(d):
				s.pos = k
				return f, true, false
			case d[k] == '\n':
				s.pos = k + 1
				s.line++
				return f, true, false
			case k > j:
				s.pos = k
				return f, true, true
			}
			s.pos = j
			s.err = errQuote
			return nil, true, false
		}
		switch {
		case j == len(d) || (d[j] == '\r' && j+1 == len(d)):
			s.pos = len(d)
			return f, true, false
		case d[j] == s.delim:
			s.pos = j + 1
			return f, true, true
		case d[j] == '\n':
			s.pos = j + 1
			s.line++
			return f, true, false
		case d[j] == '\r' && d[j+1] == '\n':
			s.pos = j + 2
			s.line++
			return f, true, false
		}
		s.pos = j
		s.err = errQuote
		return nil, true, false
	}
}

// appendCRLFtoLF appends seg to dst with every CRLF turned into LF.
func appendCRLFtoLF(dst, seg []byte) []byte {
	for {
		k := bytes.Index(seg, []byte("\r\n"))
		if k < 0 {
			return append(dst, seg...)
		}
		dst = append(dst, seg[:k]...)
		dst = append(dst, '\n')
		seg = seg[k+2:]
	}
}

const (
	swarOnes = 0x0101010101010101
	swarHigh = 0x8080808080808080
	swarNL   = '\n' * swarOnes
	swarQ    = '"' * swarOnes
)

// findSpecial returns the index of the first delimiter, LF or quote at or
// after i, or len(s.data). It tests eight bytes at a time (SWAR): for each
// target byte t, (x-0x01..) & ^x & 0x80.. with x = w ^ t*0x01.. flags the
// bytes equal to t; the lowest flagged byte is always a true match.
func (s *scanner) findSpecial(i int) int {
	d := s.data
	dm := uint64(s.delim) * swarOnes
	for ; i+8 <= len(d); i += 8 {
		w := binary.LittleEndian.Uint64(d[i:])
		x, y, z := w^dm, w^swarNL, w^swarQ
		m := ((x - swarOnes) &^ x) | ((y - swarOnes) &^ y) | ((z - swarOnes) &^ z)
		if m &= swarHigh; m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
	}
	delim := s.delim
	for ; i < len(d); i++ {
		if c := d[i]; c == delim || c == '\n' || c == '"' {
			return i
		}
	}
	return i
}
