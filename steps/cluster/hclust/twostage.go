package hclust

import (
	"fmt"
	"math"
	"runtime"
)

// TwoStage is the result of two-stage Ward clustering: an exact weighted Ward
// tree over micro-clusters, and the micro-cluster of every input row.
type TwoStage struct {
	// Merges is the Ward tree whose leaves 0..m−1 are the micro-clusters.
	Merges []Merge
	// Assign maps every input row to its micro-cluster.
	Assign []int
	// KeptSS is the share of the total sum of squares that the
	// micro-clusters keep: 1 − (within-micro-cluster SS)/(total SS), with the
	// within SS measured around the given centres. It is 1 when the total SS
	// is zero.
	KeptSS float64
}

// NewTwoStage runs weighted Ward linkage on m = len(weights) micro-clusters
// whose centres (row-major m×d) and weights (typically row counts) come from
// a first stage such as k-means, and keeps assign (the micro-cluster of each
// of the n rows of x) to expand flat clusters back to the rows. cfg.Method
// must be Ward or empty.
func NewTwoStage(x []float64, n, d int, centres, weights []float64, assign []int, cfg Config) (*TwoStage, error) {
	if cfg.Method != "" && cfg.Method != Ward {
		return nil, fmt.Errorf("run two-stage clustering: method must be ward, got %s", cfg.Method)
	}
	cfg.Method = Ward
	m := len(weights)
	if len(centres) != m*d {
		return nil, fmt.Errorf("run two-stage clustering: %d centre values for %d micro-clusters × %d columns", len(centres), m, d)
	}
	if len(x) != n*d {
		return nil, fmt.Errorf("run two-stage clustering: matrix has %d values, want %d rows × %d columns", len(x), n, d)
	}
	if len(assign) != n {
		return nil, fmt.Errorf("run two-stage clustering: %d assignments for %d rows", len(assign), n)
	}
	for i, a := range assign {
		if a < 0 || a >= m {
			return nil, fmt.Errorf("run two-stage clustering: row %d assigned to micro-cluster %d, want 0..%d", i, a, m-1)
		}
	}
	merges, err := Linkage(centres, m, d, weights, cfg)
	if err != nil {
		return nil, fmt.Errorf("run two-stage clustering: %w", err)
	}
	workers := cfg.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	kept, err := keptSS(x, n, d, centres, assign, workers)
	if err != nil {
		return nil, fmt.Errorf("run two-stage clustering: %w", err)
	}
	return &TwoStage{Merges: merges, Assign: assign, KeptSS: kept}, nil
}

// CutK cuts the micro-cluster tree as CutK does and returns the flat
// cluster of every input row, numbered by row count descending, then by
// smallest row index.
func (t *TwoStage) CutK(k int) ([]int, error) {
	micro, err := CutK(t.Merges, k)
	if err != nil {
		return nil, err
	}
	return t.expand(micro), nil
}

// CutHeight cuts the micro-cluster tree at height h and returns the flat
// cluster of every input row, numbered as in CutK.
func (t *TwoStage) CutHeight(h float64) []int {
	return t.expand(CutHeight(t.Merges, h))
}

// expand gives every row its micro-cluster's label and renumbers by rows.
func (t *TwoStage) expand(micro []int) []int {
	rows := make([]int, len(t.Assign))
	for i, a := range t.Assign {
		rows[i] = micro[a]
	}
	return renumber(rows)
}

// keptSS returns 1 − Σ‖x_i − c_assign(i)‖² / Σ‖x_i − mean‖², with sums over
// fixed chunks of rows added in chunk order.
func keptSS(x []float64, n, d int, centres []float64, assign []int, workers int) (float64, error) {
	const rowsPerChunk = 8192
	chunks := (n + rowsPerChunk - 1) / rowsPerChunk
	colSums := make([]float64, chunks*d)
	forChunks(chunks, workers, func(ch int) {
		s := colSums[ch*d : ch*d+d]
		for i := ch * rowsPerChunk; i < min((ch+1)*rowsPerChunk, n); i++ {
			for k, v := range x[i*d : i*d+d] {
				s[k] += v
			}
		}
	})
	mean := make([]float64, d)
	for ch := range chunks {
		for k := range mean {
			mean[k] += colSums[ch*d+k]
		}
	}
	for k := range mean {
		mean[k] /= float64(n)
	}
	type sums struct{ total, within float64 }
	part := make([]sums, chunks)
	forChunks(chunks, workers, func(ch int) {
		var s sums
		for i := ch * rowsPerChunk; i < min((ch+1)*rowsPerChunk, n); i++ {
			r := x[i*d : i*d+d]
			a := assign[i]
			s.total += sqEuclid(r, mean)
			s.within += sqEuclid(r, centres[a*d:a*d+d])
		}
		part[ch] = s
	})
	var total, within float64
	for _, s := range part {
		total += s.total
		within += s.within
	}
	if math.IsNaN(total) || math.IsInf(total, 0) {
		return 0, fmt.Errorf("compute sums of squares: total is %v", total)
	}
	if total == 0 {
		return 1, nil
	}
	return 1 - within/total, nil
}
