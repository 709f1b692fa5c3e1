package notice_test

import (
	"strings"
	"testing"

	"github.com/overduehq/overdue/notice"
)

// A charge names the part of an invoice it is on only where a line of the
// notice is that part: Validate refuses "instalment 2" of an invoice the
// notice carries whole, and accepts it once the line is instalment 2 of 3,
// which the text then names beside the invoice.
func TestChargeInstalmentMustBeALine(t *testing.T) {
	n := sample("en", notice.OverdueNotice)
	if len(n.Fees) == 0 {
		t.Fatal("the sample has no fee")
	}
	n.Fees[0].Invoice, n.Fees[0].Instalment = n.Lines[0].Number, 2
	err := n.Validate()
	if err == nil || !strings.Contains(err.Error(), "fees[0].instalment") {
		t.Fatalf("Validate: %v, want fees[0].instalment", err)
	}
	n.Lines[0].Instalment, n.Lines[0].Instalments = 2, 3
	if err := n.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := notice.Builtin().Render(n); err != nil {
		t.Fatal(err)
	}
	if w := "(invoice " + n.Lines[0].Number + ", instalment 2 of 3)"; !strings.Contains(n.Text, w) {
		t.Errorf("text lacks %q:\n%s", w, n.Text)
	}
}

// Under the UK Act the fixed sum follows the size of the debt (s.5A(2):
// GBP 40 below 1,000.00, 70 below 10,000.00): each instalment's
// compensation is held to its own instalment's open balance. INV-100 in
// two parts, 1,500.00 (GBP 70, less the 10.00 fee booked on the first
// line: 60.00) and 500.00 (GBP 40): Check finds no fault with the
// compensation; 70 claimed on the 500.00 part is reported.
func TestCheckCompensationPerInstalmentUK(t *testing.T) {
	var uk law
	for _, lw := range laws() {
		if lw.j == notice.UK {
			uk = lw
		}
	}
	n := legalNotice(uk, "final", false)
	l := n.Lines[0]
	l.Instalments = 2
	a, b := l, l
	a.Instalment, a.Amount, a.Open = 1, dec("1500.00"), dec("1500.00")
	b.Instalment, b.Amount, b.Open = 2, dec("500.00"), dec("500.00")
	n.Lines = []notice.Line{a, b}
	n.Interest = nil
	n.Fees = []notice.Charge{{Label: "fee", Amount: dec("10.00")},
		{Label: "compensation", Invoice: "INV-100", Instalment: 1, Statutory: dec("70"), Covered: dec("10.00"), Amount: dec("60.00"), Basis: uk.compBase},
		{Label: "compensation", Invoice: "INV-100", Instalment: 2, Statutory: dec("40"), Amount: dec("40"), Basis: uk.compBase}}
	n.Total = n.ComputeTotal()
	compFindings := func() []notice.Finding {
		if err := notice.Builtin().Render(n); err != nil {
			t.Fatal(err)
		}
		var out []notice.Finding
		for _, f := range notice.Check(n, notice.UK) {
			if f.Item == notice.ItemCompensation || f.Item == notice.ItemFeesNetted {
				out = append(out, f)
			}
		}
		return out
	}
	if fs := compFindings(); len(fs) != 0 {
		t.Errorf("per-instalment compensation refused: %v", fs)
	}
	n.Fees[2].Statutory, n.Fees[2].Amount = dec("70"), dec("70")
	n.Total = n.ComputeTotal()
	if fs := compFindings(); len(fs) == 0 {
		t.Error("GBP 70 on the 500.00 instalment passes")
	}
}
