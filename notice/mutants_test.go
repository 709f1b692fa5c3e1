package notice_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/overduehq/overdue/notice"
)

// Tests written against mutants of the package that no other test failed
// on: each case below fails with one operator of the code turned around.

// TestTextRefusesControlsAtTheirBounds: the first and last rune of every
// range LineProblem and TextProblem refuse (C1 controls U+0080..U+009F, the
// line and paragraph separators, the bidirectional embeddings and
// overrides U+202A..U+202E, the isolates U+2066..U+2069) is refused, and
// the runes just outside them are not (U+00A0 no-break space, U+2027, U+202F
// narrow no-break space, U+2065, U+206A), in a name (one line) and a text.
func TestTextRefusesControlsAtTheirBounds(t *testing.T) {
	refused := []rune{0x80, 0x9f, 0x2028, 0x2029, 0x202a, 0x202e, 0x2066, 0x2069}
	allowed := []rune{0xa0, 0x2027, 0x202f, 0x2065, 0x206a}
	for _, check := range []struct {
		name string
		f    func(string) string
	}{{"LineProblem", notice.LineProblem}, {"TextProblem", notice.TextProblem}} {
		for _, r := range refused {
			if p := check.f("Acme " + string(r) + "GmbH"); p == "" {
				t.Errorf("%s accepts U+%04X", check.name, r)
			}
		}
		for _, r := range allowed {
			if p := check.f("Acme " + string(r) + "GmbH"); p != "" {
				t.Errorf("%s refuses U+%04X: %s", check.name, r, p)
			}
		}
	}
}

// TestValidateAccountLines: an instalment's number runs from 1 to the
// count (3 of 3 passes, 0 and 4 of 3 fail); a payment plan's parts fall due
// on days strictly in order, each of some amount and paid at most it; an unapplied
// line is a payment or a credit.
func TestValidateAccountLines(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edit  func(n *notice.Notice)
		field string // "" : valid
	}{
		{"last instalment", func(n *notice.Notice) { n.Lines[0].Instalment, n.Lines[0].Instalments = 3, 3 }, ""},
		{"instalment past the count", func(n *notice.Notice) { n.Lines[0].Instalment, n.Lines[0].Instalments = 4, 3 }, "lines[0].instalment"},
		{"instalment zero", func(n *notice.Notice) { n.Lines[0].Instalment, n.Lines[0].Instalments = 0, 3 }, "lines[0].instalment"},
		{"plan in order", func(n *notice.Notice) {
			n.Lines[0].Plan = []notice.PlanPart{{PayBy: n.Date + 7, Amount: dec("600.00")}, {PayBy: n.Date + 8, Amount: dec("634.56"), Paid: dec("634.56")}}
		}, ""},
		{"plan parts on one day", func(n *notice.Notice) {
			n.Lines[0].Plan = []notice.PlanPart{{PayBy: n.Date + 7, Amount: dec("600.00")}, {PayBy: n.Date + 7, Amount: dec("634.56")}}
		}, "lines[0].plan[1].pay_by"},
		{"plan part of nothing", func(n *notice.Notice) {
			n.Lines[0].Plan = []notice.PlanPart{{PayBy: n.Date + 7, Amount: dec("0.00")}, {PayBy: n.Date + 8, Amount: dec("1234.56")}}
		}, "lines[0].plan[0].amount"},
		{"plan part paid more than its amount", func(n *notice.Notice) {
			n.Lines[0].Plan = []notice.PlanPart{{PayBy: n.Date + 7, Amount: dec("600.00"), Paid: dec("600.01")}}
		}, "lines[0].plan[0].amount"},
		{"unapplied credit", func(n *notice.Notice) {
			n.Unapplied = []notice.Unapplied{{Kind: "credit", Date: n.Date - 3, Amount: dec("100.00")}}
		}, ""},
		{"unapplied refund", func(n *notice.Notice) {
			n.Unapplied = []notice.Unapplied{{Kind: "refund", Date: n.Date - 3, Amount: dec("100.00")}}
		}, "unapplied[0].kind"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := legalNotice(laws()[0], "reminder", false)
			tc.edit(n)
			n.Total = n.ComputeTotal()
			err := n.Validate()
			switch {
			case tc.field == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.field != "" && (err == nil || !slices.Contains(strings.FieldsFunc(err.Error(), func(r rune) bool { return r == ' ' || r == ',' || r == ':' }), tc.field)):
				t.Fatalf("error %v does not name %s", err, tc.field)
			}
		})
	}
}

// TestCreditorFooterFollowsTheLaw: a creditor without a country is held to
// the footer its notice's law asks for (German law: legal form, registered
// office, register and number, and the directors of a company), not let
// off: without its directors, a German GmbH's final notice is reported.
func TestCreditorFooterFollowsTheLaw(t *testing.T) {
	var de law
	for _, l := range laws() {
		if l.j == notice.DE {
			de = l
		}
	}
	n := legalNotice(de, "final", false)
	n.Creditor.Country = ""
	n.Creditor.Registration.Directors = nil
	if err := notice.Builtin().Render(n); err != nil {
		t.Fatal(err)
	}
	fs := notice.Check(n, notice.DE)
	if !slices.ContainsFunc(fs, func(f notice.Finding) bool { return f.Item == notice.ItemCreditorFooter }) {
		t.Fatalf("a German GmbH without a country or directors passes the footer check: %v", fs)
	}
}
