package dunning_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/overduehq/overdue/notice"
	"github.com/rickb777/date/v2"
	"pgregory.net/rapid"
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

// TestSendAllMissedGroupedProperty runs random small portfolios through a
// per-customer workflow with SendAllMissed (random step kinds: emails,
// letters, tasks, escalations, a statement step, a hold at the end; no
// minimum gap) day by day for 70 days from the day dunning starts, when
// many invoices are late already. Each day's actions are recorded in plan
// order; on some days the run stops after a random number of them (a
// crash), and the rest is planned again the next day. It holds that:
//   - each day, a customer gets at most one notice per currency (the
//     grouped notice of the day) and at most one statement per currency;
//   - no step of an invoice is acted on twice, and an invoice's steps are
//     acted on in their order;
//   - no step is lost: every step of every invoice is acted on, except a
//     reminder (a step on or before the due date) whose next step was due
//     too when a plan gave the invoice a later step, and a notice step a
//     plan passed over for a later notice step of the invoice on the same
//     grouped notice (the notice takes the most advanced step due).
func TestSendAllMissedGroupedProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) { allMissedProperty(t, false) })
}

// TestSendAllMissedHeldStepsProperty is TestSendAllMissedGroupedProperty
// with what holds steps back: either grouping; customer limits (a gap of
// up to 5 days, or at most 2 days with notices in a week); unapplied money
// that covers all of a customer's invoices in a currency for some days
// (then found to be another's and taken away); suspension and cancellation
// steps; and invoices half paid under a promise to pay kept before
// dunning starts, whose blocks are held. Over 100 days it holds what that
// property holds, and that no block is set on an invoice whose kept
// promise stands; the steps excused from "no step lost" are also a task,
// escalation or hold step the unapplied money covered when a plan carried
// the invoice past it, and a kept-promise invoice's block step and every
// step after it (they wait until it is paid), and its reminders whose
// next step fell due (passed over, perhaps for the block).
func TestSendAllMissedHeldStepsProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) { allMissedProperty(t, true) })
}

// allMissedProperty is the property of TestSendAllMissedGroupedProperty,
// with held the draws and checks of TestSendAllMissedHeldStepsProperty.
func allMissedProperty(t *rapid.T, held bool) {
	kinds := []dunning.ActionKind{dunning.Email, dunning.Email, dunning.Letter, dunning.Task, dunning.EscalateInternal}
	wf := dunning.Workflow{Name: "wf", Grouping: dunning.PerCustomer, CatchUp: dunning.SendAllMissed}
	days := 70
	if held {
		kinds = append(kinds, dunning.Suspend, dunning.CancelSubscription)
		wf.Grouping = rapid.SampledFrom([]dunning.Grouping{dunning.PerInvoice, dunning.PerCustomer}).Draw(t, "grouping")
		days = 100
	}
	at := 0
	if rapid.Bool().Draw(t, "pre-due") {
		wf.Steps = append(wf.Steps, dunning.Step{Name: "pre-due", At: dueAt(-7), Action: dunning.Email})
	}
	wf.Steps = append(wf.Steps, dunning.Step{Name: "due", At: dueAt(0), Action: dunning.Email})
	statement := false
	for i := range rapid.IntRange(1, 4).Draw(t, "late steps") {
		at += rapid.IntRange(1, 12).Draw(t, "gap")
		kind := rapid.SampledFrom(kinds).Draw(t, "kind")
		if !statement && rapid.IntRange(0, 3).Draw(t, "statement") == 0 {
			kind, statement = dunning.SendStatement, true
		}
		wf.Steps = append(wf.Steps, dunning.Step{Name: fmt.Sprintf("late-%d", i), At: dueAt(at), Action: kind})
		if kind == dunning.Suspend {
			wf.Steps[len(wf.Steps)-1].State = "suspended"
		}
	}
	if rapid.Bool().Draw(t, "hold") {
		wf.Steps = append(wf.Steps, dunning.Step{Name: "stop", At: dueAt(at + 1), Action: dunning.HoldAction})
	}
	pol := dunningtest.Policy(wf)
	perCustomer := wf.Grouping == dunning.PerCustomer
	start := day("2026-05-01")
	hist := dunning.HistoryMap{}
	pf := dunning.Portfolio{History: hist}
	nc := rapid.IntRange(1, 3).Draw(t, "customers")
	for c := range nc {
		pf.Customers = append(pf.Customers, dunningtest.Customer(fmt.Sprint("c", c)))
	}
	for i := range rapid.IntRange(2, 7).Draw(t, "invoices") {
		due := start + date.Date(rapid.IntRange(-40, 10).Draw(t, "due"))
		cur := rapid.SampledFrom([]dunning.Currency{"EUR", "EUR", "USD"}).Draw(t, "currency")
		pf.Invoices = append(pf.Invoices, dunningtest.Invoice(fmt.Sprint("i", i), fmt.Sprint("c", rapid.IntRange(0, nc-1).Draw(t, "owner")),
			due-30, due, "100.00", cur))
	}
	// The held draws: customer limits; unapplied money covering all of a
	// customer's invoices in a currency from day coverFrom until coverTo;
	// invoices half paid under a kept promise, whose blocks wait.
	type custCur struct {
		c      string
		cur    dunning.Currency
		notice bool
		early  bool // a notice of invoices not yet overdue beside a final one
	}
	var cover custCur
	var coverFrom, coverTo date.Date
	promised := map[string]bool{}
	firstBlock := slices.IndexFunc(wf.Steps, func(s dunning.Step) bool {
		return s.Action == dunning.Suspend || s.Action == dunning.CancelSubscription
	})
	if held {
		switch rapid.IntRange(0, 2).Draw(t, "limits") {
		case 1:
			pol.Customer = &dunning.CustomerLimits{MinGapDays: rapid.IntRange(1, 5).Draw(t, "customer gap")}
		case 2:
			pol.Customer = &dunning.CustomerLimits{MaxNotices: 2, PeriodDays: 7}
		}
		if rapid.Bool().Draw(t, "cover") {
			cover = custCur{c: fmt.Sprint("c", rapid.IntRange(0, nc-1).Draw(t, "covered")), cur: rapid.SampledFrom([]dunning.Currency{"EUR", "USD"}).Draw(t, "cover currency")}
			coverFrom = start + date.Date(rapid.IntRange(0, 40).Draw(t, "cover from"))
			coverTo = coverFrom + date.Date(rapid.IntRange(1, 20).Draw(t, "cover days"))
		}
		for i := range pf.Invoices {
			if inv := &pf.Invoices[i]; rapid.IntRange(0, 3).Draw(t, "promise") == 0 {
				inv.Payments = []dunning.Payment{{Date: start - 5, Amount: dunningtest.Amount("50.00")}}
				inv.Promise = &dunning.Promise{Made: start - 10, PayBy: start - 2, Amount: dunningtest.Amount("50.00")}
				promised[inv.ID] = true
			}
		}
	}
	covered := func(d date.Date, c string, cur dunning.Currency) bool {
		return d >= coverFrom && d < coverTo && c == cover.c && cur == cover.cur
	}
	stepDate := func(inv *dunning.Invoice, i int) date.Date { return inv.Due + date.Date(wf.Steps[i].At.Days) }
	progress := func(id string) int {
		if p, ok := hist[id]; ok {
			return p.Step
		}
		return -1
	}
	type invStep struct {
		inv  string
		step int
	}
	acted := map[invStep]int{}
	last := map[string]int{}     // the last step acted on, by invoice
	passed := map[invStep]bool{} // passed over by a plan (see above)
	for d := start; d < start+date.Date(days); d++ {
		pf.Unapplied = nil
		if covered(d, cover.c, cover.cur) {
			pf.Unapplied = []dunning.Unapplied{{ID: "u1", CustomerID: cover.c, Kind: dunning.UnappliedPayment, Currency: cover.cur, Date: coverFrom, Amount: dunningtest.Amount("1000.00")}}
		}
		acts, err := dunning.Plan(d, pol, pf)
		if err != nil {
			t.Fatal(err)
		}
		sent := map[custCur]string{}
		for _, a := range acts {
			if a.Problem != "" {
				t.Fatalf("%s: %s: %s", d, a.Key, a.Problem)
			}
			if len(a.Steps) == 0 {
				continue // a Resume: no step reached
			}
			if (a.Kind.IsNotice() && perCustomer) || a.Kind == dunning.SendStatement {
				k := custCur{a.CustomerID, a.Currency, a.Kind.IsNotice(), false}
				if n := a.Notice; n != nil && a.Kind.IsNotice() {
					final := n.Stage == notice.FinalNotice || n.Stage == notice.LetterBeforeAction
					notDue := slices.ContainsFunc(n.Lines, func(l notice.Line) bool { return l.DueDate >= d })
					overdue := slices.ContainsFunc(n.Lines, func(l notice.Line) bool { return l.DueDate < d })
					if final && notDue && overdue {
						t.Fatalf("%s: a %s carries an invoice not yet overdue: %s", d, n.Stage, allMissedLine(&a))
					}
					// A reminder of invoices not yet overdue goes apart from
					// the customer's final notice (apartEarly).
					k.early = !final && !overdue
				}
				if other, ok := sent[k]; ok {
					t.Fatalf("%s: customer %s gets two %s actions in %s: %s and %s", d, a.CustomerID, a.Kind, a.Currency, other, allMissedLine(&a))
				}
				sent[k] = allMissedLine(&a)
			}
			for i, id := range a.InvoiceIDs {
				if a.Listed != nil && a.Listed[i] {
					continue
				}
				inv := &pf.Invoices[slices.IndexFunc(pf.Invoices, func(v dunning.Invoice) bool { return v.ID == id })]
				for s := progress(id) + 1; s < a.Steps[i]; s++ {
					stale := wf.Steps[s].At.Days <= 0 && stepDate(inv, s+1) <= d
					superseded := perCustomer && a.Kind.IsNotice() && wf.Steps[s].Action.IsNotice() && stepDate(inv, s) <= d
					k := wf.Steps[s].Action
					needless := (k == dunning.Task || k == dunning.EscalateInternal || k == dunning.HoldAction) && covered(d, a.CustomerID, a.Currency) && stepDate(inv, s) <= d
					if stale || superseded || needless {
						passed[invStep{id, s}] = true
					}
				}
			}
		}
		n := len(acts)
		if rapid.IntRange(0, 5).Draw(t, "crash") == 0 {
			n = rapid.IntRange(0, len(acts)).Draw(t, "done")
		}
		for _, a := range acts[:n] {
			for i, id := range a.InvoiceIDs {
				if a.Listed != nil && a.Listed[i] || len(a.Steps) == 0 {
					continue
				}
				s := a.Steps[i]
				if promised[id] && (wf.Steps[s].Action == dunning.Suspend || wf.Steps[s].Action == dunning.CancelSubscription) {
					t.Fatalf("%s: invoice %s blocked at step %s while its kept promise stands (%s)", d, id, wf.Steps[s].Name, allMissedLine(&a))
				}
				if acted[invStep{id, s}]++; acted[invStep{id, s}] > 1 {
					t.Fatalf("%s: invoice %s acted on at step %s twice (%s)", d, id, wf.Steps[s].Name, allMissedLine(&a))
				}
				if l, ok := last[id]; ok && s < l {
					t.Fatalf("%s: invoice %s acted on at step %s after step %s", d, id, wf.Steps[s].Name, wf.Steps[l].Name)
				}
				last[id] = s
			}
			huntRecord(hist, &a, false)
		}
	}
	for _, inv := range pf.Invoices {
		for s := range wf.Steps {
			if promised[inv.ID] && firstBlock >= 0 && s >= firstBlock {
				break // waits behind the block the kept promise holds
			}
			if promised[inv.ID] && wf.Steps[s].At.Days <= 0 && stepDate(&inv, s+1) < start+date.Date(days) {
				continue // a reminder passed over (perhaps for the block, which waits)
			}
			if acted[invStep{inv.ID, s}] == 0 && !passed[invStep{inv.ID, s}] {
				t.Fatalf("invoice %s (due %s) never acted on at step %s (%s, due+%d); progress %+v", inv.ID, inv.Due, wf.Steps[s].Name, wf.Steps[s].Action, wf.Steps[s].At.Days, hist[inv.ID])
			}
		}
	}
}
