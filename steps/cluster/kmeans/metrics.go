package kmeans

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// encodeLabels maps arbitrary label values to codes 0..m-1 in increasing
// label order (scikit-learn's LabelEncoder) and returns the codes, the
// number of distinct labels m and the size of each code.
func encodeLabels(labels []int32) ([]int32, int, []int) {
	uniq := slices.Clone(labels)
	slices.Sort(uniq)
	uniq = slices.Compact(uniq)
	codes := make([]int32, len(labels))
	counts := make([]int, len(uniq))
	lo, hi := uniq[0], uniq[len(uniq)-1]
	if int64(hi)-int64(lo) < int64(4*len(labels)+16) {
		// Dense range: direct table.
		table := make([]int32, int(hi-lo)+1)
		for c, v := range uniq {
			table[v-lo] = int32(c)
		}
		for i, v := range labels {
			codes[i] = table[v-lo]
		}
	} else {
		for i, v := range labels {
			c, _ := slices.BinarySearch(uniq, v)
			codes[i] = int32(c)
		}
	}
	for _, c := range codes {
		counts[c]++
	}
	return codes, len(uniq), counts
}

// checkLabels validates X and labels for a clustering metric and encodes the
// labels. Like scikit-learn, a metric needs 2 <= number of labels <= n-1.
func checkLabels(what string, X []float64, n, d int, labels []int32) ([]int32, int, []int, error) {
	if err := checkMatrix("X", X, n, d); err != nil {
		return nil, 0, nil, fmt.Errorf("compute %s: %w", what, err)
	}
	if len(labels) != n {
		return nil, 0, nil, fmt.Errorf("compute %s: %d labels for %d rows: %w", what, len(labels), n, ErrLabels)
	}
	codes, m, counts := encodeLabels(labels)
	if m < 2 || m > n-1 {
		return nil, 0, nil, fmt.Errorf("compute %s: %d distinct labels for %d rows, want 2 to n-1: %w", what, m, n, ErrLabels)
	}
	return codes, m, counts, nil
}

// Inertia returns sum_i w_i ||x_i - c_{labels_i}||^2 for the k x d centres
// (w nil means unit weights), summed per chunk in chunk order.
func Inertia(X []float64, n, d int, w []float64, centres []float64, labels []int32) (float64, error) {
	if err := checkMatrix("X", X, n, d); err != nil {
		return 0, fmt.Errorf("compute inertia: %w", err)
	}
	if _, err := checkWeights(w, n); err != nil {
		return 0, fmt.Errorf("compute inertia: %w", err)
	}
	if len(centres) == 0 || len(centres)%d != 0 {
		return 0, fmt.Errorf("compute inertia: %d centre values for d = %d: %w", len(centres), d, ErrShape)
	}
	k := len(centres) / d
	if len(labels) != n {
		return 0, fmt.Errorf("compute inertia: %d labels for %d rows: %w", len(labels), n, ErrLabels)
	}
	for i, l := range labels {
		if l < 0 || int(l) >= k {
			return 0, fmt.Errorf("compute inertia: label %d of row %d outside 0..%d: %w", l, i, k-1, ErrLabels)
		}
	}
	p := &problem{x: X, w: w, n: n, d: d, k: k, workers: resolveWorkers(0)}
	p.rows = baseChunkRows
	p.nChunks = numChunks(n, p.rows)
	p.sqDist = sqDistFunc(d)
	return p.distances(centres, labels, nil), nil
}

// SilhouetteOptions holds the options of Silhouette.
type SilhouetteOptions struct {
	// SampleSize, when > 0 and < n, computes the exact silhouette of
	// SampleSize rows drawn without replacement (like scikit-learn's
	// silhouette_score(sample_size=...)), bounding the O(n^2) cost.
	SampleSize int
	// Seed seeds the sample (PCG).
	Seed uint64
	// Workers is the number of goroutines (default runtime.GOMAXPROCS(0));
	// the result does not depend on it.
	Workers int
}

// Silhouette returns the mean silhouette coefficient of the clustering
// (scikit-learn's silhouette_score with the Euclidean metric): exact in
// O(n^2 d) time and O(n + block*k) memory, or on a seeded sample of rows
// when opt.SampleSize is set.
func Silhouette(X []float64, n, d int, labels []int32, opt SilhouetteOptions) (float64, error) {
	if err := checkMatrix("X", X, n, d); err != nil {
		return 0, fmt.Errorf("compute silhouette: %w", err)
	}
	if len(labels) != n {
		return 0, fmt.Errorf("compute silhouette: %d labels for %d rows: %w", len(labels), n, ErrLabels)
	}
	if opt.SampleSize < 0 {
		return 0, fmt.Errorf("compute silhouette: sample size %d: %w", opt.SampleSize, ErrConfig)
	}
	if opt.SampleSize > 0 && opt.SampleSize < n {
		X, labels = sampleRows(X, n, d, labels, opt.SampleSize, opt.Seed)
		n = opt.SampleSize
	}
	s, err := silhouetteSamples(X, n, d, labels, resolveWorkers(opt.Workers))
	if err != nil {
		return 0, err
	}
	total := 0.0
	for _, v := range s {
		total += v
	}
	return total / float64(n), nil
}

// SilhouetteSamples returns the exact silhouette coefficient of every row
// (scikit-learn's silhouette_samples, Euclidean): (b - a) / max(a, b) with a
// the mean distance to the other rows of its cluster and b the smallest mean
// distance to the rows of another cluster; 0 for rows alone in their
// cluster.
func SilhouetteSamples(X []float64, n, d int, labels []int32) ([]float64, error) {
	return silhouetteSamples(X, n, d, labels, resolveWorkers(0))
}

// sampleRows returns m rows of X (and their labels) drawn without
// replacement with a PCG generator seeded by seed, in draw order.
func sampleRows(X []float64, n, d int, labels []int32, m int, seed uint64) ([]float64, []int32) {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	swapped := make(map[int]int, 2*m)
	at := func(i int) int {
		if v, ok := swapped[i]; ok {
			return v
		}
		return i
	}
	xs := make([]float64, 0, m*d)
	ls := make([]int32, 0, m)
	for i := range m {
		j := i + rng.IntN(n-i)
		ri, rj := at(i), at(j)
		swapped[i], swapped[j] = rj, ri
		xs = append(xs, X[rj*d:rj*d+d]...)
		ls = append(ls, labels[rj])
	}
	return xs, ls
}

// silhouetteBlock is the number of rows whose per-cluster distance sums are
// computed together (per worker memory: silhouetteBlock x k).
const silhouetteBlock = 64

func silhouetteSamples(X []float64, n, d int, labels []int32, workers int) ([]float64, error) {
	codes, m, counts, err := checkLabels("silhouette", X, n, d, labels)
	if err != nil {
		return nil, err
	}
	// Visit the rows grouped by cluster (stable order) so that every
	// per-cluster sum accumulates in a register.
	order := make([]int32, n)
	start := make([]int, m+1)
	for c := range m {
		start[c+1] = start[c] + counts[c]
	}
	fill := slices.Clone(start[:m])
	for i, c := range codes {
		order[fill[c]] = int32(i)
		fill[c]++
	}
	out := make([]float64, n)
	nb := (n + silhouetteBlock - 1) / silhouetteBlock
	sums := make([][]float64, workers)
	for w := range sums {
		sums[w] = make([]float64, m)
	}
	sumDist := sumDistFunc(d)
	forChunks(nb, workers, func(w, b int) {
		acc := sums[w]
		for i := b * silhouetteBlock; i < min((b+1)*silhouetteBlock, n); i++ {
			xi := X[i*d : i*d+d]
			for c := range m {
				acc[c] = sumDist(xi, X, order[start[c]:start[c+1]])
			}
			own := codes[i]
			if counts[own] == 1 {
				out[i] = 0
				continue
			}
			a := acc[own] / float64(counts[own]-1)
			bmin := math.Inf(1)
			for c := range m {
				if c != int(own) {
					bmin = min(bmin, acc[c]/float64(counts[c]))
				}
			}
			if den := max(a, bmin); den > 0 {
				out[i] = (bmin - a) / den
			}
		}
	})
	return out, nil
}

// clusterMeans returns the per-code means (m x d), the overall mean and the
// counts, with per-chunk partial sums combined in chunk order.
func clusterMeans(X []float64, n, d int, codes []int32, m int, workers int) ([]float64, []float64) {
	rows := baseChunkRows
	nc := numChunks(n, rows)
	part := make([]float64, nc*m*d)
	forChunks(nc, workers, func(_, c int) {
		s := part[c*m*d : (c+1)*m*d]
		for i := c * rows; i < min((c+1)*rows, n); i++ {
			l := int(codes[i])
			for t, v := range X[i*d : i*d+d] {
				s[l*d+t] += v
			}
		}
	})
	means := make([]float64, m*d)
	for c := range nc {
		for i, v := range part[c*m*d : (c+1)*m*d] {
			means[i] += v
		}
	}
	overall := make([]float64, d)
	counts := make([]float64, m)
	for _, c := range codes {
		counts[c]++
	}
	for l := range m {
		for t := range d {
			overall[t] += means[l*d+t]
			means[l*d+t] /= counts[l]
		}
	}
	for t := range d {
		overall[t] /= float64(n)
	}
	return means, overall
}

// CalinskiHarabasz returns the Calinski-Harabasz index (variance ratio
// criterion) of the clustering, as scikit-learn's calinski_harabasz_score:
// [sum_k n_k ||m_k - m||^2 / (K-1)] / [sum_i ||x_i - m_{l_i}||^2 / (n-K)],
// 1 when every cluster has zero dispersion.
func CalinskiHarabasz(X []float64, n, d int, labels []int32) (float64, error) {
	codes, m, counts, err := checkLabels("calinski-harabasz", X, n, d, labels)
	if err != nil {
		return 0, err
	}
	workers := resolveWorkers(0)
	means, overall := clusterMeans(X, n, d, codes, m, workers)
	intra := dispersion(X, n, d, codes, means, workers, func(e float64) float64 { return e })
	extra := 0.0
	for l := range m {
		e := 0.0
		for t := range d {
			v := means[l*d+t] - overall[t]
			e += v * v
		}
		extra += float64(counts[l]) * e
	}
	if intra == 0 {
		return 1, nil
	}
	return extra * float64(n-m) / (intra * float64(m-1)), nil
}

// dispersion returns sum_i f(||x_i - means_{codes_i}||^2) per chunk in chunk
// order.
func dispersion(X []float64, n, d int, codes []int32, means []float64, workers int, f func(float64) float64) float64 {
	rows := baseChunkRows
	nc := numChunks(n, rows)
	part := make([]float64, nc)
	sqDist := sqDistFunc(d)
	forChunks(nc, workers, func(_, c int) {
		s := 0.0
		for i := c * rows; i < min((c+1)*rows, n); i++ {
			l := int(codes[i])
			s += f(sqDist(X[i*d:i*d+d], means[l*d:l*d+d]))
		}
		part[c] = s
	})
	return sum(part)
}

// DaviesBouldin returns the Davies-Bouldin index of the clustering, as
// scikit-learn's davies_bouldin_score: the mean over clusters i of
// max_{j != i} (s_i + s_j) / ||m_i - m_j||, s_i being the mean distance of
// the rows of cluster i to its centroid; 0 when all s_i or all centroid
// distances are ~0 (|.| <= 1e-8, numpy's allclose).
func DaviesBouldin(X []float64, n, d int, labels []int32) (float64, error) {
	codes, m, counts, err := checkLabels("davies-bouldin", X, n, d, labels)
	if err != nil {
		return 0, err
	}
	workers := resolveWorkers(0)
	means, _ := clusterMeans(X, n, d, codes, m, workers)
	rows := baseChunkRows
	nc := numChunks(n, rows)
	part := make([]float64, nc*m)
	sqDist := sqDistFunc(d)
	forChunks(nc, workers, func(_, c int) {
		s := part[c*m : (c+1)*m]
		for i := c * rows; i < min((c+1)*rows, n); i++ {
			l := int(codes[i])
			s[l] += math.Sqrt(sqDist(X[i*d:i*d+d], means[l*d:l*d+d]))
		}
	})
	intra := make([]float64, m)
	for c := range nc {
		for l, v := range part[c*m : (c+1)*m] {
			intra[l] += v
		}
	}
	allZero := true
	for l := range m {
		intra[l] /= float64(counts[l])
		allZero = allZero && math.Abs(intra[l]) <= 1e-8
	}
	cd := make([]float64, m*m)
	cdZero := true
	for a := range m {
		for b := range m {
			cd[a*m+b] = math.Sqrt(sqDist(means[a*d:a*d+d], means[b*d:b*d+d]))
			cdZero = cdZero && cd[a*m+b] <= 1e-8
		}
	}
	if allZero || cdZero {
		return 0, nil
	}
	total := 0.0
	for a := range m {
		worst := 0.0
		for b := range m {
			if b == a || cd[a*m+b] == 0 {
				continue
			}
			worst = max(worst, (intra[a]+intra[b])/cd[a*m+b])
		}
		total += worst
	}
	return total / float64(m), nil
}
