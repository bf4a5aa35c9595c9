package fileformat

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestUninitBytesIsBuilderBuffer checks what uninitBytes relies on: after
// Grow(n), a strings.Builder's String shares the buffer, which has room
// for n bytes. If either changed, writing n bytes through the slice would
// run past its allocation.
func TestUninitBytesIsBuilderBuffer(t *testing.T) {
	for _, n := range []int{1, 7, uninitMin, 1<<20 + 3} {
		var sb strings.Builder
		sb.Grow(n)
		sb.WriteByte('a')
		p := unsafe.StringData(sb.String())
		sb.WriteString(strings.Repeat("b", n-1)) // no allocation: room for n
		if s := sb.String(); unsafe.StringData(s) != p || len(s) != n {
			t.Fatalf("n=%d: the builder moved its buffer or String copied it", n)
		}
		b := uninitBytes(n)
		if len(b) != n || cap(b) != n {
			t.Fatalf("n=%d: len %d cap %d", n, len(b), cap(b))
		}
		b[0], b[n-1] = 1, 2
	}
	var a uninitAllocator
	b := a.Allocate(uninitMin)
	for i := range b {
		b[i] = byte(i)
	}
	b = a.Reallocate(3*uninitMin, b)
	if len(b) != 3*uninitMin || b[uninitMin-1] != byte((uninitMin-1)%256) {
		t.Fatal("Reallocate lost the contents")
	}
	if _, ok := builderMem(memory.DefaultAllocator).(uninitAllocator); !ok {
		t.Error("the default Go allocator is not swapped for the non-zeroing one")
	}
	checked := memory.NewCheckedAllocator(memory.DefaultAllocator)
	if builderMem(checked) != memory.Allocator(checked) {
		t.Error("an accounting allocator is swapped")
	}
}

// dirtyAllocator hands out memory filled with a pattern, as recycled memory
// would be, so that a reader relying on zeroed memory shows it.
type dirtyAllocator struct{}

func (dirtyAllocator) Allocate(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = 0xa5
	}
	return b
}

func (a dirtyAllocator) Reallocate(n int, b []byte) []byte {
	nb := a.Allocate(n)
	copy(nb, b)
	return nb
}

func (dirtyAllocator) Free([]byte) {}

// nullyBatch makes n rows of every canonical type, each column with
// random nulls (and some all-null stretches), for TestReadWritesEveryByte.
func nullyBatch(mem memory.Allocator, n int) arrow.RecordBatch {
	rng := rand.New(rand.NewPCG(5, 6))
	b := array.NewRecordBuilder(mem, canonicalSchemaForTest)
	defer b.Release()
	for i := range n {
		for c, f := range b.Fields() {
			if rng.IntN(4) == 0 || i%1000 < 40 {
				f.AppendNull()
				continue
			}
			v := rng.IntN(300)
			switch c {
			case 0:
				f.(*array.Int64Builder).Append(int64(v) - 100)
			case 1:
				f.(*array.Float64Builder).Append(float64(v) / 8)
			case 2:
				f.(*array.StringBuilder).Append(fmt.Sprintf("name %d%s", v, strings.Repeat("x", v%40)))
			case 3:
				f.(*array.BooleanBuilder).Append(v%3 == 0)
			case 4:
				f.(*array.Date32Builder).Append(arrow.Date32(18000 + v))
			case 5:
				f.(*array.TimestampBuilder).Append(arrow.Timestamp(time.Date(2020, 1, 1, 0, 0, v, 0, time.UTC).UnixMicro()))
			}
		}
	}
	return b.NewRecordBatch()
}

// ipcBytes serialises batches as an Arrow IPC stream: every byte of every
// buffer up to its length, values under nulls included.
func ipcBytes(t *testing.T, bs []arrow.RecordBatch) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(canonicalSchemaForTest))
	for _, b := range bs {
		if err := w.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestReadWritesEveryByte reads files of every format (and Parquet in every
// page layout) once with zeroed memory and once with memory full of
// garbage, and requires the same Arrow IPC bytes: the readers must write
// every byte they hand out, values under nulls included, or output would
// depend on what the memory held before. builderMem relies on this.
func TestReadWritesEveryByte(t *testing.T) {
	src := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer src.AssertSize(t, 0)
	rec := nullyBatch(src, 5000)
	defer rec.Release()
	files := map[string]string{}
	for _, name := range []string{"t.csv", "t.tsv", "t.csv.gz", "t.parquet", "t.arrow", "t.jsonl"} {
		p := filepath.Join(t.TempDir(), name)
		if _, err := Write(context.Background(), p, canonicalSchemaForTest, WriteOptions{}, src, scanOf([]arrow.RecordBatch{rec})); err != nil {
			t.Fatal(err)
		}
		files[name] = p
	}
	for _, l := range pageLayouts(rec.NumRows()) {
		p := writeLayout(t, src, rec, l)
		files["parquet "+l.name] = p
	}
	for name, p := range files {
		t.Run(name, func(t *testing.T) {
			o := ReadOptions{BatchRows: 1500}
			clean := memory.NewCheckedAllocator(memory.DefaultAllocator)
			defer clean.AssertSize(t, 0)
			dirty := memory.NewCheckedAllocator(dirtyAllocator{})
			defer dirty.AssertSize(t, 0)
			want := readAll(t, p, canonicalSchemaForTest, o, clean)
			defer release(want)
			got := readAll(t, p, canonicalSchemaForTest, o, dirty)
			defer release(got)
			if n := len(rows(want)); n != 5000 {
				t.Fatalf("read %d rows", n)
			}
			if !bytes.Equal(ipcBytes(t, got), ipcBytes(t, want)) {
				t.Errorf("reading through garbage-filled memory gives other bytes:\n%q\nwant\n%q", rows(got)[:3], rows(want)[:3])
			}
		})
	}
}
