package dunning_test

import (
	"context"
	"fmt"
	"github.com/overduehq/overdue/dunning/charge"
	"github.com/overduehq/overdue/notice"
	"github.com/shopspring/decimal"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/overduehq/overdue/schedule"
	"github.com/overduehq/overdue/store/memory"
	"github.com/rickb777/date/v2"
)

var day = dunningtest.Day

// portfolio of one customer with one EUR invoice under a net-30 agreement
// effective 2026-03-01: issued 2026-03-02, due 2026-03-31.
func onePortfolio() dunning.Portfolio {
	c := dunningtest.Customer("c1")
	a := dunningtest.Agreement("a1", "c1", day("2026-03-01"), "EUR")
	inv := dunningtest.Invoice("i1", "c1", day("2026-03-02"), day("2026-03-31"), "100.00", "EUR")
	inv.AgreementID = "a1"
	return dunning.Portfolio{Customers: []dunning.Customer{c}, Agreements: []dunning.Agreement{a}, Invoices: []dunning.Invoice{inv}}
}

func stdPolicy() *dunning.Policy { return dunningtest.Policy(dunning.DefaultWorkflow("standard")) }

// runDay plans and executes day d with a memory store, as the runner does.
func runDay(t *testing.T, pol *dunning.Policy, st *memory.Store, pf dunning.Portfolio, d date.Date) []dunning.Action {
	t.Helper()
	r := &dunning.Runner{Policy: pol, Store: st, Sender: &dunningtest.Sender{}, Clock: dunningtest.ClockAt(d), Owner: "t"}
	acts, err := r.Plan(context.Background(), pf)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Execute(context.Background(), acts); err != nil {
		t.Fatal(err)
	}
	return acts
}

func TestDefaultCadenceDates(t *testing.T) {
	// Default cadence on the invoice above, every day a business day:
	// welcome = agreement 2026-03-01 + 3 = 2026-03-04; pre-due = 03-31 - 7 =
	// 03-24; due = 03-31; overdue-1 = 03-31 + 14 = 04-14; overdue-2 = 03-31 +
	// 30 = 04-30 (April has 30 days); final = 03-31 + 45 = 05-15.
	want := map[string]string{
		"2026-03-04": "welcome", "2026-03-24": "pre-due", "2026-03-31": "due",
		"2026-04-14": "overdue-1", "2026-04-30": "overdue-2", "2026-05-15": "final",
	}
	pol, st, pf := stdPolicy(), memory.New(), onePortfolio()
	got := map[string]string{}
	for d := day("2026-03-01"); d <= day("2026-06-30"); d++ {
		h, _ := st.History(context.Background())
		pf.History = h
		for _, a := range runDay(t, pol, st, pf, d) {
			if a.Scheduled != d {
				t.Errorf("%s: action %s scheduled %s, want that day", d, a.Key, a.Scheduled)
			}
			got[d.String()] = a.Step
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("steps by day (-want +got):\n%s", diff)
	}
}

func TestWeekendRollAndLeapYear(t *testing.T) {
	// 2026-01-01 is a Thursday, so 2026-01-31 (+30 days, 30 mod 7 = 2) is a
	// Saturday. With Mon-Fri business days and "following":
	//   due       2026-01-31 Sat -> Mon 2026-02-02
	//   overdue-1 2026-02-14 Sat -> Mon 2026-02-16
	//   overdue-2 2026-03-02 (Feb 2026 has 28 days: Jan 31 + 30) is a Monday: stays.
	// In 2024 (leap year) 2024-01-30 + 30 days = 2024-02-29.
	wf := dunning.Workflow{Name: "w", Roll: schedule.Following, Steps: []dunning.Step{
		{Name: "due", At: schedule.Offset{Anchor: schedule.Due}, Action: dunning.Email},
		{Name: "overdue-1", At: schedule.Offset{Anchor: schedule.Due, Days: 14}, Action: dunning.Email},
		{Name: "overdue-2", At: schedule.Offset{Anchor: schedule.Due, Days: 30}, Action: dunning.Email},
	}}
	pol := dunningtest.Policy(wf)
	pol.Calendar = schedule.MonToFri()
	c := dunningtest.Customer("c1")
	inv := dunningtest.Invoice("i1", "c1", day("2026-01-01"), day("2026-01-31"), "50.00", "EUR")
	pf := dunning.Portfolio{Customers: []dunning.Customer{c}, Invoices: []dunning.Invoice{inv}}
	dunningtest.ExpectNothing(t, pol, pf, day("2026-01-31"))
	dunningtest.ExpectStep(t, pol, pf, "i1", day("2026-02-02"), "due")
	pf.History = dunning.HistoryMap{"i1": {InvoiceID: "i1", Workflow: "w", Step: 0, Last: day("2026-02-02")}}
	dunningtest.ExpectNothing(t, pol, pf, day("2026-02-14"))
	dunningtest.ExpectNothing(t, pol, pf, day("2026-02-15"))
	dunningtest.ExpectStep(t, pol, pf, "i1", day("2026-02-16"), "overdue-1")
	pf.History = dunning.HistoryMap{"i1": {InvoiceID: "i1", Workflow: "w", Step: 1, Last: day("2026-02-16")}}
	dunningtest.ExpectNothing(t, pol, pf, day("2026-03-01"))
	dunningtest.ExpectStep(t, pol, pf, "i1", day("2026-03-02"), "overdue-2")

	leap := dunningtest.Invoice("i2", "c1", day("2024-01-02"), day("2024-01-30"), "50.00", "EUR")
	pf2 := dunning.Portfolio{Customers: []dunning.Customer{c}, Invoices: []dunning.Invoice{leap},
		History: dunning.HistoryMap{"i2": {InvoiceID: "i2", Workflow: "w", Step: 1, Last: day("2024-02-13")}}}
	dunningtest.ExpectNothing(t, pol, pf2, day("2024-02-28"))
	dunningtest.ExpectStep(t, pol, pf2, "i2", day("2024-02-29"), "overdue-2")
}

func TestGraceDaysShiftStepsAfterDue(t *testing.T) {
	// Grace 3 days: overdue-1 = due 2026-03-31 + 14 + 3 = 2026-04-17; the
	// due-day step itself is not moved.
	pf := onePortfolio()
	pf.Agreements[0].GraceDays = 3
	pol := stdPolicy()
	pf.History = dunning.HistoryMap{"i1": {InvoiceID: "i1", Workflow: "standard", Step: 2, Last: day("2026-03-31")}}
	dunningtest.ExpectNothing(t, pol, pf, day("2026-04-14"))
	dunningtest.ExpectNothing(t, pol, pf, day("2026-04-16"))
	dunningtest.ExpectStep(t, pol, pf, "i1", day("2026-04-17"), "overdue-1")
}

func TestCatchUp(t *testing.T) {
	// First run on 2026-05-20 for the invoice due 2026-03-31: welcome
	// (03-04), pre-due (03-24) and due (03-31) are reminders whose next step
	// is due too, so they are passed over; overdue-1 (04-14), overdue-2
	// (04-30) and final (05-15) are all due.
	cases := []struct {
		mode    dunning.CatchUp
		steps   []string
		skipped []string
	}{
		{dunning.Progressive, []string{"overdue-1"}, nil},
		{dunning.HighestOnly, []string{"final"}, []string{"overdue-1", "overdue-2"}},
		{dunning.SendAllMissed, []string{"overdue-1", "overdue-2", "final"}, nil},
	}
	for _, c := range cases {
		t.Run(string(c.mode), func(t *testing.T) {
			wf := dunning.DefaultWorkflow("standard")
			wf.CatchUp = c.mode
			pol := dunningtest.Policy(wf)
			acts, err := dunning.Plan(day("2026-05-20"), pol, onePortfolio())
			if err != nil {
				t.Fatal(err)
			}
			var steps, skipped []string
			for _, a := range acts {
				steps = append(steps, a.Step)
				skipped = append(skipped, a.Skipped...)
			}
			if diff := cmp.Diff(c.steps, steps); diff != "" {
				t.Errorf("steps (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(c.skipped, skipped); diff != "" {
				t.Errorf("skipped (-want +got):\n%s", diff)
			}
		})
	}
}

func TestProgressiveHonoursMinimumGap(t *testing.T) {
	// Progressive, gap 5: 05-20 overdue-1; overdue-2 is already due but
	// waits until 05-20 + 5 = 05-25; final waits until 05-30.
	pol, st, pf := stdPolicy(), memory.New(), onePortfolio()
	var got []string
	for d := day("2026-05-20"); d <= day("2026-06-05"); d++ {
		h, _ := st.History(context.Background())
		pf.History = h
		for _, a := range runDay(t, pol, st, pf, d) {
			got = append(got, d.String()+" "+a.Step)
		}
	}
	want := []string{"2026-05-20 overdue-1", "2026-05-25 overdue-2", "2026-05-30 final"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	// On 05-22, with the ledger as it stood that morning (overdue-1, step 3,
	// sent 05-20), Explain says overdue-2 waits for the gap: 05-20 + 5 = 05-25.
	pf.History = dunning.HistoryMap{"i1": {InvoiceID: "i1", Workflow: "standard", Step: 3, Last: day("2026-05-20")}}
	ex, err := dunning.Explain(day("2026-05-22"), pol, pf, "i1")
	if err != nil {
		t.Fatal(err)
	}
	want22 := `step "overdue-2" is due but the last notice went out on 2026-05-20: the minimum gap of 5 days holds it until 2026-05-25`
	if ex.NextStep != "overdue-2" || ex.Next != day("2026-05-25") || ex.Reason != want22 || !ex.Steps[3].Done || ex.Steps[4].Done {
		t.Errorf("Explain on 05-22: next %s on %s, reason %q, want overdue-2 on 2026-05-25, %q\n%s", ex.NextStep, ex.Next, ex.Reason, want22, ex)
	}
}

func TestDontDunSignals(t *testing.T) {
	// On 2026-04-14 the invoice would get overdue-1.
	base := func() dunning.Portfolio {
		pf := onePortfolio()
		pf.History = dunning.HistoryMap{"i1": {InvoiceID: "i1", Workflow: "standard", Step: 2, Last: day("2026-03-31")}}
		return pf
	}
	pol := stdPolicy()
	dunningtest.ExpectStep(t, pol, base(), "i1", day("2026-04-14"), "overdue-1")

	cases := map[string]func(*dunning.Portfolio){
		"paid": func(p *dunning.Portfolio) {
			p.Invoices[0].Payments = []dunning.Payment{{Date: day("2026-04-10"), Amount: dunningtest.Amount("100.00")}}
		},
		"paid by payment and credit": func(p *dunning.Portfolio) {
			p.Invoices[0].Payments = []dunning.Payment{{Date: day("2026-04-10"), Amount: dunningtest.Amount("60.00")}}
			p.Invoices[0].Credits = []dunning.Credit{{Date: day("2026-04-11"), Amount: dunningtest.Amount("40.00")}}
		},
		"written off": func(p *dunning.Portfolio) { p.Invoices[0].WrittenOff = day("2026-04-01") },
		"litigation":  func(p *dunning.Portfolio) { p.Invoices[0].Litigation = true },
		"disputed":    func(p *dunning.Portfolio) { p.Invoices[0].Dispute = &dunning.Dispute{Opened: day("2026-04-02")} },
		"customer held": func(p *dunning.Portfolio) {
			p.Customers[0].Hold = &dunning.Hold{Since: day("2026-04-01"), Reason: "bankruptcy"}
		},
		"invoice held": func(p *dunning.Portfolio) {
			p.Invoices[0].Hold = &dunning.Hold{Since: day("2026-04-01"), Until: day("2026-04-15")}
		},
		"promise pending": func(p *dunning.Portfolio) {
			p.Invoices[0].Promise = &dunning.Promise{Made: day("2026-04-10"), PayBy: day("2026-04-14"), Amount: dunningtest.Amount("100")}
		},
	}
	for name, mut := range cases {
		t.Run(name, func(t *testing.T) {
			pf := base()
			mut(&pf)
			dunningtest.ExpectNothing(t, pol, pf, day("2026-04-14"))
		})
	}
	// Still partly open: 100 - 60 = 40 open, so it is dunned.
	pf := base()
	pf.Invoices[0].Payments = []dunning.Payment{{Date: day("2026-04-10"), Amount: dunningtest.Amount("60.00")}}
	acts := dunningtest.ExpectStep(t, pol, pf, "i1", day("2026-04-14"), "overdue-1")
	if got := acts[0].Notice.Lines[0].Open; !got.Equal(dunningtest.Amount("40")) {
		t.Errorf("open on the notice = %s, want 40.00", got)
	}
	// A dispute resolved on 04-14 or a hold ending on 04-15 lets dunning
	// go on.
	pf = base()
	pf.Invoices[0].Dispute = &dunning.Dispute{Opened: day("2026-04-02"), Resolved: day("2026-04-14")}
	dunningtest.ExpectStep(t, pol, pf, "i1", day("2026-04-14"), "overdue-1")
	pf = base()
	pf.Invoices[0].Hold = &dunning.Hold{Since: day("2026-04-01"), Until: day("2026-04-15")}
	dunningtest.ExpectStep(t, pol, pf, "i1", day("2026-04-15"), "overdue-1")
	// A promise broken (nothing paid by 04-14) resumes on 04-15.
	pf = base()
	pf.Invoices[0].Promise = &dunning.Promise{Made: day("2026-04-10"), PayBy: day("2026-04-14"), Amount: dunningtest.Amount("100")}
	dunningtest.ExpectStep(t, pol, pf, "i1", day("2026-04-15"), "overdue-1")
}

func TestMinimumAmounts(t *testing.T) {
	wf := dunning.DefaultWorkflow("standard")
	wf.Steps[3].MinAmount = map[dunning.Currency]decimal.Decimal{"EUR": dunningtest.Amount("150")} // overdue-1
	pol := dunningtest.Policy(wf)
	pf := onePortfolio() // 100.00 open
	pf.History = dunning.HistoryMap{"i1": {InvoiceID: "i1", Workflow: "standard", Step: 2, Last: day("2026-03-31")}}
	dunningtest.ExpectNothing(t, pol, pf, day("2026-04-14"))

	// Share of open items: a second invoice of 900.00 makes the customer's
	// open items 1000.00; 100.00 is 10 %, below a 20 % minimum share.
	wf = dunning.DefaultWorkflow("standard")
	wf.Steps[3].MinShare = dunningtest.Amount("0.2")
	pol = dunningtest.Policy(wf)
	big := dunningtest.Invoice("i2", "c1", day("2026-04-01"), day("2026-05-01"), "900.00", "EUR")
	pf.Invoices = append(pf.Invoices, big)
	dunningtest.ExpectNothing(t, pol, pf, day("2026-04-14"))
	pf.Invoices[1].Amount = dunningtest.Amount("400.00") // 100 / 500 = 20 %: enough
	dunningtest.ExpectStep(t, pol, pf, "i1", day("2026-04-14"), "overdue-1")

	// Policy floor per currency: overdue items of the customer total 100.00.
	pol = stdPolicy()
	pol.MinAmount = map[dunning.Currency]dunningtest.Decimal{"EUR": dunningtest.Amount("100.01")}
	dunningtest.ExpectNothing(t, pol, onePortfolioAt(2), day("2026-04-14"))
	pol.MinAmount["EUR"] = dunningtest.Amount("100.00")
	dunningtest.ExpectStep(t, pol, onePortfolioAt(2), "i1", day("2026-04-14"), "overdue-1")
}

func onePortfolioAt(step int) dunning.Portfolio {
	pf := onePortfolio()
	pf.History = dunning.HistoryMap{"i1": {InvoiceID: "i1", Workflow: "standard", Step: step, Last: day("2026-03-31")}}
	return pf
}

func TestPerCustomerGrouping(t *testing.T) {
	// Two invoices of c1: i1 due 03-31 (overdue-1 on 04-14), i2 due 02-28
	// (02-28 + 45 = 04-14: final). One notice, stage of the most advanced
	// step (final), listing both, most overdue first.
	wf := dunning.DefaultWorkflow("standard")
	wf.Grouping = dunning.PerCustomer
	pol := dunningtest.Policy(wf)
	pf := onePortfolioAt(2)
	i2 := dunningtest.Invoice("i2", "c1", day("2026-01-29"), day("2026-02-28"), "250.00", "EUR")
	pf.Invoices = append(pf.Invoices, i2)
	pf.History.(dunning.HistoryMap)["i2"] = dunning.Progress{InvoiceID: "i2", Workflow: "standard", Step: 4, Last: day("2026-03-30")}
	acts, err := dunning.Plan(day("2026-04-14"), pol, pf)
	if err != nil {
		t.Fatal(err)
	}
	if len(acts) != 1 {
		t.Fatalf("want one grouped action, got %d: %+v", len(acts), acts)
	}
	a := acts[0]
	if diff := cmp.Diff([]string{"i2", "i1"}, a.InvoiceIDs); diff != "" {
		t.Errorf("invoices (-want +got):\n%s", diff)
	}
	if a.Step != "final" {
		t.Errorf("step = %s, want final", a.Step)
	}
	// 250.00 + 100.00 open.
	if !a.Notice.Total.Equal(dunningtest.Amount("350.00")) {
		t.Errorf("total = %s, want 350.00", a.Notice.Total)
	}
	if a.Problem != "" {
		t.Errorf("problem: %s", a.Problem)
	}
}

func TestPlanIsDeterministic(t *testing.T) {
	pol := stdPolicy()
	pf := onePortfolio()
	for i := 2; i <= 30; i++ {
		id := string(rune('a'+i%26)) + string(rune('0'+i%10))
		c := dunningtest.Customer("c" + id)
		pf.Customers = append(pf.Customers, c)
		pf.Invoices = append(pf.Invoices, dunningtest.Invoice("i"+id, c.ID, day("2026-02-01"), day("2026-03-01")+date.Date(i), "10.00", "EUR"))
	}
	a1, err := dunning.Plan(day("2026-04-14"), pol, pf)
	if err != nil {
		t.Fatal(err)
	}
	// Reverse the inputs: the plan must not change.
	rev := pf
	rev.Customers = append([]dunning.Customer(nil), pf.Customers...)
	rev.Invoices = append([]dunning.Invoice(nil), pf.Invoices...)
	for i, j := 0, len(rev.Invoices)-1; i < j; i, j = i+1, j-1 {
		rev.Invoices[i], rev.Invoices[j] = rev.Invoices[j], rev.Invoices[i]
	}
	for i, j := 0, len(rev.Customers)-1; i < j; i, j = i+1, j-1 {
		rev.Customers[i], rev.Customers[j] = rev.Customers[j], rev.Customers[i]
	}
	a2, err := dunning.Plan(day("2026-04-14"), pol, rev)
	if err != nil {
		t.Fatal(err)
	}
	if len(a1) == 0 {
		t.Fatal("no actions")
	}
	if diff := cmp.Diff(a1, a2, dunningtest.CmpOptions()...); diff != "" {
		t.Errorf("plans differ (-first +second):\n%s", diff)
	}
}

func TestRunTwiceSendsOnce(t *testing.T) {
	pol, st, pf := stdPolicy(), memory.New(), onePortfolio()
	sender := &dunningtest.Sender{}
	r := &dunning.Runner{Policy: pol, Store: st, Sender: sender, Clock: dunningtest.ClockAt(day("2026-04-14")), Owner: "t"}
	for i := 0; i < 3; i++ {
		if _, err := r.Run(context.Background(), pf); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(sender.Sent()); n != 1 {
		t.Fatalf("sent %d notices, want 1", n)
	}
	for _, s := range sender.Sent() {
		if s.Attempts != 1 {
			t.Errorf("%s sent %d times", s.Key, s.Attempts)
		}
	}
}

func TestExplainSaysWhy(t *testing.T) {
	pol := stdPolicy()
	pf := onePortfolioAt(2)
	ex, err := dunning.Explain(day("2026-04-10"), pol, pf, "i1")
	if err != nil {
		t.Fatal(err)
	}
	if ex.NextStep != "overdue-1" || ex.Next != day("2026-04-14") {
		t.Errorf("next = %s on %s, want overdue-1 on 2026-04-14\n%s", ex.NextStep, ex.Next, ex)
	}
	pf.Invoices[0].Dispute = &dunning.Dispute{Opened: day("2026-04-02"), Reason: "wrong quantity"}
	ex, err = dunning.Explain(day("2026-04-14"), pol, pf, "i1")
	if err != nil {
		t.Fatal(err)
	}
	if want := "disputed since 2026-04-02 (wrong quantity): dunning pauses until the dispute is resolved"; ex.Reason != want {
		t.Errorf("reason = %q, want %q", ex.Reason, want)
	}
	if _, err := dunning.Explain(day("2026-04-14"), pol, pf, "nope"); err == nil {
		t.Error("unknown invoice explained")
	}
}

func TestFailedNoticeChargesNoFeeFallbackChargesOnce(t *testing.T) {
	// Issue 14 item 6. Invoice 100.00 EUR at step "due" (index 2); on
	// 2026-04-14 overdue-1 is due with a fee of 5.00 per notice. The email
	// fails for good, the letter that replaces it asks for
	// 100.00 + 5.00 = 105.00 (not 100 + 5 earlier + 5 again = 110.00), and
	// the stored progress holds the 5.00 the customer was asked for.
	wf := dunning.DefaultWorkflow("standard")
	for i := range wf.Steps {
		wf.Steps[i].OnBounce = dunning.Letter
	}
	wf.Steps[3].Fee = &charge.Fee{Kind: charge.FixedPerNotice, Amounts: map[dunning.Currency]decimal.Decimal{"EUR": dunningtest.Amount("5")}}
	pol := dunningtest.Policy(wf)
	st := memory.New()
	var letters []*notice.Notice
	s := dunning.SenderFunc(func(_ context.Context, key string, n *notice.Notice) (string, error) {
		if n.Channel == notice.Email {
			return "", fmt.Errorf("550 no such user: %w", dunning.ErrPermanent)
		}
		letters = append(letters, n)
		return key, nil
	})
	ctx := context.Background()
	// Bring the invoice to step "due" through the store.
	pf := onePortfolio()
	r := &dunning.Runner{Policy: pol, Store: st, Sender: s, Clock: dunningtest.ClockAt(day("2026-04-14")), Owner: "t"}
	h := dunning.HistoryMap{"i1": {InvoiceID: "i1", Workflow: "standard", Step: 2, Last: day("2026-03-31")}}
	acts, err := dunning.Plan(day("2026-04-14"), pol, dunning.Portfolio{Customers: pf.Customers, Agreements: pf.Agreements, Invoices: pf.Invoices, History: h})
	if err != nil {
		t.Fatal(err)
	}
	if len(acts) != 1 || acts[0].Step != "overdue-1" || !acts[0].Notice.Total.Equal(dunningtest.Amount("105.00")) {
		t.Fatalf("planned %+v", acts)
	}
	if _, err := r.Execute(ctx, acts); err != nil {
		t.Fatal(err)
	}
	// The failed email's record charges nothing.
	hist, _ := st.History(ctx)
	if p, _ := hist.Progress("i1"); !p.Fees.IsZero() || p.Bounced == "" {
		t.Fatalf("after the failed email: progress %+v, want fees 0 and a bounce", p)
	}
	more, err := r.Plan(ctx, pf)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Execute(ctx, more); err != nil {
		t.Fatal(err)
	}
	if len(letters) != 1 {
		t.Fatalf("letters sent: %d, want 1", len(letters))
	}
	if got := letters[0].Total; !got.Equal(dunningtest.Amount("105.00")) {
		t.Errorf("fallback letter asks for %s, want 105.00 (fees %+v)", got.StringFixed(2), letters[0].Fees)
	}
	hist, _ = st.History(ctx)
	p, _ := hist.Progress("i1")
	if !p.Fees.Equal(dunningtest.Amount("5")) || p.Bounced != "" {
		t.Errorf("progress after the fallback: fees %s bounced %q, want fees 5 and no bounce", p.Fees, p.Bounced)
	}
}

func TestStepMinimumPerCurrency(t *testing.T) {
	// Issue 14 item 8. overdue-1 has a minimum of EUR 50 and JPY 8000. A
	// JPY 1000 invoice (about EUR 6) does not pass it, though 1000 > 50;
	// a USD invoice has no minimum at this step (USD is not named).
	wf := dunning.DefaultWorkflow("standard")
	wf.Steps[3].MinAmount = map[dunning.Currency]decimal.Decimal{"EUR": dunningtest.Amount("50"), "JPY": dunningtest.Amount("8000")}
	pol := dunningtest.Policy(wf)
	mk := func(amount string, cur dunning.Currency) dunning.Portfolio {
		pf := onePortfolioAt(2)
		pf.Agreements[0].Currency = cur
		pf.Invoices[0].Currency, pf.Invoices[0].Amount = cur, dunningtest.Amount(amount)
		pf.Invoices[0].Lines[0].Amount = pf.Invoices[0].Amount
		return pf
	}
	dunningtest.ExpectNothing(t, pol, mk("1000", "JPY"), day("2026-04-14"))
	dunningtest.ExpectStep(t, pol, mk("8000", "JPY"), "i1", day("2026-04-14"), "overdue-1")
	dunningtest.ExpectNothing(t, pol, mk("49.99", "EUR"), day("2026-04-14"))
	dunningtest.ExpectStep(t, pol, mk("50.00", "EUR"), "i1", day("2026-04-14"), "overdue-1")
	dunningtest.ExpectStep(t, pol, mk("1.00", "USD"), "i1", day("2026-04-14"), "overdue-1")
	ex, err := dunning.Explain(day("2026-04-14"), pol, mk("1000", "JPY"), "i1")
	if err != nil {
		t.Fatal(err)
	}
	if want := `step "overdue-1" is due but the open balance JPY 1000 is below its minimum JPY 8000`; ex.Reason != want {
		t.Errorf("reason = %q, want %q", ex.Reason, want)
	}

	// JSON: a minimum per currency; a bare number is refused.
	_, err = dunning.ParsePolicy([]byte(`{"creditor": {"name": "X"}, "workflows": [{"name": "w", "steps": [{"name": "s", "at": "due+14", "action": "email", "min_amount": {"EUR": "50", "JPY": 8000}}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	_, err = dunning.ParsePolicy([]byte(`{"creditor": {"name": "X"}, "workflows": [{"name": "w", "steps": [{"name": "s", "at": "due+14", "action": "email", "min_amount": 50}]}]}`))
	if err == nil {
		t.Error("a minimum without a currency was accepted")
	}
	_, err = dunning.ParsePolicy([]byte(`{"creditor": {"name": "X"}, "workflows": [{"name": "w", "steps": [{"name": "s", "at": "due+14", "action": "email", "min_amount": {"EURO": "50"}}]}]}`))
	if err == nil || !strings.Contains(err.Error(), "min_amount") {
		t.Errorf("unknown currency: %v", err)
	}
}

func TestCatchUpFallsBackBelowMinimum(t *testing.T) {
	// Issue 14 item 8, SAP fall-back. On 2026-05-20 overdue-1 (04-14),
	// overdue-2 (04-30) and final (05-15) of the 100.00 EUR invoice are due
	// (TestCatchUp). final needs EUR 150: it is held back, stays pending,
	// and the highest level whose minimums hold, overdue-2, is sent.
	cases := []struct {
		mode    dunning.CatchUp
		minStep int // the step with the EUR 150 minimum
		steps   []string
		skipped []string
	}{
		{dunning.HighestOnly, 5, []string{"overdue-2"}, []string{"overdue-1"}},
		{dunning.SendAllMissed, 5, []string{"overdue-1", "overdue-2"}, nil},
		// A blocked level in the middle is passed over by both.
		{dunning.HighestOnly, 4, []string{"final"}, []string{"overdue-1", "overdue-2"}},
		{dunning.SendAllMissed, 4, []string{"overdue-1", "final"}, []string{"overdue-2"}},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s/min-at-%d", c.mode, c.minStep), func(t *testing.T) {
			wf := dunning.DefaultWorkflow("standard")
			wf.CatchUp = c.mode
			wf.Steps[c.minStep].MinAmount = map[dunning.Currency]decimal.Decimal{"EUR": dunningtest.Amount("150")}
			pol := dunningtest.Policy(wf)
			acts, err := dunning.Plan(day("2026-05-20"), pol, onePortfolio())
			if err != nil {
				t.Fatal(err)
			}
			var steps, skipped []string
			for _, a := range acts {
				steps = append(steps, a.Step)
				skipped = append(skipped, a.Skipped...)
			}
			if diff := cmp.Diff(c.steps, steps); diff != "" {
				t.Errorf("steps (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(c.skipped, skipped); diff != "" {
				t.Errorf("skipped (-want +got):\n%s", diff)
			}
		})
	}
	// After overdue-2 is sent, final stays pending (not done), and Explain
	// says why it is held back.
	wf := dunning.DefaultWorkflow("standard")
	wf.CatchUp = dunning.HighestOnly
	wf.Steps[5].MinAmount = map[dunning.Currency]decimal.Decimal{"EUR": dunningtest.Amount("150")}
	pol := dunningtest.Policy(wf)
	pf := onePortfolio()
	pf.History = dunning.HistoryMap{"i1": {InvoiceID: "i1", Workflow: "standard", Step: 4, Last: day("2026-05-20")}}
	ex, err := dunning.Explain(day("2026-05-26"), pol, pf, "i1")
	if err != nil {
		t.Fatal(err)
	}
	if len(ex.Actions) != 0 || ex.Steps[5].Done || ex.Steps[5].HeldBack == "" {
		t.Errorf("final after overdue-2: %s", ex)
	}
}

func TestBouncedNoticeFeeTakenBack(t *testing.T) {
	// The email of overdue-1 (fee 5.00) is accepted on 04-14 and bounces on
	// 04-15: the fee is taken back (progress fees 0, also after a second
	// bounce event), and the fallback letter asks 100.00 + 5.00 = 105.00.
	wf := dunning.DefaultWorkflow("standard")
	wf.Steps[3].Fee = &charge.Fee{Kind: charge.FixedPerNotice, Amounts: map[dunning.Currency]decimal.Decimal{"EUR": dunningtest.Amount("5")}}
	wf.Steps[3].OnBounce = dunning.Letter
	pol := dunningtest.Policy(wf)
	st := memory.New()
	ctx := context.Background()
	pf := onePortfolio()
	for d := day("2026-03-01"); d <= day("2026-04-14"); d++ {
		runOn(t, pol, st, pf, d)
	}
	h, _ := st.History(ctx)
	p, _ := h.Progress("i1")
	if p.Step != 3 || !p.Fees.Equal(dunningtest.Amount("5")) {
		t.Fatalf("after overdue-1: %+v", p)
	}
	for _, id := range []string{"b1", "b2"} {
		if err := st.AppendEvent(ctx, dunning.Event{ID: id, Kind: dunning.NoticeBounced, Key: "inv/c1/i1/standard/overdue-1/c0", Date: day("2026-04-15")}); err != nil {
			t.Fatal(err)
		}
	}
	h, _ = st.History(ctx)
	if p, _ := h.Progress("i1"); !p.Fees.IsZero() || p.Bounced == "" || p.Notices == nil || p.Notices.Count != 3 {
		t.Fatalf("after two bounce events: %+v, want fees 0 and 3 notices (welcome, pre-due, due)", p)
	}
	r := &dunning.Runner{Policy: pol, Store: st, Sender: &dunningtest.Sender{}, Clock: dunningtest.ClockAt(day("2026-04-15")), Owner: "t"}
	acts, err := r.Plan(ctx, pf)
	if err != nil {
		t.Fatal(err)
	}
	if len(acts) != 1 || !acts[0].Fallback || !acts[0].Notice.Total.Equal(dunningtest.Amount("105.00")) {
		t.Fatalf("fallback: %+v", acts)
	}
	if _, err := r.Execute(ctx, acts); err != nil {
		t.Fatal(err)
	}
	h, _ = st.History(ctx)
	if p, _ := h.Progress("i1"); !p.Fees.Equal(dunningtest.Amount("5")) || p.Bounced != "" {
		t.Errorf("after the fallback: %+v, want fees 5", p)
	}
}

// TestNoticeTotalIsComputeTotal: Plan sets a notice's total without
// notice.ComputeTotal where it can (one line, nothing charged or
// deducted); every notice's total is still ComputeTotal's, value and
// exponent alike, whatever the exponent of the open balance (100 has
// exponent 0, 100.5 -1, 100.50 -2; JPY has no minor unit). The open
// balances are worked out by hand: amount less payment.
func TestNoticeTotalIsComputeTotal(t *testing.T) {
	due := day("2026-04-01")
	cases := []struct {
		amount, paid string
		cur          dunning.Currency
		open         string // amount - paid
		exp          int32  // ComputeTotal's exponent: -minor units
	}{
		{"100", "", "EUR", "100.00", -2},
		{"100.5", "", "EUR", "100.50", -2},
		{"100.50", "", "EUR", "100.50", -2},
		{"100.50", "0.5", "EUR", "100.00", -2},
		{"100.50", "0.50", "EUR", "100.00", -2},
		{"123456789012.34", "", "EUR", "123456789012.34", -2},
		{"1000", "", "JPY", "1000", 0},
		{"1000", "1", "JPY", "999", 0},
	}
	var pf dunning.Portfolio
	for i, c := range cases {
		id := fmt.Sprintf("c%d", i)
		pf.Customers = append(pf.Customers, dunningtest.Customer(id))
		inv := dunningtest.Invoice(fmt.Sprintf("i%d", i), id, due-30, due, c.amount, c.cur)
		if c.paid != "" {
			inv.Payments = []dunning.Payment{{Date: due - 5, Amount: dunningtest.Amount(c.paid)}}
		}
		pf.Invoices = append(pf.Invoices, inv)
	}
	acts, err := dunning.Plan(due, stdPolicy(), pf)
	if err != nil {
		t.Fatal(err)
	}
	if len(acts) != len(cases) {
		t.Fatalf("%d actions, want one per invoice, %d", len(acts), len(cases))
	}
	for i, a := range acts {
		c := cases[i]
		if a.Notice == nil || a.Problem != "" {
			t.Fatalf("action %s: notice %v, problem %q", a.Key, a.Notice != nil, a.Problem)
		}
		got, want := a.Notice.Total, a.Notice.ComputeTotal()
		if !got.Equal(want) || got.Exponent() != want.Exponent() {
			t.Errorf("%s: total %s (exponent %d), ComputeTotal gives %s (exponent %d)", a.Key, got, got.Exponent(), want, want.Exponent())
		}
		if !got.Equal(dunningtest.Amount(c.open)) || got.Exponent() != c.exp {
			t.Errorf("%s: total %s (exponent %d), want %s (exponent %d)", a.Key, got, got.Exponent(), c.open, c.exp)
		}
	}
}

// TestProgressNamesTheWorkflow: each invoice runs under the workflow its
// progress names, read once per invoice before screening; invoices naming
// different workflows alternate, so an answer kept from the invoice before
// shows. Every invoice is due 2026-04-01 with its "due" step (index 2) done
// on that day, so on 2026-04-15 each gets step 3 (due+14) of its own
// workflow. Two name a workflow the policy lacks and are routed to the
// default, "a", where the steps dated up to the last notice (due) count as
// done, whatever index the progress gives (2 for "gone", 3 for "ahead"):
// both get step 3.
func TestProgressNamesTheWorkflow(t *testing.T) {
	due, asOf := day("2026-04-01"), day("2026-04-15")
	pol := dunningtest.Policy(dunning.DefaultWorkflow("a"), dunning.DefaultWorkflow("b"))
	names := []string{"a", "b", "b", "a", "b", "gone", "a", "ahead", "b"}
	want := []string{"a", "b", "b", "a", "b", "a", "a", "a", "b"}
	var pf dunning.Portfolio
	pf.Customers = []dunning.Customer{dunningtest.Customer("c")}
	for i, name := range names {
		inv := dunningtest.Invoice(fmt.Sprintf("i%d", i), "c", due-30, due, "100.00", "EUR")
		step := 2
		if name == "ahead" {
			step = 3
		}
		inv.Progress = &dunning.Progress{InvoiceID: inv.ID, Workflow: name, Step: step, Last: due, Fees: decimal.Zero}
		pf.Invoices = append(pf.Invoices, inv)
	}
	acts, err := dunning.Plan(asOf, pol, pf)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, a := range acts {
		if len(a.InvoiceIDs) != 1 || a.StepIndex != 3 || a.Problem != "" {
			t.Fatalf("action %s: invoices %v, step %d, problem %q; want one invoice at step 3", a.Key, a.InvoiceIDs, a.StepIndex, a.Problem)
		}
		got[a.InvoiceIDs[0]] = a.Workflow
	}
	if len(acts) != len(want) {
		t.Errorf("%d actions, want %d", len(acts), len(want))
	}
	for i, w := range want {
		if id := fmt.Sprintf("i%d", i); got[id] != w {
			t.Errorf("invoice %s (progress under %q) planned under %q, want %q", id, names[i], got[id], w)
		}
	}
}

// TestStepRolesPerNotice: a customer's notices of one day go to the
// contacts of their own steps. Invoice a is due 2026-04-01 and b 2026-03-16
// with the steps up to "due" (index 2) and "+14" (3) done, so on
// 2026-04-15 a gets step 3 and b step 4. Step 3 is addressed to the
// escalation contact (Step.To) in one policy and copies it (Step.Cc) in the
// other; step 4 names no roles: its notice goes to the billing contact
// alone, as DefaultRoles say, in both.
func TestStepRolesPerNotice(t *testing.T) {
	asOf := day("2026-04-15")
	cu := dunningtest.Customer("c")
	cu.Contacts = []dunning.Contact{
		{Name: "Billing", Role: dunning.RoleBilling, Email: "billing@example.com"},
		{Name: "Escalation", Role: dunning.RoleEscalation, Email: "boss@example.com"},
	}
	pf := dunning.Portfolio{Customers: []dunning.Customer{cu}}
	for _, x := range []struct {
		id   string
		due  date.Date
		done int
	}{{"a", day("2026-04-01"), 2}, {"b", day("2026-03-16"), 3}} {
		inv := dunningtest.Invoice(x.id, "c", x.due-30, x.due, "100.00", "EUR")
		inv.Progress = &dunning.Progress{InvoiceID: x.id, Workflow: "standard", Step: x.done, Last: asOf - 14, Fees: decimal.Zero}
		pf.Invoices = append(pf.Invoices, inv)
	}
	for _, field := range []string{"to", "cc"} {
		wf := dunning.DefaultWorkflow("standard")
		wantTo, wantCc := map[int]string{3: "boss@example.com", 4: "billing@example.com"}, map[int]string{4: ""}
		if field == "to" {
			wf.Steps[3].To = []string{dunning.RoleEscalation}
			wantCc[3] = ""
		} else {
			wf.Steps[3].Cc = []string{dunning.RoleEscalation}
			wantTo[3], wantCc[3] = "billing@example.com", "boss@example.com"
		}
		acts, err := dunning.Plan(asOf, dunningtest.Policy(wf), pf)
		if err != nil {
			t.Fatal(err)
		}
		if len(acts) != 2 {
			t.Fatalf("%s: %d actions, want 2", field, len(acts))
		}
		for _, a := range acts {
			n := a.Notice
			var cc []string
			for _, p := range n.Cc {
				cc = append(cc, p.Email)
			}
			if n.Debtor.Email != wantTo[a.StepIndex] || strings.Join(cc, ",") != wantCc[a.StepIndex] {
				t.Errorf("%s: step %d goes to %q, cc %v; want %q, cc %q", field, a.StepIndex, n.Debtor.Email, cc, wantTo[a.StepIndex], wantCc[a.StepIndex])
			}
		}
	}
}
