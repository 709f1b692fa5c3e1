package notice_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/overduehq/overdue/notice"
	"github.com/shopspring/decimal"
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
	if err := set.Render(n); err != nil || !strings.Contains(n.Subject, "EUR 1,382.21") {
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
	if got := notice.FormatDate("de", day("2026-01-05")); got != "05.01.2026" {
		t.Errorf("de date %q", got)
	}
	if got := notice.FormatDate("en-GB", day("2026-01-05")); got != "5 January 2026" {
		t.Errorf("en date %q", got)
	}
	if got := notice.FormatRate("de", decimal.RequireFromString("10.27")); got != "10,27 %" {
		t.Errorf("de rate %q", got)
	}
}
