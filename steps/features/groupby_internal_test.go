package features

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestRadixSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, 5, 255, 256, 1000, 70000} {
		for _, spread := range []uint64{1, 1 << 20, math.MaxUint64} {
			keys := make([]uint64, n)
			vals := make([]int32, n)
			for i := range keys {
				keys[i] = rng.Uint64N(spread) << (rng.UintN(2) * 40)
				vals[i] = int32(i)
			}
			want := slices.Clone(vals)
			slices.SortStableFunc(want, func(a, b int32) int {
				switch {
				case keys[a] < keys[b]:
					return -1
				case keys[a] > keys[b]:
					return 1
				}
				return 0
			})
			k := slices.Clone(keys)
			radixSort(k, vals)
			if !slices.Equal(vals, want) {
				t.Fatalf("n=%d spread=%d: order differs", n, spread)
			}
			for i := range k {
				if k[i] != keys[want[i]] {
					t.Fatalf("n=%d: keys not permuted with values", n)
				}
			}
		}
	}
}

func TestSortKeysOrder(t *testing.T) {
	ints := []int64{5, -3, math.MaxInt64, math.MinInt64, 0, -1}
	perm := []int32{0, 1, 2, 3, 4, 5}
	sortByInt(perm, ints)
	if !slices.Equal(perm, []int32{3, 1, 5, 4, 0, 2}) {
		t.Errorf("ints: %v", perm)
	}
	fs := []float64{2.5, -1, math.Inf(-1), 0, -0.5, math.Inf(1), 1e-300, -1e300}
	bits := make([]int64, len(fs))
	for i, f := range fs {
		bits[i] = int64(math.Float64bits(f))
	}
	perm = []int32{0, 1, 2, 3, 4, 5, 6, 7}
	sortByFloat(perm, bits)
	if !slices.Equal(perm, []int32{2, 7, 1, 4, 3, 6, 0, 5}) {
		t.Errorf("floats: %v", perm)
	}
}
