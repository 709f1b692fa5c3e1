package dunning_test

import (
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/charge"
	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/overduehq/overdue/notice"
	"github.com/overduehq/overdue/store/memory"
	"github.com/shopspring/decimal"
)

var amt = dunningtest.Amount

// threeParts is invoice i1 of customer c1: EUR 900.00 issued 2026-03-01,
// payable in three instalments of 300.00 due 04-01, 05-01 and 06-01.
func threeParts() dunning.Invoice {
	inv := dunningtest.Invoice("i1", "c1", day("2026-03-01"), day("2026-06-01"), "900.00", "EUR")
	inv.Schedule = []dunning.Instalment{
		{Due: day("2026-04-01"), Amount: amt("300.00")},
		{Due: day("2026-05-01"), Amount: amt("300.00")},
		{Due: day("2026-06-01"), Amount: amt("300.00")},
	}
	return inv
}

func opens(parts []dunning.Invoice, d string) []string {
	var out []string
	for i := range parts {
		out = append(out, parts[i].Open(day(d)).StringFixed(2))
	}
	return out
}

// Allocation by hand: 400.00 paid on 04-10 (no instalment named) fills
// instalment 1 (300.00) and 100.00 of instalment 2; a credit note of 250.00
// on 05-20 is larger than what instalment 2 still owes (200.00): 200.00
// closes it and 50.00 goes on to instalment 3; 100.00 paid on 05-25 that
// the app allocated to instalment 3 goes there. Open on each day:
//
//	04-09: 300 300 300   04-10: 0 200 300   05-20: 0 0 250   05-25: 0 0 150
func TestInstalmentAllocation(t *testing.T) {
	inv := threeParts()
	inv.Payments = []dunning.Payment{{Date: day("2026-04-10"), Amount: amt("400.00")}, {Date: day("2026-05-25"), Amount: amt("100.00"), Instalment: 3}}
	inv.Credits = []dunning.Credit{{Date: day("2026-05-20"), Amount: amt("250.00")}}
	if err := inv.Validate(); err != nil {
		t.Fatal(err)
	}
	parts := inv.Parts()
	if got := []string{parts[0].ID, parts[1].ID, parts[2].ID}; !cmp.Equal(got, []string{"i1#1", "i1#2", "i1#3"}) {
		t.Errorf("IDs %v", got)
	}
	for d, want := range map[string][]string{
		"2026-04-09": {"300.00", "300.00", "300.00"},
		"2026-04-10": {"0.00", "200.00", "300.00"},
		"2026-05-20": {"0.00", "0.00", "250.00"},
		"2026-05-25": {"0.00", "0.00", "150.00"},
	} {
		if got := opens(parts, d); !cmp.Equal(got, want) {
			t.Errorf("open on %s = %v, want %v", d, got, want)
		}
	}
	// The parts add up to the invoice's own open balance on every day.
	for _, d := range []string{"2026-04-09", "2026-04-10", "2026-05-20", "2026-05-25"} {
		sum := decimal.Zero
		for i := range parts {
			sum = sum.Add(parts[i].Open(day(d)))
		}
		if !sum.Equal(inv.Open(day(d))) {
			t.Errorf("%s: parts sum %s, invoice open %s", d, sum, inv.Open(day(d)))
		}
	}
	if id, k := dunning.ParentID("i1#3"); id != "i1" || k != 3 {
		t.Errorf("ParentID = %q %d", id, k)
	}
}

func TestInstalmentScheduleValidation(t *testing.T) {
	for name, tc := range map[string]struct {
		edit  func(*dunning.Invoice)
		field string
	}{
		"sum":      {func(i *dunning.Invoice) { i.Schedule[2].Amount = amt("299.00") }, "invoice[i1].schedule"},
		"order":    {func(i *dunning.Invoice) { i.Schedule[1].Due = day("2026-04-01") }, "invoice[i1].schedule[1].due"},
		"last due": {func(i *dunning.Invoice) { i.Due = day("2026-06-30") }, "invoice[i1].due"},
		"no part 4": {func(i *dunning.Invoice) {
			i.Payments = []dunning.Payment{{Date: day("2026-04-01"), Amount: amt("1"), Instalment: 4}}
		}, "invoice[i1].payments[0].instalment"},
	} {
		inv := threeParts()
		tc.edit(&inv)
		err := inv.Validate()
		var fe *dunning.FieldError
		if !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("%s: %v, want a FieldError on %s", name, err, tc.field)
		}
	}
}

// A partially paid instalment is dunned on its own: on 05-15 instalment 1
// is paid (400.00 on 04-10), instalment 2 (due 05-01) owes 200.00 and
// reaches overdue-1 (05-01 + 14), instalment 3 is not due. Interest at 8 %
// on the open balance of instalment 2 only: 200.00 x 8 % x 14/365 (05-02 to
// 05-15) = 0.6137 -> 0.61.
func TestPartiallyPaidInstalmentDunnedAlone(t *testing.T) {
	pol := stdPolicy()
	pol.Charges = &dunning.Charges{Interest: &charge.Interest{Rate: amt("8")}}
	inv := threeParts()
	inv.Payments = []dunning.Payment{{Date: day("2026-04-10"), Amount: amt("400.00")}}
	pf := dunning.Portfolio{Customers: []dunning.Customer{dunningtest.Customer("c1")}, Invoices: []dunning.Invoice{inv}}
	acts, err := dunning.Plan(day("2026-05-15"), pol, pf)
	if err != nil {
		t.Fatal(err)
	}
	if len(acts) != 1 {
		t.Fatalf("want one action, got %+v", acts)
	}
	a := acts[0]
	if a.Key != "inv/c1/i1%231/standard/overdue-1/c0" && a.Key != "inv/c1/i1%232/standard/overdue-1/c0" {
		t.Errorf("key %q", a.Key)
	}
	if a.Key != "inv/c1/i1%232/standard/overdue-1/c0" || !cmp.Equal(a.InvoiceIDs, []string{"i1#2"}) || !a.Open.Equal(amt("200")) {
		t.Fatalf("key %q invoices %v open %s, want instalment 2 at overdue-1 with 200.00", a.Key, a.InvoiceIDs, a.Open)
	}
	l := a.Notice.Lines[0]
	want := notice.Line{Number: inv.Number, IssueDate: day("2026-03-01"), DueDate: day("2026-05-01"), Description: l.Description, Amount: amt("300.00"), Open: amt("200.00"), DaysOverdue: 14, Instalment: 2, Instalments: 3}
	if diff := cmp.Diff(want, l, dunningtest.CmpOptions()...); diff != "" {
		t.Errorf("line (-want +got):\n%s", diff)
	}
	if len(a.Notice.Interest) != 1 || !a.Interest.Equal(amt("0.61")) || a.Notice.Interest[0].Days != 14 {
		t.Errorf("interest %s over %+v, want 0.61 over 14 days", a.Interest, a.Notice.Interest)
	}
	// The step is recorded on the instalment: with it done, 05-16 has nothing.
	h := dunning.HistoryMap{}
	p := h["i1#2"]
	dunning.Advance(&p, a.Record(dunning.Sent, day("2026-05-15").MidnightUTC()), 0)
	h["i1#2"] = p
	pf.History = h
	if acts, _ := dunning.Plan(day("2026-05-16"), pol, pf); len(acts) != 0 {
		t.Errorf("05-16: %+v", acts)
	}
	ex, err := dunning.Explain(day("2026-05-16"), pol, pf, "i1#2")
	if err != nil || !strings.Contains(ex.Reason, "next is \"overdue-2\" on 2026-05-31") {
		t.Errorf("explain i1#2: %v %v", ex, err)
	}
}

// One per-customer notice lists the overdue instalments, each with its own
// days overdue: on 05-15 instalment 1 (due 04-01) is 44 days overdue,
// instalment 2 (due 05-01) 14; open 300.00 + 300.00 = 600.00.
func TestPerCustomerNoticeListsOverdueInstalments(t *testing.T) {
	wf := dunning.DefaultWorkflow("standard")
	wf.Grouping = dunning.PerCustomer
	pol := dunningtest.Policy(wf)
	pf := dunning.Portfolio{Customers: []dunning.Customer{dunningtest.Customer("c1")}, Invoices: []dunning.Invoice{threeParts()}}
	acts, err := dunning.Plan(day("2026-05-15"), pol, pf)
	if err != nil {
		t.Fatal(err)
	}
	if len(acts) != 1 {
		t.Fatalf("want one notice, got %+v", acts)
	}
	n := acts[0].Notice
	got := [][2]int{}
	for _, l := range n.Lines {
		got = append(got, [2]int{l.Instalment, l.DaysOverdue})
	}
	if !cmp.Equal(got, [][2]int{{1, 44}, {2, 14}}) || !n.Total.Equal(amt("600.00")) {
		t.Errorf("lines (instalment, days) %v total %s, want [[1 44] [2 14]] 600.00", got, n.Total)
	}
	if !cmp.Equal(acts[0].InvoiceIDs, []string{"i1#1", "i1#2"}) {
		t.Errorf("invoices %v", acts[0].InvoiceIDs)
	}
}

// A credit note larger than one instalment: on 05-20 a credit of 250.00
// closes instalment 2 (open 200.00 after 100.00 of the 04-10 payment) and
// takes 50.00 off instalment 3, which on 06-15 (overdue-1) is dunned for
// 250.00; instalment 2 is paid.
func TestCreditLargerThanInstalment(t *testing.T) {
	pol := stdPolicy()
	inv := threeParts()
	inv.Payments = []dunning.Payment{{Date: day("2026-04-10"), Amount: amt("400.00")}}
	inv.Credits = []dunning.Credit{{Date: day("2026-05-20"), Amount: amt("250.00")}}
	pf := dunning.Portfolio{Customers: []dunning.Customer{dunningtest.Customer("c1")}, Invoices: []dunning.Invoice{inv}}
	acts, err := dunning.Plan(day("2026-06-15"), pol, pf)
	if err != nil {
		t.Fatal(err)
	}
	if len(acts) != 1 || !cmp.Equal(acts[0].InvoiceIDs, []string{"i1#3"}) || !acts[0].Open.Equal(amt("250")) {
		t.Fatalf("want instalment 3 for 250.00, got %+v", acts)
	}
	ex, err := dunning.Explain(day("2026-06-15"), pol, pf, "i1#2")
	if err != nil || !strings.HasPrefix(ex.Reason, "paid") {
		t.Errorf("explain i1#2: %+v %v", ex, err)
	}
}

// unappliedPortfolio is onePortfolio (i1: EUR 100.00 due 03-31) with
// unapplied money of the customer.
func unappliedPortfolio(us ...dunning.Unapplied) dunning.Portfolio {
	pf := onePortfolio()
	pf.Unapplied = us
	return pf
}

func payment(id, cur, amount, d string) dunning.Unapplied {
	return dunning.Unapplied{ID: id, CustomerID: "c1", Kind: dunning.UnappliedPayment, Currency: dunning.Currency(cur), Date: day(d), Amount: amt(amount), Ref: "BANK-" + id}
}

// On 04-14 (overdue-1 of i1, open 100.00): 150.00 unapplied covers it, no
// notice, and Explain says so; 40.00 unapplied is its own line and the
// total is 100.00 - 40.00 = 60.00; 500.00 unapplied in USD is not netted
// (total 100.00, no line); money dated after the day does not count.
func TestUnappliedCash(t *testing.T) {
	pol := stdPolicy()
	d := day("2026-04-14")

	covered := unappliedPortfolio(payment("u1", "EUR", "150.00", "2026-04-10"))
	if acts, err := dunning.Plan(d, pol, covered); err != nil || len(acts) != 0 {
		t.Errorf("covered: %+v %v", acts, err)
	}
	ex, err := dunning.Explain(d, pol, covered, "i1")
	if err != nil || !strings.Contains(ex.Reason, "unapplied payments and credits in EUR (150.00) cover") {
		t.Errorf("explain covered: %+v %v", ex, err)
	}
	bal := dunning.NetOverdue(d, []*dunning.Invoice{&covered.Invoices[0]}, covered.Unapplied)
	if len(bal) != 1 || !bal[0].Overdue.Equal(amt("100")) || !bal[0].Unapplied.Equal(amt("150")) || !bal[0].Net.Equal(amt("-50")) {
		t.Errorf("NetOverdue = %+v, want overdue 100 unapplied 150 net -50", bal)
	}

	part := unappliedPortfolio(payment("u1", "EUR", "40.00", "2026-04-10"), payment("u2", "EUR", "70.00", "2026-04-15"))
	acts, err := dunning.Plan(d, pol, part)
	if err != nil || len(acts) != 1 {
		t.Fatalf("partly covered: %+v %v", acts, err)
	}
	n := acts[0].Notice
	wantU := []notice.Unapplied{{Kind: "payment", Date: day("2026-04-10"), Reference: "BANK-u1", Amount: amt("40.00")}}
	if diff := cmp.Diff(wantU, n.Unapplied, dunningtest.CmpOptions()...); diff != "" || !n.Total.Equal(amt("60.00")) {
		t.Errorf("unapplied lines (-want +got):\n%s\ntotal %s, want 60.00", diff, n.Total)
	}
	pol.Render(acts)
	n = acts[0].Notice
	if !strings.Contains(n.Text, "not yet allocated to an invoice: -EUR 40.00") {
		t.Errorf("text lacks the unapplied line:\n%s", n.Text)
	}

	other := unappliedPortfolio(payment("u1", "USD", "500.00", "2026-04-10"))
	acts, err = dunning.Plan(d, pol, other)
	if err != nil || len(acts) != 1 || len(acts[0].Notice.Unapplied) != 0 || !acts[0].Notice.Total.Equal(amt("100.00")) {
		t.Errorf("USD cash netted against EUR: %+v %v", acts, err)
	}
	bal = dunning.NetOverdue(d, []*dunning.Invoice{&other.Invoices[0]}, other.Unapplied)
	if len(bal) != 2 || bal[0].Currency != "EUR" || !bal[0].Net.Equal(amt("100")) || bal[1].Currency != "USD" || !bal[1].Net.Equal(amt("-500")) {
		t.Errorf("NetOverdue = %+v, want EUR net 100, USD net -500", bal)
	}

	// The policy minimum reads the net balance: 100.00 - 30.00 = 70.00 < 80.00.
	minPol := stdPolicy()
	minPol.MinAmount = map[dunning.Currency]decimal.Decimal{"EUR": amt("80")}
	if acts, err := dunning.Plan(d, minPol, unappliedPortfolio(payment("u1", "EUR", "30.00", "2026-04-10"))); err != nil || len(acts) != 0 {
		t.Errorf("net below minimum: %+v %v", acts, err)
	}
	if acts, err := dunning.Plan(d, minPol, unappliedPortfolio(payment("u1", "EUR", "20.00", "2026-04-10"))); err != nil || len(acts) != 1 {
		t.Errorf("net 80.00 at the minimum: %+v %v", acts, err)
	}

	// A bad record is rejected, the rest planned.
	bad := unappliedPortfolio(dunning.Unapplied{ID: "u9", CustomerID: "c1", Kind: "cheque", Currency: "EUR", Date: d, Amount: amt("1")})
	acts, err = dunning.Plan(d, pol, bad)
	if err != nil || len(acts) != 2 || acts[1].Kind != dunning.Email || acts[0].Kind != dunning.Rejected || !strings.Contains(acts[0].Problem, "unapplied[u9].kind") {
		t.Errorf("bad record: %+v %v", acts, err)
	}
}

// A payment plan kept, then broken. i1 (EUR 100.00 due 03-31) gets a plan on
// 04-05: 50.00 by 04-20 and 50.00 by 05-05; 50.00 arrives on 04-18. On 04-25
// part 1 is kept and part 2 ahead: dunning waits (overdue-1, due 04-14,
// stays pending) and Explain lists the parts. On 05-06 part 2 was missed:
// the plan is broken and dunning resumes at overdue-1 for the 50.00 left,
// the notice listing the parts; with EscalateOnBroken the next step goes
// out the day the part was missed, and not again the day after.
func TestPaymentPlanKeptThenBroken(t *testing.T) {
	pol := stdPolicy()
	pf := onePortfolio()
	inv := &pf.Invoices[0]
	inv.Promise = &dunning.Promise{Made: day("2026-04-05"), PayBy: day("2026-05-05"), Amount: amt("100.00"),
		Parts: []dunning.PromisePart{{PayBy: day("2026-04-20"), Amount: amt("50.00")}, {PayBy: day("2026-05-05"), Amount: amt("50.00")}}}
	inv.Payments = []dunning.Payment{{Date: day("2026-04-18"), Amount: amt("50.00")}}
	if err := inv.Validate(); err != nil {
		t.Fatal(err)
	}
	if s := inv.PromiseOn(day("2026-04-25")); s != dunning.PromisePending {
		t.Errorf("04-25: %s, want pending", s)
	}
	if acts, err := dunning.Plan(day("2026-04-25"), pol, pf); err != nil || len(acts) != 0 {
		t.Errorf("04-25: %+v %v", acts, err)
	}
	ex, err := dunning.Explain(day("2026-04-25"), pol, pf, "i1")
	if err != nil || ex.Reason != "payment plan made on 2026-04-05: EUR 50.00 by 2026-04-20 (kept), EUR 50.00 by 2026-05-05 (ahead): dunning waits" {
		t.Errorf("explain 04-25: %q %v", ex.Reason, err)
	}
	if s := inv.PromiseOn(day("2026-05-06")); s != dunning.PromiseBroken {
		t.Errorf("05-06: %s, want broken", s)
	}
	acts, err := dunning.Plan(day("2026-05-06"), pol, pf)
	if err != nil || len(acts) != 1 || acts[0].Step != "overdue-1" || !acts[0].Open.Equal(amt("50")) {
		t.Fatalf("05-06: %+v %v", acts, err)
	}
	wantPlan := []notice.PlanPart{{PayBy: day("2026-04-20"), Amount: amt("50.00"), Paid: amt("50.00")}, {PayBy: day("2026-05-05"), Amount: amt("50.00"), Paid: decimal.Zero, Missed: true}}
	if diff := cmp.Diff(wantPlan, acts[0].Notice.Lines[0].Plan, dunningtest.CmpOptions()...); diff != "" {
		t.Errorf("plan on the notice (-want +got):\n%s", diff)
	}
	if !strings.Contains(acts[0].Reason, "the payment plan was broken (EUR 50.00 by 2026-04-20 (kept), EUR 50.00 by 2026-05-05 (missed))") {
		t.Errorf("reason %q", acts[0].Reason)
	}

	// Escalate, with a plan broken at its first part: 50.00 by 04-20 and
	// 50.00 by 05-20, nothing paid. Dunning stood at "due" (03-31). On
	// 04-21 part 1 was missed: overdue-1 (due since 04-14) goes out. On
	// 04-22 nothing: the escalation answered the missed part once, and the
	// minimum gap holds overdue-2 (04-30) as usual. (Judging the break by
	// the plan's last day, 05-20, would escalate to overdue-2 on 04-22.)
	esc := dunning.DefaultWorkflow("standard")
	esc.OnBrokenPromise = dunning.EscalateOnBroken
	escPol := dunningtest.Policy(esc)
	inv.Payments = nil
	inv.Promise = &dunning.Promise{Made: day("2026-04-05"), PayBy: day("2026-05-20"), Amount: amt("100.00"),
		Parts: []dunning.PromisePart{{PayBy: day("2026-04-20"), Amount: amt("50.00")}, {PayBy: day("2026-05-20"), Amount: amt("50.00")}}}
	h := dunning.HistoryMap{"i1": {InvoiceID: "i1", Workflow: "standard", Step: 2, Last: day("2026-03-31")}}
	pf.History = h
	if acts, err := dunning.Plan(day("2026-04-20"), escPol, pf); err != nil || len(acts) != 0 {
		t.Errorf("escalate 04-20 (part 1 still open to pay): %+v %v", acts, err)
	}
	acts, err = dunning.Plan(day("2026-04-21"), escPol, pf)
	if err != nil || len(acts) != 1 || acts[0].Step != "overdue-1" || !strings.Contains(acts[0].Reason, "payment plan was broken") {
		t.Fatalf("escalate 04-21: %+v %v", acts, err)
	}
	p := h["i1"]
	dunning.Advance(&p, acts[0].Record(dunning.Sent, day("2026-04-21").MidnightUTC()), 0)
	h["i1"] = p
	if acts, err := dunning.Plan(day("2026-04-22"), escPol, pf); err != nil || len(acts) != 0 {
		t.Errorf("escalate 04-22: %+v %v", acts, err)
	}
}

// A statement of account of c1 for April and May 2026, by hand:
//
//	i0 EUR 200.00 issued 03-01, 100.00 paid 03-20 and 100.00 on 04-05
//	i1 EUR 900.00 issued 03-01 in three parts (threeParts), 400.00 paid
//	   04-10, a credit note of 250.00 on 05-20
//	i2 EUR 120.00 issued 04-15, due 04-30, unpaid
//	150.00 EUR received 05-25 and not yet allocated; USD money not shown
//
// Opening (03-31) = 200 - 100 + 900 = 1,000.00. Entries: 04-05 -100 = 900,
// 04-10 -400 = 500, 04-15 +120 = 620, 05-20 -250 = 370, 05-25 -150 = 220 =
// closing. Open items at 05-31: i1 instalment 3 250.00 (due 06-01, not
// yet due) and i2 120.00 (31 days overdue): 370.00 - 150.00 unapplied =
// 220.00, the closing balance. Aging: not yet due 250.00, 31-60 120.00.
func TestStatementReconciles(t *testing.T) {
	pol := stdPolicy()
	i0 := dunningtest.Invoice("i0", "c1", day("2026-03-01"), day("2026-03-31"), "200.00", "EUR")
	i0.Payments = []dunning.Payment{{Date: day("2026-03-20"), Amount: amt("100")}, {Date: day("2026-04-05"), Amount: amt("100"), Ref: "BANK-1"}}
	i1 := threeParts()
	i1.Payments = []dunning.Payment{{Date: day("2026-04-10"), Amount: amt("400"), Ref: "BANK-2"}}
	i1.Credits = []dunning.Credit{{Date: day("2026-05-20"), Amount: amt("250"), Ref: "CN-7"}}
	i2 := dunningtest.Invoice("i2", "c1", day("2026-04-15"), day("2026-04-30"), "120.00", "EUR")
	pf := dunning.Portfolio{Customers: []dunning.Customer{dunningtest.Customer("c1")}, Invoices: []dunning.Invoice{i0, i1, i2},
		Unapplied: []dunning.Unapplied{payment("u1", "EUR", "150.00", "2026-05-25"), payment("u2", "USD", "75.00", "2026-05-01")}}
	for _, lang := range []string{"en", "de"} {
		st, err := pol.Statement(pf, dunning.StatementRequest{CustomerID: "c1", Currency: "EUR", From: day("2026-04-01"), To: day("2026-05-31"), Language: lang})
		if err != nil {
			t.Fatal(err)
		}
		var bals []string
		for _, e := range st.Entries {
			bals = append(bals, e.Kind+" "+e.Balance.StringFixed(2))
		}
		want := []string{"payment 900.00", "payment 500.00", "invoice 620.00", "credit 370.00", "unapplied-payment 220.00"}
		if !st.Opening.Equal(amt("1000")) || !cmp.Equal(bals, want) || !st.Closing.Equal(amt("220")) {
			t.Errorf("opening %s entries %v closing %s, want 1000 %v 220", st.Opening, bals, st.Closing, want)
		}
		items := decimal.Zero
		for _, l := range st.Items {
			items = items.Add(l.Open)
		}
		if !items.Equal(amt("370")) || !st.Unapplied.Equal(amt("150")) || !items.Sub(st.Unapplied).Equal(st.Closing) {
			t.Errorf("items %s unapplied %s closing %s: do not reconcile", items, st.Unapplied, st.Closing)
		}
		var aging []string
		for _, b := range st.Aging {
			aging = append(aging, b.Amount.StringFixed(2))
		}
		if !cmp.Equal(aging, []string{"250.00", "0.00", "120.00", "0.00", "0.00"}) {
			t.Errorf("aging %v", aging)
		}
		golden(t, "testdata/statement/"+lang+".golden", "Subject: "+st.Subject+"\n\n"+st.Text+"\n-- html --\n"+st.HTML)
	}
	// Validate refuses a statement whose figures do not reconcile.
	st, _ := pol.Statement(pf, dunning.StatementRequest{CustomerID: "c1", Currency: "EUR", From: day("2026-04-01"), To: day("2026-05-31")})
	st.Items[0].Open = amt("1")
	if err := st.Validate(); err == nil || !strings.Contains(err.Error(), "items") {
		t.Errorf("unreconciled statement: %v", err)
	}
}

var updateStatement = flag.Bool("update-statement", false, "rewrite the statement golden files")

func golden(t *testing.T, name, got string) {
	t.Helper()
	if *updateStatement {
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(name)
	if err != nil {
		t.Fatalf("%v (run go test ./dunning -run Statement -update-statement)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s differs (-golden +got):\n%s", name, diff)
	}
}

// An instalment ID another invoice uses ("i1#2") would mix the two in the
// History and the keys: the scheduled invoice is rejected, the other
// planned.
func TestInstalmentIDClash(t *testing.T) {
	other := dunningtest.Invoice("i1#2", "c1", day("2026-03-01"), day("2026-03-31"), "50.00", "EUR")
	pf := dunning.Portfolio{Customers: []dunning.Customer{dunningtest.Customer("c1")}, Invoices: []dunning.Invoice{threeParts(), other}}
	acts, err := dunning.Plan(day("2026-04-14"), stdPolicy(), pf)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, a := range acts {
		kinds = append(kinds, string(a.Kind)+" "+strings.Join(a.InvoiceIDs, ","))
	}
	if !cmp.Equal(kinds, []string{"rejected i1", "email i1#2"}) || !strings.Contains(acts[0].Problem, "invoice[i1].schedule") {
		t.Errorf("actions %v (%+v)", kinds, acts)
	}
}

// Events naming an instalment go to its invoice. On threeParts (i1, 3 x
// 300.00 due 04-01, 05-01, 06-01), by hand:
//
//	pay-1: 300.00 on 04-10 naming "i1#2": instalment 2 takes it all
//	       (oldest first would have closed instalment 1): open 300 0 300
//	pay-2: 400.00 on 04-12 naming instalment 1: 300.00 closes it, 100.00
//	       goes on to the oldest open one, instalment 3: open 0 0 200
//	dis-1: a dispute naming "i1#1" pauses the whole invoice
//	b-1:   a bounce naming "i1#2" changes nothing and is accepted
//
// "i1#4" (no such instalment), "i2#1" (another invoice) and "i1#3" with
// Instalment 2 are refused, naming the field. Runner.Apply stores the
// event with the invoice's ID and the instalment's number.
func TestEventsNamingInstalment(t *testing.T) {
	ctx := context.Background()
	inv := threeParts()
	st := memory.New()
	r := &dunning.Runner{Policy: stdPolicy(), Store: st}
	if err := r.Apply(ctx, &inv, dunning.Event{ID: "pay-1", Kind: dunning.PaymentReceived, InvoiceID: "i1#2", Date: day("2026-04-10"), Amount: amt("300.00")}); err != nil {
		t.Fatal(err)
	}
	if got := opens(inv.Parts(), "2026-04-10"); !cmp.Equal(got, []string{"300.00", "0.00", "300.00"}) {
		t.Errorf("after pay-1: open %v, want 300 0 300", got)
	}
	if err := inv.Apply(dunning.Event{ID: "pay-2", Kind: dunning.PaymentReceived, Instalment: 1, Date: day("2026-04-12"), Amount: amt("400.00")}); err != nil {
		t.Fatal(err)
	}
	if got := opens(inv.Parts(), "2026-04-12"); !cmp.Equal(got, []string{"0.00", "0.00", "200.00"}) {
		t.Errorf("after pay-2: open %v, want 0 0 200", got)
	}
	if err := inv.Apply(dunning.Event{ID: "dis-1", Kind: dunning.DisputeOpened, InvoiceID: "i1#1", Date: day("2026-04-13"), Reason: "wrong quantity"}); err != nil || !inv.Dispute.OpenOn(day("2026-04-14")) {
		t.Errorf("dispute naming i1#1: %v %+v", err, inv.Dispute)
	}
	before := len(inv.Applied)
	if err := r.Apply(ctx, &inv, dunning.Event{ID: "b-1", Kind: dunning.NoticeBounced, InvoiceID: "i1#2", Key: "inv/c1/i1%232/standard/due/c0", Date: day("2026-04-13")}); err != nil || len(inv.Applied) != before {
		t.Errorf("bounce naming i1#2: %v", err)
	}
	for _, e := range []dunning.Event{
		{ID: "x-1", Kind: dunning.PaymentReceived, InvoiceID: "i1#4", Date: day("2026-04-14"), Amount: amt("1")},
		{ID: "x-2", Kind: dunning.PaymentReceived, InvoiceID: "i2#1", Date: day("2026-04-14"), Amount: amt("1")},
		{ID: "x-3", Kind: dunning.PaymentReceived, InvoiceID: "i1#3", Instalment: 2, Date: day("2026-04-14"), Amount: amt("1")},
	} {
		err := r.Apply(ctx, &inv, e)
		var fe *dunning.FieldError
		if !errors.As(err, &fe) || !strings.HasPrefix(fe.Field, "event["+e.ID+"].") {
			t.Errorf("%s: err = %v, want a field error", e.ID, err)
		}
	}
	evs, err := st.Events(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 || evs[0].InvoiceID != "i1" || evs[0].Instalment != 2 || evs[1].InvoiceID != "i1" || evs[1].Instalment != 2 {
		t.Errorf("stored events %+v, want pay-1 and b-1 as i1 instalment 2", evs)
	}
}
