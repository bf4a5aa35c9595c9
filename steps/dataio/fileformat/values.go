package fileformat

import (
	"math"
	"strconv"
	"time"
	"unsafe"
)

// bytesString views b as a string without copying. The string must not
// outlive b or be retained after b changes.
func bytesString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// trimSpace drops ASCII spaces and tabs around b.
func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// parseInt parses an optionally signed decimal integer that fits in an
// int64.
func parseInt(b []byte) (int64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	neg := false
	i := 0
	if b[0] == '-' || b[0] == '+' {
		neg = b[0] == '-'
		i = 1
		if len(b) == 1 {
			return 0, false
		}
	}
	if len(b)-i <= 18 { // cannot overflow
		var n int64
		for ; i < len(b); i++ {
			d := b[i] - '0'
			if d > 9 {
				return 0, false
			}
			n = n*10 + int64(d)
		}
		if neg {
			n = -n
		}
		return n, true
	}
	var n uint64
	for ; i < len(b); i++ {
		d := b[i] - '0'
		if d > 9 {
			return 0, false
		}
		if n > (math.MaxUint64-9)/10 {
			return 0, false
		}
		n = n*10 + uint64(d)
	}
	if neg {
		if n > 1<<63 {
			return 0, false
		}
		return -int64(n), true
	}
	if n > math.MaxInt64 {
		return 0, false
	}
	return int64(n), true
}

// pow10 holds the powers of ten that are exact in a float64.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// parseFloat parses a decimal or special (NaN, Inf) floating-point value.
// Plain decimals with at most 15 significant digits take an exact fast
// path (Clinger: an exact mantissa divided by an exact power of ten is
// correctly rounded); everything else goes through strconv.ParseFloat,
// so the result is always the correctly rounded float64.
func parseFloat(b []byte) (float64, bool) {
	if f, ok := fastFloat(b); ok {
		return f, true
	}
	if len(b) == 0 {
		return 0, false
	}
	// strconv accepts Go syntax such as underscores and hex floats with a
	// base prefix; keep to decimal text.
	for _, c := range b {
		if c == '_' || c == 'x' || c == 'X' {
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(bytesString(b), 64)
	if err != nil {
		return 0, false
	}
	return f, true
}

func fastFloat(b []byte) (float64, bool) {
	i := 0
	neg := false
	if len(b) > 0 && (b[0] == '-' || b[0] == '+') {
		neg = b[0] == '-'
		i = 1
	}
	var mant uint64
	digits, frac := 0, 0
	sawDot := false
	start := i
	for ; i < len(b); i++ {
		c := b[i]
		if c == '.' {
			if sawDot {
				return 0, false
			}
			sawDot = true
			continue
		}
		d := c - '0'
		if d > 9 {
			return 0, false
		}
		if mant != 0 || d != 0 {
			digits++
		}
		mant = mant*10 + uint64(d)
		if sawDot {
			frac++
		}
		if digits > 15 {
			return 0, false
		}
	}
	n := i - start
	if n == 0 || (sawDot && n == 1) || frac > 22 {
		return 0, false
	}
	f := float64(mant)
	if frac > 0 {
		f /= pow10[frac]
	}
	if neg {
		f = -f
	}
	return f, true
}

// parseBool parses true/false in any letter case; loose also accepts
// 1/0, t/f, yes/no and y/n (used when a column is explicitly typed bool).
func parseBool(b []byte, loose bool) (bool, bool) {
	switch len(b) {
	case 4:
		if (b[0]|0x20) == 't' && (b[1]|0x20) == 'r' && (b[2]|0x20) == 'u' && (b[3]|0x20) == 'e' {
			return true, true
		}
	case 5:
		if (b[0]|0x20) == 'f' && (b[1]|0x20) == 'a' && (b[2]|0x20) == 'l' && (b[3]|0x20) == 's' && (b[4]|0x20) == 'e' {
			return false, true
		}
	}
	if !loose {
		return false, false
	}
	switch len(b) {
	case 1:
		switch b[0] {
		case '1', 't', 'T', 'y', 'Y':
			return true, true
		case '0', 'f', 'F', 'n', 'N':
			return false, true
		}
	case 2:
		if (b[0]|0x20) == 'n' && (b[1]|0x20) == 'o' {
			return false, true
		}
	case 3:
		if (b[0]|0x20) == 'y' && (b[1]|0x20) == 'e' && (b[2]|0x20) == 's' {
			return true, true
		}
	}
	return false, false
}

// daysFromCivil returns the number of days from 1970-01-01 to the given
// proleptic Gregorian date (H. Hinnant's algorithm).
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y
	if era < 0 {
		era -= 399
	}
	era /= 400
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

func digits2(b []byte, i int) (int, bool) {
	d0, d1 := b[i]-'0', b[i+1]-'0'
	if d0 > 9 || d1 > 9 {
		return 0, false
	}
	return int(d0)*10 + int(d1), true
}

func digits4(b []byte, i int) (int, bool) {
	hi, ok1 := digits2(b, i)
	lo, ok2 := digits2(b, i+2)
	return hi*100 + lo, ok1 && ok2
}

// isoDate parses YYYY-MM-DD at the start of b.
func isoDate(b []byte) (int64, bool) {
	if len(b) < 10 || b[4] != '-' || b[7] != '-' {
		return 0, false
	}
	y, ok1 := digits4(b, 0)
	m, ok2 := digits2(b, 5)
	d, ok3 := digits2(b, 8)
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return 0, false
	}
	return daysFromCivil(y, m, d), true
}

// compactDate parses YYYYMMDD.
func compactDate(b []byte) (int64, bool) {
	if len(b) != 8 {
		return 0, false
	}
	y, ok1 := digits4(b, 0)
	m, ok2 := digits2(b, 4)
	d, ok3 := digits2(b, 6)
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return 0, false
	}
	return daysFromCivil(y, m, d), true
}

const (
	usPerSecond = int64(1_000_000)
	usPerDay    = 86_400 * usPerSecond
)

// isoTimestamp parses YYYY-MM-DD[( |T)HH:MM[:SS[.fraction]]][Z|±HH[:MM]]
// (RFC 3339 and its common variants) into microseconds since the epoch in
// UTC. A value without an offset is taken as UTC; digits beyond the
// microsecond are truncated. dateOnly allows a bare date (midnight).
func isoTimestamp(b []byte, dateOnly bool) (int64, bool) {
	days, ok := isoDate(b)
	if !ok {
		return 0, false
	}
	if len(b) == 10 {
		return days * usPerDay, dateOnly
	}
	if len(b) < 16 || (b[10] != ' ' && b[10] != 'T' && b[10] != 't') || b[13] != ':' {
		return 0, false
	}
	h, ok1 := digits2(b, 11)
	mi, ok2 := digits2(b, 14)
	if !ok1 || !ok2 || h > 23 || mi > 59 {
		return 0, false
	}
	us := days*usPerDay + int64(h*3600+mi*60)*usPerSecond
	i := 16
	if i < len(b) && b[i] == ':' {
		if i+3 > len(b) {
			return 0, false
		}
		s, ok := digits2(b, i+1)
		if !ok || s > 59 {
			return 0, false
		}
		us += int64(s) * usPerSecond
		i += 3
		if i < len(b) && (b[i] == '.' || b[i] == ',') {
			i++
			start := i
			var frac int64
			for ; i < len(b) && b[i]-'0' <= 9; i++ {
				if i-start < 6 {
					frac = frac*10 + int64(b[i]-'0')
				}
			}
			n := i - start
			if n == 0 {
				return 0, false
			}
			for k := n; k < 6; k++ {
				frac *= 10
			}
			us += frac
		}
	}
	if i == len(b) {
		return us, true
	}
	switch b[i] {
	case 'Z', 'z':
		return us, i+1 == len(b)
	case '+', '-':
		sign := int64(1)
		if b[i] == '-' {
			sign = -1
		}
		rest := b[i+1:]
		var oh, om int
		var ok bool
		switch len(rest) {
		case 2:
			oh, ok = digits2(rest, 0)
		case 4:
			oh, ok = digits2(rest, 0)
			if ok {
				om, ok = digits2(rest, 2)
			}
		case 5:
			if rest[2] != ':' {
				return 0, false
			}
			oh, ok = digits2(rest, 0)
			if ok {
				om, ok = digits2(rest, 3)
			}
		}
		if !ok || oh > 23 || om > 59 {
			return 0, false
		}
		return us - sign*int64(oh*3600+om*60)*usPerSecond, true
	}
	return 0, false
}

// builtinLayouts are the timestamp layouts tried after the ISO forms
// handled by isoTimestamp: US month-first dates with times, as spreadsheets
// export them ("12/1/2010 8:26").
var builtinLayouts = []string{"1/2/2006 15:04:05", "1/2/2006 15:04"}

// timeParser parses timestamps and dates with the built-in forms and the
// user's layouts. It remembers which slow layout last matched, so a file in
// one non-ISO format pays for one time.Parse per value.
type timeParser struct {
	layouts []string // user layouts first, then builtinLayouts
	last    int
}

func newTimeParser(user []string) *timeParser {
	l := make([]string, 0, len(user)+len(builtinLayouts))
	l = append(l, user...)
	l = append(l, builtinLayouts...)
	return &timeParser{layouts: l}
}

func (p *timeParser) slow(b []byte) (time.Time, bool) {
	if len(b) == 0 || len(b) > 64 {
		return time.Time{}, false
	}
	s := bytesString(b)
	if t, err := time.Parse(p.layouts[p.last], s); err == nil {
		return t, true
	}
	for i, l := range p.layouts {
		if i == p.last {
			continue
		}
		if t, err := time.Parse(l, s); err == nil {
			p.last = i
			return t, true
		}
	}
	return time.Time{}, false
}

// timestamp parses b as microseconds since the epoch in UTC. The user's
// layouts are tried first (they settle ambiguous forms such as day-first
// dates), then the ISO forms, then the built-in layouts. compact also
// accepts YYYYMMDD.
func (p *timeParser) timestamp(b []byte, compact bool) (int64, bool) {
	if len(p.layouts) == len(builtinLayouts) {
		if us, ok := isoTimestamp(b, true); ok {
			return us, true
		}
	} else {
		for _, l := range p.layouts[:len(p.layouts)-len(builtinLayouts)] {
			if t, err := time.Parse(l, bytesString(b)); err == nil {
				return t.UnixMicro(), true
			}
		}
		if us, ok := isoTimestamp(b, true); ok {
			return us, true
		}
	}
	if compact {
		if d, ok := compactDate(b); ok {
			return d * usPerDay, true
		}
	}
	if t, ok := p.slow(b); ok {
		return t.UnixMicro(), true
	}
	return 0, false
}

// date parses b as days since the epoch: YYYY-MM-DD, YYYYMMDD when compact,
// then the user's layouts (their date part).
func (p *timeParser) date(b []byte, compact bool) (int32, bool) {
	if d, ok := isoDate(b); ok && len(b) == 10 {
		return int32(d), true
	}
	if compact {
		if d, ok := compactDate(b); ok {
			return int32(d), true
		}
	}
	for _, l := range p.layouts[:len(p.layouts)-len(builtinLayouts)] {
		if t, err := time.Parse(l, bytesString(b)); err == nil {
			y, m, d := t.Date()
			return int32(daysFromCivil(y, int(m), d)), true
		}
	}
	return 0, false
}
