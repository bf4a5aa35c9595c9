package vbgmm

import "gonum.org/v1/gonum/floats"

// This file holds the full and tied covariance kernel of the fitting pass.
// It works on blocks of rows of the column-major copy of the data, so that
// the inner loops run over a whole block with gonum's vectorised axpy and
// dot kernels: per component, the whitened differences y = Q·(x − μ) are built
// by axpys (E-step), and each entry of the responsibility-weighted scatter
// Σ r (x − μ)(x − μ)ᵀ is one dot product over the block (M-step).

// blockRows is the number of rows of a block; chunkRows is a multiple.
const blockRows = 128

// blockScratch holds one worker's buffers for the block kernel.
type blockScratch struct {
	dt   []float64 // K × d × m, x − μ_k transposed
	y    []float64 // m
	maha []float64 // m
	wt   []float64 // K × m log probabilities
	rt   []float64 // K × m responsibilities
	et   []float64 // m, r ⊙ (x − μ_k)_a
	wlp  []float64 // K
	resp []float64 // K
}

// newBlockScratch allocates the buffers for k components in d dimensions.
func newBlockScratch(k, d int) blockScratch {
	return blockScratch{
		dt:   make([]float64, k*d*blockRows),
		y:    make([]float64, blockRows),
		maha: make([]float64, blockRows),
		wt:   make([]float64, k*blockRows),
		rt:   make([]float64, k*blockRows),
		et:   make([]float64, blockRows),
		wlp:  make([]float64, k),
		resp: make([]float64, k),
	}
}

// triBlock runs the E-step on rows [lo, hi) (at most blockRows) for full or
// tied covariance, adds their sufficient statistics to st and returns their
// Σ r ln r.
func (f *fitter) triBlock(st []float64, lo, hi int, sc *blockScratch) float64 {
	k, d, tri := f.k, f.d, f.tri
	m := hi - lo
	ev := f.ev
	y := sc.y[:m]
	maha := sc.maha[:m]
	ones := f.ones[:m]
	for c := range k {
		mu := ev.means[c*d : c*d+d]
		dt := sc.dt[c*d*m : (c+1)*d*m]
		for j, mj := range mu {
			floats.AddScaledTo(dt[j*m:j*m+m], f.xt[j*f.n+lo:j*f.n+hi], -mj, ones)
		}
		var q []float64
		if ev.ct == Full {
			q = ev.tri[c*d*d : (c+1)*d*d]
		} else {
			q = ev.tri[:d*d]
		}
		clear(maha)
		for j := range d {
			floats.ScaleTo(y, q[j*d], dt[:m])
			for i := 1; i <= j; i++ {
				floats.AddScaled(y, q[j*d+i], dt[i*m:i*m+m])
			}
			addSquares(maha, y)
		}
		w := sc.wt[c*m : c*m+m]
		cst := ev.cst[c]
		for n, v := range maha {
			w[n] = cst - 0.5*v
		}
	}
	rv := 0.0
	logs := logSum{prod: 1}
	for n := range m {
		for c := range k {
			sc.wlp[c] = sc.wt[c*m+n]
		}
		s, e := normalise(sc.wlp, sc.resp)
		rv += e
		logs.add(s)
		for c, r := range sc.resp {
			sc.rt[c*m+n] = r
		}
	}
	rs := st[f.offR : f.offR+k]
	s1 := st[f.offS1 : f.offS1+k*d]
	ss := st[f.offS : f.offS+k*tri]
	et := sc.et[:m]
	for c := range k {
		r := sc.rt[c*m : c*m+m]
		rsum := floats.Sum(r)
		if rsum == 0 {
			continue // responsibilities are non-negative: all zero
		}
		rs[c] += rsum
		dt := sc.dt[c*d*m : (c+1)*d*m]
		p := ss[c*tri : (c+1)*tri]
		idx := 0
		for a := range d {
			mulTo(et, r, dt[a*m:a*m+m])
			s1[c*d+a] += floats.Sum(et)
			for b := 0; b <= a; b++ {
				p[idx] += floats.Dot(et, dt[b*m:b*m+m])
				idx++
			}
		}
	}
	return rv - logs.value()
}

// addSquares adds the squares of y to dst element by element.
func addSquares(dst, y []float64) {
	y = y[:len(dst)]
	n := 0
	for ; n+4 <= len(dst); n += 4 {
		a, b, c, e := y[n], y[n+1], y[n+2], y[n+3]
		dst[n] += a * a
		dst[n+1] += b * b
		dst[n+2] += c * c
		dst[n+3] += e * e
	}
	for ; n < len(dst); n++ {
		dst[n] += y[n] * y[n]
	}
}

// mulTo sets dst to the element-wise product of a and b.
func mulTo(dst, a, b []float64) {
	a, b = a[:len(dst)], b[:len(dst)]
	n := 0
	for ; n+4 <= len(dst); n += 4 {
		dst[n] = a[n] * b[n]
		dst[n+1] = a[n+1] * b[n+1]
		dst[n+2] = a[n+2] * b[n+2]
		dst[n+3] = a[n+3] * b[n+3]
	}
	for ; n < len(dst); n++ {
		dst[n] = a[n] * b[n]
	}
}
