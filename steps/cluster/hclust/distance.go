package hclust

import (
	"math"
)

// sqEuclid returns Σ (a[k]−b[k])², summed in column order. It is symmetric
// bitwise: sqEuclid(a, b) == sqEuclid(b, a).
func sqEuclid(a, b []float64) float64 {
	b = b[:len(a)]
	s := 0.0
	for k, v := range a {
		t := v - b[k]
		s += t * t
	}
	return s
}

// cityblock returns Σ |a[k]−b[k]|, summed in column order.
func cityblock(a, b []float64) float64 {
	b = b[:len(a)]
	s := 0.0
	for k, v := range a {
		s += math.Abs(v - b[k])
	}
	return s
}

// dot returns Σ a[k]·b[k], summed in column order.
func dot(a, b []float64) float64 {
	b = b[:len(a)]
	s := 0.0
	for k, v := range a {
		s += v * b[k]
	}
	return s
}

// cosineDist returns 1 − a·b/(na·nb) with the quotient clipped to [−1, 1],
// as scipy's pdist computes it; na and nb are the euclidean norms.
func cosineDist(a, b []float64, na, nb float64) float64 {
	c := dot(a, b) / (na * nb)
	if math.Abs(c) > 1 {
		c = math.Copysign(1, c)
	}
	return 1 - c
}

// rowNorms returns the euclidean norm of every row.
func rowNorms(x []float64, n, d int) []float64 {
	out := make([]float64, n)
	for i := range n {
		r := x[i*d : i*d+d]
		out[i] = math.Sqrt(dot(r, r))
	}
	return out
}

// distFunc returns the distance between rows i and j of x as scipy's pdist
// computes it for metric (euclidean: the square root of sqEuclid).
type distFunc func(i, j int) float64

// pairDist returns a distFunc for metric over the n×d matrix x.
func pairDist(x []float64, n, d int, metric Metric) distFunc {
	switch metric {
	case Cityblock:
		return func(i, j int) float64 { return cityblock(x[i*d:i*d+d], x[j*d:j*d+d]) }
	case Cosine:
		norms := rowNorms(x, n, d)
		return func(i, j int) float64 {
			return cosineDist(x[i*d:i*d+d], x[j*d:j*d+d], norms[i], norms[j])
		}
	default:
		return func(i, j int) float64 { return math.Sqrt(sqEuclid(x[i*d:i*d+d], x[j*d:j*d+d])) }
	}
}

// condensed is scipy's condensed distance matrix: entry (i, j), i < j, of an
// n×n symmetric matrix is stored at start[i]+j.
type condensed struct {
	n     int
	d     []float64
	start []int // start[i] = n·i − i(i+1)/2 − i − 1
}

// newCondensed allocates the condensed matrix of n points.
func newCondensed(n int) *condensed {
	c := &condensed{n: n, d: make([]float64, n*(n-1)/2), start: make([]int, n)}
	adviseHugePages(c.d)
	for i := range n {
		c.start[i] = n*i - i*(i+1)/2 - i - 1
	}
	return c
}

// at returns the index of entry (i, j), i != j.
func (c *condensed) at(i, j int) int {
	if i < j {
		return c.start[i] + j
	}
	return c.start[j] + i
}

// pdist fills the condensed matrix with the metric distances of the rows of
// x, in parallel over blocks of rows.
func pdist(x []float64, n, d int, metric Metric, workers int) *condensed {
	c := newCondensed(n)
	dist := pairDist(x, n, d, metric)
	const rowsPerChunk = 16
	chunks := (n + rowsPerChunk - 1) / rowsPerChunk
	forChunks(chunks, workers, func(ch int) {
		lo := ch * rowsPerChunk
		hi := min(lo+rowsPerChunk, n)
		for i := lo; i < hi; i++ {
			row := c.d[c.start[i]+i+1 : c.start[i]+n]
			switch metric {
			case Euclidean:
				xi := x[i*d : i*d+d]
				for k := range row {
					j := i + 1 + k
					row[k] = math.Sqrt(sqEuclid(xi, x[j*d:j*d+d]))
				}
			default:
				for k := range row {
					row[k] = dist(i, i+1+k)
				}
			}
		}
	})
	return c
}
