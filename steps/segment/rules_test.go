package segment_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/aftercare/aftercare/steps/segment"
	"github.com/aftercare/aftercare/workflow"
)

// Six customers; the expected segments below were worked out by hand from
// the rules:
//
//	c1 m=1500 r=30  f=5 : vip, active
//	c2 m=200  r=200 f=1 : lapsing, new
//	c3 m=50   r=40  f=1 : new, active
//	c4 m=300  r=100 f=3 : none
//	c5 m=null r=70  f=2 : none (null monetary makes vip false)
//	c6 m=2000 r=10  f=1 : vip, new, active
func init() {
	putData("cust", schemaOf("customer_id", str, "monetary", f64, "recency_days", i64, "frequency", i64), 4,
		[]any{"c1", 1500.0, 30, 5},
		[]any{"c2", 200.0, 200, 1},
		[]any{"c3", 50.0, 40, 1},
		[]any{"c4", 300.0, 100, 3},
		[]any{"c5", nil, 70, 2},
		[]any{"c6", 2000.0, 10, 1},
	)
}

const rulesRecipe = `
version: 1
name: r
steps:
  - {id: cust, type: test.data, name: cust}
  - id: seg
    type: segment.rules
    input: cust
    %MODE%
    rules:
      - {segment: vip, when: monetary > 1000 && recency_days < 90}
      - {segment: lapsing, when: recency_days > 180}
      - {segment: new, when: frequency == 1}
      - {segment: active, when: recency_days < 60}
    default: regular
  - {id: cap, type: test.capture, input: seg, name: seg}
`

func TestRulesFirstMatch(t *testing.T) {
	res, _, tabs := run(t, strings.Replace(rulesRecipe, "%MODE%", "", 1))
	got := tabs["seg"]
	want := []any{"vip", "lapsing", "new", "regular", "regular", "vip"}
	if !reflect.DeepEqual(got.Col("segment"), want) {
		t.Errorf("segment = %v, want %v", got.Col("segment"), want)
	}
	m := res.Steps[1].Metrics
	if m["multi_match_rows"] != int64(4) || m["unmatched_rows"] != int64(2) || m["rows"] != int64(6) {
		t.Errorf("metrics %v", m)
	}
	rules := m["rules"].([]map[string]any)
	wantMatched := []int64{2, 1, 3, 3}
	wantAssigned := []int64{2, 1, 1, 0}
	for i, r := range rules {
		if r["matched"] != wantMatched[i] || r["assigned"] != wantAssigned[i] {
			t.Errorf("rule %d: %v, want matched %d assigned %d", i+1, r, wantMatched[i], wantAssigned[i])
		}
	}
	wantSeg := map[string]int64{"vip": 2, "lapsing": 1, "new": 1, "active": 0, "regular": 2}
	if !reflect.DeepEqual(m["segment_rows"], wantSeg) {
		t.Errorf("segment_rows = %v, want %v", m["segment_rows"], wantSeg)
	}
}

func TestRulesAllMatches(t *testing.T) {
	res, _, tabs := run(t, strings.Replace(rulesRecipe, "%MODE%", "mode: all_matches", 1))
	got := tabs["seg"]
	want := []any{"vip,active", "lapsing,new", "new,active", "regular", "regular", "vip,new,active"}
	if !reflect.DeepEqual(got.Col("segments"), want) {
		t.Errorf("segments = %v, want %v", got.Col("segments"), want)
	}
	if w := []any{true, false, false, false, false, true}; !reflect.DeepEqual(got.Col("in_vip"), w) {
		t.Errorf("in_vip = %v, want %v", got.Col("in_vip"), w)
	}
	if w := []any{false, false, false, true, true, false}; !reflect.DeepEqual(got.Col("in_regular"), w) {
		t.Errorf("in_regular = %v, want %v", got.Col("in_regular"), w)
	}
	wantSeg := map[string]int64{"vip": 2, "lapsing": 1, "new": 3, "active": 3, "regular": 2}
	if m := res.Steps[1].Metrics; !reflect.DeepEqual(m["segment_rows"], wantSeg) {
		t.Errorf("segment_rows = %v, want %v", m["segment_rows"], wantSeg)
	}
}

func TestRulesNoDefaultGivesNull(t *testing.T) {
	_, _, tabs := run(t, `
version: 1
name: r
steps:
  - {id: cust, type: test.data, name: cust}
  - id: seg
    type: segment.rules
    input: cust
    output: tier
    rules:
      - {segment: big, when: monetary >= 300}
  - {id: cap, type: test.capture, input: seg, name: seg}
`)
	want := []any{"big", nil, nil, "big", nil, "big"}
	if got := tabs["seg"].Col("tier"); !reflect.DeepEqual(got, want) {
		t.Errorf("tier = %v, want %v", got, want)
	}
}

func TestRulesSchemaMetadata(t *testing.T) {
	p := plan(t, strings.Replace(rulesRecipe, "%MODE%", "", 1), t.TempDir(), "r.yaml")
	s := p.Step("seg").Schema("")
	if s == nil {
		t.Fatal("no schema")
	}
	i := s.FieldIndices("segment")
	names, ok := segment.Segments(s.Field(i[0]))
	if !ok || !reflect.DeepEqual(names, []string{"vip", "lapsing", "new", "active", "regular"}) {
		t.Errorf("segments metadata = %v %v", names, ok)
	}
}

func TestRulesPlanErrors(t *testing.T) {
	for _, tc := range []struct{ name, rules, want string }{
		{"unknown column", "- {segment: a, when: monetry > 1}", `r.yaml:9:28: step seg: rules[0].when: unknown name monetry (did you mean monetary?)`},
		{"not bool", "- {segment: a, when: customer_id}", "bool"},
		{"unreachable", "- {segment: a, when: 'true'}\n      - {segment: b, when: monetary > 1}", "rule 2 (segment b) can never match: rule 1 (segment a) above it is always true"},
		{"unreachable const expr", "- {segment: a, when: 1 < 2}\n      - {segment: b, when: monetary > 1}", "can never match"},
		{"bad name", "- {segment: 'a,b', when: monetary > 1}", "may only hold"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msg := planErrors(t, "version: 1\nname: r\nsteps:\n  - {id: cust, type: test.data, name: cust}\n  - id: seg\n    type: segment.rules\n    input: cust\n    rules:\n      "+tc.rules+"\n")
			if !strings.Contains(msg, tc.want) {
				t.Errorf("got %s\nwant it to contain %s", msg, tc.want)
			}
		})
	}
}

var _ = workflow.Timestamp
