package vbgmm

import (
	"fmt"
	"math"
)

// CovarianceType selects the form of each component's covariance matrix.
type CovarianceType string

// The covariance types, named as in scikit-learn.
const (
	// Full gives each component its own general covariance matrix.
	Full CovarianceType = "full"
	// Tied makes all components share one general covariance matrix.
	Tied CovarianceType = "tied"
	// Diag gives each component its own diagonal covariance matrix.
	Diag CovarianceType = "diag"
	// Spherical gives each component its own single variance.
	Spherical CovarianceType = "spherical"
)

// WeightPriorType selects the prior on the mixture weights.
type WeightPriorType string

// The weight prior types, named as in scikit-learn.
const (
	// DirichletProcess is the truncated stick-breaking Dirichlet process
	// prior: components are ordered and later ones are cheaper to empty.
	DirichletProcess WeightPriorType = "dirichlet_process"
	// DirichletDistribution is the finite symmetric Dirichlet prior.
	DirichletDistribution WeightPriorType = "dirichlet_distribution"
)

// InitMethod selects how the initial responsibilities are drawn.
type InitMethod string

// The initialisation methods, named as in scikit-learn.
const (
	// InitKMeans assigns each row fully to its k-means cluster (k-means++
	// seeding then Lloyd iterations, as scikit-learn's KMeans with n_init=1).
	InitKMeans InitMethod = "kmeans"
	// InitRandom draws each row's responsibilities uniformly and normalises
	// them to sum to one.
	InitRandom InitMethod = "random"
)

// DefaultWeightThreshold is the weight above which a component counts as
// effective when Config.WeightThreshold is zero.
const DefaultWeightThreshold = 0.01

// Config holds the settings of a fit. Start from DefaultConfig: zero values
// of the prior fields mean "derive from the data" as scikit-learn's None
// does, but zero Tol, RegCovar, MaxIter and NInit are taken literally.
type Config struct {
	// MaxComponents is the truncation level: the largest number of
	// components the fit may use (scikit-learn's n_components).
	MaxComponents int `yaml:"max_components" json:"max_components"`
	// CovarianceType is full, tied, diag or spherical; empty means full.
	CovarianceType CovarianceType `yaml:"covariance_type" json:"covariance_type"`
	// WeightConcentrationPriorType is dirichlet_process or
	// dirichlet_distribution; empty means dirichlet_process.
	WeightConcentrationPriorType WeightPriorType `yaml:"weight_concentration_prior_type" json:"weight_concentration_prior_type"`
	// WeightConcentrationPrior is the Dirichlet concentration (gamma) of each
	// component; lower values empty more components. Zero means
	// 1/MaxComponents.
	WeightConcentrationPrior float64 `yaml:"weight_concentration_prior" json:"weight_concentration_prior"`
	// MeanPrecisionPrior is the precision (kappa) of the Gaussian prior on
	// the means. Zero means 1.
	MeanPrecisionPrior float64 `yaml:"mean_precision_prior" json:"mean_precision_prior"`
	// MeanPrior is the prior mean of the component means, one value per
	// feature. Nil means the column means of the data.
	MeanPrior []float64 `yaml:"mean_prior" json:"mean_prior"`
	// DegreesOfFreedomPrior is the Wishart degrees of freedom; it must
	// exceed the number of features minus one. Zero means the number of
	// features.
	DegreesOfFreedomPrior float64 `yaml:"degrees_of_freedom_prior" json:"degrees_of_freedom_prior"`
	// CovariancePrior is the Wishart prior covariance: a row-major d×d matrix
	// for full and tied, d variances for diag, one variance for spherical.
	// Nil means the sample covariance (ddof 1) of the data, its diagonal, or
	// the mean of its diagonal.
	CovariancePrior []float64 `yaml:"covariance_prior" json:"covariance_prior"`
	// RegCovar is added to the diagonal of every empirical covariance.
	RegCovar float64 `yaml:"reg_covar" json:"reg_covar"`
	// Tol stops the iterations of one initialisation when the lower bound
	// changes by less than Tol (absolute, not per row, as in scikit-learn).
	Tol float64 `yaml:"tol" json:"tol"`
	// MaxIter caps the iterations of one initialisation.
	MaxIter int `yaml:"max_iter" json:"max_iter"`
	// NInit is the number of initialisations; the one with the highest
	// final lower bound is kept.
	NInit int `yaml:"n_init" json:"n_init"`
	// InitParams is kmeans or random; empty means kmeans.
	InitParams InitMethod `yaml:"init_params" json:"init_params"`
	// Seed seeds the PCG generator used by the initialisations.
	Seed uint64 `yaml:"seed" json:"seed"`
	// WeightThreshold is the weight a component must exceed to count in
	// Result.EffectiveComponents. Zero means DefaultWeightThreshold.
	WeightThreshold float64 `yaml:"weight_threshold" json:"weight_threshold"`
	// Workers is the number of goroutines; zero means GOMAXPROCS. Results
	// do not depend on it.
	Workers int `yaml:"workers" json:"workers"`
}

// DefaultConfig returns scikit-learn 1.2's defaults except MaxComponents,
// which is 10 rather than 1 (one component is never useful for
// segmentation), and Seed 0.
func DefaultConfig() Config {
	return Config{
		MaxComponents:                10,
		CovarianceType:               Full,
		WeightConcentrationPriorType: DirichletProcess,
		RegCovar:                     1e-6,
		Tol:                          1e-3,
		MaxIter:                      100,
		NInit:                        1,
		InitParams:                   InitKMeans,
	}
}

// priors holds the resolved prior parameters of a fit.
type priors struct {
	weightConc float64
	meanPrec   float64
	mean       []float64
	dof        float64
	cov        []float64
}

// normalised returns c with empty enumerations set to their defaults.
func (c Config) normalised() Config {
	if c.CovarianceType == "" {
		c.CovarianceType = Full
	}
	if c.WeightConcentrationPriorType == "" {
		c.WeightConcentrationPriorType = DirichletProcess
	}
	if c.InitParams == "" {
		c.InitParams = InitKMeans
	}
	if c.WeightThreshold == 0 {
		c.WeightThreshold = DefaultWeightThreshold
	}
	return c
}

// validate checks the settings that do not depend on the data.
func (c Config) validate() error {
	switch c.CovarianceType {
	case Full, Tied, Diag, Spherical:
	default:
		return fmt.Errorf("unknown covariance type %q (want full, tied, diag or spherical)", c.CovarianceType)
	}
	switch c.WeightConcentrationPriorType {
	case DirichletProcess, DirichletDistribution:
	default:
		return fmt.Errorf("unknown weight concentration prior type %q (want dirichlet_process or dirichlet_distribution)", c.WeightConcentrationPriorType)
	}
	switch c.InitParams {
	case InitKMeans, InitRandom:
	default:
		return fmt.Errorf("unknown init method %q (want kmeans or random)", c.InitParams)
	}
	if c.MaxComponents < 1 {
		return fmt.Errorf("max_components must be at least 1, got %d", c.MaxComponents)
	}
	if c.MaxIter < 1 {
		return fmt.Errorf("max_iter must be at least 1, got %d", c.MaxIter)
	}
	if c.NInit < 1 {
		return fmt.Errorf("n_init must be at least 1, got %d", c.NInit)
	}
	if !(c.Tol >= 0) || math.IsInf(c.Tol, 0) {
		return fmt.Errorf("tol must be finite and non-negative, got %v", c.Tol)
	}
	if !(c.RegCovar >= 0) || math.IsInf(c.RegCovar, 0) {
		return fmt.Errorf("reg_covar must be finite and non-negative, got %v", c.RegCovar)
	}
	for _, p := range []struct {
		name string
		v    float64
	}{
		{"weight_concentration_prior", c.WeightConcentrationPrior},
		{"mean_precision_prior", c.MeanPrecisionPrior},
		{"degrees_of_freedom_prior", c.DegreesOfFreedomPrior},
		{"weight_threshold", c.WeightThreshold},
	} {
		if !(p.v >= 0) || math.IsInf(p.v, 0) {
			return fmt.Errorf("%s must be finite and positive (or 0 for the default), got %v", p.name, p.v)
		}
	}
	if c.Workers < 0 {
		return fmt.Errorf("workers must not be negative, got %d", c.Workers)
	}
	return nil
}

// resolvePriors fills the priors that default to statistics of x (n×d).
func (c Config) resolvePriors(x []float64, n, d int) (priors, error) {
	p := priors{
		weightConc: c.WeightConcentrationPrior,
		meanPrec:   c.MeanPrecisionPrior,
		dof:        c.DegreesOfFreedomPrior,
	}
	if p.weightConc == 0 {
		p.weightConc = 1 / float64(c.MaxComponents)
	}
	if p.meanPrec == 0 {
		p.meanPrec = 1
	}
	if p.dof == 0 {
		p.dof = float64(d)
	} else if !(p.dof > float64(d)-1) {
		return p, fmt.Errorf("degrees_of_freedom_prior must be greater than %d (features - 1), got %v", d-1, p.dof)
	}
	mean := columnMeans(x, n, d)
	if c.MeanPrior == nil {
		p.mean = mean
	} else {
		if len(c.MeanPrior) != d {
			return p, fmt.Errorf("mean_prior has %d values, want %d (one per feature)", len(c.MeanPrior), d)
		}
		if err := checkFinite("mean_prior", c.MeanPrior); err != nil {
			return p, err
		}
		p.mean = append([]float64(nil), c.MeanPrior...)
	}
	if c.CovariancePrior == nil {
		cov := sampleCovariance(x, mean, n, d)
		switch c.CovarianceType {
		case Full, Tied:
			p.cov = cov
		case Diag:
			p.cov = make([]float64, d)
			for j := range d {
				p.cov[j] = cov[j*d+j]
			}
		case Spherical:
			s := 0.0
			for j := range d {
				s += cov[j*d+j]
			}
			p.cov = []float64{s / float64(d)}
		}
		return p, nil
	}
	if err := checkFinite("covariance_prior", c.CovariancePrior); err != nil {
		return p, err
	}
	p.cov = append([]float64(nil), c.CovariancePrior...)
	switch c.CovarianceType {
	case Full, Tied:
		if len(p.cov) != d*d {
			return p, fmt.Errorf("covariance_prior has %d values, want %d (a %d×%d matrix) for %s covariance", len(p.cov), d*d, d, d, c.CovarianceType)
		}
		for i := range d {
			for j := range i {
				a, b := p.cov[i*d+j], p.cov[j*d+i]
				if math.Abs(a-b) > 1e-8+1e-5*math.Abs(b) {
					return p, fmt.Errorf("covariance_prior is not symmetric: [%d][%d]=%v, [%d][%d]=%v", i, j, a, j, i, b)
				}
			}
		}
		l := make([]float64, d*d)
		if !cholesky(p.cov, l, d) {
			return p, fmt.Errorf("covariance_prior is not positive definite")
		}
	case Diag:
		if len(p.cov) != d {
			return p, fmt.Errorf("covariance_prior has %d values, want %d (one variance per feature) for diag covariance", len(p.cov), d)
		}
	case Spherical:
		if len(p.cov) != 1 {
			return p, fmt.Errorf("covariance_prior has %d values, want 1 for spherical covariance", len(p.cov))
		}
	}
	if c.CovarianceType == Diag || c.CovarianceType == Spherical {
		for j, v := range p.cov {
			if !(v > 0) {
				return p, fmt.Errorf("covariance_prior[%d] must be positive, got %v", j, v)
			}
		}
	}
	return p, nil
}

// checkFinite reports the first NaN or infinite value of v.
func checkFinite(name string, v []float64) error {
	for i, f := range v {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Errorf("%s[%d] is not finite: %v", name, i, f)
		}
	}
	return nil
}

// columnMeans returns the mean of each column of the n×d matrix x.
func columnMeans(x []float64, n, d int) []float64 {
	m := make([]float64, d)
	for i := range n {
		row := x[i*d : i*d+d]
		for j, v := range row {
			m[j] += v
		}
	}
	for j := range m {
		m[j] /= float64(n)
	}
	return m
}

// sampleCovariance returns the d×d covariance (ddof 1) of x about mean.
func sampleCovariance(x, mean []float64, n, d int) []float64 {
	c := make([]float64, d*d)
	diff := make([]float64, d)
	for i := range n {
		row := x[i*d : i*d+d]
		for j := range d {
			diff[j] = row[j] - mean[j]
		}
		for a := range d {
			da := diff[a]
			ca := c[a*d : a*d+a+1]
			for b := range ca {
				ca[b] += da * diff[b]
			}
		}
	}
	for a := range d {
		for b := 0; b <= a; b++ {
			v := c[a*d+b] / float64(n-1)
			c[a*d+b], c[b*d+a] = v, v
		}
	}
	return c
}
