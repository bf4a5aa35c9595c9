package fileformat

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/aftercare/aftercare/workflow"
)

func TestJSONL(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	p := writeFile(t, "x.jsonl", `{"id": 1, "amount": 2, "tag": "a\"b\\c\u00e9\ud83d\ude00", "ok": true, "day": "2011-01-02", "mixed": 1}`+"\n"+
		"\n"+
		`{"amount": 2.5, "id": 2, "extra": "x", "tag": null, "day": "2011-01-03", "mixed": "one", "at": "2011-01-02T10:00:00Z"}`+"\r\n"+
		`{"id": -3}`)
	sc, err := ReadSchema(p, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range sc.Fields() {
		names = append(names, f.Name+":"+workflow.TypeName(f.Type))
	}
	want := []string{"id:int", "amount:float", "tag:string", "ok:bool", "day:date", "mixed:string", "extra:string", "at:timestamp"}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("schema %q, want %q", names, want)
	}
	bs := readAll(t, p, sc, ReadOptions{}, mem)
	defer release(bs)
	wantRows := [][]string{
		{"1", "2", "a\"b\\cé😀", "true", "2011-01-02", "1", "<null>", "<null>"},
		{"2", "2.5", "<null>", "<null>", "2011-01-03", "one", "x", "2011-01-02T10:00:00Z"},
		{"-3", "<null>", "<null>", "<null>", "<null>", "<null>", "<null>", "<null>"},
	}
	if got := rows(bs); !reflect.DeepEqual(got, wantRows) {
		t.Errorf("rows\n%q\nwant\n%q", got, wantRows)
	}
}

func TestJSONLErrors(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	sc := arrow.NewSchema([]arrow.Field{{Name: "id", Type: workflow.Int64, Nullable: true}}, nil)
	for _, tt := range []struct{ in, want string }{
		{`{"id": 1}` + "\n" + `{"id": 2.5}`, `:2: column id: cannot parse "2.5" as int (set types: {id: float} to read it as a float)`},
		{`{"id": 1}` + "\n\n" + `{"id": "7"}`, `:3: column id: unexpected "7": the column is int`},
		{`{"id": [1]}`, `:1: key id: nested objects and arrays are not supported`},
		{`{"id": 1, "id": 2}`, `:1: key id appears twice`},
		{`{"id": 1} {"id": 2}`, `:1: unexpected "{\"id\": 2}" after the object`},
		{`{"id": 1`, `:1: object not closed`},
		{`[1, 2]`, `:1: expected a JSON object`},
	} {
		p := writeFile(t, "e.jsonl", tt.in)
		err := Scan(context.Background(), p, sc, ReadOptions{}, mem, func(arrow.RecordBatch) error { return nil })
		if err == nil || !strings.HasPrefix(err.Error(), p+tt.want) {
			t.Errorf("%q: error %v, want prefix %s", tt.in, err, p+tt.want)
		}
	}
}
