package fileformat

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/apache/arrow-go/v18/parquet/schema"
)

// fastLeaf says how a flat Parquet column is decoded straight into a
// canonical Arrow array.
type fastLeaf struct {
	leaf   int   // leaf column index
	kind   kind  // output kind
	maxDef int16 // 0 for a required column, 1 for an optional one
	tsMul  int64 // timestamp unit to microseconds: multiply by tsMul...
	tsDiv  int64 // ...or floor-divide by tsDiv
}

// fastPlan decides whether every requested column can be decoded by
// readFastColumn: top-level, not repeated, and of a physical and logical
// type whose canonical form is a plain copy or widening (INT64 and INT32
// signed integers, DOUBLE, FLOAT, BOOLEAN, INT32 dates, INT64 timestamps,
// BYTE_ARRAY strings), with no type change asked for beyond that.
func fastPlan(rdr *file.Reader, fr *pqarrow.FileReader, cols []typedColumn) ([]fastLeaf, bool) {
	plan := make([]fastLeaf, len(cols))
	sch := rdr.MetaData().Schema
	for i, c := range cols {
		f := fr.Manifest.Fields[c.index]
		if !f.IsLeaf() {
			return nil, false
		}
		d := sch.Column(f.ColIndex)
		if d.MaxRepetitionLevel() != 0 || d.MaxDefinitionLevel() > 1 {
			return nil, false
		}
		k, ok := kindOf(c.target)
		if !ok {
			return nil, false
		}
		fl := fastLeaf{leaf: f.ColIndex, kind: k, maxDef: d.MaxDefinitionLevel(), tsMul: 1, tsDiv: 1}
		lt := d.LogicalType()
		none := lt == nil || lt.Equals(schema.NoLogicalType{})
		signedInt := func(bits int8) bool {
			switch it := lt.(type) {
			case schema.IntLogicalType:
				return it.IsSigned() && it.BitWidth() <= bits
			case *schema.IntLogicalType:
				return it.IsSigned() && it.BitWidth() <= bits
			}
			return none
		}
		switch phys := d.PhysicalType(); {
		case k == kInt && phys == parquet.Types.Int64 && signedInt(64):
		case k == kInt && phys == parquet.Types.Int32 && signedInt(32):
		case k == kFloat && (phys == parquet.Types.Double || phys == parquet.Types.Float) && none:
		case k == kBool && phys == parquet.Types.Boolean && none:
		case k == kDate && phys == parquet.Types.Int32 && lt != nil && lt.Equals(schema.DateLogicalType{}):
		case k == kTimestamp && phys == parquet.Types.Int64:
			var unit schema.TimeUnitType
			switch ts := lt.(type) {
			case schema.TimestampLogicalType:
				unit = ts.TimeUnit()
			case *schema.TimestampLogicalType:
				unit = ts.TimeUnit()
			default:
				return nil, false
			}
			switch unit {
			case schema.TimeUnitMillis:
				fl.tsMul = 1000
			case schema.TimeUnitMicros:
			case schema.TimeUnitNanos:
				fl.tsDiv = 1000
			default:
				return nil, false
			}
		case k == kString && phys == parquet.Types.ByteArray:
			switch lt.(type) {
			case schema.StringLogicalType, *schema.StringLogicalType, schema.EnumLogicalType, *schema.EnumLogicalType:
			default:
				if !none {
					return nil, false
				}
			}
		default:
			return nil, false
		}
		plan[i] = fl
	}
	return plan, true
}

// readFastColumn decodes one column, row group by row group, in arrays of
// at most batch rows (never spanning row groups), and hands them to emit.
func readFastColumn(ctx context.Context, rdr *file.Reader, fl fastLeaf, batch int64, mem memory.Allocator, emit func(arrow.Array) bool) error {
	var defs []int16
	var scratch32 []int32
	var scratchF []float32
	var scratchB []bool
	var scratchS []parquet.ByteArray
	perRow := 0 // string bytes per row, learnt from the previous array (0: not yet known)

	for rg := range rdr.NumRowGroups() {
		rgr := rdr.RowGroup(rg)
		rows := rgr.NumRows()
		if chunkDecodable(rgr, fl.leaf) {
			var dec pageDecoder
			if fl.kind == kString {
				dec = &stringChunk{fl: fl}
			} else if fc, ok := newFixedChunk(fl, rdr.MetaData().Schema.Column(fl.leaf).PhysicalType()); ok {
				dec = fc
			}
			if dec != nil {
				more, err := readChunk(ctx, rgr, fl, dec, batch, mem, &perRow, emit)
				if err != nil || !more {
					return err
				}
				continue
			}
		}
		ccr, err := rgr.Column(fl.leaf)
		if err != nil {
			return err
		}
		for off := int64(0); off < rows; off += batch {
			if err := ctx.Err(); err != nil {
				return err
			}
			m := min(batch, rows-off)
			var d []int16
			if fl.maxDef > 0 {
				if defs == nil {
					defs = make([]int16, batch) // only off the page decoder's path
				}
				d = defs[:m]
			}
			var b colBuilder
			b.init(mem, fl.kind, int(m), int(m)*guessPerRow(perRow)*9/8)
			var got int64
			var read int
			switch r := ccr.(type) {
			case *file.Int64ColumnChunkReader:
				got, read, err = r.ReadBatch(m, b.i64[:m], d, nil)
				spread(b.i64[:m], d, read, int(got), fl.maxDef)
				if fl.kind == kTimestamp && (fl.tsMul != 1 || fl.tsDiv != 1) {
					for i, v := range b.i64[:m] {
						if fl.tsDiv != 1 {
							b.i64[i] = floorDiv(v, fl.tsDiv)
						} else {
							b.i64[i] = v * fl.tsMul
						}
					}
				}
			case *file.Int32ColumnChunkReader:
				scratch32 = grow(scratch32, int(m))
				got, read, err = r.ReadBatch(m, scratch32, d, nil)
				spread(scratch32, d, read, int(got), fl.maxDef)
				if fl.kind == kDate {
					copy(b.i32, scratch32[:m])
				} else {
					for i, v := range scratch32[:m] {
						b.i64[i] = int64(v)
					}
				}
			case *file.Float64ColumnChunkReader:
				got, read, err = r.ReadBatch(m, b.f64[:m], d, nil)
				spread(b.f64[:m], d, read, int(got), fl.maxDef)
			case *file.Float32ColumnChunkReader:
				scratchF = grow(scratchF, int(m))
				got, read, err = r.ReadBatch(m, scratchF, d, nil)
				spread(scratchF, d, read, int(got), fl.maxDef)
				for i, v := range scratchF[:m] {
					b.f64[i] = float64(v)
				}
			case *file.BooleanColumnChunkReader:
				scratchB = grow(scratchB, int(m))
				got, read, err = r.ReadBatch(m, scratchB, d, nil)
				spread(scratchB, d, read, int(got), fl.maxDef)
				for i, v := range scratchB[:m] {
					if v {
						b.bits[i>>3] |= 1 << (i & 7)
					}
				}
			case *file.ByteArrayColumnChunkReader:
				// Values alias the page being read: copy them page by page.
				// Small steps keep the value headers in cache.
				const step = 4096
				scratchS = grow(scratchS, step)
				for got < m && err == nil && r.HasNext() {
					var dd []int16
					if d != nil {
						dd = d[got:]
					}
					var lv int64
					var rd int
					lv, rd, err = r.ReadBatchInPage(min(m-got, step), scratchS, dd, nil)
					k := 0
					for i := range int(lv) {
						if dd == nil || dd[i] == fl.maxDef {
							if e := b.appendString(scratchS[k]); e != nil {
								err = e
								break
							}
							k++
						} else {
							b.appendNull()
						}
					}
					got += lv
					read += rd
				}
			default:
				err = fmt.Errorf("unexpected column reader %T", ccr)
			}
			if err == nil && got != m {
				err = fmt.Errorf("column chunk ended after %d of %d rows", off+got, rows)
			}
			if err != nil {
				b.release()
				return err
			}
			if fl.kind != kString {
				if d != nil && read < int(m) {
					b.setLevels(d, fl.maxDef)
				} else {
					b.n = int(m)
				}
			}
			if fl.kind == kString && m > 0 {
				perRow = max(b.dlen/int(m), 1)
			}
			if !emit(b.finish()) {
				return nil
			}
		}
	}
	return nil
}

func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// spread moves the read dense values to the rows whose definition level
// is maxDef (the others, nulls, get the zero value), working backwards in
// place.
func spread[T any](vals []T, defs []int16, read, total int, maxDef int16) {
	if defs == nil || read == total {
		return
	}
	var zero T
	k := read - 1
	for i := total - 1; i >= 0; i-- {
		if defs[i] == maxDef {
			vals[i] = vals[k]
			k--
		} else {
			vals[i] = zero
		}
	}
}
