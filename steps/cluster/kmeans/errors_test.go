package kmeans

import (
	"errors"
	"math"
	"strings"
	"testing"
	"unicode"
)

// TestErrors checks the input errors: sentinel, key part of the message, and
// the style (lower-case, no trailing punctuation).
func TestErrors(t *testing.T) {
	X := []float64{0, 0, 1, 1, 2, 2, 0, 0, 1, 1} // 5 rows, 3 distinct
	nan := []float64{0, 0, 1, 1, math.NaN(), 2, 3, 3, 4, math.Inf(1), 5, math.NaN()}
	cases := []struct {
		name string
		run  func() error
		want error
		msg  string
	}{
		{"k zero", func() error { _, err := Fit(X, 5, 2, nil, Config{K: 0}); return err }, ErrK, "k = 0"},
		{"k above distinct", func() error { _, err := Fit(X, 5, 2, nil, Config{K: 4}); return err }, ErrK, "exceeds the 3 distinct rows"},
		{"no rows", func() error { _, err := Fit(nil, 0, 2, nil, Config{K: 1}); return err }, ErrNoRows, "n = 0"},
		{"no features", func() error { _, err := Fit(nil, 3, 0, nil, Config{K: 1}); return err }, ErrNoFeatures, "d = 0"},
		{"shape", func() error { _, err := Fit(X, 4, 2, nil, Config{K: 1}); return err }, ErrShape, "10 values, want n*d"},
		{"nan", func() error { _, err := Fit(nan, 6, 2, nil, Config{K: 2}); return err }, ErrNonFinite, "3 NaN or infinite values, first in row 2"},
		{"weights length", func() error { _, err := Fit(X, 5, 2, []float64{1, 2}, Config{K: 2}); return err }, ErrWeights, "2 weights for 5 rows"},
		{"weights negative", func() error {
			_, err := Fit(X, 5, 2, []float64{1, -1, 2, -3, 1}, Config{K: 2})
			return err
		}, ErrWeights, "2 negative or non-finite weights, first in row 1"},
		{"weights zero", func() error { _, err := Fit(X, 5, 2, make([]float64, 5), Config{K: 2}); return err }, ErrWeights, "weights sum to 0"},
		{"init", func() error { _, err := Fit(X, 5, 2, nil, Config{K: 2, Init: "kmeans++"}); return err }, ErrConfig, `unknown init "kmeans++"`},
		{"algorithm", func() error { _, err := Fit(X, 5, 2, nil, Config{K: 2, Algorithm: "full"}); return err }, ErrConfig, `unknown algorithm "full"`},
		{"tol", func() error { _, err := Fit(X, 5, 2, nil, Config{K: 2, Tol: -1}); return err }, ErrConfig, "tol = -1"},
		{"given centres", func() error {
			_, err := Fit(X, 5, 2, nil, Config{K: 2, Init: InitGiven, Centres: []float64{1, 2, 3}})
			return err
		}, ErrShape, "initial centres"},
		{"minibatch k", func() error { _, err := MiniBatch(X, 5, 2, nil, MiniBatchConfig{K: 4}); return err }, ErrK, "distinct rows"},
		{"predict centres", func() error { _, _, err := Predict(X, 5, 2, []float64{1, 2, 3}); return err }, ErrShape, "3 centre values"},
		{"silhouette one label", func() error {
			_, err := Silhouette(X, 5, 2, []int32{1, 1, 1, 1, 1}, SilhouetteOptions{})
			return err
		}, ErrLabels, "1 distinct labels for 5 rows"},
		{"labels length", func() error { _, err := DaviesBouldin(X, 5, 2, []int32{0, 1}); return err }, ErrLabels, "2 labels for 5 rows"},
		{"match d", func() error { _, err := MatchCentres([]float64{1}, []float64{1}, 0); return err }, ErrNoFeatures, "d = 0"},
		{"sweep range", func() error { _, err := Sweep(X, 5, 2, nil, 3, 2, SweepConfig{}); return err }, ErrK, "range 3..2"},
		{"sweep criterion", func() error { _, err := Sweep(X, 5, 2, nil, 1, 2, SweepConfig{Criterion: "gap"}); return err }, ErrConfig, `unknown criterion "gap"`},
	}
	for _, c := range cases {
		err := c.run()
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		msg := err.Error()
		if !errors.Is(err, c.want) {
			t.Errorf("%s: %q is not %v", c.name, msg, c.want)
		}
		if !strings.Contains(msg, c.msg) {
			t.Errorf("%s: %q does not mention %q", c.name, msg, c.msg)
		}
		if r := []rune(msg); unicode.IsUpper(r[0]) || strings.HasSuffix(msg, ".") {
			t.Errorf("%s: %q is not lower-case without trailing period", c.name, msg)
		}
	}
}

// TestDistinctRows checks the distinct-row count used to validate k: -0
// equals +0, and k may equal the number of distinct rows, in which case
// every initialisation finds all of them (inertia 0).
func TestDistinctRows(t *testing.T) {
	negZero := math.Copysign(0, -1)
	X := []float64{0, 0, negZero, 0, 1, 1, 1, 1, 2, 2, 0, negZero}
	if got := countDistinct(X, 6, 2, 10); got != 3 {
		t.Errorf("distinct rows = %d, want 3", got)
	}
	for _, init := range []string{InitKMeansPP, InitRandom} {
		res, err := Fit(X, 6, 2, nil, Config{K: 3, Init: init, Seed: 2})
		if err != nil {
			t.Fatal(err)
		}
		if res.Inertia != 0 {
			t.Errorf("%s: inertia %v, want 0", init, res.Inertia)
		}
	}
}
