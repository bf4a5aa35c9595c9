// Package fileformat reads and writes the file formats aftercare handles
// (CSV, Parquet, Arrow IPC / Feather v2 and JSON Lines) as streams of
// Arrow record batches with canonical column types (workflow.Int64,
// Float64, String, Bool, Date and Timestamp): whatever a file holds is
// normalised to those six types on the way in.
//
// Detect picks the format from an explicit name or the file extension,
// ReadSchema learns a file's schema cheaply (header and sample, or
// footer), Scan streams the batches and Write writes them.
//
// CSV is read by a parallel parser of its own. The file (memory-mapped,
// or decompressed on the fly when it is gzip) is cut into chunks of at
// most BatchRows records at newlines outside quotes, found by quote
// parity; the chunks are parsed on GOMAXPROCS goroutines straight into
// Arrow buffers and delivered in file order, so the batches never depend
// on the number of CPUs. Types are inferred from a sample spread over the
// whole file; a later value that does not parse is an error naming the
// file, line, column and value.
//
// Parquet columns are decoded in parallel, one goroutine per column. Flat
// columns of the common types are decoded page by page by readChunk
// (stringChunk for strings, fixedChunk for numbers, dates and timestamps,
// hybrid for the dictionary indices); anything else goes through pqarrow.
//
// The column builders write every byte of the buffers they hand out, so
// in place of plain Go memory they take memory that is not zeroed first
// (builderMem); TestReadWritesEveryByte holds them to it.
package fileformat
