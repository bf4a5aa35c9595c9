// Package dataio holds the step types that move data in and out of a
// run: io.read and io.write, over CSV, Parquet, Arrow IPC (Feather v2)
// and JSON Lines. The formats themselves live in package fileformat.
package dataio
