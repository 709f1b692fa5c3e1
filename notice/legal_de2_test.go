package notice_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/overduehq/overdue/notice"
)

// footerFindings returns the details of fs under the creditor-footer item.
func footerFindings(fs []notice.Finding) []string {
	var out []string
	for _, f := range fs {
		if f.Item == notice.ItemCreditorFooter {
			out = append(out, f.Detail)
		}
	}
	return out
}

// rheinAG is a German AG creditor: Vorstand Eva Roth (its chair) and Paul
// Weber, Aufsichtsrat chaired by Hans Berg.
func rheinAG() notice.Registration {
	return notice.Registration{Form: "AG", Office: "Köln", Register: "Amtsgericht Köln", Number: "HRB 4711",
		Directors: []string{"Eva Roth", "Paul Weber"}, BoardChair: "Eva Roth", SupervisoryChair: "Hans Berg"}
}

// § 80 Abs. 1 AktG: an AG's letters name "alle Vorstandsmitglieder und
// der Vorsitzende des Aufsichtsrats"; "Der Vorsitzende des Vorstands ist
// als solcher zu bezeichnen". The footer marks the Vorstand's chair and
// names the Aufsichtsrat's, in German and in English; a letter without
// either mark is reported, and an AG whose registration names no
// supervisory-board chair is reported (an AG must have an Aufsichtsrat,
// §§ 95, 107 Abs. 1 AktG).
func TestDE2AGNamesItsChairs(t *testing.T) {
	for _, tc := range []struct{ lang, want string }{
		{"de", "Sitz: Köln · Registergericht: Amtsgericht Köln, HRB 4711 · Vorstand: Eva Roth (Vorsitz), Paul Weber · Vorsitzender des Aufsichtsrats: Hans Berg"},
		{"en", "Registered office: Köln · Register: Amtsgericht Köln, HRB 4711 · Management board: Eva Roth (chair), Paul Weber · Chair of the supervisory board: Hans Berg"},
	} {
		de := deLaw(t)
		de.lang = tc.lang
		de.creditor.Name, de.creditor.Registration = "Rhein Metall Handel AG", rheinAG()
		vat := map[string]string{"de": "USt-IdNr.: DE123456789", "en": "VAT number: DE123456789"}[tc.lang]
		if diff := cmp.Diff([]string{"Rhein Metall Handel AG", tc.want, vat}, de.creditor.LegalLines(tc.lang)); diff != "" {
			t.Errorf("%s: LegalLines (-want +got):\n%s", tc.lang, diff)
		}
		n := legalNotice(de, "final", false)
		if fs := renderDE(t, n); len(fs) != 0 {
			t.Fatalf("%s: the AG's letter with both chairs: %v", tc.lang, fs)
		}
		if !strings.Contains(n.Text, tc.want) || !strings.Contains(n.HTML, tc.want) {
			t.Errorf("%s: the letter lacks %q:\n%s", tc.lang, tc.want, n.Text)
		}
		mark := map[string]string{"de": " (Vorsitz)", "en": " (chair)"}[tc.lang]
		n.Text = strings.ReplaceAll(n.Text, mark, "")
		if fs := notice.Check(n, notice.DE); !hasItem(fs, notice.ItemCreditorFooter) {
			t.Errorf("%s: a letter that does not mark the Vorstand's chair passes: %v", tc.lang, fs)
		}

		de.creditor.Registration.SupervisoryChair = ""
		n = legalNotice(de, "final", false)
		got := footerFindings(renderDE(t, n))
		if want := []string{"the creditor's registration lacks its supervisory board chair"}; !cmp.Equal(got, want) {
			t.Errorf("%s: an AG without its supervisory-board chair: %q, want %q", tc.lang, got, want)
		}
	}
	// A chair not among Directors is a board member all the same: named
	// first, marked.
	p := notice.Party{Name: "Rhein Metall Handel AG", Country: "DE", Kind: notice.Company, Registration: rheinAG()}
	p.Registration.BoardChair = "Klara Vogt"
	want := "Sitz: Köln · Registergericht: Amtsgericht Köln, HRB 4711 · Vorstand: Klara Vogt (Vorsitz), Eva Roth, Paul Weber · Vorsitzender des Aufsichtsrats: Hans Berg"
	if got := p.LegalLines("de"); len(got) != 2 || got[1] != want {
		t.Errorf("a chair outside Directors: %q, want second line %q", got, want)
	}
}

// § 278 Abs. 3 AktG: a KGaA follows the AG's rules "soweit sich ... aus
// dem Fehlen eines Vorstands nichts anderes ergibt": its letters name its
// persönlich haftende Gesellschafter (it has no Vorstand, no
// Geschäftsführer) and the chair of its Aufsichtsrat (§ 287 AktG: it has
// one). A KGaA without the chair is reported; a general partner that is a
// company (BGHZ 134, 392: a GmbH may be one) has no given name to write
// out.
func TestDE2KGaANamesItsGeneralPartnersAndChair(t *testing.T) {
	reg := notice.Registration{Form: "KGaA", Office: "Hamburg", Register: "Amtsgericht Hamburg", Number: "HRB 9876",
		Directors: []string{"Jan Meyer"}, SupervisoryChair: "Hans Berg"}
	for _, tc := range []struct {
		lang  string
		dirs  []string
		want  string
		chair bool
	}{
		{"de", []string{"Jan Meyer"}, "Sitz: Hamburg · Registergericht: Amtsgericht Hamburg, HRB 9876 · Persönlich haftender Gesellschafter: Jan Meyer · Vorsitzender des Aufsichtsrats: Hans Berg", true},
		{"en", []string{"Jan Meyer"}, "Registered office: Hamburg · Register: Amtsgericht Hamburg, HRB 9876 · General partner: Jan Meyer · Chair of the supervisory board: Hans Berg", true},
		{"de", []string{"Jan Meyer", "Hanse Verwaltungs GmbH"}, "Sitz: Hamburg · Registergericht: Amtsgericht Hamburg, HRB 9876 · Persönlich haftende Gesellschafter: Jan Meyer, Hanse Verwaltungs GmbH · Vorsitzender des Aufsichtsrats: Hans Berg", true},
		{"en", []string{"Jan Meyer", "Hanse Verwaltungs GmbH"}, "Registered office: Hamburg · Register: Amtsgericht Hamburg, HRB 9876 · General partners: Jan Meyer, Hanse Verwaltungs GmbH · Chair of the supervisory board: Hans Berg", true},
		{"de", []string{"Jan Meyer"}, "Sitz: Hamburg · Registergericht: Amtsgericht Hamburg, HRB 9876 · Persönlich haftender Gesellschafter: Jan Meyer", false},
	} {
		de := deLaw(t)
		de.lang = tc.lang
		de.creditor.Name, de.creditor.Registration = "Hanse Beteiligungen KGaA", reg
		de.creditor.Registration.Directors = tc.dirs
		if !tc.chair {
			de.creditor.Registration.SupervisoryChair = ""
		}
		if got := de.creditor.LegalLines(tc.lang); len(got) < 2 || got[1] != tc.want {
			t.Errorf("%s %v: LegalLines %q, want second line %q", tc.lang, tc.dirs, got, tc.want)
		}
		n := legalNotice(de, "final", false)
		fs := renderDE(t, n)
		if strings.Contains(n.Text, "Geschäftsführer") || strings.Contains(n.Text, "Vorstand") || strings.Contains(n.Text, "Managing director") {
			t.Errorf("%s: a KGaA's footer speaks of Geschäftsführer or a Vorstand:\n%s", tc.lang, n.Text)
		}
		got := footerFindings(fs)
		var want []string
		if !tc.chair {
			want = []string{"the creditor's registration lacks its supervisory board chair"}
		}
		if !cmp.Equal(got, want) {
			t.Errorf("%s %v chair=%v: footer findings %q, want %q", tc.lang, tc.dirs, tc.chair, got, want)
		}
	}
}

// § 35a Abs. 1 GmbHG names the Aufsichtsrat's chair only "sofern die
// Gesellschaft einen Aufsichtsrat gebildet und dieser einen Vorsitzenden
// hat": a GmbH without one passes (the fixture's Northwind Supplies GmbH),
// one that gives its chair states it.
func TestDE2GmbHStatesAChairWhereItHasOne(t *testing.T) {
	de := deLaw(t)
	if fs := renderDE(t, legalNotice(de, "final", false)); len(fs) != 0 {
		t.Fatalf("a GmbH without a supervisory board: %v", fs)
	}
	de.creditor.Registration.SupervisoryChair = "Hans Berg"
	n := legalNotice(de, "final", false)
	if fs := renderDE(t, n); len(fs) != 0 {
		t.Errorf("a GmbH with its chair: %v", fs)
	}
	want := "Sitz: Hamburg · Registergericht: Amtsgericht Hamburg, HRB 123456 · Geschäftsführer: Anna Schmidt, Jan Meyer · Vorsitzender des Aufsichtsrats: Hans Berg"
	if !strings.Contains(n.Text, want) {
		t.Errorf("the GmbH's footer lacks %q:\n%s", want, n.Text)
	}
}

// § 35a Abs. 1 GmbHG and § 80 Abs. 1 AktG name every Geschäftsführer,
// Vorstand member and the Aufsichtsrat's chair "mit dem Familiennamen und
// mindestens einem ausgeschriebenen Vornamen": a director named by
// initials only ("A. Schmidt", "Dr. A. Schmidt", "A.-M. Schmidt",
// "Schmidt, A.") or by the family name alone is reported; one given name
// written out, beside initials, titles or a particle, suffices.
func TestDE2DirectorsWithAGivenNameWrittenOut(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"A. Schmidt", false},
		{"A Schmidt", false},
		{"Dr. A. Schmidt", false},
		{"A.-M. Schmidt", false},
		{"A. von Schmidt", false},
		{"Schmidt, A.", false},
		{"Schmidt", false},
		{"Anna Schmidt", true},
		{"Dr. Anna Schmidt", true},
		{"A. Maria Schmidt", true},
		{"Anna-M. Schmidt", true},
		{"Anna von Schmidt", true},
		{"Schmidt, Anna", true},
	} {
		de := deLaw(t)
		de.creditor.Registration.Directors = []string{tc.name, "Jan Meyer"}
		got := footerFindings(renderDE(t, legalNotice(de, "final", false)))
		var want []string
		if !tc.ok {
			want = []string{`the director "` + tc.name + `" is named without a given name written out`}
		}
		if !cmp.Equal(got, want) {
			t.Errorf("GmbH director %q: footer findings %q, want %q", tc.name, got, want)
		}
	}
	// The AG's Aufsichtsrat chair too (§ 80 Abs. 1 S. 1 AktG).
	de := deLaw(t)
	de.creditor.Name, de.creditor.Registration = "Rhein Metall Handel AG", rheinAG()
	de.creditor.Registration.SupervisoryChair = "H. Berg"
	got := footerFindings(renderDE(t, legalNotice(de, "final", false)))
	if want := []string{`the supervisory board chair "H. Berg" is named without a given name written out`}; !cmp.Equal(got, want) {
		t.Errorf("AG chair H. Berg: %q, want %q", got, want)
	}
}

// § 288 Abs. 2 BGB: nine points above the base rate "bei
// Rechtsgeschäften, an denen ein Verbraucher nicht beteiligt ist": a
// consumer creditor (a private person selling to Müller Maschinenbau
// GmbH) is party, so the claim bears § 288 Abs. 1 BGB's five points. Nine
// points claimed by the consumer are reported under business-only; five
// are not. The EUR 40 of § 288 Abs. 5 BGB asks only that the debtor be no
// consumer ("wenn dieser kein Verbraucher ist"), so the consumer creditor
// may claim it from the company.
func TestDE2ConsumerCreditorOwesNoNinePoints(t *testing.T) {
	consumerCreditor := func() law {
		de := deLaw(t)
		de.creditor.Name, de.creditor.Kind, de.creditor.Registration, de.creditor.TaxID = "Jan Meyer", notice.Consumer, notice.Registration{}, ""
		return de
	}
	// The fixture's final notice: 1,234.56 at 10.27 % (base rate 1.27 + 9)
	// for the 30 days 4 March to 2 April, act/365: 1,234.56 x 0.1027 x 30
	// / 365 = 10.4210... -> 10.42; fee 10.00 and compensation 30.00.
	n := legalNotice(consumerCreditor(), "final", false)
	fs := renderDE(t, n)
	if !n.Total.Equal(dec("1284.98")) { // 1,234.56 + 10.00 + 30.00 + 10.42
		t.Errorf("total %s, by hand 1,284.98", n.Total)
	}
	var got []string
	for _, f := range fs {
		if f.Item == notice.ItemBusinessOnly {
			got = append(got, f.Detail)
		}
	}
	if want := []string{"business-to-business statutory interest (§ 288 Abs. 2 BGB) claimed by a consumer creditor"}; !cmp.Equal(got, want) {
		t.Errorf("nine points claimed by a consumer creditor: business-only findings %q, want %q (all: %v)", got, want, fs)
	}
	// Five points: 1,234.56 x 0.0627 x 30 / 365 = 6.3622... -> 6.36.
	n = legalNotice(consumerCreditor(), "final", false)
	line := interest("INV-100", "1234.56", "6.27", "2026-03-04", "2026-04-02")
	line.Basis = "§ 288 Abs. 1 BGB"
	n.Interest = []notice.Charge{line}
	if fs := renderDE(t, n); len(fs) != 0 {
		t.Errorf("five points and the lump sum claimed by a consumer creditor from a company: %v", fs)
	}
	if !n.Total.Equal(dec("1280.92")) { // 1,234.56 + 10.00 + 30.00 + 6.36
		t.Errorf("total %s, by hand 1,280.92", n.Total)
	}
}

// Directive 2011/7/EU covers "transactions between undertakings" (Art.
// 2(1)): a consumer creditor's claim under it bears neither the
// Directive's interest nor its EUR 40 (Art. 6(1)); both are reported.
func TestDE2ConsumerCreditorUnderTheDirective(t *testing.T) {
	eu := laws()[0]
	eu.creditor.Kind = notice.Consumer
	n := legalNotice(eu, "final", false)
	n.Total = n.ComputeTotal()
	if err := notice.Builtin().Render(n); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range notice.Check(n, notice.EU) {
		if f.Item == notice.ItemBusinessOnly {
			got = append(got, f.Detail)
		}
	}
	want := []string{"a fixed compensation claimed by a consumer creditor", "business-to-business statutory interest (Art. 3 and 4 Directive 2011/7/EU) claimed by a consumer creditor"}
	if !cmp.Equal(got, want) {
		t.Errorf("business-only findings %q, want %q", got, want)
	}
}

// § 707 Abs. 1 BGB: a GbR's partners "können" register it; §§ 37a, 125a
// HGB, § 35a GmbHG and § 80 AktG, which ask letters for a register entry,
// bind a Kaufmann, an OHG or KG, a GmbH and an AG, not a GbR; no law asks
// an eingetragener Verein for its. Neither is reported for a register
// entry it did not give; what it gives is stated. A registered GbR
// (eGbR, § 707a Abs. 2 BGB) and a GmbH still are reported.
func TestDE2NoRegisterEntryOwedByAGbROrAnEV(t *testing.T) {
	for _, tc := range []struct {
		name string
		reg  notice.Registration
		ok   bool
		line string // a footer line the letter must show
	}{
		{"Müller & Schmidt GbR", notice.Registration{}, true, ""},
		{"Müller & Schmidt", notice.Registration{Form: "GbR", Office: "Hamburg"}, true, "Rechtsform: GbR · Sitz: Hamburg"},
		{"Müller & Schmidt", notice.Registration{Form: "Gesellschaft bürgerlichen Rechts"}, true, "Rechtsform: Gesellschaft bürgerlichen Rechts"},
		{"Hamburger Segelverein e.V.", notice.Registration{Office: "Hamburg", Register: "Amtsgericht Hamburg"}, true, "Sitz: Hamburg · Registergericht: Amtsgericht Hamburg"},
		{"Hamburger Segelverein", notice.Registration{Form: "e. V."}, true, "Rechtsform: e. V."},
		{"Müller & Schmidt eGbR", notice.Registration{}, false, ""},
		{"Müller & Schmidt", notice.Registration{Form: "eingetragene Gesellschaft bürgerlichen Rechts"}, false, ""},
		{"Northwind Supplies GmbH", notice.Registration{}, false, ""},
	} {
		de := deLaw(t)
		de.creditor.Name, de.creditor.Registration, de.creditor.TaxID = tc.name, tc.reg, ""
		n := legalNotice(de, "final", false)
		fs := renderDE(t, n)
		if hasItem(fs, notice.ItemCreditorFooter) == tc.ok {
			t.Errorf("%s %+v: findings %v, want footer ok=%v", tc.name, tc.reg, fs, tc.ok)
		}
		if tc.line != "" && !strings.Contains(n.Text, tc.line) {
			t.Errorf("%s: the letter does not state %q:\n%s", tc.name, tc.line, n.Text)
		}
	}
}

// The chairs are text a notice shows: refused, naming the field, where
// the other registration texts are, and read from and written to JSON
// under their names.
func TestDE2ChairsAreCheckedText(t *testing.T) {
	p := notice.Party{Name: "Rhein Metall Handel AG", Registration: rheinAG()}
	p.Registration.BoardChair, p.Registration.SupervisoryChair = "Eva\nRoth", "Hans\u2028Berg"
	var fields []string
	for _, b := range p.TextProblems() {
		fields = append(fields, b.Field)
	}
	if want := []string{"registration.board_chair", "registration.supervisory_chair"}; !cmp.Equal(fields, want) {
		t.Errorf("TextProblems fields %q, want %q", fields, want)
	}
	n := legalNotice(deLaw(t), "final", false)
	n.Creditor.Registration.SupervisoryChair = "Hans\x1b[2JBerg"
	if err := n.Validate(); err == nil || !strings.Contains(err.Error(), "creditor.registration.supervisory_chair") {
		t.Errorf("Validate: %v", err)
	}

	var q notice.Party
	if err := json.Unmarshal([]byte(`{"name": "R AG", "registration": {"form": "AG", "board_chair": "Eva Roth", "supervisory_chair": "Hans Berg"}}`), &q); err != nil {
		t.Fatal(err)
	}
	if q.Registration.BoardChair != "Eva Roth" || q.Registration.SupervisoryChair != "Hans Berg" {
		t.Errorf("from JSON: %+v", q.Registration)
	}
	b, err := json.Marshal(notice.Registration{SupervisoryChair: "Hans Berg"})
	if err != nil || string(b) != `{"supervisory_chair":"Hans Berg"}` {
		t.Errorf("to JSON: %s %v", b, err)
	}
	if (notice.Registration{SupervisoryChair: "Hans Berg"}).IsZero() || (notice.Registration{BoardChair: "Eva Roth"}).IsZero() {
		t.Error("a registration naming only a chair is zero")
	}
	if slices.Contains(fields, "") {
		t.Error("an empty field name")
	}
}

// § 25a Abs. 1 GenG: a registered cooperative's letters name its legal
// form, seat, register court and number, "alle Vorstandsmitglieder und,
// sofern der Aufsichtsrat einen Vorsitzenden hat, dieser", each with a
// given name written out. Its board is a Vorstand (§ 24 GenG), so the
// footer says so; a letter of an eG that names no board member is
// reported, one that names no supervisory-board chair is not (the
// registration cannot tell whether it has one).
func TestDE2CooperativeNamesItsVorstand(t *testing.T) {
	reg := notice.Registration{Form: "eG", Office: "Bremen", Register: "Amtsgericht Bremen", Number: "GnR 321", Directors: []string{"Jonas Krüger", "Lea Wolf"}}
	de := deLaw(t)
	de.creditor.Name, de.creditor.Registration = "Weser Einkauf eG", reg
	want := "Sitz: Bremen · Registergericht: Amtsgericht Bremen, GnR 321 · Vorstand: Jonas Krüger, Lea Wolf"
	if got := de.creditor.LegalLines("de"); len(got) < 2 || got[1] != want {
		t.Errorf("LegalLines: %q, want second line %q", got, want)
	}
	n := legalNotice(de, "final", false)
	if fs := renderDE(t, n); len(fs) != 0 {
		t.Fatalf("the eG's letter with its Vorstand: %v", fs)
	}
	de.creditor.Registration.Directors = nil
	n = legalNotice(de, "final", false)
	fs := footerFindings(renderDE(t, n))
	if !slices.ContainsFunc(fs, func(d string) bool { return strings.Contains(d, "directors") }) {
		t.Errorf("an eG letter naming no Vorstand passes: %v", fs)
	}
}
