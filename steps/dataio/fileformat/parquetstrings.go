package fileformat

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
)

// String columns are most of a Parquet read's time through the column
// chunk reader, which hands out one slice header per value and leaves a
// copy call per value. Decoding the pages here instead (the file's
// dictionary once into one padded buffer, then the RLE/bit-packed indices
// and a word-wise gather) is several times faster. It covers the
// encodings every common writer uses for strings: dictionary pages with
// RLE_DICTIONARY (or PLAIN_DICTIONARY) data pages, PLAIN data pages (the
// fallback when a dictionary grows too big), RLE definition levels, data
// page v1 and v2. Chunks with any other encoding, or encrypted, go through
// the column chunk reader.

// stringChunkDecodable reports whether readStringChunk can decode the
// column chunk.
func stringChunkDecodable(rgr *file.RowGroupReader, leaf int) bool {
	cc, err := rgr.MetaData().ColumnChunk(leaf)
	if err != nil || cc.CryptoMetadata() != nil {
		return false
	}
	for _, e := range cc.Encodings() {
		switch e {
		case parquet.Encodings.Plain, parquet.Encodings.PlainDict, parquet.Encodings.RLEDict, parquet.Encodings.RLE:
		default:
			return false
		}
	}
	return true
}

// dictPad is the slack after the dictionary's bytes and the output's
// bytes, so that short values move as four 8-byte words.
const dictPad = 32

// stringChunk is the decoding state of one string column chunk.
type stringChunk struct {
	fl    fastLeaf
	dict  []byte  // the dictionary's values, back to back, then dictPad bytes
	doff  []int32 // value i of the dictionary is dict[doff[i]:doff[i+1]]
	defs  []uint8 // definition levels of the current page
	idx   []int32 // dictionary indices of the current page's values
	plain [][]byte
}

// readStringChunk decodes row group rg's chunk of a string column into
// arrays of at most batch rows, which it hands to emit. It returns false
// when emit asked to stop.
func readStringChunk(ctx context.Context, rgr *file.RowGroupReader, fl fastLeaf, batch int64, mem memory.Allocator, perRow *int, emit func(arrow.Array) bool) (bool, error) {
	pr, err := rgr.GetColumnPageReader(fl.leaf)
	if err != nil {
		return false, err
	}
	defer pr.Close()
	rows := rgr.NumRows()
	sc := &stringChunk{fl: fl}
	var b colBuilder
	open := false
	var done int64 // rows emitted or in b
	defer func() {
		if open {
			b.release()
		}
	}()
	for pr.Next() {
		if err := ctx.Err(); err != nil {
			return false, err
		}
		pg := pr.Page() // owned by pr: released by the next Next or Close
		var n int
		var perr error
		switch pg.Type() {
		case file.PageTypeDictionaryPage:
			perr = sc.readDictionary(pg)
		case file.PageTypeDataPage, file.PageTypeDataPageV2:
			n, perr = sc.readDataPage(pg)
		default: // index pages and the like carry no values
		}
		if perr != nil {
			return false, perr
		}
		// Move the page's n values into arrays of batch rows.
		k, v := 0, 0 // next level, next value
		for k < n {
			if !open {
				m := int(min(batch, rows-done))
				if m <= 0 {
					return false, fmt.Errorf("column chunk has more values than its %d rows", rows)
				}
				b.init(mem, kString, m, m**perRow*9/8+dictPad)
				open = true
			}
			take := min(n-k, b.cap-b.n)
			var err error
			v, err = sc.appendTo(&b, k, k+take, v)
			if err != nil {
				return false, err
			}
			k += take
			done += int64(take)
			if b.n == b.cap {
				*perRow = max(b.dlen/b.n, 1)
				open = false
				if !emit(b.finish()) {
					return false, nil
				}
			}
		}
	}
	if err := pr.Err(); err != nil {
		return false, err
	}
	if open {
		open = false
		if b.n > 0 {
			*perRow = max(b.dlen/b.n, 1)
		}
		if !emit(b.finish()) {
			return false, nil
		}
	}
	if done != rows {
		return false, fmt.Errorf("column chunk ended after %d of %d rows", done, rows)
	}
	return true, nil
}

var errCorruptPage = errors.New("corrupt Parquet page")

// readDictionary keeps a PLAIN-encoded dictionary page's values.
func (sc *stringChunk) readDictionary(pg file.Page) error {
	data := pg.Data()
	n := int(pg.NumValues())
	enc := parquet.Encoding(pg.Encoding())
	if enc != parquet.Encodings.Plain && enc != parquet.Encodings.PlainDict {
		return fmt.Errorf("dictionary page encoded as %s", enc)
	}
	if n < 0 || n > len(data)/4 {
		return errCorruptPage
	}
	sc.doff = slices.Grow(sc.doff[:0], n+1)[:n+1]
	// The values are copied without their length prefixes: at most
	// len(data) bytes.
	sc.dict = slices.Grow(sc.dict[:0], len(data)+dictPad)[:0]
	sc.doff[0] = 0
	p := 0
	for i := range n {
		if p+4 > len(data) {
			return errCorruptPage
		}
		l := int(binary.LittleEndian.Uint32(data[p:]))
		p += 4
		if l > len(data)-p {
			return errCorruptPage
		}
		sc.dict = append(sc.dict, data[p:p+l]...)
		p += l
		sc.doff[i+1] = int32(len(sc.dict))
	}
	sc.dict = append(sc.dict, make([]byte, dictPad)...)
	return nil
}

// readDataPage decodes a data page's definition levels and values (as
// dictionary indices or plain values) and returns its number of levels.
func (sc *stringChunk) readDataPage(pg file.Page) (int, error) {
	data := pg.Data()
	n := int(pg.NumValues())
	if n < 0 {
		return 0, errCorruptPage
	}
	nonNull := n
	sc.defs = sc.defs[:0]
	if sc.fl.maxDef > 0 {
		var lv []byte
		switch p := pg.(type) {
		case *file.DataPageV1:
			if p.DefinitionLevelEncoding() != parquet.Encodings.RLE {
				return 0, fmt.Errorf("definition levels encoded as %s", p.DefinitionLevelEncoding())
			}
			if len(data) < 4 {
				return 0, errCorruptPage
			}
			l := int(binary.LittleEndian.Uint32(data))
			if l > len(data)-4 {
				return 0, errCorruptPage
			}
			lv, data = data[4:4+l], data[4+l:]
		case *file.DataPageV2:
			l, r := int(p.DefinitionLevelByteLen()), int(p.RepetitionLevelByteLen())
			if r != 0 || l < 0 || l > len(data) {
				return 0, errCorruptPage
			}
			lv, data = data[:l], data[l:]
		default:
			return 0, fmt.Errorf("unexpected page %T", pg)
		}
		sc.defs = slices.Grow(sc.defs, n)[:n]
		if err := decodeLevels(lv, sc.defs); err != nil {
			return 0, err
		}
		nonNull = 0
		for _, d := range sc.defs {
			if d == 1 {
				nonNull++
			}
		}
	} else if p, ok := pg.(*file.DataPageV2); ok && (p.DefinitionLevelByteLen() != 0 || p.RepetitionLevelByteLen() != 0) {
		return 0, errCorruptPage
	}
	sc.plain = sc.plain[:0]
	sc.idx = sc.idx[:0]
	switch enc := parquet.Encoding(pg.Encoding()); enc {
	case parquet.Encodings.RLEDict, parquet.Encodings.PlainDict:
		if sc.doff == nil {
			return 0, fmt.Errorf("dictionary-encoded page without a dictionary")
		}
		if len(data) < 1 {
			if nonNull == 0 {
				return n, nil
			}
			return 0, errCorruptPage
		}
		width := int(data[0])
		if width > 32 {
			return 0, errCorruptPage
		}
		sc.idx = slices.Grow(sc.idx, nonNull)[:nonNull]
		if err := decodeHybrid(data[1:], width, sc.idx); err != nil {
			return 0, err
		}
		limit := uint32(len(sc.doff) - 1)
		for _, j := range sc.idx {
			if uint32(j) >= limit {
				return 0, fmt.Errorf("dictionary index %d out of range (%d values)", j, limit)
			}
		}
	case parquet.Encodings.Plain:
		p := 0
		for range nonNull {
			if p+4 > len(data) {
				return 0, errCorruptPage
			}
			l := int(binary.LittleEndian.Uint32(data[p:]))
			p += 4
			if l > len(data)-p {
				return 0, errCorruptPage
			}
			sc.plain = append(sc.plain, data[p:p+l])
			p += l
		}
	default:
		return 0, fmt.Errorf("data page encoded as %s", enc)
	}
	return n, nil
}

// appendTo appends levels [lo, hi) of the current page to b, starting at
// value v; it returns the next value.
func (sc *stringChunk) appendTo(b *colBuilder, lo, hi, v int) (int, error) {
	cnt := hi - lo // values, when there are no nulls
	dict := len(sc.idx) > 0
	if len(sc.defs) == 0 {
		if dict {
			if err := b.appendDict(sc.dict, sc.doff, sc.idx[v:v+cnt]); err != nil {
				return 0, err
			}
		} else {
			for _, s := range sc.plain[v : v+cnt] {
				if err := b.appendPadded(s); err != nil {
					return 0, err
				}
			}
		}
		return v + cnt, nil
	}
	// Runs of values between the nulls.
	defs := sc.defs[:hi]
	for k := lo; k < hi; {
		if defs[k] == 0 {
			b.appendNull()
			k++
			continue
		}
		e := k + 1
		for e < hi && defs[e] != 0 {
			e++
		}
		if dict {
			if err := b.appendDict(sc.dict, sc.doff, sc.idx[v:v+e-k]); err != nil {
				return 0, err
			}
		} else {
			for _, s := range sc.plain[v : v+e-k] {
				if err := b.appendPadded(s); err != nil {
					return 0, err
				}
			}
		}
		v += e - k
		k = e
	}
	return v, nil
}

// decodeLevels decodes n (= len(out)) definition levels of a column whose
// maximum level is 1 from RLE/bit-packed hybrid data of bit width 1.
func decodeLevels(data []byte, out []uint8) error {
	i := 0
	for i < len(out) {
		h, k := binary.Uvarint(data)
		if k <= 0 {
			return errCorruptPage
		}
		data = data[k:]
		if h&1 == 0 { // RLE run
			cnt := int(min(h>>1, uint64(len(out)-i)))
			if len(data) < 1 || data[0] > 1 {
				return errCorruptPage
			}
			v := data[0]
			data = data[1:]
			for j := range cnt {
				out[i+j] = v
			}
			i += cnt
			continue
		}
		groups := h >> 1
		if groups > uint64(len(data)) {
			return errCorruptPage
		}
		for _, by := range data[:groups] {
			for bit := 0; bit < 8 && i < len(out); bit++ {
				out[i] = (by >> bit) & 1
				i++
			}
		}
		data = data[groups:]
	}
	return nil
}

// decodeHybrid decodes len(out) values of the given bit width from
// RLE/bit-packed hybrid data.
func decodeHybrid(data []byte, width int, out []int32) error {
	mask := uint64(1)<<width - 1
	vb := (width + 7) / 8
	var tail [16]byte
	i := 0
	for i < len(out) {
		h, k := binary.Uvarint(data)
		if k <= 0 {
			return errCorruptPage
		}
		data = data[k:]
		if h&1 == 0 { // RLE run of one value
			cnt := int(min(h>>1, uint64(len(out)-i)))
			if len(data) < vb {
				return errCorruptPage
			}
			var v uint32
			for j := range vb {
				v |= uint32(data[j]) << (8 * j)
			}
			data = data[vb:]
			if uint64(v) > math.MaxInt32 {
				return errCorruptPage
			}
			for j := range cnt {
				out[i+j] = int32(v)
			}
			i += cnt
			continue
		}
		// Bit-packed groups of 8 values, LSB first.
		groups := h >> 1
		if width > 0 && groups > uint64(len(data)) {
			return errCorruptPage // a group takes width bytes
		}
		nbytes := groups * uint64(width)
		if nbytes > uint64(len(data)) {
			return errCorruptPage
		}
		run := data[:nbytes]
		data = data[nbytes:]
		cnt := int(min(groups*8, uint64(len(out)-i)))
		// Values whose 8-byte load stays inside run are read in place; the
		// last few through a zero-padded copy.
		safe := 0
		if len(run) >= 8 && width > 0 {
			safe = min(cnt, ((len(run)-8)*8)/width+1)
		}
		for j := range safe {
			p := j * width
			out[i+j] = int32((binary.LittleEndian.Uint64(run[p>>3:]) >> (p & 7)) & mask)
		}
		for j := safe; j < cnt; j++ {
			p := j * width
			n := copy(tail[:], run[p>>3:])
			clear(tail[n:])
			out[i+j] = int32((binary.LittleEndian.Uint64(tail[:]) >> (p & 7)) & mask)
		}
		i += cnt
	}
	return nil
}

// reserveData makes room for n more bytes of string data.
func (c *colBuilder) reserveData(n int) error {
	end := c.dlen + n
	if end <= len(c.db) {
		return nil
	}
	if end > math.MaxInt32 {
		return fmt.Errorf("more than 2 GiB of text in one batch (lower batch_rows)")
	}
	c.data.ResizeNoShrink(c.dlen)
	c.data.Reserve(max(2*len(c.db), end))
	c.db = c.data.Buf()
	return nil
}

// appendDict appends the dictionary values at idx (dict padded with
// dictPad bytes); b must have room for len(idx) more rows. The data
// buffer grows as needed, keeping dictPad bytes of slack.
func (c *colBuilder) appendDict(dict []byte, doff []int32, idx []int32) error {
	db, pos := c.db, c.dlen
	off := c.off[c.n+1 : c.n+1+len(idx)]
	for k, j := range idx {
		s, e := int(doff[j]), int(doff[j+1])
		l := e - s
		if pos+l+dictPad > len(db) {
			c.dlen = pos
			if err := c.reserveData(l + dictPad); err != nil {
				return err
			}
			db = c.db
		}
		if l <= dictPad {
			w, d := dict[s:s+dictPad], db[pos:pos+dictPad]
			binary.LittleEndian.PutUint64(d[0:], binary.LittleEndian.Uint64(w[0:]))
			binary.LittleEndian.PutUint64(d[8:], binary.LittleEndian.Uint64(w[8:]))
			binary.LittleEndian.PutUint64(d[16:], binary.LittleEndian.Uint64(w[16:]))
			binary.LittleEndian.PutUint64(d[24:], binary.LittleEndian.Uint64(w[24:]))
			pos += l
		} else {
			pos += copy(db[pos:pos+l], dict[s:e])
		}
		off[k] = int32(pos)
	}
	c.dlen = pos
	c.n += len(idx)
	return nil
}

// appendPadded appends s, which must be followed in its backing array by
// at least dictPad readable bytes (or be longer than dictPad). The data
// buffer grows as needed, keeping dictPad bytes of slack.
func (c *colBuilder) appendPadded(s []byte) error {
	if c.n == c.cap {
		c.full()
	}
	if err := c.reserveData(len(s) + dictPad); err != nil {
		return err
	}
	end := c.dlen + len(s)
	if len(s) <= dictPad && cap(s) >= dictPad {
		d, w := c.db[c.dlen:c.dlen+dictPad], s[:dictPad]
		binary.LittleEndian.PutUint64(d[0:], binary.LittleEndian.Uint64(w[0:]))
		binary.LittleEndian.PutUint64(d[8:], binary.LittleEndian.Uint64(w[8:]))
		binary.LittleEndian.PutUint64(d[16:], binary.LittleEndian.Uint64(w[16:]))
		binary.LittleEndian.PutUint64(d[24:], binary.LittleEndian.Uint64(w[24:]))
	} else {
		copy(c.db[c.dlen:end], s)
	}
	c.dlen = end
	c.off[c.n+1] = int32(end)
	c.n++
	return nil
}
