package kmeans

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestMatchCentres checks hand-worked matchings.
func TestMatchCentres(t *testing.T) {
	cases := []struct {
		name      string
		d         int
		old, next []float64
		want      []int
	}{
		{"permutation", 2, []float64{0, 0, 10, 0, 0, 10}, []float64{0.1, 10, 0, 0.2, 9.8, 0}, []int{2, 0, 1}},
		// Greedy (each new centre takes its nearest free old one, in
		// order) gives 6->10, 11->0: total 4+11 = 15; optimal is
		// 6->0, 11->10: 6+1 = 7.
		{"greedy-is-wrong", 1, []float64{0, 10}, []float64{6, 11}, []int{0, 1}},
		// More new clusters: 9->1 and 1->0 keep their ids, 30 gets id 2.
		{"new-cluster", 1, []float64{0, 10}, []float64{9, 30, 1}, []int{1, 2, 0}},
		// Fewer new clusters: 19->2, 1->0; id 1 disappears.
		{"lost-cluster", 1, []float64{0, 10, 20}, []float64{19, 1}, []int{2, 0}},
		{"two-fresh", 1, []float64{5}, []float64{100, 4, -50}, []int{1, 0, 2}},
	}
	for _, c := range cases {
		got, err := MatchCentres(c.old, c.next, c.d)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: ids = %v, want %v", c.name, got, c.want)
		}
	}
}

// TestHungarian checks the solver on scipy's linear_sum_assignment example
// (cost [[4,1,3],[2,0,5],[3,2,2]] -> columns [1,0,2], total 5) and against
// brute force on random square and rectangular matrices.
func TestHungarian(t *testing.T) {
	got := hungarian([]float64{4, 1, 3, 2, 0, 5, 3, 2, 2}, 3, 3)
	if !slices.Equal(got, []int{1, 0, 2}) {
		t.Errorf("scipy example: %v, want [1 0 2]", got)
	}
	r := rand.New(rand.NewPCG(3, 4))
	for trial := range 200 {
		rows := 1 + trial%6
		cols := rows + (trial/6)%3
		cost := make([]float64, rows*cols)
		for i := range cost {
			cost[i] = math.Round(r.Float64()*20) / 2 // ties on purpose
		}
		got := hungarian(cost, rows, cols)
		total := 0.0
		seen := map[int]bool{}
		for i, j := range got {
			if seen[j] {
				t.Fatalf("column %d used twice", j)
			}
			seen[j] = true
			total += cost[i*cols+j]
		}
		if best := bruteAssign(cost, rows, cols); math.Abs(total-best) > 1e-9 {
			t.Errorf("trial %d: cost %v, optimum %v", trial, total, best)
		}
	}
}

// bruteAssign returns the minimal assignment cost by enumeration.
func bruteAssign(cost []float64, rows, cols int) float64 {
	used := make([]bool, cols)
	var rec func(i int) float64
	rec = func(i int) float64 {
		if i == rows {
			return 0
		}
		best := math.Inf(1)
		for j := range cols {
			if !used[j] {
				used[j] = true
				best = min(best, cost[i*cols+j]+rec(i+1))
				used[j] = false
			}
		}
		return best
	}
	return rec(0)
}
