package main

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/notice"
	"github.com/overduehq/overdue/schedule"
	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
)

// Policy returns the SaaS book's policy: one workflow mixing the default
// retry cadence (days 1, 3, 5 and 7 after the failed renewal charge on the
// due date) with a notice, a credit hold, a suspension, a final notice and
// the cancellation of the subscription.
func Policy() (*dunning.Policy, error) {
	retries := dunning.DefaultRetryWorkflow("saas").Steps
	at := func(days int) schedule.Offset { return schedule.Offset{Anchor: schedule.Due, Days: days} }
	w := dunning.Workflow{
		Name: "saas", CatchUp: dunning.Progressive,
		Steps: []dunning.Step{
			retries[0], // due+1
			retries[1], // due+3
			{Name: "payment-failed", At: at(4), Action: dunning.Email, Stage: notice.OverdueNotice},
			retries[2], // due+5
			retries[3], // due+7
			{Name: "credit-hold", At: at(8), Action: dunning.Suspend, State: dunning.CreditHold.Name},
			{Name: "suspend", At: at(15), Action: dunning.Suspend, State: dunning.Suspended.Name},
			{Name: "final", At: at(20), Action: dunning.Email, Stage: notice.FinalNotice},
			{Name: "cancel", At: at(30), Action: dunning.CancelSubscription},
		},
	}
	p := &dunning.Policy{
		Workflows: []dunning.Workflow{w},
		Creditor: notice.Party{
			Name: "Cloudlet Software GmbH", Address: []string{"Torstraße 1", "10119 Berlin", "Germany"},
			Email: "billing@cloudlet.example",
		},
		Payment: dunning.PaymentInstructions{
			Options: []string{"card", "bank transfer"},
			IBAN:    "DE89370400440532013000", BIC: "COBADEFFXXX", URL: "https://billing.cloudlet.example/card",
		},
	}
	return p, p.Validate()
}

// The book: five monthly renewals issued and due on Renewal whose card
// charge on the due date failed, followed day by day until LastDay (the
// cancellation day, due+30). What each customer's card and bank do is
// scripted.
const (
	Renewal = "2026-11-01"
	LastDay = "2026-12-01"
)

// card is a customer's scripted provider answers by retry attempt: a
// decline code, or "" for a charge that goes through.
type card map[int]string

// script is what happens to one customer.
type script struct {
	c      dunning.Customer
	amount string
	card   card
	// events the app reports, by day (a bank transfer, a promise).
	events map[date.Date][]dunning.Event
}

func book() []script {
	contact := func(email string) []dunning.Contact {
		return []dunning.Contact{{Role: "billing", Email: email}}
	}
	d := func(s string) date.Date { return date.MustParseISO(s) }
	ev := func(id string, k dunning.EventKind, day, until string, amount string) dunning.Event {
		e := dunning.Event{ID: id, Kind: k, Date: d(day), Amount: decimal.RequireFromString(amount)}
		if until != "" {
			e.Until = d(until)
		}
		return e
	}
	return []script{
		{c: dunning.Customer{ID: "c1-acme", Name: "Acme Analytics Ltd", Language: "en", Contacts: contact("ap@acme.example")},
			amount: "490.00", card: card{1: "insufficient_funds", 2: ""}},
		{c: dunning.Customer{ID: "c2-braun", Name: "Bäckerei Braun", Language: "de", Contacts: contact("buero@braun.example")},
			amount: "59.00", card: card{1: "lost_card"},
			events: map[date.Date][]dunning.Event{d("2026-11-12"): {ev("braun-transfer", dunning.PaymentReceived, "2026-11-12", "", "59.00")}}},
		{c: dunning.Customer{ID: "c3-cobalt", Name: "Cobalt Labs Inc", Language: "en", Contacts: contact("finance@cobalt.example")},
			amount: "1200.00", card: card{1: "insufficient_funds", 2: "insufficient_funds", 3: "do_not_honor", 4: "insufficient_funds"}},
		{c: dunning.Customer{ID: "c4-delta", Name: "Delta Design Studio", Language: "en", Contacts: contact("hello@delta.example")},
			amount: "149.00", card: card{1: "insufficient_funds", 2: "card_velocity_exceeded", 3: "insufficient_funds", 4: "insufficient_funds"},
			events: map[date.Date][]dunning.Event{
				d("2026-11-10"): {ev("delta-promise", dunning.PromiseMade, "2026-11-10", "2026-11-20", "149.00")},
				d("2026-11-18"): {ev("delta-kept", dunning.PromiseKeptEvent, "2026-11-18", "", "0")},
				d("2026-11-19"): {ev("delta-transfer", dunning.PaymentReceived, "2026-11-19", "", "149.00")},
			}},
		{c: dunning.Customer{ID: "c5-echo", Name: "Echo Events GmbH", Language: "de", Contacts: contact("rechnung@echo.example")},
			amount: "89.00", card: card{1: ""}},
	}
}

// Classify is the example's mapping of its provider's decline codes (here
// Stripe's) to the library's classes: a code that retrying can cure is
// soft, one that it cannot is hard; an unknown code counts as soft.
func Classify(code string) dunning.Decline {
	switch code {
	case "lost_card", "stolen_card", "expired_card", "pickup_card", "restricted_card",
		"invalid_account", "account_closed", "card_not_supported", "fraudulent", "incorrect_number":
		return dunning.HardDecline
	}
	// insufficient_funds, do_not_honor, card_velocity_exceeded,
	// processing_error, issuer_not_available, try_again_later, ...
	return dunning.SoftDecline
}

// provider is the scripted payment provider behind the example's
// Collector: it charges by idempotency key, so the same key gives the same
// answer (and never a second charge), and it answers look-ups by key.
type provider struct {
	mu      sync.Mutex
	cards   map[string]card
	byKey   map[string]dunning.ChargeResult
	charged int // charges that took money
}

func newProvider(s []script) *provider {
	p := &provider{cards: map[string]card{}, byKey: map[string]dunning.ChargeResult{}}
	for _, sc := range s {
		p.cards[sc.c.ID] = sc.card
	}
	return p
}

// Charge implements dunning.Collector.
func (p *provider) Charge(_ context.Context, key string, req dunning.ChargeRequest) (dunning.ChargeResult, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if r, ok := p.byKey[key]; ok {
		return r, nil // the provider's idempotency: same key, same charge
	}
	code, scripted := p.cards[req.CustomerID][req.Attempt]
	if !scripted {
		code = "insufficient_funds"
	}
	r := dunning.ChargeResult{Outcome: dunning.Charged, TransactionID: fmt.Sprintf("ch_%d", len(p.byKey)+1), Amount: req.Amount.Amount}
	if code != "" {
		r = dunning.ChargeResult{Outcome: dunning.ChargeDeclined, Decline: Classify(code), Code: code}
	} else {
		p.charged++
	}
	p.byKey[key] = r
	return r, nil
}

// LookupCharge implements dunning.ChargeLooker.
func (p *provider) LookupCharge(_ context.Context, key string) (dunning.ChargeResult, bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	r, ok := p.byKey[key]
	return r, ok, nil
}

// accounts is the app's side of the AccountHook: each customer's state.
type accounts struct {
	mu    sync.Mutex
	state map[string]dunning.BlockingState
	ended map[string]dunning.ActionKind
}

// Apply implements dunning.AccountHook; applying one key twice changes
// nothing more.
func (a *accounts) Apply(_ context.Context, key string, c dunning.AccountChange) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	switch c.Kind {
	case dunning.Suspend:
		a.state[c.CustomerID] = c.State
	case dunning.Resume:
		a.state[c.CustomerID] = dunning.Active
	case dunning.CancelSubscription:
		a.state[c.CustomerID] = dunning.Cancelled
		a.ended[c.CustomerID] = c.Kind
	default:
		a.ended[c.CustomerID] = c.Kind
	}
	return nil
}

// portfolio returns the customers and their renewal invoices.
func portfolio(s []script) dunning.Portfolio {
	issued := date.MustParseISO(Renewal)
	var pf dunning.Portfolio
	for i, sc := range s {
		pf.Customers = append(pf.Customers, sc.c)
		amt := decimal.RequireFromString(sc.amount)
		pf.Invoices = append(pf.Invoices, dunning.Invoice{
			ID: "inv-" + sc.c.ID, Number: fmt.Sprintf("2026-11-%03d", i+1), CustomerID: sc.c.ID, Currency: "EUR",
			Issued: issued, Due: issued, Amount: amt,
			Lines: []dunning.Line{{Description: "Cloudlet Team plan, November 2026", Quantity: decimal.NewFromInt(1), Amount: amt}},
		})
	}
	return pf
}

// apply applies an event to the portfolio's invoice of its customer.
func apply(pf *dunning.Portfolio, e dunning.Event) error {
	for i := range pf.Invoices {
		inv := &pf.Invoices[i]
		if inv.ID == e.InvoiceID || e.InvoiceID == "" && inv.CustomerID == e.CustomerID {
			return inv.Apply(e)
		}
	}
	return fmt.Errorf("event %s: no invoice", e.ID)
}

// sortedIDs returns the customers' IDs in order.
func sortedIDs(s []script) []string {
	ids := make([]string, 0, len(s))
	for _, sc := range s {
		ids = append(ids, sc.c.ID)
	}
	slices.Sort(ids)
	return ids
}
