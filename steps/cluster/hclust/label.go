package hclust

import (
	"slices"
)

// rawMerge is a merge as an algorithm finds it: two input rows that belong to
// the two merged clusters, and the final (reported) height.
type rawMerge struct {
	a, b int32
	h    float64
}

// label turns raw merges into scipy's linkage layout. With sortByHeight the
// merges are first stable-sorted by height, as scipy's nn_chain and
// mst_single_linkage do; then every merge is relabelled with a union-find so
// that the cluster made by row i is n+i (scipy's `label`). w holds the sample
// weights (nil for all ones).
func label(raw []rawMerge, n int, w []float64, sortByHeight bool) []Merge {
	if sortByHeight {
		slices.SortStableFunc(raw, func(p, q rawMerge) int {
			switch {
			case p.h < q.h:
				return -1
			case p.h > q.h:
				return 1
			}
			return 0
		})
	}
	parent := make([]int32, 2*n-1)
	for i := range parent {
		parent[i] = int32(i)
	}
	size := make([]int, 2*n-1)
	weight := make([]float64, 2*n-1)
	for i := range n {
		size[i] = 1
		weight[i] = 1
		if w != nil {
			weight[i] = w[i]
		}
	}
	find := func(x int32) int32 {
		root := x
		for parent[root] != root {
			root = parent[root]
		}
		for parent[x] != root {
			parent[x], x = root, parent[x]
		}
		return root
	}
	out := make([]Merge, len(raw))
	for i, r := range raw {
		a, b := find(r.a), find(r.b)
		if a > b {
			a, b = b, a
		}
		next := int32(n + i)
		parent[a], parent[b] = next, next
		size[next] = size[a] + size[b]
		weight[next] = weight[a] + weight[b]
		out[i] = Merge{Left: int(a), Right: int(b), Height: r.h, Size: size[next], Weight: weight[next]}
	}
	return out
}
