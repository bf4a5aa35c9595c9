package fileformat

import (
	"bytes"
	"encoding/csv"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestSplitRecords(t *testing.T) {
	tests := []struct {
		name string
		in   string
		ws   bool
		want [][]string
		err  error
	}{
		{name: "plain", in: "a,b\n1,2\n", want: [][]string{{"a", "b"}, {"1", "2"}}},
		{name: "no final newline", in: "a,b\n1,2", want: [][]string{{"a", "b"}, {"1", "2"}}},
		{name: "crlf", in: "a,b\r\n1,2\r\n", want: [][]string{{"a", "b"}, {"1", "2"}}},
		{name: "bom", in: "\xef\xbb\xbfa,b\n1,2\n", want: [][]string{{"a", "b"}, {"1", "2"}}},
		{name: "blank lines", in: "a\n\n\r\nb\n", want: [][]string{{"a"}, {"b"}}},
		{name: "empty fields", in: ",\n,x,\n", want: [][]string{{"", ""}, {"", "x", ""}}},
		{name: "quoted delimiter", in: `"AIRLINE LOUNGE,METAL SIGN",1` + "\n", want: [][]string{{"AIRLINE LOUNGE,METAL SIGN", "1"}}},
		{name: "doubled quotes", in: `"RECORD FRAME 7"" SINGLE SIZE ",2` + "\n", want: [][]string{{`RECORD FRAME 7" SINGLE SIZE `, "2"}}},
		{name: "embedded newline", in: "\"line1\nline2\",x\ny,z\n", want: [][]string{{"line1\nline2", "x"}, {"y", "z"}}},
		{name: "embedded crlf", in: "\"line1\r\nline2\",x\r\n", want: [][]string{{"line1\nline2", "x"}}},
		{name: "quoted empty", in: `"",x` + "\n", want: [][]string{{"", "x"}}},
		{name: "lone cr kept", in: "a\rb,c\n", want: [][]string{{"a\rb", "c"}}},
		{name: "bare quote", in: "ab\"c,d\n", err: errBareQuote},
		{name: "text after quote", in: "\"ab\"c,d\n", err: errQuote},
		{name: "unclosed quote", in: "\"abc,d\n", err: errOpenQuote},
		{name: "whitespace", ws: true, in: "  00004  0001 19970101  2  29.33\r\n 00004 0001\t19970118 2 29.73 \r\n", want: [][]string{{"00004", "0001", "19970101", "2", "29.33"}, {"00004", "0001", "19970118", "2", "29.73"}}},
		{name: "whitespace blank line", ws: true, in: "a b\n   \n c  d", want: [][]string{{"a", "b"}, {"c", "d"}}},
		{name: "whitespace quoted", ws: true, in: `"a b" c` + "\n", want: [][]string{{"a b", "c"}}},
	}
	for _, tt := range tests {
		for _, mode := range []struct {
			name   string
			read   int
			rows   int
			mapped bool
		}{{"whole", 1 << 20, 1 << 20, false}, {"tiny", 3, 1, false}, {"mapped", 0, 1, true}} {
			t.Run(tt.name+"/"+mode.name, func(t *testing.T) {
				got, err := splitAll([]byte(tt.in), ',', tt.ws, mode.read, mode.rows, mode.mapped)
				if tt.err != nil {
					if !errors.Is(err, tt.err) {
						t.Fatalf("error %v, want %v", err, tt.err)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, tt.want) {
					t.Errorf("got %q, want %q", got, tt.want)
				}
			})
		}
	}
}

// FuzzCSV holds the chunker and field scanner to encoding/csv (the
// reference, without LazyQuotes): the same records and fields for every
// input it accepts, an error for every input it rejects, never a panic,
// whatever the read and chunk sizes.
func FuzzCSV(f *testing.F) {
	seeds := []string{
		"a,b\n1,2\n", "a,b\r\n1,2", `"x,y",z` + "\n", "\"a\nb\",c\r\n\"d\"\"e\",f", "\"\"\n", ",,\n\n,",
		"a\"b\n", "\"a\"b\n", "\"abc", "\r\n\r\n", "a\r", "\"a\r\nb\"\r\n", "\xef\xbb\xbfh\n1\n",
		`536365,85123A,"RECORD FRAME 7"" SINGLE SIZE ",6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom` + "\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s), uint8(5), uint8(1))
	}
	f.Fuzz(func(t *testing.T, data []byte, readSize, maxRows uint8) {
		ref := bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
		r := csv.NewReader(bytes.NewReader(ref))
		r.FieldsPerRecord = -1
		want, wantErr := r.ReadAll()
		for _, mapped := range []bool{false, true} {
			got, err := splitAll(data, ',', false, int(readSize)%64+1, int(maxRows)%8+1, mapped)
			if wantErr != nil {
				if err == nil {
					t.Fatalf("mapped=%v: encoding/csv fails (%v) but we read %q", mapped, wantErr, got)
				}
				continue
			}
			if err != nil {
				t.Fatalf("mapped=%v: %v; encoding/csv reads %q", mapped, err, want)
			}
			if len(want) == 0 {
				want = nil
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("mapped=%v: got %q\nwant %q", mapped, got, want)
			}
		}
	})
}

func TestFindSpecial(t *testing.T) {
	for _, in := range []string{"", "abc", "abcdefghijklmnop,", "abcdefgh\"", "0123456789abcdef\nx", "\xff\x80\x81,", strings.Repeat("é", 20) + ","} {
		s := scanner{data: []byte(in), delim: ','}
		got := s.findSpecial(0)
		want := strings.IndexAny(in, ",\n\"")
		if want < 0 {
			want = len(in)
		}
		if got != want {
			t.Errorf("findSpecial(%q) = %d, want %d", in, got, want)
		}
	}
}
