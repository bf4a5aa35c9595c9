package workflow

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
)

// Dataset is a stream of Arrow record batches that can be scanned more
// than once. Steps hand Datasets to each other: a lazy step (a filter, a
// derived column, a file read) returns a Dataset whose Scan does its work
// batch by batch, so a chain of lazy steps runs as one streaming pass and
// memory grows with the batch size, not the row count.
//
// A batch passed to fn is valid only during the call; fn must Retain it to
// keep it. Batches arrive in a deterministic order.
type Dataset interface {
	Schema() *arrow.Schema
	Scan(ctx context.Context, fn func(arrow.RecordBatch) error) error
}
