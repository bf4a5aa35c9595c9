package fileformat

import (
	"bytes"
	"io"
	"sync"
)

// readBlock is how much the chunker asks its reader for at a time.
const readBlock = 1 << 20

// chunker cuts a byte stream into chunks of whole records without parsing
// fields. With quotes set it tracks RFC 4180 quoting by quote parity
// (every quote toggles the state; a doubled quote toggles twice), so a
// newline inside a quoted field never ends a chunk. Every chunk but the
// last ends with a newline; a chunk holds at most maxRows newlines outside
// quotes, hence at most maxRows records. Cut points depend only on the
// bytes and maxRows, never on timing, so chunks (and the batches parsed
// from them) are the same on every run.
//
// Parity is exact for valid CSV. In an invalid file (a bare quote in an
// unquoted field) the cut points after the first invalid quote may be
// wrong, but the chunk holding that quote starts at a true record boundary
// and the field parser reports the quote there first.
type chunker struct {
	r       io.Reader
	quotes  bool
	maxRows int

	buf        []byte // bytes of the next chunk (and beyond)
	scanned    int    // buf[:scanned] has been scanned
	rows       int    // newlines outside quotes in buf[:scanned]
	inQuote    bool
	eof        bool
	started    bool
	last       int         // size of the last chunk, to size the next buffer
	free       chan []byte // buffers handed back by parsers
	emitted    int64       // bytes emitted so far
	bom        bool        // strip a UTF-8 byte order mark
	bomSkipped bool
	mapped     []byte // whole input (after any BOM) when it is in memory
	readSize   int    // bytes asked of r at a time (readBlock; tests lower it)
}

func newChunker(r io.Reader, quotes bool, maxRows int) *chunker {
	return &chunker{r: r, quotes: quotes, maxRows: maxRows, bom: true, free: make(chan []byte, 8), readSize: readBlock}
}

// newChunkerBytes cuts data, which holds the whole input (for example a
// memory-mapped file). Its chunks are slices of data: nothing is copied.
func newChunkerBytes(data []byte, quotes bool, maxRows int) *chunker {
	c := &chunker{quotes: quotes, maxRows: maxRows, eof: true, started: true}
	if bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) {
		data = data[3:]
		c.bomSkipped = true
	}
	c.mapped, c.buf = data, data
	return c
}

// bufPool keeps chunk buffers between reads, so repeated reads reuse warm
// memory instead of fresh (zeroed, page-faulting) allocations.
var bufPool sync.Pool

// recycle hands a chunk's buffer back for reuse once it has been parsed.
func (c *chunker) recycle(b []byte) {
	if c.mapped != nil || cap(b) == 0 {
		return
	}
	select {
	case c.free <- b[:0]:
	default:
		b = b[:0]
		bufPool.Put(&b)
	}
}

// release returns the chunker's spare buffers to the pool.
func (c *chunker) release() {
	for {
		select {
		case b := <-c.free:
			bufPool.Put(&b)
		default:
			return
		}
	}
}

func (c *chunker) newBuf(size int) []byte {
	// Round up so that buffers of neighbouring chunks can be reused.
	const unit = 1 << 22
	size = (size + unit - 1) / unit * unit
	for {
		select {
		case b := <-c.free:
			if cap(b) >= size {
				return b
			}
			bufPool.Put(&b)
			continue
		default:
		}
		break
	}
	if p, ok := bufPool.Get().(*[]byte); ok && cap(*p) >= size {
		return (*p)[:0]
	}
	return make([]byte, 0, size)
}

// next returns the next chunk and an upper bound on its records (its
// newlines outside quotes, plus one for a last line without a newline). It returns io.EOF after the
// last chunk.
func (c *chunker) next() ([]byte, int, error) {
	for {
		if !c.started && (len(c.buf) >= 3 || c.eof) {
			c.started = true
			if c.bom && bytes.HasPrefix(c.buf, []byte("\xef\xbb\xbf")) {
				c.buf = c.buf[3:]
				c.bomSkipped = true
			}
		}
		if c.started {
			if cut := c.scan(); cut > 0 {
				return c.emit(cut)
			}
			if c.eof {
				if len(c.buf) == 0 {
					return nil, 0, io.EOF
				}
				c.rows++
				return c.emit(len(c.buf))
			}
		}
		if err := c.fill(); err != nil {
			return nil, 0, err
		}
	}
}

func (c *chunker) fill() error {
	if cap(c.buf)-len(c.buf) < c.readSize {
		nb := c.newBuf(max(2*cap(c.buf), len(c.buf)+c.readSize, c.last+c.readSize))
		nb = append(nb[:0], c.buf...)
		c.buf = nb
	}
	n, err := c.r.Read(c.buf[len(c.buf) : len(c.buf)+c.readSize])
	c.buf = c.buf[:len(c.buf)+n]
	if err == io.EOF {
		c.eof = true
		return nil
	}
	return err
}

func (c *chunker) emit(cut int) ([]byte, int, error) {
	data := c.buf[:cut]
	rows := c.rows
	if c.mapped != nil {
		data = data[:cut:cut]
		c.buf = c.buf[cut:]
		c.scanned, c.rows, c.inQuote = 0, 0, false
		c.emitted += int64(cut)
		return data, rows, nil
	}
	rest := c.buf[cut:]
	c.last = cut
	nb := c.newBuf(max(len(rest)+c.readSize, cut+cut/8+c.readSize))
	c.buf = append(nb[:0], rest...)
	c.scanned, c.rows, c.inQuote = 0, 0, false
	c.emitted += int64(cut)
	return data, rows, nil
}

// scan continues scanning buf and returns the end of the chunk (just past
// its maxRows-th newline outside quotes), or 0 if more bytes are needed.
func (c *chunker) scan() int {
	end, n, done := scanRows(c.buf[c.scanned:], c.quotes, &c.inQuote, c.maxRows-c.rows)
	if done {
		c.rows = c.maxRows
		return c.scanned + end
	}
	c.rows += n
	c.scanned = len(c.buf)
	return 0
}

// scanRows looks for the need-th newline outside quotes in b, starting in
// the quote state *inQuote. When found it returns the offset just past it
// and done; otherwise the number of newlines outside quotes in b, with
// *inQuote updated to the state at the end of b.
func scanRows(b []byte, quotes bool, inQuote *bool, need int) (end, n int, done bool) {
	i := 0
	for i < len(b) {
		if *inQuote {
			q := bytes.IndexByte(b[i:], '"')
			if q < 0 {
				return 0, n, false
			}
			i += q + 1
			*inQuote = false
			continue
		}
		seg := b[i:]
		q := -1
		if quotes {
			if q = bytes.IndexByte(seg, '"'); q >= 0 {
				seg = seg[:q]
			}
		}
		if k := bytes.Count(seg, []byte{'\n'}); k >= need-n {
			// Skip whole blocks by counting, then step through the last.
			p := 0
			const block = 4096
			for len(seg)-p > block {
				c := bytes.Count(seg[p:p+block], []byte{'\n'})
				if n+c >= need {
					break
				}
				n += c
				p += block
			}
			for ; n < need; n++ {
				p += bytes.IndexByte(seg[p:], '\n') + 1
			}
			return i + p, n, true
		} else {
			n += k
		}
		i += len(seg)
		if q >= 0 {
			i++
			*inQuote = true
		}
	}
	return 0, n, false
}

// unread pushes data (the chunk just returned by next) back in front of
// the unread bytes, so the next call returns it again (within a larger
// chunk when maxRows allows).
func (c *chunker) unread(data []byte) {
	if c.mapped != nil {
		c.emitted -= int64(len(data))
		c.buf = c.mapped[c.emitted:]
		c.scanned, c.rows, c.inQuote = 0, 0, false
		return
	}
	nb := make([]byte, 0, len(data)+len(c.buf)+c.readSize)
	nb = append(nb, data...)
	c.buf = append(nb, c.buf...)
	c.scanned, c.rows, c.inQuote = 0, 0, false
	c.emitted -= int64(len(data))
}

// consumed returns the number of bytes of the underlying stream that the
// chunks returned so far span (including a skipped byte order mark).
func (c *chunker) consumed() int64 {
	if c.bomSkipped {
		return c.emitted + 3
	}
	return c.emitted
}

// atEOF reports whether every byte of the stream has been returned.
func (c *chunker) atEOF() bool { return c.eof && len(c.buf) == 0 }
