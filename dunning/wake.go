package dunning

import (
	"github.com/overduehq/overdue/schedule"
	"github.com/rickb777/date/v2"
)

// Wake returns, per invoice ID, the first day on or after asOf on which Plan
// may give the invoice an action, given the portfolio as it is (its dated
// payments, credits, holds, disputes and promises included) and its
// progress. An invoice missing from the map gets nothing until an event
// changes it, its customer or its progress (a payment booked, a hold
// placed, a record completed). An app keeps the dates, plans on day d only
// the customers with an invoice woken on or before d, and calls Wake again
// for the customers it planned (with asOf d+1) and for the records an event
// changed; Plan over the woken customers then gives the same actions as
// Plan over everything. TestWakeSkipsNothing checks this day by day over a
// year of generated portfolios: workflows with every grouping and catch-up,
// gaps, notice maxima, rolling, broken promises, policy minimums, customer
// limits, agreements with grace, payments, credits, holds, disputes,
// promises (broken by their date or by an event) and payment plans,
// instalment schedules (an invoice wakes by its own ID on its earliest
// instalment's day), statement steps and monthly statements
// (Policy.Statements: a customer wakes on each day of a statement's window)
// (not segments, tasks or interest charges).
//
// A record Plan rejects (Rejected, every day, whichever check finds it:
// validation, an instalment ID another invoice uses, an invalid unapplied
// record) wakes every invoice of its customer on asOf; a customer without
// invoices has none to wake.
//
// A date is never later than the invoice's next possible action; it may be
// earlier (planning early costs time, never an action): an invoice with a
// step date passed and not done wakes every day until its progress moves,
// since a minimum gap, a notice maximum, customer limits or a minimum amount
// interest may cross can hold it back any number of days.
//
// Wake takes every customer's day to be asOf, as Plan does. An app whose
// customers live in several time zones (and plans them with PlanAt) calls
// it with the earliest local day across those zones (Customer.Today at the
// instant of the run; after a run, the earliest of the planned customers'
// next local days): conservative, since a date found from an earlier day is
// never later than one found from the customer's own. It then compares
// each wake date with each customer's own local day, planning a customer
// once one of its invoices woke on or before that day.
func Wake(asOf date.Date, policy *Policy, p Portfolio) (map[string]date.Date, error) {
	if policy == nil {
		return nil, &FieldError{Field: "policy", Value: "nil", Reason: "a policy is required"}
	}
	policy, err := policy.ready()
	if err != nil {
		return nil, err
	}
	out := make(map[string]date.Date)
	// Records Plan rejects give a Rejected action every day: those of the
	// first pass, scheduled invoices whose instalment IDs clash, and
	// unapplied records (planDay's checks, in its order).
	asOfFn := func(*Customer) date.Date { return asOf }
	sp, rejected, _ := screenPortfolio(asOfFn, p, nil, 1, 1, nil)
	var clash []Action
	sp.Invoices, clash = screenInstalments(asOfFn, sp.Invoices, sp.Customers)
	rejected = append(rejected, clash...)
	if len(sp.Unapplied) > 0 {
		idx := make(map[string]int32, len(sp.Customers))
		for i := range sp.Customers {
			if _, dup := idx[sp.Customers[i].ID]; !dup {
				idx[sp.Customers[i].ID] = int32(i)
			}
		}
		_, bad := groupUnapplied(asOfFn, sp.Unapplied, sp.Customers, idx, rejected)
		rejected = append(rejected, bad...)
	}
	rejCust := map[string]bool{}
	for _, a := range rejected {
		rejCust[a.CustomerID] = true
		for _, id := range a.InvoiceIDs {
			out[id] = asOf
		}
	}
	for i := range p.Invoices {
		if rejCust[p.Invoices[i].CustomerID] {
			out[p.Invoices[i].ID] = asOf
		}
	}
	pl := &planner{policy: policy, p: &sp, cal: policy.Calendar, agreements: make(map[string]*Agreement, len(sp.Agreements))}
	// Plan plans each instalment on its own; an invoice wakes on the
	// earliest day of its instalments.
	sp.Invoices, pl.parents = expandInstalments(sp.Invoices)
	if pl.cal == nil {
		pl.cal = schedule.EveryDay()
	}
	for i := range sp.Agreements {
		pl.agreements[sp.Agreements[i].ID] = &sp.Agreements[i]
	}
	cust := make(map[string]*Customer, len(sp.Customers))
	for i := range sp.Customers {
		cust[sp.Customers[i].ID] = &sp.Customers[i]
	}
	pending := map[string]bool{} // customers with pending actions: re-issued each day
	if ph, ok := sp.History.(PendingHistory); ok {
		for _, pe := range ph.Pending() {
			pending[pe.CustomerID] = true
		}
	}
	for i := range sp.Invoices {
		inv := &sp.Invoices[i]
		c := cust[inv.CustomerID]
		if c == nil {
			continue
		}
		d := asOf
		if !pending[c.ID] {
			d = pl.wake(asOf, c, inv)
		}
		if d == 0 {
			continue
		}
		id := inv.ID
		if pl.parents != nil {
			id = pl.owner(inv).ID
		}
		if e, ok := out[id]; !ok || d < e {
			out[id] = d
		}
	}
	return out, nil
}

// wake is Wake for one valid invoice of customer c (0: no date).
func (pl *planner) wake(asOf date.Date, c *Customer, inv *Invoice) date.Date {
	var next date.Date // the earliest day after asOf on which something changes
	at := func(d date.Date) {
		if d > asOf && (next == 0 || d < next) {
			next = d
		}
	}
	// The days on which the invoice's state changes: Plan's checks compare
	// the day with these dates (d >= X or d < X), so each takes effect on X.
	at(inv.Issued)
	at(inv.WrittenOff)
	for _, py := range inv.Payments {
		at(py.Date)
	}
	if o := pl.owner(inv); o != inv {
		// An instalment's promise is judged on its invoice's payments.
		for _, py := range o.Payments {
			at(py.Date)
		}
	}
	for _, cr := range inv.Credits {
		at(cr.Date)
	}
	for _, h := range []*Hold{c.Hold, inv.Hold} {
		if h != nil {
			at(h.Since)
			at(h.Until)
		}
	}
	if d := inv.Dispute; d != nil {
		at(d.Opened)
		at(d.Resolved)
	}
	if s := pl.policy.Statements; s != nil {
		// The customer's monthly statement of account (statement.go).
		d := s.wake(asOf)
		if d == asOf {
			return asOf
		}
		at(d)
	}
	ps, brokenFrom := pl.promiseOn(inv, asOf)
	if pr := inv.Promise; pr != nil {
		at(pr.Made)
		at(pr.Kept)
		at(pr.Broken)
		at(pr.PayBy + 1)
		for _, part := range pr.Parts {
			at(part.PayBy + 1) // a part unpaid by its day breaks the plan
		}
	}
	// Blocked today: nothing before the state changes.
	switch {
	case inv.Issued > asOf, inv.WrittenOff != 0 && inv.WrittenOff <= asOf, inv.Litigation,
		inv.Open(asOf).Sign() <= 0, c.Hold.ActiveOn(asOf), inv.Hold.ActiveOn(asOf),
		inv.Dispute.OpenOn(asOf), ps == PromisePending:
		return next
	}
	prog, has := pl.progress(inv)
	if has && prog.Cycle != inv.Cycle {
		has = false
	}
	if has && prog.Step < -1 {
		return asOf // Plan rejects the invoice for its progress (progressError)
	}
	if has && (prog.Held || inv.Litigation) {
		return next
	}
	if has && prog.Bounced != "" {
		return asOf // the fallback goes out
	}
	// The workflows Plan may use: the cycle's own, or any the segments may
	// route to (routing reads attributes that change from day to day).
	only := ""
	if has && !pl.policy.SwitchMidCycle {
		if _, ok := pl.policy.Workflow(prog.Workflow); ok {
			only = prog.Workflow
		}
	}
	wfs := pl.policy.Workflows
	var agr *Agreement
	if inv.AgreementID != "" {
		agr = pl.agreements[inv.AgreementID]
	}
	for w := range wfs {
		wf := &wfs[w]
		if only != "" && wf.Name != only {
			continue
		}
		done := pl.doneStep(wf, inv, agr, prog, has)
		if pl.escalates(wf, inv, agr, ps, brokenFrom, prog, done) && done+1 < len(wf.Steps) {
			return asOf // escalates at once, whatever the next step's date
		}
		for i := done + 1; i < len(wf.Steps); i++ {
			d, _, ok := pl.stepDate(wf, i, inv, agr)
			if !ok {
				continue
			}
			if d <= asOf {
				return asOf // a step is due (or held back day by day)
			}
			at(d)
		}
	}
	return next
}
