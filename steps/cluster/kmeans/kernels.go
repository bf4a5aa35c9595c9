package kmeans

import "math"

//go:generate go run gen_kernels.go

// The assignment kernels work on centred data with centres stored as
// ctr = -2*c and cn = ||c||^2, so that the value of centre j for a point x is
//
//	v_j = ||c_j||^2 - 2 x.c_j = ||x - c_j||^2 - ||x||^2.
//
// The arg-min of v over the centres is the nearest centre. Every algorithm
// (Lloyd, Hamerly, Elkan, Predict) computes v with the same expression for a
// given number of features, so when they evaluate a centre they get the same
// bits; Hamerly and Elkan only skip centres that their bounds prove to be
// farther by more than the rounding error of v (see margin), which is why
// all three produce identical labels. Ties go to the lowest centre index.
// Products are wrapped in float64() so that no compiler fuses them into FMA
// instructions: results are the same on every platform.

// orderKey maps a float64 to an int64 with the same ordering (for non-NaN
// values), so the arg-min can use integer conditional moves instead of
// unpredictable branches.
func orderKey(v float64) int64 {
	b := int64(math.Float64bits(v))
	return b ^ int64(uint64(b>>63)>>1)
}

// b2i converts a boolean to 0 or 1 without a branch.
func b2i(b bool) int {
	var r int
	if b {
		r = 1
	}
	return r
}

// valueN is the generic value kernel: ||c||^2 - 2 x.c with ctr = -2c.
func valueN(x, c []float64, cn float64) float64 {
	c = c[:len(x)]
	var a0, a1, a2, a3 float64
	t := 0
	for ; t+4 <= len(x); t += 4 {
		a0 += float64(x[t] * c[t])
		a1 += float64(x[t+1] * c[t+1])
		a2 += float64(x[t+2] * c[t+2])
		a3 += float64(x[t+3] * c[t+3])
	}
	for ; t < len(x); t++ {
		a0 += float64(x[t] * c[t])
	}
	return cn + float64(float64(a0+a1)+float64(a2+a3))
}

// assignN labels every row of xs with its nearest centre and returns how
// many labels changed.
func assignN(xs, ctr, cn []float64, lab []int32, d int) int {
	changed := 0
	for i := range lab {
		x := xs[i*d : i*d+d : i*d+d]
		best := int64(math.MaxInt64)
		bj := int32(0)
		for j, cnj := range cn {
			key := orderKey(valueN(x, ctr[j*d:j*d+d], cnj))
			if key < best {
				best = key
				bj = int32(j)
			}
		}
		changed += b2i(lab[i] != bj)
		lab[i] = bj
	}
	return changed
}

// assign2N finds, for every row index in rows (rows of xs), the nearest
// centre by the value kernel (lowest index on ties, as assignN), and writes
// it with the distances to the nearest and the second nearest centre,
// derived from the values and ||x - mean||^2 (+Inf when there is one
// centre). The derived distances carry the rounding error of the values,
// which the bound margin covers (see solver.setMargin).
func assign2N(xs []float64, rows []int32, ctr, cn, mean []float64, best []int32, d1, d2 []float64, d int) {
	for r, i := range rows {
		x := xs[int(i)*d : int(i)*d+d : int(i)*d+d]
		k1, k2 := int64(math.MaxInt64), int64(math.MaxInt64)
		bj := int32(0)
		for j, cnj := range cn {
			key := orderKey(valueN(x, ctr[j*d:j*d+d], cnj))
			k2 = min(k2, max(key, k1))
			if key < k1 {
				k1 = key
				bj = int32(j)
			}
		}
		xn := sqDistN(x, mean)
		best[r], d1[r], d2[r] = bj, keyDist(xn, k1), keyDist(xn, k2)
	}
	if len(cn) == 1 {
		for r := range d2 {
			d2[r] = math.Inf(1)
		}
	}
}

// keyDist returns the distance whose value has order key key, given
// xn = ||x - mean||^2: sqrt(max(0, xn + v)). (orderKey is its own inverse
// on the bits.)
func keyDist(xn float64, key int64) float64 {
	s := xn + math.Float64frombits(uint64(key^int64(uint64(key>>63)>>1)))
	if s <= 0 {
		return 0
	}
	return math.Sqrt(s)
}

// distRowsN writes, for every row index rows[r], the Euclidean distance to
// centre labs[r] of cs.
func distRowsN(xs []float64, rows, labs []int32, cs, out []float64, d int) {
	for r, i := range rows {
		j := int(labs[r])
		out[r] = math.Sqrt(sqDistN(xs[int(i)*d:int(i)*d+d], cs[j*d:j*d+d]))
	}
}

// accumulateN adds every row of xs to the sum of its cluster and counts it.
func accumulateN(xs []float64, lab []int32, sums, wsum []float64, d int) {
	for i, l := range lab {
		x := xs[i*d : i*d+d : i*d+d]
		s := sums[int(l)*d : int(l)*d+d : int(l)*d+d]
		for t, v := range x {
			s[t] += v
		}
		wsum[l]++
	}
}

// accumulateWN adds every weighted row of xs to the sum of its cluster.
func accumulateWN(xs, w []float64, lab []int32, sums, wsum []float64, d int) {
	for i, l := range lab {
		x := xs[i*d : i*d+d : i*d+d]
		s := sums[int(l)*d : int(l)*d+d : int(l)*d+d]
		wi := w[i]
		for t, v := range x {
			s[t] += float64(v * wi)
		}
		wsum[l] += wi
	}
}

// sqDistN returns the squared Euclidean distance between x and c.
func sqDistN(x, c []float64) float64 {
	c = c[:len(x)]
	var s float64
	for t, v := range x {
		e := v - c[t]
		s += float64(e * e)
	}
	return s
}

// sumDistN returns the sum of the Euclidean distances from xi to the rows
// idx of xs.
func sumDistN(xi, xs []float64, idx []int32) float64 {
	d := len(xi)
	s := 0.0
	for _, j := range idx {
		s += math.Sqrt(sqDistN(xi, xs[int(j)*d:int(j)*d+d]))
	}
	return s
}

// ppPassN is one k-means++ pass over the rows of xs (weights w, nil for
// unit weights): when prev is not nil, closest[i] first becomes
// min(closest[i], ||x_i - prev||^2); then pot[t] accumulates
// w_i * min(closest[i], ||x_i - cand_t||^2) for every candidate t.
func ppPassN(xs, w, closest, prev, cand, pot []float64, d int) {
	for i := range closest {
		x := xs[i*d : i*d+d : i*d+d]
		ci := closest[i]
		if prev != nil {
			ci = min(ci, sqDistN(x, prev))
			closest[i] = ci
		}
		wi := 1.0
		if w != nil {
			wi = w[i]
		}
		for t := range pot {
			pot[t] += wi * min(ci, sqDistN(x, cand[t*d:t*d+d]))
		}
	}
}

// sqNorm returns ||x||^2.
func sqNorm(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += float64(v * v)
	}
	return s
}

// argmin2 returns the index of the smallest value (lowest index on ties, the
// same order as the assignment kernels), the smallest value and the second
// smallest value (+Inf when len(v) == 1).
func argmin2(v []float64) (int, float64, float64) {
	bj := 0
	v1, v2 := v[0], math.Inf(1)
	k1, k2 := orderKey(v1), orderKey(v2)
	for j := 1; j < len(v); j++ {
		kj := orderKey(v[j])
		if kj < k1 {
			v2, k2 = v1, k1
			v1, k1 = v[j], kj
			bj = j
		} else if kj < k2 {
			v2, k2 = v[j], kj
		}
	}
	return bj, v1, v2
}

// distFromValue converts a value v = ||x-c||^2 - ||x-mean||^2 into a
// distance, given xn = ||x-mean||^2.
func distFromValue(xn, v float64) float64 {
	s := xn + v
	if s <= 0 {
		return 0
	}
	return math.Sqrt(s)
}
