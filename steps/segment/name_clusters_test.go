package segment_test

import (
	"reflect"
	"strings"
	"testing"
)

// Five cluster profiles, named by hand from the rules of nameRecipe:
//
//	id size recency freq monetary
//	0  10   30      8    2500  high_value (highest monetary)
//	1  20   200     2    300   lapsing (recency > 120)
//	2  5    150     1    100   lapsing
//	3  5    20      1    150   new (lowest frequency of the clusters left: 3, 4)
//	4  10   40      4    400   regular (default)
//
// The second data set is the same clustering with the ids permuted
// (0→3, 1→0, 2→4, 3→1, 4→2): every customer must get the same name.
func init() {
	prof := schemaOf("cluster", i64, "size", i64, "share", f64, "recency_days", f64, "frequency", f64, "monetary", f64)
	rows := [][]any{
		{0, 10, 0.2, 30.0, 8.0, 2500.0},
		{1, 20, 0.4, 200.0, 2.0, 300.0},
		{2, 5, 0.1, 150.0, 1.0, 100.0},
		{3, 5, 0.1, 20.0, 1.0, 150.0},
		{4, 10, 0.2, 40.0, 4.0, 400.0},
	}
	perm := []int{3, 0, 4, 1, 2}
	var permuted [][]any
	for _, r := range rows {
		q := append([]any(nil), r...)
		q[0] = perm[r[0].(int)]
		permuted = append(permuted, q)
	}
	putData("profA", prof, 2, rows...)
	putData("profB", prof, 2, permuted...)
	in := schemaOf("customer_id", str, "cluster", i64)
	var a, b [][]any
	for i, c := range []int{0, 1, 2, 3, 4, 0, 4} {
		id := string(rune('a' + i))
		a = append(a, []any{id, c})
		b = append(b, []any{id, perm[c]})
	}
	a = append(a, []any{"z", nil})
	b = append(b, []any{"z", nil})
	putData("rowsA", in, 3, a...)
	putData("rowsB", in, 3, b...)
}

const nameRecipe = `
version: 1
name: r
steps:
  - {id: rows, type: test.data, name: rowsX}
  - {id: prof, type: test.data, name: profX}
  - id: named
    type: segment.name_clusters
    input: rows
    profiles: prof
    names:
      - {name: high_value, highest: monetary}
      - {name: lapsing, when: recency_days > 120}
      - {name: new, lowest: frequency}
    %DEFAULT%
  - {id: cap, type: test.capture, input: named, name: named}
`

func TestNameClustersStableUnderRelabel(t *testing.T) {
	want := []any{"high_value", "lapsing", "lapsing", "new", "regular", "high_value", "regular", nil}
	for _, set := range []string{"A", "B"} {
		src := strings.ReplaceAll(nameRecipe, "X", set)
		src = strings.Replace(src, "%DEFAULT%", "default: regular", 1)
		res, _, tabs := run(t, src)
		if got := tabs["named"].Col("cluster_name"); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: cluster_name = %v, want %v", set, got, want)
		}
		names := res.Steps[2].Metrics["names"].(map[string]string)
		if set == "A" && !reflect.DeepEqual(names, map[string]string{"0": "high_value", "1": "lapsing", "2": "lapsing", "3": "new", "4": "regular"}) {
			t.Errorf("names metric = %v", names)
		}
	}
}

func TestNameClustersDefaultID(t *testing.T) {
	src := strings.Replace(strings.ReplaceAll(nameRecipe, "X", "A"), "%DEFAULT%", "", 1)
	_, _, tabs := run(t, src)
	want := []any{"high_value", "lapsing", "lapsing", "new", "cluster_4", "high_value", "cluster_4", nil}
	if got := tabs["named"].Col("cluster_name"); !reflect.DeepEqual(got, want) {
		t.Errorf("cluster_name = %v, want %v", got, want)
	}
}

func TestNameClustersPlanErrors(t *testing.T) {
	base := strings.Replace(strings.ReplaceAll(nameRecipe, "X", "A"), "%DEFAULT%", "", 1)
	for _, tc := range []struct{ old, new, want string }{
		{"highest: monetary", "highest: monetry", `"monetry" (did you mean monetary?)`},
		{"when: recency_days > 120", "when: recency > 120", "unknown name recency"},
		{"{name: new, lowest: frequency}", "{name: new}", "give when, highest or lowest"},
	} {
		msg := planErrors(t, strings.Replace(base, tc.old, tc.new, 1))
		if !strings.Contains(msg, tc.want) {
			t.Errorf("got %s\nwant it to contain %s", msg, tc.want)
		}
	}
}

// TestNameClustersTiesAndFilteredRank: clusters 0 and 1 tie on monetary
// (the larger, 1, wins); with when: size < 15 the rank skips cluster 1 and
// cluster 0 wins; NaN (null) means are never picked.
func TestNameClustersTiesAndFilteredRank(t *testing.T) {
	prof := schemaOf("cluster", i64, "size", i64, "share", f64, "monetary", f64)
	putData("profT", prof, 10,
		[]any{0, 10, 0.25, 500.0},
		[]any{1, 20, 0.5, 500.0},
		[]any{2, 5, 0.125, nil},
		[]any{3, 5, 0.125, 100.0},
	)
	putData("rowsT", schemaOf("cluster", i64), 10, []any{0}, []any{1}, []any{2}, []any{3})
	for _, tc := range []struct {
		rule string
		want []any
	}{
		{"{name: top, highest: monetary}", []any{"other", "top", "other", "other"}},
		{"{name: top, highest: monetary, when: size < 15}", []any{"top", "other", "other", "other"}},
		{"{name: bottom, lowest: monetary}", []any{"other", "other", "other", "bottom"}},
	} {
		_, _, tabs := run(t, `
version: 1
name: r
steps:
  - {id: rows, type: test.data, name: rowsT}
  - {id: prof, type: test.data, name: profT}
  - id: named
    type: segment.name_clusters
    input: rows
    profiles: prof
    names: [`+tc.rule+`]
    default: other
  - {id: cap, type: test.capture, input: named, name: named}
`)
		if got := tabs["named"].Col("cluster_name"); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.rule, got, tc.want)
		}
	}
}
