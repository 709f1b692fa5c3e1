package dunning

import (
	"strings"

	"github.com/rickb777/date/v2"
)

// Advance applies a completed record to the progress of the record's i-th
// invoice. Every Store implementation calls it inside Complete, so all stores
// keep progress the same way. A fallback's fees and compensation count like
// any other record's; a Failed record's count for nothing (the notice never
// reached the customer, see Action.Record).
func Advance(p *Progress, rec Record, i int) {
	if rec.Kind == CancelTask || rec.Kind == DataFix {
		return // about a collector task, not the invoice's dunning
	}
	id := rec.InvoiceIDs[i]
	cycle := 0
	if i < len(rec.Cycles) {
		cycle = rec.Cycles[i]
	}
	if p.InvoiceID != id || p.Cycle != cycle {
		*p = Progress{InvoiceID: id, Cycle: cycle, Step: -1}
	}
	if rec.Outcome != Failed {
		if rec.Kind.IsNotice() {
			l := p.log()
			l.Count++
			if n := len(l.Recent); n == 0 || l.Recent[n-1] < rec.Date {
				// A new slice: snapshots of the progress keep theirs.
				r := make([]date.Date, 0, min(n+1, MaxRecent))
				r = append(r, l.Recent[max(0, n+1-MaxRecent):]...)
				l.Recent = append(r, rec.Date)
			}
			p.Notices = l
		}
		if i < len(rec.FeesByInvoice) {
			p.Fees = p.Fees.Add(rec.FeesByInvoice[i])
		}
		if rec.Compensation {
			p.Compensated = true
		}
	}
	if rec.Fallback {
		if p.Bounced == strings.TrimSuffix(rec.Key, "/fallback") {
			p.Bounced = ""
		}
		if rec.Kind.IsNotice() && rec.Date > p.Last {
			p.Last = rec.Date
		}
		return
	}
	step := rec.StepIndex
	if i < len(rec.Steps) {
		step = rec.Steps[i]
	}
	if p.Workflow != rec.Workflow {
		p.Workflow, p.Step = rec.Workflow, step
	} else if step > p.Step {
		p.Step = step
	}
	if rec.Kind.IsNotice() && rec.Date > p.Last {
		p.Last = rec.Date
	}
	if rec.Kind == HoldAction {
		p.Held = true
	}
	if rec.Outcome == Failed {
		p.Bounced = rec.Key
	}
}

// MarkBounced records on the progress of the record's i-th invoice that the
// record's notice bounced, so the next plan sends its fallback, and takes
// back the fees the notice charged. A bounced
// fallback is not replaced again (a collector task follows it anyway).
func MarkBounced(p *Progress, rec Record, i int) {
	if rec.Fallback || !rec.Kind.IsNotice() || p.InvoiceID != rec.InvoiceIDs[i] {
		return
	}
	if i < len(rec.Cycles) && rec.Cycles[i] != p.Cycle {
		return
	}
	if p.Notices == nil || p.Notices.Refunded != rec.Key {
		// The notice never reached the customer: its fees are not owed
		// (taken back once per key, however many bounce events arrive).
		// Compensation stays marked: the record does not say which invoice
		// of a grouped notice it was for, and leaving it off is the safe
		// side.
		if i < len(rec.FeesByInvoice) {
			p.Fees = p.Fees.Sub(rec.FeesByInvoice[i])
		}
		l := p.log()
		if rec.Outcome != Failed && l.Count > 0 {
			l.Count-- // nor does it count towards Workflow.MaxNotices
		}
		l.Refunded = rec.Key
		p.Notices = l
	}
	p.Bounced = rec.Key
}

// CheckEvent validates an event before a store keeps it.
func CheckEvent(e Event) error {
	bad := func(field, value, reason string) error {
		return &FieldError{Field: "event." + field, Value: value, Reason: reason}
	}
	switch {
	case e.ID == "":
		return bad("id", "", "must not be empty: it makes appending idempotent")
	case e.Date == 0:
		return bad("date", "", "must be set")
	}
	switch e.Kind {
	case PaymentReceived, CreditApplied, DisputeOpened, DisputeResolved, PromiseMade, HoldPlaced, HoldReleased, PromiseKeptEvent, PromiseBrokeEvent:
		if e.InvoiceID == "" && e.CustomerID == "" {
			return bad("invoice_id", "", "an invoice or customer event needs the invoice or customer id")
		}
	case NoticeDelivered, NoticeBounced, NoticeOpened, NoticeClicked:
		if e.Key == "" {
			return bad("key", "", "a delivery event needs the action key of its notice")
		}
	default:
		return bad("kind", string(e.Kind), "unknown event kind")
	}
	if e.Amount.IsNegative() {
		return bad("amount", e.Amount.String(), "must not be negative")
	}
	return nil
}

// CheckTask validates a collector task before a store keeps it.
func CheckTask(t CollectorTask) error {
	switch {
	case t.ID == "":
		return &FieldError{Field: "task.id", Value: "", Reason: "must not be empty"}
	case t.CustomerID == "":
		return &FieldError{Field: "task[" + t.ID + "].customer_id", Value: "", Reason: "must not be empty"}
	}
	switch t.Status {
	case TaskOpen, TaskDone, TaskCancelled:
	default:
		return &FieldError{Field: "task[" + t.ID + "].status", Value: string(t.Status), Reason: `want "open", "done" or "cancelled"`}
	}
	return nil
}
