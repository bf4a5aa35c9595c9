package vbgmm

import "math"

// digamma returns ψ(x), the derivative of ln Γ, for x > 0. It shifts x above
// 10 with ψ(x) = ψ(x+1) − 1/x and sums the asymptotic series to the x⁻¹⁴
// term (Abramowitz & Stegun 6.3.18), whose truncation error there is below
// 1e-17; scipy.special.digamma agrees to a few ulps (see special_test.go).
func digamma(x float64) float64 {
	r := 0.0
	for x < 10 {
		r -= 1 / x
		x++
	}
	inv := 1 / x
	t := inv * inv
	// Bernoulli terms B₂ₙ/(2n x²ⁿ) for n = 1…7.
	s := t * (1.0/12 - t*(1.0/120-t*(1.0/252-t*(1.0/240-t*(1.0/132-t*(691.0/32760-t*(1.0/12)))))))
	return r + math.Log(x) - 0.5*inv - s
}

// lgamma returns ln |Γ(x)|.
func lgamma(x float64) float64 {
	v, _ := math.Lgamma(x)
	return v
}

// betaln returns ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a+b) for a, b > 0.
func betaln(a, b float64) float64 {
	return lgamma(a) + lgamma(b) - lgamma(a+b)
}

// expTable holds 2^(j/32) for j = 0…31, rounded to nearest.
var expTable = func() (t [32]float64) {
	for j := range t {
		t[j] = math.Exp2(float64(j) / 32)
	}
	return t
}()

// Constants of expNeg: 32/ln 2, ln 2/32 split in a high part with trailing
// zero bits (so k·ln2Hi32 is exact) and the remainder, and the rounding
// shifter 1.5·2⁵².
const (
	invLn2x32 = 46.166241308446828384 // 32/ln 2
	ln2Hi32   = 6.93147180369123816490e-01 / 32
	ln2Lo32   = 1.90821492927058770002e-10 / 32
	shifter   = 0x1.8p52
)

// expNeg returns e^t for −746 < t ≤ 0, within 2 ulps of math.Exp, about
// three times faster: t = (32m + j)·ln2/32 + r with |r| ≤ ln2/64, e^t =
// 2^m · (2^(j/32) + 2^(j/32)·(e^r − 1)), e^r − 1 by its Taylor polynomial of degree 6 (truncation
// below 4e-18).
func expNeg(t float64) float64 {
	if t < -708 {
		return math.Exp(t) // subnormal results
	}
	z := t*invLn2x32 + shifter
	k := int64(math.Float64bits(z)) // low bits hold round(t·32/ln 2)
	kf := z - shifter
	r := (t - kf*ln2Hi32) - kf*ln2Lo32
	q := r * (1 + r*(1.0/2+r*(1.0/6+r*(1.0/24+r*(1.0/120+r*(1.0/720)))))) // e^r − 1
	k = int64(int32(k))                                                   // sign-extend the rounded value from the mantissa
	tj := expTable[k&31]
	return (tj + tj*q) * math.Float64frombits(uint64(k>>5+1023)<<52)
}
