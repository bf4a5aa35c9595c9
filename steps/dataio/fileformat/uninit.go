package fileformat

import (
	"strings"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// The column builders write every byte of the buffers they hand out
// (values under nulls are zeroed by appendNull and spread, validity and
// boolean bits are set when a buffer grows, and strings' slack lies past
// the buffer's length), so zeroing those buffers first is wasted work: a
// tenth of a Parquet read's time, and on a VM where freshly faulted
// pages are expensive, more. builderMem gives the builders an allocator
// that skips it when they would otherwise get plain Go memory.
// TestReadWritesEveryByte reads through an allocator that hands out
// garbage to check the claim.

// builderMem returns the allocator a column builder uses for mem: a
// non-zeroing one in place of a Go allocator (which has no accounting
// and a no-op Free, so the swap is invisible), mem itself otherwise.
func builderMem(mem memory.Allocator) memory.Allocator {
	if _, ok := mem.(*memory.GoAllocator); ok {
		return uninitAllocator{}
	}
	return mem
}

// uninitMin is the smallest allocation uninitAllocator does not zero:
// smaller ones are cheap to zero and come from make, aligned as the Go
// allocator aligns them.
const uninitMin = 32 << 10

// uninitAllocator allocates Go memory without zeroing it first. Memory is
// reclaimed by the garbage collector, as with memory.GoAllocator.
type uninitAllocator struct{}

func (uninitAllocator) Allocate(size int) []byte {
	if size < uninitMin {
		return memory.DefaultAllocator.Allocate(size)
	}
	return uninitBytes(size)
}

func (a uninitAllocator) Reallocate(size int, b []byte) []byte {
	if size <= cap(b) {
		return b[:size]
	}
	nb := a.Allocate(size)
	copy(nb, b)
	return nb
}

func (uninitAllocator) Free([]byte) {}

// uninitBytes returns n bytes of garbage-collected memory that may hold
// old data. The standard library allocates a strings.Builder's buffer
// without zeroing it (it is only ever read after being written), and
// String returns that buffer itself; the Builder and its string are
// dropped here, so the slice is the buffer's only user.
// TestUninitBytesIsBuilderBuffer checks both properties.
func uninitBytes(n int) []byte {
	var sb strings.Builder
	sb.Grow(n)
	sb.WriteByte(0)
	return unsafe.Slice(unsafe.StringData(sb.String()), n)
}
