package notice

import (
	htemplate "html/template"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

// TestInlineKeepsMeaning: a template whose calls inline may and may not
// replace renders the same with and without inlining: a call passing a
// field (not inlined: the dot would differ), a body reading $ (not
// inlined: $ would change from the passed dot to the caller's), a body of
// plain text called with $, a call inside with and range, and nesting.
func TestInlineKeepsMeaning(t *testing.T) {
	srcs := []string{
		`{{define "x"}}[{{.}}]{{end}}{{with .Debtor}}{{template "x" .Name}}{{end}}{{template "x" .Lang}}`,
		`{{define "y"}}<{{$.Name}}>{{end}}{{with .Debtor}}{{template "y" .}}{{end}}`,
		`{{define "z"}}static{{end}}{{with .Debtor}}{{template "z" $}}{{.Name}}{{end}}`,
		`{{define "a"}}{{.Number}}{{template "b" .}}{{end}}{{define "b"}}/{{.Open}}{{end}}{{range .Lines}}{{template "a" .}};{{end}}`,
		`{{define "r"}}{{if .}}{{template "r" false}}{{end}}x{{end}}{{template "r" true}}`,
		`{{define "v"}}{{$n := .Number}}{{$n}}{{end}}{{range .Lines}}{{template "v" .}}{{end}}`,
	}
	n := &Notice{Key: "k", Stage: OverdueNotice, Channel: Email, Language: "en", Currency: "EUR", MinorUnits: 2,
		Creditor: Party{Name: "Northwind"}, Debtor: Party{Name: "Acme"},
		Lines: []Line{{Number: "INV-1", Amount: decimal.New(100, -2), Open: decimal.New(50, -2)}, {Number: "INV-2", Amount: decimal.New(200, -2), Open: decimal.New(200, -2)}}}
	for _, src := range srcs {
		var out [2]string
		for i, inlined := range []bool{false, true} {
			s := NewSet()
			if err := s.add(Key{Language: "en", Stage: OverdueNotice}, Template{Subject: "s", Text: src, HTML: src}, inlined); err != nil {
				t.Fatalf("%s: %v", src, err)
			}
			c := *n
			if err := s.Render(&c); err != nil {
				t.Fatalf("%s inlined=%v: %v", src, inlined, err)
			}
			out[i] = c.Text + "\n" + c.HTML
		}
		if out[0] != out[1] {
			t.Errorf("%s: as written %q, inlined %q", src, out[0], out[1])
		}
	}
}

// builtinRowBefore is the built-in HTML layout's invoice row as it was
// written before LineView.HTMLRow: seven escaped actions.
const builtinRowBefore = `<tr><td>{{.Number}}</td><td>{{.Issued}}</td><td>{{.Due}}</td><td>{{.Description}}{{with .Instalment}} ({{.}}){{end}}</td><td style="text-align:right">{{.Amount}}</td><td style="text-align:right">{{.Open}}</td><td style="text-align:right">{{.DaysOverdue}}</td></tr>`

// TestHTMLRowEscapesAsHTMLTemplate: HTMLRow is, byte for byte, what
// html/template writes for the row's seven actions, for any text: markup,
// quotes, +, NUL, invalid UTF-8, non-ASCII.
func TestHTMLRowEscapesAsHTMLTemplate(t *testing.T) {
	tm := htemplate.Must(htemplate.New("row").Parse(builtinRowBefore))
	str := rapid.OneOf(rapid.String(), rapid.StringOf(rapid.SampledFrom([]rune("<>&'\"+\x00aé€ \t="))), rapid.Map(rapid.SliceOf(rapid.Byte()), func(b []byte) string { return string(b) }))
	rapid.Check(t, func(t *rapid.T) {
		x := LineView{Number: str.Draw(t, "number"), Issued: str.Draw(t, "issued"), Due: str.Draw(t, "due"), Description: str.Draw(t, "description"),
			Instalment: rapid.OneOf(rapid.Just(""), str).Draw(t, "instalment"), Amount: str.Draw(t, "amount"), Open: str.Draw(t, "open"), DaysOverdue: rapid.IntRange(-5, 100000).Draw(t, "days")}
		var want strings.Builder
		if err := tm.Execute(&want, x); err != nil {
			t.Fatal(err)
		}
		if got := string(htmlRow(&x)); got != want.String() {
			t.Fatalf("htmlRow %q\nhtml/template %q", got, want.String())
		}
	})
}
