package dunning

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
)

// Payment retries. A Retry step charges the invoice's open balance through
// the Collector the app plugs into the Runner, with the action's key as the
// payment provider's idempotency key, under the same claim and record
// guarantees as a notice: the charge is claimed, carried out and recorded
// once per key; the one window for a second charge under one key is a
// runner dying between the provider's answer and the record (or a charge
// whose answer never came: ErrOutcomeUnknown, or a try cut at the lease's
// end, StatusOutcomeUnknown), and a
// Collector that is a ChargeLooker closes it (the runner asks before it
// charges again), as does a provider that deduplicates by idempotency key.
//
// The outcome decides what follows:
//   - charged: the record (Outcome Sent) carries the provider's transaction
//     id, and a PaymentReceived event (ID "pay/" + key) is appended to the
//     store before the record and handed back in Result.Event for the app
//     to apply to its invoice (Invoice.Apply): the invoice leaves dunning,
//     and a blocking state it caused is resumed by the next plan (should
//     the store refuse the event until the lease runs out, the charge is
//     still recorded, its Error saying so, and Result.Event still carries
//     the event);
//   - soft decline (try again later): recorded with Outcome Declined; the
//     workflow goes on to its next step (another retry, a notice);
//   - hard decline (stop retrying): recorded as Failed; the invoice passes
//     over the rest of its workflow's retry steps (it stands at the last
//     one) and the step's fallback, by default the payment-update email
//     (notice.PaymentUpdate), goes out, in the same Run.

// Collector charges an invoice through the app's payment provider. It must
// pass key to the provider as the idempotency key, so a second Charge with
// one key after a crash is the same charge.
//
// A decline is a result, not an error: Outcome Declined with the decline
// classified Soft or Hard (the app maps its provider's codes; see the
// package example). Errors follow the Sender's rules: wrapping ErrPermanent
// when the invoice can never be charged this way (no payment method on
// file): treated as a hard decline; wrapping ErrSenderSetup when the
// collector cannot work at all (credentials refused): the run stops; any
// other error is transient, and may be returned only when the provider
// surely did not charge, or deduplicates by key.
type Collector interface {
	Charge(ctx context.Context, key string, req ChargeRequest) (ChargeResult, error)
}

// CollectorFunc adapts a function to Collector.
type CollectorFunc func(ctx context.Context, key string, req ChargeRequest) (ChargeResult, error)

// Charge implements Collector.
func (f CollectorFunc) Charge(ctx context.Context, key string, req ChargeRequest) (ChargeResult, error) {
	return f(ctx, key, req)
}

// ChargeLooker is an optional Collector method, the Looker of charges:
// LookupCharge reports whether the provider holds a charge attempt made
// with the idempotency key, and its result. The runner asks before it
// charges under a key whose earlier claim ended with its outcome unknown;
// if found, the result is recorded (StatusRecovered) and nothing is charged
// again. It returns an error wrapping errors.ErrUnsupported when it cannot
// tell (the runner then charges again under the same key); any other error
// releases the action for a later run.
type ChargeLooker interface {
	LookupCharge(ctx context.Context, key string) (ChargeResult, bool, error)
}

// ChargeRequest is what a Retry action asks the Collector to charge.
type ChargeRequest struct {
	CustomerID    string `json:"customer_id"`
	InvoiceID     string `json:"invoice_id"`
	InvoiceNumber string `json:"invoice_number"`
	// Amount is the invoice's open balance on Date.
	Amount Money     `json:"amount"`
	Date   date.Date `json:"date"`
	// Attempt is the retry's number in the workflow (1 for its first Retry
	// step), for the provider's metadata.
	Attempt int `json:"attempt"`
}

// ChargeOutcome is how a charge ended.
type ChargeOutcome string

const (
	// Charged: the provider took the money.
	Charged ChargeOutcome = "charged"
	// ChargeDeclined: the provider declined; ChargeResult.Decline says how.
	ChargeDeclined ChargeOutcome = "declined"
)

// Decline classifies a declined charge.
type Decline string

const (
	// SoftDecline: trying again later may succeed (insufficient funds, a
	// limit reached, the issuer unavailable, "do not honor").
	SoftDecline Decline = "soft"
	// HardDecline: trying again will not succeed (lost or stolen card,
	// expired card, closed account, fraud suspected): retries stop and the
	// customer is asked to update the payment method.
	HardDecline Decline = "hard"
)

// ChargeResult is the Collector's answer.
type ChargeResult struct {
	Outcome ChargeOutcome `json:"outcome"`
	// Decline classifies a declined charge (an unclassified decline counts
	// as soft).
	Decline Decline `json:"decline,omitempty"`
	// Code and Message are the provider's decline code and text, kept in
	// the record's Error.
	Code    string `json:"code,omitempty"`
	Message string `json:"message,omitempty"`
	// TransactionID is the provider's id of the charge, kept as the
	// record's MessageID.
	TransactionID string `json:"transaction_id,omitempty"`
	// Amount is what was charged; zero means the requested amount.
	Amount decimal.Decimal `json:"amount,omitzero"`
}

// Declined is the Outcome of a Retry whose charge was declined softly: the
// step was carried out, the invoice moves on to its next step.
const Declined Outcome = "declined"

// More statuses of Result, for Retry actions. After an unknown outcome a
// retry ends like a notice: StatusRecovered when the ChargeLooker found the
// charge (nothing charged again), StatusResent when it was charged again
// under the same key (the provider's idempotency decides whether money was
// taken twice).
const (
	// StatusCharged: the charge went through; recorded, and its payment
	// event appended (Result.Event).
	StatusCharged Status = "charged"
	// StatusDeclined: the charge was declined softly and recorded; the
	// next step follows on its day. A hard decline is StatusFailed.
	StatusDeclined Status = "declined"
)

// shortHash returns 16 hex digits of the SHA-256 of parts, each prefixed
// by its length.
func shortHash(parts []string) string {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:%s\n", len(p), p)
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// charge fills the charge request of a Retry action.
func (pl *planner) charge(cs *custState, ds []decision, a *Action, si int) {
	d := ds[0]
	attempt := 0
	for i := 0; i <= si; i++ {
		if d.wf.Steps[i].Action == Retry {
			attempt++
		}
	}
	a.Charge = &ChargeRequest{
		CustomerID: cs.c.ID, InvoiceID: d.inv.ID, InvoiceNumber: d.inv.Number,
		Amount: Money{Amount: d.open, Currency: d.inv.Currency}, Date: cs.asOf, Attempt: attempt,
	}
}

// lastRetry returns the index of the workflow's last Retry step (-1: none).
func lastRetry(w *Workflow) int {
	last := -1
	for i := range w.Steps {
		if w.Steps[i].Action == Retry {
			last = i
		}
	}
	return last
}

// paymentEvent returns the payment event a charged Retry action appends.
func paymentEvent(a *Action, cr ChargeResult) Event {
	amt := cr.Amount
	if amt.Sign() <= 0 {
		amt = a.Charge.Amount.Amount
	}
	return Event{
		ID: "pay/" + a.Key, Kind: PaymentReceived, CustomerID: a.CustomerID, InvoiceID: a.Charge.InvoiceID,
		Key: a.Key, Date: a.Date, Amount: amt, Reason: "charged by retry step " + a.Step,
	}
}

// carryOut does the action's work through the plug-in its kind needs: the
// Sender for notices (with the run's attempts), the Collector for retries,
// the AccountHook for account actions, each try within the lease ending at
// leaseEnd (attempt). cr is the charge result of a retry.
func (r *Runner) carryOut(ctx context.Context, a *Action, leaseEnd time.Time) (id string, cr *ChargeResult, err error) {
	switch {
	case a.Kind == Retry:
		var res ChargeResult
		id, err = r.attempt(ctx, leaseEnd, func(ctx context.Context) (string, error) {
			var err error
			res, err = r.Collector.Charge(ctx, a.Key, *a.Charge)
			return res.TransactionID, err
		})
		if errors.Is(err, ErrPermanent) {
			// Never chargeable this way: a hard decline.
			return "", &ChargeResult{Outcome: ChargeDeclined, Decline: HardDecline, Message: err.Error()}, nil
		}
		if err != nil {
			return "", nil, err
		}
		return id, &res, nil
	case a.Kind.IsAccount():
		_, err = r.attempt(ctx, leaseEnd, func(ctx context.Context) (string, error) { return "", r.Hook.Apply(ctx, a.Key, *a.Account) })
		return "", nil, err
	}
	id, err = r.send(ctx, a, leaseEnd)
	return id, nil, err
}

// lookup asks the plug-in whether the action's key was already carried out
// (Looker for notices, ChargeLooker for retries; account hooks are
// idempotent and not asked). An error wrapping errors.ErrUnsupported means
// it cannot tell.
func (r *Runner) lookup(ctx context.Context, a *Action) (id string, cr *ChargeResult, found bool, err error) {
	switch {
	case a.Kind == Retry:
		if lk, ok := r.Collector.(ChargeLooker); ok {
			res, found, err := lk.LookupCharge(ctx, a.Key)
			if err != nil || !found {
				return "", nil, false, err
			}
			return res.TransactionID, &res, true, nil
		}
	case a.Kind.SendsNotice():
		if lk, ok := r.Sender.(Looker); ok {
			id, found, err := lk.Lookup(ctx, a.Key)
			return id, nil, found, err
		}
	}
	return "", nil, false, errors.ErrUnsupported
}

// plugIn returns an error when the Runner lacks what the action's kind is
// carried out through.
func (r *Runner) plugIn(a *Action) error {
	switch {
	case a.Kind.SendsNotice() && r.Sender == nil:
		return errors.New("dunning: Runner needs a Sender for notices")
	case a.Kind == Retry && r.Collector == nil:
		return errors.New("dunning: Runner needs a Collector for payment retries")
	case a.Kind.IsAccount() && r.Hook == nil:
		return errors.New("dunning: Runner needs a Hook for account actions (" + string(a.Kind) + ")")
	}
	return nil
}

// plugName names what an action of kind k is carried out through.
func plugName(k ActionKind) string {
	switch {
	case k == Retry:
		return "collector"
	case k.IsAccount():
		return "hook"
	}
	return "sender"
}

// checkSubscription says why a Retry or account action cannot be carried
// out ("" if it can), before it is claimed.
func checkSubscription(a *Action) string {
	switch {
	case a.Kind == Retry && a.Charge == nil:
		return "no charge to make"
	case a.Kind.IsAccount() && a.Account == nil:
		return "no account change to make"
	case a.Kind == Retry:
		if err := CheckEvent(paymentEvent(a, ChargeResult{})); err != nil {
			return "its payment event cannot be recorded: " + err.Error()
		}
	}
	return ""
}

// settleCharge turns a retry's charge result into the record's outcome: a
// hard decline is Failed and moves the invoice to the workflow's last
// retry step; a soft one is Declined; a charge is Sent, and its payment
// event is appended to the store (res.Event) before the record, so a crash
// between the two leaves the key pending and its re-claim appends the same
// event (same ID) again.
func (r *Runner) settleCharge(ctx context.Context, a *Action, cr *ChargeResult, rec *Record, res *Result, leaseEnd time.Time) Outcome {
	if cr.Outcome == Charged {
		e := paymentEvent(a, *cr)
		res.Event = &e
		if err := r.retryStore(ctx, leaseEnd, func(c context.Context) error { return r.Store.AppendEvent(c, e) }); err != nil {
			res.Error = Storable("payment event: "+err.Error(), MaxTextLen)
		}
		return Sent
	}
	why := strings.TrimSpace(strings.Join([]string{cr.Code, cr.Message}, " "))
	if cr.Decline == HardDecline {
		res.Error = Storable("hard decline: "+why, MaxTextLen)
		if wf, ok := r.Policy.Workflow(a.Workflow); ok && len(rec.InvoiceIDs) == 1 {
			if last := lastRetry(wf); last > a.StepIndex {
				rec.Steps = []int{last}
			}
		}
		return Failed
	}
	res.Error = Storable("soft decline: "+why, MaxTextLen)
	return Declined
}
