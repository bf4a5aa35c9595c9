package action

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash/maphash"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/template"
	"text/template/parse"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/aftercare/aftercare/steps/segment"
	"github.com/aftercare/aftercare/workflow"
)

func init() {
	workflow.Register(workflow.Spec{
		Type:    "action.plan",
		Summary: "Turn segments into a plan of support actions: one row per customer and action.",
		Description: `Every row of the input whose segment column names a segment listed in
actions gets that segment's action (a comma-separated list of segments, as
segment.rules writes in all_matches mode, gives one action per segment).
The message is a Go text/template over the row's columns ({{.first_name}})
plus .segment, .action, .channel and .due_at; every field it names is
checked against the input columns at plan time, as is each segment against
the segments the upstream segment.rules step can produce.

due: {after: 3d, from: last_purchase} sets due_at to the column's value
plus the delay; without from, or where it is null, the as_of param is the
base. Candidates are ordered by priority (lower first), due_at, then input
order (row, then segment order within a row); then, in that order: customers in the suppress table are dropped,
duplicates (same customer, action and due date) are dropped, and the caps
apply — max_per_customer over all actions, max per action, and budget per
priority. The output, in that order, has a stable action_id: the first 16
bytes (hex) of the SHA-256 of recipe name, customer, action and due date,
so a rerun plans the same ids. Run results: actions per action name,
suppressed, deduplicated and capped counts.`,
		New: func() workflow.Step {
			return &Plan{Segment: workflow.Column{Name: "segment"}, Customer: workflow.Column{Name: "customer_id"},
				SuppressColumn: workflow.Column{Name: "customer_id"}}
		},
		Examples: []string{
			"- {id: orders, type: io.read, path: data/orders.csv}\n" +
				"- {id: rfm, type: features.rfm, input: orders, customer: customer_id, order: order_id, timestamp: ordered_at, amount: amount}\n" +
				"- id: segments\n  type: segment.rules\n  input: rfm\n  rules:\n" +
				"    - {segment: vip, when: monetary > 1000 && recency_days < 90}\n" +
				"    - {segment: lapsing, when: recency_days > 180}\n" +
				"- id: plan\n  type: action.plan\n  input: segments\n  max_per_customer: 1\n  actions:\n" +
				"    vip:\n      action: thank_you_call\n      channel: phone\n      priority: 1\n" +
				"      template: \"Call {{.customer_id}}: {{.frequency}} orders, {{printf \\\"%.0f\\\" .monetary}} spent\"\n" +
				"      due: {after: 3d, from: last_purchase}\n" +
				"    lapsing:\n      action: win_back\n      channel: email\n      priority: 2\n      max: 500\n" +
				"      template: \"We miss you! Your last order was {{.recency_days}} days ago.\"\n" +
				"  budget: {\"2\": 1000}",
		},
	})
}

// Due is when an action falls due: a delay after a date or timestamp
// column (or the as_of param).
type Due struct {
	After time.Duration   `yaml:"after" doc:"Delay after the base time (like 3d, 12h)."`
	From  workflow.Column `yaml:"from" doc:"Date or timestamp column the delay counts from (default: the as_of param)."`
}

// Spec is the action planned for one segment.
type Spec struct {
	Action   string `yaml:"action" required:"true" doc:"Action name (like win_back_email)."`
	Channel  string `yaml:"channel" required:"true" enum:"email|phone|sms|in-app|ticket" doc:"Channel the action goes through."`
	Priority int64  `yaml:"priority" min:"0" doc:"Priority; lower numbers come first when caps apply (default 0)."`
	Template string `yaml:"template" doc:"Go text/template of the message over the row's columns (like {{.first_name}})."`
	Due      Due    `yaml:"due" doc:"When the action falls due."`
	Max      int64  `yaml:"max" min:"0" doc:"At most this many of this action in the plan (0: no cap)."`
}

// Plan is the action.plan step.
type Plan struct {
	Input          workflow.Ref        `yaml:"input" required:"true" doc:"Rows with a customer and a segment column."`
	Segment        workflow.Column     `yaml:"segment" doc:"Segment column (default segment); comma-separated lists give one action per segment."`
	Customer       workflow.Column     `yaml:"customer" doc:"Customer id column (default customer_id)."`
	Actions        workflow.Map[Spec]  `yaml:"actions" required:"true" doc:"Segment → action."`
	Suppress       workflow.Ref        `yaml:"suppress" doc:"Step whose customers never get an action (opt-outs)."`
	SuppressColumn workflow.Column     `yaml:"suppress_column" doc:"Customer id column of the suppress table (default customer_id)."`
	MaxPerCustomer int64               `yaml:"max_per_customer" min:"0" doc:"At most this many actions per customer, most urgent first (0: no cap)."`
	Budget         workflow.Map[int64] `yaml:"budget" doc:"Priority → the most actions of that priority in the plan."`

	specs  []compiled
	budget map[int64]int64
	asOf   *time.Time
	recipe string
}

// compiled is a Spec ready to run.
type compiled struct {
	Spec
	segment  string
	tmpl     *template.Template
	fields   []string // row columns the template reads
	fieldIdx []int    // their positions in the input schema
	dueIdx   int      // position of due.from, -1 for none
	fast     *fastTemplate
}

// Schema is the schema of action.plan's output.
var Schema = arrow.NewSchema([]arrow.Field{
	{Name: "action_id", Type: workflow.String},
	{Name: "customer_id", Type: workflow.String},
	{Name: "segment", Type: workflow.String},
	{Name: "action", Type: workflow.String},
	{Name: "channel", Type: workflow.String},
	{Name: "priority", Type: workflow.Int64},
	{Name: "due_at", Type: workflow.Timestamp, Nullable: true},
	{Name: "message", Type: workflow.String},
}, nil)

// extras are the template fields that are not input columns.
var extras = []string{"segment", "action", "channel", "due_at"}

// Check validates segments, templates, due columns and budgets.
func (s *Plan) Check(c *workflow.CheckContext) {
	s.recipe = c.RecipeName()
	s.asOf = c.AsOf()
	s.budget = map[int64]int64{}
	for _, e := range s.Budget {
		p, err := strconv.ParseInt(e.Key, 10, 64)
		if err != nil {
			c.ErrorAt(e.Pos, "budget."+e.Key, "budget key %q is not a priority (an integer)", e.Key)
			continue
		}
		if e.Value < 0 {
			c.Errorf("budget."+e.Key, "budget must not be negative, got %d", e.Value)
		}
		s.budget[p] = e.Value
	}
	in := c.Schema(s.Input)
	var produced []string
	known := false
	if in != nil {
		if f, ok := column(c, s.Segment, "segment", in); ok {
			if !arrow.TypeEqual(f.Type, workflow.String) {
				c.Errorf("segment", "segment column %s is %s, want string", s.Segment.Name, f.Type)
			}
			produced, known = segment.Segments(f)
		}
		if f, ok := column(c, s.Customer, "customer", in); ok && !idType(f.Type) {
			c.Errorf("customer", "customer column %s is %s, want string or int", s.Customer.Name, f.Type)
		}
	}
	if !s.Suppress.IsZero() {
		if sup := c.Schema(s.Suppress); sup != nil {
			if f, ok := column(c, s.SuppressColumn, "suppress_column", sup); ok && !idType(f.Type) {
				c.Errorf("suppress_column", "suppress column %s is %s, want string or int", s.SuppressColumn.Name, f.Type)
			}
		}
	}
	s.specs = nil
	for _, e := range s.Actions {
		path := "actions." + e.Key
		if known && !slices.Contains(produced, e.Key) {
			c.ErrorAt(e.Pos, path, "no upstream rule produces segment %s%s; the %s column can hold: %s",
				e.Key, workflow.DidYouMean(e.Key, produced), s.Segment.Name, strings.Join(produced, ", "))
		}
		cs := compiled{Spec: e.Value, segment: e.Key}
		t, err := template.New(e.Key).Option("missingkey=zero").Parse(e.Value.Template)
		if err != nil {
			c.Errorf(path+".template", "parse template: %v", err)
		} else {
			cs.tmpl = t
			for _, name := range templateFields(t) {
				if slices.Contains(extras, name) {
					continue
				}
				if in != nil {
					if _, ok := c.Column(path+".template", in, name); ok && !slices.Contains(cs.fields, name) {
						cs.fields = append(cs.fields, name)
					}
				}
			}
		}
		if col := e.Value.Due.From; col.Name != "" && in != nil {
			if f, ok := c.ColumnAt(col.Pos, path+".due.from", in, col.Name); ok &&
				!arrow.TypeEqual(f.Type, workflow.Date) && !arrow.TypeEqual(f.Type, workflow.Timestamp) {
				c.Errorf(path+".due.from", "due.from column %s is %s, want date or timestamp", col.Name, f.Type)
			}
		} else if s.asOf == nil {
			c.Errorf(path+".due", "without due.from the due time counts from the as_of param, which the recipe does not declare")
		}
		cs.dueIdx = -1
		if in != nil {
			if f := cs.Due.From.Name; f != "" && in.HasField(f) {
				cs.dueIdx = in.FieldIndices(f)[0]
			}
			for _, f := range cs.fields {
				cs.fieldIdx = append(cs.fieldIdx, in.FieldIndices(f)[0])
			}
		}
		if cs.tmpl != nil {
			cs.fast = compileFast(cs.tmpl, cs.fields)
		}
		s.specs = append(s.specs, cs)
	}
	c.SetOutput("", Schema)
}

// column looks col up in s, reporting an unknown one at col's position,
// or at path's when col is a default that the recipe does not spell.
func column(c *workflow.CheckContext, col workflow.Column, path string, s *arrow.Schema) (arrow.Field, bool) {
	if col.Pos == (workflow.Pos{}) {
		return c.Column(path, s, col.Name)
	}
	return c.ColumnAt(col.Pos, path, s, col.Name)
}

func idType(t arrow.DataType) bool {
	return arrow.TypeEqual(t, workflow.String) || arrow.TypeEqual(t, workflow.Int64)
}

// templateFields returns the first identifier of every .field reference in
// t, in order of appearance.
func templateFields(t *template.Template) []string {
	var out []string
	var walk func(n parse.Node)
	walk = func(n parse.Node) {
		switch n := n.(type) {
		case nil:
		case *parse.ListNode:
			if n == nil {
				return
			}
			for _, c := range n.Nodes {
				walk(c)
			}
		case *parse.ActionNode:
			walk(n.Pipe)
		case *parse.PipeNode:
			if n == nil {
				return
			}
			for _, c := range n.Cmds {
				walk(c)
			}
		case *parse.CommandNode:
			for _, a := range n.Args {
				walk(a)
			}
		case *parse.FieldNode:
			out = append(out, n.Ident[0])
		case *parse.ChainNode:
			walk(n.Node)
		case *parse.IfNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.RangeNode:
			// Inside a range the dot is the element: only the pipe reads the row.
			walk(n.Pipe)
		case *parse.WithNode:
			walk(n.Pipe)
			walk(n.ElseList)
		case *parse.TemplateNode:
			walk(n.Pipe)
		}
	}
	for _, tt := range t.Templates() {
		if tt.Tree != nil {
			walk(tt.Tree.Root)
		}
	}
	return out
}

// candidate is one planned action before caps.
type candidate struct {
	prio       int64
	due        int64 // microseconds since the epoch; noDue when unknown
	batch, row int32
	spec       int32
	cust       int32 // index of the first candidate of the same customer
	dup        bool  // an earlier candidate in plan order has the same id
	id         [16]byte
}

const noDue = int64(-1 << 63)

// Run plans the actions.
func (s *Plan) Run(ctx context.Context, r *workflow.RunContext) error {
	in, err := workflow.Collect(ctx, r.Input(s.Input))
	if err != nil {
		return err
	}
	defer in.Release()
	var suppressed map[string]struct{}
	if !s.Suppress.IsZero() {
		if suppressed, err = s.suppressSet(ctx, r.Input(s.Suppress)); err != nil {
			return err
		}
	}
	out, st, err := s.plan(ctx, in, suppressed, r.Workers(), r.Mem())
	if err != nil {
		return err
	}
	r.SetOutput("", out)
	r.Metric("candidates", st.candidates)
	r.Metric("actions", st.actions)
	r.Metric("planned", st.planned)
	r.Metric("suppressed", st.suppressed)
	r.Metric("deduplicated", st.dedup)
	r.Metric("capped", st.capped())
	r.Metric("capped_per_customer", st.capCustomer)
	r.Metric("capped_per_action", st.capAction)
	r.Metric("capped_by_budget", st.capBudget)
	return nil
}

// stats are the counts of a planning run.
type stats struct {
	candidates, planned, suppressed, dedup int64
	capCustomer, capAction, capBudget      int64
	actions                                map[string]int64
}

func (st *stats) capped() int64 { return st.capCustomer + st.capAction + st.capBudget }

// suppressSet reads the suppressed customer ids.
func (s *Plan) suppressSet(ctx context.Context, d workflow.Dataset) (map[string]struct{}, error) {
	set := map[string]struct{}{}
	err := d.Scan(ctx, func(b arrow.RecordBatch) error {
		idx := b.Schema().FieldIndices(s.SuppressColumn.Name)
		if len(idx) == 0 {
			return fmt.Errorf("suppress table has no column %s", s.SuppressColumn.Name)
		}
		a := b.Column(idx[0])
		for i := range a.Len() {
			if v, ok := idString(a, i); ok {
				set[v] = struct{}{}
			}
		}
		return nil
	})
	return set, err
}

// idString formats an id value; ok is false for null.
func idString(a arrow.Array, i int) (string, bool) {
	if a.IsNull(i) {
		return "", false
	}
	switch a := a.(type) {
	case *array.String:
		return a.Value(i), true
	case *array.Int64:
		return strconv.FormatInt(a.Value(i), 10), true
	}
	return a.ValueStr(i), true
}

// plan builds the plan table from the collected input.
func (s *Plan) plan(ctx context.Context, in *workflow.Table, suppressed map[string]struct{}, workers int, mem memory.Allocator) (*workflow.Table, stats, error) {
	st := stats{actions: map[string]int64{}}
	bySeg := make(map[string]int32, len(s.specs))
	for i, sp := range s.specs {
		bySeg[sp.segment] = int32(i)
	}
	var asOf int64 = noDue
	if s.asOf != nil {
		asOf = s.asOf.UnixMicro()
	}
	custCols := make([]arrow.Array, len(in.Batches()))
	cands := make([]candidate, 0, in.NumRows())
	for bi, b := range in.Batches() {
		sch := b.Schema()
		si, ci := sch.FieldIndices(s.Segment.Name), sch.FieldIndices(s.Customer.Name)
		if len(si) == 0 || len(ci) == 0 {
			return nil, st, fmt.Errorf("input lacks column %s or %s", s.Segment.Name, s.Customer.Name)
		}
		segs, ok := b.Column(si[0]).(*array.String)
		if !ok {
			return nil, st, fmt.Errorf("segment column %s is %s, want string", s.Segment.Name, b.Column(si[0]).DataType())
		}
		custCols[bi] = b.Column(ci[0])
		for i := range segs.Len() {
			if segs.IsNull(i) {
				continue
			}
			v := segs.Value(i)
			for v != "" {
				name := v
				if j := strings.IndexByte(v, ','); j >= 0 {
					name, v = v[:j], v[j+1:]
				} else {
					v = ""
				}
				if k, ok := bySeg[name]; ok {
					cands = append(cands, candidate{prio: s.specs[k].Priority, batch: int32(bi), row: int32(i), spec: k})
				}
			}
		}
	}
	n := len(cands)
	st.candidates = int64(n)
	// Customer ids, due times, action ids and customer hashes, in
	// parallel over fixed chunks.
	custs := make([]string, n)
	keys := make([]hashKey, n)
	seed := maphash.MakeSeed()
	err := parallel(ctx, n, 1<<14, workers, func(lo, hi int) error {
		var buf []byte
		for i := lo; i < hi; i++ {
			c := &cands[i]
			sp := &s.specs[c.spec]
			cust, ok := idString(custCols[c.batch], int(c.row))
			if !ok {
				return fmt.Errorf("customer column %s is null in a row of segment %s", s.Customer.Name, sp.segment)
			}
			custs[i] = cust
			keys[i] = hashKey{maphash.String(seed, cust), int32(i)}
			c.due = asOf
			if sp.dueIdx >= 0 {
				a := in.Batches()[c.batch].Column(sp.dueIdx)
				if !a.IsNull(int(c.row)) {
					switch a := a.(type) {
					case *array.Date32:
						c.due = int64(a.Value(int(c.row))) * 86_400_000_000
					case *array.Timestamp:
						c.due = int64(a.Value(int(c.row)))
					}
				}
			}
			if c.due != noDue {
				c.due += sp.Due.After.Microseconds()
			}
			buf = s.appendIDInput(buf[:0], cust, sp.Action, c.due)
			sum := sha256.Sum256(buf)
			copy(c.id[:], sum[:16])
		}
		return nil
	})
	if err != nil {
		return nil, st, err
	}
	// Plan order: priority, due time, then input order.
	order := make([]planKey, n)
	for i, c := range cands {
		order[i] = planKey{c.prio, c.due, int32(i)}
	}
	slices.SortFunc(order, func(a, b planKey) int {
		return cmp.Or(cmp.Compare(a.prio, b.prio), cmp.Compare(a.due, b.due), cmp.Compare(a.i, b.i))
	})
	rank := make([]int32, n)
	for r, o := range order {
		rank[o.i] = int32(r)
	}
	// Group the candidates by customer (sorting hashes, then comparing the
	// strings within equal hashes) and mark duplicate ids within a group.
	slices.SortFunc(keys, func(a, b hashKey) int { return cmp.Or(cmp.Compare(a.h, b.h), cmp.Compare(a.i, b.i)) })
	sup := make([]bool, n)
	for lo := 0; lo < n; {
		hi := lo + 1
		for hi < n && keys[hi].h == keys[lo].h {
			hi++
		}
		run := keys[lo:hi]
		for j, kj := range run {
			cj := &cands[kj.i]
			cj.cust = kj.i
			for _, kk := range run[:j] {
				if custs[kk.i] == custs[kj.i] {
					cj.cust = cands[kk.i].cust
					break
				}
			}
			if cj.cust == kj.i {
				_, sup[kj.i] = suppressed[custs[kj.i]]
			}
			for _, kk := range run[:j] {
				ck := &cands[kk.i]
				if ck.id == cj.id && ck.cust == cj.cust {
					if rank[kk.i] < rank[kj.i] {
						cj.dup = true
					} else {
						ck.dup = true
					}
				}
			}
		}
		lo = hi
	}
	kept := make([]int32, 0, n)
	perCust := make([]int32, n)
	perActionName := map[string]int64{}
	perPrio := map[int64]int64{}
	for _, o := range order {
		c := &cands[o.i]
		sp := &s.specs[c.spec]
		switch {
		case sup[c.cust]:
			st.suppressed++
		case c.dup:
			st.dedup++
		case s.MaxPerCustomer > 0 && int64(perCust[c.cust]) >= s.MaxPerCustomer:
			st.capCustomer++
		case sp.Max > 0 && perActionName[sp.Action] >= sp.Max:
			st.capAction++
		case s.overBudget(sp.Priority, perPrio):
			st.capBudget++
		default:
			perCust[c.cust]++
			perActionName[sp.Action]++
			perPrio[sp.Priority]++
			kept = append(kept, o.i)
		}
	}
	st.planned = int64(len(kept))
	for name, n := range perActionName {
		st.actions[name] = n
	}
	out, err := s.build(ctx, in, cands, kept, custs, workers, mem)
	return out, st, err
}

// overBudget reports whether priority p has used up its budget.
func (s *Plan) overBudget(p int64, used map[int64]int64) bool {
	b, ok := s.budget[p]
	return ok && used[p] >= b
}

// hashKey is a candidate's customer hash.
type hashKey struct {
	h uint64
	i int32
}

// planKey orders the candidates.
type planKey struct {
	prio, due int64
	i         int32
}

// appendIDInput appends what the action id hashes: recipe name, customer,
// action and due date, separated by NUL bytes.
func (s *Plan) appendIDInput(buf []byte, cust, action string, due int64) []byte {
	buf = append(buf, s.recipe...)
	buf = append(buf, 0)
	buf = append(buf, cust...)
	buf = append(buf, 0)
	buf = append(buf, action...)
	buf = append(buf, 0)
	if due != noDue {
		buf = time.UnixMicro(due).UTC().AppendFormat(buf, "2006-01-02")
	}
	return buf
}

// chunk is the number of planned actions per output batch.
const chunk = 1 << 16

// build renders the messages and makes the output table, in parallel over
// fixed chunks of the plan combined in order.
func (s *Plan) build(ctx context.Context, in *workflow.Table, cands []candidate, kept []int32, custNames []string, workers int, mem memory.Allocator) (*workflow.Table, error) {
	nb := (len(kept) + chunk - 1) / chunk
	outs := make([]arrow.RecordBatch, nb)
	err := parallel(ctx, nb, 1, workers, func(lo, hi int) error {
		for k := lo; k < hi; k++ {
			b, err := s.buildChunk(in, cands, kept[k*chunk:min((k+1)*chunk, len(kept))], custNames, mem)
			if err != nil {
				return err
			}
			outs[k] = b
		}
		return nil
	})
	if err != nil {
		for _, b := range outs {
			if b != nil {
				b.Release()
			}
		}
		return nil, err
	}
	return workflow.NewTable(Schema, outs...), nil
}

func (s *Plan) buildChunk(in *workflow.Table, cands []candidate, cs []int32, custNames []string, mem memory.Allocator) (arrow.RecordBatch, error) {
	rb := array.NewRecordBuilder(mem, Schema)
	defer rb.Release()
	rb.Reserve(len(cs))
	var custBytes int
	for _, i := range cs {
		custBytes += len(custNames[i])
	}
	ids := rb.Field(0).(*array.StringBuilder)
	custs := rb.Field(1).(*array.StringBuilder)
	segs := rb.Field(2).(*array.StringBuilder)
	acts := rb.Field(3).(*array.StringBuilder)
	chans := rb.Field(4).(*array.StringBuilder)
	prios := rb.Field(5).(*array.Int64Builder)
	dues := rb.Field(6).(*array.TimestampBuilder)
	msgs := rb.Field(7).(*array.StringBuilder)
	ids.ReserveData(32 * len(cs))
	custs.ReserveData(custBytes)
	msgs.ReserveData(64 * len(cs))
	var segBytes, actBytes, chanBytes int
	for _, i := range cs {
		sp := &s.specs[cands[i].spec]
		segBytes += len(sp.segment)
		actBytes += len(sp.Action)
		chanBytes += len(sp.Channel)
	}
	segs.ReserveData(segBytes)
	acts.ReserveData(actBytes)
	chans.ReserveData(chanBytes)
	data := map[string]any{}
	var (
		sb   strings.Builder
		buf  []byte
		vals []any
	)
	for _, i := range cs {
		c := &cands[i]
		sp := &s.specs[c.spec]
		var hexID [32]byte
		hex.Encode(hexID[:], c.id[:])
		ids.BinaryBuilder.Append(hexID[:])
		custs.Append(custNames[i])
		segs.Append(sp.segment)
		acts.Append(sp.Action)
		chans.Append(sp.Channel)
		prios.Append(sp.Priority)
		var dueAt any = ""
		if c.due == noDue {
			dues.AppendNull()
		} else {
			dues.Append(arrow.Timestamp(c.due))
			dueAt = time.UnixMicro(c.due).UTC()
		}
		if sp.tmpl == nil || sp.Template == "" {
			msgs.Append("")
			continue
		}
		b := in.Batches()[c.batch]
		if sp.fast != nil {
			vals = vals[:0]
			for _, f := range sp.fieldIdx {
				vals = append(vals, cell(b.Column(f), int(c.row)))
			}
			extra := [...]any{sp.segment, sp.Action, sp.Channel, dueAt}
			buf = sp.fast.render(buf[:0], vals, extra[:])
			msgs.BinaryBuilder.Append(buf)
			continue
		}
		clear(data)
		data["segment"], data["action"], data["channel"], data["due_at"] = sp.segment, sp.Action, sp.Channel, dueAt
		for k, f := range sp.fieldIdx {
			data[sp.fields[k]] = cell(b.Column(f), int(c.row))
		}
		sb.Reset()
		if err := sp.tmpl.Execute(&sb, data); err != nil {
			return nil, fmt.Errorf("actions.%s.template: customer %s: %w", sp.segment, custNames[i], err)
		}
		msgs.Append(sb.String())
	}
	return rb.NewRecordBatch(), nil
}

// cell returns a value as a template sees it: int64, float64, string,
// bool, time.Time (UTC) for dates and timestamps, "" for null.
func cell(a arrow.Array, i int) any {
	if a.IsNull(i) {
		return ""
	}
	switch a := a.(type) {
	case *array.Int64:
		return a.Value(i)
	case *array.Float64:
		return a.Value(i)
	case *array.String:
		return a.Value(i)
	case *array.Boolean:
		return a.Value(i)
	case *array.Date32:
		return a.Value(i).ToTime().UTC()
	case *array.Timestamp:
		return time.UnixMicro(int64(a.Value(i))).UTC()
	}
	return a.ValueStr(i)
}

// parallel calls fn over fixed chunks of step elements of [0, n) on up to workers
// goroutines and returns the first error in chunk order.
func parallel(ctx context.Context, n, step, workers int, fn func(lo, hi int) error) error {
	nc := (n + step - 1) / step
	errs := make([]error, nc)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range max(1, min(workers, nc)) {
		wg.Go(func() {
			for {
				k := int(next.Add(1) - 1)
				if k >= nc || ctx.Err() != nil {
					return
				}
				errs[k] = fn(k*step, min((k+1)*step, n))
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return ctx.Err()
}

// fastTemplate renders the common template shapes — text, {{.field}} and
// {{printf "format" .a .b}} — without text/template's reflection. Its
// output is the same by construction: text/template prints a value with
// fmt.Fprint and printf is fmt.Sprintf.
type fastTemplate struct {
	parts []fastPart
}

type fastPart struct {
	text   string
	format string
	printf bool
	args   []int // value indexes; a field part has one
}

// compileFast returns a fastTemplate for t, or nil when t uses anything
// else. Value indexes count the row fields first, then extras.
func compileFast(t *template.Template, fields []string) *fastTemplate {
	if len(t.Templates()) != 1 || t.Tree == nil {
		return nil
	}
	index := func(n parse.Node) (int, bool) {
		f, ok := n.(*parse.FieldNode)
		if !ok || len(f.Ident) != 1 {
			return 0, false
		}
		if i := slices.Index(extras, f.Ident[0]); i >= 0 {
			return len(fields) + i, true
		}
		i := slices.Index(fields, f.Ident[0])
		return i, i >= 0
	}
	ft := &fastTemplate{}
	for _, n := range t.Tree.Root.Nodes {
		switch n := n.(type) {
		case *parse.TextNode:
			ft.parts = append(ft.parts, fastPart{text: string(n.Text)})
		case *parse.ActionNode:
			if len(n.Pipe.Decl) > 0 || len(n.Pipe.Cmds) != 1 {
				return nil
			}
			args := n.Pipe.Cmds[0].Args
			if len(args) == 1 {
				i, ok := index(args[0])
				if !ok {
					return nil
				}
				ft.parts = append(ft.parts, fastPart{args: []int{i}})
				continue
			}
			id, ok := args[0].(*parse.IdentifierNode)
			if !ok || id.Ident != "printf" {
				return nil
			}
			format, ok := args[1].(*parse.StringNode)
			if !ok {
				return nil
			}
			p := fastPart{format: format.Text, printf: true, args: []int{}}
			for _, a := range args[2:] {
				i, ok := index(a)
				if !ok {
					return nil
				}
				p.args = append(p.args, i)
			}
			ft.parts = append(ft.parts, p)
		default:
			return nil
		}
	}
	return ft
}

// render appends the message for one row to buf.
func (ft *fastTemplate) render(buf []byte, vals, extra []any) []byte {
	var args [8]any
	at := func(i int) any {
		if i < len(vals) {
			return vals[i]
		}
		return extra[i-len(vals)]
	}
	for _, p := range ft.parts {
		switch {
		case p.args == nil:
			buf = append(buf, p.text...)
		case !p.printf:
			buf = fmt.Append(buf, at(p.args[0]))
		default:
			a := args[:0]
			for _, i := range p.args {
				a = append(a, at(i))
			}
			buf = fmt.Appendf(buf, p.format, a...)
		}
	}
	return buf
}
