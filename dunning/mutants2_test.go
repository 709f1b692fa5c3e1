package dunning_test

// Tests for operator mutants that survived the rest of the suite (a
// second sampling over wake.go, paymentplan.go, blocking.go, balance.go,
// dates.go and contacts.go). Each expected value is worked out by hand
// from the godoc's rules.

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/overduehq/overdue/schedule"
	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
)

// mutantWakeWorkflow is a two-step workflow: a notice on the due date and
// one 14 days after it; a broken promise escalates at once.
func mutantWakeWorkflow() dunning.Workflow {
	return dunning.Workflow{Name: "w", CatchUp: dunning.Progressive, OnBrokenPromise: dunning.EscalateOnBroken, Steps: []dunning.Step{
		{Name: "due", At: schedule.Offset{Anchor: schedule.Due}, Action: dunning.Email},
		{Name: "late", At: schedule.Offset{Anchor: schedule.Due, Days: 14}, Action: dunning.Email},
	}}
}

// Wake gives the first day on or after asOf on which Plan may act: a
// blocked invoice wakes on the day the block ends, not on asOf, and an
// invoice nothing can unblock is missing. Each date below follows from the
// godoc and the dates alone: a hold is active from Since up to the day
// before Until; an invoice written off on a day is written off that day; a
// paid invoice gets no step; progress with Step -1 has no step done, so
// the first step's date is the wake day; a hold step reached stops it.
func TestMutant2WakeExactDays(t *testing.T) {
	pol := dunningtest.Policy(mutantWakeWorkflow())
	asOf := dunningtest.Day("2026-03-01")
	iss := dunningtest.Day("2026-02-01")
	for _, tc := range []struct {
		name string
		due  date.Date
		edit func(*dunning.Invoice, dunning.HistoryMap)
		want date.Date // 0: missing from the map
	}{
		// Due 2026-03-10: the "due" step is the first action.
		{"first step ahead", dunningtest.Day("2026-03-10"), func(*dunning.Invoice, dunning.HistoryMap) {}, dunningtest.Day("2026-03-10")},
		{"progress with no step done", dunningtest.Day("2026-03-10"), func(inv *dunning.Invoice, h dunning.HistoryMap) {
			h[inv.ID] = dunning.Progress{InvoiceID: inv.ID, Workflow: "w", Step: -1}
		}, dunningtest.Day("2026-03-10")},
		// Due 2026-02-20: "due" is passed and not done, but the invoice is
		// paid in full on 2026-02-25: nothing is ever due again.
		{"paid in full", dunningtest.Day("2026-02-20"), func(inv *dunning.Invoice, _ dunning.HistoryMap) {
			inv.Payments = []dunning.Payment{{Date: dunningtest.Day("2026-02-25"), Amount: dunningtest.Amount("100.00")}}
		}, 0},
		// Written off on asOf itself: written off from that day on.
		{"written off today", dunningtest.Day("2026-02-20"), func(inv *dunning.Invoice, _ dunning.HistoryMap) {
			inv.WrittenOff = asOf
		}, 0},
		// On hold from asOf until 2026-03-20: active up to 03-19, so dunning
		// may act again on 03-20 (the "due" step is still not done).
		{"hold from today", dunningtest.Day("2026-02-20"), func(inv *dunning.Invoice, _ dunning.HistoryMap) {
			inv.Hold = &dunning.Hold{Since: asOf, Until: dunningtest.Day("2026-03-20"), Reason: "query"}
		}, dunningtest.Day("2026-03-20")},
		// A hold step was reached (Progress.Held): Plan stops the invoice
		// until an event changes it, though "late" (2026-03-06) is ahead.
		{"held by a hold step", dunningtest.Day("2026-02-20"), func(inv *dunning.Invoice, h dunning.HistoryMap) {
			h[inv.ID] = dunning.Progress{InvoiceID: inv.ID, Workflow: "w", Step: 0, Held: true}
		}, 0},
		// Due 2026-02-01, both steps done (the last on 2026-02-15), then a
		// promise made 02-16 to pay by 02-20 broken from 02-21: the break
		// would escalate to the next step, but there is none.
		{"broken promise, no step left", iss, func(inv *dunning.Invoice, h dunning.HistoryMap) {
			inv.Promise = &dunning.Promise{Made: dunningtest.Day("2026-02-16"), PayBy: dunningtest.Day("2026-02-20"), Amount: dunningtest.Amount("100.00")}
			h[inv.ID] = dunning.Progress{InvoiceID: inv.ID, Workflow: "w", Step: 1}
		}, 0},
	} {
		inv := dunningtest.Invoice("i1", "c1", iss, tc.due, "100.00", "EUR")
		h := dunning.HistoryMap{}
		tc.edit(&inv, h)
		pf := dunning.Portfolio{Customers: []dunning.Customer{dunningtest.Customer("c1")}, Invoices: []dunning.Invoice{inv}, History: h}
		w, err := dunning.Wake(asOf, pol, pf)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		got, ok := w["i1"]
		switch {
		case tc.want == 0 && ok:
			t.Errorf("%s: Wake(%s)[i1] = %s, want no date", tc.name, asOf, got)
		case tc.want != 0 && got != tc.want:
			t.Errorf("%s: Wake(%s)[i1] = %s (present %v), want %s", tc.name, asOf, got, ok, tc.want)
		}
	}
}

// A promise is there from the day it was made: on Made it is pending
// (dunning waits), the day before there is none.
func TestMutant2PromisePendingOnItsDay(t *testing.T) {
	made := dunningtest.Day("2026-03-01")
	inv := dunningtest.Invoice("i1", "c1", made-30, made-1, "100.00", "EUR")
	inv.Promise = &dunning.Promise{Made: made, PayBy: made + 10, Amount: dunningtest.Amount("100.00")}
	if got := inv.PromiseOn(made - 1); got != dunning.NoPromise {
		t.Errorf("PromiseOn(%s) = %s, want none", made-1, got)
	}
	if got := inv.PromiseOn(made); got != dunning.PromisePending {
		t.Errorf("PromiseOn(%s) = %s, want pending", made, got)
	}
}

// A promise paid in full by its PayBy is not broken by its date: a Broken
// event later starts the break on the event's day (brokenFrom), so under
// EscalateOnBroken the next step goes out at once on that day even though
// a step was done after the PayBy.
//
// Due 2026-01-31, steps on 01-31 ("due"), 02-14 ("late") and 03-17
// ("final", due + 45). Promise made 02-01 to pay EUR 100.00 by 02-10, paid
// on 02-10; "late" done on 02-14; the customer's Broken event on 02-20.
// The break starts 02-20, after every step done: "final" goes out on
// 02-20, not on 03-17.
func TestMutant2BrokenEventAfterPromisePaid(t *testing.T) {
	wf := mutantWakeWorkflow()
	wf.Steps = append(wf.Steps, dunning.Step{Name: "final", At: schedule.Offset{Anchor: schedule.Due, Days: 45}, Action: dunning.Email})
	pol := dunningtest.Policy(wf)
	inv := dunningtest.Invoice("i1", "c1", dunningtest.Day("2026-01-01"), dunningtest.Day("2026-01-31"), "200.00", "EUR")
	inv.Promise = &dunning.Promise{Made: dunningtest.Day("2026-02-01"), PayBy: dunningtest.Day("2026-02-10"), Amount: dunningtest.Amount("100.00"),
		Broken: dunningtest.Day("2026-02-20")}
	inv.Payments = []dunning.Payment{{Date: dunningtest.Day("2026-02-10"), Amount: dunningtest.Amount("100.00")}}
	late := dunningtest.Day("2026-02-14")
	h := dunning.HistoryMap{"i1": {InvoiceID: "i1", Workflow: "w", Step: 1, Last: late, StepOn: late}}
	pf := dunning.Portfolio{Customers: []dunning.Customer{dunningtest.Customer("c1")}, Invoices: []dunning.Invoice{inv}, History: h}
	if got := inv.PromiseOn(dunningtest.Day("2026-02-19")); got != dunning.PromiseKept {
		t.Errorf("PromiseOn(2026-02-19) = %s, want kept (paid in full by its day)", got)
	}
	dunningtest.ExpectStep(t, pol, pf, "i1", dunningtest.Day("2026-02-20"), "final")
}

// A payment plan broken by its date and then by a Broken event is broken
// once, from its first missed part's day: the escalation done then is the
// break's step, and the event later sends nothing more.
//
// Due 2026-01-31, steps 01-31 ("due"), 02-14 ("late"), 03-17 ("final").
// Plan made 02-01: EUR 50.00 by 02-05 and EUR 50.00 by 02-20, nothing
// paid: broken from 02-06, when "late" went out at once (escalation). The
// second part missed too and the Broken event on 02-25 are the same
// break: no step on 02-25 ("final" keeps its date).
func TestMutant2PlanBrokenOnceFromFirstMissedPart(t *testing.T) {
	wf := mutantWakeWorkflow()
	wf.Steps = append(wf.Steps, dunning.Step{Name: "final", At: schedule.Offset{Anchor: schedule.Due, Days: 45}, Action: dunning.Email})
	pol := dunningtest.Policy(wf)
	inv := dunningtest.Invoice("i1", "c1", dunningtest.Day("2026-01-01"), dunningtest.Day("2026-01-31"), "200.00", "EUR")
	inv.Promise = &dunning.Promise{Made: dunningtest.Day("2026-02-01"), PayBy: dunningtest.Day("2026-02-20"), Amount: dunningtest.Amount("100.00"),
		Broken: dunningtest.Day("2026-02-25"), Parts: []dunning.PromisePart{
			{PayBy: dunningtest.Day("2026-02-05"), Amount: dunningtest.Amount("50.00")},
			{PayBy: dunningtest.Day("2026-02-20"), Amount: dunningtest.Amount("50.00")},
		}}
	esc := dunningtest.Day("2026-02-06")
	h := dunning.HistoryMap{"i1": {InvoiceID: "i1", Workflow: "w", Step: 1, Last: esc, StepOn: esc}}
	pf := dunning.Portfolio{Customers: []dunning.Customer{dunningtest.Customer("c1")}, Invoices: []dunning.Invoice{inv}, History: h}
	dunningtest.ExpectNothing(t, pol, pf, dunningtest.Day("2026-02-25"))
}

// Progress kept before StepOn existed has it zero: the step done dated on
// or after the break's first day is then the break's step, the day itself
// included.
//
// Due 2026-01-31, steps 01-31 ("due"), 02-14 ("late"), 03-17 ("final").
// Promise made 02-01 to pay EUR 100.00 by 02-13, unpaid: broken from
// 02-14. "late" (dated 02-14) is done, StepOn is zero and the last notice
// that reached the customer was "due" (01-31): "late" is the break's
// step, so nothing escalates on 02-20.
func TestMutant2LegacyProgressStepOnBreakDay(t *testing.T) {
	wf := mutantWakeWorkflow()
	wf.Steps = append(wf.Steps, dunning.Step{Name: "final", At: schedule.Offset{Anchor: schedule.Due, Days: 45}, Action: dunning.Email})
	pol := dunningtest.Policy(wf)
	inv := dunningtest.Invoice("i1", "c1", dunningtest.Day("2026-01-01"), dunningtest.Day("2026-01-31"), "200.00", "EUR")
	inv.Promise = &dunning.Promise{Made: dunningtest.Day("2026-02-01"), PayBy: dunningtest.Day("2026-02-13"), Amount: dunningtest.Amount("100.00")}
	h := dunning.HistoryMap{"i1": {InvoiceID: "i1", Workflow: "w", Step: 1, Last: dunningtest.Day("2026-01-31")}}
	pf := dunning.Portfolio{Customers: []dunning.Customer{dunningtest.Customer("c1")}, Invoices: []dunning.Invoice{inv}, History: h}
	dunningtest.ExpectNothing(t, pol, pf, dunningtest.Day("2026-02-20"))
}

// A plan's part may fall on the day the plan was made (validatePlan: "on
// or after the day the plan was made"); a part the day before is refused,
// naming the part's field.
func TestMutant2PlanPartOnItsDay(t *testing.T) {
	made := dunningtest.Day("2026-03-01")
	mk := func(first date.Date) dunning.Invoice {
		inv := dunningtest.Invoice("i1", "c1", dunningtest.Day("2026-01-01"), dunningtest.Day("2026-01-31"), "100.00", "EUR")
		inv.Promise = &dunning.Promise{Made: made, PayBy: made + 9, Amount: dunningtest.Amount("100.00"), Parts: []dunning.PromisePart{
			{PayBy: first, Amount: dunningtest.Amount("40.00")},
			{PayBy: made + 9, Amount: dunningtest.Amount("60.00")},
		}}
		return inv
	}
	inv := mk(made)
	if err := inv.Validate(); err != nil {
		t.Errorf("a first part on the plan's day: %v", err)
	}
	inv = mk(made - 1)
	err := inv.Validate()
	var fe *dunning.FieldError
	if !errors.As(err, &fe) || !strings.Contains(fe.Field, "promise.parts[0].pay_by") || fe.Value != "2026-02-28" {
		t.Errorf("a first part the day before the plan: %v, want a FieldError on promise.parts[0].pay_by, value 2026-02-28", err)
	}
}

// Blocked is true for a state restricting anything: any one flag.
func TestMutant2BlockedAnyFlag(t *testing.T) {
	for _, tc := range []struct {
		s    dunning.BlockingState
		want bool
	}{
		{dunning.BlockingState{Name: "none"}, false},
		{dunning.BlockingState{Name: "changes", BlockChanges: true}, true},
		{dunning.BlockingState{Name: "orders", BlockNewOrders: true}, true},
		{dunning.BlockingState{Name: "off", DisableEntitlements: true}, true},
		{dunning.CreditHold, true},
		{dunning.Suspended, true},
	} {
		if got := tc.s.Blocked(); got != tc.want {
			t.Errorf("%+v.Blocked() = %v, want %v", tc.s, got, tc.want)
		}
	}
}

// A workflow cannot redefine a built-in state: a state named "active" or
// "cancelled" is refused, naming the state's field and value.
func TestMutant2WorkflowCannotRedefineBuiltinStates(t *testing.T) {
	for _, name := range []string{"active", "cancelled"} {
		wf := mutantWakeWorkflow()
		wf.States = []dunning.BlockingState{{Name: name, BlockNewOrders: true}}
		pol := &dunning.Policy{Workflows: []dunning.Workflow{wf}, Creditor: dunningtest.Creditor(), Payment: dunning.PaymentInstructions{
			Text: "Please transfer the amount due, quoting the invoice number.", IBAN: "GB33BUKB20201555555555",
		}}
		err := pol.Validate()
		var fe *dunning.FieldError
		if !errors.As(err, &fe) || !strings.HasSuffix(fe.Field, "states[0].name") || fe.Value != name {
			t.Errorf("a workflow state named %q: %v, want a FieldError on states[0].name", name, err)
		}
	}
}

// A Resume record lifts a block set on the same day (Advance: a Suspend
// record sets Progress.Block, a Resume record clears it); one dated before
// the block was set does not.
func TestMutant2ResumeSameDayLiftsBlock(t *testing.T) {
	d := dunningtest.Day("2026-03-10")
	for _, tc := range []struct {
		resume date.Date
		lifted bool
	}{{d, true}, {d + 1, true}, {d - 1, false}} {
		p := dunning.Progress{InvoiceID: "i1", Workflow: "w", Step: -1}
		dunning.Advance(&p, dunning.Record{Key: "k/suspend", CustomerID: "c1", InvoiceIDs: []string{"i1"}, Workflow: "w", Step: "suspend", StepIndex: 0,
			Kind: dunning.Suspend, Date: d, Outcome: dunning.Sent}, 0)
		if p.Block == nil || p.Block.Since != d {
			t.Fatalf("after the suspend record: block %+v, want one since %s", p.Block, d)
		}
		dunning.Advance(&p, dunning.Record{Key: "resume/k/suspend", CustomerID: "c1", InvoiceIDs: []string{"i1"}, Workflow: "w", Step: "suspend", StepIndex: -1,
			Kind: dunning.Resume, Date: tc.resume, Outcome: dunning.Sent}, 0)
		if got := p.Block == nil; got != tc.lifted {
			t.Errorf("resume dated %s after a block since %s: lifted %v, want %v", tc.resume, d, got, tc.lifted)
		}
	}
}

// AccountStates names the state of the Suspend step that set the block,
// the workflow's first step too: a credit hold (no changes, no new orders,
// the service running), not a suspension.
func TestMutant2AccountStateFromFirstStep(t *testing.T) {
	wf := dunning.Workflow{Name: "w", CatchUp: dunning.Progressive, Steps: []dunning.Step{
		{Name: "hold-orders", At: schedule.Offset{Anchor: schedule.Due, Days: 1}, Action: dunning.Suspend, State: "credit-hold"},
		{Name: "late", At: schedule.Offset{Anchor: schedule.Due, Days: 14}, Action: dunning.Email},
	}}
	pol := dunningtest.Policy(wf)
	since := dunningtest.Day("2026-02-01")
	inv := dunningtest.Invoice("i1", "c1", dunningtest.Day("2026-01-01"), dunningtest.Day("2026-01-31"), "100.00", "EUR")
	h := dunning.HistoryMap{"i1": {InvoiceID: "i1", Workflow: "w", Step: 0, StepOn: since, Block: &dunning.Block{Key: "k1", Step: "hold-orders", Since: since}}}
	pf := dunning.Portfolio{Customers: []dunning.Customer{dunningtest.Customer("c1")}, Invoices: []dunning.Invoice{inv}, History: h}
	sts, err := dunning.AccountStates(dunningtest.Day("2026-02-05"), pol, pf)
	if err != nil {
		t.Fatal(err)
	}
	want := dunning.BlockingState{Name: "credit-hold", BlockChanges: true, BlockNewOrders: true}
	if len(sts) != 1 || sts[0].State != want || sts[0].Since != since {
		t.Errorf("AccountStates = %+v, want state %+v since %s", sts, want, since)
	}
}

// An account under several blocks has the state of the most restrictive
// one (most flags) with the flags of every block: a credit hold (changes,
// new orders) and a custom state that only switches the service off give
// "credit-hold" with all three flags, since the credit hold's day.
func TestMutant2AccountStateUnitesFlags(t *testing.T) {
	wf := dunning.Workflow{Name: "w", CatchUp: dunning.Progressive,
		States: []dunning.BlockingState{{Name: "no-service", DisableEntitlements: true}},
		Steps: []dunning.Step{
			{Name: "hold-orders", At: schedule.Offset{Anchor: schedule.Due, Days: 1}, Action: dunning.Suspend, State: "credit-hold"},
			{Name: "switch-off", At: schedule.Offset{Anchor: schedule.Due, Days: 3}, Action: dunning.Suspend, State: "no-service"},
		}}
	pol := dunningtest.Policy(wf)
	d1, d2 := dunningtest.Day("2026-02-01"), dunningtest.Day("2026-02-03")
	pf := dunning.Portfolio{Customers: []dunning.Customer{dunningtest.Customer("c1")}, Invoices: []dunning.Invoice{
		dunningtest.Invoice("i1", "c1", dunningtest.Day("2026-01-01"), dunningtest.Day("2026-01-31"), "100.00", "EUR"),
		dunningtest.Invoice("i2", "c1", dunningtest.Day("2026-01-01"), dunningtest.Day("2026-01-31"), "50.00", "EUR"),
	}, History: dunning.HistoryMap{
		"i1": {InvoiceID: "i1", Workflow: "w", Step: 0, StepOn: d1, Block: &dunning.Block{Key: "k1", Step: "hold-orders", Since: d1}},
		"i2": {InvoiceID: "i2", Workflow: "w", Step: 1, StepOn: d2, Block: &dunning.Block{Key: "k2", Step: "switch-off", Since: d2}},
	}}
	sts, err := dunning.AccountStates(dunningtest.Day("2026-02-05"), pol, pf)
	if err != nil {
		t.Fatal(err)
	}
	want := dunning.BlockingState{Name: "credit-hold", BlockChanges: true, BlockNewOrders: true, DisableEntitlements: true}
	if len(sts) != 1 || sts[0].State != want || sts[0].Since != d1 || strings.Join(sts[0].InvoiceIDs, ",") != "i1,i2" {
		t.Errorf("AccountStates = %+v, want state %+v since %s for i1,i2", sts, want, d1)
	}
}

// An unapplied record's amount must be positive: zero is refused, naming
// the amount.
func TestMutant2UnappliedZeroAmount(t *testing.T) {
	u := dunning.Unapplied{ID: "u1", CustomerID: "c1", Kind: dunning.UnappliedPayment, Currency: "EUR", Date: dunningtest.Day("2026-03-01"), Amount: dunningtest.Amount("0.00")}
	err := u.Validate()
	var fe *dunning.FieldError
	if !errors.As(err, &fe) || !strings.HasSuffix(fe.Field, "amount") || fe.Reason != "must be positive" {
		t.Errorf("Validate() = %v, want a FieldError on the amount: must be positive", err)
	}
	u.Amount = dunningtest.Amount("0.01")
	if err := u.Validate(); err != nil {
		t.Errorf("EUR 0.01: %v", err)
	}
}

// NetOverdue counts an item overdue on d when it is due before d and not
// written off by d: an invoice due on d itself is not overdue yet, one
// written off on d is not overdue any more. Day 2026-03-10; EUR 100.00 due
// 03-09 counts, EUR 40.00 due 03-10 does not, EUR 25.00 due 03-01 and
// written off 03-10 does not: overdue EUR 100.00; with EUR 30.00
// unapplied dated 03-10, net EUR 70.00. A USD invoice paid in full has no
// open balance, so USD does not appear.
func TestMutant2NetOverdueDueAndWrittenOffOnTheDay(t *testing.T) {
	d := dunningtest.Day("2026-03-10")
	iss := dunningtest.Day("2026-02-01")
	a := dunningtest.Invoice("a", "c1", iss, d-1, "100.00", "EUR")
	b := dunningtest.Invoice("b", "c1", iss, d, "40.00", "EUR")
	c := dunningtest.Invoice("c", "c1", iss, dunningtest.Day("2026-03-01"), "25.00", "EUR")
	c.WrittenOff = d
	e := dunningtest.Invoice("e", "c1", iss, dunningtest.Day("2026-03-01"), "10.00", "USD")
	e.Payments = []dunning.Payment{{Date: dunningtest.Day("2026-03-05"), Amount: dunningtest.Amount("10.00")}}
	un := []dunning.Unapplied{{ID: "u1", CustomerID: "c1", Kind: dunning.UnappliedCredit, Currency: "EUR", Date: d, Amount: dunningtest.Amount("30.00")}}
	got := dunning.NetOverdue(d, []*dunning.Invoice{&a, &b, &c, &e}, un)
	if len(got) != 1 || got[0].Currency != "EUR" || !got[0].Overdue.Equal(dunningtest.Amount("100.00")) ||
		!got[0].Unapplied.Equal(dunningtest.Amount("30.00")) || !got[0].Net.Equal(dunningtest.Amount("70.00")) {
		t.Errorf("NetOverdue(%s) = %+v, want EUR overdue 100.00, unapplied 30.00, net 70.00", d, got)
	}
}

// A date field's error says what is wrong: a YYYY-MM-DD that is no
// calendar day "is not a calendar day", anything else "is not a date
// (YYYY-MM-DD)". A quoted value is shortened past 64 characters only (the
// first 64 and "...").
func TestMutant2DateErrorReasonAndClip(t *testing.T) {
	s64 := strings.Repeat("x", 64)
	for _, tc := range []struct {
		json, value, reason string
	}{
		{`{"since":"2026-02-30"}`, "2026-02-30", "is not a calendar day"},
		{`{"since":"tomorrow"}`, "tomorrow", "is not a date (YYYY-MM-DD)"},
		{`{"since":"` + s64 + `"}`, s64, "is not a date (YYYY-MM-DD)"},
		{`{"since":"` + s64 + `y"}`, s64 + "...", "is not a date (YYYY-MM-DD)"},
	} {
		var h dunning.Hold
		err := json.Unmarshal([]byte(tc.json), &h)
		var fe *dunning.FieldError
		if !errors.As(err, &fe) || fe.Field != "hold.since" || fe.Value != tc.value || fe.Reason != tc.reason {
			t.Errorf("Unmarshal(%s) = %#v, want hold.since, value %q, reason %q", tc.json, fe, tc.value, tc.reason)
		}
	}
}

// Unapplied money counts from its date on, the planning day included. On
// 2026-04-14 (overdue-1 of i1, open EUR 100.00): EUR 150.00 received that
// day covers the notice, so nothing is planned; EUR 40.00 received that
// day is the notice's own line, total 100.00 - 40.00 = 60.00; under a EUR
// 80.00 minimum, EUR 30.00 received that day leaves a net 70.00 below it:
// nothing is planned.
func TestMutant2UnappliedDatedOnThePlanDay(t *testing.T) {
	d := day("2026-04-14")
	pol := stdPolicy()
	if acts, err := dunning.Plan(d, pol, unappliedPortfolio(payment("u1", "EUR", "150.00", "2026-04-14"))); err != nil || len(acts) != 0 {
		t.Errorf("covered by money of the day: %+v %v, want nothing", acts, err)
	}
	acts, err := dunning.Plan(d, pol, unappliedPortfolio(payment("u1", "EUR", "40.00", "2026-04-14")))
	if err != nil || len(acts) != 1 || acts[0].Notice == nil {
		t.Fatalf("partly covered by money of the day: %+v %v, want one notice", acts, err)
	}
	if n := acts[0].Notice; len(n.Unapplied) != 1 || !n.Unapplied[0].Amount.Equal(amt("40.00")) || n.Unapplied[0].Date != d || !n.Total.Equal(amt("60.00")) {
		t.Errorf("notice unapplied %+v total %s, want one EUR 40.00 line dated %s and total 60.00", n.Unapplied, n.Total, d)
	}
	// Two records of one day go on in the order the app gave them
	// (oldest first, a stable order): u2 (EUR 10.00) then u1 (EUR 20.00),
	// from 04-12, after u3 of 04-11.
	acts, err = dunning.Plan(d, pol, unappliedPortfolio(payment("u2", "EUR", "10.00", "2026-04-12"), payment("u1", "EUR", "20.00", "2026-04-12"), payment("u3", "EUR", "5.00", "2026-04-11")))
	if err != nil || len(acts) != 1 || acts[0].Notice == nil {
		t.Fatalf("three records: %+v %v, want one notice", acts, err)
	}
	var refs []string
	for _, u := range acts[0].Notice.Unapplied {
		refs = append(refs, u.Reference)
	}
	if got := strings.Join(refs, ","); got != "BANK-u3,BANK-u2,BANK-u1" {
		t.Errorf("unapplied lines in the order %s, want BANK-u3,BANK-u2,BANK-u1", got)
	}
	minPol := stdPolicy()
	minPol.MinAmount = map[dunning.Currency]decimal.Decimal{"EUR": amt("80")}
	if acts, err := dunning.Plan(d, minPol, unappliedPortfolio(payment("u1", "EUR", "30.00", "2026-04-14"))); err != nil || len(acts) != 0 {
		t.Errorf("net 70.00 below the minimum 80.00: %+v %v, want nothing", acts, err)
	}
}

// A Suspend step whose open balance the customer's unapplied money covers
// is not planned: no account is blocked with the money in hand. i1 (EUR
// 100.00, due 2026-04-01) reaches "suspend" (due + 7) on 04-08; with EUR
// 150.00 (or exactly 100.00) received on 04-01 and not applied, nothing
// is planned; without it, the suspension is.
func TestMutant2UnappliedCoversSuspend(t *testing.T) {
	wf := dunning.Workflow{Name: "w", CatchUp: dunning.Progressive, Steps: []dunning.Step{
		{Name: "suspend", At: schedule.Offset{Anchor: schedule.Due, Days: 7}, Action: dunning.Suspend, State: "suspended"},
		{Name: "final", At: schedule.Offset{Anchor: schedule.Due, Days: 14}, Action: dunning.Email},
	}}
	pol := dunningtest.Policy(wf)
	d := day("2026-04-08")
	pf := dunning.Portfolio{Customers: []dunning.Customer{dunningtest.Customer("c1")},
		Invoices: []dunning.Invoice{dunningtest.Invoice("i1", "c1", day("2026-03-01"), day("2026-04-01"), "100.00", "EUR")}, History: dunning.HistoryMap{}}
	dunningtest.ExpectStep(t, pol, pf, "i1", d, "suspend")
	pf.Unapplied = []dunning.Unapplied{payment("u1", "EUR", "150.00", "2026-04-01")}
	dunningtest.ExpectNothing(t, pol, pf, d)
	// Exactly the open balance covers it too.
	pf.Unapplied = []dunning.Unapplied{payment("u1", "EUR", "100.00", "2026-04-01")}
	dunningtest.ExpectNothing(t, pol, pf, d)
}

// Unapplied money one notice of the day used is not shown again on the
// next: i1 and i2 (EUR 100.00 each, due 2026-03-31) get a notice each on
// 03-31; EUR 30.00 (03-20) and EUR 20.00 (03-25) go on the first (total
// 100.00 - 50.00 = 50.00); the second has no unapplied line and its total
// is 100.00 (no line of EUR 0.00).
func TestMutant2UsedUnappliedNotShownAgain(t *testing.T) {
	pol := dunningtest.Policy(mutantWakeWorkflow())
	d := day("2026-03-31")
	pf := dunning.Portfolio{Customers: []dunning.Customer{dunningtest.Customer("c1")}, Invoices: []dunning.Invoice{
		dunningtest.Invoice("i1", "c1", day("2026-03-01"), d, "100.00", "EUR"),
		dunningtest.Invoice("i2", "c1", day("2026-03-01"), d, "100.00", "EUR"),
	}, History: dunning.HistoryMap{},
		Unapplied: []dunning.Unapplied{payment("u1", "EUR", "30.00", "2026-03-20"), payment("u2", "EUR", "20.00", "2026-03-25")}}
	acts, err := dunning.Plan(d, pol, pf)
	if err != nil || len(acts) != 2 || acts[0].Notice == nil || acts[1].Notice == nil {
		t.Fatalf("Plan(%s) = %+v, %v; want two notices", d, acts, err)
	}
	first, second := acts[0].Notice, acts[1].Notice
	if len(first.Unapplied) != 2 || !first.Total.Equal(amt("50.00")) {
		t.Errorf("first notice: unapplied %+v total %s, want the two lines and 50.00", first.Unapplied, first.Total)
	}
	if len(second.Unapplied) != 0 || !second.Total.Equal(amt("100.00")) {
		t.Errorf("second notice: unapplied %+v total %s, want no line and 100.00", second.Unapplied, second.Total)
	}
}
