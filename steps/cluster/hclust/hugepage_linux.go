package hclust

import (
	"syscall"
	"unsafe"
)

// adviseHugePages asks Linux to back the whole 2 MiB pages inside b with
// transparent huge pages (madvise MADV_HUGEPAGE). The condensed distance
// matrix is read a column at a time, one page per element with 4 KiB pages;
// huge pages spare most TLB misses and page faults. It is only a hint: errors
// are ignored and the contents of b are unchanged.
func adviseHugePages(b []float64) {
	const huge = 2 << 20
	if len(b)*8 < 2*huge {
		return
	}
	p := uintptr(unsafe.Pointer(&b[0]))
	skip := (huge - p%huge) % huge
	size := (uintptr(len(b))*8 - skip) &^ (huge - 1)
	mem := unsafe.Slice((*byte)(unsafe.Add(unsafe.Pointer(&b[0]), skip)), size)
	_ = syscall.Madvise(mem, 14) // MADV_HUGEPAGE
}
