package btyd

import (
	"fmt"
	"math"
)

// CLVConfig sets the horizon and discounting of [CLV].
//
// Units: the BG/NBD model runs in its own time unit (the unit of T and of
// BGParams.Alpha); a discounting period (a month in lifetimes) lasts
// PeriodLength model units, e.g. 30 for a model fitted in days or 4.345 for
// one fitted in weeks (lifetimes' factors), and DiscountRate is the rate per
// period (0.01 a month ≈ 12.7% a year).
type CLVConfig struct {
	// Periods is the number of discounting periods summed (lifetimes' time,
	// in months).
	Periods int
	// PeriodLength is the length of one period in model time units.
	PeriodLength float64
	// DiscountRate is the discount rate per period.
	DiscountRate float64
}

// Validate checks that the configuration describes a usable horizon.
func (c CLVConfig) Validate() error {
	if c.Periods < 1 || !(c.PeriodLength > 0) || math.IsInf(c.PeriodLength, 1) ||
		!(c.DiscountRate > -1) || math.IsInf(c.DiscountRate, 1) {
		return fmt.Errorf("validate clv config: periods %d, period length %g, discount rate %g: need periods >= 1, finite period length > 0, finite rate > -1: %w",
			c.Periods, c.PeriodLength, c.DiscountRate, ErrInvalidInput)
	}
	return nil
}

// CLV returns the discounted expected value of a customer's purchases over
// the horizon, as lifetimes' customer_lifetime_value:
//
//	Σ_{i=1..Periods} (E[X(i·L)] - E[X((i-1)·L)]) · spend / (1+d)^i
//
// where E[X(t)] is [BGParams.ConditionalExpectedPurchases] for the
// customer's (x, tx, T), L is the period length and d the discount rate.
// spend is the expected value per transaction, usually
// [GGParams.ConditionalExpectedSpend]; the result is in its currency. The
// configuration must be valid (see [CLVConfig.Validate]); otherwise CLV
// returns NaN.
func CLV(bg BGParams, x, tx, T, spend float64, c CLVConfig) float64 {
	if c.Validate() != nil {
		return math.NaN()
	}
	var sum, prev float64
	disc := 1.0
	for i := 1; i <= c.Periods; i++ {
		cur := bg.ConditionalExpectedPurchases(float64(i)*c.PeriodLength, x, tx, T)
		disc /= 1 + c.DiscountRate
		sum += (cur - prev) * disc
		prev = cur
	}
	return sum * spend
}
