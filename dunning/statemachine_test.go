package dunning_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/overduehq/overdue/schedule"
	"github.com/overduehq/overdue/store/memory"
	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

// The planner state machine: random invoices, days, payments, disputes,
// holds and promises against a plain model of what a dunning run must do.
// The model has its own cadence table, its own step-date arithmetic (offset,
// grace, Monday-Friday roll), its own pause rules and its own record of what
// was sent; it calls no method of the library to decide. Every day the plan
// must hold exactly the (invoice, step) pairs the model says are due:
// nothing missing, nothing extra.

// modelAnchor is where a cadence step counts from.
type modelAnchor int

const (
	fromAgreement modelAnchor = iota
	fromDue
)

// modelCadence is the seed's default cadence as DESIGN.md states it:
// agreement+3, due-7, due, due+14, due+30, due+45.
var modelCadence = []struct {
	anchor modelAnchor
	days   int
}{{fromAgreement, 3}, {fromDue, -7}, {fromDue, 0}, {fromDue, 14}, {fromDue, 30}, {fromDue, 45}}

// modelMonday is a known Monday; the model's weekday arithmetic counts from it.
var modelMonday = day("2026-01-05")

// modelBusiness: Monday to Friday, by counting days from a known Monday.
func modelBusiness(d date.Date) bool {
	k := (int(d-modelMonday)%7 + 7) % 7 // 0 = Monday ... 6 = Sunday
	return k < 5
}

// modelInv is the model's own view of one invoice.
type modelInv struct {
	id, cust     string
	issued, due  date.Date
	amount       decimal.Decimal
	paid         decimal.Decimal // sum of the payments the model made
	disputed     bool
	holdUntil    date.Date // held while today < holdUntil (0: no hold)
	promiseMade  date.Date
	promisePayBy date.Date // pending while promiseMade <= today <= promisePayBy
	promiseEnded date.Date // declared kept or broken on this day (0: not)
	hasPromise   bool
	done         int       // last step index sent (-1: none)
	last         date.Date // planning day of the last notice (0: none)
}

// model is the plain model the planner and memory store are checked against.
type model struct {
	pol       *dunning.Policy
	wf        dunning.Workflow
	catchUp   dunning.CatchUp
	gap       int
	perCust   bool
	grace     int
	effective date.Date // the agreement's effective day
	st        *memory.Store
	sender    *dunningtest.Sender
	today     date.Date
	pf        dunning.Portfolio
	invs      []*modelInv          // same order as pf.Invoices
	custHold  map[string]date.Date // customer held while today < the date
	events    int                  // events made so far, for unique IDs
}

// eventID returns a new event ID: Apply ignores an ID it has applied.
func (m *model) eventID(prefix string) string {
	m.events++
	return fmt.Sprintf("%s%d", prefix, m.events)
}

// stepDate is the model's step date: anchor + offset; a date after the due
// date moves by the grace days; a date before the issue date means the step
// does not apply; a Saturday or Sunday rolls forward to Monday. nominal is
// the date before grace and roll decide it is a reminder (on or before due).
func (m *model) stepDate(inv *modelInv, i int) (rolled date.Date, reminder, ok bool) {
	c := modelCadence[i]
	base := inv.due
	if c.anchor == fromAgreement {
		base = m.effective
	}
	n := base + date.Date(c.days)
	reminder = n <= inv.due
	if n > inv.due {
		n += date.Date(m.grace)
	}
	if n < inv.issued {
		return 0, false, false
	}
	for !modelBusiness(n) {
		n++
	}
	return n, reminder, true
}

// paused is the model's don't-dun rule: paid in full (payments and
// credits), disputed, the invoice or its customer on hold, or a promise to
// pay whose pay-by day has not passed and that was not declared kept or
// broken.
func (m *model) paused(inv *modelInv) bool {
	return inv.amount.Sub(inv.paid).Sign() <= 0 || inv.disputed ||
		(inv.holdUntil != 0 && m.today < inv.holdUntil) || m.today < m.custHold[inv.cust] ||
		(inv.hasPromise && inv.promiseMade <= m.today && m.today <= inv.promisePayBy && inv.promiseEnded == 0)
}

// dueSteps returns the steps the invoice gets today, in order, with their
// dates: the applicable steps after the last one sent that are dated on or
// before today, except a reminder whose next applicable step is also due
// (passed over, never sent late); none while the minimum gap since the last
// notice runs; then the catch-up rule picks the first, the last or all.
func (m *model) dueSteps(inv *modelInv) (steps []int, dates []date.Date) {
	if m.paused(inv) {
		return nil, nil
	}
	for i := inv.done + 1; i < len(modelCadence); i++ {
		d, reminder, ok := m.stepDate(inv, i)
		if !ok {
			continue
		}
		if d > m.today {
			break
		}
		if reminder {
			stale := false
			for j := i + 1; j < len(modelCadence); j++ {
				if dj, _, ok := m.stepDate(inv, j); ok {
					stale = dj <= m.today
					break
				}
			}
			if stale {
				continue
			}
		}
		steps, dates = append(steps, i), append(dates, d)
	}
	if len(steps) == 0 || (m.gap > 0 && inv.last != 0 && m.today < inv.last+date.Date(m.gap)) {
		return nil, nil
	}
	switch m.catchUp {
	case dunning.Progressive:
		return steps[:1], dates[:1]
	case dunning.HighestOnly:
		return steps[len(steps)-1:], dates[len(dates)-1:]
	}
	return steps, dates
}

// planned is one action as the model and the check see it.
type planned struct {
	cust  string
	step  int      // the action's step
	invs  []string // "id@step", most overdue first
	sched []date.Date
}

func (p planned) String() string {
	return fmt.Sprintf("%s step %d [%s] scheduled one of %v", p.cust, p.step, strings.Join(p.invs, " "), p.sched)
}

// expect is what the model says today's plan holds. Per invoice: one action
// per (invoice, step), scheduled on the step's date. Per customer: one
// notice per customer listing each invoice with a step due at its most
// advanced due step, and every other overdue (due before today), unpaused
// invoice of the customer at the step it stands at (listed), most overdue
// (earliest due date) first, taking the most advanced due step and that
// step's date; when that is the final notice, the invoices not yet overdue
// with a step due go on a notice of their own.
func (m *model) expect() (want []planned, reached map[*modelInv]int, listed []*modelInv) {
	reached = map[*modelInv]int{}
	byCust := map[string][]*modelInv{}
	var custs []string
	dates := map[*modelInv][]date.Date{}
	steps := map[*modelInv][]int{}
	for _, inv := range m.invs {
		s, d := m.dueSteps(inv)
		if len(s) == 0 {
			continue
		}
		steps[inv], dates[inv] = s, d
		reached[inv] = s[len(s)-1]
		if !m.perCust {
			for k := range s {
				want = append(want, planned{cust: inv.cust, step: s[k], invs: []string{fmt.Sprintf("%s@%d", inv.id, s[k])}, sched: []date.Date{d[k]}})
			}
			continue
		}
		if byCust[inv.cust] == nil {
			custs = append(custs, inv.cust)
		}
		byCust[inv.cust] = append(byCust[inv.cust], inv)
	}
	for _, c := range custs {
		invs := byCust[c]
		for _, inv := range m.invs {
			if _, due := steps[inv]; !due && inv.cust == c && inv.due < m.today && !m.paused(inv) {
				listed = append(listed, inv)
				invs = append(invs, inv)
			}
		}
		slices.SortStableFunc(invs, func(a, b *modelInv) int {
			if a.due != b.due {
				return int(a.due - b.due)
			}
			return strings.Compare(a.id, b.id)
		})
		build := func(invs []*modelInv) planned {
			p := planned{cust: c, step: -1}
			for _, inv := range invs {
				s, due := reached[inv]
				if !due {
					p.invs = append(p.invs, fmt.Sprintf("%s@%d", inv.id, inv.done))
					continue
				}
				p.invs = append(p.invs, fmt.Sprintf("%s@%d", inv.id, s))
				p.step = max(p.step, s)
			}
			for _, inv := range invs {
				if s, due := reached[inv]; due && s == p.step {
					p.sched = append(p.sched, dates[inv][len(dates[inv])-1])
				}
			}
			return p
		}
		p := build(invs)
		// The cadence's last step is its final notice: the invoices not yet
		// overdue with a step of their own go on a notice apart.
		if p.step == len(modelCadence)-1 {
			var early, rest []*modelInv
			for _, inv := range invs {
				if _, due := reached[inv]; due && inv.due >= m.today {
					early = append(early, inv)
				} else {
					rest = append(rest, inv)
				}
			}
			if len(early) > 0 && slices.ContainsFunc(rest, func(inv *modelInv) bool { _, due := reached[inv]; return due }) {
				want = append(want, build(rest), build(early))
				continue
			}
		}
		want = append(want, p)
	}
	return want, reached, listed
}

func sortPlanned(ps []planned) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = fmt.Sprintf("%s step %d [%s]", p.cust, p.step, strings.Join(p.invs, " "))
	}
	slices.Sort(out)
	return out
}

func (m *model) run(t *rapid.T) {
	ctx := context.Background()
	h, err := m.st.History(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pf := m.pf
	pf.History = h
	plan1, err := dunning.Plan(m.today, m.pol, pf)
	if err != nil {
		t.Fatal(err)
	}
	plan2, err := dunning.Plan(m.today, m.pol, pf)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(plan1, plan2, dunningtest.CmpOptions()...); diff != "" {
		t.Fatalf("plan not deterministic:\n%s", diff)
	}

	want, reached, listed := m.expect()
	var got []planned
	for _, a := range plan1 {
		if a.Problem != "" {
			t.Fatalf("%s: problem %s", a.Key, a.Problem)
		}
		if a.Date != m.today || a.Kind != dunning.Email || len(a.Steps) != len(a.InvoiceIDs) {
			t.Fatalf("%s: date %s kind %s steps %v for invoices %v on %s", a.Key, a.Date, a.Kind, a.Steps, a.InvoiceIDs, m.today)
		}
		p := planned{cust: a.CustomerID, step: a.StepIndex, sched: []date.Date{a.Scheduled}}
		for i, id := range a.InvoiceIDs {
			p.invs = append(p.invs, fmt.Sprintf("%s@%d", id, a.Steps[i]))
		}
		got = append(got, p)
	}
	// Both directions at once: every due step is planned, nothing else is.
	if diff := cmp.Diff(sortPlanned(want), sortPlanned(got)); diff != "" {
		t.Fatalf("on %s (catch-up %s, gap %d, per customer %v, grace %d) the plan differs from the model (-model +plan):\n%s\nmodel: %v\nplan:  %v",
			m.today, m.catchUp, m.gap, m.perCust, m.grace, diff, want, got)
	}
	// Each action is dated as the model dates its step.
	for _, g := range got {
		i := slices.IndexFunc(want, func(w planned) bool {
			return w.cust == g.cust && w.step == g.step && slices.Equal(w.invs, g.invs)
		})
		if i < 0 {
			t.Fatalf("action %v: invoices not in the model's order %v", g, want)
		}
		if !slices.Contains(want[i].sched, g.sched[0]) {
			t.Fatalf("action %v scheduled %s, model says one of %v", g, g.sched[0], want[i].sched)
		}
	}

	r := &dunning.Runner{Policy: m.pol, Store: m.st, Sender: m.sender, Clock: dunningtest.ClockAt(m.today), Owner: "sm"}
	rep, err := r.Execute(ctx, plan1)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Counts[dunning.StatusSent] != len(plan1) {
		t.Fatalf("sent %d of %d planned actions: %v", rep.Counts[dunning.StatusSent], len(plan1), rep.Counts)
	}
	for _, s := range m.sender.Sent() {
		if s.Attempts != 1 {
			t.Fatalf("key %s sent %d times", s.Key, s.Attempts)
		}
	}
	// The model's own record of what went out.
	for inv, s := range reached {
		inv.done, inv.last = s, m.today
	}
	for _, inv := range listed {
		inv.last = m.today // on today's notice, at no new step
	}
}

// Checks the model's table against the workflow under test once, so a
// changed DefaultWorkflow shows up here and not as a mysterious diff.
func checkCadence(t *testing.T, wf dunning.Workflow) {
	t.Helper()
	if len(wf.Steps) != len(modelCadence) {
		t.Fatalf("DefaultWorkflow has %d steps, the model's cadence %d", len(wf.Steps), len(modelCadence))
	}
	for i, s := range wf.Steps {
		c := modelCadence[i]
		anchor := schedule.Due
		if c.anchor == fromAgreement {
			anchor = schedule.Agreement
		}
		if s.At.Anchor != anchor || s.At.Days != c.days || s.Action != dunning.Email {
			t.Fatalf("step %d %s is %s %s, the model's cadence says %s%+d email", i, s.Name, s.At, s.Action, anchor, c.days)
		}
	}
}

func TestPlannerStateMachine(t *testing.T) {
	checkCadence(t, dunning.DefaultWorkflow("std"))
	rapid.Check(t, func(t *rapid.T) {
		wf := dunning.DefaultWorkflow("std")
		wf.CatchUp = rapid.SampledFrom([]dunning.CatchUp{dunning.Progressive, dunning.HighestOnly, dunning.SendAllMissed}).Draw(t, "catchup")
		wf.MinGapDays = rapid.IntRange(0, 6).Draw(t, "gap")
		wf.Grouping = rapid.SampledFrom([]dunning.Grouping{dunning.PerInvoice, dunning.PerCustomer}).Draw(t, "grouping")
		wf.Roll = schedule.Following
		pol := dunningtest.Policy(wf)
		pol.Calendar = schedule.MonToFri()
		start := modelMonday
		agr := dunningtest.Agreement("a1", "c1", start, "EUR")
		agr.GraceDays = rapid.IntRange(0, 3).Draw(t, "grace")
		m := &model{
			pol: pol, wf: wf, catchUp: wf.CatchUp, gap: wf.MinGapDays, perCust: wf.Grouping == dunning.PerCustomer,
			grace: agr.GraceDays, effective: start,
			st: memory.New(), sender: &dunningtest.Sender{}, today: start,
			pf:       dunning.Portfolio{Customers: []dunning.Customer{dunningtest.Customer("c1"), dunningtest.Customer("c2")}, Agreements: []dunning.Agreement{agr}},
			custHold: map[string]date.Date{},
		}
		n := 0
		pick := func(t *rapid.T) (*dunning.Invoice, *modelInv) {
			if len(m.pf.Invoices) == 0 {
				t.Skip("no invoice")
			}
			i := rapid.IntRange(0, len(m.pf.Invoices)-1).Draw(t, "inv")
			return &m.pf.Invoices[i], m.invs[i]
		}
		t.Repeat(map[string]func(*rapid.T){
			"issue": func(t *rapid.T) {
				n++
				issued := m.today - date.Date(rapid.IntRange(0, 60).Draw(t, "age"))
				due := issued + date.Date(rapid.IntRange(0, 45).Draw(t, "terms"))
				cust := rapid.SampledFrom([]string{"c1", "c2"}).Draw(t, "cust")
				inv := dunningtest.Invoice(fmt.Sprintf("i%d", n), cust, issued, due, "100.00", "EUR")
				inv.Amount = decimal.New(int64(rapid.IntRange(1, 500000).Draw(t, "cents")), -2)
				inv.AgreementID = "a1"
				m.pf.Invoices = append(m.pf.Invoices, inv)
				m.invs = append(m.invs, &modelInv{id: inv.ID, cust: cust, issued: issued, due: due, amount: inv.Amount, done: -1})
				m.run(t)
			},
			"advance": func(t *rapid.T) {
				m.today += date.Date(rapid.IntRange(1, 12).Draw(t, "days"))
				m.run(t)
			},
			"pay": func(t *rapid.T) {
				inv, mi := pick(t)
				open := mi.amount.Sub(mi.paid)
				if open.Sign() <= 0 {
					t.Skip("paid")
				}
				amt := open
				if rapid.Bool().Draw(t, "partial") {
					amt = open.Div(decimal.NewFromInt(2)).Truncate(2)
				}
				if amt.Sign() <= 0 {
					t.Skip("nothing to pay")
				}
				n++
				kind := rapid.SampledFrom([]dunning.EventKind{dunning.PaymentReceived, dunning.CreditApplied}).Draw(t, "kind")
				if err := inv.Apply(dunning.Event{ID: fmt.Sprintf("p%d", n), Kind: kind, Date: m.today, Amount: amt}); err != nil {
					t.Fatal(err)
				}
				mi.paid = mi.paid.Add(amt)
				m.run(t)
			},
			"release": func(t *rapid.T) {
				inv, mi := pick(t)
				if err := inv.Apply(dunning.Event{ID: m.eventID("r"), Kind: dunning.HoldReleased, Date: m.today}); err != nil {
					t.Fatal(err)
				}
				if mi.holdUntil != 0 {
					mi.holdUntil = m.today // a released hold ends the day it is released
				}
				m.run(t)
			},
			"customer-hold": func(t *rapid.T) {
				i := rapid.IntRange(0, len(m.pf.Customers)-1).Draw(t, "customer")
				until := m.today + date.Date(rapid.IntRange(0, 15).Draw(t, "for"))
				m.pf.Customers[i].Hold = &dunning.Hold{Since: m.today, Until: until, Reason: "test"}
				m.custHold[m.pf.Customers[i].ID] = until
				m.run(t)
			},
			"promise-ends": func(t *rapid.T) {
				inv, mi := pick(t)
				if !mi.hasPromise {
					t.Skip("no promise")
				}
				kind := rapid.SampledFrom([]dunning.EventKind{dunning.PromiseKeptEvent, dunning.PromiseBrokeEvent}).Draw(t, "kind")
				if err := inv.Apply(dunning.Event{ID: m.eventID("pe"), Kind: kind, Date: m.today}); err != nil {
					t.Fatal(err)
				}
				mi.promiseEnded = m.today
				m.run(t)
			},
			"dispute": func(t *rapid.T) {
				inv, mi := pick(t)
				kind := dunning.DisputeOpened
				if mi.disputed {
					kind = dunning.DisputeResolved
				}
				if err := inv.Apply(dunning.Event{ID: m.eventID("d"), Kind: kind, Date: m.today}); err != nil {
					t.Fatal(err)
				}
				mi.disputed = !mi.disputed
				m.run(t)
			},
			"hold": func(t *rapid.T) {
				inv, mi := pick(t)
				until := m.today + date.Date(rapid.IntRange(1, 20).Draw(t, "for"))
				if err := inv.Apply(dunning.Event{ID: m.eventID("h"), Kind: dunning.HoldPlaced, Date: m.today, Until: until, Reason: "test"}); err != nil {
					t.Fatal(err)
				}
				mi.holdUntil = until
				m.run(t)
			},
			"promise": func(t *rapid.T) {
				inv, mi := pick(t)
				payBy := m.today + date.Date(rapid.IntRange(0, 10).Draw(t, "payby"))
				if err := inv.Apply(dunning.Event{ID: m.eventID("pr"), Kind: dunning.PromiseMade, Date: m.today, Until: payBy, Amount: mi.amount}); err != nil {
					t.Fatal(err)
				}
				mi.hasPromise, mi.promiseMade, mi.promisePayBy, mi.promiseEnded = true, m.today, payBy, 0
				m.run(t)
			},
		})
	})
}
