package features_test

import (
	"strings"
	"testing"
)

func joinData() {
	putData("customers", schemaOf("id", str, "region", i64, "score", f64), 2,
		[]any{"c3", 1, 0.3},
		[]any{"c1", 2, 0.1},
		[]any{nil, 1, 0.9},
		[]any{"c2", 1, 0.2},
		[]any{"c9", 3, 0.5},
	)
	putData("tickets", schemaOf("customer", str, "region", i64, "tickets", i64, "score", f64), 2,
		[]any{"c1", 2, 4, 9.0},
		[]any{"c2", 1, 1, 8.0},
		[]any{"c3", 9, 7, 7.0}, // region differs: no match on (id, region)
		[]any{nil, 1, 5, 6.0},  // null key matches nothing
	)
	putData("dup", schemaOf("customer", str, "tickets", i64), 2,
		[]any{"c1", 1},
		[]any{"c2", 2},
		[]any{"c1", 3},
		[]any{"c1", 4},
	)
}

func TestJoinKinds(t *testing.T) {
	joinData()
	src := `version: 1
name: join
steps:
  - {id: c, type: test.data, name: customers}
  - {id: t, type: test.data, name: tickets}
  - id: left
    type: features.join
    left: c
    right: t
    left_on: [id]
    right_on: [customer]
    suffix: _t
  - id: inner
    type: features.join
    left: c
    right: t
    left_on: [id, region]
    right_on: [customer, region]
    how: inner
    columns: [tickets]
  - {id: anti, type: features.join, left: c, right: t, left_on: [id], right_on: [customer], how: anti}
  - {id: semi, type: features.join, left: c, right: t, left_on: [id], right_on: [customer], how: semi}
  - {id: o1, type: test.capture, input: left, name: left}
  - {id: o2, type: test.capture, input: inner, name: inner}
  - {id: o3, type: test.capture, input: anti, name: anti}
  - {id: o4, type: test.capture, input: semi, name: semi}
`
	_, _, tabs := run(t, src)
	l := tabs["left"]
	if strings.Join(l.Names, ",") != "id,region,score,region_t,tickets,score_t" {
		t.Fatalf("left columns %v", l.Names)
	}
	checkCol(t, l, "id", []any{"c3", "c1", nil, "c2", "c9"})
	checkCol(t, l, "tickets", []any{int64(7), int64(4), nil, int64(1), nil})
	checkCol(t, l, "region_t", []any{int64(9), int64(2), nil, int64(1), nil})
	checkCol(t, l, "score_t", []any{7.0, 9.0, nil, 8.0, nil})
	in := tabs["inner"]
	if strings.Join(in.Names, ",") != "id,region,score,tickets" {
		t.Fatalf("inner columns %v", in.Names)
	}
	checkCol(t, in, "id", []any{"c1", "c2"})
	checkCol(t, in, "tickets", []any{int64(4), int64(1)})
	checkCol(t, tabs["anti"], "id", []any{nil, "c9"})
	checkCol(t, tabs["semi"], "id", []any{"c3", "c1", "c2"})
	if got := strings.Join(tabs["anti"].Names, ","); got != "id,region,score" {
		t.Errorf("anti columns %s", got)
	}
}

func TestJoinDuplicates(t *testing.T) {
	joinData()
	base := `version: 1
name: join
steps:
  - {id: c, type: test.data, name: customers}
  - {id: d, type: test.data, name: dup}
  - {id: j, type: features.join, left: c, right: d, left_on: [id], right_on: [customer]DUP}
  - {id: o, type: test.capture, input: j, name: j}
`
	_, _, _, err := tryRun(t, strings.Replace(base, "DUP", "", 1))
	if err == nil || !strings.Contains(err.Error(), `right input d has 3 rows with key id="c1"`) || !strings.Contains(err.Error(), "duplicates: first or last") {
		t.Errorf("err = %v", err)
	}
	_, _, tabs := run(t, strings.Replace(base, "DUP", ", duplicates: first", 1))
	checkCol(t, tabs["j"], "tickets", []any{nil, int64(1), nil, int64(2), nil})
	_, _, tabs = run(t, strings.Replace(base, "DUP", ", duplicates: last", 1))
	checkCol(t, tabs["j"], "tickets", []any{nil, int64(4), nil, int64(2), nil})
	// Anti joins do not care about duplicates.
	_, _, tabs = run(t, strings.Replace(base, "DUP", ", how: anti", 1))
	checkCol(t, tabs["j"], "id", []any{"c3", nil, "c9"})
}

func TestJoinPlanErrors(t *testing.T) {
	joinData()
	msg := planErrors(t, `version: 1
name: join
steps:
  - {id: c, type: test.data, name: customers}
  - {id: t, type: test.data, name: tickets}
  - {id: j1, type: features.join, left: c, right: t, left_on: [id], right_on: [tickets]}
  - {id: j2, type: features.join, left: c, right: t, left_on: [id], right_on: [customer]}
  - {id: j3, type: features.join, left: c, right: t, on: [idd]}
`)
	for _, w := range []string{
		`right_on[0]: key "id" is string on the left (c) but "tickets" is int on the right (t)`,
		`step j2: right columns "region", "score" are also on the left: set suffix`,
		`step j3: on[0]: unknown column "idd" (did you mean id?)`,
	} {
		if !strings.Contains(msg, w) {
			t.Errorf("diagnostics lack %q:\n%s", w, msg)
		}
	}
}
