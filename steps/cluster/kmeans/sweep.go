package kmeans

import (
	"fmt"
	"math"
)

// Criteria accepted by SweepConfig.Criterion.
const (
	CriterionSilhouette       = "silhouette"
	CriterionCalinskiHarabasz = "calinski_harabasz"
	CriterionDaviesBouldin    = "davies_bouldin"
	CriterionElbow            = "elbow"
)

// DefaultSilhouetteSample is the number of rows above which Sweep computes
// the silhouette on a seeded sample of that many rows.
const DefaultSilhouetteSample = 10000

// SweepConfig holds the options of Sweep.
type SweepConfig struct {
	// Fit configures every fit; K is ignored and the seed of the fit for k
	// is derived from Fit.Seed and k (so a k's result does not depend on
	// the range swept).
	Fit Config
	// Criterion picks k: "silhouette" (default, largest), "calinski_harabasz"
	// (largest), "davies_bouldin" (smallest) or "elbow" (kneedle on the
	// inertia curve). Ties go to the smallest k.
	Criterion string
	// SilhouetteSample bounds the rows used for the silhouette (default
	// DefaultSilhouetteSample; a negative value always uses every row).
	SilhouetteSample int
}

// SweepResult holds the per-k scores of a sweep and the chosen fit. Scores
// that are undefined (every index but the inertia at k = 1) are NaN.
type SweepResult struct {
	// K lists the numbers of clusters tried, in increasing order.
	K []int
	// Inertia, Silhouette, CalinskiHarabasz and DaviesBouldin are the
	// scores of each k (the metrics are unweighted, like scikit-learn's).
	Inertia, Silhouette, CalinskiHarabasz, DaviesBouldin []float64
	// Iterations and Converged describe each k's fit.
	Iterations []int
	Converged  []bool
	// Criterion is the criterion used and BestK the k it picked.
	Criterion string
	BestK     int
	// Best is the fit for BestK.
	Best *Result
}

// Sweep fits k-means for every k in [kmin, kmax], scores each clustering
// and picks k by cfg.Criterion.
func Sweep(X []float64, n, d int, w []float64, kmin, kmax int, cfg SweepConfig) (*SweepResult, error) {
	if kmin < 1 || kmax < kmin {
		return nil, fmt.Errorf("sweep k: range %d..%d, want 1 <= kmin <= kmax: %w", kmin, kmax, ErrK)
	}
	switch cfg.Criterion {
	case "":
		cfg.Criterion = CriterionSilhouette
	case CriterionSilhouette, CriterionCalinskiHarabasz, CriterionDaviesBouldin, CriterionElbow:
	default:
		return nil, fmt.Errorf("sweep k: unknown criterion %q (want silhouette, calinski_harabasz, davies_bouldin or elbow): %w", cfg.Criterion, ErrConfig)
	}
	if cfg.SilhouetteSample == 0 {
		cfg.SilhouetteSample = DefaultSilhouetteSample
	}
	if err := checkMatrix("X", X, n, d); err != nil {
		return nil, fmt.Errorf("sweep k: %w", err)
	}
	if m := countDistinct(X, n, d, kmax); m < kmax {
		return nil, fmt.Errorf("sweep k: kmax = %d exceeds the %d distinct rows of X: %w", kmax, m, ErrK)
	}
	nk := kmax - kmin + 1
	out := &SweepResult{
		Criterion: cfg.Criterion,
		K:         make([]int, nk), Inertia: make([]float64, nk), Silhouette: make([]float64, nk),
		CalinskiHarabasz: make([]float64, nk), DaviesBouldin: make([]float64, nk),
		Iterations: make([]int, nk), Converged: make([]bool, nk),
	}
	fits := make([]*Result, nk)
	for i := range nk {
		k := kmin + i
		fc := cfg.Fit
		fc.K = k
		s := cfg.Fit.Seed ^ uint64(k)*0xd1b54a32d192ed03
		fc.Seed = splitmix64(&s)
		res, err := Fit(X, n, d, w, fc)
		if err != nil {
			return nil, fmt.Errorf("sweep k = %d: %w", k, err)
		}
		out.K[i], out.Inertia[i] = k, res.Inertia
		out.Iterations[i], out.Converged[i] = res.Iterations, res.Converged
		out.Silhouette[i], out.CalinskiHarabasz[i], out.DaviesBouldin[i] = math.NaN(), math.NaN(), math.NaN()
		if m := distinctLabels(res.Labels, k); m >= 2 && m <= n-1 {
			opt := SilhouetteOptions{Seed: fc.Seed, Workers: fc.Workers}
			if cfg.SilhouetteSample > 0 {
				opt.SampleSize = cfg.SilhouetteSample
			}
			if v, err := Silhouette(X, n, d, res.Labels, opt); err == nil {
				out.Silhouette[i] = v
			}
			if v, err := CalinskiHarabasz(X, n, d, res.Labels); err == nil {
				out.CalinskiHarabasz[i] = v
			}
			if v, err := DaviesBouldin(X, n, d, res.Labels); err == nil {
				out.DaviesBouldin[i] = v
			}
		}
		fits[i] = res
	}
	best := pickK(out)
	out.BestK, out.Best = out.K[best], fits[best]
	return out, nil
}

// distinctLabels counts the distinct labels in 0..k-1.
func distinctLabels(labels []int32, k int) int {
	seen := make([]bool, k)
	m := 0
	for _, l := range labels {
		if !seen[l] {
			seen[l] = true
			m++
		}
	}
	return m
}

// pickK returns the index of the chosen k.
func pickK(r *SweepResult) int {
	switch r.Criterion {
	case CriterionElbow:
		return kneedle(r.K, r.Inertia)
	case CriterionDaviesBouldin:
		return argBest(r.DaviesBouldin, func(a, b float64) bool { return a < b })
	case CriterionCalinskiHarabasz:
		return argBest(r.CalinskiHarabasz, func(a, b float64) bool { return a > b })
	default:
		return argBest(r.Silhouette, func(a, b float64) bool { return a > b })
	}
}

// argBest returns the index of the best non-NaN value (first on ties), or 0
// when every value is NaN.
func argBest(v []float64, better func(a, b float64) bool) int {
	best := -1
	for i, x := range v {
		if math.IsNaN(x) {
			continue
		}
		if best < 0 || better(x, v[best]) {
			best = i
		}
	}
	return max(best, 0)
}

// kneedle returns the index of the knee of a decreasing convex curve y(k)
// by the Kneedle method (Satopaa, Albrecht, Irwin & Raghavan 2011): with k
// and y min-max normalised to [0, 1], the knee maximises the difference
// curve (1 - y_n) - k_n, i.e. the point farthest below the chord from the
// first to the last point. This is the global maximum of the difference
// curve (kneed's offline result with the default sensitivity for curves with
// a single knee); ties and flat curves give the smallest k.
func kneedle(ks []int, y []float64) int {
	if len(ks) < 3 {
		return 0
	}
	kmin, kmax := float64(ks[0]), float64(ks[len(ks)-1])
	ymin, ymax := math.Inf(1), math.Inf(-1)
	for _, v := range y {
		ymin, ymax = min(ymin, v), max(ymax, v)
	}
	if ymax == ymin {
		return 0
	}
	best, bestD := 0, math.Inf(-1)
	for i, k := range ks {
		kn := (float64(k) - kmin) / (kmax - kmin)
		yn := (y[i] - ymin) / (ymax - ymin)
		if dd := (1 - yn) - kn; dd > bestD {
			best, bestD = i, dd
		}
	}
	return best
}
