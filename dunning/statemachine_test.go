package dunning_test

import (
	"context"
	"fmt"
	"slices"
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

// model is the plain model the planner and memory store are checked against:
// the invoices as the app holds them, the day, and what was sent.
type model struct {
	pol    *dunning.Policy
	wf     dunning.Workflow
	st     *memory.Store
	sender *dunningtest.Sender
	today  date.Date
	pf     dunning.Portfolio
	// sent[invoice] lists the step indexes each invoice reached, in order.
	sent map[string][]int
}

// isBusiness is the model's own Mon-Fri calendar.
func isBusiness(d date.Date) bool {
	wd := d.Weekday()
	return wd >= 1 && wd <= 5 // time.Monday..time.Friday
}

// stepDate is the model's independent computation: anchor + offset, plus
// grace after the due date, rolled forward to a Monday-Friday day.
func (m *model) stepDate(inv *dunning.Invoice, s dunning.Step) (date.Date, bool) {
	var base date.Date
	switch s.At.Anchor {
	case schedule.Due:
		base = inv.Due
	case schedule.Issue:
		base = inv.Issued
	default:
		base = m.pf.Agreements[0].Effective
	}
	n := base + date.Date(s.At.Days)
	if n > inv.Due {
		n += date.Date(m.pf.Agreements[0].GraceDays)
	}
	if n < inv.Issued {
		return 0, false
	}
	for !isBusiness(n) {
		n++
	}
	return n, true
}

func (m *model) inv(id string) *dunning.Invoice {
	for i := range m.pf.Invoices {
		if m.pf.Invoices[i].ID == id {
			return &m.pf.Invoices[i]
		}
	}
	return nil
}

// stopped reports whether the model says the invoice must not be dunned today.
func (m *model) stopped(inv *dunning.Invoice) bool {
	return inv.Open(m.today).Sign() <= 0 || inv.Dispute.OpenOn(m.today) || inv.Hold.ActiveOn(m.today) ||
		inv.PromiseOn(m.today) == dunning.PromisePending
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
	for _, a := range plan1 {
		if a.Problem != "" {
			t.Fatalf("%s: problem %s", a.Key, a.Problem)
		}
		if a.Scheduled > m.today {
			t.Fatalf("%s scheduled %s after today %s", a.Key, a.Scheduled, m.today)
		}
		for i, id := range a.InvoiceIDs {
			inv := m.inv(id)
			if m.stopped(inv) {
				t.Fatalf("%s: action for invoice %s that is paid, disputed, held or promised on %s", a.Key, id, m.today)
			}
			if a.Listed != nil && a.Listed[i] {
				// Listed on a per-customer notice without a step of its own:
				// it must be overdue.
				if inv.Due >= m.today {
					t.Fatalf("%s lists invoice %s due %s, not overdue on %s", a.Key, id, inv.Due, m.today)
				}
				continue
			}
			step := m.wf.Steps[a.Steps[i]]
			want, ok := m.stepDate(inv, step)
			if !ok || want > m.today {
				t.Fatalf("%s: invoice %s step %s falls on %s (applies %v), not due on %s", a.Key, id, step.Name, want, ok, m.today)
			}
			if len(a.InvoiceIDs) == 1 && a.Scheduled != want {
				t.Fatalf("%s: scheduled %s, model says %s", a.Key, a.Scheduled, want)
			}
		}
	}
	r := &dunning.Runner{Policy: m.pol, Store: m.st, Sender: m.sender, Clock: dunningtest.ClockAt(m.today), Owner: "sm"}
	if _, err := r.Execute(ctx, plan1); err != nil {
		t.Fatal(err)
	}
	for _, a := range plan1 {
		for i, id := range a.InvoiceIDs {
			if a.Listed == nil || !a.Listed[i] {
				m.sent[id] = append(m.sent[id], a.Steps[i])
			}
		}
	}
	for _, s := range m.sender.Sent() {
		if s.Attempts != 1 {
			t.Fatalf("key %s sent %d times", s.Key, s.Attempts)
		}
	}
	for id, steps := range m.sent {
		// No step twice, always forward.
		for i := 1; i < len(steps); i++ {
			if steps[i] <= steps[i-1] {
				t.Fatalf("invoice %s got steps %v: a step repeated or went back", id, steps)
			}
		}
		if m.wf.CatchUp == dunning.Progressive {
			// Never skip a dunning level (a step after the due date that
			// applies to the invoice).
			inv := m.inv(id)
			var levels []int
			for j, s := range m.wf.Steps {
				// A level is a step whose nominal date (before rolling)
				// is after the due date.
				if d, ok := m.stepDate(inv, s); ok && s.At.Anchor == schedule.Due && s.At.Days > 0 {
					_ = d
					levels = append(levels, j)
				}
			}
			var got []int
			for _, s := range steps {
				if slices.Contains(levels, s) {
					got = append(got, s)
				}
			}
			if len(got) > 0 && !slices.Equal(got, levels[:len(got)]) {
				t.Fatalf("invoice %s: levels sent %v, want a prefix of %v", id, got, levels)
			}
		}
	}
}

func TestPlannerStateMachine(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		wf := dunning.DefaultWorkflow("std")
		wf.CatchUp = rapid.SampledFrom([]dunning.CatchUp{dunning.Progressive, dunning.HighestOnly, dunning.SendAllMissed}).Draw(t, "catchup")
		wf.MinGapDays = rapid.IntRange(0, 6).Draw(t, "gap")
		wf.Grouping = rapid.SampledFrom([]dunning.Grouping{dunning.PerInvoice, dunning.PerCustomer}).Draw(t, "grouping")
		wf.Roll = schedule.Following
		pol := dunningtest.Policy(wf)
		pol.Calendar = schedule.MonToFri()
		start := day("2026-01-05")
		agr := dunningtest.Agreement("a1", "c1", start, "EUR")
		agr.GraceDays = rapid.IntRange(0, 3).Draw(t, "grace")
		m := &model{
			pol: pol, wf: wf, st: memory.New(), sender: &dunningtest.Sender{}, today: start,
			pf:   dunning.Portfolio{Customers: []dunning.Customer{dunningtest.Customer("c1"), dunningtest.Customer("c2")}, Agreements: []dunning.Agreement{agr}},
			sent: map[string][]int{},
		}
		n := 0
		t.Repeat(map[string]func(*rapid.T){
			"issue": func(t *rapid.T) {
				n++
				issued := m.today - date.Date(rapid.IntRange(0, 60).Draw(t, "age"))
				inv := dunningtest.Invoice(fmt.Sprintf("i%d", n), rapid.SampledFrom([]string{"c1", "c2"}).Draw(t, "cust"), issued, issued+date.Date(rapid.IntRange(0, 45).Draw(t, "terms")), "100.00", "EUR")
				inv.Amount = decimal.New(int64(rapid.IntRange(1, 500000).Draw(t, "cents")), -2)
				inv.AgreementID = "a1"
				m.pf.Invoices = append(m.pf.Invoices, inv)
				m.run(t)
			},
			"advance": func(t *rapid.T) {
				m.today += date.Date(rapid.IntRange(1, 12).Draw(t, "days"))
				m.run(t)
			},
			"pay": func(t *rapid.T) {
				if len(m.pf.Invoices) == 0 {
					t.Skip("no invoice")
				}
				inv := &m.pf.Invoices[rapid.IntRange(0, len(m.pf.Invoices)-1).Draw(t, "inv")]
				open := inv.Open(m.today)
				if open.Sign() <= 0 {
					t.Skip("paid")
				}
				amt := open
				if rapid.Bool().Draw(t, "partial") {
					amt = open.Div(decimal.NewFromInt(2)).Round(2)
				}
				if amt.Sign() <= 0 {
					t.Skip("nothing to pay")
				}
				if err := inv.Apply(dunning.Event{ID: fmt.Sprintf("p%d", n), Kind: dunning.PaymentReceived, Date: m.today, Amount: amt}); err != nil {
					t.Fatal(err)
				}
				m.run(t)
			},
			"dispute": func(t *rapid.T) {
				if len(m.pf.Invoices) == 0 {
					t.Skip("no invoice")
				}
				inv := &m.pf.Invoices[rapid.IntRange(0, len(m.pf.Invoices)-1).Draw(t, "inv")]
				kind := dunning.DisputeOpened
				if inv.Dispute.OpenOn(m.today) {
					kind = dunning.DisputeResolved
				}
				if err := inv.Apply(dunning.Event{ID: "d", Kind: kind, Date: m.today}); err != nil {
					t.Fatal(err)
				}
				m.run(t)
			},
			"hold": func(t *rapid.T) {
				if len(m.pf.Invoices) == 0 {
					t.Skip("no invoice")
				}
				inv := &m.pf.Invoices[rapid.IntRange(0, len(m.pf.Invoices)-1).Draw(t, "inv")]
				until := m.today + date.Date(rapid.IntRange(1, 20).Draw(t, "for"))
				if err := inv.Apply(dunning.Event{ID: "h", Kind: dunning.HoldPlaced, Date: m.today, Until: until, Reason: "test"}); err != nil {
					t.Fatal(err)
				}
				m.run(t)
			},
			"promise": func(t *rapid.T) {
				if len(m.pf.Invoices) == 0 {
					t.Skip("no invoice")
				}
				inv := &m.pf.Invoices[rapid.IntRange(0, len(m.pf.Invoices)-1).Draw(t, "inv")]
				if err := inv.Apply(dunning.Event{ID: "pr", Kind: dunning.PromiseMade, Date: m.today, Until: m.today + date.Date(rapid.IntRange(0, 10).Draw(t, "payby")), Amount: inv.Amount}); err != nil {
					t.Fatal(err)
				}
				m.run(t)
			},
		})
	})
}
