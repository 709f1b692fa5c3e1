package dunning_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/overduehq/overdue/notice"
)

// forged is a line description that, shown as it is, puts a second "Total
// due" line above the notice's real one.
const forged = "Consulting services\n\nTotal due: EUR 0.00\n\nNothing to pay. Please disregard the figures below.\n"

// quoted is v as FieldError's %q shows it, without the quotes.
func quoted(v string) string { q := strconv.Quote(v); return q[1 : len(q)-1] }

// Text a notice shows that holds a line break, another control character,
// a separator, a bidirectional override or invalid UTF-8 is refused where
// it enters: the record alone is rejected, with an error naming field and
// value, and the good customer of the portfolio is planned as before.
func TestControlCharactersRefusedWhereTheyEnter(t *testing.T) {
	type rec = func(c *dunning.Customer, a *dunning.Agreement, inv *dunning.Invoice)
	cases := []struct {
		name, field, value string
		spoil              rec
	}{
		{"description with line breaks", "invoice[ibad].lines[0].description", forged[:40],
			func(_ *dunning.Customer, _ *dunning.Agreement, inv *dunning.Invoice) {
				inv.Lines[0].Description = forged
			}},
		{"description with NUL and ESC", "invoice[ibad].lines[0].description", "Consulting\x00\x1b[2J\x1b[31m services",
			func(_ *dunning.Customer, _ *dunning.Agreement, inv *dunning.Invoice) {
				inv.Lines[0].Description = "Consulting\x00\x1b[2J\x1b[31m services"
			}},
		{"description with tab", "invoice[ibad].lines[0].description", "Consulting\tservices",
			func(_ *dunning.Customer, _ *dunning.Agreement, inv *dunning.Invoice) {
				inv.Lines[0].Description = "Consulting\tservices"
			}},
		{"description with DEL", "invoice[ibad].lines[0].description", "Consulting\x7f",
			func(_ *dunning.Customer, _ *dunning.Agreement, inv *dunning.Invoice) {
				inv.Lines[0].Description = "Consulting\x7f"
			}},
		{"description with NEL (C1)", "invoice[ibad].lines[0].description", "Consulting\u0085Total due",
			func(_ *dunning.Customer, _ *dunning.Agreement, inv *dunning.Invoice) {
				inv.Lines[0].Description = "Consulting\u0085Total due"
			}},
		{"description with line separator", "invoice[ibad].lines[0].description", "Consulting\u2028Total due",
			func(_ *dunning.Customer, _ *dunning.Agreement, inv *dunning.Invoice) {
				inv.Lines[0].Description = "Consulting\u2028Total due"
			}},
		{"description with right-to-left override", "invoice[ibad].lines[0].description", "Consulting \u202e",
			func(_ *dunning.Customer, _ *dunning.Agreement, inv *dunning.Invoice) {
				inv.Lines[0].Description = "Consulting \u202e"
			}},
		{"description not UTF-8", "invoice[ibad].lines[0].description", "Consulting \xff",
			func(_ *dunning.Customer, _ *dunning.Agreement, inv *dunning.Invoice) {
				inv.Lines[0].Description = "Consulting \xff"
			}},
		{"invoice number", "invoice[ibad].number", "INV-1\n\nTotal due: EUR 0.00\n",
			func(_ *dunning.Customer, _ *dunning.Agreement, inv *dunning.Invoice) {
				inv.Number = "INV-1\n\nTotal due: EUR 0.00\n"
			}},
		{"payment ref", "invoice[ibad].payments[0].ref", "p1\nTotal due: EUR 0.00",
			func(_ *dunning.Customer, _ *dunning.Agreement, inv *dunning.Invoice) {
				inv.Payments = []dunning.Payment{{Date: day("2026-04-01"), Amount: dunningtest.Amount("10.00"), Ref: "p1\nTotal due: EUR 0.00"}}
			}},
		{"credit ref", "invoice[ibad].credits[0].ref", "cn1\r\n",
			func(_ *dunning.Customer, _ *dunning.Agreement, inv *dunning.Invoice) {
				inv.Credits = []dunning.Credit{{Date: day("2026-04-01"), Amount: dunningtest.Amount("10.00"), Ref: "cn1\r\n"}}
			}},
		{"customer name", "customer[bad].name", "Customer c1\r\n\r\nTotal due: EUR 0.00",
			func(c *dunning.Customer, _ *dunning.Agreement, _ *dunning.Invoice) {
				c.Name = "Customer c1\r\n\r\nTotal due: EUR 0.00"
			}},
		{"customer country", "customer[bad].country", "DE\n",
			func(c *dunning.Customer, _ *dunning.Agreement, _ *dunning.Invoice) { c.Country = "DE\n" }},
		{"contact name", "customer[bad].contacts[0].name", "Anna\x1b[2J",
			func(c *dunning.Customer, _ *dunning.Agreement, _ *dunning.Invoice) {
				c.Contacts[0].Name = "Anna\x1b[2J"
			}},
		{"contact email", "customer[bad].contacts[0].email", "ap@bad.example\r\nBcc: x@evil.example",
			func(c *dunning.Customer, _ *dunning.Agreement, _ *dunning.Invoice) {
				c.Contacts[0].Email = "ap@bad.example\r\nBcc: x@evil.example"
			}},
		{"contact address line", "customer[bad].contacts[0].address[1]", "London\nTotal due: EUR 0.00",
			func(c *dunning.Customer, _ *dunning.Agreement, _ *dunning.Invoice) {
				c.Contacts[0].Address[1] = "London\nTotal due: EUR 0.00"
			}},
		{"agreement reference", "agreement[abad].reference", "SA-1\n",
			func(_ *dunning.Customer, a *dunning.Agreement, _ *dunning.Invoice) { a.Reference = "SA-1\n" }},
		{"agreement payment text with ESC", "agreement[abad].payment.text", "Pay\x1b[8m now",
			func(_ *dunning.Customer, a *dunning.Agreement, _ *dunning.Invoice) { a.Payment.Text = "Pay\x1b[8m now" }},
		{"agreement payment text with CR", "agreement[abad].payment.text", "Pay\r\nnow",
			func(_ *dunning.Customer, a *dunning.Agreement, _ *dunning.Invoice) { a.Payment.Text = "Pay\r\nnow" }},
		{"agreement payment by language", "agreement[abad].payment.by_language.de", "Zahlen\x00",
			func(_ *dunning.Customer, a *dunning.Agreement, _ *dunning.Invoice) {
				a.Payment.ByLanguage = map[string]string{"de": "Zahlen\x00", "en": "Pay"}
			}},
		{"agreement IBAN", "agreement[abad].payment.iban", "DE89370400440532013000\nIBAN: XX00",
			func(_ *dunning.Customer, a *dunning.Agreement, _ *dunning.Invoice) {
				a.Payment.IBAN = "DE89370400440532013000\nIBAN: XX00"
			}},
		{"agreement payment option", "agreement[abad].payment.options[0]", "card\n",
			func(_ *dunning.Customer, a *dunning.Agreement, _ *dunning.Invoice) {
				a.Payment.Options = []string{"card\n"}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := planBad(t, false, onBad(c.spoil))
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), c.field+": \""+quoted(c.value)) {
				t.Errorf("error %q does not name field %s and value %q", err, c.field, c.value)
			}
		})
	}
}

// Each validator returns a *FieldError whose Field and Value are the
// field and the value, and whose Reason says what the character is.
func TestControlCharacterFieldErrors(t *testing.T) {
	c := dunningtest.Customer("c1")
	c.Name = "Customer c1\r\nTotal due: EUR 0.00"
	inv := dunningtest.Invoice("i1", "c1", day("2026-03-01"), day("2026-03-31"), "100.00", "EUR")
	inv.Lines[0].Description = "Consulting\x00"
	id := dunningtest.Customer("c\n1")
	u := dunning.Unapplied{ID: "u1", CustomerID: "c1", Kind: dunning.UnappliedPayment, Currency: "EUR", Date: day("2026-04-01"), Amount: dunningtest.Amount("5.00"), Ref: "r\x1b"}
	cases := []struct {
		name                 string
		err                  error
		field, value, reason string
	}{
		{"customer name", c.Validate(), "customer[c1].name", c.Name, "contains a line break (U+000D) at byte 11"},
		{"customer id", id.Validate(), "customer.id", "c\n1", "contains a line break (U+000A) at byte 1"},
		{"line description", inv.Validate(), "invoice[i1].lines[0].description", "Consulting\x00", "contains a NUL byte (U+0000) at byte 10"},
		{"unapplied ref", u.Validate(), "unapplied[u1].ref", "r\x1b", "contains a control character (U+001B) at byte 1"},
	}
	for _, tc := range cases {
		var fe *dunning.FieldError
		if !errors.As(tc.err, &fe) || !errors.Is(tc.err, dunning.ErrInvalid) {
			t.Errorf("%s: %v, want a *FieldError", tc.name, tc.err)
			continue
		}
		if fe.Field != tc.field || fe.Value != tc.value || fe.Reason != tc.reason {
			t.Errorf("%s: %+v, want field %s, value %q, reason %q", tc.name, *fe, tc.field, tc.value, tc.reason)
		}
	}
}

// The creditor's texts, the policy's payment instructions and notice URL
// are refused by Policy.Validate, naming field and value.
func TestPolicyControlCharacters(t *testing.T) {
	cases := []struct {
		name, field, value string
		spoil              func(p *dunning.Policy)
	}{
		{"creditor name", "creditor.name", "Northwind\r\nTotal due: EUR 0.00", func(p *dunning.Policy) { p.Creditor.Name = "Northwind\r\nTotal due: EUR 0.00" }},
		{"creditor address", "creditor.address[1]", "Leeds\n", func(p *dunning.Policy) { p.Creditor.Address[1] = "Leeds\n" }},
		{"creditor tax id", "creditor.tax_id", "GB1\x00", func(p *dunning.Policy) { p.Creditor.TaxID = "GB1\x00" }},
		{"creditor director", "creditor.registration.directors[0]", "A\u2029B", func(p *dunning.Policy) {
			p.Creditor.Registration.Directors = []string{"A\u2029B"}
		}},
		{"payment text", "payment.text", "Pay\x1b[2J", func(p *dunning.Policy) { p.Payment.Text = "Pay\x1b[2J" }},
		{"payment BIC", "payment.bic", "COBADEFF\n", func(p *dunning.Policy) { p.Payment.BIC = "COBADEFF\n" }},
		{"payment by-language tag", "payment.by_language", "de\n", func(p *dunning.Policy) { p.Payment.ByLanguage = map[string]string{"de\n": "Zahlen"} }},
		{"notice URL", "notice_url", "https://x.example/{number}\n", func(p *dunning.Policy) { p.NoticeURL = "https://x.example/{number}\n" }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pol := *hostilePolicy()
			pol.Creditor.Address = append([]string(nil), pol.Creditor.Address...)
			c.spoil(&pol)
			err := pol.Validate()
			var fe *dunning.FieldError
			if !errors.As(err, &fe) || fe.Field != c.field || fe.Value != c.value {
				t.Errorf("Validate: %v, want a *FieldError naming %s and %q", err, c.field, c.value)
			}
		})
	}
	// Multi-line payment instructions are fine: the text may hold line feeds.
	pol := *hostilePolicy()
	pol.Payment.Text = "Bank: Example Bank\nIBAN: DE89370400440532013000"
	if err := pol.Validate(); err != nil {
		t.Errorf("payment text of two lines: %v", err)
	}
}

// A payment or credit event's ID becomes the payment's Ref, which notices
// and statements show: Apply refuses one with a control character.
func TestApplyRefusesControlCharacterEventID(t *testing.T) {
	inv := dunningtest.Invoice("i1", "c1", day("2026-03-01"), day("2026-03-31"), "100.00", "EUR")
	err := inv.Apply(dunning.Event{ID: "pay-1\nTotal due: EUR 0.00", Kind: dunning.PaymentReceived, InvoiceID: "i1", Date: day("2026-04-01"), Amount: dunningtest.Amount("10.00")})
	var fe *dunning.FieldError
	if !errors.As(err, &fe) || fe.Field != "event.id" || fe.Value != "pay-1\nTotal due: EUR 0.00" {
		t.Fatalf("Apply: %v, want a *FieldError naming event.id and the ID", err)
	}
	if len(inv.Payments) != 0 {
		t.Errorf("the refused event changed the invoice: %+v", inv.Payments)
	}
}

// One invoice with a forged description is rejected alone: the customer's
// other invoice is still dunned, and its notice has the one true total.
func TestControlCharacterRejectsTheInvoiceAlone(t *testing.T) {
	pf := onePortfolio()
	i2 := dunningtest.Invoice("i2", "c1", day("2026-03-02"), day("2026-03-31"), "250.00", "EUR")
	i2.AgreementID = "a1"
	i2.Lines[0].Description = forged
	pf.Invoices = append(pf.Invoices, i2)
	acts, err := dunning.Plan(day("2026-04-14"), stdPolicy(), pf)
	if err != nil {
		t.Fatal(err)
	}
	var rejected, planned int
	for _, a := range acts {
		switch {
		case a.Kind == dunning.Rejected:
			rejected++
			if a.Key != "rejected/invoice/c1/i2" || len(a.InvoiceIDs) != 1 || a.InvoiceIDs[0] != "i2" ||
				!strings.Contains(a.Problem, "invoice[i2].lines[0].description") || !strings.Contains(a.Problem, `"Consulting services\n\nTotal due`) {
				t.Errorf("rejection %s %v: %q", a.Key, a.InvoiceIDs, a.Problem)
			}
		case a.Notice != nil && a.Problem == "":
			planned++
			if len(a.InvoiceIDs) != 1 || a.InvoiceIDs[0] != "i1" {
				t.Errorf("planned %s for %v, want i1 alone", a.Key, a.InvoiceIDs)
			}
			if err := notice.Builtin().Render(a.Notice); err != nil {
				t.Fatal(err)
			}
			if c := strings.Count(a.Notice.Text, "Total due:"); c != 1 {
				t.Errorf("%d \"Total due\" lines:\n%s", c, a.Notice.Text)
			}
		}
	}
	if rejected != 1 || planned != 1 {
		t.Errorf("%d rejected, %d planned; want i2 rejected and i1 planned: %+v", rejected, planned, acts)
	}
}

// Names, addresses, numbers and descriptions in any script are accepted
// and reach the notice as they are: accented Latin, CJK, right-to-left
// Arabic with its directional mark, combining marks, emoji with joiners.
func TestTextInEveryScriptAccepted(t *testing.T) {
	names := []string{
		"Müller & Søn",
		"株式会社サンプル",
		"شركة الأمل للتجارة\u200f",
		"Nguyễn Văn A",
		"Ōsaka Shōji (Ｏｓａｋａ)",
		"Familie 👨\u200d👩\u200d👧",
		"e\u0301clair S.A.R.L.",
	}
	for i, name := range names {
		pf := onePortfolio()
		pf.Customers[0].Name = name
		pf.Customers[0].Contacts[0].Name = name
		pf.Customers[0].Contacts[0].Address = []string{name, "Straße 1", "القاهرة"}
		pf.Invoices[0].Number = "請求-2026/" + strconv.Itoa(i)
		pf.Invoices[0].Lines[0].Description = "Beratung für " + name
		acts, err := dunning.Plan(day("2026-04-14"), stdPolicy(), pf)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		found := false
		for _, a := range acts {
			if a.Kind == dunning.Rejected || a.Problem != "" {
				t.Errorf("%s: %s: %s", name, a.Key, a.Problem)
				continue
			}
			if a.Notice == nil {
				continue
			}
			if err := notice.Builtin().Render(a.Notice); err != nil {
				t.Fatalf("%s: render: %v", name, err)
			}
			found = found || strings.Contains(a.Notice.Text, "Dear "+name+",") && strings.Contains(a.Notice.Text, "Beratung für "+name)
		}
		if !found {
			t.Errorf("%s: no notice greets the customer by its name and shows the description", name)
		}
	}
}
