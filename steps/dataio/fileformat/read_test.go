package fileformat

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/aftercare/aftercare/workflow"
)

func schemaTypes(sc *arrow.Schema) map[string]string {
	m := map[string]string{}
	for _, f := range sc.Fields() {
		m[f.Name] = workflow.TypeName(f.Type)
	}
	return m
}

func TestDetect(t *testing.T) {
	for path, want := range map[string]Format{
		"a.csv": CSV, "a.TSV": CSV, "a.txt": CSV, "a.csv.gz": CSV, "a.parquet": Parquet, "a.pq": Parquet,
		"a.arrow": Arrow, "a.feather": Arrow, "a.ipc": Arrow, "a.jsonl": JSONL, "a.ndjson.gz": JSONL,
	} {
		got, err := Detect(path, "")
		if err != nil || got != want {
			t.Errorf("Detect(%s) = %s, %v; want %s", path, got, err, want)
		}
	}
	if got, err := Detect("x.dat", "feather"); err != nil || got != Arrow {
		t.Errorf("explicit feather: %s %v", got, err)
	}
	if _, err := Detect("x.csv", "parqet"); err == nil || !strings.Contains(err.Error(), "did you mean parquet?") {
		t.Errorf("unknown explicit format: %v", err)
	}
	if _, err := Detect("x.xlsx", ""); err == nil || !strings.Contains(err.Error(), "x.xlsx") {
		t.Errorf("unknown extension: %v", err)
	}
}

func TestInference(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	p := writeFile(t, "x.csv", "i,f,b,d,ts,s,empty,mixed,whole,compact\n"+
		"1,2.5,true,2011-01-02,2011-01-02 10:00:00,abc,,1,17850.0,19970101\n"+
		"-3,NaN,FALSE,2011-01-03,2011-01-02,\"x,y\",NA,true,,19970102\n"+
		",1e3,,,2011-01-02T10:00:00Z,,,2011-01-01,3.0,19970103\n")
	sc, err := ReadSchema(p, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"i": "int", "f": "float", "b": "bool", "d": "date", "ts": "timestamp", "s": "string",
		"empty": "string", "mixed": "string", "whole": "float", "compact": "int"}
	if got := schemaTypes(sc); !reflect.DeepEqual(got, want) {
		t.Errorf("types %v, want %v", got, want)
	}
	// Explicit types: the 8-digit dates read as dates only when asked.
	sc, err = ReadSchema(p, ReadOptions{Types: map[string]arrow.DataType{"compact": workflow.Date, "i": workflow.Float64}})
	if err != nil {
		t.Fatal(err)
	}
	if got := schemaTypes(sc); got["compact"] != "date" || got["i"] != "float" {
		t.Errorf("explicit types ignored: %v", got)
	}
	bs := readAll(t, p, sc, ReadOptions{}, mem)
	defer release(bs)
	got := rows(bs)
	wantRows := [][]string{
		{"1", "2.5", "true", "2011-01-02", "2011-01-02T10:00:00Z", "abc", "<null>", "1", "17850", "1997-01-01"},
		{"-3", "NaN", "false", "2011-01-03", "2011-01-02T00:00:00Z", "x,y", "<null>", "true", "<null>", "1997-01-02"},
		{"<null>", "1000", "<null>", "<null>", "2011-01-02T10:00:00Z", "<null>", "<null>", "2011-01-01", "3", "1997-01-03"},
	}
	if !reflect.DeepEqual(got, wantRows) {
		t.Errorf("rows\n%q\nwant\n%q", got, wantRows)
	}
}

// intsThenText writes a file whose column id holds integers for the first
// rows and, after that, a "C" invoice number every step rows.
func intsThenText(t *testing.T, n, firstText, step int) string {
	var b strings.Builder
	b.WriteString("id,qty\n")
	for i := range n {
		if i >= firstText && (i-firstText)%step == 0 {
			fmt.Fprintf(&b, "C%d,%d\n", 536379+i, i%7)
		} else {
			fmt.Fprintf(&b, "%d,%d\n", 536365+i, i%7)
		}
	}
	return writeFile(t, "ints.csv", b.String())
}

func TestInferenceSamplesWholeFile(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	// 60,000 rows: the first 5,000 are integers, then every 97th is text.
	p := intsThenText(t, 60000, 5000, 97)
	sc, err := ReadSchema(p, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := schemaTypes(sc)["id"]; got != "string" {
		t.Fatalf("id inferred as %s; the sample should reach past the first 5,000 rows", got)
	}
	bs := readAll(t, p, sc, ReadOptions{}, mem)
	release(bs)

	// The same through gzip (sampled by streaming).
	gz := filepath.Join(t.TempDir(), "ints.csv.gz")
	raw, _ := os.ReadFile(p)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(raw)
	zw.Close()
	os.WriteFile(gz, buf.Bytes(), 0o644)
	sc, err = ReadSchema(gz, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := schemaTypes(sc)["id"]; got != "string" {
		t.Fatalf("gzip: id inferred as %s", got)
	}
	bs = readAll(t, gz, sc, ReadOptions{}, mem)
	if n := len(rows(bs)); n != 60000 {
		t.Errorf("gzip: %d rows", n)
	}
	release(bs)
}

func TestLaterValueThatDoesNotParse(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	// One text value at data row 7000 (file line 7002); a 10-row sample
	// misses it, so the read must stop there with a clear message.
	p := intsThenText(t, 8000, 7000, 1_000_000)
	o := ReadOptions{InferRows: 10}
	sc, err := ReadSchema(p, o)
	if err != nil {
		t.Fatal(err)
	}
	if got := schemaTypes(sc)["id"]; got != "int" {
		t.Fatalf("id inferred as %s from the small sample", got)
	}
	err = Scan(context.Background(), p, sc, o, mem, func(arrow.RecordBatch) error { return nil })
	want := fmt.Sprintf(`%s:7002: column id: cannot parse "C543379" as int (set types: {id: string} to read it as text)`, p)
	if err == nil || err.Error() != want {
		t.Fatalf("error\n%v\nwant\n%s", err, want)
	}
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Line != 7002 || pe.Column != "id" {
		t.Errorf("ParseError %+v", pe)
	}
	// With the default sample the small file is read whole: string.
	if sc, err = ReadSchema(p, ReadOptions{}); err != nil || schemaTypes(sc)["id"] != "string" {
		t.Errorf("default sample: %v %v", sc, err)
	}
}

func TestErrors(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	scan := func(p string, sc *arrow.Schema, o ReadOptions) error {
		return Scan(ctx, p, sc, o, mem, func(arrow.RecordBatch) error { return nil })
	}
	amount := arrow.NewSchema([]arrow.Field{{Name: "id", Type: workflow.Int64, Nullable: true}, {Name: "amount", Type: workflow.Float64, Nullable: true}}, nil)

	dir := t.TempDir()
	missing := filepath.Join(dir, "x.csv")
	_, err := ReadSchema(missing, ReadOptions{})
	if err == nil || err.Error() != "open "+missing+": no such file or directory" || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	if err := scan(missing, amount, ReadOptions{}); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file scan: %v", err)
	}

	p := writeFile(t, "orders.csv", "id,amount\n1,2.5\n2,\"12,x\"\n")
	err = scan(p, amount, ReadOptions{})
	if want := p + `:3: column amount: cannot parse "12,x" as float (set types: {amount: string} to read it as text)`; err == nil || err.Error() != want {
		t.Errorf("bad float:\n%v\nwant\n%s", err, want)
	}

	p = writeFile(t, "fields.csv", "id,amount\n1,2\n\"multi\nline\",3\n4,5,6\n")
	err = scan(p, arrow.NewSchema([]arrow.Field{{Name: "id", Type: workflow.String}, {Name: "amount", Type: workflow.Int64}}, nil), ReadOptions{})
	if want := p + ":5: expected 2 fields, got 3"; err == nil || err.Error() != want {
		t.Errorf("field count: %v, want %s", err, want)
	}

	p = writeFile(t, "ts.csv", "when\n2011-01-01 10:00:00\n2011-02-30 10:00:00\n")
	sc := arrow.NewSchema([]arrow.Field{{Name: "when", Type: workflow.Timestamp}}, nil)
	err = scan(p, sc, ReadOptions{})
	if want := p + `:3: column when: cannot parse "2011-02-30 10:00:00" as timestamp`; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("bad timestamp: %v", err)
	}

	p = writeFile(t, "quote.csv", "a,b\n1,x\"y\n")
	if err := scan(p, nil, ReadOptions{}); err == nil || !strings.HasPrefix(err.Error(), p+":2: bare \"") {
		t.Errorf("bare quote: %v", err)
	}

	_, err = ReadSchema(p, ReadOptions{Types: map[string]arrow.DataType{"bb": workflow.String}})
	if err == nil || !strings.Contains(err.Error(), `types: `) || !strings.Contains(err.Error(), `no column "bb" (did you mean b?)`) {
		t.Errorf("explicit type for a missing column: %v", err)
	}
	if err := scan(p, arrow.NewSchema([]arrow.Field{{Name: "aa", Type: workflow.String}}, nil), ReadOptions{}); err == nil || !strings.Contains(err.Error(), "did you mean a?") {
		t.Errorf("schema column missing: %v", err)
	}

	empty := writeFile(t, "empty.csv", "")
	if _, err := ReadSchema(empty, ReadOptions{}); err == nil {
		t.Error("empty file: no error")
	}
}

func TestNullsAndQuoting(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	p := writeFile(t, "n.csv", "s,i\n\"\",NA\n,\"\"\n\"NA\",  7 \nNA,N/A\nnull,NULL\n")
	sc, err := ReadSchema(p, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	bs := readAll(t, p, sc, ReadOptions{}, mem)
	defer release(bs)
	want := [][]string{{"", "<null>"}, {"<null>", "<null>"}, {"NA", "7"}, {"<null>", "<null>"}, {"<null>", "<null>"}}
	if got := rows(bs); !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	// Custom null values: only "-" is null.
	bs2 := readAll(t, writeFile(t, "m.csv", "s\n-\nNA\n\n"), nil, ReadOptions{NullValues: []string{"-"}}, mem)
	defer release(bs2)
	if got := rows(bs2); !reflect.DeepEqual(got, [][]string{{"<null>"}, {"NA"}}) {
		t.Errorf("custom nulls: %q", got)
	}
}

func TestHeaderOptions(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	p := writeFile(t, "h.tsv", "\xef\xbb\xbf a \tb\ta\t\n1\t2\t3\t4\n")
	sc, err := ReadSchema(p, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range sc.Fields() {
		names = append(names, f.Name)
	}
	if want := []string{"a", "b", "a_2", "col4"}; !reflect.DeepEqual(names, want) {
		t.Errorf("names %q, want %q", names, want)
	}
	p = writeFile(t, "nh.csv", "1,x\n2,y")
	sc, err = ReadSchema(p, ReadOptions{NoHeader: true})
	if err != nil {
		t.Fatal(err)
	}
	if sc.Field(0).Name != "col1" || sc.Field(1).Name != "col2" {
		t.Errorf("default names: %v", sc)
	}
	o := ReadOptions{NoHeader: true, ColumnNames: []string{"id", "name"}}
	sc, err = ReadSchema(p, o)
	if err != nil {
		t.Fatal(err)
	}
	// Project and reorder: only name, then id.
	proj := arrow.NewSchema([]arrow.Field{sc.Field(1), sc.Field(0)}, nil)
	bs := readAll(t, p, proj, o, mem)
	defer release(bs)
	if got := rows(bs); !reflect.DeepEqual(got, [][]string{{"x", "1"}, {"y", "2"}}) {
		t.Errorf("no header rows: %q", got)
	}
}

func TestBatchesAreDeterministic(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	var b strings.Builder
	b.WriteString("k,v,s\n")
	for i := range 10007 {
		fmt.Fprintf(&b, "%d,%d.5,\"t %d\nsecond line, %d\"\r\n", i, i, i, i)
	}
	p := writeFile(t, "big.csv", b.String())
	o := ReadOptions{BatchRows: 1000}
	sc, err := ReadSchema(p, o)
	if err != nil {
		t.Fatal(err)
	}
	var sizes []int64
	next := 0
	err = Scan(context.Background(), p, sc, o, mem, func(rec arrow.RecordBatch) error {
		sizes = append(sizes, rec.NumRows())
		for i := range int(rec.NumRows()) {
			if got := rec.Column(0).ValueStr(i); got != fmt.Sprint(next) {
				return fmt.Errorf("row %d: k = %s", next, got)
			}
			if got, want := rec.Column(2).ValueStr(i), fmt.Sprintf("t %d\nsecond line, %d", next, next); got != want {
				return fmt.Errorf("row %d: s = %q, want %q", next, got, want)
			}
			next++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if next != 10007 || len(sizes) != 11 || sizes[0] != 1000 || sizes[10] != 7 {
		t.Errorf("%d rows in batches %v", next, sizes)
	}
	// Stopping early releases everything (checked by the allocator).
	stop := errors.New("stop")
	if err := Scan(context.Background(), p, sc, o, mem, func(arrow.RecordBatch) error { return stop }); err != stop {
		t.Errorf("early stop: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Scan(ctx, p, sc, o, mem, func(arrow.RecordBatch) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}
