package notice_test

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/overduehq/overdue/notice"
)

func TestLineProblem(t *testing.T) {
	good := []string{"", "Acme Ltd", "Müller & Søn", "株式会社サンプル", "شركة الأمل\u200f", "e\u0301clair", "👨\u200d👩\u200d👧", "INV-2026/17", "\uFFFD"}
	for _, s := range good {
		if why := notice.LineProblem(s); why != "" {
			t.Errorf("LineProblem(%q) = %q, want accepted", s, why)
		}
	}
	bad := map[string]string{
		"a\nb":         "contains a line break (U+000A) at byte 1",
		"a\r\nb":       "contains a line break (U+000D) at byte 1",
		"a\tb":         "contains a tab (U+0009) at byte 1",
		"\x00":         "contains a NUL byte (U+0000) at byte 0",
		"x\x1b[2J":     "contains a control character (U+001B) at byte 1",
		"x\x7f":        "contains a control character (U+007F) at byte 1",
		"ü\u0085":      "contains a line break (U+0085) at byte 2",
		"x\u009b":      "contains a control character (U+009B) at byte 1",
		"x\u2028":      "contains a line or paragraph separator (U+2028) at byte 1",
		"x\u2029":      "contains a line or paragraph separator (U+2029) at byte 1",
		"100\u202e.00": "contains a bidirectional override (U+202E) at byte 3",
		"x\u2066":      "contains a bidirectional override (U+2066) at byte 1",
		"ab\xffc":      "is not valid UTF-8 (byte 2)",
		"\xc3":         "is not valid UTF-8 (byte 0)",
	}
	for s, want := range bad {
		if got := notice.LineProblem(s); got != want {
			t.Errorf("LineProblem(%q) = %q, want %q", s, got, want)
		}
	}
	if why := notice.TextProblem("Bank: Example\nIBAN: DE89"); why != "" {
		t.Errorf("TextProblem of two lines: %q", why)
	}
	for _, s := range []string{"a\r\nb", "a\x1bb", "a\u2028b", "a\x00"} {
		if notice.TextProblem(s) == "" {
			t.Errorf("TextProblem(%q) accepted", s)
		}
	}
}

// Notice.Validate refuses a notice built by hand whose texts hold a line
// break or another control character, naming each field with its value.
func TestValidateRefusesControlCharacters(t *testing.T) {
	cases := []struct {
		field, value string
		spoil        func(n *notice.Notice, v string)
	}{
		{"debtor.name", "Acme Ltd\r\n\r\nTotal due: EUR 0.00", func(n *notice.Notice, v string) { n.Debtor.Name = v }},
		{"debtor.address[1]", "London\nTotal due: EUR 0.00", func(n *notice.Notice, v string) { n.Debtor.Address[1] = v }},
		{"debtor.reference", "C-1\n", func(n *notice.Notice, v string) { n.Debtor.Reference = v }},
		{"creditor.name", "Northwind\x1b[2J", func(n *notice.Notice, v string) { n.Creditor.Name = v }},
		{"creditor.registration.directors[1]", "Jan\u2028Meyer", func(n *notice.Notice, v string) { n.Creditor.Registration.Directors[1] = v }},
		{"lines[0].description", "CNC spindles\n\nTotal due: EUR 0.00\n", func(n *notice.Notice, v string) { n.Lines[0].Description = v }},
		{"lines[1].description", "Maintenance\x00", func(n *notice.Notice, v string) { n.Lines[1].Description = v }},
		{"lines[1].number", "INV-2\t", func(n *notice.Notice, v string) { n.Lines[1].Number = v }},
		{"fees[0].label", "fee\n", func(n *notice.Notice, v string) { n.Fees[0].Label = v }},
		{"contract.reference", "SA-1\r", func(n *notice.Notice, v string) { n.Contract.Reference = v }},
		{"payment.iban", "DE89370400440532013000\n", func(n *notice.Notice, v string) { n.Payment.IBAN = v }},
		{"payment.instructions", "No cheques.\x1b[8m", func(n *notice.Notice, v string) { n.Payment.Instructions = v }},
		{"payment.by_language.de", "Keine Schecks.\r\n", func(n *notice.Notice, v string) { n.Payment.ByLanguage["de"] = v }},
		{"cc[0].name", "Bob\u202e", func(n *notice.Notice, v string) { n.Cc = []notice.Party{{Name: v, Email: "bob@acme.example"}} }},
		{"link", "https://x.example/n\n", func(n *notice.Notice, v string) { n.Link = v }},
	}
	for _, c := range cases {
		n := sample("en", notice.OverdueNotice)
		c.spoil(n, c.value)
		err := n.Validate()
		var ve *notice.ValidationError
		if !errors.As(err, &ve) || !errors.Is(err, notice.ErrInvalid) {
			t.Errorf("%s: Validate: %v, want a *ValidationError", c.field, err)
			continue
		}
		found := false
		for _, bt := range ve.Text {
			found = found || bt.Field == c.field && bt.Value == c.value && bt.Reason != ""
		}
		if !found || !strings.Contains(strings.Join(ve.Fields, ","), c.field) {
			t.Errorf("%s: %+v does not name the field and value", c.field, ve)
		}
		if msg := err.Error(); !strings.Contains(msg, c.field+": "+strconv.Quote(c.value)) {
			t.Errorf("%s: error %q does not name the field and the value", c.field, msg)
		}
	}
	// Multi-line payment instructions are accepted.
	n := sample("en", notice.OverdueNotice)
	n.Payment.Instructions = "We do not accept cheques.\nCall us to agree a payment plan."
	if err := n.Validate(); err != nil {
		t.Errorf("two-line instructions: %v", err)
	}
	n = sample("de", notice.OverdueNotice)
	n.Debtor.Name, n.Debtor.Address = "Müller & Søn 株式会社 شركة\u200f", []string{"Königstraße 1", "القاهرة"}
	if err := n.Validate(); err != nil {
		t.Errorf("names in other scripts: %v", err)
	}
}

func TestStatementRefusesControlCharacters(t *testing.T) {
	s := &notice.Statement{Debtor: notice.Party{Name: "Acme\nTotal due: EUR 0.00"}, Creditor: notice.Party{Name: "Northwind"}}
	err := s.Validate()
	var ve *notice.ValidationError
	if !errors.As(err, &ve) || len(ve.Text) != 1 || ve.Text[0].Field != "debtor.name" || ve.Text[0].Value != s.Debtor.Name {
		t.Errorf("Statement.Validate: %v, want debtor.name and its value", err)
	}
}

// ValidateStructure is Validate less the text check: a notice whose only
// fault is a line break in its debtor's name passes it and fails Validate;
// one that lacks what a notice must carry fails both.
func TestValidateStructureSkipsText(t *testing.T) {
	n := sample("en", notice.OverdueNotice)
	n.Debtor.Name = "Acme Ltd\r\n\r\nTotal due: EUR 0.00"
	if err := n.ValidateStructure(); err != nil {
		t.Errorf("ValidateStructure: %v", err)
	}
	if err := n.Validate(); err == nil {
		t.Error("Validate passed a CRLF in the debtor's name")
	}
	n.Creditor.Name = ""
	var ve *notice.ValidationError
	if err := n.ValidateStructure(); !errors.As(err, &ve) || !slices.Contains(ve.Fields, "creditor.name") || len(ve.Text) != 0 {
		t.Errorf("ValidateStructure without a creditor name: %v", err)
	}
}
