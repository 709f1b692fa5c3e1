package notice_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/overduehq/overdue/notice"
)

// deLaw is the German fixture of laws(): Northwind Supplies GmbH of
// Hamburg, Müller Maschinenbau GmbH and the consumer Erika Mustermann.
func deLaw(t *testing.T) law {
	t.Helper()
	for _, l := range laws() {
		if l.j == notice.DE {
			return l
		}
	}
	t.Fatal("no German fixture")
	return law{}
}

// hasItem reports whether fs holds a finding of item it.
func hasItem(fs []notice.Finding, it notice.Item) bool {
	return slices.ContainsFunc(fs, func(f notice.Finding) bool { return f.Item == it })
}

// renderDE renders n with the built-in texts and holds it against the
// German checklist.
func renderDE(t *testing.T, n *notice.Notice) []notice.Finding {
	t.Helper()
	n.Total = n.ComputeTotal()
	if err := notice.Builtin().Render(n); err != nil {
		t.Fatal(err)
	}
	return notice.Check(n, notice.DE)
}

// § 288 Abs. 1 S. 2 BGB: a consumer owes default interest of five points
// above the base rate; the nine points of Abs. 2 hold only "bei
// Rechtsgeschäften, an denen ein Verbraucher nicht beteiligt ist", and
// Directive 2011/7/EU (Art. 1(1), 2(1)) covers commercial transactions
// only. Under German law the one statutory interest a consumer owes is §
// 288 Abs. 1 BGB: a line claiming the Directive's rate (ECB rate + 8),
// the UK Act's or the French Code's from Erika Mustermann is reported
// under business-only; the same line to a company or a sole trader (§ 14
// BGB: a business) is not.
func TestDEConsumerOwesOnlyParagraph288Abs1(t *testing.T) {
	de := deLaw(t)
	for _, basis := range []string{"Art. 3 and 4 Directive 2011/7/EU", "Late Payment of Commercial Debts (Interest) Act 1998 s.1", "Art. L441-10 Code de commerce", "§ 288 Abs. 1, 2 BGB"} {
		// 1,234.56 x 10.15 % x 30/365 = 10.2993 -> 10.30 (the Directive's
		// rate with an ECB rate of 2.15).
		line := interest("INV-100", "1234.56", "10.15", "2026-03-04", "2026-04-02")
		line.Basis = basis
		n := legalNotice(de, "final", true)
		n.Interest = []notice.Charge{line}
		if fs := renderDE(t, n); !hasItem(fs, notice.ItemBusinessOnly) {
			t.Errorf("%s claimed from a consumer under German law passes: %v", basis, fs)
		}
		if !n.Total.Equal(dec("1247.36")) { // 1,234.56 + 2.50 fee + 10.30
			t.Errorf("%s: total %s, by hand 1,247.36", basis, n.Total)
		}
		for _, kind := range []notice.PartyKind{notice.Company, notice.SoleTrader} {
			n := legalNotice(de, "final", false)
			n.Debtor.Kind = kind
			n.Interest = []notice.Charge{line}
			if fs := renderDE(t, n); hasItem(fs, notice.ItemBusinessOnly) {
				t.Errorf("%s from a %s reported: %v", basis, kind, fs)
			}
		}
	}
	// § 288 Abs. 1 BGB itself, the fixture's consumer line, passes.
	if fs := renderDE(t, legalNotice(de, "final", true)); len(fs) != 0 {
		t.Errorf("§ 288 Abs. 1 BGB from a consumer: %v", fs)
	}
}

// § 288 Abs. 5 S. 1 BGB: the EUR 40 lump sum is owed only "wenn dieser
// [der Schuldner] kein Verbraucher ist". A line citing it is reported
// under business-only whatever the app labels it ("Pauschale" here, not
// "compensation").
func TestDEConsumerOwesNoLumpSumWhateverItsLabel(t *testing.T) {
	n := legalNotice(deLaw(t), "final", true)
	n.Fees = append(n.Fees, notice.Charge{Label: "Pauschale", Invoice: "INV-100", Amount: dec("37.50"), Basis: "§ 288 Abs. 5 BGB"})
	if fs := renderDE(t, n); !hasItem(fs, notice.ItemBusinessOnly) {
		t.Errorf("a § 288 Abs. 5 BGB lump sum from a consumer passes: %v", fs)
	}
}

// § 35a Abs. 1 S. 1 GmbHG: a GmbH's business letters state "die
// Rechtsform und der Sitz der Gesellschaft, das Registergericht ... und
// die Nummer ... sowie alle Geschäftsführer". A creditor whose name does
// not carry its form ("Northwind Supplies", form GmbH) gets the form in
// its footer; a letter with it struck out is reported.
func TestDEFooterStatesTheLegalForm(t *testing.T) {
	for _, lang := range []string{"de", "en"} {
		de := deLaw(t)
		de.lang = lang
		de.creditor.Name = "Northwind Supplies"
		n := legalNotice(de, "final", false)
		if fs := renderDE(t, n); len(fs) != 0 {
			t.Fatalf("%s: %v", lang, fs)
		}
		want := map[string]string{"de": "Rechtsform: GmbH", "en": "Legal form: GmbH"}[lang]
		if !strings.Contains(n.Text, want) || !strings.Contains(n.HTML, want) {
			t.Errorf("%s: the letter does not state the legal form (%q):\n%s", lang, want, n.Text)
		}
		n.Text = strings.ReplaceAll(n.Text, want, "")
		if fs := notice.Check(n, notice.DE); !hasItem(fs, notice.ItemCreditorFooter) {
			t.Errorf("%s: a GmbH letter without its legal form passes: %v", lang, fs)
		}
	}
	// A name that carries the form states it: no second mention.
	n := legalNotice(deLaw(t), "final", false)
	if renderDE(t, n); strings.Contains(n.Text, "Rechtsform") {
		t.Errorf("the form stated twice for Northwind Supplies GmbH:\n%s", n.Text)
	}
	// "AG" inside a word is no legal form: "MAGNA Handel" with form AG
	// states it.
	de := deLaw(t)
	de.creditor.Name = "MAGNA Handel"
	de.creditor.Registration = notice.Registration{Form: "AG", Office: "Köln", Register: "Amtsgericht Köln", Number: "HRB 4711", Directors: []string{"Eva Roth", "Paul Weber"}}
	n = legalNotice(de, "final", false)
	if renderDE(t, n); !strings.Contains(n.Text, "Rechtsform: AG") {
		t.Errorf("MAGNA Handel, an AG, does not state its form:\n%s", n.Text)
	}
}

// § 80 Abs. 1 S. 1 AktG: an AG's letters name "alle
// Vorstandsmitglieder"; an AG has a Vorstand (§ 76 AktG), no
// Geschäftsführer, so its footer calls them so ("Management board" in
// English).
func TestDEFooterNamesAnAGsVorstand(t *testing.T) {
	for lang, want := range map[string]string{"de": "Vorstand: Eva Roth, Paul Weber", "en": "Management board: Eva Roth, Paul Weber"} {
		de := deLaw(t)
		de.lang = lang
		de.creditor.Name = "Rhein Metall Handel AG"
		de.creditor.Registration = notice.Registration{Form: "AG", Office: "Köln", Register: "Amtsgericht Köln", Number: "HRB 4711", Directors: []string{"Eva Roth", "Paul Weber"}}
		n := legalNotice(de, "final", false)
		renderDE(t, n)
		if !strings.Contains(n.Text, want) || strings.Contains(n.Text, "Geschäftsführer") || strings.Contains(n.Text, "Managing directors") {
			t.Errorf("%s: the AG's footer does not name its Vorstand as such (%q):\n%s", lang, want, n.Text)
		}
	}
}

// § 37a Abs. 1 HGB: a Kaufmann's letters state "seine Firma, die
// Bezeichnung nach § 19 Abs. 1 Nr. 1 [eingetragener Kaufmann, e.K.], der
// Ort seiner Handelsniederlassung, das Registergericht und die Nummer";
// only a registered Kaufmann may carry "e.K." (§ 19 Abs. 1 Nr. 1 HGB). A
// sole trader whose name says e.K. but who gave no register entry is
// reported; one without the designation (a Kleingewerbetreibender: § 15b
// GewO, which asked for the full name, was repealed in 2009) owes none,
// nor does a consumer creditor.
func TestDEFooterOfASoleTrader(t *testing.T) {
	for _, tc := range []struct {
		name string
		kind notice.PartyKind
		reg  notice.Registration
		ok   bool
	}{
		{"Hafenkontor Jan Meyer e.K.", notice.SoleTrader, notice.Registration{}, false},
		{"Jan Meyer e. K.", notice.SoleTrader, notice.Registration{}, false},
		{"Blumen Anna Schmidt e.Kfr.", notice.SoleTrader, notice.Registration{}, false},
		{"Jan Meyer, eingetragener Kaufmann", notice.SoleTrader, notice.Registration{}, false},
		{"Hafenkontor Jan Meyer e.K.", notice.SoleTrader, notice.Registration{Form: "e.K.", Office: "Hamburg", Register: "Amtsgericht Hamburg", Number: "HRA 2"}, true},
		{"Jan Meyer Hausmeisterservice", notice.SoleTrader, notice.Registration{}, true},
		{"Jan Meyer", notice.Consumer, notice.Registration{}, true},
	} {
		de := deLaw(t)
		de.creditor.Name, de.creditor.Kind, de.creditor.Registration, de.creditor.TaxID = tc.name, tc.kind, tc.reg, ""
		n := legalNotice(de, "final", false)
		fs := renderDE(t, n)
		if hasItem(fs, notice.ItemCreditorFooter) == tc.ok {
			t.Errorf("%s (%s, %+v): findings %v, want footer ok=%v", tc.name, tc.kind, tc.reg, fs, tc.ok)
		}
	}
}
