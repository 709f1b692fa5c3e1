package dunning_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/dunningtest"
)

// allMissedWorkflow is a per-customer workflow that sends every missed step
// (SendAllMissed, no minimum gap) with four steps: "due" (the due date, an
// email), two steps at due+7 and due+14 of the kinds given, and "final" at
// due+30 (an email).
func allMissedWorkflow(name7 string, kind7 dunning.ActionKind, name14 string, kind14 dunning.ActionKind) dunning.Workflow {
	return dunning.Workflow{
		Name: "wf", Grouping: dunning.PerCustomer, CatchUp: dunning.SendAllMissed,
		Steps: []dunning.Step{
			{Name: "due", At: dueAt(0), Action: dunning.Email},
			{Name: name7, At: dueAt(7), Action: kind7},
			{Name: name14, At: dueAt(14), Action: kind14},
			{Name: "final", At: dueAt(30), Action: dunning.Email},
		},
	}
}

// allMissedLine describes an action for the tests' tables: kind, step and
// each invoice with the step it reaches ("L" after one it only lists).
func allMissedLine(a *dunning.Action) string {
	var invs []string
	for i, id := range a.InvoiceIDs {
		s := fmt.Sprintf("%s:%d", id, a.Steps[i])
		if a.Listed != nil && a.Listed[i] {
			s += "L"
		}
		invs = append(invs, s)
	}
	return fmt.Sprintf("%s %s [%s]", a.Kind, a.Step, strings.Join(invs, " "))
}

// TestSendAllMissedGroupsCatchUpNotice: c1 owes i1 (due 1 April) and i2
// (due 15 April); dunning starts on 15 April and runs every day to 20 May.
// On 15 April i1 catches up the step at due+7 (8 April) and the one at
// due+14 (15 April), one a task or a statement and the other a notice
// ("due", 1 April, is a reminder passed over: its next step is due too),
// while i2 is at "due". The customer gets one notice over both invoices at
// the most advanced notice step due (i1's), beside the task or statement
// of i1. Before the fix i1's notice went out alone beside i2's (the task or
// statement first), or (the notice first) the task became the kind of the
// customer's one action and no notice went out.
//
// The days after, worked out from the step dates: i2 reaches due+7 on 22
// April and due+14 on 29 April; i1 reaches final (due+30) on 1 May and i2
// on 15 May; each per-customer notice lists the other, overdue invoice.
// Every step of every invoice is acted on once (i1's "due" passed over).
func TestSendAllMissedGroupsCatchUpNotice(t *testing.T) {
	for _, tc := range []struct {
		name string
		wf   dunning.Workflow
		want map[string][]string // by day, in plan order
	}{
		{"task then notice", allMissedWorkflow("call", dunning.Task, "overdue", dunning.Email), map[string][]string{
			"2026-04-15": {"task call [i1:1]", "email overdue [i1:2 i2:0]"},
			"2026-04-22": {"task call [i2:1]"},
			"2026-04-29": {"email overdue [i1:2L i2:2]"},
			"2026-05-01": {"email final [i1:3 i2:2L]"},
			"2026-05-15": {"email final [i1:3L i2:3]"},
		}},
		{"notice then task", allMissedWorkflow("overdue", dunning.Email, "call", dunning.Task), map[string][]string{
			"2026-04-15": {"email overdue [i1:1 i2:0]", "task call [i1:2]"},
			"2026-04-22": {"email overdue [i1:2L i2:1]"},
			"2026-04-29": {"task call [i2:2]"},
			"2026-05-01": {"email final [i1:3 i2:2L]"},
			"2026-05-15": {"email final [i1:3L i2:3]"},
		}},
		{"statement then notice", allMissedWorkflow("statement", dunning.SendStatement, "overdue", dunning.Email), map[string][]string{
			"2026-04-15": {"statement statement [i1:1]", "email overdue [i1:2 i2:0]"},
			"2026-04-22": {"statement statement [i2:1]"},
			"2026-04-29": {"email overdue [i1:2L i2:2]"},
			"2026-05-01": {"email final [i1:3 i2:2L]"},
			"2026-05-15": {"email final [i1:3L i2:3]"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pol := dunningtest.Policy(tc.wf)
			hist := dunning.HistoryMap{}
			pf := dunning.Portfolio{Customers: []dunning.Customer{dunningtest.Customer("c1")}, History: hist,
				Invoices: []dunning.Invoice{
					dunningtest.Invoice("i1", "c1", day("2026-03-02"), day("2026-04-01"), "100.00", "EUR"),
					dunningtest.Invoice("i2", "c1", day("2026-03-16"), day("2026-04-15"), "200.00", "EUR"),
				}}
			got := map[string][]string{}
			acted := map[string]int{} // invoice:step acted on (not only listed)
			for d := day("2026-04-15"); d <= day("2026-05-20"); d++ {
				for _, a := range huntPlan(t, pol, pf, d) {
					got[d.String()] = append(got[d.String()], allMissedLine(&a))
					for i, id := range a.InvoiceIDs {
						if a.Listed == nil || !a.Listed[i] {
							acted[fmt.Sprintf("%s:%s", id, tc.wf.Steps[a.Steps[i]].Name)]++
						}
					}
					huntRecord(hist, &a, false)
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("actions by day (-want +got):\n%s", diff)
			}
			want := map[string]int{}
			for _, s := range tc.wf.Steps {
				want["i2:"+s.Name] = 1
				if s.Name != "due" {
					want["i1:"+s.Name] = 1
				}
			}
			if diff := cmp.Diff(want, acted); diff != "" {
				t.Errorf("steps acted on (-want +got):\n%s", diff)
			}
		})
	}
}
