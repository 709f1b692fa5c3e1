package dunning_test

import (
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/rickb777/date/v2"
)

// TestStalePolicyIndex: a copy of a validated policy whose workflows were
// changed (one dropped, or reordered) plans each invoice under the workflow
// its progress names, as a freshly built policy does.
func TestStalePolicyIndex(t *testing.T) {
	a := dunning.Workflow{Name: "gentle", Steps: []dunning.Step{{Name: "g-due", At: dueAt(0), Action: dunning.Email}, {Name: "g-14", At: dueAt(14), Action: dunning.Email}}}
	b := dunning.Workflow{Name: "strict", Steps: []dunning.Step{{Name: "s-due", At: dueAt(0), Action: dunning.Email}, {Name: "s-14", At: dueAt(14), Action: dunning.Letter}}}
	c := dunning.Workflow{Name: "new", Steps: []dunning.Step{{Name: "n-due", At: dueAt(0), Action: dunning.Email}}}
	base := dunningtest.Policy(a, b)
	due := dunningtest.Day("2026-03-01")
	for _, tc := range []struct {
		name string
		wfs  []dunning.Workflow
		prog string
		want string
	}{
		{"strict only", []dunning.Workflow{b}, "strict", "s-14"},
		{"reordered", []dunning.Workflow{b, a}, "strict", "s-14"},
		{"added", []dunning.Workflow{a, b, c}, "new", ""},
		{"added, default first", []dunning.Workflow{c, a, b}, "gentle", "g-14"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pol := *base
			pol.Workflows = tc.wfs
			inv := dunningtest.Invoice("i1", "c1", due-30, due, "100.00", "EUR")
			inv.Progress = &dunning.Progress{InvoiceID: "i1", Workflow: tc.prog, Step: 0, Last: due}
			pf := dunning.Portfolio{Customers: []dunning.Customer{dunningtest.Customer("c1")}, Invoices: []dunning.Invoice{inv}}
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("panicked: %v", r)
				}
			}()
			acts, err := dunning.Plan(due+14, &pol, pf)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, a := range acts {
				got = append(got, a.Workflow+"/"+a.Step)
			}
			if want := tc.prog + "/" + tc.want; tc.want != "" && (len(got) != 1 || got[0] != want) || tc.want == "" && len(got) != 0 {
				t.Errorf("the invoice runs under %s, but Plan gives %v", tc.prog, got)
			}
			if w, ok := pol.Workflow(tc.prog); !ok || w.Name != tc.prog {
				t.Errorf("Workflow(%q) = %v, %v", tc.prog, w, ok)
			}
			if _, ok := pol.Workflow("gone"); ok {
				t.Error("Workflow found a workflow the policy does not have")
			}
			ex, err := dunning.Explain(due+14, &pol, pf, "i1")
			if err != nil || ex.Workflow != tc.prog {
				t.Errorf("Explain: workflow %q, %v; want %s", ex.Workflow, err, tc.prog)
			}
			if wake, err := dunning.Wake(due+14, &pol, pf); err != nil || tc.want != "" && wake["i1"] != due+14 {
				t.Errorf("Wake: %v, %v", wake, err)
			}
		})
	}
	if w, ok := base.Workflow("strict"); !ok || w.Name != "strict" || len(base.Workflows) != 2 {
		t.Errorf("the copies changed the base policy: %v", base.Workflows)
	}
}

// TestStalePolicyIndexInvalid: a copy whose new workflows are invalid is
// refused as a policy never validated is, not planned with the old index.
func TestStalePolicyIndexInvalid(t *testing.T) {
	a := dunning.Workflow{Name: "a", Steps: []dunning.Step{{Name: "due", At: dueAt(0), Action: dunning.Email}}}
	base := dunningtest.Policy(a)
	pol := *base
	pol.Workflows = []dunning.Workflow{a, a} // two workflows of one name
	due := dunningtest.Day("2026-03-01")
	pf := dunning.Portfolio{Customers: []dunning.Customer{dunningtest.Customer("c1")}, Invoices: []dunning.Invoice{dunningtest.Invoice("i1", "c1", due-30, due, "100.00", "EUR")}}
	if _, err := dunning.Plan(due, &pol, pf); err == nil || !strings.Contains(err.Error(), "workflows[1].name") {
		t.Errorf("Plan: %v, want the duplicate workflow refused", err)
	}
	if _, err := dunning.Wake(due, &pol, pf); err == nil {
		t.Error("Wake accepted the duplicate workflow")
	}
	if _, err := dunning.Plan(due, base, pf); err != nil {
		t.Errorf("the base policy: %v", err)
	}
}

// TestStalePolicyShared: goroutines planning with one shared copy whose
// workflows changed since it was validated do not write to it (go test
// -race).
func TestStalePolicyShared(t *testing.T) {
	a := dunning.Workflow{Name: "gentle", Steps: []dunning.Step{{Name: "g-due", At: dueAt(0), Action: dunning.Email}}}
	b := dunning.Workflow{Name: "strict", Steps: []dunning.Step{{Name: "s-due", At: dueAt(0), Action: dunning.Letter}}}
	pol := *dunningtest.Policy(a, b)
	pol.Workflows = []dunning.Workflow{b}
	due := dunningtest.Day("2026-03-01")
	inv := dunningtest.Invoice("i1", "c1", due-30, due, "100.00", "EUR")
	pf := dunning.Portfolio{Customers: []dunning.Customer{dunningtest.Customer("c1")}, Invoices: []dunning.Invoice{inv}}
	planShared(t, &pol, due, pf, "s-due")
}

// planShared plans, wakes and asks for account states on four goroutines
// sharing pol, each plan's one action at step want.
func planShared(t *testing.T, pol *dunning.Policy, due date.Date, pf dunning.Portfolio, want string) {
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			acts, err := dunning.Plan(due, pol, pf)
			if err != nil || len(acts) != 1 || acts[0].Step != want {
				t.Errorf("Plan: %v, %v", dunningtest.Steps(acts), err)
			}
			if _, err := dunning.Wake(due, pol, pf); err != nil {
				t.Error(err)
			}
			if _, err := dunning.AccountStates(due, pol, pf); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
}

// TestUnvalidatedPolicyShared: a policy never validated, shared by
// goroutines that plan, wake and ask for account states with it, is left
// as it was (each call validates a copy), so sharing it is no race (go
// test -race), and a second look at it finds it unchanged.
func TestUnvalidatedPolicyShared(t *testing.T) {
	wf := dunning.Workflow{Name: "gentle", Steps: []dunning.Step{{Name: "g-due", At: dueAt(0), Action: dunning.Email}}}
	pol := dunning.Policy{Workflows: []dunning.Workflow{wf}, Creditor: dunningtest.Creditor(), Payment: dunning.PaymentInstructions{Text: "Please transfer the amount due."}}
	before := pol
	due := dunningtest.Day("2026-03-01")
	inv := dunningtest.Invoice("i1", "c1", due-30, due, "100.00", "EUR")
	pf := dunning.Portfolio{Customers: []dunning.Customer{dunningtest.Customer("c1")}, Invoices: []dunning.Invoice{inv}}
	planShared(t, &pol, due, pf, "g-due")
	// reflect.DeepEqual: the unexported index Validate builds is nil in
	// before, and a func field set since would never be deeply equal.
	if !reflect.DeepEqual(before, pol) {
		t.Error("planning wrote to the caller's unvalidated policy")
	}
	// An invalid one is refused every time, and stays invalid.
	bad := pol
	bad.Creditor.Name = ""
	for range 2 {
		if _, err := dunning.Plan(due, &bad, pf); err == nil || !strings.Contains(err.Error(), "creditor.name") {
			t.Errorf("Plan with no creditor name: %v, want an error naming creditor.name", err)
		}
	}
}
