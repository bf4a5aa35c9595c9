package recipes_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aftercare/aftercare/workflow"
)

// fiftySteps builds a 50-step recipe over the quickstart data: two reads,
// then chains of filters, derived columns and aggregates, and writes.
func fiftySteps() string {
	var b strings.Builder
	b.WriteString("version: 1\nname: fifty\nparams:\n  as_of: {type: date, default: \"2025-01-01\"}\n  min: {type: float, default: 10}\nsteps:\n")
	b.WriteString("  - {id: orders, type: io.read, path: data/orders.csv}\n")
	b.WriteString("  - {id: tickets, type: io.read, path: data/tickets.csv}\n")
	n := 2
	for c := 0; n < 50; c++ {
		prev := "orders"
		for i := 0; i < 3 && n < 50; i++ {
			id := fmt.Sprintf("f%d_%d", c, i)
			fmt.Fprintf(&b, "  - {id: %s, type: features.filter, input: %s, where: \"amount > params.min && !returned\"}\n", id, prev)
			prev = id
			n++
		}
		if n < 50 {
			id := fmt.Sprintf("d%d", c)
			fmt.Fprintf(&b, "  - id: %s\n    type: features.derive\n    input: %s\n    columns:\n      per_item: amount / items\n      age: days_between(ordered_at, now())\n", id, prev)
			prev = id
			n++
		}
		if n < 50 {
			id := fmt.Sprintf("a%d", c)
			fmt.Fprintf(&b, "  - id: %s\n    type: features.aggregate\n    input: %s\n    by: [customer_id]\n    aggregates:\n      spend: {sum: amount}\n      orders: {count_distinct: order_id}\n      oldest: {max: age}\n", id, prev)
			n++
		}
	}
	return b.String()
}

// BenchmarkValidate50Steps measures `aftercare validate` of a 50-step
// recipe: parse, decode, wire, read two CSV schemas, check every
// expression. Goal: under 50 ms.
func BenchmarkValidate50Steps(b *testing.B) {
	src := []byte(fiftySteps())
	for b.Loop() {
		r, err := workflow.Parse("../examples/quickstart/fifty.yaml", src)
		if err != nil {
			b.Fatal(err)
		}
		p, err := workflow.Build(r, workflow.Options{OutDir: b.TempDir()})
		if err != nil {
			b.Fatal(err)
		}
		if len(p.Steps) != 50 {
			b.Fatalf("%d steps", len(p.Steps))
		}
	}
}
