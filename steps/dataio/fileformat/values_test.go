package fileformat

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"
)

// The number and time parsers are checked against the standard library
// (strconv, time) as the reference.

func TestParseIntMatchesStrconv(t *testing.T) {
	ins := []string{"0", "-0", "+7", "42", "-17850", "9223372036854775807", "-9223372036854775808",
		"9223372036854775808", "-9223372036854775809", "99999999999999999999", "123456789012345678",
		"", "-", "+", "1.0", "1e3", " 1", "0x10", "１"}
	for _, in := range ins {
		got, ok := parseInt([]byte(in))
		want, err := strconv.ParseInt(in, 10, 64)
		if ok != (err == nil) || (ok && got != want) {
			t.Errorf("parseInt(%q) = %d, %v; strconv gives %d, %v", in, got, ok, want, err)
		}
	}
}

func TestParseFloatMatchesStrconv(t *testing.T) {
	ins := []string{"0", "2.55", "17850.0", "-0.0", ".5", "5.", "1e-7", "1E+300", "NaN", "inf", "-Infinity",
		"0.1", "123456789012345.6", "1234567890123456.7", "0.000000000000000000000001", "9007199254740993",
		"", ".", "-", "1..2", "1_000", "0x1p-2", "abc"}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		digits := r.IntN(18) + 1
		v := r.Int64N(int64(math.Pow10(min(digits, 18))))
		s := strconv.FormatInt(v, 10)
		if p := r.IntN(len(s) + 1); p < len(s) {
			s = s[:p] + "." + s[p:]
		}
		if r.IntN(2) == 0 {
			s = "-" + s
		}
		ins = append(ins, s)
	}
	for _, in := range ins {
		got, ok := parseFloat([]byte(in))
		want, err := strconv.ParseFloat(in, 64)
		if in == "1_000" || in == "0x1p-2" {
			err = strconv.ErrSyntax // Go syntax we do not accept in data
		}
		if ok != (err == nil) || (ok && math.Float64bits(got) != math.Float64bits(want) && !(math.IsNaN(got) && math.IsNaN(want))) {
			t.Errorf("parseFloat(%q) = %v, %v; strconv gives %v, %v", in, got, ok, want, err)
		}
	}
}

func TestTimestampsMatchTimePackage(t *testing.T) {
	tests := []struct {
		in, layout string
	}{
		{"2010-12-01 08:26:00", "2006-01-02 15:04:05"},
		{"2011-12-09T12:50:00", "2006-01-02T15:04:05"},
		{"2011-12-09T12:50:00Z", time.RFC3339},
		{"2011-12-09T12:50:00.123456789Z", time.RFC3339Nano},
		{"2011-12-09T12:50:00.5+05:30", time.RFC3339Nano},
		{"1969-12-31T23:59:59.999999-08:00", time.RFC3339Nano},
		{"2000-02-29 00:00", "2006-01-02 15:04"},
		{"2024-01-02", "2006-01-02"},
		{"12/1/2010 8:26", "1/2/2006 15:04"},
		{"01/31/2011 17:05:09", "1/2/2006 15:04:05"},
	}
	tp := newTimeParser(nil)
	for _, tt := range tests {
		want, err := time.Parse(tt.layout, tt.in)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := tp.timestamp([]byte(tt.in), false)
		// The reference truncates to microseconds like we do.
		if !ok || got != want.Truncate(time.Microsecond).UnixMicro() {
			t.Errorf("timestamp(%q) = %d, %v; want %d", tt.in, got, ok, want.UnixMicro())
		}
	}
	for _, bad := range []string{"2011-02-29", "2011-13-01 00:00:00", "2011-12-09 24:00:00", "2011-12-09 12:60", "20111209", "2011-12-09 12:50:00 junk", "x"} {
		if _, ok := tp.timestamp([]byte(bad), false); ok {
			t.Errorf("timestamp(%q) accepted", bad)
		}
	}
	if us, ok := tp.timestamp([]byte("19970101"), true); !ok || us != time.Date(1997, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro() {
		t.Errorf("compact date as timestamp: %d %v", us, ok)
	}
	eu := newTimeParser([]string{"02/01/2006 15:04"})
	if us, ok := eu.timestamp([]byte("12/01/2010 08:26"), false); !ok || us != time.Date(2010, 1, 12, 8, 26, 0, 0, time.UTC).UnixMicro() {
		t.Errorf("user layout should win over the built-in month-first form: %d %v", us, ok)
	}
}

func TestCivilDaysAgainstTimePackage(t *testing.T) {
	for d := int64(-800_000); d <= 800_000; d += 37 {
		tm := time.Unix(d*86400, 0).UTC()
		y, m, dd := civilFromDays(d)
		if y != tm.Year() || m != int(tm.Month()) || dd != tm.Day() {
			t.Fatalf("civilFromDays(%d) = %d-%d-%d, want %s", d, y, m, dd, tm.Format("2006-01-02"))
		}
		if back := daysFromCivil(y, m, dd); back != d {
			t.Fatalf("daysFromCivil(%d-%d-%d) = %d, want %d", y, m, dd, back, d)
		}
	}
}

func TestAppendTimestampMatchesRFC3339(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 5000 {
		us := r.Int64N(400*365*usPerDay) - 200*365*usPerDay
		if r.IntN(3) == 0 {
			us -= us % usPerSecond
		}
		want := time.UnixMicro(us).UTC().Format(time.RFC3339Nano)
		if got := string(appendTimestamp(nil, us)); got != want {
			t.Fatalf("appendTimestamp(%d) = %s, want %s", us, got, want)
		}
		back, ok := isoTimestamp([]byte(want), false)
		if !ok || back != us {
			t.Fatalf("isoTimestamp(%s) = %d, want %d", want, back, us)
		}
	}
}

func TestAppendFloat(t *testing.T) {
	for in, want := range map[float64]string{17850: "17850.0", 2.55: "2.55", -3: "-3.0", 1e21: "1e+21", 0: "0.0",
		math.NaN(): "NaN", math.Inf(1): "+Inf", math.Inf(-1): "-Inf", 1e-7: "1e-07"} {
		if got := string(appendFloat(nil, in)); got != want {
			t.Errorf("appendFloat(%v) = %s, want %s", in, got, want)
		}
	}
}
