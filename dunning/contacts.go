package dunning

import (
	"strings"

	"github.com/overduehq/overdue/notice"
)

// Contact roles the built-in defaults know. Roles are the app's own words
// (Contact.Role); a step names the ones its notice goes to (Step.To) and
// is copied to (Step.Cc), compared without regard to case.
const (
	RoleBilling         = "billing"
	RoleAccountsPayable = "accounts-payable"
	RoleAccountManager  = "account-manager"
	RoleEscalation      = "escalation"
)

// DefaultRoles returns the roles a notice goes to when its step names none:
// the billing contact, then accounts payable. Contacts with other roles
// follow in the customer's order.
func DefaultRoles() []string { return []string{RoleBilling, RoleAccountsPayable} }

// retraceSuffix ends the key of a notice re-sent to the customer's next
// contact after the one before bounced: key K bounced, K/next goes to the
// second contact, K/next/next to the third.
const retraceSuffix = "/next"

// retraceDepth is how many contacts before the one key goes to bounced.
func retraceDepth(key string) int {
	n := 0
	for strings.HasSuffix(key, retraceSuffix) {
		key = strings.TrimSuffix(key, retraceSuffix)
		n++
	}
	return n
}

// replaced is the key of the bounced notice a fallback or re-trace key
// replaces.
func replaced(key string) string {
	if k, ok := strings.CutSuffix(key, "/fallback"); ok {
		return k
	}
	return strings.TrimSuffix(key, retraceSuffix)
}

// reaches reports whether contact k can receive a notice on channel ch.
func (k *Contact) reaches(ch notice.Channel) bool {
	switch ch {
	case notice.Email:
		return k.Email != ""
	case notice.SMS:
		return k.Phone != ""
	case notice.Letter:
		return len(k.Address) > 0
	}
	return true
}

func hasRole(roles []string, role string) int {
	for i, r := range roles {
		if strings.EqualFold(strings.TrimSpace(r), strings.TrimSpace(role)) {
			return i
		}
	}
	return -1
}

// Candidates returns the contacts a notice of step on channel ch may go to,
// best first: those holding one of the step's roles (Step.To, else
// DefaultRoles) in the roles' order, then the others in the customer's
// order; only contacts that the channel can reach (an email address for
// email, a phone for SMS, postal lines for a letter).
func (c *Customer) Candidates(step *Step, ch notice.Channel) []Contact {
	var out []Contact
	c.candidates(step, ch, func(k *Contact) bool { out = append(out, *k); return true })
	return out
}

// candidates calls yield with each of Candidates in turn until it returns
// false, without allocating.
func (c *Customer) candidates(step *Step, ch notice.Channel, yield func(*Contact) bool) {
	var def [2]string
	roles := def[:0]
	if step != nil && len(step.To) > 0 {
		roles = step.To
	} else {
		roles = append(roles, RoleBilling, RoleAccountsPayable) // DefaultRoles
	}
	for r := range len(roles) + 1 {
		for i := range c.Contacts {
			k := &c.Contacts[i]
			j := hasRole(roles, k.Role)
			if ((r < len(roles) && j == r) || (r == len(roles) && j < 0)) && k.reaches(ch) && !yield(k) {
				return
			}
		}
	}
}

// Addressees picks who a notice of step on channel ch goes to after skip
// earlier candidates bounced (0 on a first attempt): the skip-th of
// Candidates, and for email the contacts copied (those holding a role in
// Step.Cc, with an email address other than the addressee's). ok is false
// when no candidate is left; with no candidate at all (a customer without
// contacts) the first contact, if any, is the addressee, so the notice's
// validation names what is missing.
func (c *Customer) Addressees(step *Step, ch notice.Channel, skip int) (to Contact, cc []Contact, ok bool) {
	n, found := 0, false
	c.candidates(step, ch, func(k *Contact) bool {
		if n == skip {
			to, found = *k, true
			return false
		}
		n++
		return true
	})
	switch {
	case found:
	case skip > 0:
		return Contact{}, nil, false
	case len(c.Contacts) > 0:
		to = c.Contacts[0]
	}
	if ch == notice.Email && step != nil {
		for _, k := range c.Contacts {
			if k.Email != "" && hasRole(step.Cc, k.Role) >= 0 && !strings.EqualFold(k.Email, to.Email) {
				cc = append(cc, k)
			}
		}
	}
	return to, cc, true
}

// retrace reports whether an email of step whose notice bounced has a
// next contact to go to.
func (c *Customer) retrace(step *Step, bounced string) bool {
	return retraceDepth(bounced)+1 < len(c.Candidates(step, notice.Email))
}
