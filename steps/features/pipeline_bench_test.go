package features_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/aftercare/aftercare/workflow"
)

// BenchmarkOnlineRetailRFM runs the whole Online Retail pipeline of
// TestOnlineRetailRFM (read the gzip CSV, clean, revenue, RFM) through the
// engine. bench/features/run.sh compares it with pandas.
func BenchmarkOnlineRetailRFM(b *testing.B) {
	path := sharedData(b, "online_retail_uci/online_retail.csv.gz")
	src := fmt.Sprintf(`version: 1
name: online-retail
params:
  as_of: {type: date, default: "2011-12-10"}
steps:
  - {id: raw, type: io.read, path: %q}
  - {id: clean, type: features.filter, input: raw, where: '!is_null(CustomerID) && !(InvoiceNo startsWith "C") && Quantity > 0 && UnitPrice > 0'}
  - {id: lines, type: features.derive, input: clean, columns: {revenue: Quantity * UnitPrice}}
  - {id: rfm, type: features.rfm, input: lines, customer: CustomerID, order: InvoiceNo, timestamp: InvoiceDate, amount: revenue}
  - {id: out, type: test.capture, input: rfm, name: rfm}
`, path)
	r, err := workflow.Parse("r.yaml", []byte(src))
	if err != nil {
		b.Fatal(err)
	}
	out := b.TempDir()
	for b.Loop() {
		p, err := workflow.Build(r, workflow.Options{OutDir: out})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := workflow.Execute(context.Background(), p, workflow.ExecOptions{Mem: memory.DefaultAllocator}); err != nil {
			b.Fatal(err)
		}
	}
}
