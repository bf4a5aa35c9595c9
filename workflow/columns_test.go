package workflow

import (
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

func TestColumnSet(t *testing.T) {
	all := AllColumns()
	ab := Columns("b", "a", "b")
	if !all.All() || ab.All() {
		t.Fatal("All() wrong")
	}
	if got := ab.Names(); !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("Names %v", got)
	}
	if !all.Has("x") || !ab.Has("a") || ab.Has("c") {
		t.Fatal("Has wrong")
	}
	if !ab.Union(all).All() || !all.Union(ab).All() {
		t.Fatal("union with All must be All")
	}
	if got := ab.With("c").Without("a").Names(); !slices.Equal(got, []string{"b", "c"}) {
		t.Fatalf("With/Without %v", got)
	}
	if !all.Without("a").All() {
		t.Fatal("All less a column stays All")
	}
	if got := Columns().Names(); Columns().All() || len(got) != 0 {
		t.Fatalf("empty set %v", got)
	}
	sc := arrow.NewSchema([]arrow.Field{{Name: "c", Type: Int64}, {Name: "b", Type: String}, {Name: "a", Type: Float64}}, nil)
	if p := all.Project(sc); p != sc {
		t.Fatal("All must keep the schema")
	}
	p := Columns("a", "c", "zz").Project(sc)
	if p.NumFields() != 2 || p.Field(0).Name != "c" || p.Field(1).Name != "a" {
		t.Fatalf("Project %v", p)
	}
	if got := Columns("a", "c").Intersect(sc); !slices.Equal(got, []string{"c", "a"}) {
		t.Fatalf("Intersect %v", got)
	}
}
