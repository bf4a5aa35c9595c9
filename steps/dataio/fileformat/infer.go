package fileformat

import (
	"bytes"
	"io"
)

// Candidate-type bits for inference.
const (
	bInt = 1 << iota
	bFloat
	bBool
	bDate
	bTimestamp
	bAll = bInt | bFloat | bBool | bDate | bTimestamp
)

// inferrer infers column types from sampled text values: int64 if every
// non-null value is an integer, else float64, else bool (true/false),
// else date (YYYY-MM-DD), else timestamp (the built-in forms and the
// user's layouts), else string. A column without a non-null value is
// string.
type inferrer struct {
	masks []uint8
	seen  []bool
	nulls *nullSet
	tp    *timeParser
}

func newInferrer(n int, layouts []string, nulls *nullSet) *inferrer {
	in := &inferrer{masks: make([]uint8, n), seen: make([]bool, n), nulls: nulls, tp: newTimeParser(layouts)}
	for i := range in.masks {
		in.masks[i] = bAll
	}
	return in
}

// observe records one text value of column i.
func (in *inferrer) observe(i int, f []byte) {
	t := trimSpace(f)
	if in.nulls.has(t) {
		return
	}
	in.seen[i] = true
	in.masks[i] = textCandidates(in.masks[i], t, in.tp)
}

// textCandidates narrows the candidate types m by the value t.
func textCandidates(m uint8, t []byte, tp *timeParser) uint8 {
	if m == 0 {
		return 0
	}
	if m&bInt != 0 {
		if _, ok := parseInt(t); ok {
			return m &^ (bBool | bDate | bTimestamp)
		}
		m &^= bInt
	}
	if m&bFloat != 0 {
		if _, ok := parseFloat(t); ok {
			return m &^ (bBool | bDate | bTimestamp)
		}
		m &^= bFloat
	}
	if m&bBool != 0 {
		if _, ok := parseBool(t, false); !ok {
			m &^= bBool
		}
	}
	if m&bDate != 0 {
		if _, ok := isoDate(t); !ok || len(t) != 10 {
			m &^= bDate
		}
	}
	if m&bTimestamp != 0 {
		if _, ok := tp.timestamp(t, false); !ok {
			m &^= bTimestamp
		}
	}
	return m
}

// result returns the inferred kind of column i.
func (in *inferrer) result(i int) kind {
	if !in.seen[i] {
		return kString
	}
	return kindFromMask(in.masks[i])
}

func kindFromMask(m uint8) kind {
	switch {
	case m&bInt != 0:
		return kInt
	case m&bFloat != 0:
		return kFloat
	case m&bBool != 0:
		return kBool
	case m&bDate != 0:
		return kDate
	case m&bTimestamp != 0:
		return kTimestamp
	}
	return kString
}

// sampleVisitor receives one sample chunk. trusted says the chunk starts
// at a known record boundary, line is then the number of data lines
// before it; an untrusted chunk (found by seeking into the file) should
// be read for at most maxRows records and dropped at its first problem.
type sampleVisitor func(data []byte, trusted bool, line int, maxRows int) error

// Sampling shape: regions is how many evenly spaced places beyond the
// head of an uncompressed file are read.
const regions = 32

// sampleText hands visit about inferRows records spread over the whole
// file, starting after the header already read by ck: the first half of
// the budget from the start of the data, the other half from evenly spaced
// places across the rest. An uncompressed file is sampled by seeking
// (each region starts after the first newline found, and ends at its last
// whole line); when the rest of the file is not much bigger than the
// budget it is read whole. A gzip file cannot seek, so it is decompressed
// and cut into small chunks of which an evenly spaced subset is kept
// (halving the kept set whenever it doubles), which costs one
// decompression pass but no parsing beyond the sample.
func sampleText(t *textFile, ck *chunker, inferRows int, visit sampleVisitor) error {
	nHead := max(inferRows/2, 1)
	ck.maxRows = nHead
	head, _, err := ck.next()
	if err == io.EOF {
		return nil
	}
	if err != nil {
		return err
	}
	if err := visit(head, true, 0, 0); err != nil {
		return err
	}
	line := bytes.Count(head, []byte{'\n'})
	rest := inferRows - nHead
	if rest <= 0 || ck.atEOF() {
		return nil
	}
	if !t.compressed() {
		off0 := ck.consumed()
		size := t.size
		avg := float64(len(head)) / float64(max(line, 1))
		if float64(size-off0)/avg <= float64(rest)*1.25 {
			ck.maxRows = max(rest, 1<<16)
			for {
				data, _, err := ck.next()
				if err == io.EOF {
					return nil
				}
				if err != nil {
					return err
				}
				if err := visit(data, true, line, 0); err != nil {
					return err
				}
				line += bytes.Count(data, []byte{'\n'})
			}
		}
		k := min(regions, rest)
		m := max(rest/k, 1)
		window := int64(min(max(int(avg*float64(m)*2)+(64<<10), 64<<10), 16<<20))
		buf := make([]byte, window)
		for i := range k {
			off := off0 + (size-off0)*int64(i)/int64(k)
			n, err := t.f.ReadAt(buf[:min(window, size-off)], off)
			if err != nil && err != io.EOF {
				return err
			}
			b := buf[:n]
			if i > 0 {
				nl := bytes.IndexByte(b, '\n')
				if nl < 0 {
					continue
				}
				b = b[nl+1:]
			}
			if off+int64(n) < size {
				last := bytes.LastIndexByte(b, '\n')
				if last < 0 {
					continue
				}
				b = b[:last+1]
			}
			if err := visit(b, false, 0, m); err != nil {
				return err
			}
		}
		return nil
	}
	// Stream chunks of about a read block each; keep an evenly spaced
	// subset of them and read the first m records of each.
	const keep = 2 * regions
	m := max(rest/keep, 1)
	avg := float64(len(head)) / float64(max(line, 1))
	ck.maxRows = max(int(float64(readBlock)/avg), m)
	type sample struct {
		data []byte
		line int
	}
	var kept []sample
	stride := 1
	for i := 0; ; i++ {
		data, _, err := ck.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if i%stride == 0 {
			inQuote := false
			end, _, done := scanRows(data, true, &inQuote, m)
			if !done {
				end = len(data)
			}
			kept = append(kept, sample{bytes.Clone(data[:end]), line})
			if len(kept) > keep {
				half := kept[:0]
				for j := 0; j < len(kept); j += 2 {
					half = append(half, kept[j])
				}
				kept = half
				stride *= 2
			}
		}
		line += bytes.Count(data, []byte{'\n'})
		ck.recycle(data)
	}
	for _, s := range kept {
		if err := visit(s.data, true, s.line, 0); err != nil {
			return err
		}
	}
	return nil
}
