package notice_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/overduehq/overdue/notice"
)

// statement is Acme's May 2026, by hand: opening 100.00 (INV-1), 05-10
// INV-2 +250.00 = 350.00, 05-20 BANK-1 -100.00 = 250.00, 05-25 BANK-9
// (not yet allocated) -30.00 = 220.00, the closing balance; open on 05-31
// INV-2 250.00, 11 days overdue (due 05-20), less the 30.00 held: 220.00;
// aging 1-30 days 250.00.
func statement(lang string) *notice.Statement {
	return &notice.Statement{
		Number: notice.NumberFor("statement/acme/EUR/2026-05-31"), Date: day("2026-05-31"), From: day("2026-05-01"), To: day("2026-05-31"),
		Language: lang, Creditor: notice.Party{Name: "Northwind GmbH", Address: []string{"Hafenstraße 12", "20457 Hamburg"}},
		Debtor: notice.Party{Name: "Acme Ltd", Reference: "C-1"}, Currency: "EUR", MinorUnits: 2,
		Opening: dec("100.00"),
		Entries: []notice.StatementEntry{
			{Date: day("2026-05-10"), Kind: "invoice", Reference: "INV-2", Debit: dec("250.00"), Balance: dec("350.00")},
			{Date: day("2026-05-20"), Kind: "payment", Reference: "BANK-1", Credit: dec("100.00"), Balance: dec("250.00")},
			{Date: day("2026-05-25"), Kind: "unapplied-payment", Reference: "BANK-9", Credit: dec("30.00"), Balance: dec("220.00")},
		},
		Closing: dec("220.00"), Unapplied: dec("30.00"),
		Items: []notice.Line{{Number: "INV-2", IssueDate: day("2026-05-10"), DueDate: day("2026-05-20"), Amount: dec("250.00"), Open: dec("250.00"), DaysOverdue: 11}},
		Aging: []notice.AgingBucket{{Lo: 0, Hi: 0}, {Lo: 1, Hi: 30, Amount: dec("250.00")}, {Lo: 31, Hi: 60}, {Lo: 61, Hi: 90}, {Lo: 91, Hi: -1}},
	}
}

func statementSet(t *testing.T, k notice.Key, tpl notice.Template) *notice.Set {
	t.Helper()
	set := notice.NewSet()
	k.Stage = notice.StatementOfAccount
	if err := set.Add(k, tpl); err != nil {
		t.Fatal(err)
	}
	return set
}

// A set's statement template for the statement's language is used; one
// for another language is not, and the built-in texts stand in.
func TestStatementTemplate(t *testing.T) {
	set := statementSet(t, notice.Key{Language: "de"}, notice.Template{
		Subject: `Kontostand am {{.To}}`,
		Text:    "{{.S.Debtor.Name}}: Saldo {{.Closing}}{{range .Open}}, {{.Number}} offen {{.Open}}{{end}}\n",
		HTML:    `<p lang="{{.Lang}}">{{.Closing}}</p>`,
	})
	de := statement("de-AT")
	if err := set.RenderStatement(de); err != nil {
		t.Fatal(err)
	}
	if de.Subject != "Kontostand am 31. Mai 2026" || de.Text != "Acme Ltd: Saldo 220,00 EUR, INV-2 offen 250,00 EUR\n" || de.HTML != `<p lang="de">220,00 EUR</p>` {
		t.Errorf("override: %q %q %q", de.Subject, de.Text, de.HTML)
	}
	// On a notice, the same template, found from the notice's key.
	n := &notice.Notice{Language: "de", Workflow: "standard", Step: "statement", Stage: notice.StatementOfAccount, Statement: statement("de")}
	if err := set.Render(n); err != nil || n.Subject != "Kontostand am 31. Mai 2026" || n.Text != de.Text || n.Statement.Text != de.Text {
		t.Errorf("notice: %v %q %q", err, n.Subject, n.Text)
	}
	en := statement("en")
	if err := set.RenderStatement(en); err != nil {
		t.Fatal(err)
	}
	if en.Subject != "Statement of account 1 May 2026 – 31 May 2026" || !strings.Contains(en.Text, "Closing balance on 31 May 2026: EUR 220.00\n") ||
		!strings.HasPrefix(en.HTML, "<!DOCTYPE html>\n<html lang=\"en\">") {
		t.Errorf("built-in fallback: %q\n%s", en.Subject, en.Text)
	}
	var b notice.Statement = *statement("en")
	if err := notice.RenderStatement(&b); err != nil || b.Subject != en.Subject || b.Text != en.Text || b.HTML != en.HTML {
		t.Errorf("RenderStatement differs from a set's fallback: %v", err)
	}
}

// French has no statement texts: the document is English throughout, its
// HTML too.
func TestStatementFrenchIsEnglish(t *testing.T) {
	s := statement("fr")
	if err := notice.RenderStatement(s); err != nil {
		t.Fatal(err)
	}
	if s.Subject != "Statement of account 1 May 2026 – 31 May 2026" || !strings.Contains(s.Text, "Open items on 31 May 2026:\n- Invoice INV-2") ||
		!strings.Contains(s.HTML, `<html lang="en">`) {
		t.Errorf("%q\n%s\n%s", s.Subject, s.Text, s.HTML)
	}
}

// A set whose only statement template is English renders a German
// statement in English throughout (entry kinds, dates, amounts, aging,
// .Lang), and the statement's language, and its notice's, say so.
func TestStatementInTheTemplatesLanguage(t *testing.T) {
	set := statementSet(t, notice.Key{Language: "en"}, notice.Template{
		Subject: `{{.Lang}} statement to {{.To}}`,
		Text:    "{{range .Entries}}{{.Kind}} {{.Date}};{{end}} closing {{.Closing}}{{range .Open}}, {{.Number}} open {{.Open}}{{end}}{{range .Aging}}; {{.Label}}{{end}}\n",
		HTML:    `<html lang="{{.Lang}}">{{.Closing}}</html>`,
	})
	s := statement("de")
	if err := set.RenderStatement(s); err != nil {
		t.Fatal(err)
	}
	want := "Invoice 10 May 2026;Payment 20 May 2026;Payment, not yet allocated 25 May 2026; closing EUR 220.00, INV-2 open EUR 250.00; not yet due; 1-30 days overdue"
	if s.Subject != "en statement to 31 May 2026" || !strings.HasPrefix(s.Text, want) || s.HTML != `<html lang="en">EUR 220.00</html>` || s.Language != "en" {
		t.Errorf("language %q: %q\n%s\n%s", s.Language, s.Subject, s.Text, s.HTML)
	}
	n := &notice.Notice{Language: "de", Stage: notice.StatementOfAccount, Statement: statement("de")}
	if err := set.Render(n); err != nil || n.Text != s.Text || n.Language != "en" || n.Statement.Language != "en" {
		t.Errorf("on a notice: %v, languages %q and %q\n%s", err, n.Language, n.Statement.Language, n.Text)
	}
	// The built-in German texts keep a German statement German.
	de := statement("de-AT")
	if err := notice.RenderStatement(de); err != nil || de.Language != "de-AT" || !strings.Contains(de.HTML, `<html lang="de">`) {
		t.Errorf("German: %v, language %q", err, de.Language)
	}
}

// A template that leaves out what a statement must show does not render:
// the error names the key and the part, and the statement is unchanged.
func TestStatementTemplateOmits(t *testing.T) {
	k := notice.Key{Language: "en", Stage: notice.StatementOfAccount}
	for _, tc := range []struct {
		name      string
		tpl       notice.Template
		part, why string
	}{
		{"closing", notice.Template{Subject: "Your account", Text: "{{range .Open}}{{.Number}} {{.Open}}\n{{end}}"}, "text", "closing balance EUR 220.00"},
		{"item", notice.Template{Subject: "Your account", Text: "Balance {{.Closing}}\n"}, "text", "open item INV-2 with its open amount EUR 250.00"},
		{"html", notice.Template{Subject: "{{.Closing}}", Text: "{{range .Open}}{{.Number}} {{.Open}}{{end}}", HTML: "<p>Your account</p>"}, "html", "closing balance EUR 220.00"},
	} {
		s := statement("en")
		err := statementSet(t, k, tc.tpl).RenderStatement(s)
		var te *notice.TemplateError
		if !errors.As(err, &te) || te.Key != k || te.Part != tc.part || !strings.Contains(err.Error(), tc.why) || s.Subject != "" || s.Text != "" {
			t.Errorf("%s: %v (subject %q)", tc.name, err, s.Subject)
		}
	}
}

// A statement whose figures do not reconcile is refused before any
// template runs; the set's render limits apply to statements too.
func TestStatementRenderRefuses(t *testing.T) {
	s := statement("en")
	s.Closing = dec("219.99")
	var ve *notice.ValidationError
	if err := notice.RenderStatement(s); !errors.As(err, &ve) || !strings.Contains(err.Error(), "closing") {
		t.Errorf("unreconciled: %v", err)
	}
	s = statement("en")
	if err := notice.Builtin().WithLimits(notice.Limits{MaxBytes: 500, Timeout: time.Second}).RenderStatement(s); !errors.Is(err, notice.ErrLimit) || s.Text != "" {
		t.Errorf("500 bytes: %v", err)
	}
}

// The stage has a name templates files use; a dunning notice cannot take
// it.
func TestStatementStage(t *testing.T) {
	set, err := notice.ParseSet([]byte(`{"templates": [{"language": "en", "stage": "statement-of-account", "subject": "S", "text": "{{.Closing}}"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if k, err := set.Resolve(notice.Key{Language: "en-GB", Stage: notice.StatementOfAccount}); err != nil || k.Stage.String() != "statement-of-account" {
		t.Errorf("resolve: %s %v", k, err)
	}
	n := sample("en", notice.StatementOfAccount)
	var ve *notice.ValidationError
	if err := n.Validate(); !errors.As(err, &ve) || !strings.Contains(err.Error(), "stage") {
		t.Errorf("a dunning notice at the statement stage: %v", err)
	}
	if err := notice.Builtin().Render(n); err == nil || !strings.Contains(err.Error(), "without its Statement") || n.Text != "" {
		t.Errorf("render a statement-of-account notice without a Statement: %v", err)
	}
}

// TestBuiltinFallbackParsedOnce: RenderStatement, and Render and
// RenderStatement on a set without the template (nor a fallback set), use
// a built-in set parsed once, not on every call: parsing the built-in set
// allocates tens of thousands of times, a render a few hundred (counted
// here, on an already warm set, against a bound of 2,000 per call).
func TestBuiltinFallbackParsedOnce(t *testing.T) {
	const most = 2000
	if got := testing.AllocsPerRun(1, func() { _ = notice.Builtin() }); got < 10*most {
		t.Fatalf("parsing the built-in set: %v allocations, want far more than %d for this test to tell", got, most)
	}
	empty := notice.NewSet()
	n := bigNotice(3, 20)
	for name, render := range map[string]func() error{
		"RenderStatement":            func() error { return notice.RenderStatement(statement("de")) },
		"Set.RenderStatement":        func() error { return empty.RenderStatement(statement("en")) },
		"Set.Render":                 func() error { c := *n; return empty.Render(&c) },
		"Set.WithLimits(...).Render": func() error { c := *n; return empty.WithLimits(notice.Limits{MaxBytes: 1 << 16}).Render(&c) },
		"Set.With(NewSet()).Render":  func() error { c := *n; return empty.With(notice.NewSet()).Render(&c) },
	} {
		if err := render(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := testing.AllocsPerRun(20, func() { _ = render() }); got > most {
			t.Errorf("%s: %v allocations a call: the built-in set is parsed on every call", name, got)
		}
	}
}
