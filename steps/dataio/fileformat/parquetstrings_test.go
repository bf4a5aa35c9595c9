package fileformat

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestParquetStringPages writes string columns with arrow-go's Parquet
// writer under every layout readChunk decodes (dictionary or plain,
// dictionary falling back to plain mid-chunk, data page v1 and v2, small
// pages, several row groups, compressed or not, nulls, empty and long
// values) and checks every value read back, at batch sizes that straddle
// pages and row groups.
func TestParquetStringPages(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	rng := rand.New(rand.NewPCG(7, 8))
	const n = 5000
	sc := arrow.NewSchema([]arrow.Field{
		{Name: "few", Type: arrow.BinaryTypes.String, Nullable: true},  // low cardinality
		{Name: "many", Type: arrow.BinaryTypes.String, Nullable: true}, // mostly distinct: dictionary falls back
		{Name: "req", Type: arrow.BinaryTypes.String},                  // required (no levels)
		{Name: "runs", Type: arrow.BinaryTypes.String, Nullable: true}, // repeated in stretches: RLE runs
	}, nil)
	want := make([][4]*string, n)
	runVals := []string{"", "UK", "sixteen bytes!!!", "a much longer value that is well past thirty-two bytes and then some more, past sixty-four"}
	run := "UK"

	b := array.NewRecordBuilder(mem, sc)
	for i := range n {
		var row [4]*string
		if rng.IntN(5) > 0 {
			s := []string{"", "UK", "France", "a much longer value that is well past thirty-two bytes", "ü€"}[rng.IntN(5)]
			row[0] = &s
		}
		if i%11 != 3 {
			s := strings.Repeat("x", rng.IntN(70)) + fmt.Sprint(rng.Int64())
			row[1] = &s
		}
		s := fmt.Sprint(i % 97)
		row[2] = &s
		if rng.IntN(25) == 0 {
			run = runVals[rng.IntN(len(runVals))]
		}
		if rng.IntN(6) > 0 {
			r := run
			row[3] = &r
		}
		for c, v := range row {
			if v == nil {
				b.Field(c).AppendNull()
			} else {
				b.Field(c).(*array.StringBuilder).Append(*v)
			}
		}
		want[i] = row
	}
	rec := b.NewRecordBatch()
	b.Release()
	defer rec.Release()

	for _, l := range pageLayouts(n) {
		p, rsc := writePageLayout(t, mem, rec, l)
		for _, batch := range []int{1, 333, 1024, 65536} {
			got := readAll(t, p, rsc, ReadOptions{BatchRows: batch}, mem)
			i := 0
			for _, g := range got {
				if g.NumRows() > int64(batch) {
					t.Fatalf("%s: batch of %d rows, limit %d", l.name, g.NumRows(), batch)
				}
				for r := range int(g.NumRows()) {
					for c := range 4 {
						col := g.Column(c).(*array.String)
						w := want[i][c]
						if (w == nil) != col.IsNull(r) || (w != nil && *w != col.Value(r)) {
							t.Fatalf("%s batch %d: row %d column %d = %q (null %v), want %v", l.name, batch, i, c, col.Value(r), col.IsNull(r), w)
						}
					}
					i++
				}
			}
			release(got)
			if i != n {
				t.Fatalf("%s: %d rows, want %d", l.name, i, n)
			}
		}
	}
}

// TestDecodeHybrid checks the RLE/bit-packed decoder on hand-made runs at
// every bit width, and that truncated input is an error, not a panic.
func TestDecodeHybrid(t *testing.T) {
	for width := 1; width <= 32; width++ {
		rng := rand.New(rand.NewPCG(uint64(width), 1))
		var vals []int32
		var data []byte
		mask := uint64(1)<<width - 1
		// An RLE run of 5, a bit-packed run of 3 groups, an RLE run of 2.
		rle := func(v uint32, cnt int) {
			data = append(data, byte(cnt<<1))
			for j := range (width + 7) / 8 {
				data = append(data, byte(v>>(8*j)))
			}
			for range cnt {
				vals = append(vals, int32(v))
			}
		}
		rle(uint32(rng.Uint64()&mask&(1<<31-1)), 5)
		data = append(data, byte(3<<1|1))
		packed := make([]byte, 3*width)
		for j := range 24 {
			v := rng.Uint64() & mask
			if v > 1<<31-1 {
				v &= 1<<31 - 1
			}
			for bit := range width {
				if v>>bit&1 == 1 {
					p := j*width + bit
					packed[p/8] |= 1 << (p % 8)
				}
			}
			vals = append(vals, int32(v))
		}
		data = append(data, packed...)
		rle(uint32(rng.Uint64()&mask&(1<<31-1)), 2)
		out := make([]int32, len(vals))
		if err := decodeHybrid(data, width, out); err != nil {
			t.Fatalf("width %d: %v", width, err)
		}
		for i := range vals {
			if out[i] != vals[i] {
				t.Fatalf("width %d: value %d = %d, want %d", width, i, out[i], vals[i])
			}
		}
		for cut := range len(data) {
			if err := decodeHybrid(data[:cut], width, make([]int32, len(vals))); err == nil {
				t.Fatalf("width %d: %d of %d bytes decoded without error", width, cut, len(data))
			}
		}
	}
}

// FuzzDecodeHybrid feeds arbitrary bytes to the level and index decoders:
// they may fail but never panic or read out of bounds.
func FuzzDecodeHybrid(f *testing.F) {
	f.Add([]byte{0x0a, 0x01}, uint8(1), uint16(5))
	f.Add([]byte{0x03, 0xff}, uint8(8), uint16(8))
	f.Add([]byte{0x05, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x11, 0x22}, uint8(5), uint16(16))
	f.Fuzz(func(t *testing.T, data []byte, width uint8, n uint16) {
		out := make([]int32, int(n)%4096)
		w := int(width % 33)
		if decodeHybrid(data, w, out) == nil && len(out) > 0 {
			// next gives the same values, runs whole, and with a limit
			// refuses any value past it.
			limit := uint32(1 + len(out))
			var h hybrid
			h.init(data, w, len(out), limit)
			for i := 0; i < len(out); {
				idx, run, val, cnt, err := h.next(1 + i%700)
				if err != nil {
					break // a value past the limit
				}
				for k := range cnt {
					v := val
					if !run {
						v = idx[k]
					}
					if v != out[i] || uint32(v) >= limit {
						t.Fatalf("next value %d = %d, decodeHybrid %d (limit %d)", i, v, out[i], limit)
					}
					i++
				}
			}
		}
		lv := make([]uint8, int(n)%4096)
		ones, cerr := countLevels(data, len(lv))
		if err := decodeLevels(data, lv); err == nil {
			sum := 0
			for _, v := range lv {
				if v > 1 {
					t.Fatalf("level %d from a width-1 stream", v)
				}
				sum += int(v)
			}
			if cerr != nil || ones != sum {
				t.Fatalf("countLevels = %d, %v; decodeLevels has %d ones", ones, cerr, sum)
			}
		} else if cerr == nil {
			t.Fatalf("countLevels accepted what decodeLevels refused: %v", err)
		}
	})
}

// TestDecodeHybridWidthZero decodes a one-value dictionary's indices
// (bit width 0), bit-packed and run-length encoded, with no value bytes.
func TestDecodeHybridWidthZero(t *testing.T) {
	out := make([]int32, 1000)
	for i := range out {
		out[i] = -1
	}
	// 100 bit-packed groups (800 values) take no bytes; then a run of 200.
	data := []byte{byte(100<<1|1)&0x7f | 0x80, byte((100<<1 | 1) >> 7), 200<<1&0x7f | 0x80, 200 << 1 >> 7}
	if err := decodeHybrid(data, 0, out); err != nil {
		t.Fatal(err)
	}
	for i, v := range out {
		if v != 0 {
			t.Fatalf("value %d = %d", i, v)
		}
	}
}
