package features

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/aftercare/aftercare/workflow"
)

func init() {
	workflow.Register(workflow.Spec{
		Type:    "features.join",
		Summary: "Join two inputs on key columns: left, inner, semi or anti (a hash join on the right side).",
		Description: `The right input is read into memory and indexed by its keys; the left
input streams past it, so the output keeps the left rows' order.

  left   every left row, with the right columns of its match (null if none)
  inner  left rows with a match, with the right columns
  semi   left rows with a match, left columns only
  anti   left rows without a match, left columns only (a suppression list)

Keys are named by on (same names on both sides) or left_on and right_on,
and must have the same types on both sides. A null key matches nothing (as
in SQL). A key that occurs on more than one right row is an error naming
it for left and inner joins, unless duplicates says to keep the first or
the last such row (in the right input's order). The right input's key
columns are not repeated in the output; a right column whose name is
already on the left is an error unless suffix is given (then it is
renamed name+suffix).`,
		New: func() workflow.Step { return &Join{How: "left", Duplicates: "error"} },
		Examples: []string{
			"- {id: customers, type: io.read, path: data/customers.csv}\n- {id: tickets, type: io.read, path: data/tickets.csv}\n- id: ticket_features\n  type: features.aggregate\n  input: tickets\n  by: [customer_id]\n  aggregates:\n    tickets: {count: \"*\"}\n    avg_satisfaction: {mean: satisfaction}\n- id: enriched\n  type: features.join\n  left: customers\n  right: ticket_features\n  on: [customer_id]\n  how: left",
			"- {id: customers, type: io.read, path: data/customers.csv}\n- {id: orders, type: io.read, path: data/orders.csv}\n- {id: returns, type: features.filter, input: orders, where: returned}\n- id: never_returned\n  type: features.join\n  left: customers\n  right: returns\n  on: [customer_id]\n  how: anti",
		},
	})
}

// Join is the features.join step.
type Join struct {
	Left       workflow.Ref      `yaml:"left" required:"true" doc:"Step whose rows are kept (streamed, in order)."`
	Right      workflow.Ref      `yaml:"right" required:"true" doc:"Step looked up by key (read into memory)."`
	On         []workflow.Column `yaml:"on" doc:"Key columns with the same name on both sides."`
	LeftOn     []workflow.Column `yaml:"left_on" doc:"Key columns of the left input (with right_on, instead of on)."`
	RightOn    []workflow.Column `yaml:"right_on" doc:"Key columns of the right input, matched in order with left_on."`
	How        string            `yaml:"how" enum:"left|inner|semi|anti" doc:"Join type: left, inner, semi or anti."`
	Duplicates string            `yaml:"duplicates" enum:"error|first|last" doc:"What to do when a key occurs on several right rows (left and inner joins): error, or keep the first or last such row."`
	Suffix     string            `yaml:"suffix" doc:"Appended to a right column name that is already on the left, like _right; without it such a clash is an error."`
	Columns    []workflow.Column `yaml:"columns" doc:"Right columns to bring (default: every non-key column)."`

	plan *joinPlan
}

type joinPlan struct {
	leftKeys, rightKeys []int
	keyTypes            []arrow.DataType
	rightCols           []int // right columns in the output
	out                 *arrow.Schema
	keyNames            []string
	left, right         *arrow.Schema // planned input schemas: the positions above index them
}

// Check validates the keys (names and matching types), the column names
// of the output and declares its schema.
func (s *Join) Check(c *workflow.CheckContext) {
	s.plan = nil
	ls, rs := c.Schema(s.Left), c.Schema(s.Right)
	lk, rk := s.On, s.On
	lpath, rpath := "on", "on"
	switch {
	case len(s.On) > 0 && (len(s.LeftOn) > 0 || len(s.RightOn) > 0):
		c.Errorf("on", "give either on or left_on and right_on, not both")
		return
	case len(s.On) == 0 && len(s.LeftOn) == 0 && len(s.RightOn) == 0:
		c.Errorf("", "join needs keys: on (same names on both sides) or left_on and right_on")
		return
	case len(s.On) == 0:
		if len(s.LeftOn) != len(s.RightOn) {
			c.Errorf("right_on", "left_on has %d columns but right_on has %d", len(s.LeftOn), len(s.RightOn))
			return
		}
		lk, rk, lpath, rpath = s.LeftOn, s.RightOn, "left_on", "right_on"
	}
	if ls == nil || rs == nil {
		return
	}
	p := &joinPlan{left: ls, right: rs}
	ok := true
	for i := range lk {
		lp, rp := fmt.Sprintf("%s[%d]", lpath, i), fmt.Sprintf("%s[%d]", rpath, i)
		lf, lok := c.ColumnAt(lk[i].Pos, lp, ls, lk[i].Name)
		rj := rs.FieldIndices(rk[i].Name)
		if len(rj) == 0 {
			c.ErrorAt(rk[i].Pos, rp, "the right input %s has no column %q%s", s.Right, rk[i].Name, workflow.DidYouMean(rk[i].Name, workflow.FieldNames(rs)))
			ok = false
		}
		if !lok || len(rj) == 0 {
			ok = false
			continue
		}
		rf := rs.Field(rj[0])
		switch {
		case !arrow.TypeEqual(lf.Type, rf.Type):
			c.ErrorAt(rk[i].Pos, rp, "key %q is %s on the left (%s) but %q is %s on the right (%s): cast one side with features.select",
				lk[i].Name, workflow.TypeName(lf.Type), s.Left, rk[i].Name, workflow.TypeName(rf.Type), s.Right)
			ok = false
		default:
			if _, kok := keyKindOf(lf.Type); !kok {
				c.ErrorAt(lk[i].Pos, lp, "key column %q is %s: keys must be string, int, float, date, timestamp or bool", lk[i].Name, workflow.TypeName(lf.Type))
				ok = false
			}
		}
		p.leftKeys = append(p.leftKeys, ls.FieldIndices(lk[i].Name)[0])
		p.rightKeys = append(p.rightKeys, rj[0])
		p.keyTypes = append(p.keyTypes, lf.Type)
		p.keyNames = append(p.keyNames, lk[i].Name)
	}
	if !ok {
		return
	}
	rIdx := p.rightKeys
	fields := append([]arrow.Field(nil), ls.Fields()...)
	if len(s.Columns) > 0 && (s.How == "semi" || s.How == "anti") {
		c.Errorf("columns", "columns applies to left and inner joins: a %s join keeps the left columns only", s.How)
		ok = false
	}
	if s.How == "left" || s.How == "inner" {
		isKey := map[int]bool{}
		for _, j := range rIdx {
			isKey[j] = true
		}
		var cols []int
		if len(s.Columns) > 0 {
			for i, col := range s.Columns {
				path := fmt.Sprintf("columns[%d]", i)
				if _, cok := c.ColumnAt(col.Pos, path, rs, col.Name); !cok {
					ok = false
					continue
				}
				j := rs.FieldIndices(col.Name)[0]
				if isKey[j] {
					c.ErrorAt(col.Pos, path, "column %q is a key: the output has the left key already", col.Name)
					ok = false
					continue
				}
				cols = append(cols, j)
			}
		} else {
			for j := range rs.NumFields() {
				if !isKey[j] {
					cols = append(cols, j)
				}
			}
		}
		have := map[string]bool{}
		for _, f := range fields {
			have[f.Name] = true
		}
		var clashes []string
		for _, j := range cols {
			f := rs.Field(j)
			name := f.Name
			if have[name] {
				if s.Suffix == "" {
					clashes = append(clashes, name)
					continue
				}
				name += s.Suffix
				if have[name] {
					c.Errorf("suffix", "right column %q renamed %q still clashes with a left column", f.Name, name)
					ok = false
					continue
				}
			}
			have[name] = true
			fields = append(fields, arrow.Field{Name: name, Type: f.Type, Nullable: true})
			p.rightCols = append(p.rightCols, j)
		}
		if len(clashes) > 0 {
			c.Errorf("", "right columns %s are also on the left: set suffix (like suffix: _right), list the right columns to bring with columns, or rename them upstream",
				quoteList(clashes))
			ok = false
		}
	}
	p.out = arrow.NewSchema(fields, nil)
	c.SetOutput("", p.out)
	if ok {
		s.plan = p
	}
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, ", ")
}

// joinIndex is the built right side: a key table, the right row each key
// maps to, and the right columns concatenated.
type joinIndex struct {
	table *groupTable
	row   []int64 // right row of each key (by group index)
	cols  []arrow.Array
}

func (ix *joinIndex) release() {
	for _, c := range ix.cols {
		c.Release()
	}
	ix.cols = nil
}

// buildIndex reads the right input and indexes it by key.
func (s *Join) buildIndex(ctx context.Context, p *joinPlan, d workflow.Dataset, mem memory.Allocator) (*joinIndex, error) {
	t := newGroupTable(p.keyTypes)
	ix := &joinIndex{table: t}
	need := s.How == "left" || s.How == "inner"
	var (
		count  []int32
		dupKey int32 = -1
		ndup   int
		parts  = make([][]arrow.Array, len(p.rightCols))
		gids   []int32
		keep   []bool
		cols   = make([]arrow.Array, len(p.rightKeys))
		row0   int64
	)
	defer func() {
		for _, ps := range parts {
			for _, a := range ps {
				a.Release()
			}
		}
	}()
	err := d.Scan(ctx, func(rec arrow.RecordBatch) error {
		n := int(rec.NumRows())
		if n == 0 {
			return nil
		}
		if cap(gids) < n {
			gids, keep = make([]int32, n), make([]bool, n)
		}
		gids, keep = gids[:n], keep[:n]
		var mask []bool
		for k, j := range p.rightKeys {
			cols[k] = rec.Column(j)
			if cols[k].NullN() > 0 {
				if mask == nil {
					for i := range keep {
						keep[i] = true
					}
					mask = keep
				}
				for i := range n {
					mask[i] = mask[i] && cols[k].IsValid(i)
				}
			}
		}
		t.assign(cols, n, mask, gids)
		ix.row = growTo(ix.row, t.Len())
		count = growTo(count, t.Len())
		for i, g := range gids {
			if g < 0 {
				continue
			}
			count[g]++
			switch {
			case count[g] == 1:
				ix.row[g] = row0 + int64(i)
			case s.Duplicates == "last":
				ix.row[g] = row0 + int64(i)
			case count[g] == 2:
				ndup++
				if dupKey < 0 {
					dupKey = g
				}
			}
		}
		if need {
			for k, j := range p.rightCols {
				a := rec.Column(j)
				a.Retain()
				parts[k] = append(parts[k], a)
			}
		}
		row0 += int64(n)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if need && s.Duplicates == "error" && dupKey >= 0 {
		more := ""
		if ndup > 1 {
			more = fmt.Sprintf(" (%d keys occur more than once)", ndup)
		}
		return nil, fmt.Errorf("right input %s has %d rows with key %s%s: set duplicates: first or last to keep one row per key, or aggregate the right side first",
			s.Right, count[dupKey], describeKey(t, dupKey, p.keyNames), more)
	}
	for k, ps := range parts {
		var a arrow.Array
		switch len(ps) {
		case 0:
			a = array.MakeArrayOfNull(mem, p.out.Field(len(p.out.Fields())-len(p.rightCols)+k).Type, 0)
		case 1:
			a = ps[0]
			a.Retain()
		default:
			a, err = array.Concatenate(ps, mem)
			if err != nil {
				ix.release()
				return nil, fmt.Errorf("concatenate right column: %w", err)
			}
		}
		ix.cols = append(ix.cols, a)
	}
	return ix, nil
}

// describeKey formats group g's key as name=value pairs for messages.
func describeKey(t *groupTable, g int32, names []string) string {
	parts := make([]string, len(t.keys))
	for k, ks := range t.keys {
		var v string
		switch {
		case ks.null != nil && ks.null[g]:
			v = "null"
		case ks.kind == keyStr:
			v = strconv.Quote(string(ks.str(g)))
		case ks.kind == keyBool:
			v = strconv.FormatBool(ks.ints[g] != 0)
		case ks.kind == keyFloat:
			v = strconv.FormatFloat(math.Float64frombits(uint64(ks.ints[g])), 'g', -1, 64)
		default:
			v = formatIntLike(ks.typ, ks.ints[g])
		}
		parts[k] = names[k] + "=" + v
	}
	return strings.Join(parts, ", ")
}

// formatIntLike formats an int64, date (days) or timestamp (µs) value.
func formatIntLike(t arrow.DataType, v int64) string {
	switch t.ID() {
	case arrow.DATE32:
		return arrow.Date32(v).FormattedString()
	case arrow.TIMESTAMP:
		return arrow.Timestamp(v).ToTime(arrow.Microsecond).UTC().Format("2006-01-02T15:04:05.999999Z07:00")
	}
	return strconv.FormatInt(v, 10)
}

// joinDataset is the lazy join output; it owns the right-side index.
type joinDataset struct {
	workflow.Dataset
	ix *joinIndex
}

// Release frees the right-side columns.
func (j *joinDataset) Release() { j.ix.release() }

// Run builds the right-side index and returns the lazily joined left
// input.
func (s *Join) Run(ctx context.Context, r *workflow.RunContext) error {
	if s.plan == nil {
		return fmt.Errorf("step was not planned")
	}
	mem := r.Mem()
	left, right := r.Input(s.Left), r.Input(s.Right)
	p, err := s.plan.bind(left.Schema(), right.Schema(), r.Columns(""))
	if err != nil {
		return err
	}
	ix, err := s.buildIndex(ctx, p, right, mem)
	if err != nil {
		return err
	}
	r.Metric("right_keys", ix.table.Len())
	lazy := r.Lazy(left, p.out, func(rec arrow.RecordBatch) (arrow.RecordBatch, error) {
		return s.probe(p, rec, ix, mem)
	})
	r.SetOutput("", &joinDataset{Dataset: lazy, ix: ix})
	return nil
}

// probe joins one left batch.
func (s *Join) probe(p *joinPlan, rec arrow.RecordBatch, ix *joinIndex, mem memory.Allocator) (arrow.RecordBatch, error) {
	n := int(rec.NumRows())
	pr := *ix.table // a private copy of the scratch state: scans may run concurrently
	pr.views = make([]keyView, len(pr.keys))
	pr.scratch = make([][]int64, len(pr.keys))
	pr.hs = nil
	cols := make([]arrow.Array, len(p.leftKeys))
	anyNull := false
	for k, j := range p.leftKeys {
		cols[k] = rec.Column(j)
		anyNull = anyNull || cols[k].NullN() > 0
	}
	pr.prepare(cols, n)
	match := make([]int, n) // right row, -1 for none
	for i := range n {
		match[i] = -1
		if anyNull {
			null := false
			for _, c := range cols {
				null = null || c.IsNull(i)
			}
			if null {
				continue
			}
		}
		if g := pr.lookup(i); g >= 0 {
			match[i] = int(ix.row[g])
		}
	}
	switch s.How {
	case "semi", "anti":
		want := s.How == "semi"
		idx := make([]int, 0, n)
		for i, m := range match {
			if (m >= 0) == want {
				idx = append(idx, i)
			}
		}
		if len(idx) == n {
			rec.Retain()
			return rec, nil
		}
		if len(idx) == 0 {
			return nil, nil
		}
		return TakeRows(rec, idx, mem)
	}
	var left arrow.RecordBatch
	rows := match
	if s.How == "inner" {
		idx := make([]int, 0, n)
		rows = rows[:0:0]
		for i, m := range match {
			if m >= 0 {
				idx = append(idx, i)
				rows = append(rows, m)
			}
		}
		if len(idx) == 0 {
			return nil, nil
		}
		if len(idx) < n {
			var err error
			if left, err = TakeRows(rec, idx, mem); err != nil {
				return nil, err
			}
			defer left.Release()
		}
	}
	if left == nil {
		left = rec
	}
	out := make([]arrow.Array, 0, len(p.out.Fields()))
	defer func() {
		for _, a := range out {
			a.Release()
		}
	}()
	for i := range int(left.NumCols()) {
		a := left.Column(i)
		a.Retain()
		out = append(out, a)
	}
	for _, rc := range ix.cols {
		a, err := TakeArray(rc, rows, mem)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return array.NewRecordBatch(p.out, out, int64(len(rows))), nil
}
