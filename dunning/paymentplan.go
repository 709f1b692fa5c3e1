package dunning

import (
	"fmt"
	"strings"

	"github.com/overduehq/overdue/notice"
	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
)

// Payment plans.
//
// A Promise with Parts is a payment plan: the customer agreed on day Made to
// pay in several dated parts. Part k is kept when the payments dated from
// Made up to its PayBy add up to at least the amounts of parts 1..k; while
// every part whose day has passed is kept and a part is still ahead, the plan
// is pending and dunning waits (PromisePending); once a part's day passes
// unpaid the plan is broken (PromiseBroken) and the workflow's broken-promise
// handling applies from the missed part's day: resume, or escalate at once
// (OnBrokenPromise). A plan whose last part is kept is kept. Broken and Kept
// (events from the app) decide as for a single promise.
//
// A plan's PayBy is its last part's day and its Amount the sum of the
// parts (Validate insists), so code that reads a promise's PayBy and Amount
// reads the plan's.

// PromisePart is one dated part of a payment plan (a Promise with Parts).
type PromisePart struct {
	PayBy  date.Date       `json:"pay_by"`
	Amount decimal.Decimal `json:"amount"`
}

// PartState is where each part of a payment plan stands on a day.
type PartState struct {
	PromisePart
	// Paid is what the payments from the plan's day on cover of this part
	// (payments fill the parts in order).
	Paid decimal.Decimal `json:"paid"`
	// State is "kept", "missed" or "ahead" (its day has not passed).
	State string `json:"state"`
}

// promiseOn returns the state of promise p on day d for the invoice's
// payments, and a day: for a broken promise the first day of the break
// (brokenFrom), else the PayBy of the promise or of a plan's next part
// (pending).
func (inv *Invoice) promiseOn(d date.Date) (PromiseState, date.Date) {
	p := inv.Promise
	if p == nil || d < p.Made {
		return NoPromise, 0
	}
	if p.Kept != 0 && d >= p.Kept {
		return PromiseKept, p.PayBy
	}
	if p.Broken != 0 && d >= p.Broken {
		return PromiseBroken, inv.brokenFrom()
	}
	if len(p.Parts) == 0 {
		if d <= p.PayBy {
			return PromisePending, p.PayBy
		}
		if inv.paidBetween(p.Made, p.PayBy).Cmp(p.Amount) >= 0 {
			return PromiseKept, p.PayBy
		}
		return PromiseBroken, p.PayBy + 1
	}
	for _, s := range inv.PlanOn(d) {
		switch s.State {
		case "missed":
			return PromiseBroken, s.PayBy + 1
		case "ahead":
			return PromisePending, s.PayBy
		}
	}
	return PromiseKept, p.PayBy
}

// brokenFrom returns the first day of a broken promise's break: the day
// after the PayBy it was not kept by (a plan's first missed part), or the
// day of its Broken event if that comes first (a promise broken by its
// date and then by the event is broken once, from the earlier day).
func (inv *Invoice) brokenFrom() date.Date {
	p := inv.Promise
	from := p.Broken
	byDate := date.Date(0)
	if len(p.Parts) == 0 {
		if inv.paidBetween(p.Made, p.PayBy).Cmp(p.Amount) < 0 {
			byDate = p.PayBy + 1
		}
	} else {
		for _, s := range inv.PlanOn(p.PayBy + 1) {
			if s.State == "missed" {
				byDate = s.PayBy + 1
				break
			}
		}
	}
	if byDate != 0 && (from == 0 || byDate < from) {
		from = byDate
	}
	return max(from, p.Made)
}

// escalates reports whether workflow wf escalates at once (EscalateOnBroken)
// for the invoice's promise in state ps, broken from day from (promiseOn),
// its step done being the last one done: once per break. The break has had
// its step once a step of the invoice was done from that day on
// (Progress.StepOn), whatever it was (a notice, a task, a statement, a
// notice that failed for good), or a notice from that day on reached the
// customer (Progress.Last). Progress kept before StepOn existed has it
// zero: then the step done dated on or after the break's day tells, as an
// escalation sends a step before its date. Plan and Wake both ask it.
func (pl *planner) escalates(wf *Workflow, inv *Invoice, agr *Agreement, ps PromiseState, from date.Date, prog Progress, done int) bool {
	if ps != PromiseBroken || wf.OnBrokenPromise != EscalateOnBroken || prog.Last >= from || prog.StepOn >= from {
		return false
	}
	if done >= 0 {
		if d, _, ok := pl.stepDate(wf, done, inv, agr); ok && d >= from {
			return false
		}
	}
	return true
}

// paidBetween sums the invoice's payments dated from..to.
func (inv *Invoice) paidBetween(from, to date.Date) decimal.Decimal {
	paid := decimal.Zero
	for _, pay := range inv.Payments {
		if pay.Date >= from && pay.Date <= to {
			paid = paid.Add(pay.Amount)
		}
	}
	return paid
}

// PlanOn returns the state of each part of the invoice's payment plan on
// day d (nil without a plan): the payments dated from the plan's day up to
// a part's PayBy (and up to d) fill the parts in order.
func (inv *Invoice) PlanOn(d date.Date) []PartState {
	p := inv.Promise
	if p == nil || len(p.Parts) == 0 {
		return nil
	}
	out := make([]PartState, len(p.Parts))
	owed := decimal.Zero // the parts before k
	for k, part := range p.Parts {
		upTo := min(part.PayBy, d)
		paid := inv.paidBetween(p.Made, upTo).Sub(owed)
		paid = decimal.Min(decimal.Max(paid, decimal.Zero), part.Amount)
		st := PartState{PromisePart: part, Paid: paid}
		switch {
		case paid.Cmp(part.Amount) >= 0:
			st.State = "kept"
		case d > part.PayBy:
			st.State = "missed"
		default:
			st.State = "ahead"
		}
		out[k] = st
		owed = owed.Add(part.Amount)
	}
	return out
}

// planText describes a plan's parts on day d for Explain:
// "EUR 100.00 by 2026-03-01 (kept), ...".
func planText(inv *Invoice, d date.Date, places int32) string {
	var b strings.Builder
	for i, s := range inv.PlanOn(d) {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %s by %s (%s", inv.Currency, s.Amount.StringFixed(places), s.PayBy, s.State)
		if s.State != "kept" && s.Paid.Sign() > 0 {
			fmt.Fprintf(&b, ", %s paid", s.Paid.StringFixed(places))
		}
		b.WriteString(")")
	}
	return b.String()
}

// noticePlan returns the plan's parts as a notice shows them.
func noticePlan(inv *Invoice, d date.Date) []notice.PlanPart {
	st := inv.PlanOn(d)
	if len(st) == 0 {
		return nil
	}
	out := make([]notice.PlanPart, len(st))
	for i, s := range st {
		out[i] = notice.PlanPart{PayBy: s.PayBy, Amount: s.Amount, Paid: s.Paid, Missed: s.State == "missed"}
	}
	return out
}

// validatePlan checks a payment plan's parts: days set, ascending, on or
// after the day the plan was made, the last one the promise's PayBy;
// amounts positive, adding up to the promise's Amount.
func (inv *Invoice) validatePlan() error {
	pr := inv.Promise
	if len(pr.Parts) == 0 {
		return nil
	}
	li := func(field string, i int) loc {
		return loc{rec: "invoice", id: inv.ID, field: field, i: i, indexed: true}
	}
	if len(pr.Parts) > 1000 {
		return loc{rec: "invoice", id: inv.ID, field: "promise.parts"}.err(fmt.Sprint(len(pr.Parts)), "has more than 1000 parts")
	}
	sum := decimal.Zero
	for i, part := range pr.Parts {
		if part.PayBy == 0 {
			return li("promise.parts[%d].pay_by", i).err("", "must be set")
		}
		if err := checkDay(li("promise.parts[%d].pay_by", i), part.PayBy); err != nil {
			return err
		}
		if part.PayBy < pr.Made {
			return li("promise.parts[%d].pay_by", i).err(part.PayBy.String(), "is before the day the plan was made "+pr.Made.String())
		}
		if i > 0 && part.PayBy <= pr.Parts[i-1].PayBy {
			return li("promise.parts[%d].pay_by", i).err(part.PayBy.String(), "is not after the previous part's day "+pr.Parts[i-1].PayBy.String())
		}
		if err := checkAmount(li("promise.parts[%d].amount", i), part.Amount, inv.Currency); err != nil {
			return err
		}
		if part.Amount.Sign() <= 0 {
			return li("promise.parts[%d].amount", i).err(part.Amount.String(), "must be positive")
		}
		sum = sum.Add(part.Amount)
	}
	if last := pr.Parts[len(pr.Parts)-1].PayBy; last != pr.PayBy {
		return loc{rec: "invoice", id: inv.ID, field: "promise.pay_by"}.err(pr.PayBy.String(), "differs from the last part's day "+last.String())
	}
	if !sum.Equal(pr.Amount) {
		return loc{rec: "invoice", id: inv.ID, field: "promise.amount"}.err(pr.Amount.String(), "differs from the sum of the parts "+sum.String())
	}
	return nil
}

// promiseOn returns the state of the promise or payment plan of the invoice
// an item belongs to (an instalment reads its invoice's), with the day the
// state is judged from.
func (pl *planner) promiseOn(inv *Invoice, d date.Date) (PromiseState, date.Date) {
	return pl.owner(inv).promiseOn(d)
}

// planParts describes the payment plan of the invoice an item belongs to.
func (pl *planner) planParts(inv *Invoice, d date.Date) string {
	return planText(pl.owner(inv), d, pl.places(inv.Currency))
}

// promiseText says what a pending promise or plan is, for Explain.
func (pl *planner) promiseText(inv *Invoice, d date.Date, then string) string {
	p := inv.Promise
	if len(p.Parts) > 0 {
		return fmt.Sprintf("payment plan made on %s: %s: %s", p.Made, pl.planParts(inv, d), then)
	}
	return fmt.Sprintf("promise to pay %s by %s made on %s: %s", p.Amount.String(), p.PayBy, p.Made, then)
}
