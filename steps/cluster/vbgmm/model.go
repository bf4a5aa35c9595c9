package vbgmm

import (
	"errors"
	"fmt"
	"math"
	"runtime"
)

// Model is a fitted variational Gaussian mixture: the variational posterior
// of scikit-learn's BayesianGaussianMixture with the same names and
// normalisations (covariances are the Wishart scale divided by the degrees
// of freedom). Matrices are row-major. Its fields are exported so that it
// can be stored as JSON and loaded to assign new rows.
type Model struct {
	// CovarianceType is the form of the covariances.
	CovarianceType CovarianceType `json:"covariance_type"`
	// WeightConcentrationPriorType is the prior on the weights.
	WeightConcentrationPriorType WeightPriorType `json:"weight_concentration_prior_type"`
	// Features is the number of features d.
	Features int `json:"n_features"`
	// Components is the number of components K (the truncation level).
	Components int `json:"n_components"`
	// Weights holds the expected mixture weights, K values summing to one.
	Weights []float64 `json:"weights"`
	// Means holds the posterior means of the component means, K×d.
	Means []float64 `json:"means"`
	// Covariances holds the covariances: K×d×d for full, d×d for tied, K×d
	// for diag, K for spherical.
	Covariances []float64 `json:"covariances"`
	// PrecisionsCholesky holds the Cholesky factors of the precisions
	// (inverse covariances) in scikit-learn's layout: for full and tied the
	// upper triangular P with P·Pᵀ the precision; for diag and spherical the
	// square roots of the precisions. Shapes as for Covariances.
	PrecisionsCholesky []float64 `json:"precisions_cholesky"`
	// WeightConcentration holds the Dirichlet parameters of the weights for
	// dirichlet_distribution, or the first Beta parameters of the sticks for
	// dirichlet_process, K values.
	WeightConcentration []float64 `json:"weight_concentration"`
	// WeightConcentrationB holds the second Beta parameters of the sticks
	// for dirichlet_process (K values) and is empty otherwise.
	WeightConcentrationB []float64 `json:"weight_concentration_b,omitempty"`
	// MeanPrecision holds the precision scale of each component's mean, K
	// values.
	MeanPrecision []float64 `json:"mean_precision"`
	// DegreesOfFreedom holds the Wishart degrees of freedom of each
	// component, K values (all equal for tied).
	DegreesOfFreedom []float64 `json:"degrees_of_freedom"`
	// WeightConcentrationPrior is the prior concentration used.
	WeightConcentrationPrior float64 `json:"weight_concentration_prior"`
	// MeanPrecisionPrior is the prior precision scale of the means used.
	MeanPrecisionPrior float64 `json:"mean_precision_prior"`
	// MeanPrior is the prior mean used, d values.
	MeanPrior []float64 `json:"mean_prior"`
	// DegreesOfFreedomPrior is the prior degrees of freedom used.
	DegreesOfFreedomPrior float64 `json:"degrees_of_freedom_prior"`
	// CovariancePrior is the prior covariance used, shaped as in Config.
	CovariancePrior []float64 `json:"covariance_prior"`
}

// newModel allocates a model of k components in d dimensions.
func newModel(ct CovarianceType, wp WeightPriorType, k, d int, p priors) *Model {
	m := &Model{
		CovarianceType:               ct,
		WeightConcentrationPriorType: wp,
		Features:                     d,
		Components:                   k,
		Weights:                      make([]float64, k),
		Means:                        make([]float64, k*d),
		Covariances:                  make([]float64, covLen(ct, k, d)),
		PrecisionsCholesky:           make([]float64, covLen(ct, k, d)),
		WeightConcentration:          make([]float64, k),
		MeanPrecision:                make([]float64, k),
		DegreesOfFreedom:             make([]float64, k),
		WeightConcentrationPrior:     p.weightConc,
		MeanPrecisionPrior:           p.meanPrec,
		MeanPrior:                    p.mean,
		DegreesOfFreedomPrior:        p.dof,
		CovariancePrior:              p.cov,
	}
	if wp == DirichletProcess {
		m.WeightConcentrationB = make([]float64, k)
	}
	return m
}

// covLen is the number of values of the covariances of one model.
func covLen(ct CovarianceType, k, d int) int {
	switch ct {
	case Full:
		return k * d * d
	case Tied:
		return d * d
	case Diag:
		return k * d
	default:
		return k
	}
}

// clone returns a deep copy of m.
func (m *Model) clone() *Model {
	c := *m
	cp := func(s []float64) []float64 {
		if s == nil {
			return nil
		}
		return append([]float64(nil), s...)
	}
	c.Weights = cp(m.Weights)
	c.Means = cp(m.Means)
	c.Covariances = cp(m.Covariances)
	c.PrecisionsCholesky = cp(m.PrecisionsCholesky)
	c.WeightConcentration = cp(m.WeightConcentration)
	c.WeightConcentrationB = cp(m.WeightConcentrationB)
	c.MeanPrecision = cp(m.MeanPrecision)
	c.DegreesOfFreedom = cp(m.DegreesOfFreedom)
	c.MeanPrior = cp(m.MeanPrior)
	c.CovariancePrior = cp(m.CovariancePrior)
	return &c
}

// check reports a model whose fields do not fit together, for instance one
// edited by hand or truncated when stored.
func (m *Model) check() error {
	k, d := m.Components, m.Features
	if k < 1 || d < 1 {
		return fmt.Errorf("check model: %d components in %d features", k, d)
	}
	switch m.CovarianceType {
	case Full, Tied, Diag, Spherical:
	default:
		return fmt.Errorf("check model: unknown covariance type %q", m.CovarianceType)
	}
	want := []struct {
		name string
		got  int
		want int
	}{
		{"means", len(m.Means), k * d},
		{"precisions_cholesky", len(m.PrecisionsCholesky), covLen(m.CovarianceType, k, d)},
		{"weight_concentration", len(m.WeightConcentration), k},
		{"mean_precision", len(m.MeanPrecision), k},
		{"degrees_of_freedom", len(m.DegreesOfFreedom), k},
	}
	switch m.WeightConcentrationPriorType {
	case DirichletProcess:
		want = append(want, struct {
			name string
			got  int
			want int
		}{"weight_concentration_b", len(m.WeightConcentrationB), k})
	case DirichletDistribution:
	default:
		return fmt.Errorf("check model: unknown weight concentration prior type %q", m.WeightConcentrationPriorType)
	}
	for _, w := range want {
		if w.got != w.want {
			return fmt.Errorf("check model: %s has %d values, want %d", w.name, w.got, w.want)
		}
	}
	return nil
}

// logWeights writes E[ln π_k] under the weight posterior into lw.
func (m *Model) logWeights(lw []float64) {
	a := m.WeightConcentration
	if m.WeightConcentrationPriorType == DirichletProcess {
		b := m.WeightConcentrationB
		cum := 0.0
		for k := range a {
			dsum := digamma(a[k] + b[k])
			lw[k] = digamma(a[k]) - dsum + cum
			cum += digamma(b[k]) - dsum
		}
		return
	}
	sum := 0.0
	for _, v := range a {
		sum += v
	}
	dsum := digamma(sum)
	for k, v := range a {
		lw[k] = digamma(v) - dsum
	}
}

// setWeights computes Weights from the weight concentration as
// scikit-learn's _set_parameters does.
func (m *Model) setWeights() {
	a := m.WeightConcentration
	w := m.Weights
	if m.WeightConcentrationPriorType == DirichletProcess {
		b := m.WeightConcentrationB
		prod := 1.0
		for k := range a {
			s := a[k] + b[k]
			w[k] = a[k] / s * prod
			prod *= b[k] / s
		}
	} else {
		copy(w, a)
	}
	sum := 0.0
	for _, v := range w {
		sum += v
	}
	for k := range w {
		w[k] /= sum
	}
}

// evaluator computes the weighted log probabilities ln ρ_nk of rows under a
// model, the quantities the E-step normalises into responsibilities. It
// holds its own buffers so that refreshing it after an M-step allocates
// nothing.
type evaluator struct {
	ct    CovarianceType
	k, d  int
	means []float64 // K×d, a copy of the model's
	// tri holds, for full (K×d×d) and tied (d×d), the lower triangular Q =
	// Pᵀ with QᵀQ the precision, so that the Mahalanobis distance is |Q·(x−μ)|².
	tri []float64
	// prec holds the precisions for diag (K×d) and spherical (K).
	prec []float64
	// cst holds ln ρ_nk + ½·maha_nk, the part that does not depend on the row.
	cst []float64
	lw  []float64
}

// newEvaluator allocates an evaluator for models shaped like m.
func newEvaluator(m *Model) *evaluator {
	k, d := m.Components, m.Features
	e := &evaluator{ct: m.CovarianceType, k: k, d: d, means: make([]float64, k*d), cst: make([]float64, k), lw: make([]float64, k)}
	switch m.CovarianceType {
	case Full:
		e.tri = make([]float64, k*d*d)
	case Tied:
		e.tri = make([]float64, d*d)
	default:
		e.prec = make([]float64, covLen(m.CovarianceType, k, d))
	}
	return e
}

// set loads the parameters of m, as scikit-learn's _estimate_log_prob and
// _estimate_log_weights combine them.
func (e *evaluator) set(m *Model) {
	k, d := e.k, e.d
	fd := float64(d)
	copy(e.means, m.Means)
	m.logWeights(e.lw)
	logDet := func(c int) float64 { // ln det of the precision Cholesky factor
		switch e.ct {
		case Full:
			s := 0.0
			for j := range d {
				s += math.Log(m.PrecisionsCholesky[c*d*d+j*d+j])
			}
			return s
		case Tied:
			s := 0.0
			for j := range d {
				s += math.Log(m.PrecisionsCholesky[j*d+j])
			}
			return s
		case Diag:
			s := 0.0
			for j := range d {
				s += math.Log(m.PrecisionsCholesky[c*d+j])
			}
			return s
		default:
			return fd * math.Log(m.PrecisionsCholesky[c])
		}
	}
	switch e.ct {
	case Full:
		for c := range k {
			transpose(m.PrecisionsCholesky[c*d*d:(c+1)*d*d], e.tri[c*d*d:(c+1)*d*d], d)
		}
	case Tied:
		transpose(m.PrecisionsCholesky, e.tri, d)
	default:
		for i, v := range m.PrecisionsCholesky {
			e.prec[i] = v * v
		}
	}
	for c := range k {
		dof := m.DegreesOfFreedom[c]
		logLambda := fd * math.Ln2
		for j := range d {
			logLambda += digamma(0.5 * (dof - float64(j)))
		}
		logGauss := -0.5*fd*math.Log(2*math.Pi) + logDet(c) - 0.5*fd*math.Log(dof)
		e.cst[c] = logGauss + 0.5*(logLambda-fd/m.MeanPrecision[c]) + e.lw[c]
	}
}

// row writes ln ρ_k of the row x into wlp (K values) and x − μ_k into diff
// (K×d values).
func (e *evaluator) row(x, diff, wlp []float64) {
	k, d := e.k, e.d
	x = x[:d]
	diff = diff[:k*d]
	wlp = wlp[:k]
	switch e.ct {
	case Full, Tied:
		for c := range k {
			mu := e.means[c*d : c*d+d]
			df := diff[c*d : c*d+d]
			for j, v := range x {
				df[j] = v - mu[j]
			}
			var q []float64
			if e.ct == Full {
				q = e.tri[c*d*d : (c+1)*d*d]
			} else {
				q = e.tri[:d*d]
			}
			maha := 0.0
			for j := range d {
				qj := q[j*d : j*d+j+1]
				s := 0.0
				for i, v := range qj {
					s += v * df[i]
				}
				maha += s * s
			}
			wlp[c] = e.cst[c] - 0.5*maha
		}
	case Diag:
		for c := range k {
			mu := e.means[c*d : c*d+d]
			df := diff[c*d : c*d+d]
			pr := e.prec[c*d : c*d+d]
			maha := 0.0
			for j, v := range x {
				t := v - mu[j]
				df[j] = t
				maha += t * t * pr[j]
			}
			wlp[c] = e.cst[c] - 0.5*maha
		}
	default:
		for c := range k {
			mu := e.means[c*d : c*d+d]
			df := diff[c*d : c*d+d]
			ss := 0.0
			for j, v := range x {
				t := v - mu[j]
				df[j] = t
				ss += t * t
			}
			wlp[c] = e.cst[c] - 0.5*ss*e.prec[c]
		}
	}
}

// expUnderflow is below the largest x for which math.Exp(x) is exactly zero
// (−745.13…), so skipping the call there changes nothing.
const expUnderflow = -746.0

// normalise turns the log probabilities wlp into responsibilities resp.
// With M = max_k wlp_k it returns s = Σ_k e^(wlp_k − M) ≥ 1 and
// Σ_k r_k (wlp_k − M), so that the row's Σ_k r_k ln r_k is the latter minus
// ln s; fits add up the ln s of many rows with a logSum.
func normalise(wlp, resp []float64) (s, rv float64) {
	resp = resp[:len(wlp)]
	mx := math.Inf(-1)
	for _, v := range wlp {
		if v > mx {
			mx = v
		}
	}
	for c, v := range wlp {
		e := 0.0
		if t := v - mx; t > expUnderflow {
			e = expNeg(t)
		}
		resp[c] = e
		s += e
	}
	inv := 1 / s
	for c, v := range wlp {
		r := resp[c] * inv
		resp[c] = r
		rv += r * (v - mx)
	}
	return s, rv
}

// logSum adds logarithms of numbers of at least one by multiplying the
// numbers, taking out 2⁹⁰⁰ whenever the product exceeds it, so that a
// block of rows needs one logarithm instead of one per row.
type logSum struct {
	prod  float64
	scale int
}

// add adds ln s for s ≥ 1.
func (l *logSum) add(s float64) {
	l.prod *= s
	if l.prod > 0x1p900 {
		l.prod *= 0x1p-900
		l.scale++
	}
}

// value returns the sum of the logarithms added.
func (l *logSum) value() float64 {
	return math.Log(l.prod) + float64(l.scale)*900*math.Ln2
}

// PredictProba returns the responsibilities (posterior membership
// probabilities) of the n rows of x (n×d, row-major) as an n×K matrix.
func (m *Model) PredictProba(x []float64) ([]float64, error) {
	n, err := m.checkInput(x)
	if err != nil {
		return nil, err
	}
	out := make([]float64, n*m.Components)
	m.scan(x, n, func(i int, wlp, resp []float64) {
		copy(out[i*m.Components:], resp)
	})
	return out, nil
}

// Predict returns, for each of the n rows of x (n×d, row-major), the most
// probable component and its membership probability.
func (m *Model) Predict(x []float64) (labels []int, prob []float64, err error) {
	n, err := m.checkInput(x)
	if err != nil {
		return nil, nil, err
	}
	labels = make([]int, n)
	prob = make([]float64, n)
	m.scan(x, n, func(i int, wlp, resp []float64) {
		labels[i], prob[i] = argmax(wlp, resp)
	})
	return labels, prob, nil
}

// argmax returns the first component of highest log probability and its
// responsibility.
func argmax(wlp, resp []float64) (int, float64) {
	best := 0
	for c, v := range wlp {
		if v > wlp[best] {
			best = c
		}
	}
	return best, resp[best]
}

// checkInput validates the model and the shape and values of x and returns
// its number of rows.
func (m *Model) checkInput(x []float64) (int, error) {
	if m == nil {
		return 0, errors.New("predict: nil model")
	}
	if err := m.check(); err != nil {
		return 0, fmt.Errorf("predict: %w", err)
	}
	d := m.Features
	if len(x)%d != 0 {
		return 0, fmt.Errorf("predict: %d values is not a whole number of rows of %d features", len(x), d)
	}
	n := len(x) / d
	if err := checkRows(x, n, d); err != nil {
		return 0, fmt.Errorf("predict: %w", err)
	}
	return n, nil
}

// scan evaluates every row of x under m in parallel and calls fn with the
// row index, its log probabilities and responsibilities. fn may run
// concurrently for different rows.
func (m *Model) scan(x []float64, n int, fn func(i int, wlp, resp []float64)) {
	m.scanWorkers(x, n, runtime.GOMAXPROCS(0), fn)
}

// scanWorkers is scan with a given number of workers.
func (m *Model) scanWorkers(x []float64, n, workers int, fn func(i int, wlp, resp []float64)) {
	e := newEvaluator(m)
	e.set(m)
	scratch := make([]rowScratch, workers)
	for w := range scratch {
		scratch[w] = newRowScratch(m.Components, m.Features)
	}
	forChunks(n, workers, func(lo, hi, _, w int) {
		sc := &scratch[w]
		d := m.Features
		for i := lo; i < hi; i++ {
			e.row(x[i*d:i*d+d], sc.diff, sc.wlp)
			normalise(sc.wlp, sc.resp)
			fn(i, sc.wlp, sc.resp)
		}
	})
}

// rowScratch holds one worker's per-row buffers.
type rowScratch struct {
	diff, wlp, resp []float64
}

// newRowScratch allocates the buffers for k components in d dimensions.
func newRowScratch(k, d int) rowScratch {
	return rowScratch{diff: make([]float64, k*d), wlp: make([]float64, k), resp: make([]float64, k)}
}

// checkRows reports NaN or infinite values of the n×d matrix x with their
// count and the first offending row.
func checkRows(x []float64, n, d int) error {
	bad, first, col := 0, -1, -1
	for i, v := range x[:n*d] {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			if bad == 0 {
				first, col = i/d, i%d
			}
			bad++
		}
	}
	if bad > 0 {
		return fmt.Errorf("check rows: %d non-finite values (NaN or Inf), the first in row %d, column %d", bad, first, col)
	}
	return nil
}
