package dunning_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/overduehq/overdue/store/memory"
	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
)

// wantFieldError fails unless err is a *FieldError (wrapping ErrInvalid)
// whose field ends in field and whose value is value.
func wantFieldError(t *testing.T, what string, err error, field, value string) {
	t.Helper()
	var fe *dunning.FieldError
	if !errors.As(err, &fe) || !errors.Is(err, dunning.ErrInvalid) {
		t.Errorf("%s: err = %v, want a *FieldError for %s", what, err, field)
		return
	}
	if !strings.HasSuffix(fe.Field, field) || fe.Value != value {
		t.Errorf("%s: refused %s = %q, want %s = %q", what, fe.Field, fe.Value, field, value)
	}
}

// An invoice's cycle above math.MaxInt32 is refused: the SQL store keeps
// it in an integer column and could not record the action's notice
// after sending it.
func TestInvoiceCycleBeyondInt32Refused(t *testing.T) {
	inv := dunningtest.Invoice("i1", "c1", dunningtest.Day("2026-03-02"), dunningtest.Day("2026-03-31"), "120.00", "EUR")
	inv.Cycle = 1<<31 - 1
	if err := inv.Validate(); err != nil {
		t.Fatalf("cycle MaxInt32: %v", err)
	}
	inv.Cycle = 1 << 31
	wantFieldError(t, "cycle 2^31", inv.Validate(), "invoice[i1].cycle", "2147483648")
}

var year10000 = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)

// Every field a store keeps is checked against what every store can keep:
// text (UTF-8, no NUL, a length), numbers in integer columns, times JSON
// and PostgreSQL keep, days in date columns.
func TestChecksCoverEveryStoredField(t *testing.T) {
	okRec := func() dunning.Record {
		return dunning.Record{Key: "k", CustomerID: "c1", InvoiceIDs: []string{"i1", "i2"}, Cycles: []int{0, 0},
			Workflow: "standard", Step: "s1", StepIndex: 1, Steps: []int{1, 1}, Kind: dunning.Email, Date: date.New(2026, 4, 14),
			Outcome: dunning.Sent, Currency: "EUR", Amount: decimal.NewFromInt(100), FeesByInvoice: []decimal.Decimal{decimal.NewFromInt(5), decimal.Zero},
			At: time.Date(2026, 4, 14, 9, 0, 0, 0, time.UTC)}
	}
	if err := dunning.CheckRecord(okRec()); err != nil {
		t.Fatalf("a good record: %v", err)
	}
	east := time.FixedZone("far east", 24*3600)
	for _, c := range []struct {
		field, value string
		f            func(*dunning.Record)
	}{
		{"variant", "reminder-b\x00", func(r *dunning.Record) { r.Variant = "reminder-b\x00" }},
		{"variant", "b\xff", func(r *dunning.Record) { r.Variant = "b\xff" }},
		{"cycles[1]", "2147483648", func(r *dunning.Record) { r.Cycles[1] = 1 << 31 }},
		{"step_index", "-2147483649", func(r *dunning.Record) { r.StepIndex = -1<<31 - 1 }},
		{"steps[0]", "4294967296", func(r *dunning.Record) { r.Steps[0] = 1 << 32 }},
		{"attempts", "2147483648", func(r *dunning.Record) { r.Attempts = 1 << 31 }},
		{"fees_by_invoice[1]", "1e20", func(r *dunning.Record) { r.FeesByInvoice[1] = decimal.New(1, 20) }},
		{"date", "+10000-01-01", func(r *dunning.Record) { r.Date = date.New(10000, 1, 1) }},
		{"at", "10000-01-01T00:00:00Z", func(r *dunning.Record) { r.At = year10000 }},
		{"at", "0000-12-31T23:00:00Z", func(r *dunning.Record) { r.At = time.Date(0, 12, 31, 23, 0, 0, 0, time.UTC) }},
		{"at", "2026-04-14T09:00:00+24:00", func(r *dunning.Record) { r.At = time.Date(2026, 4, 14, 9, 0, 0, 0, east) }},
	} {
		r := okRec()
		c.f(&r)
		wantFieldError(t, "CheckRecord with a bad "+c.field, dunning.CheckRecord(r), "record[k]."+c.field, c.value)
	}
	// A planned action is checked as its record will be, step index
	// included.
	pe := dunning.Pending{Key: "k", CustomerID: "c1", InvoiceIDs: []string{"i1"}, Cycles: []int{1 << 31}}
	wantFieldError(t, "CheckPending with cycle 2^31", dunning.CheckPending(pe), "record[k].cycles[0]", "2147483648")
	pe = dunning.Pending{Key: "k", CustomerID: "c1", InvoiceIDs: []string{"i1"}, StepIndex: 1 << 31}
	wantFieldError(t, "CheckPending with step index 2^31", dunning.CheckPending(pe), "record[k].step_index", "2147483648")

	ev := dunning.Event{ID: "e1", Kind: dunning.PaymentReceived, InvoiceID: "i1", Date: date.New(2026, 4, 14), Amount: decimal.NewFromInt(10)}
	if err := dunning.CheckEvent(ev); err != nil {
		t.Fatalf("an event without At: %v", err)
	}
	ev.At = year10000
	wantFieldError(t, "CheckEvent at year 10000", dunning.CheckEvent(ev), "event.at", "10000-01-01T00:00:00Z")

	task := dunning.CollectorTask{ID: "t1", CustomerID: "c1", InvoiceIDs: []string{"i1"}, Title: "call", Status: dunning.TaskCancelled,
		Notes: []dunning.TaskNote{{Author: "anna", Text: "no time given"}}}
	if err := dunning.CheckTask(task); err != nil {
		t.Fatalf("a good task: %v", err)
	}
	task.CancelReason = "paid\x00"
	wantFieldError(t, "CheckTask with a NUL in its cancel reason", dunning.CheckTask(task), "task[t1].cancel_reason", "paid\x00")
	task.CancelReason = ""
	task.Notes = append(task.Notes, dunning.TaskNote{At: year10000, Author: "anna", Text: "later"})
	wantFieldError(t, "CheckTask with a note at year 10000", dunning.CheckTask(task), "task[t1].notes[1].at", "10000-01-01T00:00:00Z")

	in := dunning.Interaction{ID: "n1", CustomerID: "c1", Kind: dunning.Note, Date: date.New(2026, 4, 14), At: year10000}
	wantFieldError(t, "CheckInteraction at year 10000", dunning.CheckInteraction(in), "interaction.at", "10000-01-01T00:00:00Z")
	in.At, in.Date = time.Time{}, date.New(10000, 1, 1)
	wantFieldError(t, "CheckInteraction on day 10000-01-01", dunning.CheckInteraction(in), "interaction.date", "+10000-01-01")

	rv := dunning.Review{CustomerID: "c1", Key: "k", Decision: dunning.Approve, By: "anna", At: year10000}
	wantFieldError(t, "CheckReview at year 10000", dunning.CheckReview(rv), "review.at", "10000-01-01T00:00:00Z")
}

// The ledger filters compare times to the microsecond, truncated, and an
// event without At counts as earlier than any time.
func TestFilterMatchToTheMicrosecond(t *testing.T) {
	midnight := time.Date(2026, 4, 15, 0, 0, 0, 0, time.UTC)
	late := midnight.Add(-400 * time.Nanosecond)
	if !(dunning.RecordFilter{From: midnight.Add(-300 * time.Nanosecond)}).Match(dunning.Record{At: late}) {
		t.Error("a record 400ns before midnight is not from 300ns before it, to the microsecond")
	}
	if (dunning.RecordFilter{To: midnight.Add(-300 * time.Nanosecond)}).Match(dunning.Record{At: late}) {
		t.Error("a record 400ns before midnight is before 300ns before it, to the microsecond")
	}
	if (dunning.EventFilter{To: midnight.Add(-300 * time.Nanosecond)}).Match(dunning.Event{At: late}) {
		t.Error("an event 400ns before midnight is before 300ns before it, to the microsecond")
	}
	if !(dunning.EventFilter{To: midnight}).Match(dunning.Event{}) || (dunning.EventFilter{From: midnight}).Match(dunning.Event{}) {
		t.Error("an event without At is not earlier than any time")
	}
}

// An action whose cycle the SQL store cannot keep, however it was built,
// is a problem before its claim: never claimed, never sent.
func TestExecuteRefusesUnstorableCycleBeforeClaim(t *testing.T) {
	ctx := context.Background()
	pf := dunning.Portfolio{Customers: []dunning.Customer{dunningtest.Customer("c1")},
		Invoices: []dunning.Invoice{dunningtest.Invoice("i1", "c1", dunningtest.Day("2026-03-02"), dunningtest.Day("2026-03-31"), "120.00", "EUR")}}
	st := memory.New()
	snd := &dunningtest.Sender{}
	r := &dunning.Runner{Policy: dunningtest.Policy(dunning.DefaultWorkflow("standard")), Store: st, Sender: snd,
		Clock: dunningtest.ClockAt(dunningtest.Day("2026-04-14")), Owner: "r"}
	acts, err := r.Plan(ctx, pf)
	if err != nil || len(acts) != 1 {
		t.Fatalf("plan: %d actions, %v", len(acts), err)
	}
	acts[0].Cycles = []int{1 << 31}
	rep, err := r.Execute(ctx, acts)
	if err != nil {
		t.Fatal(err)
	}
	if res := rep.Results[0]; res.Status != dunning.StatusProblem || !strings.Contains(res.Error, `cycles[0]: "2147483648"`) {
		t.Errorf("result %+v, want a problem naming cycles[0]", res)
	}
	if n := len(snd.Sent()); n != 0 {
		t.Errorf("%d notices sent, want none", n)
	}
	if states, _ := st.States(ctx, []string{acts[0].Key}); len(states) != 0 {
		t.Errorf("the action was claimed: %v", states)
	}
}
