package dunning

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/overduehq/overdue/segment"
	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
)

// StepStatus is one step of an invoice's workflow as Explain sees it.
type StepStatus struct {
	Name    string    `json:"name"`
	Index   int       `json:"index"`
	Nominal date.Date `json:"nominal,omitzero"` // anchor + offset (+ grace)
	Date    date.Date `json:"date,omitzero"`    // rolled onto a business day
	// Applies is false for a step dated before the invoice was issued.
	Applies bool `json:"applies"`
	Done    bool `json:"done"`
	// PassedOver: a reminder missed until its next step was due too.
	PassedOver bool `json:"passed_over,omitempty"`
	// HeldBack says why a due step waits: its minimum amount or share does
	// not hold (the step stays pending).
	HeldBack string `json:"held_back,omitempty"`
}

// Explanation says why an invoice has, or has no, action on a day and when
// its next step falls.
type Explanation struct {
	InvoiceID string          `json:"invoice_id"`
	AsOf      date.Date       `json:"as_of"`
	Open      decimal.Decimal `json:"open"`
	Workflow  string          `json:"workflow,omitempty"`
	Match     segment.Match   `json:"match"`
	Progress  Progress        `json:"progress"`
	Steps     []StepStatus    `json:"steps,omitempty"`
	// Actions are today's actions that cover the invoice (none when Reason
	// says why not).
	Actions []Action `json:"actions,omitempty"`
	// Next and NextStep: the next step and its date, when there is one.
	Next     date.Date `json:"next,omitzero"`
	NextStep string    `json:"next_step,omitempty"`
	Reason   string    `json:"reason"`
	// Notes say what today's notice leaves off for the invoice and why
	// (interest or compensation a regime does not give in its currency).
	Notes []string `json:"notes,omitempty"`
	// Interactions are the log entries about the invoice or its customer as
	// a whole (Portfolio.Interactions), by date.
	Interactions []Interaction `json:"interactions,omitempty"`
}

// String renders the explanation for a person.
func (e *Explanation) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "invoice %s on %s: %s\n", e.InvoiceID, e.AsOf, e.Reason)
	if e.Workflow != "" {
		rule := "default"
		if !e.Match.Default {
			rule = "rule " + e.Match.Rule
		}
		fmt.Fprintf(&b, "  workflow %s (%s)\n", e.Workflow, rule)
	}
	for _, s := range e.Steps {
		state := "pending"
		switch {
		case !s.Applies:
			state = "not applicable (before the invoice was issued)"
		case s.Done:
			state = "done"
		case s.PassedOver:
			state = "passed over"
		case s.HeldBack != "":
			state = "held back: " + s.HeldBack
		case s.Date <= e.AsOf:
			state = "due"
		}
		fmt.Fprintf(&b, "  %-12s %s  %s\n", s.Name, s.Date, state)
	}
	for _, a := range e.Actions {
		fmt.Fprintf(&b, "  action %s %s\n", a.Kind, a.Key)
	}
	for _, n := range e.Notes {
		fmt.Fprintf(&b, "  note: %s\n", n)
	}
	for i := range e.Interactions {
		fmt.Fprintf(&b, "  contact: %s\n", e.Interactions[i].String())
	}
	// The next step, unless an action of today covers the invoice (a
	// scheduled statement of account does not).
	if e.NextStep != "" && !slices.ContainsFunc(e.Actions, func(a Action) bool { return slices.Contains(a.InvoiceIDs, e.InvoiceID) }) {
		fmt.Fprintf(&b, "  next: %s on %s\n", e.NextStep, e.Next)
	}
	return b.String()
}

// Explain answers why the invoice has an action on day asOf or why not, and
// when its next step falls. It plans the invoice's customer exactly as Plan
// does, so it needs what Plan needs: the portfolio's customer, agreements
// and invoices, and the store's History in p.History (with the open tasks
// in p.Tasks). Without the History nothing counts as done: a step already
// sent looks due again. Runner.Explain reads both from the store.
// An instalment of an invoice with a Schedule is explained by its own ID
// (InstalmentID: "ID#k").
func Explain(asOf date.Date, policy *Policy, p Portfolio, invoiceID string) (*Explanation, error) {
	return explain(func(*Customer) date.Date { return asOf }, policy, p, invoiceID)
}

// Explain is Explain with what the runner's next Plan would read from the
// store (the history of the portfolio's invoices, the open tasks unless
// p.Tasks is set, the reviews unless p.Reviews is set), on the customer's
// today in its time zone at the runner's Clock, as Runner.Plan does.
func (r *Runner) Explain(ctx context.Context, p Portfolio, invoiceID string) (*Explanation, error) {
	p, err := r.load(ctx, p)
	if err != nil {
		return nil, err
	}
	days := todayIn(r.clock().Now(), p.Customers)
	return explain(func(c *Customer) date.Date { return days[c.TimeZone] }, r.Policy, p, invoiceID)
}

// explain plans the invoice's customer with its day from today.
func explain(today func(*Customer) date.Date, policy *Policy, p Portfolio, invoiceID string) (*Explanation, error) {
	var cust string
	parent, part := ParentID(invoiceID) // an instalment: "ID#k" (instalments.go)
	for i := range p.Invoices {
		inv := &p.Invoices[i]
		if inv.ID == invoiceID || part > 0 && inv.ID == parent && part <= len(inv.Schedule) {
			cust = inv.CustomerID
			break
		}
	}
	if cust == "" {
		return nil, fmt.Errorf("%w: invoice %q", ErrNotFound, invoiceID)
	}
	sub := p
	sub.Invoices = nil
	for i := range p.Invoices {
		if p.Invoices[i].CustomerID == cust {
			sub.Invoices = append(sub.Invoices, p.Invoices[i])
		}
	}
	c := &Customer{ID: cust}
	for i := range p.Customers {
		if p.Customers[i].ID == cust {
			c = &p.Customers[i]
			break
		}
	}
	ex := &Explanation{InvoiceID: invoiceID, AsOf: today(c)}
	for _, in := range p.Interactions {
		if in.CustomerID == cust && in.About(invoiceID) {
			ex.Interactions = append(ex.Interactions, in)
		}
	}
	SortInteractions(ex.Interactions)
	for i := range sub.Invoices {
		if inv := &sub.Invoices[i]; inv.ID == invoiceID && len(inv.Schedule) > 0 {
			ex.Reason = fmt.Sprintf("payable in %d instalments: each is planned on its own; explain %s to %s", len(inv.Schedule), InstalmentID(inv.ID, 1), InstalmentID(inv.ID, len(inv.Schedule)))
		}
	}
	acts, err := plan(today, policy, sub, ex)
	if err != nil {
		return nil, err
	}
	for _, a := range acts {
		if a.Kind == SendStatement && len(a.InvoiceIDs) == 0 && a.CustomerID == cust {
			ex.Actions = append(ex.Actions, a) // the customer's scheduled statement
		}
		for _, id := range a.InvoiceIDs {
			if id == invoiceID {
				ex.Actions = append(ex.Actions, a)
			}
		}
	}
	return ex, nil
}
