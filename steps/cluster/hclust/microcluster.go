package hclust

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
)

// MicroConfig configures MicroClusters.
type MicroConfig struct {
	// K is the number of micro-clusters wanted (at most n).
	K int
	// Seed seeds the PCG source used for sampling and k-means++.
	Seed uint64
	// MaxIter bounds the Lloyd iterations; zero means 10.
	MaxIter int
	// SampleSize is the number of rows k-means++ seeds from; zero means
	// max(20·K, 10000), capped at n.
	SampleSize int
	// Workers is the number of goroutines; zero means runtime.GOMAXPROCS(0).
	Workers int
}

// MicroClustering is the first stage of two-stage clustering.
type MicroClustering struct {
	// Centres holds the row-major K'×d centres, each the mean of its rows.
	Centres []float64
	// Weights holds the number of rows of each micro-cluster (all > 0).
	Weights []float64
	// Assign maps every row to its micro-cluster.
	Assign []int
}

// MicroClusters is a small seeded k-means (k-means++ seeding on a random
// sample of rows, then Lloyd iterations on all rows) that makes the
// micro-clusters of two-stage clustering in tests and benchmarks. It is a
// stand-in for the project's k-means package. Empty micro-clusters are
// dropped, so K' ≤ K. The result depends only on the data and cfg.Seed, not
// on cfg.Workers.
func MicroClusters(x []float64, n, d int, cfg MicroConfig) (*MicroClustering, error) {
	if n < 1 || d < 1 || len(x) != n*d {
		return nil, fmt.Errorf("make micro-clusters: matrix has %d values for %d rows × %d columns", len(x), n, d)
	}
	if cfg.K < 1 || cfg.K > n {
		return nil, fmt.Errorf("make micro-clusters: K = %d, want 1..%d", cfg.K, n)
	}
	for i, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("make micro-clusters: value at row %d, column %d is %v", i/d, i%d, v)
		}
	}
	maxIter := cfg.MaxIter
	if maxIter <= 0 {
		maxIter = 10
	}
	workers := cfg.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	k := cfg.K
	rng := rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15))
	centres := seedPlusPlus(x, n, d, k, cfg.SampleSize, rng)

	// Lloyd iterations. The first assignment scans all centres; later ones
	// scan each row's previous centre's neighbours in order of distance and
	// stop by the triangle inequality (Phillips 2002, "sort-means").
	nearest := nearestRowFor(d)
	var sorted *sortedCentres
	assign := make([]int, n)
	for i := range assign {
		assign[i] = -1
	}
	counts := make([]float64, k)
	const rowsPerChunk = 4096
	chunks := (n + rowsPerChunk - 1) / rowsPerChunk
	changed := make([]bool, chunks)
	for it := range maxIter {
		if it > 0 && k <= maxSortedCentres {
			sorted = newSortedCentres(centres, k, d, workers, sorted)
		}
		forChunks(chunks, workers, func(ch int) {
			changed[ch] = false
			for i := ch * rowsPerChunk; i < min((ch+1)*rowsPerChunk, n); i++ {
				r := x[i*d : i*d+d]
				var a int
				if prev := assign[i]; prev >= 0 && sorted != nil {
					a = sorted.nearest(centres, r, prev)
				} else {
					a, _ = nearest(centres, r)
				}
				if a != assign[i] {
					assign[i] = a
					changed[ch] = true
				}
			}
		})
		moved := false
		for _, c := range changed {
			moved = moved || c
		}
		// Means of the new assignment; an empty cluster keeps its centre.
		sums := make([]float64, k*d)
		clear(counts)
		for i, a := range assign {
			counts[a]++
			s := sums[a*d : a*d+d]
			for j, v := range x[i*d : i*d+d] {
				s[j] += v
			}
		}
		for c := range k {
			if counts[c] > 0 {
				for j := range d {
					centres[c*d+j] = sums[c*d+j] / counts[c]
				}
			}
		}
		if !moved {
			break
		}
	}
	// Drop empty micro-clusters.
	remap := make([]int, k)
	out := &MicroClustering{Assign: assign}
	for c := range k {
		remap[c] = -1
		if counts[c] > 0 {
			remap[c] = len(out.Weights)
			out.Weights = append(out.Weights, counts[c])
			out.Centres = append(out.Centres, centres[c*d:c*d+d]...)
		}
	}
	for i, a := range assign {
		assign[i] = remap[a]
	}
	return out, nil
}

// seedPlusPlus picks k centres by k-means++ (Arthur and Vassilvitskii 2007)
// from a uniform sample of rows.
func seedPlusPlus(x []float64, n, d, k, sample int, rng *rand.Rand) []float64 {
	if sample <= 0 {
		sample = max(20*k, 10000)
	}
	sample = min(max(sample, k), n)
	// Partial Fisher-Yates shuffle for the sample.
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	for i := range sample {
		j := i + rng.IntN(n-i)
		idx[i], idx[j] = idx[j], idx[i]
	}
	rows := idx[:sample]
	centres := make([]float64, 0, k*d)
	first := rows[rng.IntN(sample)]
	centres = append(centres, x[first*d:first*d+d]...)
	d2 := make([]float64, sample)
	for i, r := range rows {
		d2[i] = sqEuclid(x[r*d:r*d+d], centres[:d])
	}
	for len(centres) < k*d {
		total := 0.0
		for _, v := range d2 {
			total += v
		}
		pick := -1
		if total > 0 {
			u := rng.Float64() * total
			acc := 0.0
			for i, v := range d2 {
				acc += v
				if v > 0 && u < acc {
					pick = i
					break
				}
			}
			if pick < 0 { // rounding: take the last row with positive weight
				for i := len(d2) - 1; i >= 0; i-- {
					if d2[i] > 0 {
						pick = i
						break
					}
				}
			}
		} else {
			pick = rng.IntN(sample) // all sample rows coincide with centres
		}
		c := x[rows[pick]*d : rows[pick]*d+d]
		centres = append(centres, c...)
		for i, r := range rows {
			if v := sqEuclid(x[r*d:r*d+d], c); v < d2[i] {
				d2[i] = v
			}
		}
	}
	return centres
}

// nearestRowKernel returns the index of the centre in the row-major matrix
// c nearest to r (the smallest index among ties) and its squared distance.
type nearestRowKernel func(c, r []float64) (int, float64)

// nearestRowN is the nearest-centre kernel for any number of columns.
func nearestRowN(c, r []float64) (int, float64) {
	d := len(r)
	best, bestD := -1, math.Inf(1)
	for j := range len(c) / d {
		if q := sqEuclid(r, c[j*d:j*d+d]); q < bestD {
			best, bestD = j, q
		}
	}
	return best, bestD
}

// maxSortedCentres bounds the k for which MicroClusters keeps the k×k table
// of sortedCentres (12·k² bytes).
const maxSortedCentres = 2048

// sortedCentres lists, for every centre a, all centres by increasing
// distance from a (ties by index): order[a·k+i] and dist[a·k+i].
type sortedCentres struct {
	k     int
	order []int32
	dist  []float64
}

// newSortedCentres fills the table for the current centres, reusing the
// storage of prev when given.
func newSortedCentres(centres []float64, k, d, workers int, prev *sortedCentres) *sortedCentres {
	s := prev
	if s == nil {
		s = &sortedCentres{k: k, order: make([]int32, k*k), dist: make([]float64, k*k)}
	}
	forChunks(k, workers, func(a int) {
		ord := s.order[a*k : a*k+k]
		dist := s.dist[a*k : a*k+k]
		ca := centres[a*d : a*d+d]
		// dist is first indexed by centre, then rewritten in sorted order.
		for j := range ord {
			ord[j] = int32(j)
			dist[j] = sqEuclid(ca, centres[j*d:j*d+d])
		}
		slices.SortFunc(ord, func(p, q int32) int {
			if c := cmp.Compare(dist[p], dist[q]); c != 0 {
				return c
			}
			return cmp.Compare(p, q)
		})
		for j, o := range ord {
			dist[j] = math.Sqrt(sqEuclid(ca, centres[int(o)*d:int(o)*d+d]))
		}
	})
	return s
}

// nearest returns the centre nearest to r (the smallest index among ties)
// given that r was last nearest to centre a. A centre j with
// ‖c_a−c_j‖ ≥ ‖r−c_a‖ + best cannot beat the best distance so far, and the
// list is sorted, so the scan stops there (with a margin for rounding, so
// that equally near centres are still compared).
func (s *sortedCentres) nearest(centres, r []float64, a int) int {
	d := len(r)
	k := s.k
	best := a
	bestQ := sqEuclid(r, centres[a*d:a*d+d])
	u := math.Sqrt(bestQ)
	b := u
	ord := s.order[a*k : a*k+k]
	dist := s.dist[a*k : a*k+k]
	for i, j := range ord {
		if dist[i] > (u+b)*(1+1e-9) {
			break
		}
		if int(j) == a {
			continue
		}
		q := sqEuclid(r, centres[int(j)*d:int(j)*d+d])
		if q < bestQ || (q == bestQ && int(j) < best) {
			best, bestQ = int(j), q
			b = math.Sqrt(q)
		}
	}
	return best
}
