package fileformat

//go:generate go run gen_unpack.go

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"unsafe"

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

// chunkDecodable reports whether readChunk can decode the column chunk.
func chunkDecodable(rgr *file.RowGroupReader, leaf int) bool {
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
	dict  dictStrings // the chunk's dictionary; dict.ent nil before its page
	defs  []uint8     // definition levels of the current page
	dictp bool        // the current page is dictionary-encoded
	hy    hybrid      // its indices
	plain [][]byte
}

// pageDecoder decodes one column chunk's pages for readChunk.
type pageDecoder interface {
	// readDictionary keeps a dictionary page's values.
	readDictionary(pg file.Page) error
	// readDataPage decodes a data page and returns its number of levels
	// (rows).
	readDataPage(pg file.Page) (int, error)
	// appendTo appends levels [lo, hi) of the current page to b, starting
	// at value v, and returns the next value.
	appendTo(b *colBuilder, lo, hi, v int) (int, error)
}

// readChunk decodes a row group's chunk of a flat column page by page with
// dec into arrays of at most batch rows, which it hands to emit. It
// returns false when emit asked to stop. perRow carries the string bytes
// per row from array to array, to size the next data buffer.
func readChunk(ctx context.Context, rgr *file.RowGroupReader, fl fastLeaf, dec pageDecoder, batch int64, mem memory.Allocator, perRow *int, emit func(arrow.Array) bool) (bool, error) {
	pr, err := rgr.GetColumnPageReader(fl.leaf)
	if err != nil {
		return false, err
	}
	defer pr.Close()
	rows := rgr.NumRows()
	var b colBuilder
	open := false
	var done int64 // rows emitted or in b
	defer func() {
		if open {
			b.release()
		}
	}()
	learn := func() {
		if fl.kind == kString && b.n > 0 {
			*perRow = max(b.dlen/b.n, 1)
		}
	}
	for pr.Next() {
		if err := ctx.Err(); err != nil {
			return false, err
		}
		pg := pr.Page() // owned by pr: released by the next Next or Close
		var n int
		var perr error
		switch pg.Type() {
		case file.PageTypeDictionaryPage:
			perr = dec.readDictionary(pg)
			if sc, ok := dec.(*stringChunk); ok && perr == nil && *perRow == 0 && len(sc.dict.ent) > 0 {
				// No array read yet: the dictionary's mean value length is
				// the best first guess.
				*perRow = max((len(sc.dict.data)-dictPad)/len(sc.dict.ent), 1)
			}
		case file.PageTypeDataPage, file.PageTypeDataPageV2:
			n, perr = dec.readDataPage(pg)
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
				hint := 0
				if fl.kind == kString {
					hint = m*guessPerRow(*perRow)*9/8 + dictPad
				}
				b.init(mem, fl.kind, m, hint)
				open = true
			}
			take := min(n-k, b.cap-b.n)
			var err error
			v, err = dec.appendTo(&b, k, k+take, v)
			if err != nil {
				return false, err
			}
			k += take
			done += int64(take)
			if b.n == b.cap {
				learn()
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
		learn()
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

// errTooMuchText is the error for a batch whose strings pass Arrow's 32-bit
// offsets.
var errTooMuchText = errors.New("more than 2 GiB of text in one batch (lower batch_rows)")

// guessPerRow is the string bytes per row to size a data buffer for:
// perRow once learnt, 16 before.
func guessPerRow(perRow int) int {
	if perRow <= 0 {
		return 16
	}
	return perRow
}

// pageLevels splits a data page into its definition levels, decoded into
// defs (grown as needed; empty for a required column and for a page
// without nulls, the common case, which is never decoded), and its
// values' bytes, and counts the non-null values.
func pageLevels(pg file.Page, maxDef int16, defs []uint8) (data []byte, _ []uint8, nonNull int, err error) {
	data = pg.Data()
	n := int(pg.NumValues())
	if n < 0 {
		return nil, nil, 0, errCorruptPage
	}
	defs = defs[:0]
	if maxDef == 0 {
		if p, ok := pg.(*file.DataPageV2); ok && (p.DefinitionLevelByteLen() != 0 || p.RepetitionLevelByteLen() != 0) {
			return nil, nil, 0, errCorruptPage
		}
		return data, defs, n, nil
	}
	var lv []byte
	switch p := pg.(type) {
	case *file.DataPageV1:
		if p.DefinitionLevelEncoding() != parquet.Encodings.RLE {
			return nil, nil, 0, fmt.Errorf("definition levels encoded as %s", p.DefinitionLevelEncoding())
		}
		if len(data) < 4 {
			return nil, nil, 0, errCorruptPage
		}
		l := int(binary.LittleEndian.Uint32(data))
		if l > len(data)-4 {
			return nil, nil, 0, errCorruptPage
		}
		lv, data = data[4:4+l], data[4+l:]
	case *file.DataPageV2:
		l, r := int(p.DefinitionLevelByteLen()), int(p.RepetitionLevelByteLen())
		if r != 0 || l < 0 || l > len(data) {
			return nil, nil, 0, errCorruptPage
		}
		lv, data = data[:l], data[l:]
	default:
		return nil, nil, 0, fmt.Errorf("unexpected page %T", pg)
	}
	nonNull, err = countLevels(lv, n)
	if err != nil {
		return nil, nil, 0, err
	}
	if nonNull == n { // no nulls: no levels needed
		return data, defs, n, nil
	}
	defs = slices.Grow(defs, n)[:n]
	if err := decodeLevels(lv, defs); err != nil {
		return nil, nil, 0, err
	}
	return data, defs, nonNull, nil
}

// countLevels counts the defined values (level 1) among the n definition
// levels in data (as decodeLevels reads them) from the runs' headers and
// bytes, without decoding the levels.
func countLevels(data []byte, n int) (int, error) {
	ones := 0
	for i := 0; i < n; {
		h, k := binary.Uvarint(data)
		if k <= 0 {
			return 0, errCorruptPage
		}
		data = data[k:]
		if h&1 == 0 { // RLE run
			cnt := int(min(h>>1, uint64(n-i)))
			if len(data) < 1 || data[0] > 1 {
				return 0, errCorruptPage
			}
			ones += cnt * int(data[0])
			data = data[1:]
			i += cnt
			continue
		}
		groups := h >> 1
		if groups > uint64(len(data)) {
			return 0, errCorruptPage
		}
		g := data[:groups]
		// Only the levels before n count: mask the group that holds
		// the n-th, and ignore any after it.
		if rest := n - i; uint64(rest) < 8*groups {
			g = g[:(rest+7)/8]
			last := g[len(g)-1] & byte(1<<(rest-8*(len(g)-1))-1)
			ones += bits.OnesCount8(last)
			g = g[:len(g)-1]
			i = n
		} else {
			i += int(8 * groups)
		}
		for _, by := range g {
			ones += bits.OnesCount8(by)
		}
		data = data[groups:]
	}
	return ones, nil
}

// dictStrings is a string column chunk's dictionary, laid out for
// appendDict.
type dictStrings struct {
	data   []byte   // the values back to back, then dictPad bytes
	ent    []uint64 // value i is data[ent[i]&0xffffffff:][:ent[i]>>32]
	maxLen int      // the longest value's length
}

// readDictionary keeps a PLAIN-encoded dictionary page's values.
func (sc *stringChunk) readDictionary(pg file.Page) error {
	enc := parquet.Encoding(pg.Encoding())
	if enc != parquet.Encodings.Plain && enc != parquet.Encodings.PlainDict {
		return fmt.Errorf("dictionary page encoded as %s", enc)
	}
	return sc.dict.read(pg.Data(), int(pg.NumValues()))
}

// read keeps the n PLAIN-encoded values in data (each a 4-byte length and
// its bytes). Every entry it makes lies within data before the padding,
// which appendDict relies on.
func (d *dictStrings) read(data []byte, n int) error {
	if n < 0 || n > len(data)/4 {
		return errCorruptPage
	}
	d.ent = slices.Grow(d.ent[:0], n)[:n]
	// The values are copied without their length prefixes: at most
	// len(data) bytes, which fits the entries' 32-bit offsets (a page is
	// under 2 GiB).
	d.data = slices.Grow(d.data[:0], len(data)+dictPad)[:0]
	d.maxLen = 0
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
		d.ent[i] = uint64(len(d.data)) | uint64(l)<<32
		d.maxLen = max(d.maxLen, l)
		d.data = append(d.data, data[p:p+l]...)
		p += l
	}
	d.data = append(d.data, make([]byte, dictPad)...)
	return nil
}

// readDataPage decodes a data page's definition levels and values (as
// dictionary indices or plain values) and returns its number of levels.
func (sc *stringChunk) readDataPage(pg file.Page) (int, error) {
	n := int(pg.NumValues())
	data, defs, nonNull, err := pageLevels(pg, sc.fl.maxDef, sc.defs)
	if err != nil {
		return 0, err
	}
	sc.defs = defs
	sc.plain = sc.plain[:0]
	sc.dictp = false
	switch enc := parquet.Encoding(pg.Encoding()); enc {
	case parquet.Encodings.RLEDict, parquet.Encodings.PlainDict:
		if sc.dict.ent == nil {
			return 0, fmt.Errorf("dictionary-encoded page without a dictionary")
		}
		if err := startIndices(&sc.hy, data, nonNull, len(sc.dict.ent)); err != nil {
			return 0, err
		}
		sc.dictp = true
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
	if len(sc.defs) == 0 {
		return v + hi - lo, sc.put(b, v, hi-lo)
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
		if err := sc.put(b, v, e-k); err != nil {
			return 0, err
		}
		v += e - k
		k = e
	}
	return v, nil
}

// put appends the current page's values [v, v+cnt) to b, which has room.
func (sc *stringChunk) put(b *colBuilder, v, cnt int) error {
	if !sc.dictp {
		for _, s := range sc.plain[v : v+cnt] {
			if err := b.appendPadded(s); err != nil {
				return err
			}
		}
		return nil
	}
	for cnt > 0 {
		idx, run, j, m, err := sc.hy.next(cnt)
		if err != nil {
			return err
		}
		if run {
			err = b.appendDictRun(&sc.dict, j, m)
		} else {
			err = b.appendDict(&sc.dict, idx)
		}
		if err != nil {
			return err
		}
		cnt -= m
	}
	return nil
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

// reserveData makes room for n more bytes of string data.
func (c *colBuilder) reserveData(n int) error {
	end := c.dlen + n
	if end <= len(c.db) {
		return nil
	}
	if end > math.MaxInt32 {
		return errTooMuchText
	}
	c.data.ResizeNoShrink(c.dlen)
	c.data.Reserve(max(2*len(c.db), end))
	c.db = c.data.Buf()
	return nil
}

// reserveData64 is reserveData for a count that may not fit an int (on
// 32-bit platforms).
func (c *colBuilder) reserveData64(n int64) error {
	if n > math.MaxInt32 {
		return errTooMuchText
	}
	return c.reserveData(int(n))
}

// appendDict appends the dictionary values at idx, which must all be
// below len(d.ent); b must have room for len(idx) more rows. The data
// buffer is grown once up front, keeping dictPad bytes of slack, so that
// every value moves as whole 16- or 32-byte blocks and the loop makes no
// calls and no checks beyond the index's.
func (c *colBuilder) appendDict(d *dictStrings, idx []int32) error {
	if room := len(c.db) - c.dlen - dictPad; len(idx) > 0 && d.maxLen > room/len(idx) {
		// The bound does not fit: reserve what the values take.
		var total int64
		for _, j := range idx {
			total += int64(d.ent[j] >> 32)
		}
		if err := c.reserveData64(total + dictPad); err != nil {
			return err
		}
	}
	pos := c.dlen
	// In bounds: every entry lies within d.data before its dictPad bytes
	// of padding (dictStrings.read), so blocks of up to dictPad bytes from
	// a value's start stay within d.data; the output's blocks stay within
	// the dictPad bytes of slack reserved past the values.
	dp, op := unsafe.Pointer(unsafe.SliceData(d.data)), unsafe.Pointer(unsafe.SliceData(c.db))
	off := c.off[c.n+1 : c.n+1+len(idx)]
	if d.maxLen <= 16 {
		for k, j := range idx {
			e := d.ent[j]
			move16(unsafe.Add(op, pos), unsafe.Add(dp, uint32(e)))
			pos += int(e >> 32)
			off[k] = int32(pos)
		}
	} else {
		for k, j := range idx {
			e := d.ent[j]
			s, l := int(uint32(e)), int(e>>32)
			move32(unsafe.Add(op, pos), unsafe.Add(dp, s))
			for t := 32; t < l; t += 32 {
				move32(unsafe.Add(op, pos+t), unsafe.Add(dp, s+t))
			}
			pos += l
			off[k] = int32(pos)
		}
	}
	c.dlen = pos
	c.n += len(idx)
	return nil
}

// appendDictRun appends dictionary value j (below len(d.ent)) n times,
// as appendDict would for n copies of j.
func (c *colBuilder) appendDictRun(d *dictStrings, j int32, n int) error {
	e := d.ent[j]
	s, l := int(uint32(e)), int(e>>32)
	if err := c.reserveData64(int64(n)*int64(l) + dictPad); err != nil {
		return err
	}
	pos := c.dlen
	// In bounds as in appendDict.
	src, op := unsafe.Add(unsafe.Pointer(unsafe.SliceData(d.data)), s), unsafe.Pointer(unsafe.SliceData(c.db))
	off := c.off[c.n+1 : c.n+1+n]
	if l <= 16 {
		for k := range off {
			move16(unsafe.Add(op, pos), src)
			pos += l
			off[k] = int32(pos)
		}
	} else {
		for k := range off {
			for t := 0; t < l; t += 32 {
				move32(unsafe.Add(op, pos+t), unsafe.Add(src, t))
			}
			pos += l
			off[k] = int32(pos)
		}
	}
	c.dlen = pos
	c.n += n
	return nil
}

// move16 copies 16 bytes from src to dst; both must have 16 bytes in
// bounds.
func move16(dst, src unsafe.Pointer) {
	*(*[16]byte)(dst) = *(*[16]byte)(src)
}

// move32 copies 32 bytes from src to dst, as two 16-byte moves (a
// 32-byte array copy would be a call to memmove). Both must have 32 bytes
// in bounds.
func move32(dst, src unsafe.Pointer) {
	*(*[16]byte)(dst) = *(*[16]byte)(src)
	*(*[16]byte)(unsafe.Add(dst, 16)) = *(*[16]byte)(unsafe.Add(src, 16))
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
		d, w := c.db[c.dlen:c.dlen+dictPad], s[:dictPad] // both checked to hold 32 bytes
		move32(unsafe.Pointer(unsafe.SliceData(d)), unsafe.Pointer(unsafe.SliceData(w)))
	} else {
		copy(c.db[c.dlen:end], s)
	}
	c.dlen = end
	c.off[c.n+1] = int32(end)
	c.n++
	return nil
}
