package vbgmm

import "math"

// cholesky writes into l (d×d, row-major) the lower Cholesky factor of the
// symmetric matrix a, reading only its lower triangle. It reports false when
// a is not numerically positive definite.
func cholesky(a, l []float64, d int) bool {
	clear(l[:d*d])
	for j := range d {
		lj := l[j*d : j*d+j]
		s := a[j*d+j]
		for _, v := range lj {
			s -= v * v
		}
		if !(s > 0) || math.IsInf(s, 0) {
			return false
		}
		ljj := math.Sqrt(s)
		l[j*d+j] = ljj
		for i := j + 1; i < d; i++ {
			li := l[i*d : i*d+j]
			t := a[i*d+j]
			for p, v := range li {
				t -= v * lj[p]
			}
			l[i*d+j] = t / ljj
		}
	}
	return true
}

// invertLower writes into q (d×d, row-major) the inverse of the lower
// triangular matrix l, itself lower triangular.
func invertLower(l, q []float64, d int) {
	clear(q[:d*d])
	for c := range d {
		q[c*d+c] = 1 / l[c*d+c]
		for i := c + 1; i < d; i++ {
			s := 0.0
			for p := c; p < i; p++ {
				s += l[i*d+p] * q[p*d+c]
			}
			q[i*d+c] = -s / l[i*d+i]
		}
	}
}

// transpose writes the transpose of the d×d matrix a into b.
func transpose(a, b []float64, d int) {
	for i := range d {
		for j := range d {
			b[j*d+i] = a[i*d+j]
		}
	}
}
