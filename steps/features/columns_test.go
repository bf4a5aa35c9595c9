package features_test

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/aftercare/aftercare/workflow"
)

// TestColumnPruning checks that a read → filter → derive → select →
// aggregate/rfm chain reads only the columns it uses (the plan says which
// for every port) and gives the same results as when a consumer that
// needs every column (io.write) forces the whole file to be decoded.
func TestColumnPruning(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("customer,order,ts,amount,qty,note,country,unused_num\n")
	for i := range 400 {
		fmt.Fprintf(&b, "c%02d,o%d,2024-0%d-%02dT10:00:00Z,%d.25,%d,\"note, %d\",%s,%d\n",
			i%37, i/3, 1+i%4, 1+i%28, (i*7)%50-5, i%5, i, []string{"UK", "FR", "DE"}[i%3], i*i)
	}
	if err := os.WriteFile(filepath.Join(dir, "log.csv"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	b.Reset()
	b.WriteString("junk,customer,region,tier\n")
	for i := range 40 {
		fmt.Fprintf(&b, "%d,c%02d,%s,t%d\n", i*7, i, []string{"north", "south"}[i%2], i%3)
	}
	if err := os.WriteFile(filepath.Join(dir, "people.csv"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	const recipe = `version: 1
name: prune
params:
  as_of: {type: date, default: "2024-06-01"}
steps:
  - {id: raw, type: io.read, path: log.csv}
  - id: clean
    type: features.filter
    input: raw
    where: amount > 0 && country != "DE"
  - id: lines
    type: features.derive
    input: clean
    columns:
      revenue: amount * qty
      amount: amount + 1
      big: revenue > 20
  - id: slim
    type: features.select
    input: lines
    drop: [note]
    rename: {ts: at}
  - id: rfm
    type: features.rfm
    input: lines
    customer: customer
    order: order
    timestamp: ts
    amount: revenue
  - id: agg
    type: features.aggregate
    input: slim
    by: [customer]
    order_by: at
    aggregates:
      n: {count: "*"}
      last_amount: {last: amount}
      big_orders: {count_distinct: order, where: big}
  - {id: people, type: io.read, path: people.csv}
  - {id: joined, type: features.join, left: rfm, right: people, on: [customer]}
  - id: by_region
    type: features.aggregate
    input: joined
    by: [region]
    aggregates: {m: {sum: monetary}, n: {count: "*"}}
  - {id: self, type: features.join, left: people, right: people, on: [customer], columns: [tier], suffix: _2}
  - {id: by_tier, type: features.aggregate, input: self, by: [tier_2], aggregates: {n: {count: "*"}}}
  - {id: again, type: io.read, path: log.csv}
  - {id: total, type: features.aggregate, input: again, aggregates: {n: {count: "*"}}}
  - {id: o1, type: test.capture, input: rfm, name: rfm}
  - {id: o2, type: test.capture, input: agg, name: agg}
  - {id: o3, type: test.capture, input: total, name: total}
  - {id: o4, type: test.capture, input: by_region, name: by_region}
  - {id: o5, type: test.capture, input: by_tier, name: by_tier}
`
	p := plan(t, recipe, dir, filepath.Join(dir, "pruned.yaml"))
	for _, c := range []struct{ step, want string }{
		{"raw", "amount,country,customer,order,qty,ts"},
		{"clean", "amount,customer,order,qty,ts"},
		{"lines", "amount,big,customer,order,revenue,ts"},
		{"slim", "amount,at,big,customer,order"},
		{"rfm", "all"},
		{"people", "customer,region,tier"}, // the joins' keys and brought columns, not junk
		{"joined", "monetary,region"},
		{"again", "customer"}, // counting rows needs one column
	} {
		cs := p.Step(c.step).Columns("")
		got := "all"
		if !cs.All() {
			got = strings.Join(cs.Names(), ",")
		}
		if got != c.want {
			t.Errorf("step %s reads columns %s, want %s", c.step, got, c.want)
		}
	}
	prunedRes, _, pruned, err := tryRunIn(t, recipe, dir, filepath.Join(dir, "pruned.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	full := recipe + "  - {id: dump, type: io.write, input: lines, path: lines.csv}\n" +
		"  - {id: dump2, type: io.write, input: joined, path: joined.csv}\n" +
		"  - {id: dump3, type: io.write, input: self, path: self.csv}\n"
	p = plan(t, full, dir, filepath.Join(dir, "full.yaml"))
	if cs := p.Step("raw").Columns(""); !cs.All() {
		t.Fatalf("with io.write on lines, raw reads %v, want every column", cs.Names())
	}
	wholeRes, _, whole, err := tryRunIn(t, full, dir, filepath.Join(dir, "full.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	// A narrower output is different content: its fingerprint differs. A
	// step whose output is not narrowed and whose inputs are the same
	// keeps its fingerprint.
	fps := func(res *workflow.RunResults) map[string]string {
		m := map[string]string{}
		for _, s := range res.Steps {
			m[s.ID] = s.Fingerprint
		}
		return m
	}
	pf, wf := fps(prunedRes), fps(wholeRes)
	if pf["raw"] == wf["raw"] {
		t.Errorf("raw reads fewer columns in the pruned run but has the same fingerprint")
	}
	if pf["again"] != wf["again"] {
		t.Errorf("again reads the same columns in both runs but its fingerprint changed")
	}
	if n := pruned["total"].Col("n"); len(n) != 1 || n[0] != int64(400) {
		t.Fatalf("count(*) over a read of no needed columns = %v, want 400", n)
	}
	for _, name := range []string{"rfm", "agg", "total", "by_region", "by_tier"} {
		if pruned[name].Rows() == 0 {
			t.Fatalf("%s: no rows", name)
		}
		if !reflect.DeepEqual(pruned[name], whole[name]) {
			t.Errorf("%s differs with pruning:\n%v\nwithout:\n%v", name, pruned[name], whole[name])
		}
	}
}
