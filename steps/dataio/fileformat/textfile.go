package fileformat

import (
	"fmt"
	"io"
	"os"

	"github.com/klauspost/compress/gzip"
)

// textFile is an opened CSV or JSON Lines file, decompressed if it is
// gzip (recognised by its magic bytes, whatever the extension).
type textFile struct {
	f    *os.File
	gz   *gzip.Reader
	size int64 // size on disk
}

func openText(path string) (*textFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	t := &textFile{f: f, size: st.Size()}
	var magic [2]byte
	if n, _ := f.ReadAt(magic[:], 0); n == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		if t.gz, err = gzip.NewReader(f); err != nil {
			f.Close()
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
	}
	return t, nil
}

// chunks returns a chunker over the file's (decompressed) bytes.
//
// The file is read, not memory-mapped: on the machines measured, copying
// from the page cache into warm, pooled buffers was as fast as touching a
// fresh mapping, and a file truncated while mapped would crash the
// process instead of failing the read.
func (t *textFile) chunks(quotes bool, maxRows int) *chunker {
	return newChunker(t, quotes, maxRows)
}

// Read reads decompressed bytes.
func (t *textFile) Read(p []byte) (int, error) {
	if t.gz != nil {
		return t.gz.Read(p)
	}
	return t.f.Read(p)
}

// Close closes the file.
func (t *textFile) Close() error {
	if t.gz != nil {
		t.gz.Close()
	}
	return t.f.Close()
}

// compressed reports whether the file is gzip, so it cannot be sampled by
// seeking.
func (t *textFile) compressed() bool { return t.gz != nil }

var _ io.Reader = (*textFile)(nil)
