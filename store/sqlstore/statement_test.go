package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/overduehq/overdue/schedule"
)

// A statement step run twice on its day against PostgreSQL: sent once,
// recorded once as a statement with its closing balance, and the invoice's
// progress past the step read back. i1 (EUR 500.00 due 03-31, 200.00 paid
// 04-05) reaches the statement step (due+10) on 04-10 and stands at its
// reminder (step 0) already: the statement's closing balance is 500.00 -
// 200.00 = 300.00.
func TestStatementStepRecorded(t *testing.T) {
	ctx := context.Background()
	st := newStore(t, openDB(t))
	pol := dunningtest.Policy(dunning.Workflow{Name: "standard", Steps: []dunning.Step{
		{Name: "reminder", At: schedule.Offset{Anchor: schedule.Due}, Action: dunning.Email},
		{Name: "statement", At: schedule.Offset{Anchor: schedule.Due, Days: 10}, Action: dunning.SendStatement},
	}})
	inv := dunningtest.Invoice("i1", "c1", dunningtest.Day("2026-03-01"), dunningtest.Day("2026-03-31"), "500.00", "EUR")
	inv.Payments = []dunning.Payment{{Date: dunningtest.Day("2026-04-05"), Amount: dunningtest.Amount("200.00"), Ref: "BANK-7"}}
	pf := dunning.Portfolio{Customers: []dunning.Customer{dunningtest.Customer("c1")}, Invoices: []dunning.Invoice{inv}}
	c, _ := st.Claim(ctx, dunning.ClaimParams{Key: "inv/c1/i1/standard/reminder/c0", Owner: "t", Lease: time.Minute})
	rem := dunning.Record{Key: c.Key, CustomerID: "c1", InvoiceIDs: []string{"i1"}, Cycles: []int{0}, Workflow: "standard", Step: "reminder",
		Kind: dunning.Email, Date: dunningtest.Day("2026-03-31"), Outcome: dunning.Sent, Currency: "EUR"}
	if err := st.Complete(ctx, c, rem); err != nil {
		t.Fatal(err)
	}
	snd := &dunningtest.Sender{}
	for range 2 {
		r := &dunning.Runner{Policy: pol, Store: st, Sender: snd, Clock: dunningtest.ClockAt(dunningtest.Day("2026-04-10")), Owner: "t"}
		acts, err := r.Plan(ctx, pf)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.Execute(ctx, acts); err != nil {
			t.Fatal(err)
		}
	}
	if s := snd.Sent(); len(s) != 1 || s[0].Key != "inv/c1/i1/standard/statement/c0" || s[0].Attempts != 1 || s[0].Notice.Statement == nil {
		t.Fatalf("sent %+v, want the statement once", s)
	}
	recs, err := st.Records(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || recs[1].Kind != dunning.SendStatement || !recs[1].Amount.Equal(dunningtest.Amount("300")) || recs[1].Step != "statement" {
		t.Fatalf("records %+v", recs)
	}
	h, _ := st.History(ctx)
	if p, _ := h.Progress("i1"); p.Step != 1 || p.Last != dunningtest.Day("2026-03-31") {
		t.Errorf("progress %+v, want step 1, last notice 03-31", p)
	}
}
