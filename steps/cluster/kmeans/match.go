package kmeans

import (
	"fmt"
	"math"
)

// MatchCentres gives the clusters of a new fit stable ids: it matches the
// kNew centres of next to the kOld centres of prev (both row-major with d
// features) by the Hungarian algorithm, minimising the total Euclidean
// distance between matched centres, in O(k^3). ids[j] is the id of new
// cluster j: the index of its matched old centre, or, when kNew > kOld, a
// fresh id kOld, kOld+1, ... given to the unmatched new clusters in
// increasing index order. When kNew < kOld some old ids are unused.
func MatchCentres(prev, next []float64, d int) ([]int, error) {
	if d <= 0 {
		return nil, fmt.Errorf("match centres: d = %d: %w", d, ErrNoFeatures)
	}
	if len(prev) == 0 || len(next) == 0 || len(prev)%d != 0 || len(next)%d != 0 {
		return nil, fmt.Errorf("match centres: %d old and %d new values for d = %d: %w", len(prev), len(next), d, ErrShape)
	}
	kOld, kNew := len(prev)/d, len(next)/d
	if err := checkMatrix("old centres", prev, kOld, d); err != nil {
		return nil, fmt.Errorf("match centres: %w", err)
	}
	if err := checkMatrix("new centres", next, kNew, d); err != nil {
		return nil, fmt.Errorf("match centres: %w", err)
	}
	sqDist := sqDistFunc(d)
	ids := make([]int, kNew)
	if kNew <= kOld {
		cost := make([]float64, kNew*kOld)
		for i := range kNew {
			for j := range kOld {
				cost[i*kOld+j] = math.Sqrt(sqDist(next[i*d:i*d+d], prev[j*d:j*d+d]))
			}
		}
		copy(ids, hungarian(cost, kNew, kOld))
		return ids, nil
	}
	cost := make([]float64, kOld*kNew)
	for i := range kOld {
		for j := range kNew {
			cost[i*kNew+j] = math.Sqrt(sqDist(prev[i*d:i*d+d], next[j*d:j*d+d]))
		}
	}
	for j := range ids {
		ids[j] = -1
	}
	for old, nw := range hungarian(cost, kOld, kNew) {
		ids[nw] = old
	}
	fresh := kOld
	for j := range ids {
		if ids[j] < 0 {
			ids[j] = fresh
			fresh++
		}
	}
	return ids, nil
}

// hungarian solves the rectangular assignment problem for the rows x cols
// cost matrix (rows <= cols), returning the column of every row such that
// the columns are distinct and the total cost is minimal. It is the O(r^2 c)
// shortest augmenting path method with potentials (Kuhn-Munkres as
// presented by Jonker-Volgenant); ties resolve to the lowest index.
func hungarian(cost []float64, rows, cols int) []int {
	inf := math.Inf(1)
	u := make([]float64, rows+1)
	v := make([]float64, cols+1)
	p := make([]int, cols+1) // p[j]: row (1-based) matched to column j
	way := make([]int, cols+1)
	minv := make([]float64, cols+1)
	used := make([]bool, cols+1)
	for i := 1; i <= rows; i++ {
		p[0] = i
		j0 := 0
		for j := range minv {
			minv[j] = inf
			used[j] = false
		}
		for {
			used[j0] = true
			i0, delta, j1 := p[j0], inf, 0
			for j := 1; j <= cols; j++ {
				if used[j] {
					continue
				}
				cur := cost[(i0-1)*cols+j-1] - u[i0] - v[j]
				if cur < minv[j] {
					minv[j] = cur
					way[j] = j0
				}
				if minv[j] < delta {
					delta = minv[j]
					j1 = j
				}
			}
			for j := 0; j <= cols; j++ {
				if used[j] {
					u[p[j]] += delta
					v[j] -= delta
				} else {
					minv[j] -= delta
				}
			}
			j0 = j1
			if p[j0] == 0 {
				break
			}
		}
		for j0 != 0 {
			j1 := way[j0]
			p[j0] = p[j1]
			j0 = j1
		}
	}
	out := make([]int, rows)
	for j := 1; j <= cols; j++ {
		if p[j] != 0 {
			out[p[j]-1] = j - 1
		}
	}
	return out
}
