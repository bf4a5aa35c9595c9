package hclust

import (
	"fmt"
	"math"
	"runtime"
)

// Cophenetic returns the cophenetic correlation coefficient of the tree z
// over the n×d rows x, as scipy's cophenet(Z, pdist(X, metric)) computes it:
// the Pearson correlation, over all row pairs, of the metric distance and the
// height at which the pair first shares a cluster. Only cfg.Metric and
// cfg.Workers are used.
//
// No n×n matrix is formed: the pairs are streamed twice (means, then centred
// sums) in O(n²) time and O(n·d) memory. Rows are visited in dendrogram leaf
// order, where the cophenetic height of positions p < q is the height of the
// latest-formed merge among the merges joining neighbouring positions
// p..q−1. Sums are taken over fixed chunks of rows added in chunk order, so
// the result does not depend on the worker count. A tree whose heights are
// all equal gives NaN, as in scipy.
func Cophenetic(z []Merge, x []float64, n, d int, cfg Config) (float64, error) {
	metric := cfg.Metric
	switch metric {
	case "":
		metric = Euclidean
	case "manhattan":
		metric = Cityblock
	case Euclidean, Cityblock, Cosine:
	default:
		return 0, fmt.Errorf("compute cophenetic correlation: unknown metric %q", metric)
	}
	workers := cfg.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	if len(z) != n-1 {
		return 0, fmt.Errorf("compute cophenetic correlation: tree has %d merges, want n−1 = %d", len(z), n-1)
	}
	c := Config{Method: Single, Metric: metric, Workers: workers, MaxMemory: 1}
	if err := checkInput(x, n, d, nil, c); err != nil {
		return 0, fmt.Errorf("compute cophenetic correlation: %w", err)
	}
	if err := checkTree(z); err != nil {
		return 0, fmt.Errorf("compute cophenetic correlation: %w", err)
	}
	order, gap := leafOrder(z)
	xp := make([]float64, n*d)
	for p, i := range order {
		copy(xp[p*d:p*d+d], x[int(i)*d:int(i)*d+d])
	}
	var norms []float64
	if metric == Cosine {
		norms = rowNorms(xp, n, d)
	}
	heights := make([]float64, len(z))
	for i, m := range z {
		heights[i] = m.Height
	}

	const rowsPerChunk = 32
	chunks := (n + rowsPerChunk - 1) / rowsPerChunk
	type sums struct{ a, b, c float64 }
	part := make([]sums, chunks)
	// rowPairs fills dist and coph with the metric distances and cophenetic
	// heights of the pairs (p, q), q > p, and returns their count.
	rowPairs := func(p int, dist, coph []float64) int {
		xa := xp[p*d : p*d+d]
		dist = dist[:n-1-p]
		coph = coph[:len(dist)]
		for k := range dist {
			xb := xp[(p+1+k)*d : (p+2+k)*d]
			switch metric {
			case Euclidean:
				dist[k] = math.Sqrt(sqEuclid(xa, xb))
			case Cityblock:
				dist[k] = cityblock(xa, xb)
			default:
				dist[k] = cosineDist(xa, xb, norms[p], norms[p+1+k])
			}
		}
		top := int32(-1)
		for k := range coph {
			if g := gap[p+k]; g > top {
				top = g
			}
			coph[k] = heights[top]
		}
		return len(dist)
	}
	forChunks(chunks, workers, func(ch int) {
		dist, coph := make([]float64, n), make([]float64, n)
		var s sums
		for p := ch * rowsPerChunk; p < min((ch+1)*rowsPerChunk, n); p++ {
			m := rowPairs(p, dist, coph)
			for k := range m {
				s.a += dist[k]
				s.b += coph[k]
			}
		}
		part[ch] = s
	})
	var sy, sc float64
	for _, s := range part {
		sy += s.a
		sc += s.b
	}
	pairs := float64(n) * float64(n-1) / 2
	my, mc := sy/pairs, sc/pairs
	forChunks(chunks, workers, func(ch int) {
		dist, coph := make([]float64, n), make([]float64, n)
		var s sums
		for p := ch * rowsPerChunk; p < min((ch+1)*rowsPerChunk, n); p++ {
			m := rowPairs(p, dist, coph)
			for k := range m {
				dy, dc := dist[k]-my, coph[k]-mc
				s.a += dy * dc
				s.b += dy * dy
				s.c += dc * dc
			}
		}
		part[ch] = s
	})
	var num, vy, vc float64
	for _, s := range part {
		num += s.a
		vy += s.b
		vc += s.c
	}
	return num / math.Sqrt(vy*vc), nil
}

// leafOrder returns the rows in dendrogram order (left subtree first) and,
// for every position p < n−1, the row index in z of the merge that joins the
// rows at positions p and p+1.
func leafOrder(z []Merge) (order, gap []int32) {
	n := len(z) + 1
	count := make([]int32, 2*n-1)
	for i := range n {
		count[i] = 1
	}
	for i, m := range z {
		count[n+i] = count[m.Left] + count[m.Right]
	}
	start := make([]int32, 2*n-1)
	gap = make([]int32, n-1)
	for i := len(z) - 1; i >= 0; i-- {
		s := start[n+i]
		l := z[i].Left
		start[l] = s
		start[z[i].Right] = s + count[l]
		gap[s+count[l]-1] = int32(i)
	}
	order = make([]int32, n)
	for i := range n {
		order[start[i]] = int32(i)
	}
	return order, gap
}
