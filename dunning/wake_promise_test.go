package dunning_test

import (
	"fmt"
	"testing"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/rickb777/date/v2"
)

// wakeNeverLate plans every day from asOf on for days days and fails if Plan
// gives an invoice (an instalment: its invoice) an action before the day
// Wake(asOf) gave it.
func wakeNeverLate(t *testing.T, pol *dunning.Policy, pf dunning.Portfolio, asOf date.Date, days int) {
	t.Helper()
	w, err := dunning.Wake(asOf, pol, pf)
	if err != nil {
		t.Fatal(err)
	}
	for id := range w {
		if _, k := dunning.ParentID(id); k != 0 {
			t.Errorf("Wake keys instalment %s, want its invoice's ID", id)
		}
	}
	for d := asOf; d <= asOf+date.Date(days); d++ {
		acts, err := dunning.Plan(d, pol, pf)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range acts {
			for _, id := range a.InvoiceIDs {
				parent, _ := dunning.ParentID(id)
				if wake, ok := w[parent]; !ok || d < wake {
					t.Fatalf("Wake(%s)[%s] = %s (present %v), but Plan(%s) gives %s step %q for %s", asOf, parent, wake, ok, d, a.Kind, a.Step, id)
				}
			}
		}
	}
}

// TestWakePaymentPlanPartMissed: a payment plan is broken the day after a
// part's day passes unpaid, and Plan sends the due step then; Wake woke the
// invoice only after the plan's last day.
func TestWakePaymentPlanPartMissed(t *testing.T) {
	pol := dunningtest.Policy(dunning.DefaultWorkflow("std"))
	due := dunningtest.Day("2026-03-01")
	inv := dunningtest.Invoice("i1", "c1", due-30, due, "100.00", "EUR")
	inv.Promise = &dunning.Promise{Made: due + 1, PayBy: due + 60, Amount: dunningtest.Amount("100.00"),
		Parts: []dunning.PromisePart{{PayBy: due + 10, Amount: dunningtest.Amount("50.00")}, {PayBy: due + 60, Amount: dunningtest.Amount("50.00")}}}
	pf := dunning.Portfolio{Customers: []dunning.Customer{dunningtest.Customer("c1")}, Invoices: []dunning.Invoice{inv}, History: dunning.HistoryMap{}}
	wakeNeverLate(t, pol, pf, due+2, 90)
	w, err := dunning.Wake(due+2, pol, pf)
	if err != nil {
		t.Fatal(err)
	}
	if w["i1"] != due+11 {
		t.Errorf("Wake(%s)[i1] = %s, want %s (the first part missed)", due+2, w["i1"], due+11)
	}
}

// TestWakeInstalmentsByInvoice: Plan plans each instalment on its own due
// date; Wake wakes the invoice (by its own ID) on its earliest
// instalment's day, not on the invoice's last due date.
func TestWakeInstalmentsByInvoice(t *testing.T) {
	pol := dunningtest.Policy(dunning.DefaultWorkflow("std"))
	iss := dunningtest.Day("2026-01-01")
	inv := dunningtest.Invoice("i1", "c1", iss, iss+120, "100.00", "EUR")
	inv.Schedule = []dunning.Instalment{{Due: iss + 30, Amount: dunningtest.Amount("50.00")}, {Due: iss + 120, Amount: dunningtest.Amount("50.00")}}
	pf := dunning.Portfolio{Customers: []dunning.Customer{dunningtest.Customer("c1")}, Invoices: []dunning.Invoice{inv}, History: dunning.HistoryMap{}}
	wakeNeverLate(t, pol, pf, iss+1, 60)
}

// TestWakeLaterRejections: Plan rejects, every day, records its first
// validation pass lets through (an invalid unapplied record, a schedule
// whose instalment ID another invoice uses); Wake wakes the customer's
// invoices that day, as for a record the first pass rejects.
func TestWakeLaterRejections(t *testing.T) {
	pol := dunningtest.Policy(dunning.DefaultWorkflow("std"))
	asOf := dunningtest.Day("2026-03-01")
	for _, tc := range []struct {
		name  string
		spoil func(*dunning.Portfolio)
	}{
		{"unapplied amount -5", func(pf *dunning.Portfolio) {
			pf.Unapplied = []dunning.Unapplied{{ID: "u1", CustomerID: "c1", Kind: dunning.UnappliedPayment, Currency: "EUR", Date: asOf, Amount: dunningtest.Amount("-5.00")}}
		}},
		{"instalment ID clash", func(pf *dunning.Portfolio) {
			inv := &pf.Invoices[0]
			inv.Schedule = []dunning.Instalment{{Due: inv.Due - 20, Amount: dunningtest.Amount("50.00")}, {Due: inv.Due, Amount: dunningtest.Amount("50.00")}}
			pf.Invoices = append(pf.Invoices, dunningtest.Invoice("i1#1", "c1", asOf, asOf+60, "10.00", "EUR"))
		}},
	} {
		pf := dunning.Portfolio{Customers: []dunning.Customer{dunningtest.Customer("c1")},
			Invoices: []dunning.Invoice{dunningtest.Invoice("i1", "c1", asOf, asOf+60, "100.00", "EUR")}, History: dunning.HistoryMap{}}
		tc.spoil(&pf)
		acts, err := dunning.Plan(asOf, pol, pf)
		if err != nil {
			t.Fatal(err)
		}
		rejected := 0
		for _, a := range acts {
			if a.Kind == dunning.Rejected {
				rejected++
			}
		}
		if rejected != 1 {
			t.Fatalf("%s: Plan(%s) gives %d rejections, want 1: %v", tc.name, asOf, rejected, acts)
		}
		w, err := dunning.Wake(asOf, pol, pf)
		if err != nil {
			t.Fatal(err)
		}
		for _, inv := range pf.Invoices {
			if d, ok := w[inv.ID]; !ok || d != asOf {
				t.Errorf("%s: Wake(%s)[%s] = %s (present %v), want %s: Plan rejects a record of c1 every day", tc.name, asOf, inv.ID, d, ok, asOf)
			}
		}
	}
}

// TestBrokenPromiseEscalatesOnce: under EscalateOnBroken a broken promise
// or plan sends the next step at once, once per break, however it broke
// (by its date, by a Broken event, by its date and then by the event) and
// whether the escalated step was a notice that reached the customer, a
// task, or a notice that failed for good (none of which moves
// Progress.Last), and whether that step was dated after the break or
// before it (caught up); Wake never wakes the invoice after its action.
func TestBrokenPromiseEscalatesOnce(t *testing.T) {
	due := dunningtest.Day("2026-03-02")
	single := func(payBy, broken date.Date) *dunning.Promise {
		return &dunning.Promise{Made: due + 1, PayBy: payBy, Broken: broken, Amount: dunningtest.Amount("100.00")}
	}
	plan := &dunning.Promise{Made: due + 1, PayBy: due + 8, Amount: dunningtest.Amount("100.00"),
		Parts: []dunning.PromisePart{{PayBy: due + 3, Amount: dunningtest.Amount("50.00")}, {PayBy: due + 8, Amount: dunningtest.Amount("50.00")}}}
	for _, tc := range []struct {
		name    string
		promise *dunning.Promise
		o14     dunning.ActionKind // the escalated step
		outcome dunning.Outcome    // of the notices after the due step
		want    []string
		legacy  bool // progress kept before Progress.StepOn: none
	}{
		{"by its date", single(due+10, 0), dunning.Email, dunning.Sent, []string{"2026-03-02 due", "2026-03-13 o14"}, false},
		{"by an event before pay-by", single(due+10, due+5), dunning.Email, dunning.Sent, []string{"2026-03-02 due", "2026-03-07 o14"}, false},
		// Broken on due+4 by its date; the event on due+8 records the same
		// break, which has had its escalation.
		{"by its date, then an event", single(due+3, due+8), dunning.Email, dunning.Sent, []string{"2026-03-02 due", "2026-03-06 o14"}, false},
		{"plan, both parts missed", plan, dunning.Email, dunning.Sent, []string{"2026-03-02 due", "2026-03-06 o14"}, false},
		{"escalated to a task", single(due+3, 0), dunning.Task, dunning.Sent, []string{"2026-03-02 due", "2026-03-06 o14"}, false},
		{"escalated notice failed for good", single(due+3, 0), dunning.Email, dunning.Failed, []string{"2026-03-02 due", "2026-03-06 o14", "2026-03-07 o14 (fallback)"}, false},
		// Broken on due+21, after o14's day (dunning waited while the
		// promise was pending): o14 is the break's step, a task, which
		// leaves Last on the due notice and is dated before the break.
		// o30 keeps its own day (due+30, after this test's days).
		{"caught-up step a task", single(due+20, 0), dunning.Task, dunning.Sent, []string{"2026-03-02 due", "2026-03-23 o14"}, false},
		{"caught-up notice failed for good", single(due+20, 0), dunning.Email, dunning.Failed, []string{"2026-03-02 due", "2026-03-23 o14", "2026-03-24 o14 (fallback)"}, false},
		// Without StepOn the escalated step's own day (after the break)
		// still tells that the break had its step.
		{"escalated to a task, progress without StepOn", single(due+3, 0), dunning.Task, dunning.Sent, []string{"2026-03-02 due", "2026-03-06 o14"}, true},
	} {
		wf := dunning.Workflow{Name: "std", OnBrokenPromise: dunning.EscalateOnBroken, Steps: []dunning.Step{
			{Name: "due", At: dueAt(0), Action: dunning.Email}, {Name: "o14", At: dueAt(14), Action: tc.o14},
			{Name: "o30", At: dueAt(30), Action: dunning.Email}, {Name: "o45", At: dueAt(45), Action: dunning.Email},
			{Name: "o60", At: dueAt(60), Action: dunning.Email}}}
		pol := dunningtest.Policy(wf)
		inv := dunningtest.Invoice("i1", "c1", due-30, due, "100.00", "EUR")
		inv.Promise = tc.promise
		h := dunning.HistoryMap{}
		pf := dunning.Portfolio{Customers: []dunning.Customer{dunningtest.Customer("c1")}, Invoices: []dunning.Invoice{inv}, History: h}
		var got []string
		var wake, wakeAsOf date.Date
		for d := due; d <= due+25; d++ {
			acts, err := dunning.Plan(d, pol, pf)
			if err != nil {
				t.Fatal(err)
			}
			for i, a := range acts {
				s := fmt.Sprintf("%s %s", a.Date, a.Step)
				if a.Fallback {
					s += " (fallback)"
				}
				got = append(got, s)
				if wake != 0 && d < wake {
					t.Errorf("%s: Plan(%s) gives %s, but Wake(%s) said %s", tc.name, d, a.Step, wakeAsOf, wake)
				}
				o := dunning.Sent
				if d > due && !a.Fallback {
					o = tc.outcome
				}
				rec := acts[i].Record(o, d.MidnightUTC())
				for k, id := range rec.InvoiceIDs {
					p := h[id]
					dunning.Advance(&p, rec, k)
					if tc.legacy {
						p.StepOn = 0
					}
					h[id] = p
				}
			}
			if len(acts) > 0 || wake == 0 || d+1 >= wake {
				w, err := dunning.Wake(d+1, pol, pf)
				if err != nil {
					t.Fatal(err)
				}
				wake, wakeAsOf = w["i1"], d+1
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

// BenchmarkWake is Wake over the portfolio of BenchmarkPlan (1,000,000
// invoices, 100,000 customers).
func BenchmarkWake(b *testing.B) {
	pf := benchPortfolio(100_000, 1_000_000)
	pol := stdPolicy()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := dunning.Wake(benchAsOf, pol, pf); err != nil {
			b.Fatal(err)
		}
	}
}
