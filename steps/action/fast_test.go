package action

import (
	"strings"
	"testing"
	"text/template"
	"time"
)

// TestFastTemplateMatchesTextTemplate checks the fast renderer against
// text/template itself on the shapes it accepts, and that it declines the
// others.
func TestFastTemplateMatchesTextTemplate(t *testing.T) {
	fields := []string{"name", "amount", "n", "ok", "when"}
	vals := []any{"Ann", 1234.5, int64(7), true, time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC)}
	extra := []any{"vip", "call", "phone", time.Date(2025, 1, 5, 0, 0, 0, 0, time.UTC)}
	for _, src := range []string{
		"plain text",
		"Hi {{.name}}, {{.amount}} over {{.n}} orders ({{.ok}}) since {{.when}}",
		`{{printf "%s spent %.2f (%d)" .name .amount .n}} in {{.segment}} by {{.channel}} due {{.due_at}}`,
		`{{printf ""}}x{{printf "%v" .amount}}`,
		"{{.amount}}{{.name}}",
	} {
		tm := template.Must(template.New("t").Parse(src))
		ft := compileFast(tm, fields)
		if ft == nil {
			t.Fatalf("%q: not compiled", src)
		}
		data := map[string]any{"segment": "vip", "action": "call", "channel": "phone", "due_at": extra[3]}
		for i, f := range fields {
			data[f] = vals[i]
		}
		var want strings.Builder
		if err := tm.Execute(&want, data); err != nil {
			t.Fatal(err)
		}
		if got := string(ft.render(nil, vals, extra)); got != want.String() {
			t.Errorf("%q: fast %q, text/template %q", src, got, want.String())
		}
	}
	for _, src := range []string{"{{if .ok}}y{{end}}", "{{.when.Year}}", "{{.name | printf \"%q\"}}", "{{$x := .n}}{{$x}}", "{{len .name}}"} {
		if compileFast(template.Must(template.New("t").Parse(src)), fields) != nil {
			t.Errorf("%q: compiled, want the text/template fallback", src)
		}
	}
}
