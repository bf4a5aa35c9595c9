package action_test

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// Customers; c1 appears twice (a duplicate row). With as_of 2025-01-01:
//
//	c1 Ann 1500 last 2024-12-01 : vip
//	c2 Bob  200 last 2024-06-01 : lapsing (214 days)
//	c3 Cid   50 last 2024-12-20 : regular
//	c4 Dee 3000 last 2024-12-10 : vip (and big in planAll)
//	c5 Eve 2500 last null       : vip (and big); null date is not lapsing
//	c6 Fay  100 last 2024-05-01 : lapsing
func init() {
	putData("cust", schemaOf("customer_id", str, "first_name", str, "monetary", f64, "last_purchase", date), 3,
		[]any{"c1", "Ann", 1500.0, "2024-12-01"},
		[]any{"c2", "Bob", 200.0, "2024-06-01"},
		[]any{"c3", "Cid", 50.0, "2024-12-20"},
		[]any{"c4", "Dee", 3000.0, "2024-12-10"},
		[]any{"c5", "Eve", 2500.0, nil},
		[]any{"c6", "Fay", 100.0, "2024-05-01"},
		[]any{"c1", "Ann", 1500.0, "2024-12-01"},
	)
	putData("optout", schemaOf("customer_id", str), 10, []any{"c4"}, []any{"zz"})
}

const planFirst = `
version: 1
name: r
params:
  as_of: {type: date, default: "2025-01-01"}
steps:
  - {id: cust, type: test.data, name: cust}
  - {id: optout, type: test.data, name: optout}
  - id: seg
    type: segment.rules
    input: cust
    rules:
      - {segment: vip, when: monetary > 1000}
      - {segment: lapsing, when: 'days_between(last_purchase, now()) > 90'}
    default: regular
  - id: plan
    type: action.plan
    input: seg
    suppress: optout
    budget: {"1": 1}
    actions:
      vip:
        action: thank_you
        channel: phone
        priority: 1
        template: 'Hi {{.first_name}}, thanks for {{printf "%.0f" .monetary}} ({{.segment}})'
        due: {after: 3d, from: last_purchase}
      lapsing:
        action: win_back
        channel: email
        priority: 2
        template: '{{.first_name}}: we miss you. Reply by {{.due_at.Format "Jan 2"}}'
        due: {after: 1d}
  - {id: cap, type: test.capture, input: plan, name: plan}
`

// TestPlanFirstMatch checks the plan worked out by hand: candidates
// thank_you c1 (due 12-04), c4 (12-13), c5 (as_of+3d = 01-04), c1 again;
// win_back c2, c6 (01-02). c4 is suppressed, the second c1 deduplicated,
// c5 capped by the priority-1 budget of 1.
func TestPlanFirstMatch(t *testing.T) {
	res, _, tabs := run(t, planFirst)
	got := tabs["plan"]
	check := func(col string, want []any) {
		t.Helper()
		if g := got.Col(col); !reflect.DeepEqual(g, want) {
			t.Errorf("%s = %v, want %v", col, g, want)
		}
	}
	check("customer_id", []any{"c1", "c2", "c6"})
	check("action", []any{"thank_you", "win_back", "win_back"})
	check("channel", []any{"phone", "email", "email"})
	check("priority", []any{int64(1), int64(2), int64(2)})
	check("segment", []any{"vip", "lapsing", "lapsing"})
	day := func(s string) time.Time { return mustTime(s) }
	check("due_at", []any{day("2024-12-04"), day("2025-01-02"), day("2025-01-02")})
	check("message", []any{"Hi Ann, thanks for 1500 (vip)", "Bob: we miss you. Reply by Jan 2", "Fay: we miss you. Reply by Jan 2"})
	// Expected ids from Python: hashlib.sha256(b"r\x00c1\x00thank_you\x002024-12-04").hexdigest()[:32].
	ids := got.Col("action_id")
	if ids[0] != "9370ec3078933360786436a26917e7a8" || ids[1] != "419b2645e65a4b4ad000a5635fe58399" {
		t.Errorf("action ids %v", ids)
	}
	m := res.Steps[3].Metrics
	want := map[string]any{"candidates": int64(6), "planned": int64(3), "suppressed": int64(1), "deduplicated": int64(1),
		"capped": int64(1), "capped_by_budget": int64(1), "capped_per_customer": int64(0), "capped_per_action": int64(0)}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("metric %s = %v, want %v", k, m[k], v)
		}
	}
	if a := m["actions"].(map[string]int64); a["thank_you"] != 1 || a["win_back"] != 2 {
		t.Errorf("actions = %v", a)
	}
}

// TestPlanAllMatchesCaps: c4 and c5 are in vip and big; with
// max_per_customer 1 the more urgent thank_you wins and both gifts are
// capped; the duplicate c1 is deduplicated. Without due.from the due time
// is as_of.
func TestPlanAllMatchesCaps(t *testing.T) {
	res, _, tabs := run(t, `
version: 1
name: r
params:
  as_of: {type: date, default: "2025-01-01"}
steps:
  - {id: cust, type: test.data, name: cust}
  - id: seg
    type: segment.rules
    input: cust
    mode: all_matches
    rules:
      - {segment: vip, when: monetary > 1000}
      - {segment: big, when: monetary > 2000}
  - id: plan
    type: action.plan
    input: seg
    segment: segments
    max_per_customer: 1
    actions:
      vip: {action: thank_you, channel: phone, priority: 1, template: "{{.customer_id}}"}
      big: {action: gift, channel: email, priority: 2}
  - {id: cap, type: test.capture, input: plan, name: plan}
`)
	got := tabs["plan"]
	if g := got.Col("customer_id"); !reflect.DeepEqual(g, []any{"c1", "c4", "c5"}) {
		t.Errorf("customers = %v", g)
	}
	if g := got.Col("action"); !reflect.DeepEqual(g, []any{"thank_you", "thank_you", "thank_you"}) {
		t.Errorf("actions = %v", g)
	}
	if g := got.Col("message"); !reflect.DeepEqual(g, []any{"c1", "c4", "c5"}) {
		t.Errorf("messages = %v", g)
	}
	if g := got.Col("due_at"); g[0] != mustTime("2025-01-01") {
		t.Errorf("due_at = %v", g)
	}
	m := res.Steps[2].Metrics
	if m["capped_per_customer"] != int64(2) || m["deduplicated"] != int64(1) || m["candidates"] != int64(6) {
		t.Errorf("metrics %v", m)
	}
}

func TestPlanPerActionMax(t *testing.T) {
	_, _, tabs := run(t, strings.Replace(strings.Replace(planFirst, "budget: {\"1\": 1}", "", 1), "priority: 2\n", "priority: 2\n        max: 1\n", 1))
	if g := tabs["plan"].Col("customer_id"); !reflect.DeepEqual(g, []any{"c1", "c5", "c2"}) {
		t.Errorf("customers = %v", g)
	}
}

func TestPlanErrors(t *testing.T) {
	for _, tc := range []struct{ old, new, want string }{
		{"      lapsing:\n", "      lapsed:\n", "no upstream rule produces segment lapsed"},
		{"{{.first_name}}: we miss", "{{.frist_name}}: we miss", `unknown column "frist_name" (did you mean first_name?)`},
		{"{{.first_name}}: we miss", "{{if .vip}}x{{end}}: we miss", `unknown column "vip"`},
		{"{{.first_name}}: we miss", "{{.first_name: we miss", "parse template"},
		{"from: last_purchase", "from: first_name", "want date or timestamp"},
		{"channel: email", "channel: fax", "fax"},
		{`budget: {"1": 1}`, `budget: {high: 1}`, "not a priority"},
	} {
		msg := planErrors(t, strings.Replace(planFirst, tc.old, tc.new, 1))
		if !strings.Contains(msg, tc.want) {
			t.Errorf("got %s\nwant it to contain %s", msg, tc.want)
		}
	}
}
