package dunning

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rickb777/date/v2"
)

// InteractionKind is how a collector and a customer were in touch.
type InteractionKind string

const (
	// Call is a phone call, either way.
	Call InteractionKind = "call"
	// EmailReceived is an email from the customer.
	EmailReceived InteractionKind = "email-received"
	// Note is a collector's note with no contact (research, an agreement
	// reached elsewhere).
	Note InteractionKind = "note"
)

// InteractionOutcome is what came of an interaction.
type InteractionOutcome string

const (
	// NoOutcome: nothing to record beyond the text.
	NoOutcome InteractionOutcome = ""
	// PromisedToPay: the customer promised to pay, by FollowUp.
	PromisedToPay InteractionOutcome = "promised-to-pay"
	// ClaimsPaid: the customer says the invoices are paid.
	ClaimsPaid InteractionOutcome = "claims-paid"
	// Disputes: the customer disputes the invoices.
	Disputes InteractionOutcome = "disputes"
	// CallBack: the customer asked to be called back on FollowUp.
	CallBack InteractionOutcome = "call-back"
	// NoAnswer: nobody was reached (a call unanswered, a message left).
	NoAnswer InteractionOutcome = "no-answer"
	// Refused: the customer refuses to pay.
	Refused InteractionOutcome = "refused"
)

// Interaction is one entry in the interaction log: a call, an email
// received, a note, with its outcome, about a customer and optionally some
// of its invoices.
type Interaction struct {
	// ID identifies the entry; logging it again replaces it.
	ID         string             `json:"id"`
	CustomerID string             `json:"customer_id"`
	InvoiceIDs []string           `json:"invoice_ids,omitempty"` // empty: the customer as a whole
	Kind       InteractionKind    `json:"kind"`
	Outcome    InteractionOutcome `json:"outcome,omitempty"`
	// Date is the day it happened; At when, and By who logged it.
	Date date.Date `json:"date"`
	At   time.Time `json:"at,omitzero"`
	By   string    `json:"by,omitempty"`
	Text string    `json:"text,omitempty"`
	// FollowUp is the day agreed to act on next (the promised payment
	// date, the call-back day); zero means none.
	FollowUp date.Date `json:"follow_up,omitzero"`
}

// QuietUntil is the last day the interaction keeps the customer off the
// top of the call list: its FollowUp when set, else the day after it
// happened (someone who called yesterday is not called first today). An
// interaction that reached nobody (NoAnswer) and a Note keep nobody quiet:
// zero.
func (i *Interaction) QuietUntil() date.Date {
	switch {
	case i.Outcome == NoAnswer || i.Kind == Note && i.FollowUp == 0:
		return 0
	case i.FollowUp != 0:
		return i.FollowUp
	}
	return i.Date + 1
}

// About reports whether the interaction concerns invoice id: it names it,
// or names no invoice at all.
func (i *Interaction) About(id string) bool {
	return len(i.InvoiceIDs) == 0 || slices.Contains(i.InvoiceIDs, id)
}

// String renders the entry for a person: day, kind, outcome, who, text.
func (i *Interaction) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", i.Date, i.Kind)
	if i.Outcome != NoOutcome {
		fmt.Fprintf(&b, " (%s", i.Outcome)
		if i.FollowUp != 0 {
			fmt.Fprintf(&b, " by %s", i.FollowUp)
		}
		b.WriteString(")")
	} else if i.FollowUp != 0 {
		fmt.Fprintf(&b, " (follow up %s)", i.FollowUp)
	}
	if i.By != "" {
		fmt.Fprintf(&b, " by %s", i.By)
	}
	if i.Text != "" {
		fmt.Fprintf(&b, ": %s", i.Text)
	}
	return b.String()
}

// CheckInteraction validates an entry before a store keeps it.
func CheckInteraction(i Interaction) error {
	bad := func(field, value, reason string) error {
		return &FieldError{Field: "interaction." + field, Value: value, Reason: reason}
	}
	switch {
	case i.ID == "":
		return bad("id", "", "must not be empty")
	case i.CustomerID == "":
		return bad("customer_id", "", "must not be empty")
	case i.Date == 0:
		return bad("date", "", "must be set")
	case i.FollowUp != 0 && i.FollowUp < i.Date:
		return bad("follow_up", i.FollowUp.String(), "is before the interaction's date "+i.Date.String())
	}
	switch i.Kind {
	case Call, EmailReceived, Note:
	default:
		return bad("kind", string(i.Kind), `want "call", "email-received" or "note"`)
	}
	switch i.Outcome {
	case NoOutcome, PromisedToPay, ClaimsPaid, Disputes, CallBack, NoAnswer, Refused:
	default:
		return bad("outcome", string(i.Outcome), "unknown outcome")
	}
	if err := checkIDs("interaction.", i.InvoiceIDs); err != nil {
		return err
	}
	for _, err := range []error{checkDay(loc{field: "interaction.date"}, i.Date), checkTime("interaction.at", i.At)} {
		if err != nil {
			return err
		}
	}
	return checkText("interaction.", textField{"id", i.ID, MaxKeyLen}, textField{"customer_id", i.CustomerID, MaxIDLen},
		textField{"by", i.By, MaxIDLen}, textField{"text", i.Text, MaxTextLen})
}

// InteractionLog is an optional Store capability: the interaction log.
// Both stores in store/ implement it; a Store without it has no log (see
// LogInteraction and Interactions for the fallback).
type InteractionLog interface {
	// LogInteraction keeps i (checked with CheckInteraction; a
	// *FieldError for what it refuses), replacing an entry with its ID.
	LogInteraction(ctx context.Context, i Interaction) error
	// Interactions lists a customer's entries ("" means every customer's)
	// by Date, then ID.
	Interactions(ctx context.Context, customerID string) ([]Interaction, error)
}

// LogInteraction keeps i in st's interaction log. A store without one
// returns an error wrapping errors.ErrUnsupported and keeps nothing.
func LogInteraction(ctx context.Context, st Store, i Interaction) error {
	l, ok := st.(InteractionLog)
	if !ok {
		return fmt.Errorf("dunning: the store keeps no interaction log: %w", errors.ErrUnsupported)
	}
	return l.LogInteraction(ctx, i)
}

// Interactions reads a customer's interaction log from st ("" every
// customer's); a store without a log has none to give (nil, nil).
func Interactions(ctx context.Context, st Store, customerID string) ([]Interaction, error) {
	l, ok := st.(InteractionLog)
	if !ok {
		return nil, nil
	}
	return l.Interactions(ctx, customerID)
}

// SortInteractions orders entries as stores list them: by Date, then ID.
func SortInteractions(list []Interaction) {
	slices.SortFunc(list, func(a, b Interaction) int {
		return cmp.Or(cmp.Compare(a.Date, b.Date), strings.Compare(a.ID, b.ID))
	})
}
