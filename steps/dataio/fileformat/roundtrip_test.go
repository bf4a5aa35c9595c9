package fileformat

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/aftercare/aftercare/workflow"
)

var canonicalSchemaForTest = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: workflow.Int64, Nullable: true},
	{Name: "amount", Type: workflow.Float64, Nullable: true},
	{Name: "name", Type: workflow.String, Nullable: true},
	{Name: "active", Type: workflow.Bool, Nullable: true},
	{Name: "day", Type: workflow.Date, Nullable: true},
	{Name: "at", Type: workflow.Timestamp, Nullable: true},
}, nil)

// testBatches builds two batches with every canonical type, nulls, awkward
// strings and extreme dates.
func testBatches(mem memory.Allocator, withNaN bool) []arrow.RecordBatch {
	b := array.NewRecordBuilder(mem, canonicalSchemaForTest)
	defer b.Release()
	ids := b.Field(0).(*array.Int64Builder)
	amounts := b.Field(1).(*array.Float64Builder)
	names := b.Field(2).(*array.StringBuilder)
	active := b.Field(3).(*array.BooleanBuilder)
	days := b.Field(4).(*array.Date32Builder)
	ats := b.Field(5).(*array.TimestampBuilder)
	add := func(i int, name string, nullAll bool) {
		if nullAll {
			for _, f := range b.Fields() {
				f.AppendNull()
			}
			return
		}
		ids.Append(int64(i*i) - 7)
		amount := float64(i)/3 + 0.1
		switch {
		case i == 3:
			amount = 17850
		case i == 4 && withNaN:
			amount = math.NaN()
		case i == 5 && withNaN:
			amount = math.Inf(-1)
		case i == 6:
			amount = 1e-300
		}
		amounts.Append(amount)
		names.Append(name)
		active.Append(i%2 == 0)
		day := time.Date(1900+i*30, time.Month(1+i%12), 1+i, 0, 0, 0, 0, time.UTC)
		days.Append(arrow.Date32FromTime(day))
		ats.Append(arrow.Timestamp(day.UnixMicro() + int64(i)*3_723_000_001))
	}
	names1 := []string{"plain", "comma, inside", `quote " inside`, "new\nline", "", "NA", " leading space", "ünïcödé £ 日本", "tab\tsep", "crlf\r\nend"}
	for i, n := range names1 {
		add(i, n, false)
	}
	add(0, "", true)
	first := b.NewRecordBatch()
	add(11, "second batch", false)
	names.AppendNull()
	ids.Append(1)
	amounts.AppendNull()
	active.AppendNull()
	days.AppendNull()
	ats.AppendNull()
	return []arrow.RecordBatch{first, b.NewRecordBatch()}
}

func scanOf(bs []arrow.RecordBatch) func(func(arrow.RecordBatch) error) error {
	return func(fn func(arrow.RecordBatch) error) error {
		for _, b := range bs {
			if err := fn(b); err != nil {
				return err
			}
		}
		return nil
	}
}

func TestRoundTrip(t *testing.T) {
	for _, name := range []string{"t.csv", "t.tsv", "t.csv.gz", "t.parquet", "t.arrow", "t.jsonl", "t.ndjson.gz"} {
		t.Run(name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
			defer mem.AssertSize(t, 0)
			jsonl := strings.Contains(name, "json")
			in := testBatches(mem, !jsonl) // JSON has no NaN or infinities
			defer release(in)
			p := filepath.Join(t.TempDir(), name)
			n, err := Write(context.Background(), p, canonicalSchemaForTest, WriteOptions{}, mem, scanOf(in))
			if err != nil {
				t.Fatal(err)
			}
			if n != 13 {
				t.Errorf("wrote %d rows", n)
			}
			// The inferred (or stored) schema is the written one.
			sc, err := ReadSchema(p, ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if !sc.Equal(canonicalSchemaForTest) {
				t.Errorf("schema read back:\n%v\nwant\n%v", sc, canonicalSchemaForTest)
			}
			out := readAll(t, p, canonicalSchemaForTest, ReadOptions{}, mem)
			defer release(out)
			want := rows(in)
			if strings.Contains(name, "sv") {
				// CSV reads a CRLF inside a quoted field as LF, like
				// encoding/csv.
				want[9][2] = "crlf\nend"
			}
			if got := rows(out); !reflect.DeepEqual(got, want) {
				t.Errorf("read back\n%q\nwant\n%q", got, want)
			}
		})
	}
}

func TestWriteOptions(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	in := testBatches(mem, true)
	defer release(in)
	dir := t.TempDir()
	for _, c := range []string{"zstd", "none", "gzip"} {
		p := filepath.Join(dir, c+".parquet")
		if _, err := Write(context.Background(), p, canonicalSchemaForTest, WriteOptions{Compression: c}, mem, scanOf(in)); err != nil {
			t.Fatalf("%s: %v", c, err)
		}
		out := readAll(t, p, nil, ReadOptions{}, mem)
		if !reflect.DeepEqual(rows(out), rows(in)) {
			t.Errorf("%s: values differ", c)
		}
		release(out)
	}
	_, err := Write(context.Background(), filepath.Join(dir, "x.parquet"), canonicalSchemaForTest, WriteOptions{Compression: "snapy"}, mem, scanOf(in))
	if err == nil || !strings.Contains(err.Error(), "did you mean snappy?") {
		t.Errorf("unknown codec: %v", err)
	}
	// A temporary name: format and gzip given explicitly.
	p := filepath.Join(dir, "tmp123")
	if _, err := Write(context.Background(), p, canonicalSchemaForTest, WriteOptions{Format: CSV, Gzip: true, Delimiter: ';'}, mem, scanOf(in)); err != nil {
		t.Fatal(err)
	}
	out := readAll(t, p, canonicalSchemaForTest, ReadOptions{Format: CSV, Delimiter: ';'}, mem)
	want := rows(in)
	want[9][2] = "crlf\nend"
	if !reflect.DeepEqual(rows(out), want) {
		t.Errorf("gzip under another name: values differ")
	}
	release(out)
	raw, _ := os.ReadFile(p)
	if len(raw) < 2 || raw[0] != 0x1f || raw[1] != 0x8b {
		t.Errorf("not gzip")
	}
}

func TestCSVOutputFormat(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	in := testBatches(mem, true)
	defer release(in)
	p := filepath.Join(t.TempDir(), "o.csv")
	if _, err := Write(context.Background(), p, canonicalSchemaForTest, WriteOptions{}, mem, scanOf(in)); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(p)
	lines := strings.Split(string(raw), "\n")
	want := []string{
		"id,amount,name,active,day,at",
		"-7,0.1,plain,true,1900-01-01,1900-01-01T00:00:00Z",
		"-6,0.43333333333333335,\"comma, inside\",false,1930-02-02,1930-02-02T01:02:03.000001Z",
	}
	if !reflect.DeepEqual(lines[:3], want) {
		t.Errorf("first lines\n%q\nwant\n%q", lines[:3], want)
	}
	for _, s := range []string{`"quote "" inside"`, `,17850.0,`, `,"",`, `,"NA",`, `,NaN,`, `,-Inf,`, `," leading space",`, "\n,,,,,\n"} {
		if !strings.Contains(string(raw), s) {
			t.Errorf("output lacks %q", s)
		}
	}
}

// narrowBatch has the types other tools write: narrow and unsigned
// integers, float32, large strings, dictionaries, date64, timestamps in
// other units and zones, decimals and an all-null column.
func narrowBatch(mem memory.Allocator) arrow.RecordBatch {
	dictType := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}
	sc := arrow.NewSchema([]arrow.Field{
		{Name: "i8", Type: arrow.PrimitiveTypes.Int8, Nullable: true},
		{Name: "i16", Type: arrow.PrimitiveTypes.Int16, Nullable: true},
		{Name: "i32", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "u8", Type: arrow.PrimitiveTypes.Uint8, Nullable: true},
		{Name: "u32", Type: arrow.PrimitiveTypes.Uint32, Nullable: true},
		{Name: "u64", Type: arrow.PrimitiveTypes.Uint64, Nullable: true},
		{Name: "f32", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
		{Name: "ls", Type: arrow.BinaryTypes.LargeString, Nullable: true},
		{Name: "dict", Type: dictType, Nullable: true},
		{Name: "d64", Type: arrow.FixedWidthTypes.Date64, Nullable: true},
		{Name: "tns", Type: &arrow.TimestampType{Unit: arrow.Nanosecond, TimeZone: "America/New_York"}, Nullable: true},
		{Name: "tms", Type: &arrow.TimestampType{Unit: arrow.Millisecond}, Nullable: true},
		{Name: "dec", Type: &arrow.Decimal128Type{Precision: 10, Scale: 2}, Nullable: true},
		{Name: "nul", Type: arrow.Null, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(mem, sc)
	defer b.Release()
	b.Field(0).(*array.Int8Builder).AppendValues([]int8{-128, 127, 0}, []bool{true, true, false})
	b.Field(1).(*array.Int16Builder).AppendValues([]int16{-300, 300, 1}, nil)
	b.Field(2).(*array.Int32Builder).AppendValues([]int32{-70000, 70000, 2}, nil)
	b.Field(3).(*array.Uint8Builder).AppendValues([]uint8{0, 255, 3}, nil)
	b.Field(4).(*array.Uint32Builder).AppendValues([]uint32{0, 4294967295, 4}, nil)
	b.Field(5).(*array.Uint64Builder).AppendValues([]uint64{0, 9223372036854775807, 5}, nil)
	b.Field(6).(*array.Float32Builder).AppendValues([]float32{1.5, -0.25, 3}, []bool{true, true, false})
	b.Field(7).(*array.LargeStringBuilder).AppendValues([]string{"a", "日本", ""}, []bool{true, true, false})
	db := b.Field(8).(*array.BinaryDictionaryBuilder)
	db.AppendString("UK")
	db.AppendNull()
	db.AppendString("UK")
	b.Field(9).(*array.Date64Builder).AppendValues([]arrow.Date64{0, -86_400_000, 86_400_000 * 15000}, nil)
	b.Field(10).(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{1_500_000_000_123_456_789, -1, 0}, nil)
	b.Field(11).(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{1_500_000_000_123, 0, -1}, nil)
	b.Field(12).(*array.Decimal128Builder).AppendValues([]decimal128.Num{decimal128.FromI64(1234), decimal128.FromI64(-5), decimal128.FromI64(0)}, nil)
	b.Field(13).(*array.NullBuilder).AppendNulls(3)
	return b.NewRecordBatch()
}

var narrowWant = [][]string{
	{"-128", "-300", "-70000", "0", "0", "0", "1.5", "a", "UK", "1970-01-01", "2017-07-14T02:40:00.123456Z", "2017-07-14T02:40:00.123Z", "12.34", "<null>"},
	{"127", "300", "70000", "255", "4294967295", "9223372036854775807", "-0.25", "日本", "<null>", "1969-12-31", "1969-12-31T23:59:59.999999Z", "1970-01-01T00:00:00Z", "-0.05", "<null>"},
	{"<null>", "1", "2", "3", "4", "5", "<null>", "<null>", "UK", "2011-01-26", "1970-01-01T00:00:00Z", "1969-12-31T23:59:59.999Z", "0", "<null>"},
}

func TestTypeNormalisation(t *testing.T) {
	wantTypes := map[string]string{"i8": "int", "i16": "int", "i32": "int", "u8": "int", "u32": "int", "u64": "int",
		"f32": "float", "ls": "string", "dict": "string", "d64": "date", "tns": "timestamp", "tms": "timestamp",
		"dec": "float", "nul": "string"}
	writers := map[string]func(p string, rec arrow.RecordBatch) error{
		"x.parquet": func(p string, rec arrow.RecordBatch) error {
			f, err := os.Create(p)
			if err != nil {
				return err
			}
			defer f.Close()
			tbl := array.NewTableFromRecords(rec.Schema(), []arrow.RecordBatch{rec})
			defer tbl.Release()
			return pqarrow.WriteTable(tbl, f, 1024, parquet.NewWriterProperties(), pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
		},
		"x.arrow": func(p string, rec arrow.RecordBatch) error {
			f, err := os.Create(p)
			if err != nil {
				return err
			}
			defer f.Close()
			w, err := ipc.NewFileWriter(f, ipc.WithSchema(rec.Schema()))
			if err != nil {
				return err
			}
			if err := w.Write(rec); err != nil {
				return err
			}
			return w.Close()
		},
		"stream.arrow": func(p string, rec arrow.RecordBatch) error {
			f, err := os.Create(p)
			if err != nil {
				return err
			}
			defer f.Close()
			w := ipc.NewWriter(f, ipc.WithSchema(rec.Schema()), ipc.WithZstd())
			if err := w.Write(rec); err != nil {
				return err
			}
			return w.Close()
		},
	}
	for name, write := range writers {
		t.Run(name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
			defer mem.AssertSize(t, 0)
			rec := narrowBatch(mem)
			p := filepath.Join(t.TempDir(), name)
			err := write(p, rec)
			rec.Release()
			if err != nil {
				t.Fatal(err)
			}
			var notes []string
			o := ReadOptions{Note: func(s string) { notes = append(notes, s) }}
			sc, err := ReadSchema(p, o)
			if err != nil {
				t.Fatal(err)
			}
			if got := schemaTypes(sc); !reflect.DeepEqual(got, wantTypes) {
				t.Errorf("types %v\nwant %v", got, wantTypes)
			}
			if len(notes) != 1 || !strings.Contains(notes[0], "column dec") {
				t.Errorf("notes %q", notes)
			}
			for _, f := range sc.Fields() {
				if _, ok := kindOf(f.Type); !ok {
					t.Errorf("%s: non-canonical %s", f.Name, f.Type)
				}
			}
			out := readAll(t, p, sc, o, mem)
			defer release(out)
			if got := rows(out); !reflect.DeepEqual(got, narrowWant) {
				t.Errorf("values\n%q\nwant\n%q", got, narrowWant)
			}
			// int read as float on request; other changes are refused.
			sc2, err := ReadSchema(p, ReadOptions{Types: map[string]arrow.DataType{"i32": workflow.Float64}})
			if err != nil || sc2.Field(2).Type.ID() != arrow.FLOAT64 {
				t.Fatalf("int as float: %v %v", sc2, err)
			}
			out2 := readAll(t, p, sc2, o, mem)
			release(out2)
			if _, err := ReadSchema(p, ReadOptions{Types: map[string]arrow.DataType{"ls": workflow.Int64}}); err == nil || !strings.Contains(err.Error(), "types: column ls is string") {
				t.Errorf("string as int: %v", err)
			}
		})
	}
}

func TestUnsupportedAndOverflow(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	sc := arrow.NewSchema([]arrow.Field{
		{Name: "big", Type: arrow.PrimitiveTypes.Uint64, Nullable: true},
		{Name: "tags", Type: arrow.ListOf(arrow.BinaryTypes.String), Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(mem, sc)
	b.Field(0).(*array.Uint64Builder).Append(math.MaxUint64)
	lb := b.Field(1).(*array.ListBuilder)
	lb.Append(true)
	lb.ValueBuilder().(*array.StringBuilder).Append("x")
	rec := b.NewRecordBatch()
	b.Release()
	p := filepath.Join(t.TempDir(), "u.arrow")
	f, _ := os.Create(p)
	w, _ := ipc.NewFileWriter(f, ipc.WithSchema(sc))
	w.Write(rec)
	w.Close()
	f.Close()
	rec.Release()
	_, err := ReadSchema(p, ReadOptions{})
	if err == nil || !strings.Contains(err.Error(), "column tags has unsupported type list<item: utf8, nullable>") {
		t.Errorf("list column: %v", err)
	}
	only := arrow.NewSchema([]arrow.Field{{Name: "big", Type: workflow.Int64, Nullable: true}}, nil)
	err = Scan(context.Background(), p, only, ReadOptions{}, mem, func(arrow.RecordBatch) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "column big: value 18446744073709551615 does not fit in int64") {
		t.Errorf("uint64 overflow: %v", err)
	}
}
