package dunning

import (
	"errors"
	"fmt"
	"slices"

	"github.com/overduehq/overdue/dunning/charge"
)

// FieldError reports bad input: which field, what value, and why.
type FieldError struct {
	Field  string // a path such as "workflows[1].steps[2].at"
	Value  string
	Reason string
}

// Error implements error.
func (e *FieldError) Error() string {
	return fmt.Sprintf("dunning: %s: %q %s", e.Field, e.Value, e.Reason)
}

// Unwrap lets errors.Is match ErrInvalid.
func (e *FieldError) Unwrap() error { return ErrInvalid }

// Sentinel errors a caller can branch on with errors.Is.
var (
	// ErrInvalid wraps every *FieldError.
	ErrInvalid = errors.New("dunning: invalid input")
	// ErrNotFound: the store has no such record.
	ErrNotFound = errors.New("dunning: not found")
	// ErrAlreadyDone: the action's key was already completed; nothing to do.
	ErrAlreadyDone = errors.New("dunning: action already done")
	// ErrClaimed: another runner holds an unexpired lease on the action.
	ErrClaimed = errors.New("dunning: action claimed by another runner")
	// ErrLeaseLost: the lease expired or was taken over before the outcome
	// was recorded.
	ErrLeaseLost = errors.New("dunning: lease lost")
	// ErrPermanent marks a sender error that retrying cannot fix (a bad
	// address, a hard bounce). Senders wrap it; the runner escalates.
	ErrPermanent = errors.New("dunning: permanent delivery failure")
	// ErrSenderSetup marks a sender error about the sender itself, not the
	// notice: credentials refused, a sender address, TLS setting or
	// configuration the provider refuses. Retrying the notice cannot fix
	// it and it is no fault of the notice: the runner releases the action
	// (neither failed nor sent, no fallback), stops the run and returns the
	// error. Senders wrap it.
	ErrSenderSetup = errors.New("dunning: sender setup failure")
	// ErrOutcomeUnknown marks a sender (or collector, or hook) error after
	// which the provider may have accepted the notice: the connection
	// failed, timed out or was cancelled after the notice was handed over
	// and before the provider answered (for SMTP, a missing reply to the
	// end of DATA). Senders wrap it. The runner neither records the notice
	// nor releases the claim as if nothing were sent: it reports
	// StatusOutcomeUnknown and leaves the claim to run out at its lease's
	// end, so the next claim of the key is Unknown (Claim.Unknown) and asks
	// the sender's Looker before it sends again. A try the runner itself
	// cuts at the lease's end counts as such an error too.
	ErrOutcomeUnknown = errors.New("dunning: delivery outcome unknown")
)

func sortStable[T any](s []T, less func(a, b T) bool) {
	slices.SortStableFunc(s, func(a, b T) int {
		switch {
		case less(a, b):
			return -1
		case less(b, a):
			return 1
		}
		return 0
	})
}

// chargeError is an error of package charge as a FieldError on the full
// path: parent is the path the charge's own field hangs from ("charges",
// "workflows[0].steps[2]"), whole the field it names when err carries no
// field of its own.
func chargeError(parent, whole string, err error) error {
	var ce *charge.Error
	if errors.As(err, &ce) {
		return &FieldError{Field: parent + "." + ce.Field, Value: ce.Value, Reason: ce.Reason}
	}
	return &FieldError{Field: parent + "." + whole, Value: "", Reason: err.Error()}
}
