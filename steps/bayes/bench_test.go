package bayes_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/aftercare/aftercare/workflow"
)

// BenchmarkBGNBDStepCDNOW times a whole run on the CDNOW summary: CSV read,
// BG/NBD fit, P(alive), expected purchases and the Gamma-Gamma step.
func BenchmarkBGNBDStepCDNOW(b *testing.B) {
	path := dataDir(b, "cdnow_lifetimes/cdnow_customers_summary_with_transactions.csv")
	src := fmt.Sprintf(`version: 1
name: bench
steps:
  - {id: in, type: io.read, path: %q}
  - {id: bg, type: bayes.bgnbd, input: in, frequency: x, recency: t_x, horizon: 39}
  - {id: gg, type: bayes.gamma_gamma, input: bg, frequency: x, monetary_value: zbar, recency: t_x, bgnbd: bg.params, time_unit: weeks}
`, path)
	r, err := workflow.Parse("r.yaml", []byte(src))
	if err != nil {
		b.Fatal(err)
	}
	p, err := workflow.Build(r, workflow.Options{OutDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := workflow.Execute(context.Background(), p, workflow.ExecOptions{Mem: memory.NewGoAllocator()}); err != nil {
			b.Fatal(err)
		}
	}
}
