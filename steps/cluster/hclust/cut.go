package hclust

import (
	"cmp"
	"fmt"
	"slices"
)

// CutK cuts the tree into at most k flat clusters with the partition of
// scipy's fcluster(Z, k, "maxclust"): the lowest threshold t among the
// subtree maxima of the merge heights such that cutting at t gives at most k
// clusters, found by scipy's binary search over the rows. It returns one
// cluster id per input row, numbered as CutHeight numbers them.
//
// For k ≥ n every row is its own cluster. (scipy 1.10 itself returns
// n−2 clusters for k = n−1 and n−1 for k = n, a bug fixed in later releases;
// CutK follows the fixed behaviour. The two agree for k ≤ n−2.)
func CutK(z []Merge, k int) ([]int, error) {
	n := len(z) + 1
	if k < 1 {
		return nil, fmt.Errorf("cut tree: want at least 1 cluster, got k = %d", k)
	}
	if k > n {
		return nil, fmt.Errorf("cut tree: k = %d exceeds the number of rows %d", k, n)
	}
	if err := checkTree(z); err != nil {
		return nil, fmt.Errorf("cut tree: %w", err)
	}
	if k == n {
		labels := make([]int, n)
		for i := range labels {
			labels[i] = i
		}
		return labels, nil
	}
	mc := maxDists(z)
	sorted := slices.Clone(mc)
	slices.Sort(sorted)
	// clusters(t) = n − #{merges whose subtree maximum is ≤ t}.
	clusters := func(t float64) int {
		c, found := slices.BinarySearch(sorted, t)
		if found {
			for c < len(sorted) && sorted[c] == t {
				c++
			}
		}
		return n - c
	}
	lower, upper := -1, n-1
	for upper-lower > 1 {
		i := (lower + upper) >> 1
		if clusters(mc[i]) > k {
			lower = i
		} else {
			upper = i
		}
	}
	return cutMonocrit(z, mc, mc[upper]), nil
}

// CutHeight cuts the tree at height t with the partition of scipy's
// fcluster(Z, t, "distance"): every flat cluster is a maximal subtree whose
// merges all have heights ≤ t. Cluster ids run from 0 by cluster size
// descending, then by smallest row index ascending. z must be a linkage
// matrix as Linkage returns it (CutK checks this, CutHeight does not).
func CutHeight(z []Merge, t float64) []int {
	return cutMonocrit(z, maxDists(z), t)
}

// maxDists returns, for every merge, the largest height in its subtree
// (scipy's get_max_dist_for_each_cluster).
func maxDists(z []Merge) []float64 {
	n := len(z) + 1
	mc := make([]float64, len(z))
	for i, m := range z {
		v := m.Height
		for _, c := range [2]int{m.Left, m.Right} {
			if c >= n && mc[c-n] > v {
				v = mc[c-n]
			}
		}
		mc[i] = v
	}
	return mc
}

// cutMonocrit forms the flat clusters of the maximal subtrees with
// mc ≤ cutoff (scipy's cluster_monocrit) and numbers them canonically.
func cutMonocrit(z []Merge, mc []float64, cutoff float64) []int {
	n := len(z) + 1
	comp := make([]int, 2*n-1)
	for i := range comp {
		comp[i] = -1
	}
	for i := len(z) - 1; i >= 0; i-- {
		node := n + i
		if comp[node] < 0 && mc[i] <= cutoff {
			comp[node] = node
		}
		if comp[node] >= 0 {
			comp[z[i].Left] = comp[node]
			comp[z[i].Right] = comp[node]
		}
	}
	labels := comp[:n:n]
	for i, c := range labels {
		if c < 0 {
			labels[i] = i
		}
	}
	return renumber(labels)
}

// renumber maps non-negative cluster ids to 0..k−1 ordered by cluster size
// descending, then by smallest row index ascending. labels is rewritten in
// place and returned.
func renumber(labels []int) []int {
	top := 0
	for _, c := range labels {
		top = max(top, c)
	}
	size := make([]int, top+1)
	first := make([]int, top+1)
	var ids []int
	for i, c := range labels {
		if size[c] == 0 {
			first[c] = i
			ids = append(ids, c)
		}
		size[c]++
	}
	slices.SortFunc(ids, func(a, b int) int {
		if size[a] != size[b] {
			return cmp.Compare(size[b], size[a])
		}
		return cmp.Compare(first[a], first[b])
	})
	newID := first // reuse: first[c] is no longer needed after sorting
	for i, c := range ids {
		newID[c] = i
	}
	for i, c := range labels {
		labels[i] = newID[c]
	}
	return labels
}

// checkTree verifies that z is a linkage matrix: every row merges two
// existing, not yet merged clusters.
func checkTree(z []Merge) error {
	n := len(z) + 1
	if n < 2 {
		return fmt.Errorf("check tree: need at least 1 merge, got %d", len(z))
	}
	used := make([]bool, 2*n-1)
	for i, m := range z {
		for _, c := range [2]int{m.Left, m.Right} {
			if c < 0 || c >= n+i {
				return fmt.Errorf("check tree: row %d refers to cluster %d, not yet formed", i, c)
			}
			if used[c] {
				return fmt.Errorf("check tree: row %d merges cluster %d a second time", i, c)
			}
			used[c] = true
		}
	}
	return nil
}
