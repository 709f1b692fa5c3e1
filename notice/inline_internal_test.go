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

// TestLinesTextAsTheRangeWrote: LinesText is, byte for byte, what the
// built-in text layouts' range over Lines wrote before it, in English and
// German, for any lines: instalments, plans, days overdue of 0, 1, -1 and
// more.
func TestLinesTextAsTheRangeWrote(t *testing.T) {
	before := map[string]string{
		"en": `{{range .Lines}}- Invoice {{.Number}} of {{.Issued}}, due {{.Due}}: {{.Description}}{{with .Instalment}} ({{.}}){{end}}
  amount {{.Amount}}, open {{.Open}}{{if .DaysOverdue}}, {{plural .DaysOverdue "day" "days"}} overdue{{end}}
{{with .Plan}}  payment plan agreed: {{.}}
{{end}}{{end}}`,
		"de": `{{range .Lines}}- Rechnung {{.Number}} vom {{.Issued}}, fällig am {{.Due}}: {{.Description}}{{with .Instalment}} ({{.}}){{end}}
  Betrag {{.Amount}}, offen {{.Open}}{{if .DaysOverdue}}, {{plural .DaysOverdue "Tag" "Tage"}} überfällig{{end}}
{{with .Plan}}  vereinbarter Ratenplan: {{.}}
{{end}}{{end}}`,
	}
	str := rapid.OneOf(rapid.Just(""), rapid.String(), rapid.StringOf(rapid.SampledFrom([]rune("<>&'\"+\x00aé€ \n{}"))))
	rapid.Check(t, func(t *rapid.T) {
		lang := rapid.SampledFrom([]string{"en", "de"}).Draw(t, "lang")
		lines := rapid.SliceOfN(rapid.Custom(func(t *rapid.T) LineView {
			return LineView{Number: str.Draw(t, "number"), Issued: str.Draw(t, "issued"), Due: str.Draw(t, "due"), Description: str.Draw(t, "description"),
				Instalment: str.Draw(t, "instalment"), Amount: str.Draw(t, "amount"), Open: str.Draw(t, "open"), Plan: str.Draw(t, "plan"),
				DaysOverdue: rapid.OneOf(rapid.IntRange(-2, 2), rapid.IntRange(-100, 100000)).Draw(t, "days")}
		}), 0, 5).Draw(t, "lines")
		tm, err := parseText("t", before[lang], false)
		if err != nil {
			t.Fatal(err)
		}
		b := &budget{}
		b.start(Limits{})
		var want strings.Builder
		if err := tm.Funcs(b.funcs()).Execute(&want, View{Lines: lines}); err != nil {
			t.Fatal(err)
		}
		if got := linesText(lang, lines); got != want.String() {
			t.Fatalf("linesText %q\ntemplate  %q", got, want.String())
		}
	})
}
