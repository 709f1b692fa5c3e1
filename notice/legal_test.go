package notice_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/overduehq/overdue/notice"
	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
)

// law is one jurisdiction's fixture: its creditor, a business debtor and
// an individual one, the currency, the language the texts use, the
// statutory rate on the B2B claim (reference rate + margin) and the legal
// bases.
type law struct {
	j                      notice.Jurisdiction
	lang, currency         string
	creditor               notice.Party
	company, individual    notice.Party
	rate, consumerRate     string // "" consumerRate: no statutory interest from a consumer
	interestBasis          string
	consumerBasis          string
	compensation, compBase string // the fixed sum and its basis
}

func laws() []law {
	return []law{
		{
			j: notice.EU, lang: "en", currency: "EUR",
			creditor: notice.Party{Name: "Polder Parts B.V.", Address: []string{"Keizersgracht 1", "1015 CJ Amsterdam"}, Email: "ar@polder.example", Country: "NL", Kind: notice.Company},
			company:  notice.Party{Name: "Brussels Bolts SA", Address: []string{"Rue Royale 10", "1000 Bruxelles"}, Email: "ap@bolts.example", Country: "BE", Kind: notice.Company},
			// The Directive binds commercial transactions only: a consumer
			// owes no statutory interest or compensation under it.
			individual: notice.Party{Name: "Jan Peeters", Address: []string{"Meir 5", "2000 Antwerpen"}, Email: "jan@peeters.example", Country: "BE", Kind: notice.Consumer},
			rate:       "10.15", interestBasis: "Art. 3 and 4 Directive 2011/7/EU",
			compensation: "40", compBase: "Art. 6 Directive 2011/7/EU",
		},
		{
			j: notice.UK, lang: "en", currency: "GBP",
			creditor: notice.Party{Name: "Thames Tooling Ltd", Address: []string{"10 River Road", "London SE1 9AA"}, Email: "accounts@thames.example", Phone: "020 7946 0001", Country: "GB", Kind: notice.Company,
				Registration: notice.Registration{Form: "Ltd", Register: "England and Wales", Number: "01234567", Office: "10 River Road, London SE1 9AA"}},
			company: notice.Party{Name: "Acme Ltd", Address: []string{"1 Example Street", "Leeds LS1 1AA"}, Email: "ap@acme.example", Country: "GB", Kind: notice.Company},
			// A sole trader is a business (the 1998 Act applies) and an
			// individual (the Debt Protocol applies).
			individual: notice.Party{Name: "Sam Patel trading as Patel Joinery", Address: []string{"3 Mill Lane", "York YO1 7AA"}, Email: "sam@pateljoinery.example", Country: "GB", Kind: notice.SoleTrader},
			rate:       "12.00", consumerRate: "12.00", interestBasis: "Late Payment of Commercial Debts (Interest) Act 1998 s.1", consumerBasis: "Late Payment of Commercial Debts (Interest) Act 1998 s.1",
			compensation: "70", compBase: "Late Payment of Commercial Debts (Interest) Act 1998 s.5A",
		},
		{
			j: notice.DE, lang: "de", currency: "EUR",
			creditor: notice.Party{Name: "Northwind Supplies GmbH", Address: []string{"Hafenstraße 12", "20457 Hamburg"}, Email: "ar@northwind.example", TaxID: "DE123456789", Country: "DE", Kind: notice.Company,
				Registration: notice.Registration{Form: "GmbH", Office: "Hamburg", Register: "Amtsgericht Hamburg", Number: "HRB 123456", Directors: []string{"Anna Schmidt", "Jan Meyer"}}},
			company:    notice.Party{Name: "Müller Maschinenbau GmbH", Address: []string{"Industriestraße 4", "70565 Stuttgart"}, Email: "buchhaltung@mueller.example", Country: "DE", Kind: notice.Company},
			individual: notice.Party{Name: "Erika Mustermann", Address: []string{"Heidestraße 17", "51147 Köln"}, Email: "erika@mustermann.example", Country: "DE", Kind: notice.Consumer},
			// Basiszinssatz 1.27 + 9 points (B2B), + 5 points (consumer).
			rate: "10.27", consumerRate: "6.27", interestBasis: "§ 288 Abs. 2 BGB", consumerBasis: "§ 288 Abs. 1 BGB",
			compensation: "40", compBase: "§ 288 Abs. 5 BGB",
		},
		{
			j: notice.FR, lang: "en", currency: "EUR",
			creditor: notice.Party{Name: "Atelier Lumière SAS", Address: []string{"12 rue de la République", "69002 Lyon"}, Email: "compta@lumiere.example", Country: "FR", Kind: notice.Company,
				Registration: notice.Registration{Form: "SAS", Register: "RCS Lyon", Number: "123 456 789", Directors: []string{"Claire Martin"}}},
			company:    notice.Party{Name: "Bordeaux Bâtiment SARL", Address: []string{"5 quai des Chartrons", "33000 Bordeaux"}, Email: "compta@bb.example", Country: "FR", Kind: notice.Company},
			individual: notice.Party{Name: "Marie Dubois", Address: []string{"8 rue Nationale", "37000 Tours"}, Email: "marie@dubois.example", Country: "FR", Kind: notice.Consumer},
			rate:       "12.15", interestBasis: "Art. L441-10 Code de commerce",
			compensation: "40", compBase: "Art. L441-10 and D441-5 Code de commerce",
		},
	}
}

// legalStages are the stages of the matrix.
var legalStages = []string{"reminder", "final", "letter-before-action"}

// legalNotice builds one notice of the matrix. One invoice, INV-100 of
// 1,234.56 issued 1 February 2026 and due 3 March 2026:
//   - reminder: 24 February, before the due date, pay by the due date,
//     no charges;
//   - final: 2 April (30 days overdue), pay by 16 April; a reminder fee
//     of 10.00 (2.50 to a consumer) booked on the invoice; the fixed
//     compensation, which covers that fee, claims the sum less 10.00
//     (EUR 30.00, GBP 60.00; nothing from a consumer); interest for the
//     30 days 4 March to 2 April;
//   - letter before action: 20 April (48 days overdue), the final
//     notice's fee and compensation as fees from earlier notices, interest
//     for the 48 days 4 March to 20 April; pay by 14 days later, 30 for a
//     UK sole trader (the Debt Protocol), sent by post.
func legalNotice(lw law, stage string, individual bool) *notice.Notice {
	debtor := lw.company
	if individual {
		debtor = lw.individual
	}
	consumer := debtor.Kind == notice.Consumer
	key := "inv/" + string(lw.j) + "/" + stage
	n := &notice.Notice{
		Key: key, Number: notice.NumberFor(key), Channel: notice.Letter, Language: lw.lang,
		Creditor: lw.creditor, Debtor: debtor, Law: lw.j, Currency: lw.currency, MinorUnits: 2,
		Contract: notice.Contract{Reference: "SA-2025-17", Date: day("2025-11-03")},
		Lines:    []notice.Line{{Number: "INV-100", IssueDate: day("2026-02-01"), DueDate: day("2026-03-03"), Description: "Machined parts, lot 7", Amount: dec("1234.56"), Open: dec("1234.56")}},
		Payment: notice.Payment{Instructions: "Bank transfer only.", ByLanguage: map[string]string{"de": "Bitte nur per Überweisung."},
			IBAN: "DE89370400440532013000", BIC: "COBADEFFXXX"},
	}
	n.Payment.Reference = notice.PaymentReference(n.Number, []string{"INV-100"})
	rate, basis := lw.rate, lw.interestBasis
	if consumer {
		rate, basis = lw.consumerRate, lw.consumerBasis
	}
	fee := "10.00"
	if consumer {
		fee = "2.50"
	}
	comp := func() notice.Charge {
		return notice.Charge{Label: "compensation", Invoice: "INV-100", Statutory: dec(lw.compensation), Covered: dec(fee),
			Amount: dec(lw.compensation).Sub(dec(fee)), Basis: lw.compBase}
	}
	ratedLine := func(to string) []notice.Charge {
		if rate == "" {
			return nil
		}
		c := interest("INV-100", "1234.56", rate, "2026-03-04", to)
		c.Basis = basis
		return []notice.Charge{c}
	}
	switch stage {
	case "reminder":
		n.Stage, n.Date, n.PayBy = notice.FriendlyReminder, day("2026-02-24"), day("2026-03-03")
		n.Next = notice.Next{Kind: notice.NextNotice, Stage: notice.OverdueNotice}
	case "final":
		n.Stage, n.Date, n.PayBy = notice.FinalNotice, day("2026-04-02"), day("2026-04-16")
		n.Lines[0].DaysOverdue = 30
		n.Lines[0].LastNotice = day("2026-03-18")
		n.Earlier = []date.Date{day("2026-02-24"), day("2026-03-18")}
		n.Fees = []notice.Charge{{Label: "fee", Amount: dec(fee)}}
		if !consumer {
			n.Fees = append(n.Fees, comp())
		}
		n.Interest = ratedLine("2026-04-02")
		n.Next = notice.Next{Kind: notice.NextNotice, Stage: notice.LetterBeforeAction}
	case "letter-before-action":
		n.Stage, n.Date = notice.LetterBeforeAction, day("2026-04-20")
		days, _ := notice.MinPayByDays(lw.j, n.Stage, debtor.Kind)
		n.PayBy = n.Date + date.Date(max(14, days))
		n.Lines[0].DaysOverdue = 48
		n.Lines[0].LastNotice = day("2026-04-02")
		n.Earlier = []date.Date{day("2026-02-24"), day("2026-03-18"), day("2026-04-02")}
		earlier := dec(fee)
		if !consumer {
			earlier = earlier.Add(comp().Amount)
		}
		n.Fees = []notice.Charge{{Label: "fees-earlier", Invoice: "INV-100", Amount: earlier}}
		n.Interest = ratedLine("2026-04-20")
		n.Next = notice.Next{Kind: notice.NextCollection}
	}
	n.Total = n.ComputeTotal()
	return n
}

func kindName(individual bool, lw law) string {
	if !individual {
		return "company"
	}
	return string(lw.individual.Kind)
}

// Totals of the matrix worked out by hand (principal 1,234.56; interest
// = 1,234.56 x rate x days / 365, rounded to the cent):
//
//	EU final:   + 10.00 fee + 30.00 compensation + 1,234.56 x 10.15 % x 30/365 = 10.2993 -> 10.30: 1,284.86
//	UK final:   + 10.00 + 60.00 + 1,234.56 x 12 % x 30/365 = 12.1765 -> 12.18: 1,316.74
//	DE final:   + 10.00 + 30.00 + 1,234.56 x 10.27 % x 30/365 = 10.4210 -> 10.42: 1,284.98
//	DE consumer final: + 2.50 + 1,234.56 x 6.27 % x 30/365 = 6.3622 -> 6.36: 1,243.42
//	FR final:   + 10.00 + 30.00 + 1,234.56 x 12.15 % x 30/365 = 12.3287 -> 12.33: 1,286.89
//	UK letter before action: + 70.00 earlier + 1,234.56 x 12 % x 48/365 = 19.4824 -> 19.48: 1,324.04;
//	  daily interest 1,234.56 x 12 % / 365 = 0.4059 -> GBP 0.41
var handTotals = map[string]string{
	"eu-final-company": "1284.86", "uk-final-company": "1316.74", "de-final-company": "1284.98",
	"de-final-consumer": "1243.42", "fr-final-company": "1286.89", "uk-letter-before-action-company": "1324.04",
	"eu-reminder-consumer": "1234.56",
}

// Every jurisdiction x stage x debtor kind: the golden letter (and, for
// final notices, the SMS) passes its jurisdiction's checklist, its figures
// add up (checkFigures, independent of the package) and the totals worked
// out by hand match.
func TestLegalGoldens(t *testing.T) {
	set := notice.Builtin()
	seen := 0
	for _, lw := range laws() {
		for _, stage := range legalStages {
			for _, individual := range []bool{false, true} {
				for _, ch := range []notice.Channel{notice.Letter, notice.SMS} {
					if ch == notice.SMS && stage != "final" {
						continue
					}
					n := legalNotice(lw, stage, individual)
					n.Channel = ch
					n.Debtor.Phone = "+00 000 0000"
					name := string(lw.j) + "-" + stage + "-" + kindName(individual, lw)
					if want, ok := handTotals[name]; ok && !n.Total.Equal(dec(want)) {
						t.Errorf("%s: total %s, by hand %s", name, n.Total, want)
					}
					if err := n.Validate(); err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					if err := set.Render(n); err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					for _, f := range notice.Check(n, lw.j) {
						t.Errorf("%s %s: %s", name, ch, f)
					}
					got := "Subject: " + n.Subject + "\n\n" + n.Text + "\n-- html --\n" + n.HTML
					file := filepath.Join("testdata", "legal", name+"-"+string(ch)+".golden")
					seen++
					if *update {
						if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
							t.Fatal(err)
						}
						if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
							t.Fatal(err)
						}
						continue
					}
					want, err := os.ReadFile(file)
					if err != nil {
						t.Fatalf("%v (run go test ./notice -run LegalGoldens -update)", err)
					}
					if diff := cmp.Diff(string(want), got); diff != "" {
						t.Errorf("%s differs (-golden +got):\n%s", file, diff)
					}
					if ch == notice.Letter {
						total, _ := checkFigures(t, name, lw.lang, got)
						if total.FloatString(2) != n.Total.StringFixed(2) {
							t.Errorf("%s: the text's total %s, the notice's %s", name, total.FloatString(2), n.Total.StringFixed(2))
						}
					}
				}
			}
		}
	}
	if seen != 4*3*2+4*2 {
		t.Errorf("%d golden notices, want 32", seen)
	}
}

// What the law makes the texts say, per jurisdiction: the UK letter before
// action's content and Debt Protocol pack, the Mahnbescheid only to a
// debtor in Germany, the law named in English, no statutory label on
// contractual interest.
func TestLegalWording(t *testing.T) {
	for _, tc := range []struct {
		j          notice.Jurisdiction
		stage      string
		individual bool
		must, not  []string
	}{
		{notice.UK, "letter-before-action", false, []string{"letter before claim", "agreement SA-2025-17 of 3 November 2025 between Thames Tooling Ltd and Acme Ltd",
			"If you dispute the debt", "documents", "GBP 0.41 a day", "alternative dispute resolution", "by 4 May 2026",
			"Thames Tooling Ltd, registered in England and Wales, company number 01234567", "Registered office: 10 River Road, London SE1 9AA"},
			[]string{"Reply Form", "Information Sheet", "Mahnbescheid"}},
		{notice.UK, "letter-before-action", true, []string{"statement of account above (reference", "the Information Sheet, the Reply Form and a Financial Statement form",
			"return it to us at 10 River Road, London SE1 9AA", "by 20 May 2026", "GBP 0.41 a day"}, nil},
		{notice.DE, "letter-before-action", false, []string{"Mahnbescheid", "Vertrag SA-2025-17 vom 3. November 2025", "Geschäftsführer: Anna Schmidt, Jan Meyer", "Registergericht: Amtsgericht Hamburg, HRB 123456"}, []string{"Reply Form"}},
		{notice.DE, "final", true, []string{"Verzugszinsen auf Rechnung INV-100 (§ 288 Abs. 1 BGB)", "Mahngebühr: 2,50 EUR"}, []string{"Pauschale", "Inkasso", "Mahnbescheid"}},
		{notice.DE, "final", false, []string{"Pauschale für Beitreibungskosten (Rechnung INV-100), § 288 Abs. 5 BGB, 40,00 EUR abzüglich bereits berechneter Mahngebühren von 10,00 EUR: 30,00 EUR"}, nil},
		{notice.FR, "final", false, []string{"Statutory interest under French law on invoice INV-100 (Art. L441-10 Code de commerce)", "Register: RCS Lyon, 123 456 789"}, []string{"German"}},
		{notice.EU, "final", true, []string{"Late fee: EUR 2.50"}, []string{"Statutory", "compensation"}},
		{notice.EU, "reminder", false, []string{"How to pay (by 3 March 2026)"}, []string{"fee", "interest", "EUR 40"}},
	} {
		var lw law
		for _, l := range laws() {
			if l.j == tc.j {
				lw = l
			}
		}
		n := legalNotice(lw, tc.stage, tc.individual)
		if err := notice.Builtin().Render(n); err != nil {
			t.Fatal(err)
		}
		for _, w := range tc.must {
			if !strings.Contains(n.Text, w) {
				t.Errorf("%s %s %v: lacks %q", tc.j, tc.stage, tc.individual, w)
			}
		}
		for _, w := range tc.not {
			if strings.Contains(n.Text, w) {
				t.Errorf("%s %s %v: says %q", tc.j, tc.stage, tc.individual, w)
			}
		}
	}
	// A text message beside a UK letter before action points to it and
	// carries none of the letter's content, and passes; it speaks of no
	// letter.
	for _, individual := range []bool{false, true} {
		n := legalNotice(laws()[1], "letter-before-action", individual)
		n.Channel, n.Debtor.Phone, n.Link = notice.SMS, "+44 7700 900000", "https://thames.example/n/"+n.Number
		if err := notice.Builtin().Render(n); err != nil {
			t.Fatal(err)
		}
		if f := notice.Check(n, notice.UK); len(f) != 0 || !strings.Contains(n.Text, n.Link) {
			t.Errorf("UK SMS %q: %v", n.Text, f)
		}
	}
	// A German debtor abroad gets no Mahnbescheid announced, in German and
	// in English; at home it does.
	for _, lang := range []string{"de", "en"} {
		lw := laws()[2]
		lw.lang = lang
		n := legalNotice(lw, "letter-before-action", false)
		n.Debtor.Country = "AT"
		if err := notice.Builtin().Render(n); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(n.Text+n.HTML, "Mahnbescheid") {
			t.Errorf("%s: a Mahnbescheid announced to a debtor in Austria", lang)
		}
		if f := notice.Check(n, notice.DE); len(f) != 0 {
			t.Errorf("%s: %v", lang, f)
		}
	}
}

// mutation breaks one checklist item of a notice that passes.
type mutation struct {
	item       notice.Item
	j          notice.Jurisdiction
	stage      string
	individual bool
	ch         notice.Channel
	// before changes the notice before rendering, after changes what was
	// rendered.
	before, after func(n *notice.Notice)
}

// One case per checklist item: a notice that passes its checklist, broken
// in that one respect, is reported under that item with its source.
func TestCheckEveryItem(t *testing.T) {
	cases := []mutation{
		{item: notice.ItemClaim, j: notice.DE, stage: "final", after: func(n *notice.Notice) { n.Text = strings.ReplaceAll(n.Text, "INV-100", "the invoice") }},
		{item: notice.ItemDeadline, j: notice.EU, stage: "final", after: func(n *notice.Notice) { n.HTML = strings.ReplaceAll(n.HTML, "16 April 2026", "") }},
		{item: notice.ItemDeadline, j: notice.EU, stage: "reminder", before: func(n *notice.Notice) { n.PayBy = 0 }},
		{item: notice.ItemPayByMinimum, j: notice.UK, stage: "letter-before-action", individual: true, before: func(n *notice.Notice) { n.PayBy = n.Date + 14 }},
		{item: notice.ItemPayByMinimum, j: notice.UK, stage: "letter-before-action", before: func(n *notice.Notice) { n.PayBy = n.Date + 13 }},
		{item: notice.ItemDebtorKind, j: notice.FR, stage: "final", before: func(n *notice.Notice) { n.Debtor.Kind = "" }},
		{item: notice.ItemFriendlyNoCharges, j: notice.EU, stage: "reminder", before: func(n *notice.Notice) {
			n.Fees = []notice.Charge{{Label: "fee", Amount: dec("5.00")}}
			n.Total = n.ComputeTotal()
		}},
		{item: notice.ItemLegalBasis, j: notice.UK, stage: "final", before: func(n *notice.Notice) { n.Fees[1].Basis = "" }},
		{item: notice.ItemLegalBasis, j: notice.DE, stage: "final", after: func(n *notice.Notice) { n.Text = strings.ReplaceAll(n.Text, " (§ 288 Abs. 2 BGB)", "") }},
		{item: notice.ItemStatutoryLabel, j: notice.DE, stage: "final", after: func(n *notice.Notice) { n.Interest[0].Basis = "" }},
		{item: notice.ItemCompensation, j: notice.UK, stage: "final", before: func(n *notice.Notice) {
			n.Fees[1].Statutory, n.Fees[1].Amount = dec("100"), dec("90.00") // 1,234.56 is under 10,000: GBP 70
			n.Total = n.ComputeTotal()
		}},
		{item: notice.ItemCompensation, j: notice.EU, stage: "final", before: func(n *notice.Notice) {
			n.Fees = append(n.Fees, notice.Charge{Label: "compensation", Invoice: "INV-100", Amount: dec("0"), Basis: "Art. 6 Directive 2011/7/EU"})
		}},
		{item: notice.ItemBusinessOnly, j: notice.DE, stage: "final", before: func(n *notice.Notice) { n.Debtor.Kind = notice.Consumer }},
		{item: notice.ItemFeesNetted, j: notice.FR, stage: "final", before: func(n *notice.Notice) {
			// The issue's case: the reminder fee beside the whole EUR 40.
			n.Fees[1].Covered, n.Fees[1].Amount = decimal.Zero, dec("40.00")
			n.Total = n.ComputeTotal()
		}},
		{item: notice.ItemConsequence, j: notice.DE, stage: "final", before: func(n *notice.Notice) { n.Next = notice.Next{Kind: notice.NextCollection} },
			after: func(n *notice.Notice) { n.Next = notice.Next{} }},
		{item: notice.ItemMahnbescheidAbroad, j: notice.DE, stage: "letter-before-action", after: func(n *notice.Notice) { n.Debtor.Country = "CH" }},
		{item: notice.ItemCreditorFooter, j: notice.DE, stage: "final", before: func(n *notice.Notice) { n.Creditor.Registration.Directors = nil }},
		{item: notice.ItemCreditorFooter, j: notice.UK, stage: "final", after: func(n *notice.Notice) { n.Text = strings.ReplaceAll(n.Text, "company number 01234567", "") }},
		{item: notice.ItemCreditorFooter, j: notice.FR, stage: "final", before: func(n *notice.Notice) { n.Creditor.Registration.Number = "" }},
		{item: notice.ItemUKClaimBasis, j: notice.UK, stage: "letter-before-action", before: func(n *notice.Notice) { n.Contract = notice.Contract{} }},
		{item: notice.ItemUKInterestContinues, j: notice.UK, stage: "letter-before-action", after: func(n *notice.Notice) { n.Text = strings.ReplaceAll(n.Text, "GBP 0.41", "GBP 0.40") }},
		{item: notice.ItemUKDispute, j: notice.UK, stage: "letter-before-action", after: func(n *notice.Notice) {
			n.Text = strings.ReplaceAll(n.Text, "If you dispute the debt", "If you query the debt")
		}},
		{item: notice.ItemUKADR, j: notice.UK, stage: "letter-before-action", after: func(n *notice.Notice) {
			n.Text = strings.ReplaceAll(n.Text, "alternative dispute resolution, such as mediation", "talking")
		}},
		{item: notice.ItemUKDebtProtocol, j: notice.UK, stage: "letter-before-action", individual: true, before: func(n *notice.Notice) { n.Channel = notice.Email }},
		{item: notice.ItemUKDebtProtocol, j: notice.UK, stage: "letter-before-action", individual: true, after: func(n *notice.Notice) { n.Text = strings.ReplaceAll(n.Text, "Financial Statement", "") }},
		{item: notice.ItemSMSStandalone, j: notice.UK, stage: "final", ch: notice.SMS, before: func(n *notice.Notice) { n.Creditor.Phone, n.Creditor.Email = "", "" }},
		{item: notice.ItemSMSStandalone, j: notice.EU, stage: "final", ch: notice.SMS, after: func(n *notice.Notice) {
			n.Text = strings.ReplaceAll(n.Text, "EUR 1,234.56 overdue, plus EUR 50.30", "EUR 1,284.86 overdue")
		}},
		{item: notice.ItemSMSNoLetter, j: notice.DE, stage: "final", ch: notice.SMS, after: func(n *notice.Notice) { n.Text += " Brief folgt." }},
	}
	covered := map[notice.Item]bool{notice.ItemRendered: true}
	for i, tc := range cases {
		var lw law
		for _, l := range laws() {
			if l.j == tc.j {
				lw = l
			}
		}
		n := legalNotice(lw, tc.stage, tc.individual)
		if tc.ch != "" {
			n.Channel = tc.ch
			n.Debtor.Phone = "+00 000 0000"
		}
		if err := notice.Builtin().Render(n); err != nil {
			t.Fatal(err)
		}
		if f := notice.Check(n, tc.j); len(f) != 0 {
			t.Fatalf("case %d (%s): the unbroken notice fails: %v", i, tc.item, f)
		}
		n = legalNotice(lw, tc.stage, tc.individual)
		if tc.ch != "" {
			n.Channel = tc.ch
			n.Debtor.Phone = "+00 000 0000"
		}
		if tc.before != nil {
			tc.before(n)
		}
		if err := notice.Builtin().Render(n); err != nil {
			t.Fatal(err)
		}
		if tc.after != nil {
			tc.after(n)
		}
		fs := notice.Check(n, tc.j)
		i := slices.IndexFunc(fs, func(f notice.Finding) bool { return f.Item == tc.item })
		if i < 0 {
			t.Errorf("%s under %s: not reported; findings %v", tc.item, tc.j, fs)
			continue
		}
		if fs[i].Source != tc.item.Source(tc.j) || fs[i].Source == "" || fs[i].Detail == "" {
			t.Errorf("%s: finding %+v lacks its source or detail", tc.item, fs[i])
		}
		covered[tc.item] = true
	}
	for _, j := range []notice.Jurisdiction{"", notice.EU, notice.UK, notice.DE, notice.FR} {
		for _, it := range notice.Checklist(j) {
			if !covered[it] {
				t.Errorf("checklist item %s (%s) has no case", it, j)
			}
		}
	}
	// An unrendered notice is reported as such.
	n := legalNotice(laws()[0], "final", false)
	if fs := notice.Check(n, notice.EU); len(fs) != 1 || fs[0].Item != notice.ItemRendered {
		t.Errorf("unrendered: %v", fs)
	}
}

// Pay-by minimums per jurisdiction, stage and debtor kind.
func TestMinPayByDays(t *testing.T) {
	for _, tc := range []struct {
		j    notice.Jurisdiction
		s    notice.Stage
		k    notice.PartyKind
		want int
	}{
		{notice.UK, notice.LetterBeforeAction, notice.Company, 14},
		{notice.UK, notice.LetterBeforeAction, notice.SoleTrader, 30},
		{notice.UK, notice.LetterBeforeAction, notice.Consumer, 30},
		{notice.UK, notice.LetterBeforeAction, "", 30},
		{notice.UK, notice.FinalNotice, notice.SoleTrader, 0},
		{notice.DE, notice.LetterBeforeAction, notice.Consumer, 0},
	} {
		if got, src := notice.MinPayByDays(tc.j, tc.s, tc.k); got != tc.want || (got > 0) != (src != "") {
			t.Errorf("%s %s %s: %d (%q), want %d", tc.j, tc.s, tc.k, got, src, tc.want)
		}
	}
}

// The daily interest a letter before action states, by hand: the last
// period of each invoice counts (the rate changed on 15 April: 1,234.56 x
// 11.02 % / 365 = 0.37274 -> 0.37, not both periods' 0.72); a second
// invoice of 10,000 at 12 % act/365 adds 1,200 / 365 = 3.28767: 0.37274 +
// 3.28767 = 3.66041 -> 3.66 (act/360 would give 3.33 for it).
func TestDailyInterest(t *testing.T) {
	n := sample("en", notice.LetterBeforeAction)
	n.Interest = []notice.Charge{
		interest("INV-1", "1234.56", "10.27", "2026-04-01", "2026-04-14"),
		interest("INV-1", "1234.56", "11.02", "2026-04-15", "2026-04-28"),
	}
	if got := n.DailyInterest(); !got.Equal(dec("0.37")) {
		t.Errorf("one invoice: %s, want 0.37", got)
	}
	n.Interest = append(n.Interest, interest("INV-2", "10000.00", "12", "2026-04-10", "2026-04-28"))
	if got := n.DailyInterest(); !got.Equal(dec("3.66")) {
		t.Errorf("two invoices: %s, want 3.66", got)
	}
	n.Interest = nil
	if got := n.DailyInterest(); !got.IsZero() {
		t.Errorf("no interest: %s", got)
	}
}

// A UK claim on a EUR invoice: the GBP 70 the app converted (EUR 80.00 in
// Statutory) is the ceiling, netted like any other: 80 - 10 = 70.00.
func TestCheckConvertedCompensation(t *testing.T) {
	lw := laws()[1]
	lw.currency, lw.compensation = "EUR", "80.00"
	n := legalNotice(lw, "final", false)
	if err := notice.Builtin().Render(n); err != nil {
		t.Fatal(err)
	}
	if !n.Fees[1].Amount.Equal(dec("70.00")) {
		t.Fatalf("compensation %s, want 70.00", n.Fees[1].Amount)
	}
	if f := notice.Check(n, notice.UK); len(f) != 0 {
		t.Errorf("converted compensation refused: %v", f)
	}
	n.Fees[1].Covered, n.Fees[1].Amount = decimal.Zero, dec("80.00")
	if f := notice.Check(n, notice.UK); len(f) != 1 || f[0].Item != notice.ItemFeesNetted {
		t.Errorf("unnetted converted compensation: %v", f)
	}
}

// The German footer rules by form: a GmbH names its managing directors, a
// registered merchant (e.K.) need not; an unregistered sole trader has no
// register entry to state.
func TestCreditorFooterByForm(t *testing.T) {
	lw := laws()[2]
	for _, tc := range []struct {
		kind notice.PartyKind
		reg  notice.Registration
		ok   bool
	}{
		{notice.Company, notice.Registration{Form: "GmbH", Office: "Hamburg", Register: "Amtsgericht Hamburg", Number: "HRB 1"}, false},
		{notice.Company, notice.Registration{Form: "GmbH & Co. KG", Office: "Hamburg", Register: "Amtsgericht Hamburg", Number: "HRA 1"}, false},
		{notice.SoleTrader, notice.Registration{Form: "e.K.", Office: "Hamburg", Register: "Amtsgericht Hamburg", Number: "HRA 2"}, true},
		{notice.SoleTrader, notice.Registration{}, true},
		{notice.Company, notice.Registration{}, false},
	} {
		lw.creditor.Kind, lw.creditor.Registration = tc.kind, tc.reg
		n := legalNotice(lw, "final", false)
		if err := notice.Builtin().Render(n); err != nil {
			t.Fatal(err)
		}
		fs := notice.Check(n, notice.DE)
		if (len(fs) == 0) != tc.ok {
			t.Errorf("%s %+v: findings %v, want ok=%v", tc.kind, tc.reg, fs, tc.ok)
		}
	}
}

// Kinds and jurisdictions read from JSON refuse names they do not know.
func TestKindAndLawFromJSON(t *testing.T) {
	var p notice.Party
	if err := json.Unmarshal([]byte(`{"name": "A", "kind": "sole-trader"}`), &p); err != nil || p.Kind != notice.SoleTrader {
		t.Errorf("sole-trader: %v %q", err, p.Kind)
	}
	if err := json.Unmarshal([]byte(`{"name": "A", "kind": "corp"}`), &p); err == nil || !strings.Contains(err.Error(), `"corp"`) {
		t.Errorf("corp: %v", err)
	}
	var n notice.Notice
	if err := json.Unmarshal([]byte(`{"law": "gb"}`), &n); err == nil || !strings.Contains(err.Error(), `"gb"`) {
		t.Errorf("law gb: %v", err)
	}
	if err := json.Unmarshal([]byte(`{"law": "uk"}`), &n); err != nil || n.Law != notice.UK {
		t.Errorf("law uk: %v %q", err, n.Law)
	}
}

// A UK company's footer is in the notice's language: a German notice says
// "eingetragen in", never "registered in" beside its German VAT label.
func TestLegalLinesUKInGerman(t *testing.T) {
	p := notice.Party{Name: "Thames Tooling Ltd", Country: "GB", TaxID: "GB123456789",
		Registration: notice.Registration{Register: "England and Wales", Number: "01234567", Office: "10 River Road, London SE1 9AA"}}
	for lang, want := range map[string][]string{
		"en": {"Thames Tooling Ltd, registered in England and Wales, company number 01234567", "Registered office: 10 River Road, London SE1 9AA", "VAT number: GB123456789"},
		"de": {"Thames Tooling Ltd, eingetragen in England and Wales, Registernummer 01234567", "Eingetragener Sitz: 10 River Road, London SE1 9AA", "USt-IdNr.: GB123456789"},
	} {
		if diff := cmp.Diff(want, p.LegalLines(lang)); diff != "" {
			t.Errorf("LegalLines(%q) (-want +got):\n%s", lang, diff)
		}
	}
}

// A German company with one managing director names "Managing director"
// in English (Geschäftsführer is both in German), with two the plural.
func TestLegalLinesOneDirector(t *testing.T) {
	reg := notice.Registration{Form: "GmbH", Office: "Hamburg", Register: "Amtsgericht Hamburg", Number: "HRB 123456", Directors: []string{"Anna Schmidt"}}
	p := notice.Party{Name: "Northwind Supplies GmbH", Country: "DE", Kind: notice.Company, Registration: reg}
	for _, tc := range []struct {
		lang, want string
		two        bool
	}{
		{"en", "Registered office: Hamburg · Register: Amtsgericht Hamburg, HRB 123456 · Managing director: Anna Schmidt", false},
		{"de", "Sitz: Hamburg · Registergericht: Amtsgericht Hamburg, HRB 123456 · Geschäftsführer: Anna Schmidt", false},
		{"en", "Registered office: Hamburg · Register: Amtsgericht Hamburg, HRB 123456 · Managing directors: Anna Schmidt, Jan Meyer", true},
	} {
		q := p
		if tc.two {
			q.Registration.Directors = []string{"Anna Schmidt", "Jan Meyer"}
		}
		got := q.LegalLines(tc.lang)
		if len(got) < 2 || got[1] != tc.want {
			t.Errorf("LegalLines(%q), two directors %v: %q, want second line %q", tc.lang, tc.two, got, tc.want)
		}
	}
}
