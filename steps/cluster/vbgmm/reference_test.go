package vbgmm

import (
	"encoding/json"
	"math"
	"os"
	"testing"
)

// reference is testdata/reference.json, written by testdata/gen_reference.py
// with scikit-learn 1.2.1 (numpy 1.24, scipy 1.10) under /usr/bin/python3.
type reference struct {
	SKLearn string               `json:"sklearn"`
	D       int                  `json:"d"`
	X       []float64            `json:"x"`
	XNew    []float64            `json:"x_new"`
	Resp    map[string][]float64 `json:"resp"`
	Cases   []refCase            `json:"cases"`
	Special struct {
		X       []float64 `json:"x"`
		Digamma []float64 `json:"digamma"`
		Gammaln []float64 `json:"gammaln"`
	} `json:"special"`
}

// refCase is one scikit-learn fit started from stored responsibilities.
type refCase struct {
	Name   string `json:"name"`
	Resp   string `json:"resp"`
	Config struct {
		NComponents                  int             `json:"n_components"`
		CovarianceType               string          `json:"covariance_type"`
		WeightConcentrationPriorType string          `json:"weight_concentration_prior_type"`
		MaxIter                      int             `json:"max_iter"`
		Tol                          *float64        `json:"tol"`
		RegCovar                     *float64        `json:"reg_covar"`
		WeightConcentrationPrior     float64         `json:"weight_concentration_prior"`
		MeanPrecisionPrior           float64         `json:"mean_precision_prior"`
		MeanPrior                    []float64       `json:"mean_prior"`
		DegreesOfFreedomPrior        float64         `json:"degrees_of_freedom_prior"`
		CovariancePrior              json.RawMessage `json:"covariance_prior"`
	} `json:"config"`
	Weights              []float64 `json:"weights"`
	Means                []float64 `json:"means"`
	Covariances          []float64 `json:"covariances"`
	PrecisionsCholesky   []float64 `json:"precisions_cholesky"`
	WeightConcentration  []float64 `json:"weight_concentration"`
	WeightConcentrationB []float64 `json:"weight_concentration_b"`
	MeanPrecision        []float64 `json:"mean_precision"`
	DegreesOfFreedom     []float64 `json:"degrees_of_freedom"`
	MeanPrior            []float64 `json:"mean_prior"`
	CovariancePrior      []float64 `json:"covariance_prior"`
	LowerBounds          []float64 `json:"lower_bounds"`
	LowerBound           float64   `json:"lower_bound"`
	NIter                int       `json:"n_iter"`
	Converged            bool      `json:"converged"`
	Labels               []int     `json:"labels"`
	Probabilities        []float64 `json:"probabilities"`
	PredictNew           []int     `json:"predict_new"`
	PredictProbaNew      []float64 `json:"predict_proba_new"`
}

func loadReference(t *testing.T) *reference {
	t.Helper()
	b, err := os.ReadFile("testdata/reference.json")
	if err != nil {
		t.Fatal(err)
	}
	var r reference
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return &r
}

// config translates the scikit-learn parameters of a case.
func (c *refCase) config(t *testing.T) Config {
	t.Helper()
	p := c.Config
	cfg := DefaultConfig()
	cfg.MaxComponents = p.NComponents
	if p.CovarianceType != "" {
		cfg.CovarianceType = CovarianceType(p.CovarianceType)
	}
	if p.WeightConcentrationPriorType != "" {
		cfg.WeightConcentrationPriorType = WeightPriorType(p.WeightConcentrationPriorType)
	}
	cfg.MaxIter = p.MaxIter
	if p.Tol != nil {
		cfg.Tol = *p.Tol
	}
	if p.RegCovar != nil {
		cfg.RegCovar = *p.RegCovar
	}
	cfg.WeightConcentrationPrior = p.WeightConcentrationPrior
	cfg.MeanPrecisionPrior = p.MeanPrecisionPrior
	cfg.MeanPrior = p.MeanPrior
	cfg.DegreesOfFreedomPrior = p.DegreesOfFreedomPrior
	if len(p.CovariancePrior) > 0 {
		var scalar float64
		if err := json.Unmarshal(p.CovariancePrior, &scalar); err == nil {
			cfg.CovariancePrior = []float64{scalar}
		} else if err := json.Unmarshal(p.CovariancePrior, &cfg.CovariancePrior); err != nil {
			t.Fatalf("covariance_prior: %v", err)
		}
	}
	return cfg
}

// refTol is the relative agreement required with scikit-learn.
const refTol = 1e-8

// closeTo compares got with want value by value, relative to each value and,
// for values near zero, to the largest magnitude of want.
func closeTo(t *testing.T, name string, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d values, want %d", name, len(got), len(want))
		return
	}
	scale := 0.0
	for _, w := range want {
		scale = math.Max(scale, math.Abs(w))
	}
	worst, at := 0.0, -1
	for i := range want {
		err := math.Abs(got[i]-want[i]) / (math.Abs(want[i]) + 1e-6*scale)
		if !(err <= worst) {
			worst, at = err, i
		}
	}
	if !(worst <= tol) {
		t.Errorf("%s[%d] = %.17g, scikit-learn %.17g (relative error %.3g > %.g)", name, at, got[at], want[at], worst, tol)
	}
}

// TestMatchesScikitLearn runs FitFrom from the responsibilities scikit-learn
// started from and compares the posterior, the lower bound of every
// iteration, the labels and predictions on new rows.
func TestMatchesScikitLearn(t *testing.T) {
	ref := loadReference(t)
	for _, c := range ref.Cases {
		t.Run(c.Name, func(t *testing.T) {
			cfg := c.config(t)
			res, err := FitFrom(ref.X, ref.D, ref.Resp[c.Resp], cfg)
			if err != nil {
				t.Fatal(err)
			}
			m := res.Model
			closeTo(t, "mean_prior", m.MeanPrior, c.MeanPrior, refTol)
			closeTo(t, "covariance_prior", m.CovariancePrior, c.CovariancePrior, refTol)
			closeTo(t, "weights", m.Weights, c.Weights, refTol)
			closeTo(t, "means", m.Means, c.Means, refTol)
			closeTo(t, "covariances", m.Covariances, c.Covariances, refTol)
			closeTo(t, "precisions_cholesky", m.PrecisionsCholesky, c.PrecisionsCholesky, refTol)
			closeTo(t, "weight_concentration", m.WeightConcentration, c.WeightConcentration, refTol)
			closeTo(t, "weight_concentration_b", m.WeightConcentrationB, c.WeightConcentrationB, refTol)
			closeTo(t, "mean_precision", m.MeanPrecision, c.MeanPrecision, refTol)
			closeTo(t, "degrees_of_freedom", m.DegreesOfFreedom, c.DegreesOfFreedom, refTol)
			closeTo(t, "lower_bounds", res.LowerBounds, c.LowerBounds, refTol)
			closeTo(t, "lower_bound", []float64{res.LowerBound}, []float64{c.LowerBound}, refTol)
			if res.Iterations != c.NIter || res.Converged != c.Converged {
				t.Errorf("iterations %d converged %v, scikit-learn %d %v", res.Iterations, res.Converged, c.NIter, c.Converged)
			}
			for i, l := range res.Labels {
				if l != c.Labels[i] {
					t.Errorf("label of row %d = %d, scikit-learn %d", i, l, c.Labels[i])
					break
				}
			}
			closeTo(t, "probabilities", res.Probabilities, c.Probabilities, refTol)

			labels, _, err := m.Predict(ref.XNew)
			if err != nil {
				t.Fatal(err)
			}
			for i, l := range labels {
				if l != c.PredictNew[i] {
					t.Errorf("predicted label of new row %d = %d, scikit-learn %d", i, l, c.PredictNew[i])
				}
			}
			proba, err := m.PredictProba(ref.XNew)
			if err != nil {
				t.Fatal(err)
			}
			closeTo(t, "predict_proba(x_new)", proba, c.PredictProbaNew, refTol)
		})
	}
}

// TestSpecialFunctions checks digamma and lgamma against scipy.special.
func TestSpecialFunctions(t *testing.T) {
	ref := loadReference(t)
	s := ref.Special
	for i, x := range s.X {
		if got, want := digamma(x), s.Digamma[i]; math.Abs(got-want) > 1e-15*math.Max(1, math.Abs(want)) {
			t.Errorf("digamma(%v) = %.17g, scipy %.17g", x, got, want)
		}
		if got, want := lgamma(x), s.Gammaln[i]; math.Abs(got-want) > 1e-15*math.Max(1, math.Abs(want)) {
			t.Errorf("lgamma(%v) = %.17g, scipy %.17g", x, got, want)
		}
	}
}
