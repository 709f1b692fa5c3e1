package notice_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/overduehq/overdue/notice"
	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }
func day(s string) date.Date       { return date.MustParseISO(s) }

// sample is a complete overdue notice under German law from a Hamburg
// GmbH to a London company, for two invoices with a fee and interest:
// principal 1,234.56 + 99.44 = 1,334.00; a reminder fee of 5.00 (booked on
// INV-1, the first invoice) and the EUR 40 compensation on INV-1, which
// covers that fee (§ 288 Abs. 5 S. 3 BGB), so it claims 40 - 5 = 35.00:
// fees 40.00; interest on 1,234.56 at 10.27 % for the 14 days 1 to 14
// April, act/365, computed from those figures: 1,234.56 x 0.1027 x 14 / 365
// = 4.8631... = 4.86; total 1,378.86.
func sample(lang string, stage notice.Stage) *notice.Notice {
	key := "inv/c1/i1/standard/overdue-1/c0"
	n := &notice.Notice{
		Key: key, Number: notice.NumberFor(key), Date: day("2026-04-14"), PayBy: day("2026-04-21"),
		Stage: stage, Channel: notice.Email, Language: lang, Workflow: "standard", Step: "overdue-1",
		Creditor: notice.Party{Name: "Northwind Supplies GmbH", Address: []string{"Hafenstraße 12", "20457 Hamburg"}, Email: "ar@northwind.example", TaxID: "DE123456789",
			Kind: notice.Company, Country: "DE", Registration: notice.Registration{Form: "GmbH", Office: "Hamburg", Register: "Amtsgericht Hamburg", Number: "HRB 123456", Directors: []string{"Anna Schmidt", "Jan Meyer"}}},
		Debtor:   notice.Party{Name: "Acme Ltd", Address: []string{"1 Example Street", "London EC1A 1AA"}, Email: "ap@acme.example", Reference: "C-1", Kind: notice.Company, Country: "GB"},
		Law:      notice.DE,
		Currency: "EUR", MinorUnits: 2,
		Lines: []notice.Line{
			{Number: "INV-1", IssueDate: day("2026-03-01"), DueDate: day("2026-03-31"), Description: "CNC spindles (4 units)", Amount: dec("1234.56"), Open: dec("1234.56"), DaysOverdue: 14},
			{Number: "INV-2", IssueDate: day("2026-03-10"), DueDate: day("2026-04-09"), Description: "Maintenance, March", Amount: dec("150.00"), Open: dec("99.44"), DaysOverdue: 5},
		},
		Fees:     []notice.Charge{{Label: "fee", Amount: dec("5.00")}, compensation("INV-1", "40.00", "5.00")},
		Interest: []notice.Charge{interest("INV-1", "1234.56", "10.27", "2026-04-01", "2026-04-14")},
		Payment: notice.Payment{Instructions: "We do not accept cheques.", ByLanguage: map[string]string{"de": "Schecks nehmen wir nicht an."},
			IBAN: "DE89370400440532013000", BIC: "COBADEFFXXX", Options: []string{"bank transfer", "card"}},
	}
	n.Payment.Reference = notice.PaymentReference(n.Number, []string{"INV-1", "INV-2"})
	n.Total = n.ComputeTotal()
	return n
}

// compensation is the § 288 Abs. 5 BGB lump sum on an invoice, less the
// reminder fees on it that it covers.
func compensation(inv, statutory, covered string) notice.Charge {
	amt := decimal.Max(decimal.Zero, dec(statutory).Sub(dec(covered)))
	return notice.Charge{Label: "compensation", Invoice: inv, Amount: amt, Statutory: dec(statutory), Covered: dec(covered), Basis: "§ 288 Abs. 5 BGB"}
}

// interest is a statutory (§ 288 Abs. 2 BGB) act/365 interest line whose amount is computed from its
// principal, rate and days (both ends of from..to counted), never typed.
func interest(inv, principal, rate, from, to string) notice.Charge {
	c := notice.Charge{Label: "interest", Invoice: inv, Principal: dec(principal), Rate: dec(rate), From: day(from), To: day(to), DayCount: "act/365", Basis: "§ 288 Abs. 2 BGB"}
	c.Days = int(c.To-c.From) + 1
	amt, ok := c.Expected(2)
	if !ok {
		panic("interest line lacks its figures")
	}
	c.Amount = amt
	return c
}

func TestTotals(t *testing.T) {
	n := sample("en", notice.OverdueNotice)
	for name, got := range map[string]decimal.Decimal{"principal": n.Principal(), "fees": n.FeeTotal(), "interest": n.InterestTotal(), "total": n.ComputeTotal()} {
		want := map[string]string{"principal": "1334.00", "fees": "40.00", "interest": "4.86", "total": "1378.86"}[name]
		if !got.Equal(dec(want)) {
			t.Errorf("%s = %s, want %s", name, got, want)
		}
	}
	if err := n.Validate(); err != nil {
		t.Errorf("complete notice: %v", err)
	}
}

func TestValidateNamesMissingFields(t *testing.T) {
	for _, tc := range []struct {
		want   string
		mutate func(n *notice.Notice)
	}{
		{"creditor.name", func(n *notice.Notice) { n.Creditor.Name = " " }},
		{"creditor.address", func(n *notice.Notice) { n.Creditor.Address = nil }},
		{"debtor.name", func(n *notice.Notice) { n.Debtor.Name = "" }},
		{"date", func(n *notice.Notice) { n.Date = 0 }},
		{"stage", func(n *notice.Notice) { n.Stage = 0 }},
		{"currency", func(n *notice.Notice) { n.Currency = "eur" }},
		{"lines", func(n *notice.Notice) { n.Lines = nil; n.Total = n.ComputeTotal() }},
		{"lines[1].number", func(n *notice.Notice) { n.Lines[1].Number = "" }},
		{"lines[0].issue_date", func(n *notice.Notice) { n.Lines[0].IssueDate = 0 }},
		{"lines[0].due_date", func(n *notice.Notice) { n.Lines[0].DueDate = day("2026-02-01") }},
		{"lines[0].description", func(n *notice.Notice) { n.Lines[0].Description = "" }},
		{"lines[0].amount", func(n *notice.Notice) { n.Lines[0].Amount = dec("1234.567") }},
		{"lines[1].open", func(n *notice.Notice) { n.Lines[1].Open = dec("150.01"); n.Total = n.ComputeTotal() }},
		{"fees[0].amount", func(n *notice.Notice) { n.Fees[0].Amount = dec("-5"); n.Total = n.ComputeTotal() }},
		{"total", func(n *notice.Notice) { n.Total = dec("1383.85") }},
		// The fixture's old figure: 3.21 does not follow from 1,234.56 x 10.27 % x 14/365.
		{"interest[0].amount", func(n *notice.Notice) { n.Interest[0].Amount = dec("3.21"); n.Total = n.ComputeTotal() }},
		{"interest[0].amount", func(n *notice.Notice) { n.Interest[0].DayCount = "act/360"; n.Total = n.ComputeTotal() }},
		{"interest[0].amount", func(n *notice.Notice) { n.Interest[0].Rounding = "daily"; n.Total = n.ComputeTotal() }},
		{"interest[0].days", func(n *notice.Notice) { n.Interest[0].Days = 13 }},
		{"interest[0].days", func(n *notice.Notice) { n.Interest[0].To = day("2026-04-15") }},
		{"interest[0].principal", func(n *notice.Notice) { n.Interest[0].Principal = decimal.Zero }},
		{"interest[0].rate", func(n *notice.Notice) { n.Interest[0].Rate = dec("-1") }},
		{"interest[0].day_count", func(n *notice.Notice) { n.Interest[0].DayCount = "act/366" }},
		{"interest[0].rounding", func(n *notice.Notice) { n.Interest[0].Rounding = "weekly" }},
		{"number", func(n *notice.Notice) { n.Number = "" }},
		{"number", func(n *notice.Notice) { n.Number = n.Key }},
		{"number", func(n *notice.Notice) {
			b := []byte(n.Number)
			b[3] = map[bool]byte{true: 'A', false: 'B'}[b[3] != 'A']
			n.Number = string(b)
		}},
		// A reference naming one of the two invoices does not cover the notice.
		{"payment.reference", func(n *notice.Notice) { n.Payment.Reference = "INV-1" }},
		{"payment.reference", func(n *notice.Notice) { n.Payment.Reference = "INV-1 INV-22" }},
		{"earlier[0]", func(n *notice.Notice) { n.Earlier = []date.Date{n.Date} }},
		{"earlier[1]", func(n *notice.Notice) { n.Earlier = []date.Date{day("2026-04-01"), day("2026-04-01")} }},
		{"payment", func(n *notice.Notice) { n.Payment = notice.Payment{} }},
		{"debtor.email", func(n *notice.Notice) { n.Debtor.Email = "nobody" }},
		{"debtor.address", func(n *notice.Notice) { n.Channel = notice.Letter; n.Debtor.Address = nil }},
		{"debtor.phone", func(n *notice.Notice) { n.Channel = notice.SMS }},
		{"channel", func(n *notice.Notice) { n.Channel = "pigeon" }},
		{"pay_by", func(n *notice.Notice) { n.Stage = notice.FinalNotice; n.PayBy = n.Date }},
		{"debtor.kind", func(n *notice.Notice) { n.Debtor.Kind = "corp" }},
		{"creditor.kind", func(n *notice.Notice) { n.Creditor.Kind = "Company" }},
		{"law", func(n *notice.Notice) { n.Law = "gb" }},
		// A friendly reminder charges nothing.
		{"fees", func(n *notice.Notice) {
			n.Stage = notice.FriendlyReminder
			n.Interest = nil
			n.Total = n.ComputeTotal()
		}},
		{"interest", func(n *notice.Notice) { n.Stage = notice.FriendlyReminder; n.Fees = nil; n.Total = n.ComputeTotal() }},
		// The compensation claims the EUR 40 less the 5.00 it covers, 35.00:
		// the whole 40 beside the fee is refused, and so is a netting that
		// does not add up.
		{"fees[1].amount", func(n *notice.Notice) { n.Fees[1].Amount = dec("40.00"); n.Total = n.ComputeTotal() }},
		{"fees[1].amount", func(n *notice.Notice) {
			n.Fees[1].Covered = dec("-5")
			n.Fees[1].Amount = dec("45.00")
			n.Total = n.ComputeTotal()
		}},
	} {
		n := sample("en", notice.OverdueNotice)
		tc.mutate(n)
		err := n.Validate()
		var ve *notice.ValidationError
		if !errors.As(err, &ve) || !errors.Is(err, notice.ErrInvalid) {
			t.Errorf("%s: err = %v, want a *ValidationError wrapping ErrInvalid", tc.want, err)
			continue
		}
		if diff := cmp.Diff([]string{tc.want}, ve.Fields); diff != "" {
			t.Errorf("%s: fields (-want +got):\n%s", tc.want, diff)
		}
	}
}

// Property: on any notice in a currency with 0, 2 or 3 minor units, with
// unrounded open balances, fees and interest (up to 4 digits more than the
// currency has), Principal, FeeTotal and InterestTotal are each their exact
// sum rounded half away from zero to the minor unit, and the total is the
// three added. The expected figures come from integer arithmetic here, not
// from the decimal package's rounding.
func TestTotalProperty(t *testing.T) {
	const extra = 4 // digits beyond the minor unit the generator may use
	rapid.Check(t, func(t *rapid.T) {
		units := rapid.SampledFrom([]int32{0, 2, 3}).Draw(t, "units")
		// amt draws an amount with 0 to 4 digits beyond the minor unit and
		// returns it with its value in 10^-(units+extra) steps.
		amt := func(label string) (decimal.Decimal, int64) {
			digits := rapid.IntRange(0, extra).Draw(t, label+"-digits")
			v := rapid.Int64Range(1, 10_000_000).Draw(t, label)
			scaled := v
			for range extra - digits {
				scaled *= 10
			}
			return decimal.New(v, -units-int32(digits)), scaled
		}
		// roundHalfAway rounds a sum of 10^-(units+extra) steps to minor
		// units, half away from zero.
		roundHalfAway := func(x int64) decimal.Decimal {
			const unit = 10_000 // 10^extra
			neg := x < 0
			if neg {
				x = -x
			}
			q, r := x/unit, x%unit
			if 2*r >= unit {
				q++
			}
			if neg {
				q = -q
			}
			return decimal.New(q, -units)
		}
		n := &notice.Notice{Currency: "XXX", MinorUnits: units}
		var lines, fees, interest int64
		for range rapid.IntRange(1, 5).Draw(t, "lines") {
			a, s := amt("open")
			n.Lines = append(n.Lines, notice.Line{Amount: a, Open: a})
			lines += s
		}
		for range rapid.IntRange(0, 3).Draw(t, "fees") {
			a, s := amt("fee")
			n.Fees = append(n.Fees, notice.Charge{Amount: a})
			fees += s
		}
		for range rapid.IntRange(0, 3).Draw(t, "interest") {
			a, s := amt("interest")
			n.Interest = append(n.Interest, notice.Charge{Amount: a})
			interest += s
		}
		wantP, wantF, wantI := roundHalfAway(lines), roundHalfAway(fees), roundHalfAway(interest)
		for _, c := range []struct {
			name      string
			got, want decimal.Decimal
		}{
			{"Principal", n.Principal(), wantP},
			{"FeeTotal", n.FeeTotal(), wantF},
			{"InterestTotal", n.InterestTotal(), wantI},
			{"ComputeTotal", n.ComputeTotal(), wantP.Add(wantF).Add(wantI)},
		} {
			// Equal value and no digit beyond the minor unit.
			if !c.got.Equal(c.want) || c.got.Shift(units).Cmp(c.got.Shift(units).Truncate(0)) != 0 {
				t.Fatalf("%s = %s, want %s (units %d)", c.name, c.got, c.want, units)
			}
		}
	})
}

// The amounts every rendered notice must show, whatever the template.
func TestRenderedNoticeCarriesTheFigures(t *testing.T) {
	for _, tc := range []struct {
		lang string
		want []string
	}{
		{"en", []string{"INV-1", "INV-2", "EUR 1,234.56", "EUR 99.44", "EUR 1,378.86", "21 April 2026", "DE89370400440532013000", "CNC spindles (4 units)"}},
		{"en-US", []string{"EUR 1,378.86", "April 21, 2026", "March 1, 2026"}},
		{"de", []string{"INV-1", "INV-2", "1.234,56 EUR", "99,44 EUR", "1.378,86 EUR", "21. April 2026", "DE89370400440532013000", "CNC spindles (4 units)"}},
		{"de-AT", []string{"1.378,86 EUR", "1. März 2026", "21. April 2026"}},
	} {
		for st := notice.OverdueNotice; st <= notice.LetterBeforeAction; st++ {
			n := sample(tc.lang, st)
			if err := notice.Builtin().Render(n); err != nil {
				t.Fatal(err)
			}
			// The payment reference names the notice and both invoices.
			for _, w := range append(tc.want, "Our reference: "+n.Number, n.Number+" INV-1 INV-2") {
				if strings.HasPrefix(tc.lang, "de") {
					w = strings.Replace(w, "Our reference", "Unser Zeichen", 1)
				}
				if !strings.Contains(n.Text, w) || !strings.Contains(n.HTML, strings.ReplaceAll(w, "(", "(")) {
					t.Errorf("%s %s: %q missing from text or HTML", tc.lang, st, w)
				}
			}
			if strings.Contains(n.Text+n.HTML+n.Subject, n.Key) || strings.Contains(n.Text+n.HTML, "standard") {
				t.Errorf("%s %s: the internal key or workflow name reaches the customer", tc.lang, st)
			}
		}
	}
}

func TestHTMLEscaping(t *testing.T) {
	n := sample("en", notice.OverdueNotice)
	evil := `<script>alert(1)</script> & "quotes"`
	n.Debtor.Name = evil
	n.Lines[0].Description = evil
	if err := notice.Builtin().Render(n); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(n.HTML, "<script>") {
		t.Error("HTML carries an unescaped <script>")
	}
	if !strings.Contains(n.HTML, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;quotes&#34;") {
		t.Errorf("HTML lacks the escaped text:\n%s", n.HTML)
	}
	if !strings.Contains(n.Text, evil) {
		t.Error("the text part mangled the name")
	}
}

// A payment reference covers the notice by its number or by every invoice
// number; and an interest line rounded per day validates when it follows.
func TestValidateAccepts(t *testing.T) {
	for _, ref := range []string{"", "NUMBER", "INV-1 INV-2", "INV-2, INV-1", "NUMBER INV-1"} {
		n := sample("en", notice.OverdueNotice)
		n.Payment.Reference = strings.ReplaceAll(ref, "NUMBER", n.Number)
		if err := n.Validate(); err != nil {
			t.Errorf("reference %q: %v", n.Payment.Reference, err)
		}
	}
	// Daily rounding by hand: 1,234.56 x 10.27 % / 365 = 0.34736... =
	// 0.35 a day, x 14 days = 4.90 (4.86 rounded once).
	n := sample("en", notice.OverdueNotice)
	n.Interest[0].Rounding = "daily"
	n.Interest[0].Amount = dec("4.90")
	n.Total = n.ComputeTotal()
	if err := n.Validate(); err != nil {
		t.Errorf("daily rounding: %v", err)
	}
	// 30/360: 14 days of 360 on the same figures = 4.93 (1,234.56 x 0.1027 x
	// 14 / 360 = 4.9307).
	n = sample("en", notice.OverdueNotice)
	n.Interest[0].DayCount = "30/360"
	n.Interest[0].Amount = dec("4.93")
	n.Total = n.ComputeTotal()
	if err := n.Validate(); err != nil {
		t.Errorf("30/360: %v", err)
	}
}
