package kmeans

import (
	"fmt"
	"math"
)

// problem is the validated input shared by the restarts of one fit. X is
// used in place (never copied or modified). The column means m serve as the
// origin of the assignment kernels: with c' = c - m the value of centre c
// for row x is
//
//	v = (||c'||^2 + 2 m.c') - 2 x.c' = ||x - c||^2 - ||x - m||^2,
//
// whose rounding error grows with |m| * spread rather than |m|^2 as it would
// with the plain expansion ||c||^2 - 2 x.c: almost the accuracy of centring
// the data, without a copy of X.
type problem struct {
	x          []float64 // the data, n x d, read only
	w          []float64 // sample weights or nil
	n, d, k    int
	mean       []float64 // column means of X (the kernel origin)
	meanNorm   float64   // ||mean||
	meanVar    float64   // mean of the column variances of X
	rx         float64   // largest ||x - mean|| over the rows
	xn         []float64 // ||x - mean||^2 per row, computed on first use
	tolAbs     float64
	rows       int // rows per chunk
	nChunks    int
	workers    int
	value      func(x, c []float64, cn float64) float64
	assign     func(xs, ctr, cn []float64, lab []int32) int
	vec        vecKernel // zero without a vector kernel for d
	assign2    func(xs []float64, rows []int32, ctr, cn, mean []float64, best []int32, d1, d2 []float64)
	distRows   func(xs []float64, rows, labs []int32, cs, out []float64)
	accumulate func(xs []float64, lab []int32, sums, wsum []float64)
	accumW     func(xs, w []float64, lab []int32, sums, wsum []float64)
	sqDist     func(x, c []float64) float64
}

// newProblem validates the input and computes the column statistics.
func newProblem(X []float64, n, d int, w []float64, k, workers int) (*problem, error) {
	if err := checkMatrix("X", X, n, d); err != nil {
		return nil, err
	}
	if _, err := checkWeights(w, n); err != nil {
		return nil, err
	}
	if k < 1 {
		return nil, fmt.Errorf("check k: k = %d, want k >= 1: %w", k, ErrK)
	}
	if m := countDistinct(X, n, d, k); m < k {
		return nil, fmt.Errorf("check k: k = %d exceeds the %d distinct rows of X: %w", k, m, ErrK)
	}
	p := &problem{x: X, w: w, n: n, d: d, k: k, workers: resolveWorkers(workers)}
	p.rows = chunkRows(n, k*(d+1)+8)
	p.nChunks = numChunks(n, p.rows)
	p.setKernels()
	p.stats()
	return p, nil
}

// setKernels picks the kernels specialised for d.
func (p *problem) setKernels() {
	d := p.d
	p.value = valueFunc(d)
	p.assign = assignFunc(d)
	p.vec = vecKernelFor(d)
	p.assign2 = assign2Func(d)
	p.distRows = distRowsFunc(d)
	p.accumulate = accumulateFunc(d)
	p.accumW = accumulateWFunc(d)
	p.sqDist = sqDistFunc(d)
}

// chunk returns the row range of chunk c.
func (p *problem) chunk(c int) (lo, hi int) {
	lo = c * p.rows
	return lo, min(lo+p.rows, p.n)
}

// stats computes the column means, the mean column variance (two passes,
// per-chunk partial sums combined in chunk order) and the largest distance
// of a row to the mean.
func (p *problem) stats() {
	n, d := p.n, p.d
	part := make([]float64, p.nChunks*d)
	forChunks(p.nChunks, p.workers, func(_, c int) {
		lo, hi := p.chunk(c)
		s := part[c*d : c*d+d]
		for i := lo; i < hi; i++ {
			for t, v := range p.x[i*d : i*d+d] {
				s[t] += v
			}
		}
	})
	p.mean = make([]float64, d)
	for c := range p.nChunks {
		for t := range d {
			p.mean[t] += part[c*d+t]
		}
	}
	for t := range d {
		p.mean[t] /= float64(n)
	}
	p.meanNorm = math.Sqrt(sqNorm(p.mean))
	far := make([]float64, p.nChunks)
	clear(part)
	forChunks(p.nChunks, p.workers, func(_, c int) {
		lo, hi := p.chunk(c)
		s := part[c*d : c*d+d]
		mx := 0.0
		for i := lo; i < hi; i++ {
			nn := 0.0
			for t, v := range p.x[i*d : i*d+d] {
				e := v - p.mean[t]
				s[t] += e * e
				nn += e * e
			}
			mx = max(mx, nn)
		}
		far[c] = mx
	})
	vars := make([]float64, d)
	for c := range p.nChunks {
		for t := range d {
			vars[t] += part[c*d+t]
		}
		p.rx = max(p.rx, far[c])
	}
	p.rx = math.Sqrt(p.rx)
	for t := range d {
		p.meanVar += vars[t] / float64(n)
	}
	p.meanVar /= float64(d)
}

// norms returns ||x - mean||^2 for every row.
func (p *problem) norms() []float64 {
	if p.xn == nil {
		p.xn = make([]float64, p.n)
		forChunks(p.nChunks, p.workers, func(_, c int) {
			lo, hi := p.chunk(c)
			for i := lo; i < hi; i++ {
				p.xn[i] = p.sqDist(p.x[i*p.d:i*p.d+p.d], p.mean)
			}
		})
	}
	return p.xn
}

// weight returns the weight of row i.
func (p *problem) weight(i int) float64 {
	if p.w == nil {
		return 1
	}
	return p.w[i]
}

// distances returns the weighted sum of squared distances of every row to
// the centre of its label, summed per chunk in chunk order. When dist is
// not nil it receives the Euclidean distances.
func (p *problem) distances(centres []float64, lab []int32, dist []float64) float64 {
	d := p.d
	part := make([]float64, p.nChunks)
	forChunks(p.nChunks, p.workers, func(_, c int) {
		lo, hi := p.chunk(c)
		s := 0.0
		for i := lo; i < hi; i++ {
			l := int(lab[i])
			e := p.sqDist(p.x[i*d:i*d+d], centres[l*d:l*d+d])
			if dist != nil {
				dist[i] = math.Sqrt(e)
			}
			s += p.weight(i) * e
		}
		part[c] = s
	})
	total := 0.0
	for _, v := range part {
		total += v
	}
	return total
}
