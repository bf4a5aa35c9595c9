package recipes_test

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/aftercare/aftercare/workflow"
)

func runRecipe(t *testing.T, path string, set ...string) (*workflow.RunResults, string) {
	t.Helper()
	r, err := workflow.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	p, err := workflow.Build(r, workflow.Options{OutDir: out, Set: set})
	if err != nil {
		t.Fatal(err)
	}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	res, err := workflow.Execute(context.Background(), p, workflow.ExecOptions{Mem: mem})
	if err != nil {
		t.Fatal(err)
	}
	return res, out
}

func readRows(t *testing.T, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for _, r := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			m[h] = r[i]
		}
		out = append(out, m)
	}
	return out
}

// TestFlagshipGenerated runs the flagship recipe on the generated support
// data and checks the plan against the customer table it came from.
func TestFlagshipGenerated(t *testing.T) {
	_, out := runRecipe(t, "post-purchase-support.yaml")
	customers := readRows(t, filepath.Join(out, "customers.csv"))
	if len(customers) != 379 { // customers with at least one kept order, as in the quickstart
		t.Errorf("%d customers", len(customers))
	}
	seg := map[string]map[string]string{}
	for _, c := range customers {
		seg[c["customer"]] = c
	}
	actions := readRows(t, filepath.Join(out, "actions.csv"))
	if len(actions) == 0 {
		t.Fatal("no actions planned")
	}
	want := map[string]string{"vip_at_risk": "check_in_call", "unhappy": "service_recovery", "first_timer_with_tickets": "howto_guide", "win_back": "win_back_offer"}
	perCustomer := map[string]int{}
	for _, a := range actions {
		c := seg[a["customer_id"]]
		if c == nil {
			t.Fatalf("action for unknown customer %s", a["customer_id"])
		}
		if c["segment"] != a["segment"] || want[a["segment"]] != a["action"] {
			t.Errorf("action %v for customer in segment %s", a, c["segment"])
		}
		perCustomer[a["customer_id"]]++
	}
	for id, n := range perCustomer {
		if n > 1 {
			t.Errorf("customer %s got %d actions despite max_per_customer 1", id, n)
		}
	}
	for _, c := range customers {
		if c["segment"] != "no_action" && perCustomer[c["customer"]] != 1 {
			t.Errorf("customer %s in segment %s got no action", c["customer"], c["segment"])
		}
	}
}

// TestFlagshipOnlineRetail runs the flagship on UCI Online Retail, orders
// only, with the usual cleaning given as parameters: it must see the
// published 4,338 customers.
func TestFlagshipOnlineRetail(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 48 MB")
	}
	data, _ := filepath.Abs("../../shared/data/online_retail_uci/online_retail.csv.gz")
	if _, err := os.Stat(data); err != nil {
		t.Skipf("Online Retail not found at %s", data)
	}
	res, out := runRecipe(t, "post-purchase-support.yaml",
		"orders="+data, "tickets=../examples/quickstart/data/no_tickets.csv",
		"customer=CustomerID", "order=InvoiceNo", "timestamp=InvoiceDate", "amount=Quantity * UnitPrice",
		`valid=!is_null(CustomerID) && !(InvoiceNo startsWith "C") && Quantity > 0 && UnitPrice > 0`,
		"returned=false", "features=recency_days,frequency,monetary", "as_of=2011-12-10")
	customers := readRows(t, filepath.Join(out, "customers.csv"))
	if len(customers) != 4338 { // data/README.md: usual RFM cleaning gives 4,338 customers
		t.Errorf("%d customers, want 4338", len(customers))
	}
	for _, s := range res.Steps {
		if s.ID == "purchases" && s.RowsOut != 397884 {
			t.Errorf("%d cleaned rows, want 397884", s.RowsOut)
		}
	}
	if actions := readRows(t, filepath.Join(out, "actions.csv")); len(actions) == 0 {
		t.Error("no actions planned")
	}
}
