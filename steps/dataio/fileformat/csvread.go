package fileformat

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/aftercare/aftercare/workflow"
)

// csvFile holds what is fixed for reading one CSV file.
type csvFile struct {
	path  string
	o     ReadOptions
	delim byte
	nulls *nullSet
}

func newCSVFile(path string, o ReadOptions) (*csvFile, error) {
	d, err := o.delimiter(path)
	if err != nil {
		return nil, err
	}
	return &csvFile{path: path, o: o, delim: d, nulls: newNullSet(o.nullValues())}, nil
}

func (cf *csvFile) scanner(data []byte) scanner {
	return scanner{data: data, delim: cf.delim, ws: cf.o.Whitespace}
}

// header reads up to the first record of the file with ck (whose maxRows
// must be 1). It returns the column names and the file line on which the
// data starts. Without a header the first record is pushed back into ck
// to be read as data. names is nil for a file without any record.
func (cf *csvFile) header(ck *chunker) (names []string, firstLine int, err error) {
	line := 1
	for {
		data, _, err := ck.next()
		if err == io.EOF {
			if cf.o.NoHeader && len(cf.o.ColumnNames) > 0 {
				return slices.Clone(cf.o.ColumnNames), line, nil
			}
			return nil, line, nil
		}
		if err != nil {
			return nil, 0, err
		}
		s := cf.scanner(data)
		if !s.startRecord() {
			line += s.line
			continue
		}
		recLine := line + s.line
		var fields []string
		for {
			f, _, more := s.field()
			if s.err != nil {
				return nil, 0, &ParseError{Path: cf.path, Line: recLine, Err: s.err}
			}
			fields = append(fields, string(f))
			if !more {
				break
			}
		}
		if cf.o.NoHeader {
			ck.unread(data)
			if len(cf.o.ColumnNames) > 0 {
				if len(cf.o.ColumnNames) != len(fields) {
					return nil, 0, fmt.Errorf("read %s: columns: %d names given but line %d has %d fields", cf.path, len(cf.o.ColumnNames), recLine, len(fields))
				}
				return dedupe(slices.Clone(cf.o.ColumnNames)), line, nil
			}
			names := make([]string, len(fields))
			for i := range names {
				names[i] = "col" + strconv.Itoa(i+1)
			}
			return names, line, nil
		}
		for i, f := range fields {
			fields[i] = strings.TrimSpace(f)
		}
		if len(cf.o.ColumnNames) > 0 {
			if len(cf.o.ColumnNames) != len(fields) {
				return nil, 0, fmt.Errorf("read %s: columns: %d names given but the header has %d", cf.path, len(cf.o.ColumnNames), len(fields))
			}
			fields = slices.Clone(cf.o.ColumnNames)
		}
		return dedupe(fields), line + s.line + countNL(data[s.pos:]), nil
	}
}

func countNL(b []byte) int {
	n := 0
	for _, c := range b {
		if c == '\n' {
			n++
		}
	}
	return n
}

// dedupe names empty columns colN and makes repeated names unique by
// appending _2, _3, ...
func dedupe(names []string) []string {
	seen := make(map[string]bool, len(names))
	for i, n := range names {
		if n == "" {
			n = "col" + strconv.Itoa(i+1)
		}
		base := n
		for k := 2; seen[n]; k++ {
			n = base + "_" + strconv.Itoa(k)
		}
		seen[n] = true
		names[i] = n
	}
	return names
}

// readSchemaCSV reads the header and a sample of rows spread over the file
// and infers each column's type.
func readSchemaCSV(path string, o ReadOptions) (*arrow.Schema, error) {
	cf, err := newCSVFile(path, o)
	if err != nil {
		return nil, err
	}
	t, err := openText(path)
	if err != nil {
		return nil, err
	}
	defer t.Close()
	ck := newChunker(t, true, 1)
	names, firstLine, err := cf.header(ck)
	if err != nil {
		return nil, err
	}
	if names == nil {
		return nil, fmt.Errorf("read %s: the file is empty (no header line)", path)
	}
	explicit, err := explicitKinds(path, names, o.Types)
	if err != nil {
		return nil, err
	}
	inf := newInferrer(len(names), o.TimestampFormats, cf.nulls)
	err = sampleText(t, ck, o.inferRows(), func(data []byte, trusted bool, line int, maxRows int) error {
		return cf.inferChunk(inf, names, data, trusted, firstLine+line, maxRows)
	})
	if err != nil {
		return nil, err
	}
	fields := make([]arrow.Field, len(names))
	for i, n := range names {
		k, ok := explicit[i]
		if !ok {
			k = inf.result(i)
		}
		fields[i] = arrow.Field{Name: n, Type: k.dataType(), Nullable: true}
	}
	return arrow.NewSchema(fields, nil), nil
}

// explicitKinds checks the explicit types against the column names.
func explicitKinds(path string, names []string, types map[string]arrow.DataType) (map[int]kind, error) {
	out := map[int]kind{}
	keys := make([]string, 0, len(types))
	for k := range types {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var errs []error
	for _, name := range keys {
		i := slices.Index(names, name)
		if i < 0 {
			errs = append(errs, fmt.Errorf("types: %s has no column %q%s", path, name, workflow.DidYouMean(name, names)))
			continue
		}
		k, ok := kindOf(types[name])
		if !ok {
			errs = append(errs, fmt.Errorf("types: column %s: %s is not a column type (use %s)", name, types[name], strings.Join(workflow.TypeNames(), ", ")))
			continue
		}
		out[i] = k
	}
	return out, errors.Join(errs...)
}

// inferChunk feeds the records of one sample chunk to the inferrer. A
// trusted chunk is known to start at a record boundary (the head of the
// file), so its errors are reported; an untrusted one (found by seeking)
// stops quietly at the first problem, and after maxRows records.
func (cf *csvFile) inferChunk(inf *inferrer, names []string, data []byte, trusted bool, line int, maxRows int) error {
	s := cf.scanner(data)
	var fields [][]byte
	var arena []byte
	for n := 0; (maxRows <= 0 || n < maxRows) && s.startRecord(); n++ {
		recLine := line + s.line
		fields, arena = fields[:0], arena[:0]
		var spans [][2]int
		for {
			f, _, more := s.field()
			if s.err != nil {
				if trusted {
					return &ParseError{Path: cf.path, Line: recLine, Err: s.err}
				}
				return nil
			}
			spans = append(spans, [2]int{len(arena), len(arena) + len(f)})
			arena = append(arena, f...)
			if !more {
				break
			}
		}
		if len(spans) != len(names) {
			if trusted {
				return &ParseError{Path: cf.path, Line: recLine, Err: fmt.Errorf("expected %d fields, got %d", len(names), len(spans))}
			}
			return nil
		}
		for _, sp := range spans {
			fields = append(fields, arena[sp[0]:sp[1]])
		}
		for i, f := range fields {
			inf.observe(i, f)
		}
	}
	return nil
}

// scanCSV reads the columns of schema from a CSV file.
func scanCSV(ctx context.Context, path string, schema *arrow.Schema, o ReadOptions, mem memory.Allocator, fn func(arrow.RecordBatch) error) error {
	cf, err := newCSVFile(path, o)
	if err != nil {
		return err
	}
	t, err := openText(path)
	if err != nil {
		return err
	}
	defer t.Close()
	ck := t.chunks(true, 1)
	defer ck.release()
	names, firstLine, err := cf.header(ck)
	if err != nil {
		return err
	}
	p, err := newTextParser(path, names, schema, o, mem)
	if err != nil {
		return err
	}
	if names == nil {
		return nil
	}
	p.delim, p.ws = cf.delim, o.Whitespace
	ck.maxRows = o.batchRows()
	return runChunks(ctx, ck, p.parseCSV, path, firstLine, fn)
}

// textParser parses chunks of a text file into batches of the schema's
// columns.
type textParser struct {
	mem    memory.Allocator
	schema *arrow.Schema
	kinds  []kind
	names  []string // output column names
	proj   []int    // file column -> output column, or -1
	nfile  int      // columns in the file
	nulls  *nullSet
	layout []string
	delim  byte
	ws     bool
	// perRow is, per output column, the string bytes per row (×1024) of
	// the last batch parsed: a capacity hint for the next (it changes
	// allocation sizes only, never results).
	perRow []atomic.Int64
}

func newTextParser(path string, names []string, schema *arrow.Schema, o ReadOptions, mem memory.Allocator) (*textParser, error) {
	p := &textParser{mem: mem, schema: schema, nfile: len(names), nulls: newNullSet(o.nullValues()), layout: o.TimestampFormats}
	p.perRow = make([]atomic.Int64, len(schema.Fields()))
	p.proj = make([]int, len(names))
	for i := range p.proj {
		p.proj[i] = -1
	}
	var errs []error
	for i, f := range schema.Fields() {
		k, ok := kindOf(f.Type)
		if !ok {
			errs = append(errs, fmt.Errorf("read %s: column %s: %s is not a column type", path, f.Name, f.Type))
		}
		p.kinds = append(p.kinds, k)
		p.names = append(p.names, f.Name)
		if names == nil {
			continue
		}
		j := slices.Index(names, f.Name)
		if j < 0 {
			errs = append(errs, fmt.Errorf("read %s: no column %q%s", path, f.Name, workflow.DidYouMean(f.Name, names)))
			continue
		}
		p.proj[j] = i
	}
	return p, errors.Join(errs...)
}

// valueError describes a value that does not parse as its column's type.
func valueError(v []byte, k kind, col string) error {
	tn := workflow.TypeName(k.dataType())
	switch k {
	case kTimestamp, kDate:
		return fmt.Errorf("cannot parse %q as %s (add its layout to timestamp_formats, or set types: {%s: string} to read it as text)", v, tn, col)
	}
	if _, ok := parseFloat(v); ok && k == kInt {
		return fmt.Errorf("cannot parse %q as %s (set types: {%s: float} to read it as a float)", v, tn, col)
	}
	return fmt.Errorf("cannot parse %q as %s (set types: {%s: string} to read it as text)", v, tn, col)
}

// columnState is the per-chunk state of one output column.
type columnState struct {
	b  colBuilder
	tp *timeParser
}

func (p *textParser) newColumns(rows, dataBytes int) []columnState {
	cols := make([]columnState, len(p.kinds))
	for i, k := range p.kinds {
		hint := 0
		if k == kString {
			if r := p.perRow[i].Load(); r > 0 {
				hint = int(int64(rows)*r/1024) + 1024
			} else {
				hint = dataBytes / max(p.nfile, len(p.kinds), 1) * 2
			}
		}
		cols[i].b.init(p.mem, k, rows, hint)
		if k == kDate || k == kTimestamp {
			cols[i].tp = newTimeParser(p.layout)
		}
	}
	return cols
}

func releaseColumns(cols []columnState) {
	for i := range cols {
		cols[i].b.release()
	}
}

func (p *textParser) finish(cols []columnState, n int) arrow.RecordBatch {
	arrs := make([]arrow.Array, len(cols))
	for i := range cols {
		if cols[i].b.kind == kString && n > 0 {
			p.perRow[i].Store(int64(cols[i].b.dlen)*1024/int64(n) + 64)
		}
		arrs[i] = cols[i].b.finish()
	}
	rec := array.NewRecordBatch(p.schema, arrs, int64(n))
	for _, a := range arrs {
		a.Release()
	}
	return rec
}

// appendText appends one text value to column c.
func (p *textParser) appendText(c *columnState, oc int, f []byte, quoted bool) error {
	b := &c.b
	if b.kind == kString {
		if !quoted && p.nulls.has(f) {
			b.appendNull()
			return nil
		}
		return b.appendString(f)
	}
	t := f
	if len(t) > 0 && (t[0] == ' ' || t[len(t)-1] == ' ' || t[0] == '\t' || t[len(t)-1] == '\t') {
		t = trimSpace(t)
	}
	if p.nulls.has(t) {
		b.appendNull()
		return nil
	}
	return p.appendValue(c, oc, t)
}

// appendValue parses the (trimmed, non-null) text t as column c's type.
func (p *textParser) appendValue(c *columnState, oc int, t []byte) error {
	b := &c.b
	switch b.kind {
	case kInt:
		if v, ok := parseInt(t); ok {
			b.appendInt(v)
			return nil
		}
	case kFloat:
		if v, ok := parseFloat(t); ok {
			b.appendFloat(v)
			return nil
		}
	case kBool:
		if v, ok := parseBool(t, true); ok {
			b.appendBool(v)
			return nil
		}
	case kDate:
		if v, ok := c.tp.date(t, true); ok {
			b.appendDate(v)
			return nil
		}
	case kTimestamp:
		if v, ok := c.tp.timestamp(t, true); ok {
			b.appendInt(v)
			return nil
		}
	}
	return valueError(t, b.kind, p.names[oc])
}

// parseCSV parses one chunk of CSV records.
func (p *textParser) parseCSV(data []byte, rows int) (arrow.RecordBatch, int, error) {
	cols := p.newColumns(rows, len(data))
	s := scanner{data: data, delim: p.delim, ws: p.ws}
	n := 0
	proj := p.proj
	nfile := p.nfile
	for s.startRecord() {
		recLine := s.line
		fi := 0
		for {
			f, quoted, more := s.field()
			if s.err != nil {
				releaseColumns(cols)
				return nil, 0, &ParseError{Line: recLine, Err: s.err}
			}
			if fi < nfile {
				if oc := proj[fi]; oc >= 0 {
					if err := p.appendText(&cols[oc], oc, f, quoted); err != nil {
						releaseColumns(cols)
						return nil, 0, &ParseError{Line: recLine, Column: p.names[oc], Err: err}
					}
				}
			}
			fi++
			if !more {
				break
			}
		}
		if fi != nfile {
			releaseColumns(cols)
			return nil, 0, &ParseError{Line: recLine, Err: fmt.Errorf("expected %d fields, got %d", nfile, fi)}
		}
		n++
	}
	return p.finish(cols, n), s.line, nil
}
