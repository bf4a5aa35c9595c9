package fileformat

import (
	"encoding/binary"
	"fmt"
	"math"
)

// hybridChunk is how many values a hybrid decoder holds decoded at a time:
// small enough to stay in the L1 cache between decoding and use, so that a
// page's indices never exist as one large array.
const hybridChunk = 2048

// hybrid decodes Parquet's RLE/bit-packed hybrid encoding (dictionary
// indices) a chunk at a time.
type hybrid struct {
	data   []byte // encoded runs not yet started
	width  int
	left   int    // values not yet decoded
	limit  uint32 // with limit > 0, every value must be below it
	rle    int    // values left in the current RLE run
	rleVal int32
	groups int     // bit-packed groups left in the current run
	packed []byte  // their bytes
	pend   []int32 // decoded values not yet taken
	buf    []int32
}

// init starts decoding n values of the given bit width (0 to 32) from data.
// With limit > 0, a value of limit or more is an error (an index past the
// dictionary's end).
func (h *hybrid) init(data []byte, width, n int, limit uint32) {
	buf := h.buf
	if buf == nil {
		buf = make([]int32, hybridChunk)
	}
	*h = hybrid{data: data, width: width, left: n, limit: limit, buf: buf}
}

// take returns the next values, at most n and at least one (for n > 0), in
// a buffer that later calls reuse.
func (h *hybrid) take(n int) ([]int32, error) {
	if len(h.pend) == 0 {
		if err := h.fill(); err != nil {
			return nil, err
		}
	}
	n = min(n, len(h.pend))
	out := h.pend[:n]
	h.pend = h.pend[n:]
	return out, nil
}

// next is take for callers that can use a run whole: at the start of an
// RLE run (with no values pending) it returns run true and the run's value
// once with its count (at most n) instead of writing the value out count
// times; otherwise it returns values as take does, with count len(idx).
func (h *hybrid) next(n int) (idx []int32, run bool, val int32, count int, err error) {
	if len(h.pend) == 0 {
		if err := h.startRun(); err != nil {
			return nil, false, 0, 0, err
		}
		if h.rle > 0 {
			c := min(n, h.rle)
			h.rle -= c
			h.left -= c
			return nil, true, h.rleVal, c, nil
		}
	}
	idx, err = h.take(n)
	return idx, false, 0, len(idx), err
}

// startRun makes sure the decoder is inside a run with values left,
// reading run headers as needed.
func (h *hybrid) startRun() error {
	if h.left <= 0 {
		return errCorruptPage // more values asked for than the page holds
	}
	for h.rle == 0 && h.groups == 0 {
		if err := h.header(); err != nil {
			return err
		}
	}
	return nil
}

// fill decodes the next chunk of values into buf.
func (h *hybrid) fill() error {
	if err := h.startRun(); err != nil {
		return err
	}
	if h.rle > 0 {
		out := h.buf[:min(h.rle, h.left, len(h.buf))]
		for i := range out {
			out[i] = h.rleVal
		}
		h.rle -= len(out)
		h.left -= len(out)
		h.pend = out
		return nil
	}
	g := min(h.groups, len(h.buf)/8)
	out := h.buf[:8*g]
	unpack(h.packed[:g*h.width], h.width, out)
	h.groups -= g
	h.packed = h.packed[g*h.width:]
	out = out[:min(len(out), h.left)] // the last group may be padding
	if h.limit > 0 {
		for _, v := range out {
			if uint32(v) >= h.limit {
				return fmt.Errorf("dictionary index %d out of range (%d values)", uint32(v), h.limit)
			}
		}
	}
	h.left -= len(out)
	h.pend = out
	return nil
}

// header starts the next run.
func (h *hybrid) header() error {
	hd, k := binary.Uvarint(h.data)
	if k <= 0 {
		return errCorruptPage
	}
	h.data = h.data[k:]
	if hd&1 == 0 { // RLE run of one value
		vb := (h.width + 7) / 8
		if len(h.data) < vb {
			return errCorruptPage
		}
		var v uint32
		for j := range vb {
			v |= uint32(h.data[j]) << (8 * j)
		}
		h.data = h.data[vb:]
		if uint64(v) > math.MaxInt32 || h.width < 32 && v>>h.width != 0 {
			return errCorruptPage
		}
		if h.limit > 0 && v >= h.limit {
			return fmt.Errorf("dictionary index %d out of range (%d values)", v, h.limit)
		}
		h.rle = int(min(hd>>1, uint64(h.left)))
		h.rleVal = int32(v)
		return nil
	}
	// Bit-packed groups of 8 values, LSB first; a group takes width bytes.
	groups := hd >> 1
	if h.width > 0 && groups > uint64(len(h.data)) {
		return errCorruptPage
	}
	nbytes := groups * uint64(h.width)
	if nbytes > uint64(len(h.data)) {
		return errCorruptPage
	}
	h.packed = h.data[:nbytes]
	h.data = h.data[nbytes:]
	// Groups past the values still to decode are padding: skip them.
	h.groups = int(min(groups, uint64(h.left+7)/8))
	return nil
}

// unpack decodes len(out) values (a multiple of 8) of the given width
// from run, which holds len(out)/8*width bytes.
func unpack(run []byte, width int, out []int32) {
	if width == 0 {
		clear(out)
		return
	}
	// Whole groups by the generated unpackers while a group's words are
	// inside run; the last few values through a zero-padded copy.
	j := unpackers[width](run, out)
	mask := uint64(1)<<width - 1
	var tail [16]byte
	for ; j < len(out); j++ {
		p := j * width
		n := copy(tail[:], run[p>>3:])
		clear(tail[n:])
		out[j] = int32((binary.LittleEndian.Uint64(tail[:]) >> (p & 7)) & mask)
	}
}

// decodeHybrid decodes len(out) values of the given bit width from
// RLE/bit-packed hybrid data.
func decodeHybrid(data []byte, width int, out []int32) error {
	var h hybrid
	h.init(data, width, len(out), 0)
	for i := 0; i < len(out); {
		v, err := h.take(len(out) - i)
		if err != nil {
			return err
		}
		i += copy(out[i:], v)
	}
	return nil
}

// startIndices starts h on a dictionary-encoded data page's n indices (a
// bit width byte, then hybrid data), each checked to be below dictLen.
func startIndices(h *hybrid, data []byte, n, dictLen int) error {
	if n == 0 {
		h.init(nil, 0, 0, 1)
		return nil
	}
	if len(data) < 1 || data[0] > 32 {
		return errCorruptPage
	}
	if dictLen <= 0 {
		return fmt.Errorf("dictionary index into an empty dictionary")
	}
	h.init(data[1:], int(data[0]), n, uint32(dictLen))
	return nil
}
