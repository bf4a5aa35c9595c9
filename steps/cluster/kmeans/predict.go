package kmeans

import (
	"fmt"
	"math"
)

// Predict assigns every row of the n x d matrix X to its nearest centre
// (row-major k x d centres; ties go to the lowest index) and returns the
// labels and the Euclidean distance of every row to its centre. It uses the
// same kernels as Fit, with the mean of the centres as origin, and runs on
// runtime.GOMAXPROCS(0) goroutines; the output does not depend on that
// number.
func Predict(X []float64, n, d int, centres []float64) ([]int32, []float64, error) {
	if err := checkMatrix("X", X, n, d); err != nil {
		return nil, nil, fmt.Errorf("predict: %w", err)
	}
	if len(centres) == 0 || len(centres)%d != 0 {
		return nil, nil, fmt.Errorf("predict: %d centre values for d = %d: %w", len(centres), d, ErrShape)
	}
	k := len(centres) / d
	if err := checkMatrix("centres", centres, k, d); err != nil {
		return nil, nil, fmt.Errorf("predict: %w", err)
	}
	labels := make([]int32, n)
	dist := make([]float64, n)
	assignAll(X, n, d, nil, centres, resolveWorkers(0), labels, dist)
	return labels, dist, nil
}

// assignAll labels every row of X with its nearest centre, writes the
// distances to dist (when not nil) and returns the inertia (weighted by w
// unless nil), summed per chunk in chunk order.
func assignAll(X []float64, n, d int, w, centres []float64, workers int, labels []int32, dist []float64) float64 {
	k := len(centres) / d
	origin := make([]float64, d)
	for j := range k {
		for t := range d {
			origin[t] += centres[j*d+t]
		}
	}
	for t := range d {
		origin[t] /= float64(k)
	}
	ctr, cn := kernelCentres(centres, origin, d)
	assign := assignFunc(d)
	vk := vecKernelFor(d)
	var cb []float64
	if vk.assign != nil {
		cb = vk.pack(nil, ctr, cn, d)
	}
	sqDist := sqDistFunc(d)
	rows := baseChunkRows
	nc := numChunks(n, rows)
	part := make([]float64, nc)
	moved := make([][2][]int32, min(workers, nc)) // per-worker scratch of assignTrack; the lists are unused
	forChunks(nc, workers, func(wk, c int) {
		lo, hi := c*rows, min((c+1)*rows, n)
		mv := &moved[wk]
		if mv[0] == nil {
			mv[0], mv[1] = make([]int32, rows), make([]int32, rows)
		}
		assignTrack(vk, assign, X[lo*d:hi*d], ctr, cn, cb, labels[lo:hi], mv[0], mv[1], d)
		s := 0.0
		for i := lo; i < hi; i++ {
			l := int(labels[i])
			e := sqDist(X[i*d:i*d+d], centres[l*d:l*d+d])
			if dist != nil {
				dist[i] = math.Sqrt(e)
			}
			if w != nil {
				e *= w[i]
			}
			s += e
		}
		part[c] = s
	})
	return sum(part)
}

// kernelCentres returns the kernel constants of the centres for the given
// origin m: ctr = -2 (c - m) and cn = ||c - m||^2 + 2 m.(c - m).
func kernelCentres(centres, origin []float64, d int) (ctr, cn []float64) {
	k := len(centres) / d
	ctr = make([]float64, k*d)
	cn = make([]float64, k)
	fillKernelCentres(centres, origin, ctr, cn)
	return ctr, cn
}

// fillKernelCentres writes the kernel constants of the centres into ctr and
// cn (see kernelCentres).
func fillKernelCentres(centres, origin, ctr, cn []float64) {
	d := len(origin)
	for j := range cn {
		c := centres[j*d : j*d+d]
		var nn, mc float64
		for t, v := range c {
			e := v - origin[t]
			ctr[j*d+t] = -2 * e
			nn += float64(e * e)
			mc += float64(origin[t] * e)
		}
		cn[j] = nn + 2*mc
	}
}
