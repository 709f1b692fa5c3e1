package dunning_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/dunningtest"
)

// Plan re-issues a pending action's key for its invoices, as long as they
// are still due for its step; the rest are grouped as usual, and a pending
// action whose invoices moved on (paid, or past its step) is ignored.
func TestPlanReissuesPendingKeys(t *testing.T) {
	wf := dunning.DefaultWorkflow("standard")
	wf.Grouping = dunning.PerCustomer
	pol := dunningtest.Policy(wf)
	inv := func(id, due string) dunning.Invoice {
		return dunningtest.Invoice(id, "c1", day("2026-03-02"), day(due), "100.00", "EUR")
	}
	// On 2026-04-14 i1, i2, i3 (due 03-31) are at overdue-1 (index 3).
	pf := dunning.Portfolio{Customers: []dunning.Customer{dunningtest.Customer("c1")},
		Invoices: []dunning.Invoice{inv("i1", "2026-03-31"), inv("i2", "2026-03-31"), inv("i3", "2026-03-31")}}
	keys := func(pending ...dunning.Pending) map[string][]string {
		t.Helper()
		p := pf
		p.History = dunning.Snapshot{HistoryMap: dunning.HistoryMap{}, Unresolved: pending}
		acts, err := dunning.Plan(day("2026-04-14"), pol, p)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string][]string{}
		for _, a := range acts {
			out[a.Key] = a.InvoiceIDs
		}
		return out
	}
	all := keys()
	if len(all) != 1 {
		t.Fatalf("without pending: %v, want one group", all)
	}
	pe := dunning.Pending{Key: "cust/c1/standard/overdue-1/EUR/earlier", CustomerID: "c1", InvoiceIDs: []string{"i2", "i1"}, Cycles: []int{0, 0},
		Workflow: "standard", Step: "overdue-1", StepIndex: 3, Steps: []int{3, 3}, Kind: dunning.Email, Currency: "EUR"}
	want := map[string][]string{pe.Key: {"i1", "i2"}, "inv/c1/i3/standard/overdue-1/c0": {"i3"}}
	if diff := cmp.Diff(want, keys(pe)); diff != "" {
		t.Errorf("pending over i1, i2 (-want +got):\n%s", diff)
	}
	// A pending action at another step, of another customer's, or of an
	// older cycle changes nothing.
	for _, mod := range []func(*dunning.Pending){
		func(p *dunning.Pending) { p.Steps = []int{2, 2}; p.StepIndex = 2 },
		func(p *dunning.Pending) { p.CustomerID = "c2" },
		func(p *dunning.Pending) { p.Cycles = []int{1, 1} },
		func(p *dunning.Pending) { p.Workflow = "other" },
	} {
		p := pe
		mod(&p)
		if diff := cmp.Diff(all, keys(p)); diff != "" {
			t.Errorf("stale pending %+v changed the plan (-want +got):\n%s", p, diff)
		}
	}
	// One of its invoices paid: the key is re-issued for the other alone.
	pf.Invoices[0].Payments = []dunning.Payment{{Date: day("2026-04-10"), Amount: dunningtest.Amount("100.00")}}
	want = map[string][]string{pe.Key: {"i2"}, "inv/c1/i3/standard/overdue-1/c0": {"i3"}}
	if diff := cmp.Diff(want, keys(pe)); diff != "" {
		t.Errorf("pending after i1 was paid (-want +got):\n%s", diff)
	}
}

// Per invoice with SendAllMissed, a pending step keeps its key and the
// invoice's other missed steps are planned as usual beside it.
func TestPlanReissuesPendingStepAmongMissed(t *testing.T) {
	wf := dunning.DefaultWorkflow("standard")
	wf.CatchUp = dunning.SendAllMissed
	pol := dunningtest.Policy(wf)
	pf := dunning.Portfolio{Customers: []dunning.Customer{dunningtest.Customer("c1")},
		Invoices: []dunning.Invoice{dunningtest.Invoice("i1", "c1", day("2026-03-02"), day("2026-03-31"), "100.00", "EUR")}}
	plan := func(h dunning.History) []string {
		p := pf
		p.History = h
		acts, err := dunning.Plan(day("2026-05-02"), pol, p) // due, overdue-1, overdue-2 missed
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, a := range acts {
			out = append(out, a.Key)
		}
		return out
	}
	base := plan(nil)
	if len(base) < 2 {
		t.Fatalf("plan %v, want several missed steps", base)
	}
	pe := dunning.Pending{Key: base[0], CustomerID: "c1", InvoiceIDs: []string{"i1"}, Cycles: []int{0}, Workflow: "standard",
		Step: "overdue-1", StepIndex: 3, Steps: []int{3}, Kind: dunning.Email, Currency: "EUR"}
	got := plan(dunning.Snapshot{HistoryMap: dunning.HistoryMap{}, Unresolved: []dunning.Pending{pe}})
	if diff := cmp.Diff(base, got); diff != "" {
		t.Errorf("a pending step among missed ones changed the plan (-want +got):\n%s", diff)
	}
}
