//go:build race

package synth

// raceEnabled reports whether the tests run under the race detector.
const raceEnabled = true
