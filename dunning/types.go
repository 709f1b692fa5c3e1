package dunning

import (
	"fmt"
	"strconv"
	"time"

	"github.com/overduehq/overdue/dunning/money"
	"github.com/overduehq/overdue/notice"
	"github.com/overduehq/overdue/segment"
	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
)

// Money is an exact amount with an ISO 4217 currency; see package money.
type Money = money.Money

// Currency is an ISO 4217 currency code; see package money.
type Currency = money.Currency

// Hold stops dunning for a customer or an invoice from Since until the day
// before Until (a zero Until holds until released).
type Hold struct {
	Since  date.Date `json:"since"`
	Until  date.Date `json:"until,omitzero"`
	Reason string    `json:"reason"`
}

// ActiveOn reports whether the hold applies on day d.
func (h *Hold) ActiveOn(d date.Date) bool {
	if h == nil {
		return false
	}
	if h.Since != 0 && d < h.Since {
		return false
	}
	return h.Until == 0 || d < h.Until
}

// Contact is a person or mailbox dunning notices go to. Each of its texts,
// each address line too, is one line: a control character (a line break,
// a tab, NUL, ESC), U+2028/U+2029, a bidirectional override or invalid
// UTF-8 in one makes Plan reject the customer (see notice.LineProblem).
type Contact struct {
	Name    string   `json:"name,omitempty"`
	Role    string   `json:"role,omitempty"` // e.g. "billing", "ceo"
	Email   string   `json:"email,omitempty"`
	Phone   string   `json:"phone,omitempty"`
	Address []string `json:"address,omitempty"` // postal address lines
}

// Customer is the debtor. The billing app owns it; dunning reads it.
type Customer struct {
	// ID is shown on notices as the customer number; it and Name are one
	// line each (see Contact).
	ID       string    `json:"id"`
	Name     string    `json:"name"`
	Contacts []Contact `json:"contacts,omitempty"` // the first contact is the primary one
	// Language is a BCP 47 tag ("en", "de-AT") choosing the notice templates.
	// A language without templates (neither the policy's nor the built-in
	// English and German ones) gets the English notice, in English
	// throughout, and the rendered notice's Language is "en".
	Language string `json:"language,omitempty"`
	// TimeZone is an IANA zone name ("Europe/Berlin"); the customer's "today"
	// is taken in it. Empty means UTC.
	TimeZone string `json:"time_zone,omitempty"`
	// Attributes feed the segment rules (industry, size, region, ...).
	Attributes segment.Attrs `json:"attributes,omitempty"`
	// Consumer marks a natural person (B2C): statutory interest and fees
	// differ, and some regimes allow no fixed compensation.
	Consumer bool `json:"consumer,omitempty"`
	// Kind is "company", "sole-trader" or "consumer" (notice.PartyKind);
	// "consumer" implies Consumer. Notices carry it: the UK Debt Protocol,
	// the German interest margin and the fixed compensation depend on it.
	Kind notice.PartyKind `json:"kind,omitempty"`
	// Country is the ISO 3166-1 alpha-2 code of the customer's address
	// ("DE", "GB"): a German Mahnbescheid is announced only at home.
	Country string `json:"country,omitempty"`
	// Hold stops all dunning of the customer while active.
	Hold *Hold `json:"hold,omitempty"`
}

// Today returns the customer's civil date at instant now, in its time zone.
func (c *Customer) Today(now time.Time) (date.Date, error) {
	loc, err := c.Location()
	if err != nil {
		return 0, err
	}
	return date.NewAt(now.In(loc)), nil
}

// Location loads the customer's time zone (UTC when empty).
func (c *Customer) Location() (*time.Location, error) {
	loc, why := loadZone(c.TimeZone)
	if why != "" {
		return nil, &FieldError{Field: "customer[" + c.ID + "].time_zone", Value: c.TimeZone, Reason: why}
	}
	return loc, nil
}

// loadZone loads an IANA time zone, UTC for "", or says why it cannot. It
// refuses "Local", which time.LoadLocation gives as the machine's own
// zone: a plan would then depend on the host it runs on.
func loadZone(name string) (*time.Location, string) {
	switch name {
	case "":
		return time.UTC, ""
	case "Local":
		return nil, "is the machine's zone, not an IANA time zone"
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, "not an IANA time zone"
	}
	return loc, ""
}

// TermsKind says how an invoice's due date follows from its issue date.
type TermsKind string

const (
	// Net: due N days after the issue date ("net 30").
	Net TermsKind = "net"
	// EndOfMonth: due N days after the end of the issue date's month ("30 EOM").
	EndOfMonth TermsKind = "eom"
)

// Terms are payment terms such as net 30.
type Terms struct {
	Kind TermsKind `json:"kind"`
	Days int       `json:"days"`
}

// DueDate returns the due date of an invoice issued on issued.
func (t Terms) DueDate(issued date.Date) (date.Date, error) {
	if t.Days < 0 || t.Days > 3660 {
		return 0, &FieldError{Field: "terms.days", Value: fmt.Sprint(t.Days), Reason: "must be between 0 and 3660"}
	}
	switch t.Kind {
	case Net, "":
		return issued + date.Date(t.Days), nil
	case EndOfMonth:
		eom := issued + date.Date(issued.LastDayOfMonth()-issued.Day())
		return eom + date.Date(t.Days), nil
	default:
		return 0, &FieldError{Field: "terms.kind", Value: string(t.Kind), Reason: `want "net" or "eom"`}
	}
}

// PaymentInstructions tell the debtor how to pay; they are printed on every
// notice. Text and the ByLanguage texts may run over several lines (line
// feeds, no other control character, no carriage return); the other
// fields are one line each (see Contact). Options and BIC name a way to pay,
// not where: Validate refuses them without a Text (or ByLanguage), an IBAN
// or a URL beside them.
type PaymentInstructions struct {
	Text    string   `json:"text,omitempty"`
	Options []string `json:"options,omitempty"` // "bank transfer", "card", "direct debit"
	IBAN    string   `json:"iban,omitempty"`
	BIC     string   `json:"bic,omitempty"`
	URL     string   `json:"url,omitempty"` // a payment link

	// ByLanguage is Text per language tag ("de", "en-US"): a notice in
	// that language (or with that base language) shows it instead of Text.
	// A notice's language is the one it is rendered in: an entry for a
	// language without templates ("fr") is never shown, as that notice is
	// in English.
	ByLanguage map[string]string `json:"by_language,omitempty"`
}

// empty reports whether the instructions say nothing: no text, no IBAN, no
// URL (Options and BIC alone are refused: check).
func (p PaymentInstructions) empty() bool {
	return !p.saysWhere() && len(p.Options) == 0 && p.BIC == ""
}

// saysWhere reports whether the instructions say where to pay: a text, an
// IBAN or a payment link.
func (p PaymentInstructions) saysWhere() bool {
	return p.Text != "" || len(p.ByLanguage) > 0 || p.IBAN != "" || p.URL != ""
}

// Agreement is the payment agreement an invoice falls under: terms,
// currency, how to pay, grace, and what late payment costs.
type Agreement struct {
	ID         string    `json:"id"`
	CustomerID string    `json:"customer_id"`
	Effective  date.Date `json:"effective"`
	// Reference is how the customer knows the agreement ("SA-2025-17");
	// a letter before action states it with Effective as the basis of the
	// claim. Empty: the notice names no agreement. One line (see Contact).
	Reference string   `json:"reference,omitempty"`
	Terms     Terms    `json:"terms"`
	Currency  Currency `json:"currency"`
	// GraceDays delay every step after the due date (and the start of
	// interest) by this many days.
	GraceDays int                 `json:"grace_days,omitempty"`
	Payment   PaymentInstructions `json:"payment"`
	// Charges overrides the policy's late fees and interest for this agreement.
	Charges *Charges `json:"charges,omitempty"`
}

// Payment is money received against an invoice.
type Payment struct {
	Date   date.Date       `json:"date"`
	Amount decimal.Decimal `json:"amount"`
	Ref    string          `json:"ref,omitempty"`
	// Instalment, on an invoice with a Schedule, is the instalment
	// (1-based) the app allocated the payment to; 0 leaves it to the
	// allocation rule (oldest instalment first, see Invoice.Parts).
	Instalment int `json:"instalment,omitempty"`
}

// Credit is a credit note applied to an invoice.
type Credit struct {
	Date   date.Date       `json:"date"`
	Amount decimal.Decimal `json:"amount"`
	Ref    string          `json:"ref,omitempty"`
	// Instalment: as Payment.Instalment.
	Instalment int `json:"instalment,omitempty"`
}

// Line is one item of goods or services an invoice bills for.
// Description is one line of text (see Contact): a notice shows the
// invoice's descriptions joined with "; " on one line, where a line break
// would let the description write lines of its own (a forged "Total due");
// a description from a billing system that runs over several lines must
// be joined by the app, in its own words, before it reaches Plan.
type Line struct {
	Description string          `json:"description"`
	Quantity    decimal.Decimal `json:"quantity,omitzero"`
	Amount      decimal.Decimal `json:"amount"`
}

// Dispute is a disagreement about an invoice; dunning pauses while it is open.
type Dispute struct {
	Opened   date.Date `json:"opened"`
	Resolved date.Date `json:"resolved,omitzero"` // zero while open
	Reason   string    `json:"reason,omitempty"`
}

// OpenOn reports whether the dispute is open on day d.
func (d *Dispute) OpenOn(day date.Date) bool {
	return d != nil && day >= d.Opened && (d.Resolved == 0 || day < d.Resolved)
}

// Promise is a promise to pay Amount by PayBy, made on Made. Whether it is
// kept is read from the payments; the app may also say so early: Broken is
// the day the customer said it will not be kept (a promise-broken event),
// Kept the day the app declared it kept (a promise-kept event, e.g. for a
// payment not yet booked).
type Promise struct {
	Made   date.Date       `json:"made"`
	PayBy  date.Date       `json:"pay_by"`
	Amount decimal.Decimal `json:"amount"`
	Broken date.Date       `json:"broken,omitzero"`
	Kept   date.Date       `json:"kept,omitzero"`
	// Parts, when set, make the promise a payment plan: several dated parts
	// whose days ascend, the last on PayBy, adding up to Amount (see PlanOn).
	Parts []PromisePart `json:"parts,omitempty"`
}

// PromiseState is where a promise to pay stands on a day.
type PromiseState uint8

const (
	// NoPromise: there is no promise.
	NoPromise PromiseState = iota
	// PromisePending: the pay-by date has not passed; dunning waits.
	PromisePending
	// PromiseKept: at least the promised amount arrived by the pay-by date.
	PromiseKept
	// PromiseBroken: the pay-by date passed without the promised amount.
	PromiseBroken
)

// String returns "none", "pending", "kept" or "broken".
func (s PromiseState) String() string {
	return [...]string{"none", "pending", "kept", "broken"}[min(int(s), 3)]
}

// Invoice is a receivable. The billing app owns it and passes it to Plan.
type Invoice struct {
	ID string `json:"id"`
	// Number is the invoice number the customer knows, one line of text
	// (see Contact), as are the lines' descriptions and the payments' and
	// credits' refs.
	Number      string          `json:"number"`
	CustomerID  string          `json:"customer_id"`
	AgreementID string          `json:"agreement_id,omitempty"`
	Currency    Currency        `json:"currency"`
	Issued      date.Date       `json:"issued"`
	Due         date.Date       `json:"due"`
	Amount      decimal.Decimal `json:"amount"`
	// Schedule, when set, makes the invoice payable in instalments: their
	// amounts add up to Amount and the last one falls due on Due. Dunning
	// then runs per instalment (see Parts); without a Schedule the invoice
	// is one item due on Due.
	Schedule []Instalment `json:"schedule,omitempty"`
	Lines    []Line       `json:"lines,omitempty"`
	Payments []Payment    `json:"payments,omitempty"`
	Credits  []Credit     `json:"credits,omitempty"`
	Dispute  *Dispute     `json:"dispute,omitempty"`
	Promise  *Promise     `json:"promise,omitempty"`
	Hold     *Hold        `json:"hold,omitempty"`
	// WrittenOff is the day the invoice was written off (zero: it was not).
	WrittenOff date.Date `json:"written_off,omitzero"`
	// Litigation marks an invoice handed to court or agency: no more dunning.
	Litigation bool `json:"litigation,omitempty"`
	// Cycle starts a new dunning cycle when the app increments it (after a
	// reversed payment reopens a settled invoice, say): steps already done in
	// an earlier cycle are done again, and the cycle's notices claim their
	// fees and the statutory compensation afresh (the earlier cycle's are
	// not carried over).
	Cycle int `json:"cycle,omitempty"`
	// Applied lists the IDs of the events Apply changed the invoice with,
	// so an event applied again (a webhook retried) changes nothing.
	Applied []string `json:"applied,omitempty"`
	// Progress, when not nil, is the invoice's progress delivered with it by
	// a store that loads the two together (Progress.InvoiceID is the
	// invoice's ID): Plan reads it instead of asking Portfolio.History by
	// ID, which saves a string-keyed lookup per invoice. With nil, Plan asks
	// History. It is not part of the invoice's JSON.
	Progress *Progress `json:"-"`
}

// Open returns the open balance on day asOf: amount - payments - credits
// dated on or before asOf. This is the one balance definition of the
// library: thresholds, notices, fees, interest and metrics all use it.
func (inv *Invoice) Open(asOf date.Date) decimal.Decimal {
	if len(inv.Payments) == 0 && len(inv.Credits) == 0 {
		return inv.Amount
	}
	open := inv.Amount
	for i := range inv.Payments {
		if inv.Payments[i].Date <= asOf {
			open = open.Sub(inv.Payments[i].Amount)
		}
	}
	for i := range inv.Credits {
		if inv.Credits[i].Date <= asOf {
			open = open.Sub(inv.Credits[i].Amount)
		}
	}
	return open
}

// PaidOn returns the day the open balance first reached zero or below, and
// whether it has by asOf.
func (inv *Invoice) PaidOn(asOf date.Date) (date.Date, bool) {
	type ev struct {
		d date.Date
		a decimal.Decimal
	}
	evs := make([]ev, 0, len(inv.Payments)+len(inv.Credits))
	for _, p := range inv.Payments {
		evs = append(evs, ev{p.Date, p.Amount})
	}
	for _, c := range inv.Credits {
		evs = append(evs, ev{c.Date, c.Amount})
	}
	sortStable(evs, func(a, b ev) bool { return a.d < b.d })
	open := inv.Amount
	for _, e := range evs {
		if e.d > asOf {
			break
		}
		open = open.Sub(e.a)
		if open.Sign() <= 0 {
			return e.d, true
		}
	}
	if inv.Amount.Sign() <= 0 {
		return inv.Issued, true
	}
	return 0, false
}

// PromiseOn returns the state of the invoice's promise to pay on day d
// (for a payment plan, see PlanOn and the rules in paymentplan.go).
func (inv *Invoice) PromiseOn(d date.Date) PromiseState {
	s, _ := inv.promiseOn(d)
	return s
}

// Validate checks the invoice's fields: IDs; issue and due dates set, in
// order and between the years 1900 and 9999; an ISO 4217 currency; an
// amount that is not negative, at most 15 integer digits and no finer than
// the currency's minor unit; payments, credits and a promise with positive
// amounts in the same bounds and dates set; a dispute, hold or write-off
// that does not end before it starts; a cycle from 0 to math.MaxInt32; a
// schedule of instalments (validateSchedule) and a payment plan's parts
// (validatePlan) that add up and are in order. Each error is a *FieldError
// naming the field and the value.
//
// The texts a notice shows, the number, the lines' descriptions and the
// payments' and credits' refs, must each be one line: no control
// character (a line break, a tab, NUL, ESC), no U+2028/U+2029, no
// bidirectional override, valid UTF-8 (see notice.LineProblem).
func (inv *Invoice) Validate() error {
	l := func(field string) loc { return loc{rec: "invoice", id: inv.ID, field: field} }
	li := func(field string, i int) loc {
		return loc{rec: "invoice", id: inv.ID, field: field, i: i, indexed: true}
	}
	switch {
	case inv.ID == "":
		return &FieldError{Field: "invoice.id", Value: "", Reason: "must not be empty"}
	case inv.CustomerID == "":
		return l("customer_id").err("", "must not be empty")
	case inv.Issued == 0:
		return l("issued").err("", "must be set")
	case inv.Due == 0:
		return l("due").err("", "must be set")
	case inv.Cycle < 0:
		return l("cycle").err(strconv.Itoa(inv.Cycle), "must not be negative")
	case !int32OK(inv.Cycle):
		// The SQL store keeps the cycle in an integer column: a record of
		// a larger one could not be kept, after its notice was sent.
		return l("cycle").err(strconv.Itoa(inv.Cycle), "must be at most 2147483647")
	}
	// Each check below is made first without the field's name, which is
	// built only for an error: Plan validates every invoice every day.
	switch {
	case !dayOK(inv.Issued):
		return checkDay(l("issued"), inv.Issued)
	case !dayOK(inv.Due):
		return checkDay(l("due"), inv.Due)
	case !dayOK(inv.WrittenOff):
		return checkDay(l("written_off"), inv.WrittenOff)
	}
	if inv.Due < inv.Issued {
		return l("due").err(inv.Due.String(), "is before the issue date "+inv.Issued.String())
	}
	if inv.WrittenOff != 0 && inv.WrittenOff < inv.Issued {
		return l("written_off").err(inv.WrittenOff.String(), "is before the issue date "+inv.Issued.String())
	}
	// One lookup of the currency for both checks (ParseCurrency and
	// amountOK each look it up).
	u, known := inv.Currency.MinorUnits()
	if !known {
		return l("currency").err(string(inv.Currency), "is not an ISO 4217 code")
	}
	if !amountFits(inv.Amount, u) {
		if err := checkAmount(l("amount"), inv.Amount, inv.Currency); err != nil {
			return err
		}
	}
	if inv.Amount.IsNegative() {
		return l("amount").err(inv.Amount.String(), "must not be negative (book a credit note as a Credit)")
	}
	if err := inv.checkLines(); err != nil {
		return err
	}
	for i := range inv.Lines {
		if money.CheckBounds(inv.Lines[i].Amount) != nil {
			return checkNumber(li("lines[%d].amount", i), inv.Lines[i].Amount)
		}
		if money.CheckBounds(inv.Lines[i].Quantity) != nil {
			return checkNumber(li("lines[%d].quantity", i), inv.Lines[i].Quantity)
		}
	}
	paid := func(kind string, i int, d date.Date, a decimal.Decimal) error {
		at := li(kind, i)
		if err := checkAmount(at.with(".amount"), a, inv.Currency); err != nil {
			return err
		}
		if a.Sign() <= 0 {
			return at.with(".amount").err(a.String(), "must be positive")
		}
		if d == 0 {
			return at.with(".date").err("", "must be set")
		}
		return checkDay(at.with(".date"), d)
	}
	for i := range inv.Payments {
		if err := paid("payments[%d]", i, inv.Payments[i].Date, inv.Payments[i].Amount); err != nil {
			return err
		}
	}
	for i := range inv.Credits {
		if err := paid("credits[%d]", i, inv.Credits[i].Date, inv.Credits[i].Amount); err != nil {
			return err
		}
	}
	if d := inv.Dispute; d != nil {
		if d.Opened == 0 {
			return l("dispute.opened").err("", "must be set")
		}
		if err := checkDay(l("dispute.opened"), d.Opened); err != nil {
			return err
		}
		if err := checkDay(l("dispute.resolved"), d.Resolved); err != nil {
			return err
		}
		if d.Resolved != 0 && d.Resolved < d.Opened {
			return l("dispute.resolved").err(d.Resolved.String(), "is before the dispute was opened on "+d.Opened.String())
		}
	}
	if pr := inv.Promise; pr != nil {
		switch {
		case pr.Made == 0:
			return l("promise.made").err("", "must be set")
		case pr.PayBy == 0:
			return l("promise.pay_by").err("", "must be set")
		}
		for _, err := range []error{checkDay(l("promise.made"), pr.Made), checkDay(l("promise.pay_by"), pr.PayBy), checkDay(l("promise.broken"), pr.Broken), checkDay(l("promise.kept"), pr.Kept)} {
			if err != nil {
				return err
			}
		}
		if pr.PayBy < pr.Made {
			return l("promise.pay_by").err(pr.PayBy.String(), "is before the day the promise was made")
		}
		if err := checkAmount(l("promise.amount"), pr.Amount, inv.Currency); err != nil {
			return err
		}
		if pr.Amount.Sign() <= 0 {
			return l("promise.amount").err(pr.Amount.String(), "must be positive")
		}
		if err := inv.validatePlan(); err != nil {
			return err
		}
	}
	if err := inv.validateSchedule(); err != nil {
		return err
	}
	if inv.Hold == nil {
		return nil
	}
	return checkHold(l("hold"), inv.Hold)
}
