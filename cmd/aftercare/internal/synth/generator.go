package synth

import (
	"context"
	"math/rand/v2"
	"runtime"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Generator is a reproducible synthetic table: the schema of its batches
// and a function that streams them.
type Generator struct {
	// Schema is the schema of every batch Scan passes to fn.
	Schema *arrow.Schema
	// Scan generates the table and calls fn with each record batch, in a
	// deterministic order. A batch is valid only during the call; fn must
	// Retain it to keep it. Scan allocates from mem (the default allocator
	// when nil) and releases everything it allocated before it returns. It
	// stops at the first error from fn or at the cancellation of ctx and
	// returns that error unwrapped. Scan may be called any number of times,
	// also concurrently; every call produces the same batches.
	Scan func(ctx context.Context, mem memory.Allocator, fn func(arrow.RecordBatch) error) error
}

// blockSize is the number of customers simulated per block. It is part of
// the output: the random stream of a customer depends on its block.
const blockSize = 8192

// Random streams: each table family draws from its own stream, so that the
// tables of one scenario can be generated independently of each other.
const (
	streamTransactions uint64 = iota + 1
	streamSupportCustomers
	streamSupportOrders
	streamSupportTickets
)

// Canonical column types (mirroring workflow/types.go).
var (
	stringType    arrow.DataType = arrow.BinaryTypes.String
	int64Type     arrow.DataType = arrow.PrimitiveTypes.Int64
	float64Type   arrow.DataType = arrow.PrimitiveTypes.Float64
	boolType      arrow.DataType = arrow.FixedWidthTypes.Boolean
	dateType      arrow.DataType = arrow.FixedWidthTypes.Date32
	timestampType                = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
)

// splitmix64 is the SplitMix64 output function (Steele, Lea & Flood 2014),
// used to derive well-mixed seeds from small integers.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// blockSource returns the PCG generator of one block of one stream.
func blockSource(seed, stream uint64, block int) *rand.PCG {
	h := splitmix64(splitmix64(seed) ^ stream*0xd1342543de82ef95)
	h = splitmix64(h ^ uint64(block))
	return rand.NewPCG(h, splitmix64(h^0xa0761d6478bd642f))
}

// Counters that number id columns across blocks.
const (
	counterOrders = iota
	counterTickets
	numCounters
)

// seqColumn is an id column ("O000000001", ...) whose numbers continue
// from block to block; the emitter fills it in block order.
type seqColumn struct {
	col     int     // position in the schema
	prefix  byte    // first character of the id
	counter int     // counter that numbers the column
	local   []int32 // 0-based number within the block; nil: the row index
}

// blockBatch is what a worker hands to the emitter for one block.
type blockBatch struct {
	rows    int
	cols    []arrow.Array // in schema order; nil at seqColumn positions
	seqs    []seqColumn
	advance [numCounters]int64 // numbers used by the block per counter
}

func (b *blockBatch) release() {
	for _, c := range b.cols {
		if c != nil {
			c.Release()
		}
	}
}

// seqWidth is the minimum number of digits of order and ticket ids.
const seqWidth = 9

// scanBlocks simulates nBlocks blocks with build on GOMAXPROCS workers and
// calls fn with their batches in block order. At most a few blocks are in
// flight at any time. Every array built is released before it returns.
func scanBlocks(ctx context.Context, mem memory.Allocator, schema *arrow.Schema, nBlocks int,
	build func(mem memory.Allocator, block int) (*blockBatch, error), fn func(arrow.RecordBatch) error) error {
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	if nBlocks == 0 {
		return ctx.Err()
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	type result struct {
		b   *blockBatch
		err error
	}
	type job struct {
		block int
		out   chan result
	}
	workers := min(runtime.GOMAXPROCS(0), nBlocks)
	jobs := make(chan job)
	// order holds the result channels in block order; its capacity bounds
	// the number of finished blocks waiting for the emitter.
	order := make(chan chan result, 2*workers)

	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for j := range jobs {
				if err := ctx.Err(); err != nil {
					j.out <- result{err: err}
					continue
				}
				b, err := build(mem, j.block)
				j.out <- result{b, err}
			}
		})
	}
	go func() {
		defer close(order)
		defer close(jobs)
		for i := range nBlocks {
			out := make(chan result, 1)
			order <- out // the emitter drains order until it is closed
			select {
			case jobs <- job{i, out}:
			case <-ctx.Done():
				out <- result{err: ctx.Err()}
				return
			}
		}
	}()

	var (
		firstErr error
		counters [numCounters]int64
		nums     []int64
	)
	for out := range order {
		r := <-out
		if firstErr == nil && r.err != nil {
			firstErr = r.err
		}
		if firstErr == nil && r.b != nil {
			firstErr = ctx.Err()
		}
		if firstErr == nil && r.b != nil && r.b.rows > 0 {
			var rec arrow.RecordBatch
			rec, nums = assemble(mem, schema, r.b, &counters, nums)
			firstErr = fn(rec)
			rec.Release()
		}
		if r.b != nil {
			for k, n := range r.b.advance {
				counters[k] += n
			}
			r.b.release()
		}
		if firstErr != nil {
			cancel()
		}
	}
	wg.Wait()
	return firstErr
}

// assemble fills the id columns of b from the running counters and
// returns the record batch. nums is scratch space, returned for reuse.
func assemble(mem memory.Allocator, schema *arrow.Schema, b *blockBatch, counters *[numCounters]int64, nums []int64) (arrow.RecordBatch, []int64) {
	cols := make([]arrow.Array, len(b.cols))
	copy(cols, b.cols)
	for _, s := range b.seqs {
		nums = nums[:0]
		base := counters[s.counter] + 1
		if s.local == nil {
			for i := range b.rows {
				nums = append(nums, base+int64(i))
			}
		} else {
			for _, l := range s.local {
				nums = append(nums, base+int64(l))
			}
		}
		cols[s.col] = idArray(mem, s.prefix, seqWidth, nums)
	}
	rec := array.NewRecordBatch(schema, cols, int64(b.rows))
	for _, s := range b.seqs {
		cols[s.col].Release()
	}
	return rec, nums
}

// numBlocks is the number of blocks needed for n customers.
func numBlocks(n int) int { return (n + blockSize - 1) / blockSize }

// customerIDWidth is the number of digits of customer ids: 6, or more when
// there are a million customers or more, so that ids sort in numeric order.
func customerIDWidth(customers int) int { return max(6, digits(int64(customers))) }

func digits(v int64) int {
	n := 1
	for v >= 10 {
		v /= 10
		n++
	}
	return n
}

// idArray builds a string array of ids made of prefix and the numbers in
// nums (non-negative), zero-padded to width digits ("C000042").
func idArray(mem memory.Allocator, prefix byte, width int, nums []int64) arrow.Array {
	n := len(nums)
	var hi int64
	for _, v := range nums {
		hi = max(hi, v)
	}
	fixed := digits(hi) <= width // every id has exactly width digits
	total := n * (1 + width)
	if !fixed {
		total = 0
		for _, v := range nums {
			total += 1 + max(width, digits(v))
		}
	}
	offsets := memory.NewResizableBuffer(mem)
	offsets.Resize((n + 1) * arrow.Int32SizeBytes)
	data := memory.NewResizableBuffer(mem)
	data.Resize(total)
	off := arrow.Int32Traits.CastFromBytes(offsets.Bytes())[: n+1 : n+1]
	d := data.Bytes()[:total:total]
	pos := 0
	for i, v := range nums {
		off[i] = int32(pos)
		w := width
		if !fixed {
			w = max(width, digits(v))
		}
		id := d[pos : pos+1+w : pos+1+w]
		id[0] = prefix
		for j := w; j > 0; j-- {
			id[j] = byte('0' + v%10)
			v /= 10
		}
		pos += 1 + w
	}
	off[n] = int32(pos)
	ad := array.NewData(stringType, n, []*memory.Buffer{nil, offsets, data}, nil, 0, 0)
	offsets.Release()
	data.Release()
	arr := array.NewStringData(ad)
	ad.Release()
	return arr
}

// Array builders from Go slices; valid == nil means no nulls.

func float64Array(mem memory.Allocator, v []float64, valid []bool) arrow.Array {
	b := array.NewFloat64Builder(mem)
	defer b.Release()
	b.AppendValues(v, valid)
	return b.NewArray()
}

func int64Array(mem memory.Allocator, v []int64, valid []bool) arrow.Array {
	b := array.NewInt64Builder(mem)
	defer b.Release()
	b.AppendValues(v, valid)
	return b.NewArray()
}

func boolArray(mem memory.Allocator, v []bool) arrow.Array {
	b := array.NewBooleanBuilder(mem)
	defer b.Release()
	b.AppendValues(v, nil)
	return b.NewArray()
}

func timestampArray(mem memory.Allocator, v []arrow.Timestamp) arrow.Array {
	b := array.NewTimestampBuilder(mem, timestampType)
	defer b.Release()
	b.AppendValues(v, nil)
	return b.NewArray()
}

func dateArray(mem memory.Allocator, v []arrow.Date32) arrow.Array {
	b := array.NewDate32Builder(mem)
	defer b.Release()
	b.AppendValues(v, nil)
	return b.NewArray()
}

// labelArray builds a string array from indices into a small set of labels.
func labelArray(mem memory.Allocator, labels []string, idx []int8) arrow.Array {
	b := array.NewStringBuilder(mem)
	defer b.Release()
	size := 0
	for _, i := range idx {
		size += len(labels[i])
	}
	b.Reserve(len(idx))
	b.ReserveData(size)
	for _, i := range idx {
		b.Append(labels[i])
	}
	return b.NewArray()
}

// clock converts simulation days after a start instant into timestamps
// (whole seconds after the start) and dates.
type clock struct{ startUS int64 }

func newClock(start time.Time) clock { return clock{startUS: start.UnixMicro()} }

func (c clock) timestamp(days float64) arrow.Timestamp {
	return arrow.Timestamp(c.startUS + int64(days*86400)*1_000_000)
}

func (c clock) date(days float64) arrow.Date32 {
	us := int64(c.timestamp(days))
	const usPerDay = 86400 * 1_000_000
	d := us / usPerDay
	if us%usPerDay < 0 {
		d--
	}
	return arrow.Date32(d)
}

// field is a shorthand for a schema field.
func field(name string, t arrow.DataType, nullable bool) arrow.Field {
	return arrow.Field{Name: name, Type: t, Nullable: nullable}
}
