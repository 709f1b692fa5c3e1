package dunning_test

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/charge"
	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/overduehq/overdue/notice"
	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

func TestPerCustomerNoticeListsEveryOverdueInvoice(t *testing.T) {
	// Issue 14 item 1. c1 owes three EUR invoices on 2026-04-14:
	//   i1 100.00 due 03-31: overdue-1 (03-31 + 14 = 04-14) is due today;
	//   i2 200.00 due 03-20: did overdue-1 on 04-03, overdue-2 falls on
	//      03-20 + 30 = 04-19: nothing due today, but overdue;
	//   i3  50.00 due 05-20: not overdue (pre-due falls on 05-13), not listed.
	// The notice lists i2 and i1 (most overdue first): open 300.00, plus a
	// fee of 5.00 for the one step that is due = 305.00. i2 stays at
	// overdue-1 (index 3).
	wf := dunning.DefaultWorkflow("standard")
	wf.Grouping = dunning.PerCustomer
	wf.Steps[3].Fee = &charge.Fee{Kind: charge.PerInvoice, Amounts: map[dunning.Currency]decimal.Decimal{"EUR": dunningtest.Amount("5")}}
	pol := dunningtest.Policy(wf)
	pf := onePortfolioAt(2)
	pf.Invoices = append(pf.Invoices,
		dunningtest.Invoice("i2", "c1", day("2026-02-18"), day("2026-03-20"), "200.00", "EUR"),
		dunningtest.Invoice("i3", "c1", day("2026-04-20"), day("2026-05-20"), "50.00", "EUR"))
	pf.History.(dunning.HistoryMap)["i2"] = dunning.Progress{InvoiceID: "i2", Workflow: "standard", Step: 3, Last: day("2026-04-03")}
	acts, err := dunning.Plan(day("2026-04-14"), pol, pf)
	if err != nil {
		t.Fatal(err)
	}
	if len(acts) != 1 {
		t.Fatalf("want one notice, got %d: %+v", len(acts), acts)
	}
	a := acts[0]
	if diff := cmp.Diff([]string{"i2", "i1"}, a.InvoiceIDs); diff != "" {
		t.Errorf("invoices (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int{3, 3}, a.Steps); diff != "" {
		t.Errorf("steps (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]bool{true, false}, a.Listed); diff != "" {
		t.Errorf("listed (-want +got):\n%s", diff)
	}
	if a.Step != "overdue-1" || !a.Open.Equal(dunningtest.Amount("300")) || !a.Fees.Equal(dunningtest.Amount("5")) {
		t.Errorf("step %s open %s fees %s, want overdue-1 300 5", a.Step, a.Open, a.Fees)
	}
	if !a.Notice.Total.Equal(dunningtest.Amount("305.00")) {
		t.Errorf("total = %s, want 305.00", a.Notice.Total)
	}
	if got := []int{a.Notice.Lines[0].DaysOverdue, a.Notice.Lines[1].DaysOverdue}; !cmp.Equal(got, []int{25, 14}) {
		t.Errorf("days overdue %v, want [25 14]", got)
	}
	// Recorded, the listed invoice keeps its step and fees and did no step
	// (StepOn); its last notice date moves to today (it was on a notice).
	// The invoice of the step did it today.
	rec := a.Record(dunning.Sent, day("2026-04-14").MidnightUTC())
	p := pf.History.(dunning.HistoryMap)["i2"]
	dunning.Advance(&p, rec, 0)
	if p.Step != 3 || !p.Fees.IsZero() || p.Last != day("2026-04-14") || p.StepOn != 0 {
		t.Errorf("listed invoice progress %+v, want step 3, fees 0, last 2026-04-14, no step_on", p)
	}
	var own dunning.Progress
	dunning.Advance(&own, rec, 1)
	if own.Step != 3 || own.StepOn != day("2026-04-14") {
		t.Errorf("the step's invoice progress %+v, want step 3, step_on 2026-04-14", own)
	}
	// On 04-19 i2's own overdue-2 is due and i1 is listed: another key.
	pf.History.(dunning.HistoryMap)["i1"] = dunning.Progress{InvoiceID: "i1", Workflow: "standard", Step: 3, Last: day("2026-04-14")}
	pf.History.(dunning.HistoryMap)["i2"] = p
	acts2, err := dunning.Plan(day("2026-04-19"), pol, pf)
	if err != nil {
		t.Fatal(err)
	}
	if len(acts2) != 1 || acts2[0].Step != "overdue-2" || acts2[0].Key == a.Key || !cmp.Equal(acts2[0].Listed, []bool{false, true}) {
		t.Errorf("04-19: %+v", acts2)
	}
}

// TestGroupedTotalsAddUp is a property: on any day, a per-customer notice
// lists every overdue open invoice of its currency (once across the day's
// actions), and its total is open + fees + interest over the listed
// invoices, each computed here from the inputs: open = amount - payments,
// interest = amount x 8 % x (asOf - due) / 365 (basis original, rounded
// once per invoice), fees = earlier fees + 5.00 per invoice with a step due (on the
// steps after the due date).
func TestGroupedTotalsAddUp(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		wf := dunning.DefaultWorkflow("standard")
		wf.Grouping = dunning.PerCustomer
		wf.CatchUp = rapid.SampledFrom([]dunning.CatchUp{dunning.Progressive, dunning.HighestOnly}).Draw(t, "catchup")
		wf.MinGapDays = rapid.IntRange(0, 10).Draw(t, "gap")
		fee := &charge.Fee{Kind: charge.PerInvoice, Amounts: map[dunning.Currency]decimal.Decimal{"EUR": dunningtest.Amount("5"), "USD": dunningtest.Amount("5")}}
		for i := 3; i < len(wf.Steps); i++ {
			wf.Steps[i].Fee = fee
		}
		pol := dunningtest.Policy(wf)
		pol.Charges = &dunning.Charges{Interest: &charge.Interest{Rate: decimal.NewFromInt(8), Basis: charge.OnOriginal}}
		asOf := day("2026-06-01")
		c := dunningtest.Customer("c1")
		pf := dunning.Portfolio{Customers: []dunning.Customer{c}}
		hist := dunning.HistoryMap{}
		n := rapid.IntRange(1, 6).Draw(t, "n")
		for i := range n {
			id := fmt.Sprintf("i%d", i)
			due := asOf - date.Date(rapid.IntRange(-20, 90).Draw(t, "age"))
			cur := rapid.SampledFrom([]dunning.Currency{"EUR", "USD"}).Draw(t, "cur")
			cents := rapid.Int64Range(100, 100000).Draw(t, "cents")
			inv := dunningtest.Invoice(id, "c1", due-30, due, decimal.New(cents, -2).StringFixed(2), cur)
			if rapid.Bool().Draw(t, "paid-part") {
				inv.Payments = []dunning.Payment{{Date: due + 1, Amount: decimal.New(rapid.Int64Range(1, cents).Draw(t, "paid"), -2)}}
			}
			pf.Invoices = append(pf.Invoices, inv)
			if st := rapid.IntRange(-1, 5).Draw(t, "step"); st >= 0 {
				hist[id] = dunning.Progress{InvoiceID: id, Workflow: "standard", Step: st,
					Last: asOf - date.Date(rapid.IntRange(1, 20).Draw(t, "last")), Fees: decimal.NewFromInt(int64(rapid.IntRange(0, 2).Draw(t, "fees") * 5))}
			}
		}
		pf.History = hist
		acts, err := dunning.Plan(asOf, pol, pf)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]int{}
		noticeCur := map[dunning.Currency]bool{}
		for _, a := range acts {
			if a.Problem != "" {
				t.Fatalf("%s: %s", a.Key, a.Problem)
			}
			noticeCur[a.Currency] = true
			want := decimal.Zero
			newFees := decimal.Zero
			openSum := decimal.Zero // the open balances alone
			for i, id := range a.InvoiceIDs {
				seen[id]++
				inv := pf.Invoices[0]
				for _, v := range pf.Invoices {
					if v.ID == id {
						inv = v
					}
				}
				open := inv.Amount
				for _, p := range inv.Payments {
					if p.Date <= asOf {
						open = open.Sub(p.Amount)
					}
				}
				days := max(0, int64(asOf-inv.Due))
				interest := inv.Amount.Mul(decimal.NewFromInt(8)).Mul(decimal.NewFromInt(days)).Div(decimal.NewFromInt(36500)).Round(2)
				want = want.Add(open).Add(interest).Add(hist[id].Fees)
				openSum = openSum.Add(open)
				if (a.Listed == nil || !a.Listed[i]) && a.StepIndex >= 3 {
					newFees = newFees.Add(dunningtest.Amount("5"))
				}
			}
			want = want.Add(newFees)
			if a.Notice.Stage == notice.FriendlyReminder {
				// A friendly reminder claims no fee, compensation or
				// interest, earlier fees included (notice.Validate).
				want, newFees = openSum, decimal.Zero
			}
			if !a.Notice.Total.Equal(want) {
				t.Fatalf("%s: total %s, want %s (fees %+v interest %+v)", a.Key, a.Notice.Total, want, a.Notice.Fees, a.Notice.Interest)
			}
			if !a.Fees.Equal(newFees) {
				t.Fatalf("%s: new fees %s, want %s", a.Key, a.Fees, newFees)
			}
		}
		for _, inv := range pf.Invoices {
			overdue := inv.Due < asOf && inv.Open(asOf).Sign() > 0
			if seen[inv.ID] > 1 {
				t.Fatalf("invoice %s on %d actions", inv.ID, seen[inv.ID])
			}
			if overdue && noticeCur[inv.Currency] && seen[inv.ID] == 0 {
				t.Fatalf("overdue invoice %s (%s) missing from the %s notice", inv.ID, inv.Currency, inv.Currency)
			}
		}
	})
}

// TestMinimumFallBackProperty: for random per-step minimums and a random
// day, the steps planned are those an independent rule picks from the
// invoice's due levels (overdue-1 at due+14, overdue-2 at due+30, final at
// due+45, all after "due" is done): progressive the first due level if its
// minimum holds; highest-only the highest due level whose minimum holds;
// send-all-missed every due level up to that one whose minimum holds.
func TestMinimumFallBackProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		mode := rapid.SampledFrom([]dunning.CatchUp{dunning.Progressive, dunning.HighestOnly, dunning.SendAllMissed}).Draw(t, "mode")
		wf := dunning.DefaultWorkflow("standard")
		wf.CatchUp, wf.MinGapDays = mode, 0
		mins := map[int]int64{}
		for i := 3; i <= 5; i++ {
			if rapid.Bool().Draw(t, "has-min") {
				mins[i] = rapid.Int64Range(1, 300).Draw(t, "min")
				wf.Steps[i].MinAmount = map[dunning.Currency]decimal.Decimal{"EUR": decimal.NewFromInt(mins[i])}
			}
		}
		pol := dunningtest.Policy(wf)
		pf := onePortfolioAt(2) // due 2026-03-31, "due" done
		open := rapid.Int64Range(1, 300).Draw(t, "open")
		pf.Invoices[0].Amount, pf.Invoices[0].Lines[0].Amount = decimal.NewFromInt(open), decimal.NewFromInt(open)
		asOf := day("2026-03-31") + date.Date(rapid.IntRange(1, 60).Draw(t, "days"))
		offsets := map[int]int{3: 14, 4: 30, 5: 45}
		var due []int
		for i := 3; i <= 5; i++ {
			if day("2026-03-31")+date.Date(offsets[i]) <= asOf {
				due = append(due, i)
			}
		}
		holds := func(i int) bool { return mins[i] <= open }
		var want []int
		switch mode {
		case dunning.Progressive:
			if len(due) > 0 && holds(due[0]) {
				want = []int{due[0]}
			}
		default:
			top := -1
			for _, i := range due {
				if holds(i) {
					top = i
				}
			}
			for _, i := range due {
				if i == top || (mode == dunning.SendAllMissed && i < top && holds(i)) {
					want = append(want, i)
				}
			}
		}
		acts, err := dunning.Plan(asOf, pol, pf)
		if err != nil {
			t.Fatal(err)
		}
		var got []int
		for _, a := range acts {
			got = append(got, a.StepIndex)
		}
		if !cmp.Equal(want, got) {
			t.Fatalf("%s, open %d, minimums %v, due levels %v on %s: planned %v, want %v", mode, open, mins, due, asOf, got, want)
		}
	})
}
