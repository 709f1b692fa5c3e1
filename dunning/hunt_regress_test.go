package dunning_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/charge"
	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/overduehq/overdue/notice"
	"github.com/overduehq/overdue/schedule"
	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
)

// huntPlan plans day d and returns its actions, failing on an error or a
// Problem.
func huntPlan(t *testing.T, pol *dunning.Policy, pf dunning.Portfolio, d date.Date) []dunning.Action {
	t.Helper()
	acts, err := dunning.Plan(d, pol, pf)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range acts {
		if a.Problem != "" {
			t.Fatalf("%s: %s", a.Key, a.Problem)
		}
	}
	return acts
}

// groupedBounceWorld is c1 of the grouped-bounce tests: a per-customer
// workflow whose overdue-1 (a fee of 5.00 with fee) falls back to a letter;
// i1 (100.00, due 31 March) and i2 (200.00, due 20 March, overdue-1 done
// on 3 April).
func groupedBounceWorld(fee bool) (*dunning.Policy, dunning.Portfolio, dunning.HistoryMap) {
	wf := dunning.DefaultWorkflow("standard")
	wf.Grouping, wf.MinGapDays = dunning.PerCustomer, 0
	wf.Steps[3].OnBounce = dunning.Letter
	if fee {
		wf.Steps[3].Fee = &charge.Fee{Kind: charge.FixedPerNotice, Amounts: map[dunning.Currency]decimal.Decimal{"EUR": amt("5.00")}}
	}
	pol := dunningtest.Policy(wf)
	pf := onePortfolioAt(2)
	pf.Invoices = append(pf.Invoices, dunningtest.Invoice("i2", "c1", day("2026-02-18"), day("2026-03-20"), "200.00", "EUR"))
	hist := pf.History.(dunning.HistoryMap)
	hist["i2"] = dunning.Progress{InvoiceID: "i2", Workflow: "standard", Step: 3, Last: day("2026-04-03")}
	return pol, pf, hist
}

// huntRecord records a as sent on its day into the history, each invoice's
// progress advanced, and bounced when bounce is set.
func huntRecord(hist dunning.HistoryMap, a *dunning.Action, bounce bool) {
	rec := a.Record(dunning.Sent, a.Date.MidnightUTC())
	for i, id := range a.InvoiceIDs {
		p := hist[id]
		dunning.Advance(&p, rec, i)
		if bounce {
			dunning.MarkBounced(&p, rec, i)
		}
		hist[id] = p
	}
}

// A per-customer notice that bounced is re-sent by its fallback with every
// invoice it listed, and those invoices go on with their own steps after.
// c1 on 14 April: i2 (200.00, due 20 March, overdue-1 done on 3 April) is
// listed, i1 (100.00, due 31 March) reaches overdue-1: the email bounces.
// On 15 April the fallback letter lists both, 300.00 (before the fix it
// carried i1 alone, 100.00, and i2 stayed marked bounced: no notice ever
// again). On 19 April (20 March + 30) i2 reaches overdue-2.
func TestBouncedGroupedNoticeFallbackKeepsListedInvoices(t *testing.T) {
	pol, pf, hist := groupedBounceWorld(false)

	acts := huntPlan(t, pol, pf, day("2026-04-14"))
	if len(acts) != 1 || !cmp.Equal(acts[0].InvoiceIDs, []string{"i2", "i1"}) || !cmp.Equal(acts[0].Listed, []bool{true, false}) {
		t.Fatalf("14 April: %+v", acts)
	}
	huntRecord(hist, &acts[0], true)

	acts = huntPlan(t, pol, pf, day("2026-04-15"))
	if len(acts) != 1 {
		t.Fatalf("15 April: want the fallback alone, got %+v", acts)
	}
	fb := acts[0]
	if fb.Kind != dunning.Letter || !fb.Fallback || !cmp.Equal(fb.InvoiceIDs, []string{"i2", "i1"}) || !cmp.Equal(fb.Listed, []bool{true, false}) {
		t.Fatalf("15 April fallback: kind %s fallback %v invoices %v listed %v, want a letter for [i2 i1] listing i2", fb.Kind, fb.Fallback, fb.InvoiceIDs, fb.Listed)
	}
	if n := fb.Notice; len(n.Lines) != 2 || !n.Total.Equal(amt("300.00")) {
		t.Fatalf("15 April fallback: %d lines, total %s, want 2 lines, 300.00", len(n.Lines), n.Total)
	}
	huntRecord(hist, &fb, false)
	for _, id := range []string{"i1", "i2"} {
		if p := hist[id]; p.Bounced != "" || p.Step != 3 || p.Last != day("2026-04-15") {
			t.Errorf("%s after the fallback: %+v, want step 3, last 15 April, not bounced", id, p)
		}
	}

	acts = huntPlan(t, pol, pf, day("2026-04-19"))
	if len(acts) != 1 || acts[0].Step != "overdue-2" || !cmp.Equal(acts[0].InvoiceIDs, []string{"i2", "i1"}) || !cmp.Equal(acts[0].Listed, []bool{false, true}) {
		t.Fatalf("19 April: want overdue-2 for i2 listing i1, got %+v", acts)
	}
}

// An invoice a bounced per-customer notice only listed goes on with its own
// steps when the notice's fallback does not go out (the invoice of its step
// was paid since). c1 on 14 April as above, with a fee of 5.00 on
// overdue-1; i1 is paid on 15 April: no fallback, and on 19 April i2
// reaches overdue-2 (before the fix it stayed marked bounced and got no
// notice ever again).
func TestBouncedGroupedNoticeListedInvoiceGoesOn(t *testing.T) {
	pol, pf, hist := groupedBounceWorld(true)
	acts := huntPlan(t, pol, pf, day("2026-04-14"))
	if len(acts) != 1 || !acts[0].Fees.Equal(amt("5.00")) {
		t.Fatalf("14 April: %+v", acts)
	}
	huntRecord(hist, &acts[0], true)
	pf.Invoices[0].Payments = []dunning.Payment{{Date: day("2026-04-15"), Amount: amt("100.00")}}

	for _, d := range []string{"2026-04-15", "2026-04-16", "2026-04-18"} {
		if acts := huntPlan(t, pol, pf, day(d)); len(acts) != 0 {
			t.Fatalf("%s: want nothing, got %+v", d, acts)
		}
	}
	acts = huntPlan(t, pol, pf, day("2026-04-19"))
	if len(acts) != 1 || acts[0].Fallback || acts[0].Step != "overdue-2" || !cmp.Equal(acts[0].InvoiceIDs, []string{"i2"}) || !acts[0].Notice.Total.Equal(amt("200.00")) {
		t.Fatalf("19 April: want overdue-2 for i2, 200.00, got %+v", acts)
	}
	huntRecord(hist, &acts[0], false)
	if p := hist["i2"]; p.Bounced != "" || p.Step != 4 || !p.Fees.IsZero() {
		t.Errorf("i2 after overdue-2: %+v, want step 4, no fees, not bounced", p)
	}
}

// feesOf returns a notice's fee lines as "label invoice amount".
func feesOf(n *notice.Notice) []string {
	var out []string
	for _, c := range n.Fees {
		out = append(out, c.Label+" "+c.Invoice+" "+c.Amount.StringFixed(2))
	}
	return out
}

// The statutory compensation a per-customer notice claims on a listed
// invoice is booked on that invoice, not on the invoice of the step. c1
// under German law (EUR 40 per invoice, no step fees): on 14 April i1
// (100.00, due 31 March) reaches overdue-1 and i2 (200.00, due 5 April) is
// listed; each is claimed its EUR 40. On 19 April i2 reaches overdue-1
// (5 April + 14) with i1 listed: earlier fees 40.00 on each invoice (before
// the fix: 80.00 on INV-i1, none on INV-i2). i1 is paid on 20 April; on
// 5 May (5 April + 30) i2's overdue-2 still claims its EUR 40 (before the
// fix: nothing, the 40 had left with i1).
func TestGroupedCompensationBookedOnItsInvoice(t *testing.T) {
	wf := dunning.DefaultWorkflow("standard")
	wf.Grouping = dunning.PerCustomer
	pol := dunningtest.Policy(wf)
	pol.Charges = dePolicy().Charges
	pf := onePortfolioAt(2)
	pf.Invoices = append(pf.Invoices, dunningtest.Invoice("i2", "c1", day("2026-03-06"), day("2026-04-05"), "200.00", "EUR"))
	hist := pf.History.(dunning.HistoryMap)
	hist["i2"] = dunning.Progress{InvoiceID: "i2", Workflow: "standard", Step: 2, Last: day("2026-04-05")}

	acts := huntPlan(t, pol, pf, day("2026-04-14"))
	if len(acts) != 1 || !cmp.Equal(acts[0].InvoiceIDs, []string{"i1", "i2"}) || !cmp.Equal(acts[0].Listed, []bool{false, true}) {
		t.Fatalf("14 April: %+v", acts)
	}
	if got, want := feesOf(acts[0].Notice), []string{"compensation INV-i1 40.00", "compensation INV-i2 40.00"}; !cmp.Equal(got, want) {
		t.Fatalf("14 April fees %v, want %v", got, want)
	}
	huntRecord(hist, &acts[0], false)
	if !hist["i1"].Fees.Equal(amt("40")) || !hist["i2"].Fees.Equal(amt("40")) {
		t.Errorf("fees booked: i1 %s, i2 %s; want 40 each", hist["i1"].Fees, hist["i2"].Fees)
	}

	acts = huntPlan(t, pol, pf, day("2026-04-19"))
	if len(acts) != 1 || acts[0].Step != "overdue-1" || !cmp.Equal(acts[0].Listed, []bool{true, false}) {
		t.Fatalf("19 April: %+v", acts)
	}
	if got, want := feesOf(acts[0].Notice), []string{"fees-earlier INV-i1 40.00", "fees-earlier INV-i2 40.00"}; !cmp.Equal(got, want) {
		t.Fatalf("19 April fees %v, want %v", got, want)
	}
	huntRecord(hist, &acts[0], false)

	pf.Invoices[0].Payments = []dunning.Payment{{Date: day("2026-04-20"), Amount: amt("100.00")}}
	acts = huntPlan(t, pol, pf, day("2026-05-05"))
	if len(acts) != 1 || acts[0].Step != "overdue-2" || !cmp.Equal(acts[0].InvoiceIDs, []string{"i2"}) {
		t.Fatalf("5 May: %+v", acts)
	}
	if got, want := feesOf(acts[0].Notice), []string{"fees-earlier INV-i2 40.00"}; !cmp.Equal(got, want) {
		t.Errorf("5 May fees %v, want %v", got, want)
	}
}

// A per-customer notice that failed for good is replaced as a bounced one
// is: its fallback lists the invoice it only listed, and the step fee goes
// on the invoice of the step alone. c1 on 14 April as above, the email
// fails; on 15 April the fallback letter lists i2 and charges i1's 5.00
// (before the fix i2 counted as an invoice of the step: no longer listed,
// and the fee booked on it).
func TestFailedGroupedNoticeFallbackKeepsListedInvoices(t *testing.T) {
	pol, pf, hist := groupedBounceWorld(true)
	acts := huntPlan(t, pol, pf, day("2026-04-14"))
	if len(acts) != 1 {
		t.Fatalf("14 April: %+v", acts)
	}
	rec := acts[0].Record(dunning.Failed, day("2026-04-14").MidnightUTC())
	for i, id := range rec.InvoiceIDs {
		p := hist[id]
		dunning.Advance(&p, rec, i)
		hist[id] = p
	}
	acts = huntPlan(t, pol, pf, day("2026-04-15"))
	if len(acts) != 1 || !acts[0].Fallback || !cmp.Equal(acts[0].InvoiceIDs, []string{"i2", "i1"}) || !cmp.Equal(acts[0].Listed, []bool{true, false}) {
		t.Fatalf("15 April: want the fallback for [i2 i1] listing i2, got %+v", acts)
	}
	huntRecord(hist, &acts[0], false)
	if !hist["i1"].Fees.Equal(amt("5.00")) || !hist["i2"].Fees.IsZero() || hist["i2"].Step != 3 || hist["i1"].Bounced != "" || hist["i2"].Bounced != "" {
		t.Errorf("after the fallback: i1 %+v, i2 %+v; want the fee on i1, i2 at step 3, neither bounced", hist["i1"], hist["i2"])
	}
}

// A notice that is the last its invoice may get (Workflow.MaxNotices)
// announces what the workflow does next without the notices it holds back.
// i1 (100.00, due 31 March), at most one notice: the final notice of 14
// April is that one, so the letter before action of 30 April never goes
// out and the agency hand-over of 15 May does. The notice says the claim
// goes to a collection agency (before the fix it announced the letter
// before action).
func TestLastNoticeBeforeMaxAnnouncesWhatFollows(t *testing.T) {
	at := func(d int) schedule.Offset { return schedule.Offset{Anchor: schedule.Due, Days: d} }
	wf := dunning.Workflow{Name: "w", CatchUp: dunning.Progressive, MaxNotices: 1, Steps: []dunning.Step{
		{Name: "final", At: at(14), Action: dunning.Email, Stage: notice.FinalNotice},
		{Name: "lba", At: at(30), Action: dunning.Letter, Stage: notice.LetterBeforeAction},
		{Name: "agency", At: at(45), Action: dunning.EscalateExternal},
	}}
	pol := dunningtest.Policy(wf)
	pf := onePortfolio()
	hist := dunning.HistoryMap{}
	pf.History = hist
	acts := huntPlan(t, pol, pf, day("2026-04-14"))
	if len(acts) != 1 || acts[0].Step != "final" {
		t.Fatalf("14 April: %+v", acts)
	}
	if want := (notice.Next{Kind: notice.NextCollection}); acts[0].Notice.Next != want {
		t.Errorf("14 April: next %+v, want %+v", acts[0].Notice.Next, want)
	}
	if text := render(t, pol, &acts[0]); !strings.Contains(text, "collection agency") || strings.Contains(text, "letter before action") {
		t.Errorf("14 April: the text does not announce the hand-over alone:\n%s", text)
	}
	huntRecord(hist, &acts[0], false)
	if acts := huntPlan(t, pol, pf, day("2026-04-30")); len(acts) != 0 {
		t.Errorf("30 April: the letter before action is held back, got %+v", acts)
	}
	if acts := huntPlan(t, pol, pf, day("2026-05-15")); len(acts) != 1 || acts[0].Kind != dunning.EscalateExternal {
		t.Errorf("15 May: want the agency hand-over, got %+v", acts)
	}
	// With room for the letter, the final notice announces it.
	wf.MaxNotices = 2
	pol = dunningtest.Policy(wf)
	pf.History = dunning.HistoryMap{}
	acts = huntPlan(t, pol, pf, day("2026-04-14"))
	if want := (notice.Next{Kind: notice.NextNotice, Stage: notice.LetterBeforeAction}); len(acts) != 1 || acts[0].Notice.Next != want {
		t.Errorf("MaxNotices 2: %+v, want next %+v", acts, want)
	}
}

// A notice listing several instalments of one invoice names the invoice
// once in its payment reference. i1 (900.00 in three instalments of
// 300.00 due 1 April, 1 May and 1 June) unpaid on 15 June, per-customer
// grouping: the notice lists the three instalments and its reference is
// "<number> INV-i1" (before the fix "<number> INV-i1 INV-i1 INV-i1").
func TestInstalmentsNameTheirInvoiceOnceInTheReference(t *testing.T) {
	wf := dunning.DefaultWorkflow("standard")
	wf.Grouping = dunning.PerCustomer
	pol := dunningtest.Policy(wf)
	pf := dunning.Portfolio{Customers: []dunning.Customer{dunningtest.Customer("c1")}, Invoices: []dunning.Invoice{threeParts()}}
	acts := huntPlan(t, pol, pf, day("2026-06-15"))
	if len(acts) != 1 || len(acts[0].Notice.Lines) != 3 {
		t.Fatalf("15 June: want one notice of three instalments, got %+v", acts)
	}
	n := acts[0].Notice
	if want := n.Number + " INV-i1"; n.Payment.Reference != want {
		t.Errorf("reference %q, want %q", n.Payment.Reference, want)
	}
}
