package kmeans

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Initialisation methods accepted by Config.Init.
const (
	InitKMeansPP = "k-means++"
	InitRandom   = "random"
	InitGiven    = "given"
)

// Algorithms accepted by Config.Algorithm.
const (
	AlgoAuto    = "auto"
	AlgoLloyd   = "lloyd"
	AlgoHamerly = "hamerly"
	AlgoElkan   = "elkan"
)

// Config holds the options of Fit. The zero value of every field except K
// and Tol selects the default shown; DefaultConfig returns a Config with
// scikit-learn's defaults filled in.
type Config struct {
	// K is the number of clusters (required, 1 <= K <= distinct rows).
	K int
	// Init is "k-means++" (default; greedy k-means++ with 2+floor(ln K)
	// candidates per centre), "random" (K rows with distinct values drawn
	// by the seed) or "given" (Centres).
	Init string
	// Centres holds the K x d initial centres, row-major, for Init "given".
	Centres []float64
	// NInit is the number of restarts; the run with the lowest inertia is
	// kept. Default: 1 for "k-means++" and "given", 10 for "random".
	NInit int
	// MaxIter is the maximum number of iterations per run (default 300).
	MaxIter int
	// Tol is the convergence tolerance relative to the data: a run stops
	// when the total squared centre shift of an iteration is at most
	// Tol * mean(var(X, axis=0)). It is used as given: 0 means "stop only
	// when no label changes or at MaxIter". DefaultConfig sets 1e-4.
	Tol float64
	// Seed seeds the random initialisation. Restart r uses a PCG generator
	// seeded from splitmix64 of (Seed, r).
	Seed uint64
	// Algorithm is "auto" (default), "lloyd", "hamerly" or "elkan". The
	// three are exact and give the same labels and centres; they differ in
	// speed and memory. Auto picks Elkan when d >= 64 and 16 <= K <= d (its
	// n x K bounds are then smaller than X) and they fit in 1 GiB, Lloyd for
	// K == 1 and Hamerly otherwise.
	Algorithm string
	// Workers is the number of goroutines (default runtime.GOMAXPROCS(0)).
	// Results are bitwise identical for every value.
	Workers int
}

// DefaultConfig returns the configuration matching scikit-learn's KMeans
// defaults (k-means++, max_iter 300, tol 1e-4) with k clusters and one
// restart (scikit-learn's n_init="auto" for k-means++).
func DefaultConfig(k int) Config {
	return Config{K: k, Init: InitKMeansPP, NInit: 1, MaxIter: 300, Tol: 1e-4, Algorithm: AlgoAuto}
}

// Result is a fitted clustering.
type Result struct {
	// Centres holds the K x D cluster centres, row-major.
	Centres []float64
	// Labels holds the cluster (0..K-1) of every row.
	Labels []int32
	// Distances holds the Euclidean distance of every row to its centre.
	Distances []float64
	// Inertia is the weighted sum of squared distances to the centres.
	Inertia float64
	// Iterations is the number of iterations of the kept run.
	Iterations int
	// Converged reports whether the kept run stopped before MaxIter
	// (labels stable or centre shift within the tolerance).
	Converged bool
	// K and D are the number of clusters and of features.
	K, D int
	// Algorithm is the algorithm that ran ("lloyd", "hamerly", "elkan").
	Algorithm string
}

// Fit clusters the n x d row-major matrix X (optionally weighted by w, nil
// meaning unit weights) into cfg.K clusters.
func Fit(X []float64, n, d int, w []float64, cfg Config) (*Result, error) {
	cfg, err := resolveConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("fit k-means: %w", err)
	}
	p, err := newProblem(X, n, d, w, cfg.K, cfg.Workers)
	if err != nil {
		return nil, fmt.Errorf("fit k-means: %w", err)
	}
	if cfg.Init == InitGiven {
		if err := checkMatrix("initial centres", cfg.Centres, cfg.K, d); err != nil {
			return nil, fmt.Errorf("fit k-means: %w", err)
		}
	}
	p.tolAbs = p.meanVar * cfg.Tol
	algo := resolveAlgorithm(cfg.Algorithm, n, d, cfg.K)
	s := newSolver(p, algo)

	best := runResult{inertia: math.Inf(1)}
	var bestLabels []int32 // a copy is only needed with several restarts
	if cfg.NInit > 1 {
		bestLabels = make([]int32, n)
	}
	// dist is the k-means++ scratch space until it receives the distances.
	dist := make([]float64, n)
	init := make([]float64, cfg.K*d)
	for r := range cfg.NInit {
		rng := restartRNG(cfg.Seed, r)
		switch cfg.Init {
		case InitKMeansPP:
			p.kmeansPP(rng, init, dist)
		case InitRandom:
			p.randomInit(rng, init)
		case InitGiven:
			copy(init, cfg.Centres)
		}
		res := s.run(init, cfg.MaxIter)
		if cfg.NInit == 1 {
			best = res // its inertia is computed below, with the distances
			break
		}
		res.inertia = p.distances(res.centres, s.lab, nil)
		if res.inertia < best.inertia || r == 0 {
			best = res
			best.centres = append([]float64(nil), res.centres...)
			if bestLabels != nil {
				copy(bestLabels, s.lab)
			}
		}
	}
	if bestLabels == nil {
		bestLabels = s.lab
		best.centres = append([]float64(nil), best.centres...)
	}

	out := &Result{
		Centres:    best.centres,
		Labels:     bestLabels,
		Distances:  dist,
		Iterations: best.iters,
		Converged:  best.converged,
		K:          cfg.K,
		D:          d,
		Algorithm:  algo,
	}
	out.Inertia = p.distances(best.centres, bestLabels, out.Distances)
	return out, nil
}

// resolveConfig fills defaults and checks option values.
func resolveConfig(cfg Config) (Config, error) {
	if cfg.K < 1 {
		return cfg, fmt.Errorf("check config: k = %d, want k >= 1: %w", cfg.K, ErrK)
	}
	switch cfg.Init {
	case "":
		cfg.Init = InitKMeansPP
	case InitKMeansPP, InitRandom, InitGiven:
	default:
		return cfg, fmt.Errorf("check config: unknown init %q (want k-means++, random or given): %w", cfg.Init, ErrConfig)
	}
	if cfg.NInit < 0 || cfg.MaxIter < 0 {
		return cfg, fmt.Errorf("check config: n_init = %d, max_iter = %d, want >= 0: %w", cfg.NInit, cfg.MaxIter, ErrConfig)
	}
	if cfg.NInit == 0 {
		cfg.NInit = 1
		if cfg.Init == InitRandom {
			cfg.NInit = 10
		}
	}
	if cfg.Init == InitGiven {
		cfg.NInit = 1
	}
	if cfg.MaxIter == 0 {
		cfg.MaxIter = 300
	}
	if cfg.Tol < 0 || math.IsNaN(cfg.Tol) || math.IsInf(cfg.Tol, 0) {
		return cfg, fmt.Errorf("check config: tol = %g, want a finite value >= 0: %w", cfg.Tol, ErrConfig)
	}
	switch cfg.Algorithm {
	case "":
		cfg.Algorithm = AlgoAuto
	case AlgoAuto, AlgoLloyd, AlgoHamerly, AlgoElkan:
	default:
		return cfg, fmt.Errorf("check config: unknown algorithm %q (want auto, lloyd, hamerly or elkan): %w", cfg.Algorithm, ErrConfig)
	}
	cfg.Workers = resolveWorkers(cfg.Workers)
	return cfg, nil
}

// elkanMaxBounds caps the n x k lower-bound matrix of Elkan's algorithm
// chosen by "auto" (1 GiB of float64).
const elkanMaxBounds = 1 << 27

// resolveAlgorithm applies the "auto" rule. Measured with
// BenchmarkAlgorithms (30,000 rows of overlapping Gaussian blobs, 2 cores):
// Hamerly is the fastest up to d = 32, 1.5-2.6x faster than Lloyd for
// k >= 16, while Elkan is 1.3-5x slower than Hamerly there; from d = 64
// Elkan draws level and is 2-4% ahead (d = 64 and 128 with k = 32).
func resolveAlgorithm(a string, n, d, k int) string {
	if a != AlgoAuto {
		return a
	}
	switch {
	case k == 1:
		return AlgoLloyd
	case d >= 64 && k >= 16 && k <= d && n*k <= elkanMaxBounds:
		return AlgoElkan
	default:
		return AlgoHamerly
	}
}

// restartRNG returns the generator of restart r: PCG seeded with two
// splitmix64 outputs derived from seed and r.
func restartRNG(seed uint64, r int) *rand.Rand {
	s := seed ^ (uint64(r)+1)*0x9e3779b97f4a7c15
	a := splitmix64(&s)
	b := splitmix64(&s)
	return rand.New(rand.NewPCG(a, b))
}

// splitmix64 advances *s and returns the next splitmix64 output.
func splitmix64(s *uint64) uint64 {
	*s += 0x9e3779b97f4a7c15
	z := *s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}
