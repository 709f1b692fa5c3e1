package notice_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/overduehq/overdue/notice"
)

func TestResolveFallbackOrder(t *testing.T) {
	set := notice.NewSet()
	tpl := func(name string) notice.Template { return notice.Template{Subject: name, Text: name} }
	keys := []notice.Key{
		{Templates: "formal", Workflow: "standard", Step: "overdue-1", Language: "de", Stage: notice.OverdueNotice},
		{Templates: "formal", Workflow: "standard", Language: "de", Stage: notice.OverdueNotice},
		{Templates: "formal", Language: "de", Stage: notice.OverdueNotice},
		{Language: "de", Stage: notice.OverdueNotice},
		{Language: "en", Stage: notice.OverdueNotice},
	}
	for _, k := range keys {
		if err := set.Add(k, tpl(k.String())); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		k    notice.Key
		want notice.Key
	}{
		{notice.Key{Templates: "formal", Workflow: "standard", Step: "overdue-1", Language: "de-AT", Stage: notice.OverdueNotice}, keys[0]},
		{notice.Key{Templates: "formal", Workflow: "standard", Step: "final", Language: "de", Stage: notice.OverdueNotice}, keys[1]},
		{notice.Key{Templates: "formal", Workflow: "vip", Step: "x", Language: "DE", Stage: notice.OverdueNotice}, keys[2]},
		{notice.Key{Templates: "casual", Workflow: "standard", Language: "de", Stage: notice.OverdueNotice}, keys[3]},
		// French has nothing: English is the last language tried.
		{notice.Key{Templates: "formal", Language: "fr", Stage: notice.OverdueNotice}, keys[4]},
	} {
		got, err := set.Resolve(tc.k)
		if err != nil || got != tc.want {
			t.Errorf("Resolve(%s) = %s, %v; want %s", tc.k, got, err, tc.want)
		}
	}
	if _, err := set.Resolve(notice.Key{Language: "en", Stage: notice.FinalNotice}); err == nil {
		t.Error("a stage without templates resolved")
	}
	// Rendering falls back to the built-in templates.
	n := sample("fr", notice.FinalNotice)
	if err := set.Render(n); err != nil || !strings.Contains(n.Subject, "EUR 1,378.86") {
		t.Errorf("built-in fallback: %q, %v", n.Subject, err)
	}
	// A set layered over another looks in itself first.
	over := notice.NewSet()
	_ = over.Add(notice.Key{Language: "en", Stage: notice.OverdueNotice}, tpl("override"))
	n = sample("en", notice.OverdueNotice)
	if err := over.With(set).Render(n); err != nil || n.Subject != "override" {
		t.Errorf("layered: %q, %v", n.Subject, err)
	}
}

// One language per notice, whatever set renders it: a notice whose
// language has no template reads the language of the template it falls
// back to throughout (dates, amounts, invoice list, charges, payment text
// and ways to pay, .Lang) and says so in Notice.Language; one whose
// language has a template keeps its tag and region. A render that fails
// leaves the language as it was.
func TestRenderInTheTemplatesLanguage(t *testing.T) {
	tpl := notice.Template{
		Subject: "{{.Lang}} {{.Total}}",
		Text:    "{{.Lang}}|{{.Locale}}|{{.N.Language}}|{{.Date}}|{{.LinesText}}|{{range .Fees}}{{.Label}};{{end}}|{{.Payment.Instructions}}|{{.Options}}|{{range .Lines}}{{.Due}};{{end}}\n",
		HTML:    `<html lang="{{.Lang}}">{{.Total}}</html>`,
	}
	set := notice.NewSet()
	for _, l := range []string{"en", "de"} {
		if err := set.Add(notice.Key{Language: l, Stage: notice.OverdueNotice}, tpl); err != nil {
			t.Fatal(err)
		}
	}
	enOnly := notice.NewSet()
	if err := enOnly.Add(notice.Key{Language: "en", Stage: notice.OverdueNotice}, tpl); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		set      *notice.Set
		lang     string
		want     string   // Notice.Language after the render
		has, not []string // in subject, text and HTML
	}{
		{"German without German templates", enOnly, "de-AT", "en",
			[]string{"en EUR 1,378.86", "en|en|en|14 April 2026|- Invoice INV-1 of 1 March 2026", "Late fee;", "|We do not accept cheques.|bank transfer, card|", `<html lang="en">`},
			[]string{"Rechnung", "Mahngebühr", "Schecks", "Banküberweisung", "April 2026,", "1.378,86", "de|", "de-AT"}},
		{"French falls back to English", set, "fr", "en",
			[]string{"en EUR 1,378.86", "en|en|en|", `<html lang="en">`}, []string{"fr|", `"fr"`}},
		{"German with German templates", set, "de-AT", "de-AT",
			[]string{"de 1.378,86 EUR", "de|de-AT|de-AT|14. April 2026|- Rechnung INV-1 vom 1. März 2026", "Mahngebühr;", "|Schecks nehmen wir nicht an.|Banküberweisung, Kartenzahlung|", `<html lang="de">`},
			[]string{"Invoice", "Late fee", "cheques", "EUR 1"}},
		{"English region kept", enOnly, "en-US", "en-US", []string{"en|en-US|en-US|April 14, 2026|"}, nil},
	} {
		n := sample(tc.lang, notice.OverdueNotice)
		if err := tc.set.Render(n); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		all := n.Subject + "\n" + n.Text + n.HTML
		for _, w := range tc.has {
			if !strings.Contains(all, w) {
				t.Errorf("%s: %q missing:\n%s", tc.name, w, all)
			}
		}
		for _, w := range tc.not {
			if strings.Contains(all, w) {
				t.Errorf("%s: %q in:\n%s", tc.name, w, all)
			}
		}
		if n.Language != tc.want {
			t.Errorf("%s: Notice.Language %q, want %q", tc.name, n.Language, tc.want)
		}
		// Rendered again, the notice reads the same.
		before := *n
		if err := tc.set.Render(n); err != nil || n.Subject != before.Subject || n.Text != before.Text || n.HTML != before.HTML || n.Language != before.Language {
			t.Errorf("%s: rendered again: %v, language %q\n%s", tc.name, err, n.Language, n.Text)
		}
	}
	// A render that fails (here, past the size limit) changes nothing.
	n := sample("de", notice.OverdueNotice)
	if err := enOnly.WithLimits(notice.Limits{MaxBytes: 10}).Render(n); !errors.Is(err, notice.ErrLimit) || n.Language != "de" || n.Text != "" {
		t.Errorf("failed render: %v, language %q, text %q", err, n.Language, n.Text)
	}
}

func TestParseSetErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"templates": [{"language": "en", "stage": "overdue-notice", "subject": "{{.Total}", "text": "x"}]}`, `templates[0]`},
		{`{"templates": [{"language": "en", "stage": "overdue-notice", "subject": "s", "text": "x"}, {"language": "en", "stage": "later", "subject": "s", "text": "x"}]}`, `stage "later"`},
		{`{"templates": [{"language": "", "stage": "overdue-notice", "subject": "s", "text": "x"}]}`, `language`},
		{`{"templates": [{"language": "en", "stage": "final-notice", "subject": "s", "text": " "}]}`, `text template is empty`},
		{`{"templates": [{"language": "en", "stage": "final-notice", "subject": "s", "text": "x", "html": "<p>{{.Total</p>"}]}`, `html`},
		{`{"templates": [], "extra": 1}`, `unknown field "extra"`},
	} {
		_, err := notice.ParseSet([]byte(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseSet(%s): err = %v, want %q", tc.in, err, tc.want)
		}
	}
	var te *notice.TemplateError
	_, err := notice.ParseSet([]byte(`{"templates": [{"language": "en", "stage": "overdue-notice", "subject": "{{.Total}", "text": "x"}]}`))
	if !errors.As(err, &te) || te.Part != "subject" {
		t.Errorf("want a *TemplateError for the subject, got %v", err)
	}
	// A template naming a field the view lacks fails at render, clearly.
	s, err := notice.ParseSet([]byte(`{"templates": [{"language": "en", "stage": "overdue-notice", "subject": "{{.Nope}}", "text": "x"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Render(sample("en", notice.OverdueNotice)); err == nil || !strings.Contains(err.Error(), "Nope") {
		t.Errorf("render with an unknown field: %v", err)
	}
}

func FuzzParseSet(f *testing.F) {
	f.Add([]byte(`{"templates": [{"language": "de", "stage": "final-notice", "subject": "{{.Total}}", "text": "{{range .Lines}}{{.Number}}{{end}}", "html": "<b>{{.Debtor.Name}}</b>", "sms": "{{.Total}}"}]}`))
	f.Add([]byte(`{"templates": []}`))
	f.Add([]byte(`{"templates": [{"language": "en", "stage": "overdue-notice", "subject": "{{template \"x\"}}", "text": "{{define \"x\"}}{{end}}"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := notice.ParseSet(b)
		if err != nil {
			return
		}
		// Whatever parses renders a valid notice or fails with an error.
		n := sample("de", notice.FinalNotice)
		_ = s.Render(n)
	})
}

func TestFormat(t *testing.T) {
	for _, tc := range []struct {
		lang, amount, cur string
		units             int32
		want              string
	}{
		{"de", "1234.56", "EUR", 2, "1.234,56 EUR"},
		{"de-AT", "1234567.5", "EUR", 2, "1.234.567,50 EUR"},
		{"en", "1234.56", "EUR", 2, "EUR 1,234.56"},
		{"en", "999.999", "BHD", 3, "BHD 999.999"},
		{"en", "385000", "JPY", 0, "JPY 385,000"},
		{"de", "385000", "JPY", 0, "385.000 JPY"},
		{"en", "-1234.5", "GBP", 2, "GBP -1,234.50"},
		{"en", "0", "USD", 2, "USD 0.00"},
		{"en", "100", "USD", 2, "USD 100.00"},
	} {
		if got := notice.FormatMoney(tc.lang, dec(tc.amount), tc.cur, tc.units); got != tc.want {
			t.Errorf("FormatMoney(%s, %s %s) = %q, want %q", tc.lang, tc.amount, tc.cur, got, tc.want)
		}
	}
	for _, tc := range []struct{ lang, day, want string }{
		{"en-US", "2026-11-24", "November 24, 2026"},
		{"en_us", "2026-01-05", "January 5, 2026"},
		{"en-GB", "2026-11-24", "24 November 2026"},
		{"en", "2026-01-05", "5 January 2026"},
		{"de-DE", "2026-11-24", "24. November 2026"},
		{"de", "2026-03-05", "5. März 2026"},
		{"de-AT", "2026-01-05", "5. Jänner 2026"},
		{"de-Latn-AT", "2026-01-05", "5. Jänner 2026"},
		{"de-CH", "2026-01-05", "5. Januar 2026"},
		{"fr", "2026-11-24", "24 November 2026"}, // no French formats: British English
	} {
		if got := notice.FormatDate(tc.lang, day(tc.day)); got != tc.want {
			t.Errorf("FormatDate(%s, %s) = %q, want %q", tc.lang, tc.day, got, tc.want)
		}
	}
	if got := notice.FormatDate("de", 0); got != "" {
		t.Errorf("zero date %q", got)
	}
	for _, tc := range []struct{ lang, n, want string }{
		{"en-US", "1234.56", "1,234.56"},
		{"de-DE", "1234.56", "1.234,56"},
		{"de-CH", "1234567.5", "1’234’567.50"},
		{"en-GB", "-0.5", "-0.50"},
	} {
		if got := notice.FormatNumber(tc.lang, dec(tc.n), 2); got != tc.want {
			t.Errorf("FormatNumber(%s, %s) = %q, want %q", tc.lang, tc.n, got, tc.want)
		}
	}
	if got := notice.FormatMoney("de-CH", dec("1234.5"), "CHF", 2); got != "1’234.50 CHF" {
		t.Errorf("de-CH money %q", got)
	}
	for _, tc := range []struct{ lang, r, want string }{{"de", "10.27", "10,27 %"}, {"en", "10.27", "10.27 %"}, {"de", "8", "8 %"}, {"en", "1234.5", "1,234.5 %"}} {
		if got := notice.FormatRate(tc.lang, dec(tc.r)); got != tc.want {
			t.Errorf("FormatRate(%s, %s) = %q, want %q", tc.lang, tc.r, got, tc.want)
		}
	}
	for _, tc := range []struct {
		n          int
		one, other string
		want       string
	}{{1, "day", "days", "1 day"}, {0, "day", "days", "0 days"}, {2, "day", "days", "2 days"}, {11, "day", "days", "11 days"}, {21, "day", "days", "21 days"}, {1, "Tag", "Tage", "1 Tag"}, {14, "Tag", "Tagen", "14 Tagen"}} {
		if got := notice.Plural(tc.n, tc.one, tc.other); got != tc.want {
			t.Errorf("Plural(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}
