package colexpr

import (
	"math"
	"time"
)

const (
	secondsPerDay = 86_400
	usPerDay      = 86_400_000_000
	usPerHour     = 3_600_000_000
	usPerWeek     = 7 * usPerDay
)

// truncUnits are the units date_trunc accepts.
var truncUnits = []string{"day", "week", "month", "quarter", "year"}

// civil converts days since 1970-01-01 to a proleptic Gregorian date
// (Howard Hinnant's civil_from_days, valid for every int64 day count
// whose year fits in an int64).
func civil(z int64) (y int64, m, d int) {
	z += 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = int(doy - (153*mp+2)/5 + 1)
	if mp < 10 {
		m = int(mp + 3)
	} else {
		m = int(mp - 9)
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}

// daysFromCivil is the inverse of civil.
func daysFromCivil(y int64, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := floorDiv(y, 400)
	yoe := y - era*400
	mm := int64(m)
	if m > 2 {
		mm -= 3
	} else {
		mm += 9
	}
	doy := (153*mm+2)/5 + int64(d) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// weekdayOf returns the day of the week of a day count, 0 for Sunday
// (1970-01-01 was a Thursday).
func weekdayOf(days int64) int64 {
	w := (days + 4) % 7
	if w < 0 {
		w += 7
	}
	return w
}

// truncDays truncates a day count to the start of its unit. Weeks start
// on Monday (ISO 8601), as in SQL's date_trunc.
func truncDays(unit string, days int64) int64 {
	switch unit {
	case "week":
		return days - (weekdayOf(days)+6)%7
	case "month":
		y, m, _ := civil(days)
		return daysFromCivil(y, m, 1)
	case "quarter":
		y, m, _ := civil(days)
		return daysFromCivil(y, (m-1)/3*3+1, 1)
	case "year":
		y, _, _ := civil(days)
		return daysFromCivil(y, 1, 1)
	}
	return days
}

// truncTime is truncDays for a time.Time, written with the time package
// so that it is an independent implementation for expr's VM.
func truncTime(unit string, t time.Time) time.Time {
	t = t.UTC()
	y, m, d := t.Date()
	switch unit {
	case "week":
		day := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
		return day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
	case "month":
		return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
	case "quarter":
		return time.Date(y, (m-1)/3*3+1, 1, 0, 0, 0, 0, time.UTC)
	case "year":
		return time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// usToDur converts a difference of microseconds to a duration, saturating
// like time.Time.Sub.
func usToDur(d int64) int64 {
	switch {
	case d > math.MaxInt64/1000:
		return math.MaxInt64
	case d < math.MinInt64/1000:
		return math.MinInt64
	}
	return d * 1000
}

// normTime returns t in UTC truncated to the microsecond, the precision
// of aftercare's timestamps.
func normTime(t time.Time) time.Time {
	return time.UnixMicro(t.UnixMicro()).UTC()
}

// timeKind returns kDate for a time at midnight UTC and kTime otherwise.
func timeKind(t time.Time) kind {
	if t.UnixMicro()%usPerDay == 0 {
		return kDate
	}
	return kTime
}

// parseDate parses an ISO date (2006-01-02) as midnight UTC.
func parseDate(s string) (time.Time, bool) {
	t, err := time.Parse(time.DateOnly, s)
	return t, err == nil
}

// roundDigits rounds x half away from zero to the given number of decimal
// digits (negative digits round to tens, hundreds...). When 10^digits
// overflows x is returned unchanged.
func roundDigits(x float64, digits int) float64 {
	if digits == 0 {
		return math.Round(x)
	}
	p := math.Pow(10, float64(digits))
	y := x * p
	if math.IsInf(p, 0) || math.IsInf(y, 0) {
		return x
	}
	if p == 0 {
		return math.Copysign(0, x)
	}
	return math.Round(y) / p
}

// maxDays bounds the day counts add_days produces: every result, as a
// timestamp, stays inside the int64 microsecond range.
const maxDays = math.MaxInt64/usPerDay - 1

// addDays returns days + n, or false when the result leaves ±maxDays.
func addDays(days, n int64) (int64, bool) {
	if n > 2*maxDays || n < -2*maxDays {
		return 0, false
	}
	r := days + n
	if r > maxDays || r < -maxDays {
		return 0, false
	}
	return r, true
}
