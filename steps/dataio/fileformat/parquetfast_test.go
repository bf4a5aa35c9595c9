package fileformat

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// TestParquetFastPath checks that the files our writer makes are decoded
// by the fast path, and that it gives the same batches as pqarrow.
func TestParquetFastPath(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	in := testBatches(mem, true)
	defer release(in)
	p := filepath.Join(t.TempDir(), "f.parquet")
	if _, err := Write(context.Background(), p, canonicalSchemaForTest, WriteOptions{}, mem, scanOf(in)); err != nil {
		t.Fatal(err)
	}
	rdr, fr, err := openParquet(p, 4, mem)
	if err != nil {
		t.Fatal(err)
	}
	fs, _ := fr.Schema()
	cols, err := projection(p, fs, canonicalSchemaForTest)
	if err != nil {
		t.Fatal(err)
	}
	_, fast := fastPlan(rdr, fr, cols)
	rdr.Close()
	if !fast {
		t.Fatal("our own Parquet files should take the fast path")
	}
	// Batches of 4 rows: the fast path and pqarrow agree.
	o := ReadOptions{BatchRows: 4}
	got := readAll(t, p, canonicalSchemaForTest, o, mem)
	defer release(got)
	var sizes []int64
	for _, b := range got {
		sizes = append(sizes, b.NumRows())
	}
	if !reflect.DeepEqual(sizes, []int64{4, 4, 4, 1}) {
		t.Errorf("batch sizes %v", sizes)
	}
	// Read through pqarrow by asking for int as float (not a fast type).
	sc := arrow.NewSchema(append([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Float64, Nullable: true}}, canonicalSchemaForTest.Fields()[1:]...), nil)
	slow := readAll(t, p, sc, o, mem)
	defer release(slow)
	g, s := rows(got), rows(slow)
	for i := range g {
		g[i][0] = ""
		s[i][0] = ""
	}
	if !reflect.DeepEqual(g, s) || !reflect.DeepEqual(g, func() [][]string {
		w := rows(in)
		for i := range w {
			w[i][0] = ""
		}
		return w
	}()) {
		t.Errorf("fast\n%q\npqarrow\n%q", g, s)
	}
}

// TestParquetRowGroupsAndRequired reads a file of several row groups with
// required and optional columns (other writers' layout) by the fast path.
func TestParquetRowGroupsAndRequired(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	sc := arrow.NewSchema([]arrow.Field{
		{Name: "req", Type: arrow.PrimitiveTypes.Int32},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "sreq", Type: arrow.BinaryTypes.String},
		{Name: "f", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
		{Name: "b", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Millisecond}, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(mem, sc)
	const n = 10000
	for i := range n {
		b.Field(0).(*array.Int32Builder).Append(int32(i - 5000))
		if i%7 == 0 {
			b.Field(1).AppendNull()
			b.Field(3).AppendNull()
			b.Field(4).AppendNull()
			b.Field(5).AppendNull()
		} else {
			b.Field(1).(*array.StringBuilder).Append(strings.Repeat("x", i%50) + strconv.Itoa(i))
			b.Field(3).(*array.Float32Builder).Append(float32(i) / 4)
			b.Field(4).(*array.BooleanBuilder).Append(i%3 == 0)
			b.Field(5).(*array.TimestampBuilder).Append(arrow.Timestamp(int64(i)*1_000_003 - 7))
		}
		b.Field(2).(*array.StringBuilder).Append(strconv.Itoa(i % 13))
	}
	rec := b.NewRecordBatch()
	b.Release()
	defer rec.Release()
	p := filepath.Join(t.TempDir(), "rg.parquet")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	tbl := array.NewTableFromRecords(sc, []arrow.RecordBatch{rec})
	err = pqarrow.WriteTable(tbl, f, 3000, parquet.NewWriterProperties(parquet.WithDictionaryDefault(false)), pqarrow.DefaultWriterProps())
	tbl.Release()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	rsc, err := ReadSchema(p, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rdr, fr, err := openParquet(p, 1000, mem)
	if err != nil {
		t.Fatal(err)
	}
	fs, _ := fr.Schema()
	cols, _ := projection(p, fs, rsc)
	_, fast := fastPlan(rdr, fr, cols)
	if rdr.NumRowGroups() != 4 || !fast {
		t.Errorf("row groups %d, fast %v", rdr.NumRowGroups(), fast)
	}
	rdr.Close()
	got := readAll(t, p, rsc, ReadOptions{BatchRows: 1000}, mem)
	defer release(got)
	want := rows([]arrow.RecordBatch{rec})
	g := rows(got)
	if len(g) != n {
		t.Fatalf("%d rows", len(g))
	}
	for i := range n {
		// Timestamps render differently (ms vs µs); compare the rest.
		if !reflect.DeepEqual(g[i][:5], want[i][:5]) {
			t.Fatalf("row %d: %q, want %q", i, g[i], want[i])
		}
		if want[i][5] == "<null>" != (g[i][5] == "<null>") {
			t.Fatalf("row %d: timestamp null mismatch", i)
		}
	}
	ts := got[3].Column(5).(*array.Timestamp)
	if v := int64(ts.Value(1)); v != (3001*1_000_003-7)*1000 {
		t.Errorf("timestamp of row 3001 = %d µs", v)
	}
}
