package hclust

import (
	"errors"
	"fmt"
	"math"
	"runtime"
)

// Method names a linkage criterion, spelled as in scipy.
type Method string

// The linkage methods of scipy.cluster.hierarchy.linkage.
const (
	// Ward minimises the increase of the within-cluster sum of squares.
	Ward Method = "ward"
	// Complete uses the largest pairwise distance between two clusters.
	Complete Method = "complete"
	// Average uses the mean pairwise distance between two clusters (UPGMA).
	Average Method = "average"
	// Single uses the smallest pairwise distance between two clusters.
	Single Method = "single"
	// Weighted averages the distances of the two merged parts (WPGMA).
	Weighted Method = "weighted"
	// Centroid uses the euclidean distance between cluster centroids (UPGMC).
	Centroid Method = "centroid"
	// Median uses the distance between "median" centroids, the midpoint of
	// the two merged parts (WPGMC).
	Median Method = "median"
)

// Metric names a distance between two rows, spelled as in scipy's pdist.
type Metric string

// The supported metrics.
const (
	// Euclidean is the L2 distance.
	Euclidean Metric = "euclidean"
	// Cityblock is the L1 (manhattan) distance.
	Cityblock Metric = "cityblock"
	// Cosine is 1 − u·v/(‖u‖‖v‖); rows of zero norm are rejected.
	Cosine Metric = "cosine"
)

// Config selects the linkage and its resources.
type Config struct {
	// Method is the linkage criterion; empty means Ward.
	Method Method `yaml:"method"`
	// Metric is the row distance; empty means Euclidean. "manhattan" is
	// accepted as Cityblock.
	Metric Metric `yaml:"metric"`
	// MaxMemory bounds the bytes of the condensed distance matrix used by
	// complete, average and weighted linkage; zero means DefaultMaxMemory().
	MaxMemory int64 `yaml:"max_memory"`
	// Workers is the number of goroutines; zero means runtime.GOMAXPROCS(0).
	// Results do not depend on it. With more than one, helper goroutines
	// poll for work between the short parallel scans of a run, then park.
	Workers int `yaml:"workers"`
}

// Merge is one row of a scipy linkage matrix.
type Merge struct {
	// Left and Right are the merged clusters, Left < Right. Clusters 0..n−1
	// are the input rows; the cluster made by row i of the result is n+i.
	Left, Right int
	// Height is the linkage distance of the merge.
	Height float64
	// Size is the number of input rows in the new cluster.
	Size int
	// Weight is the sum of the sample weights of the new cluster; it equals
	// Size when Linkage got no weights.
	Weight float64
}

// ErrMemoryBudget is wrapped by the error Linkage returns when the distance
// matrix would exceed Config.MaxMemory.
var ErrMemoryBudget = errors.New("memory budget exceeded")

// Linkage clusters the n rows of the row-major n×d matrix x and returns the
// n−1 merges in scipy's linkage-matrix layout. w holds optional positive
// sample weights (nil means all ones); weights are only supported by Ward
// linkage, where a point of weight k acts like k copies of that point.
func Linkage(x []float64, n, d int, w []float64, cfg Config) ([]Merge, error) {
	c, err := cfg.normalise()
	if err != nil {
		return nil, fmt.Errorf("compute linkage: %w", err)
	}
	if err := checkInput(x, n, d, w, c); err != nil {
		return nil, fmt.Errorf("compute linkage: %w", err)
	}
	switch c.Method {
	case Ward:
		return wardLinkage(x, n, d, w, c.Workers), nil
	case Single:
		return mstLinkage(x, n, d, c.Metric, c.Workers), nil
	case Centroid, Median:
		return genericLinkage(x, n, d, c.Method, c.Workers), nil
	default:
		need := RequiredMemory(n, c.Method)
		if need > c.MaxMemory {
			return nil, fmt.Errorf("compute linkage: %s linkage of %d rows needs %s for the distance matrix, over the budget of %s (Config.MaxMemory); use ward linkage or the two-stage mode: %w",
				c.Method, n, formatBytes(need), formatBytes(c.MaxMemory), ErrMemoryBudget)
		}
		return matrixLinkage(x, n, d, c.Method, c.Metric, c.Workers), nil
	}
}

// RequiredMemory returns the bytes of working memory Linkage allocates for
// method on n rows beyond the O(n·d) vectors: the condensed distance matrix
// for complete, average and weighted linkage, zero for the others.
func RequiredMemory(n int, method Method) int64 {
	switch method {
	case Complete, Average, Weighted:
		nn := int64(n)
		return nn * (nn - 1) / 2 * 8
	}
	return 0
}

// normalise fills defaults and validates the method/metric combination.
func (cfg Config) normalise() (Config, error) {
	if cfg.Method == "" {
		cfg.Method = Ward
	}
	switch cfg.Metric {
	case "":
		cfg.Metric = Euclidean
	case "manhattan":
		cfg.Metric = Cityblock
	}
	switch cfg.Method {
	case Ward, Complete, Average, Single, Weighted, Centroid, Median:
	default:
		return cfg, fmt.Errorf("check method: unknown linkage %q (want ward, complete, average, single, weighted, centroid or median)", cfg.Method)
	}
	switch cfg.Metric {
	case Euclidean, Cityblock, Cosine:
	default:
		return cfg, fmt.Errorf("check metric: unknown metric %q (want euclidean, cityblock or cosine)", cfg.Metric)
	}
	switch cfg.Method {
	case Ward, Centroid, Median:
		if cfg.Metric != Euclidean {
			return cfg, fmt.Errorf("check metric: %s linkage requires the euclidean metric, got %s", cfg.Method, cfg.Metric)
		}
	}
	if cfg.MaxMemory == 0 {
		cfg.MaxMemory = DefaultMaxMemory()
	}
	if cfg.MaxMemory < 0 {
		return cfg, fmt.Errorf("check memory budget: negative MaxMemory %d", cfg.MaxMemory)
	}
	if cfg.Workers < 0 {
		return cfg, fmt.Errorf("check workers: negative worker count %d", cfg.Workers)
	}
	if cfg.Workers == 0 {
		cfg.Workers = runtime.GOMAXPROCS(0)
	}
	return cfg, nil
}

// checkInput validates the matrix shape, its values and the weights.
func checkInput(x []float64, n, d int, w []float64, cfg Config) error {
	if n < 2 {
		return fmt.Errorf("check input: need at least 2 rows, got %d", n)
	}
	if d < 1 {
		return fmt.Errorf("check input: need at least 1 column, got %d", d)
	}
	if n > math.MaxInt32 {
		return fmt.Errorf("check input: %d rows exceed the limit of %d", n, math.MaxInt32)
	}
	if len(x) != n*d {
		return fmt.Errorf("check input: matrix has %d values, want %d rows × %d columns = %d", len(x), n, d, n*d)
	}
	for i, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("check input: value at row %d, column %d is %v", i/d, i%d, v)
		}
	}
	if cfg.Metric == Cosine {
		for i := range n {
			zero := true
			for _, v := range x[i*d : i*d+d] {
				if v != 0 {
					zero = false
					break
				}
			}
			if zero {
				return fmt.Errorf("check input: row %d is all zeros, its cosine distance is undefined", i)
			}
		}
	}
	if w != nil {
		if cfg.Method != Ward {
			return fmt.Errorf("check weights: sample weights need ward linkage, got %s", cfg.Method)
		}
		if len(w) != n {
			return fmt.Errorf("check weights: got %d weights for %d rows", len(w), n)
		}
		for i, v := range w {
			if !(v > 0) || math.IsInf(v, 0) {
				return fmt.Errorf("check weights: weight of row %d is %v, want a positive finite number", i, v)
			}
		}
	}
	return nil
}

// formatBytes prints a byte count with a binary unit.
func formatBytes(b int64) string {
	const unit = 1024
	if b < unit {
		return fmt.Sprintf("%d B", b)
	}
	div, exp := int64(unit), 0
	for m := b / unit; m >= unit && exp < 4; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(b)/float64(div), "KMGTP"[exp])
}
