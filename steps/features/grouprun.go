package features

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/aftercare/aftercare/steps/internal/colexpr"
	"github.com/aftercare/aftercare/workflow"
)

// outBatchRows is the size of the batches a materialised result is cut
// into (slices of one set of arrays, no copy).
const outBatchRows = 65_536

// groupScan streams a Dataset through a group table and a set of
// aggregators: one pass, batch by batch.
type groupScan struct {
	keys     []int
	keyTypes []arrow.DataType
	window   *windowSpec
	dropNull bool
	aggs     []aggregator
	wheres   []*colexpr.Program // per aggregator; nil for none
	rows     int64              // rows scanned
	kept     int64              // rows inside the window with a usable key
	passes   int                // 2 when a recount pass was needed
}

// scan folds every batch of d into the aggregators and returns the group
// table. Without keys the whole input is one group, even when empty.
// Aggregators that need it (count_distinct with groups whose values went
// back) get a second pass over d.
func (gs *groupScan) scan(ctx context.Context, d workflow.Dataset) (*groupTable, error) {
	t := newGroupTable(gs.keyTypes)
	var (
		gids []int32
		keep []bool
		sels = make([][]bool, len(gs.aggs))
		cols = make([]arrow.Array, len(gs.keys))
	)
	// group assigns the rows of rec to groups (-1 outside the window or
	// with a dropped null key) and returns the keep mask (nil: all rows).
	group := func(rec arrow.RecordBatch) []bool {
		n := int(rec.NumRows())
		if cap(gids) < n {
			gids, keep = make([]int32, n), make([]bool, n)
		}
		gids, keep = gids[:n], keep[:n]
		var mask []bool
		if gs.window != nil {
			gs.window.keep(rec, keep)
			mask = keep
		}
		for k, j := range gs.keys {
			cols[k] = rec.Column(j)
			if gs.dropNull && cols[k].NullN() > 0 {
				if mask == nil {
					for i := range keep {
						keep[i] = true
					}
					mask = keep
				}
				for i := range n {
					mask[i] = mask[i] && cols[k].IsValid(i)
				}
			}
		}
		t.assign(cols, n, mask, gids)
		return mask
	}
	batch := func(rec arrow.RecordBatch, j int) (*aggBatch, error) {
		b := &aggBatch{rec: rec, gids: gids}
		if w := gs.wheres[j]; w != nil {
			n := int(rec.NumRows())
			if cap(sels[j]) < n {
				sels[j] = make([]bool, n)
			}
			b.sel = sels[j][:n]
			if err := w.EvalBool(rec, b.sel); err != nil {
				return nil, fmt.Errorf("where: %w", err)
			}
		}
		return b, nil
	}
	err := d.Scan(ctx, func(rec arrow.RecordBatch) error {
		n := int(rec.NumRows())
		if n == 0 {
			return nil
		}
		mask := group(rec)
		ng := t.Len()
		for j, a := range gs.aggs {
			a.grow(ng)
			b, err := batch(rec, j)
			if err != nil {
				return err
			}
			if err := a.update(b); err != nil {
				return err
			}
		}
		gs.rows += int64(n)
		if mask == nil {
			gs.kept += int64(n)
		} else {
			for _, k := range mask {
				if k {
					gs.kept++
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var again []int
	for j, a := range gs.aggs {
		if r, ok := a.(recounter); ok {
			defer r.finish()
			if r.needsRecount() {
				r.startRecount()
				again = append(again, j)
			}
		}
	}
	if len(again) > 0 {
		gs.passes = 2
		err := d.Scan(ctx, func(rec arrow.RecordBatch) error {
			if rec.NumRows() == 0 {
				return nil
			}
			group(rec)
			for _, j := range again {
				b, err := batch(rec, j)
				if err != nil {
					return err
				}
				if err := gs.aggs[j].(recounter).recountBatch(b); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	if len(gs.keys) == 0 && t.n == 0 {
		t.n = 1
	}
	for _, a := range gs.aggs {
		a.grow(t.Len())
	}
	return t, nil
}

// resultTable makes a Table of the given columns (which it takes over),
// cut into batches of outBatchRows.
func resultTable(schema *arrow.Schema, cols []arrow.Array, rows int) *workflow.Table {
	rec := array.NewRecordBatch(schema, cols, int64(rows))
	for _, c := range cols {
		c.Release()
	}
	t := workflow.NewTable(schema)
	if rows <= outBatchRows {
		t.Append(rec)
		return t
	}
	for lo := 0; lo < rows; lo += outBatchRows {
		t.Append(rec.NewSlice(int64(lo), int64(min(lo+outBatchRows, rows))))
	}
	rec.Release()
	return t
}

// run scans d and returns the aggregate table: keys then aggregates, one
// row per group sorted by key.
func (p *groupPlan) run(ctx context.Context, d workflow.Dataset, r *workflow.RunContext) (*workflow.Table, error) {
	mem := r.Mem()
	p, err := p.bind(d.Schema())
	if err != nil {
		return nil, err
	}
	gs := &groupScan{keys: p.keys, keyTypes: p.keyTypes, window: p.window, dropNull: p.dropNull}
	for i := range p.aggs {
		gs.aggs = append(gs.aggs, p.aggs[i].newAggregator(mem))
		gs.wheres = append(gs.wheres, p.aggs[i].where)
	}
	t, err := gs.scan(ctx, d)
	if err != nil {
		return nil, err
	}
	r.Metric("rows_scanned", gs.rows)
	if gs.passes == 2 {
		r.Metric("passes", 2)
	}
	if p.window != nil || p.dropNull {
		r.Metric("rows_used", gs.kept)
	}
	return p.emit(t, gs.aggs, mem), nil
}

// emit builds the output table of a finished scan.
func (p *groupPlan) emit(t *groupTable, aggs []aggregator, mem memory.Allocator) *workflow.Table {
	perm := t.sortedOrder()
	cols := make([]arrow.Array, 0, len(p.out.Fields()))
	for _, ks := range t.keys {
		cols = append(cols, ks.build(perm, mem))
	}
	for _, a := range aggs {
		cols = append(cols, a.build(perm, mem))
	}
	return resultTable(p.out, cols, len(perm))
}
