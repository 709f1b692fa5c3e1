package dunning

import (
	"fmt"
	"slices"
	"strings"

	"github.com/overduehq/overdue/dunning/money"
	"github.com/overduehq/overdue/notice"
	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
)

// Customer balances: one definition for the planner and the metrics.
//
// An item's open balance is Invoice.Open on the day: amount less the
// payments and credits dated on or before it; an invoice with a Schedule is
// one item per instalment (Invoice.Parts). An item is overdue on day d when
// it was issued by d, is due before d, is not written off by d and its open
// balance is positive. The customer's net overdue balance in a currency is
// its overdue items less its unapplied payments and credits (Unapplied) in
// that currency dated on or before d: NetOverdue. Unapplied money in one
// currency is never netted against items in another.
//
// Plan reads it so: the policy's minimum amount (Policy.MinAmount) compares
// the net overdue balance; each notice shows the unapplied money of its
// currency as its own lines (what is left of it after the customer's
// earlier notices of the day, in planning order), deducted from its total up
// to the notice's open balances; a notice whose open balances the unapplied
// money covers is not planned (Explain says so), and neither is a task or
// escalation whose open balance it covers. The metrics package reads the same
// function (metrics.NetReceivables).

// UnappliedKind says what unapplied money is.
type UnappliedKind string

const (
	// UnappliedPayment is money received and not yet matched to an invoice.
	UnappliedPayment UnappliedKind = "payment"
	// UnappliedCredit is a credit note not yet allocated to an invoice.
	UnappliedCredit UnappliedKind = "credit"
)

// Unapplied is a customer's payment or credit note the app has not matched
// to an invoice: it reduces what the customer is dunned for in its
// currency from its date on.
type Unapplied struct {
	ID         string          `json:"id"`
	CustomerID string          `json:"customer_id"`
	Kind       UnappliedKind   `json:"kind"`
	Currency   Currency        `json:"currency"`
	Date       date.Date       `json:"date"`
	Amount     decimal.Decimal `json:"amount"`
	Ref        string          `json:"ref,omitempty"`
}

// Validate checks the record: ID and customer set, kind payment or credit,
// date set and in range, an ISO 4217 currency, a positive amount within
// its bounds, and a Ref a notice can show on one line (checkLine). The
// error is a *FieldError.
func (u *Unapplied) Validate() error {
	l := func(f string) loc { return loc{rec: "unapplied", id: u.ID, field: f} }
	switch {
	case u.ID == "":
		return &FieldError{Field: "unapplied.id", Value: "", Reason: "must not be empty"}
	case u.CustomerID == "":
		return l("customer_id").err("", "must not be empty")
	case u.Kind != UnappliedPayment && u.Kind != UnappliedCredit:
		return l("kind").err(string(u.Kind), `want "payment" or "credit"`)
	case u.Date == 0:
		return l("date").err("", "must be set")
	}
	if err := checkDay(l("date"), u.Date); err != nil {
		return err
	}
	if _, err := money.ParseCurrency(string(u.Currency)); err != nil {
		return l("currency").err(string(u.Currency), "is not an ISO 4217 code")
	}
	if err := checkAmount(l("amount"), u.Amount, u.Currency); err != nil {
		return err
	}
	if u.Amount.Sign() <= 0 {
		return l("amount").err(u.Amount.String(), "must be positive")
	}
	return checkLine(l("ref"), u.Ref)
}

// Balance is a customer's position in one currency on a day.
type Balance struct {
	Currency Currency `json:"currency"`
	// Overdue is the sum of the open balances of the overdue items.
	Overdue decimal.Decimal `json:"overdue"`
	// Unapplied is the unapplied payments and credits dated by the day.
	Unapplied decimal.Decimal `json:"unapplied"`
	// Net is Overdue - Unapplied: negative when the customer holds more
	// unapplied money than it owes overdue.
	Net decimal.Decimal `json:"net"`
}

// overdueItem reports the open balance of an item overdue on asOf (an
// invoice without a schedule, or one instalment part), and whether it is
// overdue.
func overdueItem(inv *Invoice, asOf date.Date) (decimal.Decimal, bool) {
	if inv.Issued > asOf || inv.Due >= asOf || inv.WrittenOff != 0 && inv.WrittenOff <= asOf {
		return decimal.Zero, false
	}
	o := inv.Open(asOf)
	return o, o.Sign() > 0
}

// NetOverdue returns one customer's balances on day asOf per currency,
// sorted by currency: its overdue items (an invoice with a Schedule counts
// per instalment, see Invoice.Parts) less its unapplied money, as the
// package's balance definition states. invs and unapplied must be that
// customer's; a currency appears when it has an overdue item or unapplied
// money.
func NetOverdue(asOf date.Date, invs []*Invoice, unapplied []Unapplied) []Balance {
	by := map[Currency]*Balance{}
	get := func(c Currency) *Balance {
		b := by[c]
		if b == nil {
			b = &Balance{Currency: c}
			by[c] = b
		}
		return b
	}
	add := func(inv *Invoice) {
		if o, ok := overdueItem(inv, asOf); ok {
			b := get(inv.Currency)
			b.Overdue = b.Overdue.Add(o)
		}
	}
	for _, inv := range invs {
		if len(inv.Schedule) == 0 {
			add(inv)
			continue
		}
		for _, p := range inv.Parts() {
			add(&p)
		}
	}
	for i := range unapplied {
		if u := &unapplied[i]; u.Date <= asOf {
			b := get(u.Currency)
			b.Unapplied = b.Unapplied.Add(u.Amount)
		}
	}
	out := make([]Balance, 0, len(by))
	for _, b := range by {
		b.Net = b.Overdue.Sub(b.Unapplied)
		out = append(out, *b)
	}
	slices.SortFunc(out, func(a, b Balance) int { return strings.Compare(string(a.Currency), string(b.Currency)) })
	return out
}

// unappliedState is a customer's unapplied money on the planning day, by
// currency, and what the day's notices used of it so far.
type unappliedState struct {
	recs []Unapplied
	used map[Currency]decimal.Decimal
}

// total returns the unapplied money in cur dated by asOf.
func (u *unappliedState) total(cur Currency, asOf date.Date) decimal.Decimal {
	t := decimal.Zero
	for i := range u.recs {
		if r := &u.recs[i]; r.Currency == cur && r.Date <= asOf {
			t = t.Add(r.Amount)
		}
	}
	return t
}

// netOverdue returns the customer's net overdue balance in cur (NetOverdue's
// figure) from the invoices the planner holds (instalments already parts).
func (pl *planner) netOverdue(cs *custState, cur Currency) decimal.Decimal {
	t := pl.overdueTotal(cs, cur)
	if cs.un != nil {
		t = t.Sub(cs.un.total(cur, cs.asOf))
	}
	return t
}

// applyUnapplied puts the customer's unapplied money in the notice's
// currency on the notice, oldest first, up to the notice's open balances and
// less what earlier notices of the day used. It reports false, with the
// reason, when the money covers the notice's open balances: the notice is
// not planned.
func (pl *planner) applyUnapplied(cs *custState, n *notice.Notice, cur Currency) (bool, string) {
	u := cs.un
	if u == nil {
		return true, ""
	}
	principal := n.Principal()
	recs := make([]*Unapplied, 0, len(u.recs))
	for i := range u.recs {
		if r := &u.recs[i]; r.Currency == cur && r.Date <= cs.asOf {
			recs = append(recs, r)
		}
	}
	if len(recs) == 0 {
		return true, ""
	}
	slices.SortStableFunc(recs, func(a, b *Unapplied) int { return cmpDate(a.Date, b.Date) })
	skip := u.used[cur] // used by earlier notices: taken from the oldest
	left := principal
	var lines []notice.Unapplied
	sum := decimal.Zero
	for _, r := range recs {
		a := r.Amount
		if skip.Sign() > 0 {
			t := decimal.Min(skip, a)
			a, skip = a.Sub(t), skip.Sub(t)
		}
		if a.Sign() <= 0 || left.Sign() <= 0 {
			continue
		}
		a = decimal.Min(a, left)
		left = left.Sub(a)
		sum = sum.Add(a)
		lines = append(lines, notice.Unapplied{Kind: string(r.Kind), Date: r.Date, Reference: r.Ref, Amount: a})
	}
	if len(lines) == 0 {
		return true, ""
	}
	places := pl.places(cur)
	if left.Sign() <= 0 {
		return false, fmt.Sprintf("the customer's unapplied payments and credits in %s (%s) cover the open balances of the notice (%s): no notice", cur, u.total(cur, cs.asOf).StringFixed(places), principal.StringFixed(places))
	}
	if u.used == nil {
		u.used = map[Currency]decimal.Decimal{}
	}
	u.used[cur] = u.used[cur].Add(sum)
	n.Unapplied = lines
	return true, ""
}

func cmpDate(a, b date.Date) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// groupUnapplied returns the valid unapplied records by customer, and a
// Rejected action for each invalid one, one naming no customer of the
// portfolio and one of a customer rejected today (rejected: the actions
// rejecting records so far). The key counts the record's earlier
// occurrences of its customer and ID ("#0" for the first), not its place
// in recs, so it is the same in a portfolio cut to fewer customers.
func groupUnapplied(asOf func(*Customer) date.Date, recs []Unapplied, cs []Customer, idx map[string]int32, rejected []Action) (map[string][]Unapplied, []Action) {
	if len(recs) == 0 {
		return nil, nil
	}
	by := map[string][]Unapplied{}
	var bad []Action
	seen := map[string]bool{}
	occurrences := map[[2]string]int{}
	var rejCust map[string]bool
	for i := range recs {
		u := &recs[i]
		err := u.Validate()
		ci, ok := idx[u.CustomerID]
		switch {
		case err != nil:
		case seen[u.ID]:
			err = loc{rec: "unapplied", id: u.ID, field: "id"}.err(u.ID, "is used by an earlier unapplied record")
		case !ok:
			if rejCust == nil {
				rejCust = map[string]bool{}
				for _, a := range rejected {
					if strings.HasPrefix(a.Key, "rejected/customer/") {
						rejCust[a.CustomerID] = true
					}
				}
			}
			why := "names no customer of the portfolio"
			if rejCust[u.CustomerID] {
				why = "is a customer rejected today (its rejected/customer action says why): the record waits for it"
			}
			err = loc{rec: "unapplied", id: u.ID, field: "customer_id"}.err(u.CustomerID, why)
		}
		if err != nil {
			k := [2]string{u.CustomerID, u.ID}
			a := Action{Key: fmt.Sprintf("rejected/unapplied/%s/%s#%d", esc(u.CustomerID), esc(u.ID), occurrences[k]), Kind: Rejected,
				CustomerID: u.CustomerID, Problem: err.Error(), Reason: "not planned: the record is invalid"}
			occurrences[k]++
			if ok {
				a.TimeZone, a.Date = cs[ci].TimeZone, asOf(&cs[ci])
			}
			bad = append(bad, a)
			continue
		}
		seen[u.ID] = true
		by[u.CustomerID] = append(by[u.CustomerID], *u)
	}
	return by, bad
}

// dropCovered removes from the customer's actions, actions[first:], the
// notices the unapplied money covers (pl.covered) and the tasks,
// escalations, payment retries and account actions other than a Resume
// whose open balance it covers (no card charged again, no account blocked,
// with the money in hand), saying why to Explain. It returns the rest and
// the notices, retries and account actions removed: holdLater holds the
// invoice's steps after them, which recording would mark done. A task
// removed holds none: no later step waits on a task the money makes
// needless, and holding a grouped notice behind it would stall the
// customer's other invoices.
func (pl *planner) dropCovered(cs *custState, actions []Action, first int) ([]Action, []Action) {
	if cs.un == nil {
		return actions, nil
	}
	var dropped []Action
	kept := actions[:first]
	for _, a := range actions[first:] {
		why, drop := pl.covered[a.Key]
		if !drop && !a.Kind.IsNotice() && (a.Task != nil || a.Charge != nil || a.Account != nil && a.Kind != Resume) && a.Open.Sign() > 0 {
			if t := cs.un.total(a.Currency, cs.asOf); t.Cmp(a.Open) >= 0 {
				drop = true
				why = fmt.Sprintf("the customer's unapplied payments and credits in %s (%s) cover the open balance %s: no %s", a.Currency, t.StringFixed(pl.places(a.Currency)), a.Open.StringFixed(pl.places(a.Currency)), a.Kind)
			}
		}
		if !drop {
			kept = append(kept, a)
			continue
		}
		if a.Kind.IsNotice() || a.Charge != nil || a.Account != nil {
			dropped = append(dropped, a)
		}
		if ex := pl.explain; ex != nil && slices.Contains(a.InvoiceIDs, ex.InvoiceID) {
			ex.Reason = fmt.Sprintf("step %q is due but %s", a.Step, why)
		}
	}
	return kept, dropped
}
