package workflow

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
)

// Table is a materialised Dataset: record batches held in memory. It owns
// one reference to each batch; Release drops them.
type Table struct {
	schema  *arrow.Schema
	batches []arrow.RecordBatch
	rows    int64
}

// NewTable makes a Table of batches, taking over the caller's reference
// to each of them.
func NewTable(schema *arrow.Schema, batches ...arrow.RecordBatch) *Table {
	t := &Table{schema: schema}
	for _, b := range batches {
		t.Append(b)
	}
	return t
}

// Append adds a batch, taking over the caller's reference to it. Empty
// batches are released and dropped.
func (t *Table) Append(b arrow.RecordBatch) {
	if b.NumRows() == 0 {
		b.Release()
		return
	}
	t.batches = append(t.batches, b)
	t.rows += b.NumRows()
}

// Schema returns the table's schema.
func (t *Table) Schema() *arrow.Schema { return t.schema }

// NumRows returns the number of rows.
func (t *Table) NumRows() int64 { return t.rows }

// Batches returns the table's batches; the caller must not release them.
func (t *Table) Batches() []arrow.RecordBatch { return t.batches }

// Scan calls fn with each batch in order.
func (t *Table) Scan(ctx context.Context, fn func(arrow.RecordBatch) error) error {
	for _, b := range t.batches {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(b); err != nil {
			return err
		}
	}
	return nil
}

// Release drops the table's batches.
func (t *Table) Release() {
	for _, b := range t.batches {
		b.Release()
	}
	t.batches = nil
}

// Collect scans d into a new Table, retaining each batch.
func Collect(ctx context.Context, d Dataset) (*Table, error) {
	t := &Table{schema: d.Schema()}
	err := d.Scan(ctx, func(b arrow.RecordBatch) error {
		b.Retain()
		t.Append(b)
		return nil
	})
	if err != nil {
		t.Release()
		return nil, err
	}
	return t, nil
}
