package fileformat

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/float16"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/aftercare/aftercare/workflow"
)

// canonicalType returns the canonical type a column of type t is read as
// (see workflow/types.go): narrower and unsigned integers → int64, float16
// and float32 → float64, string, large string, string view, binary and
// dictionaries of those → string, date64 → date32, timestamps of any unit
// and zone → timestamp[us, UTC], the null type → string (all null).
// Decimals become float64 with a note (the conversion can round). Other
// types (lists, structs, maps, durations, times of day, ...) are not
// supported.
func canonicalType(t arrow.DataType) (arrow.DataType, string, bool) {
	switch t.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64,
		arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
		return workflow.Int64, "", true
	case arrow.FLOAT16, arrow.FLOAT32, arrow.FLOAT64:
		return workflow.Float64, "", true
	case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW,
		arrow.BINARY, arrow.LARGE_BINARY, arrow.BINARY_VIEW, arrow.NULL:
		return workflow.String, "", true
	case arrow.BOOL:
		return workflow.Bool, "", true
	case arrow.DATE32, arrow.DATE64:
		return workflow.Date, "", true
	case arrow.TIMESTAMP:
		return workflow.Timestamp, "", true
	case arrow.DECIMAL32, arrow.DECIMAL64, arrow.DECIMAL128, arrow.DECIMAL256:
		return workflow.Float64, fmt.Sprintf("read as float (%s values may round)", t), true
	case arrow.DICTIONARY:
		vt, note, ok := canonicalType(t.(*arrow.DictionaryType).ValueType)
		return vt, note, ok
	}
	return nil, "", false
}

// typedColumn pairs a column of a self-describing file with the type it
// is read as.
type typedColumn struct {
	index  int // field index in the file
	target arrow.DataType
}

// canonicalSchema maps a file's Arrow schema to canonical types, applying
// the explicit types (only int → float and a type to itself are allowed).
// Columns of unsupported types are an error when they are read (listed
// in want, or every column when want is nil); explicit types naming no
// column are an error too.
func canonicalSchema(path string, file *arrow.Schema, types map[string]arrow.DataType, note func(string, ...any)) (*arrow.Schema, error) {
	var errs []error
	names := make([]string, file.NumFields())
	for i, f := range file.Fields() {
		names[i] = f.Name
	}
	keys := make([]string, 0, len(types))
	for k := range types {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !slices.Contains(names, k) {
			errs = append(errs, fmt.Errorf("types: %s has no column %q%s", path, k, workflow.DidYouMean(k, names)))
		}
	}
	fields := make([]arrow.Field, 0, file.NumFields())
	for _, f := range file.Fields() {
		t, msg, ok := canonicalType(f.Type)
		if !ok {
			errs = append(errs, fmt.Errorf("read %s: column %s has unsupported type %s (supported: %s)", path, f.Name, f.Type, supportedTypes))
			continue
		}
		if msg != "" && note != nil {
			note("%s: column %s: %s", path, f.Name, msg)
		}
		if want, ok := types[f.Name]; ok {
			if _, ok := kindOf(want); !ok {
				errs = append(errs, fmt.Errorf("types: column %s: %s is not a column type", f.Name, want))
			} else if !arrow.TypeEqual(want, t) && !(t.ID() == arrow.INT64 && want.ID() == arrow.FLOAT64) {
				errs = append(errs, fmt.Errorf("types: column %s is %s in %s and cannot be read as %s (only int can be read as float)", f.Name, workflow.TypeName(t), path, workflow.TypeName(want)))
			} else {
				t = want
			}
		}
		fields = append(fields, arrow.Field{Name: f.Name, Type: t, Nullable: true})
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return arrow.NewSchema(fields, nil), nil
}

const supportedTypes = "integers, floats, decimals, strings, binary, bool, dates, timestamps"

// projection finds the file columns for the requested schema.
func projection(path string, file *arrow.Schema, want *arrow.Schema) ([]typedColumn, error) {
	var errs []error
	names := make([]string, file.NumFields())
	for i, f := range file.Fields() {
		names[i] = f.Name
	}
	cols := make([]typedColumn, 0, want.NumFields())
	for _, f := range want.Fields() {
		i := slices.Index(names, f.Name)
		if i < 0 {
			errs = append(errs, fmt.Errorf("read %s: no column %q%s", path, f.Name, workflow.DidYouMean(f.Name, names)))
			continue
		}
		src := file.Field(i).Type
		t, _, ok := canonicalType(src)
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("read %s: column %s has unsupported type %s (supported: %s)", path, f.Name, src, supportedTypes))
		case arrow.TypeEqual(t, f.Type) || (t.ID() == arrow.INT64 && f.Type.ID() == arrow.FLOAT64):
			cols = append(cols, typedColumn{index: i, target: f.Type})
		default:
			errs = append(errs, fmt.Errorf("read %s: column %s is %s in the file, not %s", path, f.Name, workflow.TypeName(t), f.Type))
		}
	}
	return cols, errors.Join(errs...)
}

// normalizeBatch returns a batch of schema built from rec's columns cols,
// converted to their target types.
func normalizeBatch(mem memory.Allocator, rec arrow.RecordBatch, schema *arrow.Schema, cols []typedColumn) (arrow.RecordBatch, error) {
	arrs := make([]arrow.Array, len(cols))
	defer func() {
		for _, a := range arrs {
			if a != nil {
				a.Release()
			}
		}
	}()
	for i, c := range cols {
		a, err := normalizeArray(mem, rec.Column(c.index), c.target)
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", schema.Field(i).Name, err)
		}
		arrs[i] = a
	}
	return array.NewRecordBatch(schema, arrs, rec.NumRows()), nil
}

type valueArray[T any] interface {
	arrow.Array
	Value(int) T
}

type integer interface {
	~int8 | ~int16 | ~int32 | ~int64 | ~uint8 | ~uint16 | ~uint32 | ~uint64
}

func intsToInt64[T integer](mem memory.Allocator, a valueArray[T]) (arrow.Array, error) {
	b := array.NewInt64Builder(mem)
	defer b.Release()
	b.Reserve(a.Len())
	for i := range a.Len() {
		if a.IsNull(i) {
			b.UnsafeAppendBoolToBitmap(false)
			continue
		}
		v := a.Value(i)
		if uint64(v) > math.MaxInt64 && v > 0 {
			return nil, fmt.Errorf("value %d does not fit in int64", uint64(v))
		}
		b.UnsafeAppend(int64(v))
	}
	return b.NewArray(), nil
}

func mapToFloat64[T any](mem memory.Allocator, a valueArray[T], f func(T) float64) arrow.Array {
	b := array.NewFloat64Builder(mem)
	defer b.Release()
	b.Reserve(a.Len())
	for i := range a.Len() {
		if a.IsNull(i) {
			b.UnsafeAppendBoolToBitmap(false)
			continue
		}
		b.UnsafeAppend(f(a.Value(i)))
	}
	return b.NewArray()
}

func mapToInt64[T any](mem memory.Allocator, typ arrow.DataType, a valueArray[T], f func(T) (int64, bool)) (arrow.Array, error) {
	b := array.NewBuilder(mem, typ)
	defer b.Release()
	b.Reserve(a.Len())
	for i := range a.Len() {
		if a.IsNull(i) {
			b.AppendNull()
			continue
		}
		v, ok := f(a.Value(i))
		if !ok {
			return nil, fmt.Errorf("value %v out of range for %s", a.Value(i), typ)
		}
		switch bb := b.(type) {
		case *array.TimestampBuilder:
			bb.UnsafeAppend(arrow.Timestamp(v))
		case *array.Date32Builder:
			bb.UnsafeAppend(arrow.Date32(v))
		}
	}
	return b.NewArray(), nil
}

type decimalValue interface{ ToFloat64(scale int32) float64 }

func decimalToFloat64[T decimalValue](mem memory.Allocator, a valueArray[T]) arrow.Array {
	scale := a.DataType().(arrow.DecimalType).GetScale()
	return mapToFloat64(mem, a, func(v T) float64 { return v.ToFloat64(scale) })
}

// stringish is what the string-like arrays share.
type stringish interface {
	arrow.Array
	ValueStr(int) string
}

// normalizeArray converts a to the canonical type target (see
// canonicalType), returning a new reference (a itself, retained, when it
// already has that type).
func normalizeArray(mem memory.Allocator, a arrow.Array, target arrow.DataType) (arrow.Array, error) {
	if arrow.TypeEqual(a.DataType(), target) {
		a.Retain()
		return a, nil
	}
	switch target.ID() {
	case arrow.INT64:
		switch s := a.(type) {
		case *array.Int8:
			return intsToInt64(mem, s)
		case *array.Int16:
			return intsToInt64(mem, s)
		case *array.Int32:
			return intsToInt64(mem, s)
		case *array.Uint8:
			return intsToInt64(mem, s)
		case *array.Uint16:
			return intsToInt64(mem, s)
		case *array.Uint32:
			return intsToInt64(mem, s)
		case *array.Uint64:
			return intsToInt64(mem, s)
		}
	case arrow.FLOAT64:
		switch s := a.(type) {
		case *array.Float32:
			return mapToFloat64(mem, s, func(v float32) float64 { return float64(v) }), nil
		case *array.Float16:
			return mapToFloat64(mem, s, func(v float16.Num) float64 { return float64(v.Float32()) }), nil
		case *array.Int64:
			return mapToFloat64(mem, s, func(v int64) float64 { return float64(v) }), nil
		case *array.Decimal32:
			return decimalToFloat64(mem, s), nil
		case *array.Decimal64:
			return decimalToFloat64(mem, s), nil
		case *array.Decimal128:
			return decimalToFloat64(mem, s), nil
		case *array.Decimal256:
			return decimalToFloat64(mem, s), nil
		default:
			if t, _, _ := canonicalType(a.DataType()); t != nil && t.ID() == arrow.INT64 {
				ints, err := normalizeArray(mem, a, workflow.Int64)
				if err != nil {
					return nil, err
				}
				defer ints.Release()
				return normalizeArray(mem, ints, target)
			}
		}
	case arrow.DATE32:
		if s, ok := a.(*array.Date64); ok {
			const msPerDay = 86_400_000
			return mapToInt64(mem, workflow.Date, s, func(v arrow.Date64) (int64, bool) {
				return floorDiv(int64(v), msPerDay), true
			})
		}
	case arrow.TIMESTAMP:
		if s, ok := a.(*array.Timestamp); ok {
			unit := s.DataType().(*arrow.TimestampType).Unit
			return mapToInt64(mem, workflow.Timestamp, s, func(v arrow.Timestamp) (int64, bool) {
				return toMicros(int64(v), unit)
			})
		}
	case arrow.STRING:
		if d, ok := a.(*array.Dictionary); ok {
			if out, ok := expandStringDictionary(mem, d); ok {
				return out, nil
			}
			return decodeDictionary(mem, d, target)
		}
		if s, ok := a.(*array.Null); ok {
			b := array.NewStringBuilder(mem)
			defer b.Release()
			b.AppendNulls(s.Len())
			return b.NewArray(), nil
		}
		if s, ok := a.(stringish); ok {
			b := array.NewStringBuilder(mem)
			defer b.Release()
			b.Reserve(s.Len())
			for i := range s.Len() {
				if s.IsNull(i) {
					b.AppendNull()
					continue
				}
				b.Append(stringValue(s, i))
			}
			return b.NewArray(), nil
		}
	}
	if d, ok := a.(*array.Dictionary); ok {
		return decodeDictionary(mem, d, target)
	}
	return nil, fmt.Errorf("cannot convert %s to %s", a.DataType(), target)
}

// stringValue returns the text of element i of a string-like array
// (binary values as their raw bytes).
func stringValue(s stringish, i int) string {
	switch v := s.(type) {
	case *array.Binary:
		return string(v.Value(i))
	case *array.LargeBinary:
		return string(v.Value(i))
	case *array.BinaryView:
		return string(v.Value(i))
	case *array.String:
		return v.Value(i)
	case *array.LargeString:
		return v.Value(i)
	case *array.StringView:
		return v.Value(i)
	}
	return s.ValueStr(i)
}

// decodeDictionary expands a dictionary array into its values' canonical
// type.
func decodeDictionary(mem memory.Allocator, d *array.Dictionary, target arrow.DataType) (arrow.Array, error) {
	dict, err := normalizeArray(mem, d.Dictionary(), target)
	if err != nil {
		return nil, err
	}
	defer dict.Release()
	b := array.NewBuilder(mem, target)
	defer b.Release()
	b.Reserve(d.Len())
	for i := range d.Len() {
		if d.IsNull(i) {
			b.AppendNull()
			continue
		}
		j := d.GetValueIndex(i)
		if dict.IsNull(j) {
			b.AppendNull()
			continue
		}
		switch v := dict.(type) {
		case *array.String:
			b.(*array.StringBuilder).Append(v.Value(j))
		case *array.Int64:
			b.(*array.Int64Builder).Append(v.Value(j))
		case *array.Float64:
			b.(*array.Float64Builder).Append(v.Value(j))
		case *array.Boolean:
			b.(*array.BooleanBuilder).Append(v.Value(j))
		case *array.Date32:
			b.(*array.Date32Builder).Append(v.Value(j))
		case *array.Timestamp:
			b.(*array.TimestampBuilder).Append(v.Value(j))
		default:
			return nil, fmt.Errorf("cannot decode a dictionary of %s", dict.DataType())
		}
	}
	return b.NewArray(), nil
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// toMicros converts a timestamp value in unit to microseconds (nanoseconds
// are floored to the microsecond).
func toMicros(v int64, unit arrow.TimeUnit) (int64, bool) {
	switch unit {
	case arrow.Second:
		if v > math.MaxInt64/1_000_000 || v < math.MinInt64/1_000_000 {
			return 0, false
		}
		return v * 1_000_000, true
	case arrow.Millisecond:
		if v > math.MaxInt64/1_000 || v < math.MinInt64/1_000 {
			return 0, false
		}
		return v * 1_000, true
	case arrow.Nanosecond:
		return floorDiv(v, 1_000), true
	}
	return v, true
}

// expandStringDictionary turns a dictionary of strings with int32 (or
// smaller) indices into a string array, sizing the buffers once and
// copying each value's bytes. It reports false for other dictionaries.
func expandStringDictionary(mem memory.Allocator, d *array.Dictionary) (arrow.Array, bool) {
	dict, ok := d.Dictionary().(*array.String)
	if !ok {
		return nil, false
	}
	n := d.Len()
	idx := make([]int32, n)
	switch ix := d.Indices().(type) {
	case *array.Int32:
		copy(idx, ix.Int32Values())
	case *array.Int16:
		for i, v := range ix.Int16Values() {
			idx[i] = int32(v)
		}
	case *array.Int8:
		for i, v := range ix.Int8Values() {
			idx[i] = int32(v)
		}
	default:
		return nil, false
	}
	doff := dict.ValueOffsets()
	dbytes := dict.ValueBytes()
	valid := func(i int) bool { return d.IsValid(i) && dict.IsValid(int(idx[i])) }
	total, nulls := 0, 0
	if d.NullN() == 0 && dict.NullN() == 0 {
		for _, j := range idx {
			total += int(doff[j+1] - doff[j])
		}
	} else {
		for i, j := range idx {
			if !valid(i) {
				nulls++
				continue
			}
			total += int(doff[j+1] - doff[j])
		}
	}
	if total > math.MaxInt32 {
		return nil, false
	}
	offBuf := memory.NewResizableBuffer(mem)
	offBuf.Resize((n + 1) * 4)
	dataBuf := memory.NewResizableBuffer(mem)
	dataBuf.Resize(total)
	off := arrow.Int32Traits.CastFromBytes(offBuf.Bytes())
	data := dataBuf.Bytes()
	var validBuf *memory.Buffer
	var vb []byte
	if nulls > 0 {
		validBuf = memory.NewResizableBuffer(mem)
		validBuf.Resize(int(bitutil.BytesForBits(int64(n))))
		vb = validBuf.Bytes()
		clear(vb)
	}
	pos := int32(0)
	off[0] = 0
	// Short values (most of them) are moved as four 8-byte words: cheaper
	// than a copy call. The bytes written past a value are overwritten by
	// the next one; values near the end of either buffer use copy.
	limD, limS := int32(len(data)-32), int32(len(dbytes)-32)
	for i, j := range idx {
		if nulls == 0 || valid(i) {
			if vb != nil {
				bitutil.SetBit(vb, i)
			}
			st, e := doff[j], doff[j+1]
			if e-st <= 32 && pos <= limD && st <= limS {
				d, s := data[pos:pos+32], dbytes[st:st+32]
				binary.LittleEndian.PutUint64(d[0:], binary.LittleEndian.Uint64(s[0:]))
				binary.LittleEndian.PutUint64(d[8:], binary.LittleEndian.Uint64(s[8:]))
				binary.LittleEndian.PutUint64(d[16:], binary.LittleEndian.Uint64(s[16:]))
				binary.LittleEndian.PutUint64(d[24:], binary.LittleEndian.Uint64(s[24:]))
				pos += e - st
			} else {
				pos += int32(copy(data[pos:], dbytes[st:e]))
			}
		}
		off[i+1] = pos
	}
	ad := array.NewData(workflow.String, n, []*memory.Buffer{validBuf, offBuf, dataBuf}, nil, nulls, 0)
	out := array.MakeFromData(ad)
	ad.Release()
	offBuf.Release()
	dataBuf.Release()
	if validBuf != nil {
		validBuf.Release()
	}
	return out, true
}
