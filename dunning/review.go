package dunning

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rickb777/date/v2"
)

// Decision is what a reviewer decided about a planned action or a customer.
type Decision string

const (
	// Approve lets the runner send the action with Review.Key, when its
	// step requires approval (Step.Approval).
	Approve Decision = "approve"
	// Skip leaves the action with Review.Key out of every plan before
	// Review.Until (for good when Until is zero).
	Skip Decision = "skip"
	// ChangeLevel replaces the action with Review.Key by its invoices'
	// step Review.Step of the same workflow, planned today under that
	// step's own key (an escalation or a step back). When the workflow has
	// no such step the action is held back as awaiting approval, so it is
	// never sent at the level the reviewer rejected.
	ChangeLevel Decision = "change-level"
	// HoldCustomer stops all dunning of the customer from Review.Since
	// before Review.Until (zero: until the review is replaced), as a
	// Customer.Hold does. Review.Key is empty.
	HoldCustomer Decision = "hold"
)

// StatusAwaitingApproval: the action's step requires approval (Step.Approval)
// and no Approve review names its key; nothing was claimed or sent.
const StatusAwaitingApproval Status = "awaiting-approval"

// Review is a reviewer's decision on a planned action (by its key) or on a
// customer (HoldCustomer), with who decided it and when. A store keeps the
// latest review per customer and key.
type Review struct {
	CustomerID string   `json:"customer_id"`
	Key        string   `json:"key,omitempty"`
	Decision   Decision `json:"decision"`
	// Since and Until bound a hold (Since zero: from the start); Until
	// bounds a skip. The review applies on days d with Since <= d < Until.
	Since date.Date `json:"since,omitzero"`
	Until date.Date `json:"until,omitzero"`
	// Step is the step a ChangeLevel asks for.
	Step   string    `json:"step,omitempty"`
	Reason string    `json:"reason,omitempty"`
	By     string    `json:"by"`
	At     time.Time `json:"at"`
}

// activeOn reports whether a skip or hold applies on day d.
func (r *Review) activeOn(d date.Date) bool {
	return (r.Since == 0 || r.Since <= d) && (r.Until == 0 || d < r.Until)
}

// describe says who decided what, for reasons and Explain. The day of the
// decision is the one At falls on in zone, the customer's IANA time zone
// ("" UTC), the zone the plan's days and the review's Since and Until are
// counted in.
func (r *Review) describe(zone string) string {
	loc, why := loadZone(zone)
	if why != "" {
		loc = time.UTC // not planned: the customer's zone was checked
	}
	s := string(r.Decision) + " by " + r.By + " on " + r.At.In(loc).Format("2006-01-02")
	if r.Until != 0 {
		s += " until " + r.Until.String()
	}
	if r.Step != "" {
		s += " to step " + r.Step
	}
	if r.Reason != "" {
		s += " (" + r.Reason + ")"
	}
	return s
}

// CheckReview validates a review before a store keeps it.
func CheckReview(r Review) error {
	bad := func(field, value, reason string) error {
		return &FieldError{Field: "review." + field, Value: value, Reason: reason}
	}
	switch {
	case r.CustomerID == "":
		return bad("customer_id", "", "must not be empty")
	case r.By == "":
		return bad("by", "", "must name the reviewer")
	case r.At.IsZero():
		return bad("at", "", "must be set")
	case r.Since != 0 && r.Until != 0 && r.Until <= r.Since:
		return bad("until", r.Until.String(), "is not after since "+r.Since.String())
	}
	switch r.Decision {
	case Approve, Skip:
		if r.Key == "" {
			return bad("key", "", "must name the action for "+string(r.Decision))
		}
	case ChangeLevel:
		if r.Key == "" || r.Step == "" {
			return bad("step", r.Step, "change-level needs the action's key and the step to change to")
		}
	case HoldCustomer:
		if r.Key != "" {
			return bad("key", r.Key, "a hold is on the customer: no key")
		}
	default:
		return bad("decision", string(r.Decision), `want "approve", "skip", "change-level" or "hold"`)
	}
	if err := checkTime("review.at", r.At); err != nil {
		return err
	}
	return checkText("review.", textField{"customer_id", r.CustomerID, MaxIDLen}, textField{"key", r.Key, MaxKeyLen},
		textField{"step", r.Step, MaxIDLen}, textField{"reason", r.Reason, MaxTextLen}, textField{"by", r.By, MaxIDLen})
}

// ReviewLog is an optional Store capability: remembered reviews. Both
// stores in store/ implement it. The Runner reads it when planning (skips
// and holds) and before sending an action whose step requires approval; a
// store without it holds every such action back (StatusAwaitingApproval).
type ReviewLog interface {
	// SaveReview keeps r (checked with CheckReview; a *FieldError for
	// what it refuses), replacing the review of the same customer and key.
	SaveReview(ctx context.Context, r Review) error
	// Reviews lists a customer's reviews ("" every customer's) by
	// customer, then key.
	Reviews(ctx context.Context, customerID string) ([]Review, error)
}

// SortReviews orders reviews as stores list them: by customer, then key.
func SortReviews(list []Review) {
	slices.SortFunc(list, func(a, b Review) int {
		return cmp.Or(strings.Compare(a.CustomerID, b.CustomerID), strings.Compare(a.Key, b.Key))
	})
}

// reviewHolds returns the portfolio's customers with the active holds of
// reviews on their own day (asOf) as Customer.Hold, copying only when a
// hold applies. A customer's own active hold stays.
func reviewHolds(asOf func(*Customer) date.Date, p Portfolio) []Customer {
	var holds map[string]*Review
	for i := range p.Reviews {
		if r := &p.Reviews[i]; r.Decision == HoldCustomer {
			if holds == nil {
				holds = map[string]*Review{}
			}
			holds[r.CustomerID] = r
		}
	}
	if holds == nil {
		return p.Customers
	}
	out := slices.Clone(p.Customers)
	for i := range out {
		c := &out[i]
		r := holds[c.ID]
		if r == nil || !r.activeOn(asOf(c)) || c.Hold.ActiveOn(asOf(c)) {
			continue
		}
		c.Hold = &Hold{Since: r.Since, Until: r.Until, Reason: "on review: " + r.describe(c.TimeZone)}
	}
	return out
}

// applyReviews drops the actions an active Skip review names, saying so to
// Explain, and marks those a ChangeLevel review names as needing approval
// (the runner then holds them back).
func applyReviews(p *Portfolio, acts []Action, ex *Explanation) []Action {
	if len(p.Reviews) == 0 {
		return acts
	}
	byKey := map[string]*Review{}
	for i := range p.Reviews {
		if r := &p.Reviews[i]; r.Key != "" {
			byKey[r.Key] = r
		}
	}
	out := acts[:0]
	for _, a := range acts {
		r := byKey[a.Key]
		if r != nil && r.CustomerID == a.CustomerID {
			explain := ex != nil && slices.Contains(a.InvoiceIDs, ex.InvoiceID)
			switch {
			case r.Decision == ChangeLevel:
				a.Approval = true
				if explain {
					ex.Notes = append(ex.Notes, "action "+a.Key+" held back on review: "+r.describe(a.TimeZone))
				}
			case r.Decision == Skip && r.activeOn(a.Date):
				if explain {
					ex.Notes = append(ex.Notes, "action "+a.Key+" skipped on review: "+r.describe(a.TimeZone))
				}
				continue
			}
		}
		out = append(out, a)
	}
	return out
}

// awaitsApproval says why the runner must not send a yet ("" when it may):
// its step requires approval and no Approve review names its key, or a
// ChangeLevel review rejected its level.
func (r *Runner) awaitsApproval(ctx context.Context, a *Action) (string, error) {
	if !a.Approval {
		return "", nil
	}
	rl, ok := r.Store.(ReviewLog)
	if !ok {
		return "awaiting approval: the store keeps no reviews", nil
	}
	revs, err := rl.Reviews(ctx, a.CustomerID)
	if err != nil {
		return "", fmt.Errorf("dunning: reading the reviews of customer %s: %w", a.CustomerID, err)
	}
	for i := range revs {
		if rv := &revs[i]; rv.Key == a.Key {
			switch rv.Decision {
			case Approve:
				return "", nil
			case ChangeLevel:
				return "awaiting approval: " + rv.describe(a.TimeZone), nil
			}
		}
	}
	return "awaiting approval", nil
}

// levelChange is the step a ChangeLevel review sets for an invoice.
type levelChange struct {
	wf   string
	step int
	r    *Review
}

// changeLevels records the ChangeLevel reviews of acts (one customer's new
// actions) whose step exists, for the customer's second planning pass; it
// reports whether there are any.
func (pl *planner) changeLevels(acts []Action) bool {
	if len(pl.p.Reviews) == 0 {
		return false
	}
	if pl.changes == nil {
		pl.changes = map[string]*Review{}
		for j := range pl.p.Reviews {
			if r := &pl.p.Reviews[j]; r.Decision == ChangeLevel {
				pl.changes[r.Key] = r
			}
		}
	}
	found := false
	for i := range acts {
		a := &acts[i]
		r := pl.changes[a.Key]
		if r == nil || r.CustomerID != a.CustomerID {
			continue
		}
		wf, ok := pl.policy.Workflow(a.Workflow)
		if !ok || wf.StepIndex(r.Step) < 0 {
			continue
		}
		if pl.levels == nil {
			pl.levels = map[string]levelChange{}
		}
		for k, id := range a.InvoiceIDs {
			if k >= len(a.Listed) || !a.Listed[k] { // a listed invoice stays listed
				pl.levels[id] = levelChange{wf: wf.Name, step: wf.StepIndex(r.Step), r: r}
			}
		}
		found = true
	}
	return found
}

// saveExplain and restoreExplain undo what a first planning pass wrote to
// the explanation.
func (pl *planner) saveExplain() Explanation {
	if pl.explain == nil {
		return Explanation{}
	}
	return *pl.explain
}

func (pl *planner) restoreExplain(e Explanation) {
	if pl.explain != nil {
		*pl.explain = e
	}
}
