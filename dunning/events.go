package dunning

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/overduehq/overdue/notice"
	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
)

// EventKind names something that happened to an invoice or a notice.
type EventKind string

// The events the app reports. Payment, credit, dispute, promise and hold
// events change the invoice (Invoice.Apply; Runner.Apply stores and
// applies them); delivery events (Delivered, Bounced, Opened, Clicked) are
// about a notice, named by its action Key, and feed step and template
// metrics.
const (
	PaymentReceived   EventKind = "payment"
	CreditApplied     EventKind = "credit"
	DisputeOpened     EventKind = "dispute-opened"
	DisputeResolved   EventKind = "dispute-resolved"
	PromiseMade       EventKind = "promise-made"
	HoldPlaced        EventKind = "hold"
	HoldReleased      EventKind = "release"
	NoticeDelivered   EventKind = "delivered"
	NoticeBounced     EventKind = "bounced"
	NoticeOpened      EventKind = "opened"
	NoticeClicked     EventKind = "clicked"
	PromiseKeptEvent  EventKind = "promise-kept"
	PromiseBrokeEvent EventKind = "promise-broken"
)

// Event is one report from the app.
type Event struct {
	// ID makes appending idempotent: an event with a stored ID is ignored.
	ID         string    `json:"id"`
	Kind       EventKind `json:"kind"`
	CustomerID string    `json:"customer_id,omitempty"`
	InvoiceID  string    `json:"invoice_id,omitempty"`
	// Instalment is the part (1-based) of an invoice payable in parts the
	// event is about (0: the whole invoice). An InvoiceID naming an
	// instalment ("INV-1#2", the ID the keys, the ledger and Explain use)
	// says the same: Invoice.Apply and Runner.Apply take the event to the
	// invoice itself, InvoiceID "INV-1" and Instalment 2.
	Instalment int             `json:"instalment,omitempty"`
	Key        string          `json:"key,omitempty"` // the action key, for delivery events
	Date       date.Date       `json:"date"`
	Until      date.Date       `json:"until,omitzero"` // promise pay-by, hold end
	Amount     decimal.Decimal `json:"amount,omitzero"`
	Reason     string          `json:"reason,omitempty"`
	// At is when it happened (zero: not said). The stores keep it as
	// given; EventFilter compares it to the microsecond, truncated
	// (StoredTime), and counts an event without it as earlier than any
	// time.
	At time.Time `json:"at,omitzero"`
}

// Apply changes the invoice as the event says: a payment or credit is added,
// a dispute opened or resolved, a promise made, declared kept or broken, a
// hold placed or released.
// Delivery events do not change the invoice and are ignored. Plan reads the
// changed invoice, so every step is recomputed from the invoice's dates
// after every event, never from "now + interval".
//
// An event naming one of the invoice's instalments (Event.Instalment, or
// an instalment ID such as "INV-1#2" in InvoiceID) applies to the
// invoice: a payment or credit goes to that instalment first, what it
// does not owe on to the oldest open one (the app's allocation, see
// Invoice.Parts); a dispute, hold or promise covers the whole invoice, and
// a delivery event is ignored as any other.
//
// Apply is idempotent by event ID: an event whose ID is in inv.Applied (or,
// for a payment or credit, is the Ref of one of the invoice's payments or
// credits) changes nothing and returns nil, so a webhook delivered twice
// counts once. Every event that changes the invoice needs an ID; its ID is
// added to inv.Applied. An event Apply refuses leaves the invoice as it was.
// Runner.Apply records the event in the store and applies it in one call.
func (inv *Invoice) Apply(e Event) error {
	bad := func(field, value, reason string) error {
		return &FieldError{Field: "event[" + e.ID + "]." + field, Value: value, Reason: reason}
	}
	e, err := e.to(inv)
	if err != nil {
		return err
	}
	switch e.Kind {
	case NoticeDelivered, NoticeBounced, NoticeOpened, NoticeClicked:
		return nil
	}
	if e.ID == "" {
		return bad("id", "", "must be set: it makes applying the event again harmless")
	}
	if inv.applied(e.ID) {
		return nil
	}
	if e.Date == 0 {
		return bad("date", "", "must be set")
	}
	if err := inv.apply(e, bad); err != nil {
		return err
	}
	inv.Applied = append(inv.Applied, e.ID)
	return nil
}

// applied reports whether the event with the ID already changed inv.
func (inv *Invoice) applied(id string) bool {
	if slices.Contains(inv.Applied, id) {
		return true
	}
	for i := range inv.Payments {
		if inv.Payments[i].Ref == id {
			return true
		}
	}
	for i := range inv.Credits {
		if inv.Credits[i].Ref == id {
			return true
		}
	}
	return false
}

func (inv *Invoice) apply(e Event, bad func(field, value, reason string) error) error {
	switch e.Kind {
	case PaymentReceived, CreditApplied:
		if e.Amount.Sign() <= 0 {
			return bad("amount", e.Amount.String(), "must be positive")
		}
		if why := notice.LineProblem(e.ID); why != "" {
			// The ID becomes the payment's or credit's Ref, which notices
			// and statements show (checkLine).
			return &FieldError{Field: "event.id", Value: quoteBad(e.ID), Reason: why}
		}
		if e.Kind == PaymentReceived {
			inv.Payments = append(inv.Payments, Payment{Date: e.Date, Amount: e.Amount, Ref: e.ID, Instalment: e.Instalment})
		} else {
			inv.Credits = append(inv.Credits, Credit{Date: e.Date, Amount: e.Amount, Ref: e.ID, Instalment: e.Instalment})
		}
	case DisputeOpened:
		inv.Dispute = &Dispute{Opened: e.Date, Reason: e.Reason}
	case DisputeResolved:
		if inv.Dispute == nil {
			return bad("kind", string(e.Kind), "but the invoice has no open dispute")
		}
		d := *inv.Dispute
		d.Resolved = e.Date
		inv.Dispute = &d
	case PromiseMade:
		if e.Until < e.Date {
			return bad("until", e.Until.String(), "pay-by date is before the day of the promise")
		}
		if e.Amount.Sign() <= 0 {
			return bad("amount", e.Amount.String(), "must be positive")
		}
		inv.Promise = &Promise{Made: e.Date, PayBy: e.Until, Amount: e.Amount}
	case HoldPlaced:
		inv.Hold = &Hold{Since: e.Date, Until: e.Until, Reason: e.Reason}
	case HoldReleased:
		if inv.Hold != nil {
			h := *inv.Hold
			h.Until = e.Date
			inv.Hold = &h
		}
	case PromiseKeptEvent, PromiseBrokeEvent:
		if inv.Promise == nil {
			return bad("kind", string(e.Kind), "but the invoice has no promise to pay")
		}
		pr := *inv.Promise
		if e.Kind == PromiseKeptEvent {
			pr.Kept = e.Date
		} else {
			pr.Broken = e.Date
		}
		inv.Promise = &pr
	default:
		return bad("kind", string(e.Kind), "unknown event kind")
	}
	return nil
}

// Apply records the event in the store and applies it to the invoice, in
// that order, so the app makes one call per event (a webhook, a payment
// from its billing system). inv is nil for an event about no invoice of
// the app's (delivery events: bounced, opened, clicked, delivered). An
// event without InvoiceID or CustomerID is stored with inv's; one naming
// an instalment ID of inv ("INV-1#2") is stored with inv's ID and the
// instalment's number (Event.Instalment).
//
// Order and failure: the event is first checked against the invoice (on a
// copy), then appended to the store, then applied to inv. An event the
// invoice refuses is neither stored nor applied (the error wraps
// ErrInvalid). When the store fails, inv is unchanged and the error names
// the store: call Apply again with the same event. Both steps are
// idempotent by event ID (the store ignores an ID it holds, the invoice
// one in Invoice.Applied), so repeating the call after any failure, or
// after a crash before the app saved inv, applies the event exactly once.
// The app saves the changed invoice itself: it owns its invoices.
func (r *Runner) Apply(ctx context.Context, inv *Invoice, e Event) error {
	if r.Store == nil {
		return fmt.Errorf("dunning: Runner needs a Store")
	}
	var next Invoice
	if inv != nil {
		if e.InvoiceID == "" {
			e.InvoiceID = inv.ID
		}
		if e.CustomerID == "" {
			e.CustomerID = inv.CustomerID
		}
		var err error
		if e, err = e.to(inv); err != nil {
			return err
		}
		next = *inv // Apply replaces, never mutates, what the copy shares
		if err := next.Apply(e); err != nil {
			return err
		}
	}
	if err := r.Store.AppendEvent(ctx, e); err != nil {
		return fmt.Errorf("dunning: recording event %q: %w", e.ID, err)
	}
	if inv != nil {
		*inv = next
	}
	return nil
}

// to returns the event as one about inv itself: an InvoiceID naming an
// instalment of inv ("ID#k", see InstalmentID) becomes inv's ID with
// Instalment k. It refuses an event about another invoice, and an
// instalment inv's schedule does not have.
func (e Event) to(inv *Invoice) (Event, error) {
	bad := func(field, value, reason string) (Event, error) {
		return e, &FieldError{Field: "event[" + e.ID + "]." + field, Value: value, Reason: reason}
	}
	if e.InvoiceID != "" && e.InvoiceID != inv.ID {
		parent, k := ParentID(e.InvoiceID)
		if k == 0 || parent != inv.ID {
			return bad("invoice_id", e.InvoiceID, "is not invoice "+inv.ID+" or one of its instalments")
		}
		if e.Instalment != 0 && e.Instalment != k {
			return bad("instalment", strconv.Itoa(e.Instalment), "differs from the instalment "+e.InvoiceID+" names")
		}
		e.InvoiceID, e.Instalment = inv.ID, k
	}
	if e.Instalment != 0 && (e.Instalment < 0 || e.Instalment > len(inv.Schedule)) {
		return bad("instalment", strconv.Itoa(e.Instalment), fmt.Sprintf("names no instalment of invoice %s (%d in its schedule)", inv.ID, len(inv.Schedule)))
	}
	return e, nil
}
