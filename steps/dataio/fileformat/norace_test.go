//go:build !race

package fileformat

const raceEnabled = false
