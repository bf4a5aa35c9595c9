package vbgmm

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
)

// nkEps is what scikit-learn adds to every component's summed
// responsibility (10 × float64 machine epsilon) so that empty components
// do not divide by zero.
const nkEps = 10 * 2.220446049250313e-16

// pcgStream is the second PCG word; the first is Config.Seed.
const pcgStream = 0x5bd1e995a0e47d2b

// Result is the outcome of a fit.
type Result struct {
	// Model is the fitted mixture of the initialisation with the highest
	// final lower bound.
	Model *Model
	// Labels holds each row's component: the argmax of its responsibilities
	// under Model (scikit-learn's fit_predict).
	Labels []int
	// Probabilities holds each row's responsibility for its component, its
	// membership probability.
	Probabilities []float64
	// EffectiveComponents counts the components whose weight exceeds
	// Config.WeightThreshold.
	EffectiveComponents int
	// LowerBounds holds the evidence lower bound after each iteration of the
	// kept initialisation, up to the constant scikit-learn leaves out.
	LowerBounds []float64
	// LowerBound is the final lower bound of the kept initialisation.
	LowerBound float64
	// Converged reports whether the kept initialisation stopped because the
	// lower bound changed by less than Config.Tol.
	Converged bool
	// Iterations is the number of iterations of the kept initialisation.
	Iterations int
}

// Fit fits a variational Gaussian mixture to the n rows of x (n×d,
// row-major), running cfg.NInit initialisations drawn from cfg.Seed and
// keeping the one with the highest lower bound, as scikit-learn's
// BayesianGaussianMixture.fit does.
func Fit(x []float64, d int, cfg Config) (*Result, error) {
	f, err := newFitter(x, d, cfg)
	if err != nil {
		return nil, fmt.Errorf("fit mixture: %w", err)
	}
	rng := rand.New(rand.NewPCG(f.cfg.Seed, pcgStream))
	var best *run
	for range f.cfg.NInit {
		switch f.cfg.InitParams {
		case InitKMeans:
			labels := kmeansLabels(f.x, f.n, f.d, f.k, rng, f.workers)
			err = f.initialize(nil, labels)
		default:
			err = f.initialize(randomResp(f.n, f.k, rng), nil)
		}
		if err != nil {
			return nil, fmt.Errorf("fit mixture: %w", err)
		}
		r, err := f.run()
		if err != nil {
			return nil, fmt.Errorf("fit mixture: %w", err)
		}
		if best == nil || r.lowerBound > best.lowerBound {
			best = r
		}
	}
	return f.result(best), nil
}

// FitFrom fits a variational Gaussian mixture to the n rows of x (n×d,
// row-major) starting from the given n×K responsibilities, as
// scikit-learn's _initialize(X, resp) followed by its iterations. It runs
// one initialisation and ignores cfg.NInit, cfg.InitParams and cfg.Seed.
// Each row of resp should be non-negative and sum to one.
func FitFrom(x []float64, d int, resp []float64, cfg Config) (*Result, error) {
	f, err := newFitter(x, d, cfg)
	if err != nil {
		return nil, fmt.Errorf("fit mixture: %w", err)
	}
	if len(resp) != f.n*f.k {
		return nil, fmt.Errorf("fit mixture: responsibilities have %d values, want %d (%d rows × %d components)", len(resp), f.n*f.k, f.n, f.k)
	}
	for i, v := range resp {
		if !(v >= 0) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("fit mixture: responsibility of row %d, component %d is %v, want finite and non-negative", i/f.k, i%f.k, v)
		}
	}
	if err := f.initialize(resp, nil); err != nil {
		return nil, fmt.Errorf("fit mixture: %w", err)
	}
	r, err := f.run()
	if err != nil {
		return nil, fmt.Errorf("fit mixture: %w", err)
	}
	return f.result(r), nil
}

// run is the outcome of one initialisation.
type run struct {
	model       *Model
	lowerBounds []float64
	lowerBound  float64
	converged   bool
}

// fitter holds the data, the current variational posterior and every
// buffer the iterations use, so that an iteration allocates nothing large.
type fitter struct {
	cfg     Config
	x       []float64
	n, d, k int
	pri     priors
	workers int

	m  *Model
	ev *evaluator

	// Layout of the per-chunk sufficient statistics: Σ r ln r, then Σ_n r_nk
	// (K), Σ_n r_nk (x_n − c_k) (K×d), Σ_n r_nk (x_n − c_k)(x_n − c_k)ᵀ (K
	// packed lower triangles of d(d+1)/2 values for full and tied, K×d
	// diagonals for diag and spherical), c_k being the centres of the pass.
	offR, offS1, offS, tri, statLen int
	chunkStats                      []float64
	stats                           []float64
	scratch                         []rowScratch
	blocks                          []blockScratch
	xt                              []float64 // d×n column-major copy of x (full and tied)
	ones                            []float64 // blockRows ones

	dataMean []float64 // K×d copies of the column means, centres of the first pass
	nk, xk   []float64
	sk       []float64 // covariance estimates, full: K×d×d, tied: d×d, diag: K×d, spherical: K
	cov      []float64 // d×d scratch
	chol     []float64 // d×d scratch
	inv      []float64 // d×d scratch
	delta    []float64 // d scratch
}

// newFitter checks the input and allocates the buffers of a fit.
func newFitter(x []float64, d int, cfg Config) (*fitter, error) {
	cfg = cfg.normalised()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if d < 1 {
		return nil, fmt.Errorf("need at least 1 feature, got %d", d)
	}
	if len(x)%d != 0 {
		return nil, fmt.Errorf("%d values is not a whole number of rows of %d features", len(x), d)
	}
	n, k := len(x)/d, cfg.MaxComponents
	if n < 2 {
		return nil, fmt.Errorf("need at least 2 rows, got %d", n)
	}
	if n < k {
		return nil, fmt.Errorf("need at least as many rows as max_components (scikit-learn requires n_samples >= n_components), got %d rows for %d components", n, k)
	}
	if err := checkRows(x, n, d); err != nil {
		return nil, err
	}
	pri, err := cfg.resolvePriors(x, n, d)
	if err != nil {
		return nil, err
	}
	workers := cfg.Workers
	if workers == 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = max(1, min(workers, numChunks(n)))
	f := &fitter{cfg: cfg, x: x, n: n, d: d, k: k, pri: pri, workers: workers}
	f.m = newModel(cfg.CovarianceType, cfg.WeightConcentrationPriorType, k, d, pri)
	f.ev = newEvaluator(f.m)
	f.tri = d
	if cfg.CovarianceType == Full || cfg.CovarianceType == Tied {
		f.tri = d * (d + 1) / 2
	}
	f.offR = 1
	f.offS1 = f.offR + k
	f.offS = f.offS1 + k*d
	f.statLen = f.offS + k*f.tri
	f.chunkStats = make([]float64, numChunks(n)*f.statLen)
	f.stats = make([]float64, f.statLen)
	f.scratch = make([]rowScratch, workers)
	for w := range f.scratch {
		f.scratch[w] = newRowScratch(k, d)
	}
	if cfg.CovarianceType == Full || cfg.CovarianceType == Tied {
		f.xt = make([]float64, d*n)
		for i := range n {
			for j, v := range x[i*d : i*d+d] {
				f.xt[j*n+i] = v
			}
		}
		f.blocks = make([]blockScratch, workers)
		for w := range f.blocks {
			f.blocks[w] = newBlockScratch(k, d)
		}
		f.ones = make([]float64, blockRows)
		for i := range f.ones {
			f.ones[i] = 1
		}
	}
	mean := columnMeans(x, n, d)
	f.dataMean = make([]float64, k*d)
	for c := range k {
		copy(f.dataMean[c*d:], mean)
	}
	f.nk = make([]float64, k)
	f.xk = make([]float64, k*d)
	switch cfg.CovarianceType {
	case Full:
		f.sk = make([]float64, k*d*d)
	case Tied:
		f.sk = make([]float64, d*d)
	case Diag:
		f.sk = make([]float64, k*d)
	default:
		f.sk = make([]float64, k)
	}
	f.cov = make([]float64, d*d)
	f.chol = make([]float64, d*d)
	f.inv = make([]float64, d*d)
	f.delta = make([]float64, d)
	return f, nil
}

// initialize sets the posterior from initial responsibilities, given either
// densely (n×K) or as one component per row.
func (f *fitter) initialize(resp []float64, labels []int) error {
	k, d := f.k, f.d
	ctr := f.dataMean
	forChunks(f.n, f.workers, func(lo, hi, c, w int) {
		st := f.chunkStats[c*f.statLen : (c+1)*f.statLen]
		clear(st)
		sc := &f.scratch[w]
		for i := lo; i < hi; i++ {
			xr := f.x[i*d : i*d+d]
			for j := range k {
				df := sc.diff[j*d : j*d+d]
				for p, v := range xr {
					df[p] = v - ctr[j*d+p]
				}
			}
			if resp != nil {
				copy(sc.resp, resp[i*k:i*k+k])
			} else {
				clear(sc.resp)
				sc.resp[labels[i]] = 1
			}
			f.accumulate(st, sc.diff, sc.resp)
		}
	})
	f.reduce()
	if err := f.mstep(ctr); err != nil {
		return err
	}
	f.ev.set(f.m)
	return nil
}

// run iterates from the current posterior until convergence or
// cfg.MaxIter iterations.
func (f *fitter) run() (*run, error) {
	r := &run{lowerBound: math.Inf(-1), lowerBounds: make([]float64, 0, min(f.cfg.MaxIter, 1024))}
	for range f.cfg.MaxIter {
		prev := r.lowerBound
		lb, err := f.iterate()
		if err != nil {
			return nil, err
		}
		r.lowerBound = lb
		r.lowerBounds = append(r.lowerBounds, lb)
		if math.Abs(lb-prev) < f.cfg.Tol {
			r.converged = true
			break
		}
	}
	f.m.setWeights()
	r.model = f.m.clone()
	return r, nil
}

// iterate runs one E-step and M-step and returns the new lower bound.
func (f *fitter) iterate() (float64, error) {
	d := f.d
	blocked := f.cfg.CovarianceType == Full || f.cfg.CovarianceType == Tied
	forChunks(f.n, f.workers, func(lo, hi, c, w int) {
		st := f.chunkStats[c*f.statLen : (c+1)*f.statLen]
		clear(st)
		rlogr := 0.0
		if blocked {
			sc := &f.blocks[w]
			for i := lo; i < hi; i += blockRows {
				rlogr += f.triBlock(st, i, min(i+blockRows, hi), sc)
			}
		} else {
			sc := &f.scratch[w]
			logs := logSum{prod: 1}
			for i := lo; i < hi; i++ {
				f.ev.row(f.x[i*d:i*d+d], sc.diff, sc.wlp)
				s, e := normalise(sc.wlp, sc.resp)
				rlogr += e
				logs.add(s)
				f.accumulate(st, sc.diff, sc.resp)
			}
			rlogr -= logs.value()
		}
		st[0] = rlogr
	})
	f.reduce()
	if err := f.mstep(f.ev.means); err != nil {
		return 0, err
	}
	lb := f.lowerBound()
	f.ev.set(f.m)
	return lb, nil
}

// accumulate adds one row's contribution to the chunk statistics st.
func (f *fitter) accumulate(st, diff, resp []float64) {
	k, d, tri := f.k, f.d, f.tri
	rs := st[f.offR : f.offR+k]
	s1 := st[f.offS1 : f.offS1+k*d]
	ss := st[f.offS : f.offS+k*tri]
	packed := f.cfg.CovarianceType == Full || f.cfg.CovarianceType == Tied
	for c, r := range resp[:k] {
		if r == 0 {
			continue
		}
		rs[c] += r
		df := diff[c*d : c*d+d]
		a := s1[c*d : c*d+d]
		p := ss[c*tri : c*tri+tri]
		if packed {
			idx := 0
			for j, v := range df {
				rv := r * v
				a[j] += rv
				row := p[idx : idx+j+1]
				for i := range row {
					row[i] += rv * df[i]
				}
				idx += j + 1
			}
		} else {
			for j, v := range df {
				rv := r * v
				a[j] += rv
				p[j] += rv * v
			}
		}
	}
}

// reduce sums the chunk statistics in chunk order into f.stats.
func (f *fitter) reduce() {
	copy(f.stats, f.chunkStats[:f.statLen])
	for c := 1; c < numChunks(f.n); c++ {
		src := f.chunkStats[c*f.statLen : (c+1)*f.statLen]
		for i, v := range src {
			f.stats[i] += v
		}
	}
}

// mstep turns the reduced statistics, gathered about the centres ctr (K×d),
// into scikit-learn's nk, xk, sk and then the new posterior.
func (f *fitter) mstep(ctr []float64) error {
	if err := f.gaussianStats(ctr); err != nil {
		return err
	}
	f.estimateWeights()
	f.estimateMeans()
	return f.estimatePrecisions()
}

// gaussianStats computes scikit-learn's _estimate_gaussian_parameters: the
// effective counts nk, the weighted means xk and the weighted covariances sk
// (with reg_covar on the diagonal). The scatter gathered about c_k is moved
// to xk exactly: Σ r (x−xk)(x−xk)ᵀ = S − s₁δᵀ − δs₁ᵀ + R·δδᵀ with δ = xk − c_k.
func (f *fitter) gaussianStats(ctr []float64) error {
	k, d, tri := f.k, f.d, f.tri
	st := f.stats
	reg := f.cfg.RegCovar
	ct := f.cfg.CovarianceType
	if ct == Tied {
		clear(f.sk)
	}
	for c := range k {
		rsum := st[f.offR+c]
		nk := rsum + nkEps
		f.nk[c] = nk
		s1 := st[f.offS1+c*d : f.offS1+c*d+d]
		p := st[f.offS+c*tri : f.offS+c*tri+tri]
		mu := ctr[c*d : c*d+d]
		xk := f.xk[c*d : c*d+d]
		delta := f.delta
		for j := range d {
			xk[j] = (s1[j] + rsum*mu[j]) / nk
			delta[j] = xk[j] - mu[j]
		}
		switch ct {
		case Full, Tied:
			idx := 0
			for a := range d {
				for b := 0; b <= a; b++ {
					v := p[idx] - s1[a]*delta[b] - delta[a]*s1[b] + rsum*delta[a]*delta[b]
					idx++
					if ct == Full {
						v /= nk
						if a == b {
							v += reg
						}
						f.sk[c*d*d+a*d+b] = v
						f.sk[c*d*d+b*d+a] = v
					} else {
						f.sk[a*d+b] += v
					}
				}
			}
		case Diag, Spherical:
			mean := 0.0
			for j := range d {
				v := (p[j]-2*s1[j]*delta[j]+rsum*delta[j]*delta[j])/nk + reg
				if ct == Diag {
					f.sk[c*d+j] = v
				}
				mean += v
			}
			if ct == Spherical {
				f.sk[c] = mean / float64(d)
			}
		}
	}
	if ct == Tied {
		total := 0.0
		for _, v := range f.nk {
			total += v
		}
		for a := range d {
			for b := 0; b <= a; b++ {
				v := f.sk[a*d+b] / total
				if a == b {
					v += reg
				}
				f.sk[a*d+b], f.sk[b*d+a] = v, v
			}
		}
	}
	return nil
}

// estimateWeights sets the weight concentration from nk.
func (f *fitter) estimateWeights() {
	m := f.m
	if m.WeightConcentrationPriorType == DirichletProcess {
		tail := 0.0
		for c := f.k - 1; c >= 0; c-- {
			m.WeightConcentration[c] = 1 + f.nk[c]
			m.WeightConcentrationB[c] = f.pri.weightConc + tail
			tail += f.nk[c]
		}
		return
	}
	for c, v := range f.nk {
		m.WeightConcentration[c] = f.pri.weightConc + v
	}
}

// estimateMeans sets the mean precisions and the means from nk and xk.
func (f *fitter) estimateMeans() {
	m, d := f.m, f.d
	for c, nk := range f.nk {
		mp := f.pri.meanPrec + nk
		m.MeanPrecision[c] = mp
		for j := range d {
			m.Means[c*d+j] = (f.pri.meanPrec*f.pri.mean[j] + nk*f.xk[c*d+j]) / mp
		}
	}
}

// errIllDefined is scikit-learn's message when a covariance is not
// positive definite.
var errIllDefined = errors.New("estimate precisions: some components have ill-defined empirical covariance (for instance caused by singleton or collapsed samples); decrease max_components or increase reg_covar")

// estimatePrecisions sets the Wishart parameters, the covariances and the
// Cholesky factors of the precisions.
func (f *fitter) estimatePrecisions() error {
	m, k, d := f.m, f.k, f.d
	kappa0, w0, m0 := f.pri.meanPrec, f.pri.cov, f.pri.mean
	switch f.cfg.CovarianceType {
	case Full:
		for c, nk := range f.nk {
			dof := f.pri.dof + nk
			m.DegreesOfFreedom[c] = dof
			xk := f.xk[c*d : c*d+d]
			for j := range d {
				f.delta[j] = xk[j] - m0[j]
			}
			scale := nk * kappa0 / m.MeanPrecision[c]
			cv := m.Covariances[c*d*d : (c+1)*d*d]
			sk := f.sk[c*d*d : (c+1)*d*d]
			for a := range d {
				for b := range d {
					cv[a*d+b] = (w0[a*d+b] + nk*sk[a*d+b] + scale*(f.delta[a]*f.delta[b])) / dof
				}
			}
			if err := f.precisionCholesky(cv, m.PrecisionsCholesky[c*d*d:(c+1)*d*d]); err != nil {
				return err
			}
		}
	case Tied:
		total := 0.0
		for _, v := range f.nk {
			total += v
		}
		dof := f.pri.dof + total/float64(k)
		for c := range k {
			m.DegreesOfFreedom[c] = dof
		}
		clear(f.cov)
		for c, nk := range f.nk {
			w := nk / m.MeanPrecision[c]
			for j := range d {
				f.delta[j] = f.xk[c*d+j] - m0[j]
			}
			for a := range d {
				for b := range d {
					f.cov[a*d+b] += w * f.delta[a] * f.delta[b]
				}
			}
		}
		for i := range d * d {
			m.Covariances[i] = (w0[i] + f.sk[i]*total/float64(k) + kappa0/float64(k)*f.cov[i]) / dof
		}
		if err := f.precisionCholesky(m.Covariances, m.PrecisionsCholesky); err != nil {
			return err
		}
	case Diag:
		for c, nk := range f.nk {
			dof := f.pri.dof + nk
			m.DegreesOfFreedom[c] = dof
			r := kappa0 / m.MeanPrecision[c]
			for j := range d {
				t := f.xk[c*d+j] - m0[j]
				v := (w0[j] + nk*(f.sk[c*d+j]+r*(t*t))) / dof
				if !(v > 0) {
					return errIllDefined
				}
				m.Covariances[c*d+j] = v
				m.PrecisionsCholesky[c*d+j] = 1 / math.Sqrt(v)
			}
		}
	case Spherical:
		for c, nk := range f.nk {
			dof := f.pri.dof + nk
			m.DegreesOfFreedom[c] = dof
			ss := 0.0
			for j := range d {
				t := f.xk[c*d+j] - m0[j]
				ss += t * t
			}
			v := (w0[0] + nk*(f.sk[c]+kappa0/m.MeanPrecision[c]*(ss/float64(d)))) / dof
			if !(v > 0) {
				return errIllDefined
			}
			m.Covariances[c] = v
			m.PrecisionsCholesky[c] = 1 / math.Sqrt(v)
		}
	}
	return nil
}

// precisionCholesky writes into p the upper triangular Cholesky factor of
// the inverse of the covariance cv, Pᵀ = L⁻¹ for cv = L·Lᵀ, as scikit-learn's
// _compute_precision_cholesky.
func (f *fitter) precisionCholesky(cv, p []float64) error {
	if !cholesky(cv, f.chol, f.d) {
		return errIllDefined
	}
	invertLower(f.chol, f.inv, f.d)
	transpose(f.inv, p, f.d)
	return nil
}

// lowerBound returns scikit-learn's _compute_lower_bound for the current
// posterior and the Σ r ln r of the last E-step.
func (f *fitter) lowerBound() float64 {
	m, k, d := f.m, f.k, f.d
	fd := float64(d)
	wishart := func(dof, logDetChol float64) float64 {
		s := dof*logDetChol + dof*fd*0.5*math.Ln2
		for j := range d {
			s += lgamma(0.5 * (dof - float64(j)))
		}
		return -s
	}
	logWishart := 0.0
	switch f.cfg.CovarianceType {
	case Full:
		for c := range k {
			ld := 0.0
			for j := range d {
				ld += math.Log(m.PrecisionsCholesky[c*d*d+j*d+j])
			}
			dof := m.DegreesOfFreedom[c]
			logWishart += wishart(dof, ld-0.5*fd*math.Log(dof))
		}
	case Tied:
		ld := 0.0
		for j := range d {
			ld += math.Log(m.PrecisionsCholesky[j*d+j])
		}
		dof := m.DegreesOfFreedom[0]
		logWishart = float64(k) * wishart(dof, ld-0.5*fd*math.Log(dof))
	case Diag:
		for c := range k {
			ld := 0.0
			for j := range d {
				ld += math.Log(m.PrecisionsCholesky[c*d+j])
			}
			dof := m.DegreesOfFreedom[c]
			logWishart += wishart(dof, ld-0.5*fd*math.Log(dof))
		}
	case Spherical:
		for c := range k {
			dof := m.DegreesOfFreedom[c]
			logWishart += wishart(dof, fd*math.Log(m.PrecisionsCholesky[c])-0.5*fd*math.Log(dof))
		}
	}
	var logNormWeight float64
	if m.WeightConcentrationPriorType == DirichletProcess {
		for c := range k {
			logNormWeight -= betaln(m.WeightConcentration[c], m.WeightConcentrationB[c])
		}
	} else {
		sum := 0.0
		for _, v := range m.WeightConcentration {
			sum += v
			logNormWeight -= lgamma(v)
		}
		logNormWeight += lgamma(sum)
	}
	logMP := 0.0
	for _, v := range m.MeanPrecision {
		logMP += math.Log(v)
	}
	return -f.stats[0] - logWishart - logNormWeight - 0.5*fd*logMP
}

// result assembles the Result of the kept run, with the final E-step that
// labels the rows.
func (f *fitter) result(r *run) *Result {
	res := &Result{
		Model:       r.model,
		LowerBounds: r.lowerBounds,
		LowerBound:  r.lowerBound,
		Converged:   r.converged,
		Iterations:  len(r.lowerBounds),
	}
	res.Labels = make([]int, f.n)
	res.Probabilities = make([]float64, f.n)
	r.model.scanWorkers(f.x, f.n, f.workers, func(i int, wlp, resp []float64) {
		res.Labels[i], res.Probabilities[i] = argmax(wlp, resp)
	})
	for _, w := range r.model.Weights {
		if w > f.cfg.WeightThreshold {
			res.EffectiveComponents++
		}
	}
	return res
}

// randomResp draws n×k responsibilities uniformly and normalises each row,
// as scikit-learn's init_params="random".
func randomResp(n, k int, rng *rand.Rand) []float64 {
	resp := make([]float64, n*k)
	for i := range n {
		row := resp[i*k : i*k+k]
		s := 0.0
		for c := range row {
			row[c] = rng.Float64()
			s += row[c]
		}
		for c := range row {
			row[c] /= s
		}
	}
	return resp
}
