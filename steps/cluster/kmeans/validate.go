package kmeans

import (
	"errors"
	"fmt"
	"math"
)

// Sentinel errors returned (wrapped) by the functions of this package, so
// callers can branch with errors.Is.
var (
	// ErrNoRows reports an input without rows.
	ErrNoRows = errors.New("no rows")
	// ErrNoFeatures reports an input without columns (d == 0).
	ErrNoFeatures = errors.New("no features")
	// ErrShape reports a slice whose length does not match the stated shape.
	ErrShape = errors.New("shape mismatch")
	// ErrNonFinite reports NaN or infinite values in the data or centres.
	ErrNonFinite = errors.New("non-finite values")
	// ErrWeights reports sample weights that are negative, non-finite, of
	// the wrong length or all zero.
	ErrWeights = errors.New("invalid sample weights")
	// ErrK reports a number of clusters below 1 or above the number of
	// distinct rows.
	ErrK = errors.New("invalid number of clusters")
	// ErrConfig reports an invalid option value.
	ErrConfig = errors.New("invalid configuration")
	// ErrLabels reports labels that do not fit the data or the metric.
	ErrLabels = errors.New("invalid labels")
)

// checkMatrix checks the shape of a row-major n x d matrix and that every
// value is finite. what names the matrix in messages.
func checkMatrix(what string, x []float64, n, d int) error {
	if n <= 0 {
		return fmt.Errorf("check %s: n = %d: %w", what, n, ErrNoRows)
	}
	if d <= 0 {
		return fmt.Errorf("check %s: d = %d: %w", what, d, ErrNoFeatures)
	}
	if len(x) != n*d {
		return fmt.Errorf("check %s: %d values, want n*d = %d*%d = %d: %w", what, len(x), n, d, n*d, ErrShape)
	}
	bad, first := 0, -1
	for i, v := range x {
		// v-v is 0 for finite v and NaN for NaN and ±Inf.
		if v-v != 0 {
			if first < 0 {
				first = i / d
			}
			bad++
		}
	}
	if bad > 0 {
		return fmt.Errorf("check %s: %d NaN or infinite values, first in row %d: %w", what, bad, first, ErrNonFinite)
	}
	return nil
}

// checkWeights checks optional sample weights for n rows and returns their
// sum (n when w is nil).
func checkWeights(w []float64, n int) (float64, error) {
	if w == nil {
		return float64(n), nil
	}
	if len(w) != n {
		return 0, fmt.Errorf("check weights: %d weights for %d rows: %w", len(w), n, ErrWeights)
	}
	bad, first := 0, -1
	var sum float64
	for i, v := range w {
		if v < 0 || v-v != 0 {
			if first < 0 {
				first = i
			}
			bad++
			continue
		}
		sum += v
	}
	if bad > 0 {
		return 0, fmt.Errorf("check weights: %d negative or non-finite weights, first in row %d: %w", bad, first, ErrWeights)
	}
	if sum <= 0 || math.IsInf(sum, 0) {
		return 0, fmt.Errorf("check weights: weights sum to %g: %w", sum, ErrWeights)
	}
	return sum, nil
}

// countDistinct returns the number of distinct rows of x, stopping as soon
// as limit distinct rows have been seen (so the usual case costs a few rows).
// Rows are compared by value: -0 equals +0.
func countDistinct(x []float64, n, d, limit int) int {
	buckets := make(map[uint64][]int32)
	count := 0
	for i := 0; i < n && count < limit; i++ {
		row := x[i*d : i*d+d]
		h := uint64(14695981039346656037)
		for _, v := range row {
			if v == 0 {
				v = 0 // fold -0 into +0
			}
			h ^= math.Float64bits(v)
			h *= 1099511628211
			h ^= h >> 29
		}
		dup := false
		for _, j := range buckets[h] {
			if rowsEqual(row, x[int(j)*d:int(j)*d+d]) {
				dup = true
				break
			}
		}
		if !dup {
			buckets[h] = append(buckets[h], int32(i))
			count++
		}
	}
	return count
}

// rowsEqual reports whether two rows are equal value by value.
func rowsEqual(a, b []float64) bool {
	b = b[:len(a)]
	for t, v := range a {
		if v != b[t] {
			return false
		}
	}
	return true
}
