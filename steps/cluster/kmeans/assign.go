package kmeans

import "math"

// maxVecProducts bounds the row-centre-feature products of one call of a
// vector kernel (about a millisecond), which the scheduler cannot preempt.
const maxVecProducts = 1 << 21

// vecKernel is a vector Lloyd assignment kernel for one number of features
// d (see vecKernels); the zero value means none.
//
// assign labels the first m = len(lab) &^ (lanes-1) rows of xs with the
// nearest of the k centres packed in cb (see vecKernel.pack, with copies
// copies of every constant), writes the index (within lab) and the previous
// label of every row whose label changed, in row order, to moved and from
// (both at least m long) and returns how many there are. Its labels are
// bit-identical to those of the Go kernel assignFunc(d): every lane (one
// row) evaluates the same expression in the same order, without FMA, and
// keeps the lowest centre index on ties.
type vecKernel struct {
	assign func(xs, cb []float64, lab []int32, k int, moved, from []int32) int
	lanes  int // rows per step, a power of two
	copies int // copies of every centre constant in the packed layout
}

// vecKernelFor returns the fastest vector kernel for d features, or the zero
// vecKernel when there is none.
func vecKernelFor(d int) vecKernel {
	if ks := vecKernels(d); len(ks) > 0 {
		return ks[0]
	}
	return vecKernel{}
}

// pack writes the kernel constants ctr and cn of the centres into dst
// (grown as needed) in the layout of the kernel: per centre j, copies
// copies of each ctr[j*d+t], of cn[j] and of the bits of int64(j).
func (vk vecKernel) pack(dst, ctr, cn []float64, d int) []float64 {
	k, w := len(cn), vk.copies
	size := k * (d + 2) * w
	if cap(dst) < size {
		dst = make([]float64, size)
	}
	dst = dst[:size]
	for j := range k {
		blk := dst[j*(d+2)*w : (j+1)*(d+2)*w]
		for t := range d + 2 {
			v := math.Float64frombits(uint64(j))
			switch {
			case t < d:
				v = ctr[j*d+t]
			case t == d:
				v = cn[j]
			}
			for l := range w {
				blk[t*w+l] = v
			}
		}
	}
	return dst
}

// assignTrack labels every row of xs with its nearest centre, writes the
// index (within lab) and the previous label of every row whose label
// changed, in row order, to moved and from (both at least len(lab) long),
// and returns how many labels changed. The vector kernel vk (unless zero,
// with the centres packed in cb by vk.pack) labels the bulk of the rows and
// the Go kernel assign the rest; the results do not depend on whether or
// which vector kernel is used.
func assignTrack(vk vecKernel, assign func(xs, ctr, cn []float64, lab []int32) int,
	xs, ctr, cn, cb []float64, lab, moved, from []int32, d int) int {
	n := len(lab)
	moved, from = moved[:n], from[:n]
	m := 0
	ch := 0
	if vk.assign != nil && n >= vk.lanes {
		m = n &^ (vk.lanes - 1)
		_ = xs[m*d-1]
		_ = cb[len(cn)*(d+2)*vk.copies-1] // the kernels do not check lengths
		// Assembly cannot be preempted: bound the work of one call.
		step := max(vk.lanes, maxVecProducts/(len(cn)*d)) &^ (vk.lanes - 1)
		for lo := 0; lo < m; lo += step {
			hi := min(lo+step, m)
			c := vk.assign(xs[lo*d:hi*d], cb, lab[lo:hi], len(cn), moved[ch:], from[ch:])
			if lo > 0 {
				for i := ch; i < ch+c; i++ {
					moved[i] += int32(lo)
				}
			}
			ch += c
		}
	}
	if m == n {
		return ch
	}
	// Go kernel on rows [m, n): keep the old labels in from[ch:], then
	// compact the changed rows in place.
	old := from[ch : ch+n-m]
	copy(old, lab[m:])
	if assign(xs[m*d:n*d], ctr, cn, lab[m:]) == 0 {
		return ch
	}
	for i, l := range lab[m:] {
		if o := old[i]; o != l {
			moved[ch] = int32(m + i)
			from[ch] = o
			ch++
		}
	}
	return ch
}
