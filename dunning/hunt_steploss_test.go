package dunning_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/rickb777/date/v2"
)

// stepLossRun plans every day from..to, records each action as sent (in
// plan order) and returns the actions by day (allMissedLine) and how often
// each invoice:step was acted on (not only listed). before, when not nil,
// adjusts the portfolio before each day is planned.
func stepLossRun(t *testing.T, pol *dunning.Policy, pf dunning.Portfolio, from, to date.Date, before func(date.Date, *dunning.Portfolio)) (map[string][]string, map[string]int) {
	t.Helper()
	hist := pf.History.(dunning.HistoryMap)
	wf := pol.Workflows[0]
	got := map[string][]string{}
	acted := map[string]int{}
	for d := from; d <= to; d++ {
		if before != nil {
			before(d, &pf)
		}
		for _, a := range huntPlan(t, pol, pf, d) {
			if len(a.Steps) == 0 { // a Resume: no step reached
				got[d.String()] = append(got[d.String()], fmt.Sprintf("%s %v", a.Kind, a.InvoiceIDs))
				huntRecord(hist, &a, false)
				continue
			}
			got[d.String()] = append(got[d.String()], allMissedLine(&a))
			for i, id := range a.InvoiceIDs {
				if a.Listed == nil || !a.Listed[i] {
					acted[fmt.Sprintf("%s:%s", id, wf.Steps[a.Steps[i]].Name)]++
				}
			}
			huntRecord(hist, &a, false)
		}
	}
	return got, acted
}

// stepLossWorld is c1 owing i1 (100.00 EUR, due 1 April, nothing done)
// under workflow wf with the policy's customer limits l, and i2 when with2
// is set (100.00 EUR, due 1 March, every step done, its last notice on 14
// April).
func stepLossWorld(wf dunning.Workflow, l *dunning.CustomerLimits, with2 bool) (*dunning.Policy, dunning.Portfolio) {
	pol := dunningtest.Policy(wf)
	pol.Customer = l
	hist := dunning.HistoryMap{}
	pf := dunning.Portfolio{Customers: []dunning.Customer{dunningtest.Customer("c1")}, History: hist,
		Invoices: []dunning.Invoice{dunningtest.Invoice("i1", "c1", day("2026-03-02"), day("2026-04-01"), "100.00", "EUR")}}
	if with2 {
		pf.Invoices = append(pf.Invoices, dunningtest.Invoice("i2", "c1", day("2026-01-30"), day("2026-03-01"), "100.00", "EUR"))
		hist["i2"] = dunning.Progress{InvoiceID: "i2", Workflow: wf.Name, Step: len(wf.Steps) - 1, Last: day("2026-04-14"),
			Notices: &dunning.NoticeLog{Count: 3, Recent: []date.Date{day("2026-04-14")}}}
	}
	return pol, pf
}

// allMissedBoth is allMissedWorkflow with each grouping.
func allMissedBoth(name7 string, kind7 dunning.ActionKind, name14 string, kind14 dunning.ActionKind) map[dunning.Grouping]dunning.Workflow {
	out := map[dunning.Grouping]dunning.Workflow{}
	for _, g := range []dunning.Grouping{dunning.PerInvoice, dunning.PerCustomer} {
		wf := allMissedWorkflow(name7, kind7, name14, kind14)
		wf.Grouping = g
		for i := range wf.Steps {
			if wf.Steps[i].Action == dunning.Suspend {
				wf.Steps[i].State = "suspended"
			}
		}
		out[g] = wf
	}
	return out
}

// TestCustomerLimitHoldsLaterSteps: workflow wf (SendAllMissed) has "due"
// (due date, email), "overdue" (due+7, email), "call" (due+14, task) and
// "final" (due+30, email); the customer gap is 5 days. c1's last notice
// went out on 14 April (i2's, whose steps are all done). On 15 April i1
// (due 1 April) catches up "overdue" (8 April) and "call" (15 April);
// "due" is a reminder passed over. The gap holds notices until 19 April,
// so "overdue" waits, and "call" after it: no task for a step whose
// earlier reminder was held back. On 19 April both go out, the notice
// first (per customer it lists i2, at its last step 3, first as the
// most overdue); on 1 May (due+30,
// 12 days after the last notice) "final". Explain on 15 April says so.
// Before the fix the task went out on 15 April, moving i1 past "overdue",
// which was never sent.
func TestCustomerLimitHoldsLaterSteps(t *testing.T) {
	want := map[dunning.Grouping]map[string][]string{
		dunning.PerInvoice: {
			"2026-04-19": {"email overdue [i1:1]", "task call [i1:2]"},
			"2026-05-01": {"email final [i1:3]"},
		},
		dunning.PerCustomer: {
			"2026-04-19": {"email overdue [i2:3L i1:1]", "task call [i1:2]"},
			"2026-05-01": {"email final [i2:3L i1:3]"},
		},
	}
	for g, wf := range allMissedBoth("overdue", dunning.Email, "call", dunning.Task) {
		t.Run(string(g), func(t *testing.T) {
			pol, pf := stepLossWorld(wf, &dunning.CustomerLimits{MinGapDays: 5}, true)
			ex, err := dunning.Explain(day("2026-04-15"), pol, pf, "i1")
			if err != nil {
				t.Fatal(err)
			}
			why := `step "overdue" is due but the customer's last notice went out on 2026-04-14: the customer gap of 5 days holds notices until 2026-04-19; step "call" waits for a later run with it`
			if ex.Reason != why || ex.Next != day("2026-04-19") || len(ex.Actions) != 0 {
				t.Errorf("explain on 15 April:\n%s\nwant reason %q, next 2026-04-19, no action", ex, why)
			}
			got, acted := stepLossRun(t, pol, pf, day("2026-04-15"), day("2026-05-05"), nil)
			if diff := cmp.Diff(want[g], got); diff != "" {
				t.Errorf("actions by day (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(map[string]int{"i1:overdue": 1, "i1:call": 1, "i1:final": 1}, acted); diff != "" {
				t.Errorf("steps acted on (-want +got):\n%s", diff)
			}
		})
	}
}

// TestUnappliedCoverHoldsLaterSteps: workflow wf (SendAllMissed) has "due"
// (due date, email), "overdue" (due+7, email), "suspend" (due+14, a
// suspension) and "final" (due+30, email). c1 owes i1 (100.00, due 1
// April) and has an unapplied payment of 150.00 (10 April) until the app
// finds on 20 April that it is another customer's and takes it away. From
// 15 April i1 catches up "overdue" (8 April) and "suspend" (15 April): the
// payment covers the notice's open balance, so no notice, and the
// suspension after it waits with it. On 20 April both go out, the notice
// first; on 1 May "final". Before the fix the account was suspended on 15
// April, moving i1 past "overdue", which was never sent.
func TestUnappliedCoverHoldsLaterSteps(t *testing.T) {
	want := map[string][]string{
		"2026-04-20": {"email overdue [i1:1]", "suspend suspend [i1:2]"},
		"2026-05-01": {"email final [i1:3]"},
	}
	for g, wf := range allMissedBoth("overdue", dunning.Email, "suspend", dunning.Suspend) {
		t.Run(string(g), func(t *testing.T) {
			pol, pf := stepLossWorld(wf, nil, false)
			got, acted := stepLossRun(t, pol, pf, day("2026-04-15"), day("2026-05-05"), func(d date.Date, pf *dunning.Portfolio) {
				pf.Unapplied = nil
				if d < day("2026-04-20") {
					pf.Unapplied = []dunning.Unapplied{payment("u1", "EUR", "150.00", "2026-04-10")}
				}
			})
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("actions by day (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(map[string]int{"i1:overdue": 1, "i1:suspend": 1, "i1:final": 1}, acted); diff != "" {
				t.Errorf("steps acted on (-want +got):\n%s", diff)
			}
		})
	}
}

// TestKeptPromiseHoldsLaterBlock: workflow wf (SendAllMissed) has "due"
// (due date, email), "overdue" (due+7, email), a blocking step at due+14
// (a suspension or a cancellation) and "final" (due+30, email). i1
// (100.00, due 1 April) had a promise made on 2 April to pay 50.00 by 10
// April, kept (50.00 paid on 5 April; 50.00 still open). On 15 April i1
// catches up "overdue" and the block: the notice goes out, the block does
// not while the kept promise stands, and "final" waits behind it (as it
// does when the block is the first step due); the notice's reason names
// its own step. Before the fix the block was set on 15 April beside the
// notice.
func TestKeptPromiseHoldsLaterBlock(t *testing.T) {
	for _, kind := range []dunning.ActionKind{dunning.Suspend, dunning.CancelSubscription} {
		for g, wf := range allMissedBoth("overdue", dunning.Email, "block", kind) {
			t.Run(string(kind)+"/"+string(g), func(t *testing.T) {
				pol, pf := stepLossWorld(wf, nil, false)
				inv := &pf.Invoices[0]
				inv.Payments = []dunning.Payment{{Date: day("2026-04-05"), Amount: amt("50.00")}}
				inv.Promise = &dunning.Promise{Made: day("2026-04-02"), PayBy: day("2026-04-10"), Amount: amt("50.00")}
				acts := huntPlan(t, pol, pf, day("2026-04-15"))
				if want := `): step "overdue" of workflow "wf" fell due on 2026-04-08`; len(acts) != 1 || !strings.HasSuffix(acts[0].Reason, want) {
					t.Errorf("15 April: want one action whose reason ends %q, got %d: %+v", want, len(acts), acts)
				}
				got, acted := stepLossRun(t, pol, pf, day("2026-04-15"), day("2026-05-05"), nil)
				if diff := cmp.Diff(map[string][]string{"2026-04-15": {"email overdue [i1:1]"}}, got); diff != "" {
					t.Errorf("actions by day (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(map[string]int{"i1:overdue": 1}, acted); diff != "" {
					t.Errorf("steps acted on (-want +got):\n%s", diff)
				}
			})
		}
	}
}
