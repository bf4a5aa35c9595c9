package fileformat

import (
	"compress/gzip"
	"context"
	"encoding/binary"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// The benchmarks read the UCI Online Retail file (48 MB of CSV, 541,909
// rows): as plain CSV (gunzipped once), as gzip, and as the Parquet and
// Arrow files our writer makes from it. bench/csvread/run.sh compares the
// same reads with pandas.

var (
	benchOnce  sync.Once
	benchFiles map[string]string
	benchErr   error
)

func retailFiles(b *testing.B) map[string]string {
	src := filepath.Join(dataDir(b), "online_retail_uci", "online_retail.csv.gz")
	benchOnce.Do(func() {
		// A fixed folder, reused by later runs (the files depend only on
		// the source and our writer).
		dir := filepath.Join(os.TempDir(), "aftercare-fileformat-bench")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			benchErr = err
			return
		}
		benchFiles = map[string]string{"gz": src, "csv": filepath.Join(dir, "retail.csv"),
			"parquet": filepath.Join(dir, "retail.parquet"), "arrow": filepath.Join(dir, "retail.arrow")}
		in, err := os.Open(src)
		if err != nil {
			benchErr = err
			return
		}
		defer in.Close()
		zr, err := gzip.NewReader(in)
		if err != nil {
			benchErr = err
			return
		}
		out, err := os.Create(benchFiles["csv"])
		if err != nil {
			benchErr = err
			return
		}
		if _, err := io.Copy(out, zr); err != nil {
			benchErr = err
			return
		}
		out.Close()
		sc, err := ReadSchema(benchFiles["csv"], ReadOptions{})
		if err != nil {
			benchErr = err
			return
		}
		for _, k := range []string{"parquet", "arrow"} {
			_, benchErr = Write(context.Background(), benchFiles[k], sc, WriteOptions{}, nil, func(fn func(arrow.RecordBatch) error) error {
				return Scan(context.Background(), benchFiles["csv"], sc, ReadOptions{}, nil, fn)
			})
			if benchErr != nil {
				return
			}
		}
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchFiles
}

func benchRead(b *testing.B, kind string) {
	p := retailFiles(b)[kind]
	st, _ := os.Stat(p)
	b.SetBytes(st.Size())
	b.ReportAllocs()
	for b.Loop() {
		sc, err := ReadSchema(p, ReadOptions{})
		if err != nil {
			b.Fatal(err)
		}
		var n int64
		err = Scan(context.Background(), p, sc, ReadOptions{}, memory.DefaultAllocator, func(r arrow.RecordBatch) error {
			n += r.NumRows()
			return nil
		})
		if err != nil || n != 541909 {
			b.Fatal(n, err)
		}
	}
}

func BenchmarkReadCSV(b *testing.B)     { benchRead(b, "csv") }
func BenchmarkReadCSVGzip(b *testing.B) { benchRead(b, "gz") }
func BenchmarkReadParquet(b *testing.B) { benchRead(b, "parquet") }
func BenchmarkReadArrow(b *testing.B)   { benchRead(b, "arrow") }

func BenchmarkWriteParquet(b *testing.B) {
	files := retailFiles(b)
	sc, err := ReadSchema(files["arrow"], ReadOptions{})
	if err != nil {
		b.Fatal(err)
	}
	var batches []arrow.RecordBatch
	err = Scan(context.Background(), files["arrow"], sc, ReadOptions{}, nil, func(r arrow.RecordBatch) error {
		r.Retain()
		batches = append(batches, r)
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	defer release(batches)
	out := filepath.Join(b.TempDir(), "w.parquet")
	for b.Loop() {
		if _, err := Write(context.Background(), out, sc, WriteOptions{}, nil, scanOf(batches)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseFloat(b *testing.B) {
	vals := [][]byte{[]byte("2.55"), []byte("17850.0"), []byte("0.0"), []byte("-1.25"), []byte("1234.5678")}
	for b.Loop() {
		for _, v := range vals {
			parseFloat(v)
		}
	}
}

// BenchmarkAppendDict gathers dictionary strings into a batch's buffers as
// the Parquet page decoder does (2,048 indices at a time, 65,536 rows per
// batch), for dictionaries shaped like the Online Retail string columns:
// Country (38 values of 4–20 bytes), StockCode (4,000 of 5–12),
// Description (4,000 of 10–35) and InvoiceNo (26,000 of 6–7).
func BenchmarkAppendDict(b *testing.B) {
	for _, d := range []struct {
		name      string
		n, lo, hi int
	}{{"Country", 38, 4, 20}, {"StockCode", 4000, 5, 12}, {"Description", 4000, 10, 35}, {"InvoiceNo", 26000, 6, 7}} {
		b.Run(d.name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 2))
			var sc stringChunk
			var page []byte
			for range d.n {
				l := d.lo + rng.IntN(d.hi-d.lo+1)
				page = binary.LittleEndian.AppendUint32(page, uint32(l))
				for range l {
					page = append(page, byte('a'+rng.IntN(26)))
				}
			}
			if err := sc.dict.read(page, d.n); err != nil {
				b.Fatal(err)
			}
			const rows, chunk = 65536, 2048
			idx := make([]int32, rows)
			for i := range idx {
				idx[i] = int32(rng.IntN(d.n))
			}
			b.ReportMetric(0, "B/op")
			// One batch's buffers, refilled: the gather alone, without
			// the cost of fresh memory.
			var c colBuilder
			c.init(memory.DefaultAllocator, kString, rows, rows*(d.lo+d.hi)/2*9/8+dictPad)
			defer c.release()
			for b.Loop() {
				c.n, c.dlen = 0, 0
				for k := 0; k < rows; k += chunk {
					if err := c.appendDict(&sc.dict, idx[k:k+chunk]); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
