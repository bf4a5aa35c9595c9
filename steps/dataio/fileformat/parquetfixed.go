package fileformat

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"

	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
)

// Fixed-width columns (INT64, INT32, DOUBLE and FLOAT: integers, floats,
// dates and timestamps) are decoded page by page as well, by fixedChunk:
// through the column chunk reader each value passes a generic dictionary
// decoder, a converter and a copy, and nulls need a second pass to spread
// the values over their rows. Here the dictionary is converted to the
// output type once (widened, or rescaled for timestamps), and a page's
// values are gathered straight into the array, run by run between nulls.

// fixedChunk is the decoding state of one fixed-width column chunk.
type fixedChunk struct {
	fl    fastLeaf
	phys  parquet.Type
	size  int      // bytes per stored value: 4 or 8
	same  bool     // stored values are the output's 8 bytes unchanged
	dict  []uint64 // the dictionary, converted (8-byte outputs)
	dict4 []uint32 // the dictionary (dates)
	has   bool     // a dictionary page was read
	defs  []uint8
	dictp bool   // the current page is dictionary-encoded
	hy    hybrid // its indices
	plain []byte // or its PLAIN values, as stored
}

// newFixedChunk returns a decoder for a column of physical type phys, or
// false when the type is not fixed-width.
func newFixedChunk(fl fastLeaf, phys parquet.Type) (*fixedChunk, bool) {
	fc := &fixedChunk{fl: fl, phys: phys}
	switch phys {
	case parquet.Types.Int64, parquet.Types.Double:
		fc.size = 8
	case parquet.Types.Int32, parquet.Types.Float:
		fc.size = 4
	default:
		return nil, false
	}
	fc.same = phys == parquet.Types.Double ||
		phys == parquet.Types.Int64 && (fl.kind != kTimestamp || fl.tsMul == 1 && fl.tsDiv == 1)
	return fc, true
}

// conv turns the stored value at p (size bytes) into the output's bits:
// 8 bytes for integers, floats and timestamps, 4 for dates.
func (fc *fixedChunk) conv(p []byte) uint64 {
	switch fc.phys {
	case parquet.Types.Int64:
		v := int64(binary.LittleEndian.Uint64(p))
		if fc.fl.kind == kTimestamp {
			if fc.fl.tsDiv != 1 {
				v = floorDiv(v, fc.fl.tsDiv)
			} else {
				v *= fc.fl.tsMul
			}
		}
		return uint64(v)
	case parquet.Types.Double:
		return binary.LittleEndian.Uint64(p)
	case parquet.Types.Int32:
		v := binary.LittleEndian.Uint32(p)
		if fc.fl.kind == kDate {
			return uint64(v)
		}
		return uint64(int64(int32(v)))
	default: // FLOAT
		return math.Float64bits(float64(math.Float32frombits(binary.LittleEndian.Uint32(p))))
	}
}

// wide reports whether the output is 8 bytes a value (all but dates).
func (fc *fixedChunk) wide() bool { return fc.fl.kind != kDate }

func (fc *fixedChunk) readDictionary(pg file.Page) error {
	data := pg.Data()
	n := int(pg.NumValues())
	enc := parquet.Encoding(pg.Encoding())
	if enc != parquet.Encodings.Plain && enc != parquet.Encodings.PlainDict {
		return fmt.Errorf("dictionary page encoded as %s", enc)
	}
	if n < 0 || n > len(data)/fc.size {
		return errCorruptPage
	}
	fc.has = true
	if fc.wide() {
		fc.dict = slices.Grow(fc.dict[:0], n)[:n]
		if fc.same {
			for i := range fc.dict {
				fc.dict[i] = binary.LittleEndian.Uint64(data[8*i:])
			}
			return nil
		}
		for i := range fc.dict {
			fc.dict[i] = fc.conv(data[fc.size*i:])
		}
		return nil
	}
	fc.dict4 = slices.Grow(fc.dict4[:0], n)[:n]
	for i := range fc.dict4 {
		fc.dict4[i] = binary.LittleEndian.Uint32(data[4*i:])
	}
	return nil
}

func (fc *fixedChunk) readDataPage(pg file.Page) (int, error) {
	data, defs, nonNull, err := pageLevels(pg, fc.fl.maxDef, fc.defs)
	if err != nil {
		return 0, err
	}
	fc.defs = defs
	fc.plain = nil
	fc.dictp = false
	switch enc := parquet.Encoding(pg.Encoding()); enc {
	case parquet.Encodings.RLEDict, parquet.Encodings.PlainDict:
		if !fc.has {
			return 0, fmt.Errorf("dictionary-encoded page without a dictionary")
		}
		dl := len(fc.dict)
		if !fc.wide() {
			dl = len(fc.dict4)
		}
		if err := startIndices(&fc.hy, data, nonNull, dl); err != nil {
			return 0, err
		}
		fc.dictp = true
	case parquet.Encodings.Plain:
		if len(data) < nonNull*fc.size {
			return 0, errCorruptPage
		}
		fc.plain = data[:nonNull*fc.size]
	default:
		return 0, fmt.Errorf("data page encoded as %s", enc)
	}
	return int(pg.NumValues()), nil
}

func (fc *fixedChunk) appendTo(b *colBuilder, lo, hi, v int) (int, error) {
	if len(fc.defs) == 0 {
		return v + hi - lo, fc.put(b, v, hi-lo)
	}
	// Runs of values between the nulls.
	defs := fc.defs[:hi]
	for k := lo; k < hi; {
		if defs[k] == 0 {
			b.appendNull()
			k++
			continue
		}
		e := k + 1
		for e < hi && defs[e] != 0 {
			e++
		}
		if err := fc.put(b, v, e-k); err != nil {
			return 0, err
		}
		v += e - k
		k = e
	}
	return v, nil
}

// put appends the current page's values [v, v+cnt) to b, which has room.
func (fc *fixedChunk) put(b *colBuilder, v, cnt int) error {
	start := b.n
	b.n += cnt
	if fc.dictp {
		for cnt > 0 {
			idx, run, j, m, err := fc.hy.next(cnt)
			if err != nil {
				return err
			}
			switch {
			case run && fc.wide():
				x, out := fc.dict[j], b.u64[start:start+m]
				for k := range out {
					out[k] = x
				}
			case run:
				x, out := fc.dict4[j], b.u32[start:start+m]
				for k := range out {
					out[k] = x
				}
			case fc.wide():
				out, dict := b.u64[start:start+len(idx)], fc.dict
				for k, j := range idx {
					out[k] = dict[j]
				}
			default:
				out, dict := b.u32[start:start+len(idx)], fc.dict4
				for k, j := range idx {
					out[k] = dict[j]
				}
			}
			start += m
			cnt -= m
		}
		return nil
	}
	src := fc.plain[v*fc.size : (v+cnt)*fc.size]
	switch {
	case !fc.wide():
		out := b.u32[start : start+cnt]
		for k := range out {
			out[k] = binary.LittleEndian.Uint32(src[4*k:])
		}
	case fc.same:
		out := b.u64[start : start+cnt]
		for k := range out {
			out[k] = binary.LittleEndian.Uint64(src[8*k:])
		}
	default:
		out := b.u64[start : start+cnt]
		for k := range out {
			out[k] = fc.conv(src[fc.size*k:])
		}
	}
	return nil
}
