package dunning_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/overduehq/overdue/notice"
	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
)

// huntLife plans every day from one to last (last included) into hist,
// recording each action as sent, and returns the actions of the last day
// unrecorded.
func huntLife(t *testing.T, pol *dunning.Policy, pf dunning.Portfolio, hist dunning.HistoryMap, from, last date.Date) []dunning.Action {
	t.Helper()
	for d := from; d < last; d++ {
		for _, a := range huntPlan(t, pol, pf, d) {
			huntRecord(hist, &a, false)
		}
	}
	return huntPlan(t, pol, pf, last)
}

// A per-customer notice marks Compensated only the invoices it claimed the
// statutory compensation on. c1 under German law (EUR 40 per invoice, no
// step fees): i1 (100.00, due 31 March) under the policy's charges, i2
// (200.00, due 5 April) under agreement a2 whose charges waive the
// compensation. On 14 April i1 reaches overdue-1 and i2 is listed: the
// notice claims EUR 40 on INV-i1 alone, so i2 is not compensated (before
// the fix the record marked both). a2 then ends (i2 leaves it): on 19 April
// i2 reaches overdue-1 with i1 listed and is claimed its EUR 40 beside
// i1's earlier 40.00 (before the fix: nothing, as if it had been claimed).
func TestGroupedNoticeMarksCompensatedOnlyWhereClaimed(t *testing.T) {
	wf := dunning.DefaultWorkflow("standard")
	wf.Grouping = dunning.PerCustomer
	pol := dunningtest.Policy(wf)
	pol.Charges = dePolicy().Charges
	pf := onePortfolioAt(2)
	a2 := dunningtest.Agreement("a2", "c1", day("2026-03-01"), "EUR")
	a2.Charges = &dunning.Charges{Interest: pol.Charges.Interest, Rates: pol.Charges.Rates}
	pf.Agreements = append(pf.Agreements, a2)
	i2 := dunningtest.Invoice("i2", "c1", day("2026-03-06"), day("2026-04-05"), "200.00", "EUR")
	i2.AgreementID = "a2"
	pf.Invoices = append(pf.Invoices, i2)
	hist := pf.History.(dunning.HistoryMap)
	hist["i2"] = dunning.Progress{InvoiceID: "i2", Workflow: "standard", Step: 2, Last: day("2026-04-05")}

	acts := huntPlan(t, pol, pf, day("2026-04-14"))
	if len(acts) != 1 || !cmp.Equal(acts[0].InvoiceIDs, []string{"i1", "i2"}) || !cmp.Equal(acts[0].Listed, []bool{false, true}) {
		t.Fatalf("14 April: %+v", acts)
	}
	if got, want := feesOf(acts[0].Notice), []string{"compensation INV-i1 40.00"}; !cmp.Equal(got, want) {
		t.Fatalf("14 April fees %v, want %v", got, want)
	}
	rec := acts[0].Record(dunning.Sent, day("2026-04-14").MidnightUTC())
	if !cmp.Equal(rec.CompensationOn, []bool{true, false}) {
		t.Errorf("14 April record: compensation on %v, want [true false]", rec.CompensationOn)
	}
	if err := dunning.CheckRecord(rec); err != nil {
		t.Errorf("CheckRecord: %v", err)
	}
	bad := rec
	bad.CompensationOn = []bool{true}
	if err := dunning.CheckRecord(bad); err == nil || !strings.Contains(err.Error(), "compensation_on") {
		t.Errorf("CheckRecord of one compensation_on entry for two invoices: %v", err)
	}
	huntRecord(hist, &acts[0], false)
	if !hist["i1"].Compensated || hist["i2"].Compensated {
		t.Errorf("after 14 April: i1 compensated %v, i2 %v; want i1 alone", hist["i1"].Compensated, hist["i2"].Compensated)
	}

	pf.Invoices[1].AgreementID = ""
	acts = huntPlan(t, pol, pf, day("2026-04-19"))
	if len(acts) != 1 || acts[0].Step != "overdue-1" || !cmp.Equal(acts[0].Listed, []bool{true, false}) {
		t.Fatalf("19 April: %+v", acts)
	}
	if got, want := feesOf(acts[0].Notice), []string{"fees-earlier INV-i1 40.00", "compensation INV-i2 40.00"}; !cmp.Equal(got, want) {
		t.Errorf("19 April fees %v, want %v", got, want)
	}
}

// A notice that bounced charges nothing: its fallback letter carries the
// step's fee once, and no later notice claims the bounced one's fee or day.
// i1 (100.00, due 31 March), overdue-1 charges 5.00 and falls back to a
// letter. 14 April: the overdue-1 email asks 105.00 and bounces, so i1 owes
// no fee. 15 April: the letter asks 105.00 (the fee of 5.00, no earlier
// fees). 30 April, overdue-2: earlier fees 5.00 (the letter's), total
// 105.00, the earlier notices 31 March and 15 April (not 14 April).
func TestBouncedNoticeFeeChargedOnceByItsFallback(t *testing.T) {
	wf := dunning.DefaultWorkflow("standard")
	wf.Steps[3].Fee = eurFee("5.00")
	wf.Steps[3].OnBounce = dunning.Letter
	pol := dunningtest.Policy(wf)
	pf := onePortfolio()
	hist := dunning.HistoryMap{}
	pf.History = hist

	acts := huntLife(t, pol, pf, hist, day("2026-03-01"), day("2026-04-14"))
	if len(acts) != 1 || acts[0].Step != "overdue-1" || !acts[0].Fees.Equal(amt("5.00")) || !acts[0].Notice.Total.Equal(amt("105.00")) {
		t.Fatalf("14 April: %+v", acts)
	}
	huntRecord(hist, &acts[0], true)
	if p := hist["i1"]; !p.Fees.IsZero() || p.Last != day("2026-03-31") {
		t.Fatalf("after the bounce: fees %s, last %s; want none, 31 March", p.Fees, p.Last)
	}

	acts = huntPlan(t, pol, pf, day("2026-04-15"))
	if len(acts) != 1 || !acts[0].Fallback || acts[0].Kind != dunning.Letter {
		t.Fatalf("15 April: want the fallback letter, got %+v", acts)
	}
	fb := acts[0]
	if got, want := feesOf(fb.Notice), []string{"fee  5.00"}; !cmp.Equal(got, want) || !fb.Fees.Equal(amt("5.00")) || !fb.Notice.Total.Equal(amt("105.00")) {
		t.Fatalf("15 April letter: fees %v (new %s), total %s; want %v (5.00), 105.00", got, fb.Fees, fb.Notice.Total, want)
	}
	huntRecord(hist, &fb, false)
	if p := hist["i1"]; !p.Fees.Equal(amt("5.00")) {
		t.Fatalf("after the letter: fees %s, want 5.00", p.Fees)
	}

	acts = huntPlan(t, pol, pf, day("2026-04-30"))
	if len(acts) != 1 || acts[0].Step != "overdue-2" {
		t.Fatalf("30 April: %+v", acts)
	}
	n := acts[0].Notice
	if got, want := feesOf(n), []string{"fees-earlier INV-i1 5.00"}; !cmp.Equal(got, want) || !acts[0].Fees.IsZero() || !n.Total.Equal(amt("105.00")) {
		t.Errorf("30 April: fees %v (new %s), total %s; want %v (none), 105.00", got, acts[0].Fees, n.Total, want)
	}
	if want := []date.Date{day("2026-04-15")}; !cmp.Equal(n.Earlier, want) || n.Lines[0].LastNotice != day("2026-04-15") {
		t.Errorf("30 April: earlier %v, line's last %s; want %v", n.Earlier, n.Lines[0].LastNotice, want)
	}
}

// A notice that bounced claimed no compensation: its fallback claims it.
// Under § 288 BGB (TestPlanNetsFeesAgainstCompensation, by hand), i1 of
// 1,000.00 due 31 March; overdue-1 (fee 5.00) falls back to a letter. 14
// April: the email claims compensation 35.00 beside the fee of 5.00 and
// bounces. 15 April, the letter: compensation 40 - 5 = 35.00, fee 5.00,
// interest 1,000 x 10.27 % x 15/365 = 4.2205 -> 4.22, total 1,044.22 (before
// the fix i1 stayed compensated: no compensation, the fee netted away as if
// covered by it, total 1,004.22). 30 April, overdue-2: as without the
// bounce, earlier fees 40.00, the 10.00 fee covered, total 1,048.44.
func TestBouncedNoticeCompensationClaimedByItsFallback(t *testing.T) {
	wf := dunning.DefaultWorkflow("standard")
	wf.Steps[2].Fee, wf.Steps[3].Fee, wf.Steps[4].Fee = eurFee("3.00"), eurFee("5.00"), eurFee("10.00")
	wf.Steps[3].OnBounce = dunning.Letter
	pol, pf, hist := germanInvoiceWorld(wf)

	acts := huntLife(t, pol, pf, hist, day("2026-03-01"), day("2026-04-14"))
	if len(acts) != 1 || acts[0].Step != "overdue-1" || !acts[0].Fees.Equal(amt("40.00")) || !acts[0].Compensation {
		t.Fatalf("14 April: %+v", acts)
	}
	huntRecord(hist, &acts[0], true)
	if p := hist["i1"]; !p.Fees.IsZero() || p.Compensated {
		t.Errorf("after the bounce: fees %s, compensated %v; want neither", p.Fees, p.Compensated)
	}

	acts = huntPlan(t, pol, pf, day("2026-04-15"))
	if len(acts) != 1 || !acts[0].Fallback || acts[0].Kind != dunning.Letter {
		t.Fatalf("15 April: want the fallback letter, got %+v", acts)
	}
	fb := acts[0]
	if got, want := feesOf(fb.Notice), []string{"compensation INV-i1 35.00", "fee  5.00"}; !cmp.Equal(got, want) ||
		!fb.Fees.Equal(amt("40.00")) || !fb.Interest.Equal(amt("4.22")) || !fb.Notice.Total.Equal(amt("1044.22")) {
		t.Fatalf("15 April letter: fees %v (new %s), interest %s, total %s; want %v (40.00), 4.22, 1044.22", got, fb.Fees, fb.Interest, fb.Notice.Total, want)
	}
	huntRecord(hist, &fb, false)
	if p := hist["i1"]; !p.Fees.Equal(amt("40.00")) || !p.Compensated {
		t.Fatalf("after the letter: fees %s, compensated %v; want 40.00, true", p.Fees, p.Compensated)
	}

	acts = huntPlan(t, pol, pf, day("2026-04-30"))
	if len(acts) != 1 || acts[0].Step != "overdue-2" {
		t.Fatalf("30 April: %+v", acts)
	}
	if got, want := feesOf(acts[0].Notice), []string{"fees-earlier INV-i1 40.00"}; !cmp.Equal(got, want) || !acts[0].Notice.Total.Equal(amt("1048.44")) {
		t.Errorf("30 April: fees %v, total %s; want %v, 1048.44", got, acts[0].Notice.Total, want)
	}
}

// germanInvoiceWorld is workflow wf under § 288 BGB (dePolicy's charges)
// for onePortfolio's c1, a company, whose invoice i1 is of 1,000.00 (due
// 31 March), with an empty history the portfolio reads.
func germanInvoiceWorld(wf dunning.Workflow) (*dunning.Policy, dunning.Portfolio, dunning.HistoryMap) {
	pol := dunningtest.Policy(wf)
	pol.Charges = dePolicy().Charges
	pf := onePortfolio()
	pf.Invoices[0].Amount = amt("1000.00")
	pf.Invoices[0].Lines[0].Amount = pf.Invoices[0].Amount
	pf.Customers[0].Kind = notice.Company
	hist := dunning.HistoryMap{}
	pf.History = hist
	return pol, pf, hist
}

// A record from before CompensationOn was kept marks every invoice of its
// notice compensated, as records did then: the safe side (never claimed
// twice).
func TestAdvanceOldCompensationRecordMarksAll(t *testing.T) {
	rec := dunning.Record{Key: "k", InvoiceIDs: []string{"i1", "i2"}, Kind: dunning.Email, Outcome: dunning.Sent,
		Date: day("2026-04-14"), Fees: amt("40"), FeesByInvoice: []decimal.Decimal{amt("40"), decimal.Zero}, Compensation: true}
	for i, id := range rec.InvoiceIDs {
		p := dunning.Progress{InvoiceID: id, Step: -1}
		dunning.Advance(&p, rec, i)
		if !p.Compensated {
			t.Errorf("%s not compensated", id)
		}
		dunning.MarkBounced(&p, rec, i)
		if !p.Compensated {
			t.Errorf("%s after the bounce: not compensated, want it left marked", id)
		}
	}
}
