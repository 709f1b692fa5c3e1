package dunning_test

import (
	"strings"
	"testing"
	"time"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/notice"
)

// An invoice paid in two instalments, both late, owes the fixed
// compensation on each (§ 288 Abs. 5 S. 2 BGB: also where the claim is an
// instalment; Directive 2011/7/EU Art. 5). One notice carries
// both instalments of INV-i1 (1,000.00 in two of 500.00, due 17 and 31
// March; overdue-1 at due+14 with a step fee of 5.00), per customer and
// per invoice alike (instalments due on one day share one), checked against
// the German checklist:
//   - before, Check refused it ("a second compensation on invoice INV-i1")
//     and it was never sent; and the 5.00 fee, booked on the first
//     instalment, was netted from both compensations (35.00 + 35.00);
//   - now each compensation line names its instalment, the notice passes,
//     the first instalment's compensation covers the fee (40.00 - 5.00 =
//     35.00) and the second claims the whole 40.00: fees 5.00 + 35.00 +
//     40.00 = 80.00, each instalment booked its own compensation.
func TestInstalmentsEachOweCompensation(t *testing.T) {
	// Per invoice too: instalments of one invoice due on one day share a
	// notice.
	for _, g := range []dunning.Grouping{dunning.PerCustomer, dunning.PerInvoice} {
		t.Run(string(g), func(t *testing.T) { instalmentsEachOweCompensation(t, g) })
	}
}

func instalmentsEachOweCompensation(t *testing.T, g dunning.Grouping) {
	pol := dePolicy()
	pol.CheckNotices = true
	pol.Creditor.Country = "DE"
	pol.Creditor.Registration = notice.Registration{Form: "GmbH", Office: "Hamburg", Register: "Amtsgericht Hamburg", Number: "HRB 1", Directors: []string{"Anna Schmidt"}}
	pol.Workflows[0].Grouping = g
	if err := pol.Validate(); err != nil {
		t.Fatal(err)
	}
	pf := onePortfolio()
	pf.Customers[0].Kind, pf.Customers[0].Country = notice.Company, "GB"
	inv := &pf.Invoices[0]
	inv.Amount = amt("1000.00")
	inv.Lines[0].Amount = inv.Amount
	inv.Schedule = []dunning.Instalment{{Due: day("2026-03-17"), Amount: amt("500.00")}, {Due: day("2026-03-31"), Amount: amt("500.00")}}
	acts := noticeActions(huntPlan(t, pol, pf, day("2026-04-14")))
	if len(acts) != 1 || len(acts[0].InvoiceIDs) != 2 {
		t.Fatalf("%+v, want one notice of both instalments", acts)
	}
	a := acts[0]
	want := map[int]string{1: "35", 2: "40"}
	for _, c := range a.Notice.Fees {
		if c.Label != "compensation" {
			continue
		}
		if w, ok := want[c.Instalment]; !ok || !c.Amount.Equal(amt(w)) {
			t.Errorf("compensation %s on instalment %d, want %v", c.Amount, c.Instalment, want)
		}
		delete(want, c.Instalment)
	}
	if len(want) != 0 {
		t.Errorf("no compensation on instalments %v", want)
	}
	if !a.Fees.Equal(amt("80")) {
		t.Errorf("fees %s, want 80.00 (5.00 + 35.00 + 40.00)", a.Fees)
	}
	rec := a.Record(dunning.Sent, time.Date(2026, 4, 14, 9, 0, 0, 0, time.UTC))
	if got := rec.FeesByInvoice; len(got) != 2 || !got[0].Equal(amt("40")) || !got[1].Equal(amt("40")) {
		t.Errorf("fees by invoice %v, want [40 40] (35 + the 5.00 fee, 40)", got)
	}
	if err := notice.Builtin().Render(a.Notice); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"(invoice INV-i1, instalment 1 of 2)", "(invoice INV-i1, instalment 2 of 2)"} {
		if !strings.Contains(a.Notice.Text, w) {
			t.Errorf("the text does not say which instalment a charge is on (%q):\n%s", w, a.Notice.Text)
		}
	}
}
