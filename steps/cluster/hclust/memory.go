package hclust

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"sync"
)

// fallbackMaxMemory is the budget used when /proc/meminfo cannot be read.
const fallbackMaxMemory = 4 << 30

var (
	defaultMemOnce sync.Once
	defaultMem     int64
)

// DefaultMaxMemory returns the default budget for the distance matrix: a
// quarter of MemTotal in /proc/meminfo, or 4 GiB when that is unavailable.
func DefaultMaxMemory() int64 {
	defaultMemOnce.Do(func() {
		defaultMem = fallbackMaxMemory
		if total, ok := memTotal("/proc/meminfo"); ok {
			defaultMem = total / 4
		}
	})
	return defaultMem
}

// memTotal reads the MemTotal line (in kB) of a meminfo file.
func memTotal(path string) (int64, bool) {
	f, err := os.Open(path)
	if err != nil {
		return 0, false
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		rest, ok := strings.CutPrefix(s.Text(), "MemTotal:")
		if !ok {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) == 0 {
			return 0, false
		}
		kb, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil || kb <= 0 {
			return 0, false
		}
		return kb * 1024, true
	}
	return 0, false
}
