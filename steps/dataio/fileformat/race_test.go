//go:build race

package fileformat

// raceEnabled is true under the race detector, which makes the 48 MB
// real-data read too slow for the unit tests.
const raceEnabled = true
