//go:build !linux

package hclust

// adviseHugePages is a no-op outside Linux.
func adviseHugePages([]float64) {}
