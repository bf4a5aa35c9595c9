package kmeans

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// kernelCases returns the vector kernels for d that this CPU and build run
// (see vecKernels), each with a name, plus the zero kernel (Go only).
func kernelCases(d int) map[string]vecKernel {
	cases := map[string]vecKernel{"go": {}}
	for _, vk := range vecKernels(d) {
		cases[fmt.Sprintf("vec%d", vk.lanes)] = vk
	}
	return cases
}

// TestVecAssignMatchesGo checks that every vector assignment kernel the CPU
// runs (AVX-512 and AVX2 assembly on amd64) gives bit-identical labels,
// change counts and changed-row lists to the Go kernels, on many random
// shapes: d = 1..20, k = 1..40, row counts that are not multiples of the
// vector width, rounded values that produce ties, duplicate centres, and
// huge, tiny, subnormal and signed-zero values that produce infinite and
// NaN values. Built with -tags purego it checks the Go path only.
func TestVecAssignMatchesGo(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	scales := []struct {
		name string
		gen  func() float64
	}{
		{"normal", func() float64 { return r.NormFloat64() }},
		{"ties", func() float64 { return math.Round(r.NormFloat64()*2) / 2 }},
		{"small ints", func() float64 { return float64(r.IntN(3) - 1) }},
		{"huge", func() float64 { return r.NormFloat64() * 1e154 }},
		{"overflow", func() float64 { return r.NormFloat64() * 1e300 }},
		{"tiny", func() float64 { return r.NormFloat64() * 1e-160 }},
		{"subnormal", func() float64 { return r.NormFloat64() * 1e-310 }},
		{"mixed", func() float64 {
			switch r.IntN(6) {
			case 0:
				return 0
			case 1:
				return math.Copysign(0, -1)
			case 2:
				return r.NormFloat64() * 1e300
			case 3:
				return r.NormFloat64() * 1e-300
			}
			return r.NormFloat64()
		}},
	}
	vecUsed := false
	for d := 1; d <= 20; d++ {
		goAssign := assignFunc(d)
		kernels := kernelCases(d)
		vecUsed = vecUsed || len(kernels) > 1
		for _, sc := range scales {
			for range 8 {
				k := 1 + r.IntN(40)
				n := r.IntN(90)
				xs := make([]float64, n*d)
				for i := range xs {
					xs[i] = sc.gen()
				}
				cs := make([]float64, k*d)
				for i := range cs {
					cs[i] = sc.gen()
				}
				if n > 0 && r.IntN(2) == 0 {
					copy(cs[:d], xs[:d]) // a row on a centre
				}
				if k > 1 && r.IntN(2) == 0 {
					copy(cs[(k-1)*d:], cs[:d]) // duplicate centres: ties
				}
				origin := make([]float64, d)
				if sc.name == "normal" {
					for t := range origin {
						origin[t] = r.NormFloat64()
					}
				}
				ctr, cn := kernelCentres(cs, origin, d)
				init := make([]int32, n)
				for i := range init {
					init[i] = int32(r.IntN(k+1)) - 1
				}
				want := slices.Clone(init)
				wantCh := goAssign(xs, ctr, cn, want)
				var wantMoved, wantFrom []int32
				for i := range want {
					if want[i] != init[i] {
						wantMoved = append(wantMoved, int32(i))
						wantFrom = append(wantFrom, init[i])
					}
				}
				for name, vk := range kernels {
					cb := vk.pack(nil, ctr, cn, d)
					got := slices.Clone(init)
					moved, from := make([]int32, n), make([]int32, n)
					gotCh := assignTrack(vk, goAssign, xs, ctr, cn, cb, got, moved, from, d)
					if gotCh != wantCh || !slices.Equal(got, want) {
						t.Fatalf("%s d=%d k=%d n=%d %s: labels %v (changed %d), Go kernel %v (changed %d)",
							name, d, k, n, sc.name, got, gotCh, want, wantCh)
					}
					if !slices.Equal(moved[:gotCh], wantMoved) || !slices.Equal(from[:gotCh], wantFrom) {
						t.Fatalf("%s d=%d k=%d n=%d %s: moved rows %v from %v, want %v from %v",
							name, d, k, n, sc.name, moved[:gotCh], from[:gotCh], wantMoved, wantFrom)
					}
				}
			}
		}
	}
	// Enough rows that assignTrack splits the vector work into several
	// calls (see maxVecProducts).
	for _, d := range []int{3, 8, 16} {
		n, k := 7001, 40
		xs := make([]float64, n*d)
		for i := range xs {
			xs[i] = math.Round(r.NormFloat64()*4) / 4
		}
		ctr, cn := kernelCentres(xs[:k*d], make([]float64, d), d)
		init := make([]int32, n)
		for i := range init {
			init[i] = int32(r.IntN(k))
		}
		want := slices.Clone(init)
		wantCh := assignFunc(d)(xs, ctr, cn, want)
		var wantMoved []int32
		for i := range want {
			if want[i] != init[i] {
				wantMoved = append(wantMoved, int32(i))
			}
		}
		for name, vk := range kernelCases(d) {
			got := slices.Clone(init)
			moved, from := make([]int32, n), make([]int32, n)
			gotCh := assignTrack(vk, assignFunc(d), xs, ctr, cn, vk.pack(nil, ctr, cn, d), got, moved, from, d)
			if gotCh != wantCh || !slices.Equal(got, want) || !slices.Equal(moved[:gotCh], wantMoved) {
				t.Errorf("%s d=%d k=%d n=%d: labels or moved rows differ from the Go kernel (changed %d, want %d)",
					name, d, k, n, gotCh, wantCh)
			}
		}
	}
	if !vecUsed {
		t.Log("no vector kernel on this platform or build: checked the Go kernels only")
	}
}

// TestVecAssignSpecialValues checks the order keys of the vector kernels on
// NaN, infinite and signed-zero values, which the Go kernels order by their
// bits (negative NaN first, -0 before +0), and the signs of zero sums: with
// x = -0 every product is -0, so the label tells whether the accumulators
// start at +0 (d > 8) and in which order cn is added.
func TestVecAssignSpecialValues(t *testing.T) {
	for d := 1; d <= 16; d++ {
		goAssign := assignFunc(d)
		n := 19
		xs := make([]float64, n*d)
		for i := range xs {
			xs[i] = math.Copysign(0, -1)
		}
		cn := []float64{0, math.Copysign(0, -1), 0}
		ctr := make([]float64, len(cn)*d)
		for i := range ctr {
			ctr[i] = 1
		}
		want := make([]int32, n)
		wantCh := goAssign(xs, ctr, cn, want)
		for name, vk := range kernelCases(d) {
			got := make([]int32, n)
			moved, from := make([]int32, n), make([]int32, n)
			gotCh := assignTrack(vk, goAssign, xs, ctr, cn, vk.pack(nil, ctr, cn, d), got, moved, from, d)
			if gotCh != wantCh || !slices.Equal(got, want) {
				t.Errorf("%s d=%d signed zeros: labels %v (changed %d), Go kernel %v (changed %d)", name, d, got, gotCh, want, wantCh)
			}
		}
	}
	for d := 1; d <= 16; d++ {
		goAssign := assignFunc(d)
		n, k := 21, 5
		xs := make([]float64, n*d)
		for i := range xs {
			xs[i] = []float64{math.Inf(1), 0, 1e308, -1e308, math.Copysign(0, -1)}[i%5]
		}
		ctr := make([]float64, k*d)
		cn := []float64{math.Inf(1), math.Inf(-1), 0, math.Copysign(0, -1), math.MaxFloat64}
		for i := range ctr {
			ctr[i] = []float64{0, math.Inf(-1), 2, math.Copysign(0, -1), 1e308, -1e308, math.Inf(1)}[i%7]
		}
		want := make([]int32, n)
		wantCh := goAssign(xs, ctr, cn, want)
		for name, vk := range kernelCases(d) {
			got := make([]int32, n)
			moved, from := make([]int32, n), make([]int32, n)
			gotCh := assignTrack(vk, goAssign, xs, ctr, cn, vk.pack(nil, ctr, cn, d), got, moved, from, d)
			if gotCh != wantCh || !slices.Equal(got, want) {
				t.Errorf("%s d=%d: labels %v (changed %d), Go kernel %v (changed %d)", name, d, got, gotCh, want, wantCh)
			}
		}
	}
}

// TestLloydVecRunsMatch checks that whole Lloyd runs give bitwise identical
// centres, labels and iteration counts with every vector kernel and with
// the Go kernels alone, for 1 and 2 workers (5,003 rows: three chunks, a
// tail that is not a multiple of the vector width).
func TestLloydVecRunsMatch(t *testing.T) {
	n, k := 5003, 7
	for _, d := range []int{1, 3, 5, 8, 11} {
		X := gaussianMixture(n, d, k, 1.5, 3)
		init := slices.Clone(X[:k*d])
		var ref *struct {
			c   []float64
			lab []int32
			it  int
		}
		for name, vk := range kernelCases(d) {
			for _, workers := range []int{1, 2} {
				p, err := newProblem(X, n, d, nil, k, workers)
				if err != nil {
					t.Fatal(err)
				}
				p.vec = vk
				s := newSolver(p, AlgoLloyd)
				res := s.run(init, 40)
				if ref == nil {
					ref = &struct {
						c   []float64
						lab []int32
						it  int
					}{slices.Clone(res.centres), slices.Clone(s.lab), res.iters}
					continue
				}
				if res.iters != ref.it || !slices.Equal(s.lab, ref.lab) || !bitsEqual(res.centres, ref.c) {
					t.Errorf("d=%d %s workers=%d: run differs from the first run (%d iterations, want %d)",
						d, name, workers, res.iters, ref.it)
				}
			}
		}
	}
}

// bitsEqual reports whether a and b hold the same float64 bit patterns.
func bitsEqual(a, b []float64) bool {
	return slices.EqualFunc(a, b, func(x, y float64) bool { return math.Float64bits(x) == math.Float64bits(y) })
}
