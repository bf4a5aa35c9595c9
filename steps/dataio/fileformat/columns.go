package fileformat

import (
	"math"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/aftercare/aftercare/workflow"
)

// kind is one of the canonical column types.
type kind uint8

const (
	kInt kind = iota
	kFloat
	kBool
	kDate
	kTimestamp
	kString
)

var kindTypes = [...]arrow.DataType{
	kInt: workflow.Int64, kFloat: workflow.Float64, kBool: workflow.Bool,
	kDate: workflow.Date, kTimestamp: workflow.Timestamp, kString: workflow.String,
}

func (k kind) dataType() arrow.DataType { return kindTypes[k] }

// kindOf maps a canonical type to its kind.
func kindOf(t arrow.DataType) (kind, bool) {
	switch t.ID() {
	case arrow.INT64:
		return kInt, true
	case arrow.FLOAT64:
		return kFloat, true
	case arrow.BOOL:
		return kBool, true
	case arrow.DATE32:
		return kDate, true
	case arrow.TIMESTAMP:
		ts := t.(*arrow.TimestampType)
		return kTimestamp, ts.Unit == arrow.Microsecond && ts.TimeZone == "UTC"
	case arrow.STRING:
		return kString, true
	}
	return 0, false
}

// colBuilder accumulates one column of a batch straight into Arrow buffers
// from the allocator. It is cheaper than the generic array builders: the
// capacity is known up front (the chunk's record bound), values are
// written into typed slices, and the validity bitmap only exists once a
// null appears.
type colBuilder struct {
	mem  memory.Allocator
	kind kind
	n    int // values appended
	cap  int // rows the buffers can hold

	nulls int
	valid *memory.Buffer // nil until the first null
	vb    []byte

	vals *memory.Buffer
	i64  []int64
	f64  []float64
	i32  []int32
	u64  []uint64 // i64 or f64 as bits
	u32  []uint32 // i32 as bits
	bits []byte

	offs *memory.Buffer
	off  []int32
	data *memory.Buffer
	db   []byte
	dlen int
}

func (c *colBuilder) init(mem memory.Allocator, k kind, rows, dataHint int) {
	mem = builderMem(mem)
	*c = colBuilder{mem: mem, kind: k}
	c.vals = memory.NewResizableBuffer(mem)
	if k == kString {
		c.offs = c.vals
		c.vals = nil
		c.data = memory.NewResizableBuffer(mem)
		c.data.Reserve(max(dataHint, 64))
		c.db = c.data.Buf()
	}
	c.reserve(max(rows, 1))
}

// reserve makes room for rows values.
func (c *colBuilder) reserve(rows int) {
	if rows <= c.cap {
		return
	}
	old := c.cap
	switch c.kind {
	case kInt, kTimestamp:
		c.vals.Reserve(rows * 8)
		c.i64 = arrow.Int64Traits.CastFromBytes(c.vals.Buf())
		c.u64 = arrow.Uint64Traits.CastFromBytes(c.vals.Buf())
	case kFloat:
		c.vals.Reserve(rows * 8)
		c.f64 = arrow.Float64Traits.CastFromBytes(c.vals.Buf())
		c.u64 = arrow.Uint64Traits.CastFromBytes(c.vals.Buf())
	case kDate:
		c.vals.Reserve(rows * 4)
		c.i32 = arrow.Int32Traits.CastFromBytes(c.vals.Buf())
		c.u32 = arrow.Uint32Traits.CastFromBytes(c.vals.Buf())
	case kBool:
		c.vals.Reserve(int(bitutil.BytesForBits(int64(rows))))
		c.bits = c.vals.Buf()
		bitutil.SetBitsTo(c.bits, int64(old), int64(len(c.bits)*8-old), false)
	case kString:
		c.offs.Reserve((rows + 1) * 4)
		c.off = arrow.Int32Traits.CastFromBytes(c.offs.Buf())
		c.off[0] = 0
	}
	if c.valid != nil {
		c.growValid(old, rows)
	}
	c.cap = rows
}

func (c *colBuilder) growValid(old, rows int) {
	c.valid.Reserve(int(bitutil.BytesForBits(int64(rows))))
	c.vb = c.valid.Buf()
	bitutil.SetBitsTo(c.vb, int64(old), int64(len(c.vb)*8-old), true)
}

func (c *colBuilder) full() {
	c.reserve(max(2*c.cap, 16))
}

func (c *colBuilder) appendNull() {
	if c.n == c.cap {
		c.full()
	}
	if c.valid == nil {
		c.valid = memory.NewResizableBuffer(c.mem)
		c.growValid(0, c.cap)
	}
	bitutil.ClearBit(c.vb, c.n)
	c.nulls++
	switch c.kind {
	case kInt, kTimestamp:
		c.i64[c.n] = 0
	case kFloat:
		c.f64[c.n] = 0
	case kDate:
		c.i32[c.n] = 0
	case kString:
		c.off[c.n+1] = int32(c.dlen)
	}
	c.n++
}

func (c *colBuilder) appendInt(v int64) {
	if c.n == c.cap {
		c.full()
	}
	c.i64[c.n] = v
	c.n++
}

func (c *colBuilder) appendFloat(v float64) {
	if c.n == c.cap {
		c.full()
	}
	c.f64[c.n] = v
	c.n++
}

func (c *colBuilder) appendDate(v int32) {
	if c.n == c.cap {
		c.full()
	}
	c.i32[c.n] = v
	c.n++
}

func (c *colBuilder) appendBool(v bool) {
	if c.n == c.cap {
		c.full()
	}
	if v {
		bitutil.SetBit(c.bits, c.n)
	}
	c.n++
}

// appendString appends b; it fails only past 2 GiB of text in one batch.
func (c *colBuilder) appendString(b []byte) error {
	if c.n == c.cap {
		c.full()
	}
	end := c.dlen + len(b)
	if len(b) <= 32 && cap(b) >= 32 && c.dlen+32 <= len(c.db) {
		// Short values are moved as one 32-byte block, cheaper than a
		// copy call; the bytes past the value are overwritten later.
		d, s := c.db[c.dlen:c.dlen+32], b[:32] // both checked to hold 32 bytes
		move32(unsafe.Pointer(unsafe.SliceData(d)), unsafe.Pointer(unsafe.SliceData(s)))
		c.dlen = end
		c.off[c.n+1] = int32(end)
		c.n++
		return nil
	}
	if end > len(c.db) {
		if end > math.MaxInt32 {
			return errTooMuchText
		}
		c.data.ResizeNoShrink(c.dlen)
		c.data.Reserve(max(2*len(c.db), end))
		c.db = c.data.Buf()
	}
	copy(c.db[c.dlen:end], b)
	c.dlen = end
	c.off[c.n+1] = int32(end)
	c.n++
	return nil
}

// finish returns the column as an array and releases the builder's
// buffers.
func (c *colBuilder) finish() arrow.Array {
	var bufs []*memory.Buffer
	if c.valid != nil {
		c.valid.ResizeNoShrink(int(bitutil.BytesForBits(int64(c.n))))
	}
	switch c.kind {
	case kInt, kTimestamp, kFloat:
		c.vals.ResizeNoShrink(c.n * 8)
		bufs = []*memory.Buffer{c.valid, c.vals}
	case kDate:
		c.vals.ResizeNoShrink(c.n * 4)
		bufs = []*memory.Buffer{c.valid, c.vals}
	case kBool:
		c.vals.ResizeNoShrink(int(bitutil.BytesForBits(int64(c.n))))
		bufs = []*memory.Buffer{c.valid, c.vals}
	case kString:
		if c.n == 0 {
			c.off[0] = 0
		}
		c.offs.ResizeNoShrink((c.n + 1) * 4)
		c.data.ResizeNoShrink(c.dlen)
		bufs = []*memory.Buffer{c.valid, c.offs, c.data}
	}
	data := array.NewData(c.kind.dataType(), c.n, bufs, nil, c.nulls, 0)
	arr := array.MakeFromData(data)
	data.Release()
	c.release()
	return arr
}

// release drops the builder's buffers.
func (c *colBuilder) release() {
	for _, b := range []*memory.Buffer{c.valid, c.vals, c.offs, c.data} {
		if b != nil {
			b.Release()
		}
	}
	c.valid, c.vals, c.offs, c.data = nil, nil, nil, nil
}

// setLevels sets the validity of the next len(defs) rows from Parquet
// definition levels (a row is valid when its level is maxDef) and
// advances n past them; the values must already be in place.
func (c *colBuilder) setLevels(defs []int16, maxDef int16) {
	start := c.n
	for i, d := range defs {
		if d != maxDef {
			if c.valid == nil {
				c.valid = memory.NewResizableBuffer(c.mem)
				c.growValid(0, c.cap)
			}
			bitutil.ClearBit(c.vb, start+i)
			c.nulls++
		}
	}
	c.n += len(defs)
}
