package vbgmm

import (
	"math"
	"math/rand/v2"
	"sort"
)

// This file holds a small k-means used only to draw the initial
// responsibilities (init_params "kmeans"). It follows scikit-learn's KMeans
// with n_init=1: greedy k-means++ seeding with 2 + ⌊ln k⌋ candidates per
// centre, then Lloyd iterations until the labels stop changing or the
// centres move by at most 1e-4 × the mean column variance (squared, summed),
// at most 300 times. It will give way to the project's k-means package.

const (
	kmeansMaxIter = 300
	kmeansTol     = 1e-4
)

// kmeansLabels clusters the n rows of x (n×d) into k clusters and returns
// each row's cluster.
func kmeansLabels(x []float64, n, d, k int, rng *rand.Rand, workers int) []int {
	centers := kmeansPlusPlus(x, n, d, k, rng, workers)
	tol := kmeansTol * meanVariance(x, n, d)
	labels := make([]int, n)
	dist := make([]float64, n)
	nc := numChunks(n)
	sums := make([]float64, nc*k*d)
	counts := make([]float64, nc*k)
	changed := make([]int, nc)
	newCenters := make([]float64, k*d)
	total := make([]float64, k)
	for iter := range kmeansMaxIter {
		forChunks(n, workers, func(lo, hi, c, _ int) {
			s := sums[c*k*d : (c+1)*k*d]
			cnt := counts[c*k : (c+1)*k]
			clear(s)
			clear(cnt)
			changed[c] = 0
			for i := lo; i < hi; i++ {
				xr := x[i*d : i*d+d]
				best, bd := nearest(xr, centers, k, d)
				if best != labels[i] || iter == 0 {
					changed[c]++
				}
				labels[i], dist[i] = best, bd
				cnt[best]++
				row := s[best*d : best*d+d]
				for j, v := range xr {
					row[j] += v
				}
			}
		})
		moved := 0
		for _, v := range changed {
			moved += v
		}
		if moved == 0 {
			return labels // strict convergence: the centres are the means of their rows
		}
		clear(newCenters)
		clear(total)
		for c := range nc {
			for j, v := range sums[c*k*d : (c+1)*k*d] {
				newCenters[j] += v
			}
			for j, v := range counts[c*k : (c+1)*k] {
				total[j] += v
			}
		}
		for j := range k {
			if total[j] == 0 {
				continue
			}
			for p := range d {
				newCenters[j*d+p] /= total[j]
			}
		}
		relocateEmpty(x, d, k, labels, dist, total, newCenters)
		shift := 0.0
		for j, v := range newCenters {
			t := v - centers[j]
			shift += t * t
		}
		copy(centers, newCenters)
		if shift <= tol {
			break
		}
	}
	// Labels consistent with the final centres.
	forChunks(n, workers, func(lo, hi, _, _ int) {
		for i := lo; i < hi; i++ {
			labels[i], _ = nearest(x[i*d:i*d+d], centers, k, d)
		}
	})
	return labels
}

// relocateEmpty moves the centre of each empty cluster onto one of the rows
// farthest from their own centres, as scikit-learn does.
func relocateEmpty(x []float64, d, k int, labels []int, dist, total, centers []float64) {
	empty := 0
	for _, t := range total {
		if t == 0 {
			empty++
		}
	}
	if empty == 0 {
		return
	}
	order := make([]int, len(dist))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return dist[order[a]] > dist[order[b]] })
	next := 0
	for j, t := range total {
		if t != 0 {
			continue
		}
		i := order[next]
		next++
		copy(centers[j*d:j*d+d], x[i*d:i*d+d])
		labels[i] = j
	}
}

// nearest returns the centre closest to xr and the squared distance.
func nearest(xr, centers []float64, k, d int) (int, float64) {
	best, bd := 0, math.Inf(1)
	for c := range k {
		ct := centers[c*d : c*d+d]
		s := 0.0
		for j, v := range xr[:d] {
			t := v - ct[j]
			s += t * t
		}
		if s < bd {
			best, bd = c, s
		}
	}
	return best, bd
}

// meanVariance returns the mean of the column variances (ddof 0) of x.
func meanVariance(x []float64, n, d int) float64 {
	mean := columnMeans(x, n, d)
	s := 0.0
	for i := range n {
		for j, v := range x[i*d : i*d+d] {
			t := v - mean[j]
			s += t * t
		}
	}
	return s / float64(n*d)
}

// kmeansPlusPlus chooses k initial centres by greedy k-means++: each new
// centre is the best, by total squared distance, of 2 + ⌊ln k⌋ rows drawn
// with probability proportional to their squared distance to the chosen
// centres.
func kmeansPlusPlus(x []float64, n, d, k int, rng *rand.Rand, workers int) []float64 {
	centers := make([]float64, k*d)
	trials := 2 + int(math.Log(float64(k)))
	first := rng.IntN(n)
	copy(centers, x[first*d:first*d+d])
	closest := make([]float64, n)
	nc := numChunks(n)
	partial := make([]float64, nc*trials)
	sqDistTo(x, n, d, x[first*d:first*d+d], closest, nil, workers, partial[:nc])
	pot := sumChunks(partial[:nc])
	cand := make([]float64, trials*n)
	cum := make([]float64, n)
	ids := make([]int, trials)
	for c := 1; c < k; c++ {
		acc := 0.0
		for i, v := range closest {
			acc += v
			cum[i] = acc
		}
		for t := range trials {
			r := rng.Float64() * pot
			id := sort.SearchFloat64s(cum, r)
			ids[t] = min(id, n-1)
		}
		best, bestPot := -1, math.Inf(1)
		for t, id := range ids {
			p := partial[t*nc : (t+1)*nc]
			sqDistTo(x, n, d, x[id*d:id*d+d], cand[t*n:(t+1)*n], closest, workers, p)
			if s := sumChunks(p); s < bestPot {
				best, bestPot = t, s
			}
		}
		copy(closest, cand[best*n:(best+1)*n])
		pot = bestPot
		id := ids[best]
		copy(centers[c*d:c*d+d], x[id*d:id*d+d])
	}
	return centers
}

// sqDistTo writes into out the squared distance of every row of x to ctr,
// capped by floor when floor is not nil, and the per-chunk sums into part.
func sqDistTo(x []float64, n, d int, ctr, out, floor []float64, workers int, part []float64) {
	forChunks(n, workers, func(lo, hi, c, _ int) {
		s := 0.0
		for i := lo; i < hi; i++ {
			v := 0.0
			for j, a := range x[i*d : i*d+d] {
				t := a - ctr[j]
				v += t * t
			}
			if floor != nil && floor[i] < v {
				v = floor[i]
			}
			out[i] = v
			s += v
		}
		part[c] = s
	})
}

// sumChunks adds per-chunk partial sums in chunk order.
func sumChunks(p []float64) float64 {
	s := 0.0
	for _, v := range p {
		s += v
	}
	return s
}
