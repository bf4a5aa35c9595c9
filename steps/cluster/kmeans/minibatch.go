package kmeans

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// MiniBatchConfig holds the options of MiniBatch. Zero values select the
// defaults shown, which are scikit-learn 1.2's MiniBatchKMeans defaults.
type MiniBatchConfig struct {
	// K is the number of clusters (required).
	K int
	// Init is "k-means++" (default), "random" or "given" (Centres); the
	// random initialisations run on InitSize rows drawn without replacement.
	Init    string
	Centres []float64
	// NInit is the number of initialisations (default 3); the one with the
	// lowest inertia on a validation sample of InitSize rows is kept.
	NInit int
	// BatchSize is the number of rows per step (default 1024).
	BatchSize int
	// MaxEpochs bounds the steps to MaxEpochs * n / BatchSize (default 100;
	// scikit-learn's max_iter).
	MaxEpochs int
	// MaxNoImprovement stops after that many steps without improvement of
	// the smoothed batch inertia (default 10; negative disables).
	MaxNoImprovement int
	// Tol stops when the squared centre change of a step is at most
	// Tol * mean(var(X, axis=0)) (default 0: disabled; a positive value
	// costs one pass over the data for the variances).
	Tol float64
	// InitSize is the number of rows for the initialisation (default
	// 3 * BatchSize, at least 3 * K, at most n).
	InitSize int
	// ReassignmentRatio re-seeds centres whose accumulated weight is below
	// this fraction of the largest one (default 0.01; negative disables).
	ReassignmentRatio float64
	// Seed seeds every random choice (PCG).
	Seed uint64
	// Workers is the number of goroutines of the final full assignment
	// (default runtime.GOMAXPROCS(0)); results do not depend on it.
	Workers int
}

// MiniBatch clusters X with mini-batch k-means (Sculley 2010, following
// scikit-learn's MiniBatchKMeans.fit): each step draws BatchSize rows with
// replacement, assigns them to the nearest centre and moves each centre to
// the running weighted mean of the rows it received, re-seeding centres
// that receive too little weight. It needs one pass over X at the end (the
// labels, distances and inertia of the result) and one more when Tol > 0.
// Result.Iterations is the number of steps; Converged reports an early stop.
func MiniBatch(X []float64, n, d int, w []float64, cfg MiniBatchConfig) (*Result, error) {
	cfg, err := resolveMiniBatch(cfg, n)
	if err != nil {
		return nil, fmt.Errorf("fit mini-batch k-means: %w", err)
	}
	if err := checkMatrix("X", X, n, d); err != nil {
		return nil, fmt.Errorf("fit mini-batch k-means: %w", err)
	}
	if _, err := checkWeights(w, n); err != nil {
		return nil, fmt.Errorf("fit mini-batch k-means: %w", err)
	}
	k := cfg.K
	if m := countDistinct(X, n, d, k); m < k {
		return nil, fmt.Errorf("fit mini-batch k-means: k = %d exceeds the %d distinct rows of X: %w", k, m, ErrK)
	}
	if cfg.Init == InitGiven {
		if err := checkMatrix("initial centres", cfg.Centres, k, d); err != nil {
			return nil, fmt.Errorf("fit mini-batch k-means: %w", err)
		}
	}
	tolAbs := 0.0
	if cfg.Tol > 0 {
		p := &problem{x: X, n: n, d: d, k: k, workers: resolveWorkers(cfg.Workers)}
		p.rows = baseChunkRows
		p.nChunks = numChunks(n, p.rows)
		p.stats()
		tolAbs = p.meanVar * cfg.Tol
	}
	rng := restartRNG(cfg.Seed, 0)
	mb := &miniBatch{X: X, w: w, n: n, d: d, k: k, rng: rng}

	// Validation sample and initialisation.
	vx, vw := mb.gather(randRows(rng, n, cfg.InitSize, true), nil, nil)
	centres := make([]float64, k*d)
	if cfg.Init == InitGiven {
		copy(centres, cfg.Centres)
	} else {
		bestInertia := math.Inf(1)
		cand := make([]float64, k*d)
		for range cfg.NInit {
			mb.initCentres(cfg.Init, cfg.InitSize, cand)
			_, in := mb.step(vx, vw, cand, nil, nil)
			if in < bestInertia {
				bestInertia = in
				copy(centres, cand)
			}
		}
	}

	counts := make([]float64, k)
	next := make([]float64, k*d)
	nSteps := max(1, cfg.MaxEpochs*n/cfg.BatchSize)
	var ewa, ewaMin float64
	haveEWA, haveMin := false, false
	noImprovement, sinceReassign := 0, 0
	converged := false
	step := 0
	var bx, bw []float64
	rows := make([]int, cfg.BatchSize)
	for step = 0; step < nSteps; step++ {
		for i := range rows {
			rows[i] = rng.IntN(n)
		}
		bx, bw = mb.gather(rows, bx, bw)
		sinceReassign += cfg.BatchSize
		reassign := slices.Contains(counts, 0) || sinceReassign >= 10*k
		if reassign {
			sinceReassign = 0
		}
		copy(next, centres)
		_, batchInertia := mb.step(bx, bw, centres, next, counts)
		if reassign && cfg.ReassignmentRatio > 0 {
			mb.reassign(bx, next, counts, cfg.ReassignmentRatio, cfg.BatchSize)
		}
		diff := 0.0
		if tolAbs > 0 {
			for i, v := range next {
				e := v - centres[i]
				diff += e * e
			}
		}
		centres, next = next, centres

		// Early stopping, as scikit-learn's _mini_batch_convergence.
		batchInertia /= float64(cfg.BatchSize)
		if step == 0 {
			continue
		}
		if !haveEWA {
			ewa, haveEWA = batchInertia, true
		} else {
			alpha := min(float64(cfg.BatchSize)*2/float64(n+1), 1)
			ewa = ewa*(1-alpha) + batchInertia*alpha
		}
		if tolAbs > 0 && diff <= tolAbs {
			converged = true
			break
		}
		if !haveMin || ewa < ewaMin {
			noImprovement, ewaMin, haveMin = 0, ewa, true
		} else {
			noImprovement++
		}
		if cfg.MaxNoImprovement >= 0 && noImprovement >= cfg.MaxNoImprovement {
			converged = true
			break
		}
	}

	res := &Result{
		Centres: centres, Labels: make([]int32, n), Distances: make([]float64, n),
		Iterations: min(step+1, nSteps), Converged: converged, K: k, D: d, Algorithm: "minibatch",
	}
	res.Inertia = assignAll(X, n, d, w, centres, resolveWorkers(cfg.Workers), res.Labels, res.Distances)
	return res, nil
}

// resolveMiniBatch fills defaults and checks option values.
func resolveMiniBatch(cfg MiniBatchConfig, n int) (MiniBatchConfig, error) {
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
	if cfg.NInit < 0 || cfg.BatchSize < 0 || cfg.MaxEpochs < 0 || cfg.InitSize < 0 || cfg.Tol < 0 || math.IsNaN(cfg.Tol) {
		return cfg, fmt.Errorf("check config: negative n_init, batch size, epochs, init size or tol: %w", ErrConfig)
	}
	if cfg.NInit == 0 {
		cfg.NInit = 3
	}
	if cfg.BatchSize == 0 {
		cfg.BatchSize = 1024
	}
	if cfg.MaxEpochs == 0 {
		cfg.MaxEpochs = 100
	}
	if cfg.MaxNoImprovement == 0 {
		cfg.MaxNoImprovement = 10
	}
	if cfg.InitSize == 0 {
		cfg.InitSize = 3 * cfg.BatchSize
	}
	if cfg.InitSize < cfg.K {
		cfg.InitSize = 3 * cfg.K
	}
	cfg.InitSize = min(cfg.InitSize, n)
	if cfg.ReassignmentRatio == 0 {
		cfg.ReassignmentRatio = 0.01
	}
	return cfg, nil
}

// miniBatch holds the state shared by the steps.
type miniBatch struct {
	X, w    []float64
	n, d, k int
	rng     *rand.Rand
	labels  []int32
	sums    []float64
	wsum    []float64
	origin  []float64 // kernel origin and constants, reused by every step
	ctr, cn []float64
}

// randRows draws m row indices from [0, n): with replacement, or without
// (a lazy Fisher-Yates shuffle).
func randRows(rng *rand.Rand, n, m int, replace bool) []int {
	rows := make([]int, m)
	if replace {
		for i := range rows {
			rows[i] = rng.IntN(n)
		}
		return rows
	}
	swapped := make(map[int]int, 2*m)
	at := func(i int) int {
		if v, ok := swapped[i]; ok {
			return v
		}
		return i
	}
	for i := range rows {
		j := i + rng.IntN(n-i)
		ri, rj := at(i), at(j)
		swapped[i], swapped[j] = rj, ri
		rows[i] = rj
	}
	return rows
}

// gather copies the given rows (and weights; nil when unweighted), reusing
// the buffers xs and ws when they are large enough.
func (mb *miniBatch) gather(rows []int, xs, ws []float64) ([]float64, []float64) {
	d := mb.d
	if cap(xs) < len(rows)*d {
		xs = make([]float64, len(rows)*d)
	}
	xs = xs[:len(rows)*d]
	for r, i := range rows {
		copy(xs[r*d:r*d+d], mb.X[i*d:i*d+d])
	}
	if mb.w == nil {
		return xs, nil
	}
	if cap(ws) < len(rows) {
		ws = make([]float64, len(rows))
	}
	ws = ws[:len(rows)]
	for r, i := range rows {
		ws[r] = mb.w[i]
	}
	return xs, ws
}

// initCentres writes k centres initialised on size rows drawn without
// replacement.
func (mb *miniBatch) initCentres(method string, size int, out []float64) {
	sx, sw := mb.gather(randRows(mb.rng, mb.n, size, false), nil, nil)
	p, err := newProblem(sx, size, mb.d, sw, mb.k, 1)
	if err != nil {
		// The sample holds fewer than k distinct rows (or zero weight):
		// fall back to distinct rows of the whole data.
		full := &problem{x: mb.X, n: mb.n, d: mb.d, k: mb.k}
		full.sqDist = sqDistFunc(mb.d)
		full.randomInit(mb.rng, out)
		return
	}
	if method == InitRandom {
		p.randomInit(mb.rng, out)
		return
	}
	p.kmeansPP(mb.rng, out, make([]float64, size))
}

// step assigns the rows xs (weights ws) to the nearest centres and returns
// the labels and the weighted inertia of the batch. When next is not nil it
// also applies scikit-learn's _minibatch_update_dense: every centre that
// received weight W_b in the batch becomes
// (centre * counts_j + sum of w x) / (counts_j + W_b), counts_j += W_b.
func (mb *miniBatch) step(xs, ws, centres, next, counts []float64) ([]int32, float64) {
	d, k := mb.d, mb.k
	m := len(xs) / d
	if cap(mb.labels) < m {
		mb.labels = make([]int32, m)
		mb.sums = make([]float64, k*d)
		mb.wsum = make([]float64, k)
	}
	lab := mb.labels[:m]
	if mb.origin == nil {
		mb.origin, mb.ctr, mb.cn = make([]float64, d), make([]float64, k*d), make([]float64, k)
	}
	origin := mb.origin
	clear(origin)
	for j := range k {
		for t := range d {
			origin[t] += centres[j*d+t]
		}
	}
	for t := range d {
		origin[t] /= float64(k)
	}
	fillKernelCentres(centres, origin, mb.ctr, mb.cn)
	assignFunc(d)(xs, mb.ctr, mb.cn, lab)
	sqDist := sqDistFunc(d)
	inertia := 0.0
	for i, l := range lab {
		e := sqDist(xs[i*d:i*d+d], centres[int(l)*d:int(l)*d+d])
		if ws != nil {
			e *= ws[i]
		}
		inertia += e
	}
	if next == nil {
		return lab, inertia
	}
	sums, wsum := mb.sums, mb.wsum
	clear(sums)
	clear(wsum)
	for i, l := range lab {
		wi := 1.0
		if ws != nil {
			wi = ws[i]
		}
		for t, v := range xs[i*d : i*d+d] {
			sums[int(l)*d+t] += v * wi
		}
		wsum[l] += wi
	}
	for j := range k {
		if wsum[j] <= 0 {
			continue
		}
		c := next[j*d : j*d+d]
		for t := range c {
			c[t] = centres[j*d+t]*counts[j] + sums[j*d+t]
		}
		counts[j] += wsum[j]
		alpha := 1 / counts[j]
		for t := range c {
			c[t] *= alpha
		}
	}
	return lab, inertia
}

// reassign re-seeds the centres whose accumulated weight is below ratio
// times the largest one (at most half a batch of them) at rows of the batch
// drawn without replacement, as scikit-learn's _mini_batch_step, and resets
// their counts to the smallest count of the other centres.
func (mb *miniBatch) reassign(xs, next, counts []float64, ratio float64, batch int) {
	d, k := mb.d, mb.k
	limit := ratio * slices.Max(counts)
	var low []int
	for j, c := range counts {
		if c < limit {
			low = append(low, j)
		}
	}
	if len(low) > batch/2 {
		// Keep the batch/2 smallest counts (stable order by count).
		slices.SortStableFunc(low, func(a, b int) int {
			switch {
			case counts[a] < counts[b]:
				return -1
			case counts[a] > counts[b]:
				return 1
			}
			return 0
		})
		low = low[:batch/2]
		slices.Sort(low)
	}
	if len(low) == 0 {
		return
	}
	m := len(xs) / d
	rows := randRows(mb.rng, m, len(low), false)
	isLow := make([]bool, k)
	for r, j := range low {
		copy(next[j*d:j*d+d], xs[rows[r]*d:rows[r]*d+d])
		isLow[j] = true
	}
	minOther := math.Inf(1)
	for j, c := range counts {
		if !isLow[j] {
			minOther = min(minOther, c)
		}
	}
	if math.IsInf(minOther, 1) {
		return
	}
	for _, j := range low {
		counts[j] = minOther
	}
}
