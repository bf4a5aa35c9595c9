package btyd

import (
	"errors"
	"fmt"
	"math"
)

// ErrInvalidInput is wrapped by every error that reports bad input data, so
// callers can tell data problems from fitting problems with errors.Is.
var ErrInvalidInput = errors.New("invalid input")

// rowCheck counts the rows that fail one condition and remembers the first.
type rowCheck struct {
	what  string
	noun  string // "row" when empty
	count int
	first int
}

func (c *rowCheck) hit(i int) {
	if c.count == 0 {
		c.first = i
	}
	c.count++
}

func (c *rowCheck) err() error {
	if c.count == 0 {
		return nil
	}
	noun := c.noun
	if noun == "" {
		noun = "row"
	}
	plural := noun + "s"
	if c.count == 1 {
		plural = noun
	}
	return fmt.Errorf("%d %s with %s (first at %s %d): %w", c.count, plural, c.what, noun, c.first, ErrInvalidInput)
}

func joinChecks(op string, checks ...*rowCheck) error {
	var errs []error
	for _, c := range checks {
		if err := c.err(); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("%s: %w", op, errors.Join(errs...))
}

func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// validateSummary checks BG/NBD input columns. Rows with zero weight are
// checked too. It rejects NaN or infinite values, negative values,
// non-integer x, x == 0 with tx > 0, tx > T, negative weights and data
// where every (positively weighted) x is zero.
func validateSummary(op string, x, tx, T, w []float64) error {
	n := len(x)
	if len(tx) != n || len(T) != n {
		return fmt.Errorf("%s: column lengths differ (x %d, tx %d, T %d): %w", op, n, len(tx), len(T), ErrInvalidInput)
	}
	if w != nil && len(w) != n {
		return fmt.Errorf("%s: %d weights for %d rows: %w", op, len(w), n, ErrInvalidInput)
	}
	if n == 0 {
		return fmt.Errorf("%s: no rows: %w", op, ErrInvalidInput)
	}
	nan := &rowCheck{what: "NaN or infinite x, tx or T"}
	neg := &rowCheck{what: "negative x, tx or T"}
	frac := &rowCheck{what: "non-integer x"}
	zeroX := &rowCheck{what: "x == 0 but tx > 0"}
	late := &rowCheck{what: "tx > T"}
	badW := &rowCheck{what: "NaN, infinite or negative weight"}
	anyRepeat := false
	var sumW float64
	for i := range n {
		xi, ti, Ti := x[i], tx[i], T[i]
		wi := 1.0
		if w != nil {
			wi = w[i]
			if !isFinite(wi) || wi < 0 {
				badW.hit(i)
				continue
			}
		}
		sumW += wi
		if !isFinite(xi) || !isFinite(ti) || !isFinite(Ti) {
			nan.hit(i)
			continue
		}
		switch {
		case xi < 0 || ti < 0 || Ti < 0:
			neg.hit(i)
		case xi != math.Trunc(xi):
			frac.hit(i)
		case xi == 0 && ti > 0:
			zeroX.hit(i)
		case ti > Ti:
			late.hit(i)
		}
		if xi > 0 && wi > 0 {
			anyRepeat = true
		}
	}
	if err := joinChecks(op, nan, neg, frac, zeroX, late, badW); err != nil {
		return err
	}
	if !(sumW > 0) {
		return fmt.Errorf("%s: total weight is zero: %w", op, ErrInvalidInput)
	}
	if !anyRepeat {
		return fmt.Errorf("%s: all frequencies are zero, so the dropout process cannot be estimated: %w", op, ErrInvalidInput)
	}
	return nil
}
