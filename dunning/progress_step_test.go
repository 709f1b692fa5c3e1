package dunning_test

import (
	"math"
	"strings"
	"testing"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/rickb777/date/v2"
)

// stepCase is a stored progress a newer policy must cope with, and what
// Plan gives the invoice for it.
type stepCase struct {
	name string
	prog dunning.Progress
	// want checks i1's actions (the good customer c0 is checked apart).
	want func(t *testing.T, acts []dunning.Action, ex *dunning.Explanation)
}

// TestProgressStepOutOfRange: a Progress.Step the workflow has no step for
// (the workflow was shortened since, or the record is corrupt) never
// panics Plan, Wake or Explain, and the good customer is planned as usual.
// A step past the end means every step is done; a bounced notice whose
// step was removed gets a collector task as its fallback (its OnBounce is
// gone with it); a step below -1 is corrupt and its invoice is rejected
// alone, naming invoice[i1].progress.step.
func TestProgressStepOutOfRange(t *testing.T) {
	full := dunning.DefaultWorkflow("std") // welcome, pre-due, due, overdue-1, overdue-2, final
	edited := full
	edited.Steps = full.Steps[:5] // "final" removed
	due := dunningtest.Day("2026-03-01")
	asOf := due + 50
	nothing := func(t *testing.T, acts []dunning.Action, ex *dunning.Explanation) {
		t.Helper()
		if len(acts) != 0 {
			t.Errorf("every step is done, but i1 gets %v", dunningtest.Steps(acts))
		}
		if !strings.Contains(ex.Reason, "no further step") {
			t.Errorf("Explain: %q, want no further step", ex.Reason)
		}
	}
	rejected := func(value string) func(t *testing.T, acts []dunning.Action, ex *dunning.Explanation) {
		return func(t *testing.T, acts []dunning.Action, ex *dunning.Explanation) {
			t.Helper()
			if len(acts) != 1 || acts[0].Kind != dunning.Rejected {
				t.Fatalf("i1 gets %+v, want one rejected action", acts)
			}
			a := acts[0]
			want := `dunning: invoice[i1].progress.step: "` + value + `"`
			if a.Key != "rejected/invoice/c1/i1" || a.CustomerID != "c1" || a.Date != asOf || !strings.HasPrefix(a.Problem, want) {
				t.Errorf("rejected action %s for %s on %s: %q, want %s...", a.Key, a.CustomerID, a.Date, a.Problem, want)
			}
			if !strings.Contains(ex.Reason, "invoice[i1].progress.step") || len(ex.Actions) != 1 || ex.Actions[0].Kind != dunning.Rejected {
				t.Errorf("Explain: %q with %d actions, want the rejection", ex.Reason, len(ex.Actions))
			}
		}
	}
	for _, tc := range []stepCase{
		{"bounced step removed from the policy", dunning.Progress{InvoiceID: "i1", Workflow: "std", Step: 5, Last: due + 45, Bounced: "inv/c1/i1/std/final/c0"},
			func(t *testing.T, acts []dunning.Action, ex *dunning.Explanation) {
				t.Helper()
				if len(acts) != 1 {
					t.Fatalf("i1 gets %+v, want its fallback", acts)
				}
				a := acts[0]
				if a.Key != "inv/c1/i1/std/final/c0/fallback" || !a.Fallback || a.Kind != dunning.Task || a.Task == nil || a.Step != "final" || a.Problem != "" {
					t.Errorf("fallback %s: kind %s, step %q (%d), task %v, problem %q; want a collector task for step final", a.Key, a.Kind, a.Step, a.StepIndex, a.Task != nil, a.Problem)
				}
				if a.Task != nil && !strings.Contains(a.Task.Title, "could not be delivered") {
					t.Errorf("task title %q", a.Task.Title)
				}
				if !strings.Contains(a.Reason, "no longer") {
					t.Errorf("reason %q does not say the step is gone", a.Reason)
				}
				if len(ex.Actions) != 1 || ex.Actions[0].Key != a.Key {
					t.Errorf("Explain gives %v, want the fallback", ex.Actions)
				}
			}},
		{"bounced step removed, progress of another workflow", dunning.Progress{InvoiceID: "i1", Workflow: "gone", Step: 7, Last: due + 45, Bounced: "inv/c1/i1/gone/final/c0"},
			func(t *testing.T, acts []dunning.Action, ex *dunning.Explanation) {
				t.Helper()
				if len(acts) != 1 || !acts[0].Fallback || acts[0].Kind != dunning.Task {
					t.Fatalf("i1 gets %+v, want a collector task as its fallback", acts)
				}
			}},
		{"step past the end", dunning.Progress{InvoiceID: "i1", Workflow: "std", Step: 5, Last: due + 45}, nothing},
		{"step far past the end", dunning.Progress{InvoiceID: "i1", Workflow: "std", Step: math.MaxInt, Last: due + 45}, nothing},
		{"step -2", dunning.Progress{InvoiceID: "i1", Workflow: "std", Step: -2}, rejected("-2")},
		{"step -2, bounced", dunning.Progress{InvoiceID: "i1", Workflow: "std", Step: -2, Bounced: "inv/c1/i1/std/due/c0"}, rejected("-2")},
		{"step MinInt", dunning.Progress{InvoiceID: "i1", Workflow: "std", Step: math.MinInt, Last: due}, rejected("-9223372036854775808")},
	} {
		for _, via := range []string{"History", "Invoice.Progress"} {
			t.Run(tc.name+" via "+via, func(t *testing.T) {
				pol := dunningtest.Policy(edited)
				good := dunningtest.Invoice("i0", "c0", due-30, due, "100.00", "EUR")
				inv := dunningtest.Invoice("i1", "c1", due-30, due, "100.00", "EUR")
				h := dunning.HistoryMap{}
				if p := tc.prog; via == "History" {
					h["i1"] = p
				} else {
					inv.Progress = &p
				}
				pf := dunning.Portfolio{Customers: []dunning.Customer{dunningtest.Customer("c0"), dunningtest.Customer("c1")}, Invoices: []dunning.Invoice{good, inv}, History: h}
				var acts []dunning.Action
				var wake map[string]date.Date
				var ex *dunning.Explanation
				for name, f := range map[string]func() error{
					"Plan": func() (err error) { acts, err = dunning.Plan(asOf, pol, pf); return err },
					"Wake": func() (err error) { wake, err = dunning.Wake(asOf, pol, pf); return err },
					"Explain": func() (err error) {
						ex, err = dunning.Explain(asOf, pol, pf, "i1")
						return err
					},
				} {
					func() {
						defer func() {
							if r := recover(); r != nil {
								t.Fatalf("%s panicked: %v", name, r)
							}
						}()
						if err := f(); err != nil {
							t.Fatalf("%s: %v", name, err)
						}
					}()
				}
				var mine []dunning.Action
				goodOK := false
				for _, a := range acts {
					switch a.CustomerID {
					case "c0":
						goodOK = goodOK || a.Kind == dunning.Email && a.Problem == "" && len(a.InvoiceIDs) == 1 && a.InvoiceIDs[0] == "i0"
					case "c1":
						mine = append(mine, a)
					}
				}
				if !goodOK {
					t.Errorf("the good customer c0 was not planned: %v", dunningtest.Steps(acts))
				}
				tc.want(t, mine, ex)
				// Wake is never later than the next action: today for an
				// invoice with an action today.
				if len(mine) > 0 && wake["i1"] != asOf {
					t.Errorf("i1 has an action today, but Wake gives %s", wake["i1"])
				}
			})
		}
	}
}

// TestProgressStepCorruptWake: Wake wakes an invoice Plan rejects for its
// progress on the day, even with no step of its due for weeks.
func TestProgressStepCorruptWake(t *testing.T) {
	pol := dunningtest.Policy(dunning.DefaultWorkflow("std"))
	due := dunningtest.Day("2026-03-01")
	inv := dunningtest.Invoice("i1", "c1", due-1, due+60, "100.00", "EUR")
	inv.Progress = &dunning.Progress{InvoiceID: "i1", Workflow: "std", Step: -3}
	pf := dunning.Portfolio{Customers: []dunning.Customer{dunningtest.Customer("c1")}, Invoices: []dunning.Invoice{inv}}
	acts, err := dunning.Plan(due, pol, pf)
	if err != nil || len(acts) != 1 || acts[0].Kind != dunning.Rejected {
		t.Fatalf("Plan: %v, %v; want i1 rejected", acts, err)
	}
	wake, err := dunning.Wake(due, pol, pf)
	if err != nil || wake["i1"] != due {
		t.Errorf("Wake gives %s (%v), want %s: Plan rejects the invoice today", wake["i1"], err, due)
	}
}
