package fileformat

import (
	"encoding/binary"
	"math/rand/v2"
	"strings"
	"testing"
)

// encodeHybrid is an independent, bit-by-bit encoder of runs for the tests:
// each run is RLE (rle true) or bit-packed (values padded to whole groups).
func encodeHybrid(width int, runs [][]uint32, rle []bool) []byte {
	var data []byte
	for r, vals := range runs {
		if rle[r] {
			data = binary.AppendUvarint(data, uint64(len(vals))<<1)
			for j := range (width + 7) / 8 {
				data = append(data, byte(vals[0]>>(8*j)))
			}
			continue
		}
		groups := (len(vals) + 7) / 8
		data = binary.AppendUvarint(data, uint64(groups)<<1|1)
		packed := make([]byte, groups*width)
		for j, v := range vals {
			for bit := range width {
				if v>>bit&1 == 1 {
					p := j*width + bit
					packed[p/8] |= 1 << (p % 8)
				}
			}
		}
		data = append(data, packed...)
	}
	return data
}

// TestHybridChunks decodes long random mixes of RLE and bit-packed runs at
// every bit width, taking values in random amounts so that takes straddle
// runs, groups and the decoder's chunk, and checks each value; a limit
// below the largest value must be an error.
func TestHybridChunks(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	for width := 0; width <= 32; width++ {
		mask := uint32(1<<width - 1)
		if width == 32 {
			mask = 1<<31 - 1 // indices are int32
		}
		var runs [][]uint32
		var rle []bool
		var want []uint32
		for r := range 12 {
			isRLE := rng.IntN(2) == 0
			cnt := 1 + rng.IntN(3*hybridChunk)
			if !isRLE && (r < 11 || rng.IntN(2) == 0) {
				// Only the last run can end in a part group (padding).
				cnt = 8 * (1 + rng.IntN(600))
			}
			vals := make([]uint32, cnt)
			c := rng.Uint32() & mask
			for i := range vals {
				if isRLE {
					vals[i] = c
				} else {
					vals[i] = rng.Uint32() & mask
				}
			}
			runs = append(runs, vals)
			rle = append(rle, isRLE)
			want = append(want, vals...)
		}
		// A bit-packed last run has padding values past len(want).
		data := encodeHybrid(width, runs, rle)
		var h hybrid
		h.init(data, width, len(want), 0)
		var maxv uint32
		for i := 0; i < len(want); {
			got, err := h.take(1 + rng.IntN(3000))
			if err != nil {
				t.Fatalf("width %d: value %d: %v", width, i, err)
			}
			for _, v := range got {
				if uint32(v) != want[i] {
					t.Fatalf("width %d: value %d = %d, want %d", width, i, v, want[i])
				}
				maxv = max(maxv, want[i])
				i++
			}
		}
		if _, err := h.take(1); err == nil {
			t.Fatalf("width %d: a value past the end decoded", width)
		}
		// next: runs come whole (never longer than asked, never from a
		// bit-packed run), the rest as take gives them.
		h.init(data, width, len(want), 0)
		whole := 0
		for i := 0; i < len(want); {
			n := 1 + rng.IntN(3000)
			idx, run, val, cnt, err := h.next(n)
			if err != nil || cnt < 1 || cnt > n || !run && cnt != len(idx) {
				t.Fatalf("width %d: value %d: next(%d) = %d values, run %v, %v", width, i, n, cnt, run, err)
			}
			for k := range cnt {
				v := val
				if !run {
					v = idx[k]
				}
				if uint32(v) != want[i] {
					t.Fatalf("width %d: next value %d = %d, want %d (run %v)", width, i, v, want[i], run)
				}
				i++
			}
			if run {
				whole++
			}
		}
		if _, _, _, _, err := h.next(1); err == nil {
			t.Fatalf("width %d: next past the end decoded", width)
		}
		if whole == 0 {
			t.Fatalf("width %d: no run came whole", width)
		}
		out := make([]int32, len(want))
		if err := decodeHybrid(data, width, out); err != nil {
			t.Fatalf("width %d: %v", width, err)
		}
		for i := range out {
			if uint32(out[i]) != want[i] {
				t.Fatalf("width %d: decodeHybrid value %d = %d, want %d", width, i, out[i], want[i])
			}
		}
		if maxv == 0 {
			continue
		}
		h.init(data, width, len(want), maxv)
		var err error
		for i := 0; i < len(want) && err == nil; {
			var got []int32
			got, err = h.take(len(want) - i)
			i += len(got)
		}
		if err == nil || !strings.Contains(err.Error(), "out of range") {
			t.Fatalf("width %d: index %d with limit %d: %v", width, maxv, maxv, err)
		}
	}
}

// TestCountLevels counts the defined values of random level streams (RLE
// and bit-packed runs, for a page's first n levels, n cutting anywhere,
// inside a group too) and checks the count against the levels themselves.
func TestCountLevels(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := range 500 {
		var runs [][]uint32
		var rle []bool
		var want []uint32
		for range 1 + rng.IntN(6) {
			isRLE := rng.IntN(2) == 0
			cnt := 1 + rng.IntN(40)
			if !isRLE {
				cnt = 8 * (1 + rng.IntN(5))
			}
			vals := make([]uint32, cnt)
			c := rng.Uint32() & 1
			for i := range vals {
				if isRLE {
					vals[i] = c
				} else {
					vals[i] = rng.Uint32() & 1
				}
			}
			runs, rle, want = append(runs, vals), append(rle, isRLE), append(want, vals...)
		}
		data := encodeHybrid(1, runs, rle)
		n := 1 + rng.IntN(len(want))
		ones := 0
		for _, v := range want[:n] {
			ones += int(v)
		}
		got, err := countLevels(data, n)
		if err != nil || got != ones {
			t.Fatalf("trial %d: countLevels(n=%d) = %d, %v; want %d", trial, n, got, err, ones)
		}
		if _, err := countLevels(data, len(want)+1); err == nil {
			t.Fatalf("trial %d: counting past the end is not an error", trial)
		}
		if _, err := countLevels([]byte{2 << 1, 2}, 2); err == nil {
			t.Fatal("an RLE level of 2 is not an error")
		}
	}
}
