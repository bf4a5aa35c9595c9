package btyd

import (
	"fmt"
	"math"
)

// Unit is the length of one model time unit in days.
type Unit float64

// Time units for [Summarize].
const (
	Days  Unit = 1
	Weeks Unit = 7
)

// EventLog holds per-customer purchase events in compressed-row form:
// customer i's events are Times[Start[i]:Start[i+1]], sorted ascending.
type EventLog struct {
	// Start has one entry per customer plus a final one equal to len(Times).
	Start []int
	// Times are event times in days (for example days since 1970-01-01);
	// the integer part is the purchase day.
	Times []float64
	// Values are the monetary values of the events; nil when not needed.
	Values []float64
}

// Customers returns the number of customers in the log.
func (l EventLog) Customers() int { return max(len(l.Start)-1, 0) }

// Summary holds one row per customer for fitting BG/NBD and Gamma-Gamma.
type Summary struct {
	// X is the number of repeat purchase days in calibration.
	X []float64
	// Tx is the recency: days from the first to the last purchase day,
	// divided by the unit.
	Tx []float64
	// T is the age: days from the first purchase day to the calibration end
	// day, divided by the unit.
	T []float64
	// Zbar is the mean of the per-day summed values of the repeat purchase
	// days (the first purchase day excluded), 0 when X is 0; nil when the log
	// has no values.
	Zbar []float64
	// Customer is the index in the event log of the customer of each row.
	Customer []int
}

// Summarize builds the BG/NBD summary from an event log, as the CDNOW
// summaries of Fader, Hardie & Lee and lifetimes'
// summary_data_from_transaction_data: events on the same day (same integer
// part of the time) are merged into one purchase whose value is their sum;
// events after the day of calEnd are ignored; x is the number of distinct
// purchase days minus one, tx and T are measured from the first purchase day
// to the last purchase day and to the day of calEnd, divided by unit, and zbar
// is the mean merged value of the repeat purchase days.
//
// Customers whose first event is after calEnd are left out (Summary.Customer
// maps rows back to the log). Unsorted or non-finite times are errors naming
// the first offending customer and the number of such customers.
func Summarize(log EventLog, calEnd float64, unit Unit) (Summary, error) {
	const op = "summarize event log"
	n := log.Customers()
	if n == 0 || log.Start[0] != 0 || log.Start[n] != len(log.Times) {
		return Summary{}, fmt.Errorf("%s: Start must run from 0 to len(Times) with one entry per customer plus one: %w", op, ErrInvalidInput)
	}
	if log.Values != nil && len(log.Values) != len(log.Times) {
		return Summary{}, fmt.Errorf("%s: %d values for %d times: %w", op, len(log.Values), len(log.Times), ErrInvalidInput)
	}
	if !isFinite(calEnd) || !(unit > 0) || !isFinite(float64(unit)) {
		return Summary{}, fmt.Errorf("%s: calibration end %g and unit %g must be finite, unit positive: %w", op, calEnd, float64(unit), ErrInvalidInput)
	}
	bad := &rowCheck{what: "NaN or infinite time or value", noun: "customer"}
	order := &rowCheck{what: "times out of order", noun: "customer"}
	empty := &rowCheck{what: "decreasing Start", noun: "customer"}
	for i := range n {
		lo, hi := log.Start[i], log.Start[i+1]
		if hi < lo {
			empty.hit(i)
			continue
		}
		for j := lo; j < hi; j++ {
			if !isFinite(log.Times[j]) || (log.Values != nil && !isFinite(log.Values[j])) {
				bad.hit(i)
				break
			}
			if j > lo && log.Times[j] < log.Times[j-1] {
				order.hit(i)
				break
			}
		}
	}
	if err := joinChecks(op, bad, order, empty); err != nil {
		return Summary{}, err
	}

	endDay := math.Floor(calEnd)
	u := float64(unit)
	var s Summary
	if log.Values != nil {
		s.Zbar = make([]float64, 0, n)
	}
	for i := range n {
		lo, hi := log.Start[i], log.Start[i+1]
		if lo == hi || math.Floor(log.Times[lo]) > endDay {
			continue
		}
		first := math.Floor(log.Times[lo])
		last := first
		days := 0.0
		var sum, daySum float64
		for j := lo; j < hi; j++ {
			day := math.Floor(log.Times[j])
			if day > endDay {
				break
			}
			if day != last {
				if last != first {
					sum += daySum
				}
				daySum = 0
				days++
				last = day
			}
			if log.Values != nil {
				daySum += log.Values[j]
			}
		}
		if last != first {
			sum += daySum
		}
		s.X = append(s.X, days)
		s.Tx = append(s.Tx, (last-first)/u)
		s.T = append(s.T, (endDay-first)/u)
		s.Customer = append(s.Customer, i)
		if log.Values != nil {
			z := 0.0
			if days > 0 {
				z = sum / days
			}
			s.Zbar = append(s.Zbar, z)
		}
	}
	return s, nil
}
