package notice

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
)

// Stage is a notice's tone and legal weight.
type Stage uint8

const (
	// FriendlyReminder: polite, before or just after the due date.
	FriendlyReminder Stage = iota + 1
	// OverdueNotice: states the overdue amounts and days.
	OverdueNotice
	// FinalNotice: a deadline and the consequences of missing it.
	FinalNotice
	// LetterBeforeAction: names the legal step intended and its deadline.
	LetterBeforeAction
	// PaymentUpdate: an automatic payment was declined; asks the customer
	// to update the payment method or pay another way (texts in
	// paymentupdate.go).
	PaymentUpdate
	// StatementOfAccount: a statement of account (Notice.Statement), no
	// dunning notice. Its templates see a StatementView, not a View; the
	// built-in ones are in statement.go. Only a notice carrying a Statement
	// has it, and a workflow's notice step cannot.
	StatementOfAccount
)

var stageNames = [...]string{"", "friendly-reminder", "overdue-notice", "final-notice", "letter-before-action", "payment-update", "statement-of-account"}

// String returns the stage's name, e.g. "final-notice".
func (s Stage) String() string {
	if s.Valid() {
		return stageNames[s]
	}
	return "stage(" + strconv.Itoa(int(s)) + ")"
}

// Valid reports whether s is one of the stages.
func (s Stage) Valid() bool { return s >= FriendlyReminder && s <= StatementOfAccount }

// ParseStage reads a stage's name.
func ParseStage(s string) (Stage, error) {
	for i := 1; i < len(stageNames); i++ {
		if s == stageNames[i] {
			return Stage(i), nil
		}
	}
	return 0, fmt.Errorf("notice: stage %q: want friendly-reminder, overdue-notice, final-notice, letter-before-action, payment-update or statement-of-account", s)
}

// MarshalText writes the stage's name.
func (s Stage) MarshalText() ([]byte, error) {
	if s == 0 {
		return []byte{}, nil
	}
	if !s.Valid() {
		return nil, fmt.Errorf("notice: invalid stage %d", s)
	}
	return []byte(s.String()), nil
}

// UnmarshalText reads a stage's name ("" is no stage).
func (s *Stage) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*s = 0
		return nil
	}
	v, err := ParseStage(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Channel is how a notice travels.
type Channel string

const (
	// Email sends the subject, text and HTML.
	Email Channel = "email"
	// Letter prints the text (or HTML) and posts it.
	Letter Channel = "letter"
	// SMS sends the short text.
	SMS Channel = "sms"
)

// NextKind is what a workflow does after a notice that goes unanswered.
type NextKind string

const (
	// NextNothing: nothing further is planned that the customer must know of.
	NextNothing NextKind = ""
	// NextNotice: another notice follows, of Next.Stage.
	NextNotice NextKind = "notice"
	// NextContact: someone from the creditor will contact the debtor.
	NextContact NextKind = "contact"
	// NextCollection: the claim goes to a collection agency or a lawyer.
	NextCollection NextKind = "collection"
	// NextSuspend: the creditor suspends the debtor's service (switches
	// it off) until the account is settled or the block lifted.
	NextSuspend NextKind = "suspend"
	// NextRestrict: the creditor restricts the debtor's account (no new
	// orders or no changes to it) while the service itself goes on.
	NextRestrict NextKind = "restrict"
	// NextCancel: the creditor cancels the debtor's subscription, which
	// ends the service.
	NextCancel NextKind = "cancel"
)

// nextKinds are the kinds other than NextNothing (read-only).
var nextKinds = [...]NextKind{NextNotice, NextContact, NextCollection, NextSuspend, NextRestrict, NextCancel}

// Valid reports whether k is one of the kinds (NextNothing included).
func (k NextKind) Valid() bool { return k == NextNothing || slices.Contains(nextKinds[:], k) }

// UnmarshalText reads a kind's name ("" is NextNothing) and refuses any
// other word.
func (k *NextKind) UnmarshalText(b []byte) error {
	v := NextKind(b)
	if !v.Valid() {
		return fmt.Errorf("notice: next kind %q: want notice, contact, collection, suspend, restrict, cancel or empty", string(b))
	}
	*k = v
	return nil
}

// Valid reports whether the next step is well formed: a known kind, and a
// Stage only where the kind is NextNotice, there a dunning notice's stage
// (not StatementOfAccount) or none (the stage unknown).
func (x Next) Valid() bool {
	if x.Kind == NextNotice {
		return x.Stage == 0 || x.Stage.Valid() && x.Stage != StatementOfAccount
	}
	return x.Kind.Valid() && x.Stage == 0
}

// Next is the workflow's next step after a notice, as the customer may be
// told of it.
type Next struct {
	Kind  NextKind `json:"kind,omitempty"`
	Stage Stage    `json:"stage,omitempty"` // for NextNotice
}

// Party is the creditor or the debtor.
type Party struct {
	Name      string   `json:"name"`
	Address   []string `json:"address,omitempty"`
	Email     string   `json:"email,omitempty"`
	Phone     string   `json:"phone,omitempty"`
	TaxID     string   `json:"tax_id,omitempty"`
	Reference string   `json:"reference,omitempty"` // customer or account number
	// Kind is a company, a sole trader or a consumer ("" unknown).
	Kind PartyKind `json:"kind,omitempty"`
	// Country is the ISO 3166-1 alpha-2 code of the party's address ("DE",
	// "GB", "FR"): it decides which company disclosures a creditor's
	// letters carry and whether a German Mahnbescheid is open against a
	// debtor.
	Country string `json:"country,omitempty"`
	// Registration is a company's register entry; the built-in texts print
	// it, with TaxID, as the creditor's legal footer (LegalLines).
	Registration Registration `json:"registration,omitzero"`
}

// Line is one invoice on the notice.
type Line struct {
	Number      string          `json:"number"`
	IssueDate   date.Date       `json:"issue_date"`
	DueDate     date.Date       `json:"due_date"`
	Description string          `json:"description"` // goods or services rendered
	Amount      decimal.Decimal `json:"amount"`      // the invoice's original amount
	Open        decimal.Decimal `json:"open"`        // its open balance
	DaysOverdue int             `json:"days_overdue"`
	// LastNotice is the day the last earlier notice about this invoice
	// reached the customer's channel (zero: this notice is the first).
	LastNotice date.Date `json:"last_notice,omitzero"`
	// Instalment and Instalments, on an invoice payable in parts, say
	// which part the line is ("instalment 2 of 3"); its dates, amounts and
	// days overdue are the instalment's. Zero: the whole invoice.
	Instalment  int `json:"instalment,omitempty"`
	Instalments int `json:"instalments,omitempty"`
	// Plan is the payment plan the debtor agreed for the invoice, part by
	// part (nil: none).
	Plan []PlanPart `json:"plan,omitempty"`
}

// Charge is a fee or an interest amount on the notice.
//
// An interest line (one with a Rate) shows how its amount follows: Amount =
// Principal x Rate/100 x Days/year, the year being 365 days for "act/365"
// and 360 for "act/360" and "30/360", rounded to the currency's minor unit
// once (Rounding "" or "total") or per day before multiplying by the days
// (Rounding "daily"). One line covers one period with one principal and one
// rate; a change of either starts a new line. Validate recomputes it.
type Charge struct {
	// Label: "fee", "fees-earlier", "compensation", "interest", or free text.
	Label   string `json:"label"`
	Invoice string `json:"invoice,omitempty"` // invoice number, "" = the whole notice
	// Instalment is the part of the invoice the charge is on (the
	// Line.Instalment of its line), 0 the invoice as a whole: an invoice
	// payable in parts owes interest and, under the late-payment laws,
	// the fixed compensation on each part paid late (Directive 2011/7/EU
	// Art. 5, § 288 Abs. 5 S. 2 BGB).
	Instalment int             `json:"instalment,omitempty"`
	Amount     decimal.Decimal `json:"amount"`
	Rate       decimal.Decimal `json:"rate,omitzero"` // annual %, for interest
	From       date.Date       `json:"from,omitzero"` // interest period, both days counted
	To         date.Date       `json:"to,omitzero"`
	// Principal is the amount interest runs on during the period.
	Principal decimal.Decimal `json:"principal,omitzero"`
	// Days counted in the period (30/360 days under "30/360").
	Days int `json:"days,omitempty"`
	// DayCount is "act/365" (the default when empty), "act/360" or "30/360".
	DayCount string `json:"day_count,omitempty"`
	// Rounding is "" or "total" (the line's exact amount rounded once) or
	// "daily" (each day's interest rounded, then times Days).
	Rounding string `json:"rounding,omitempty"`
	// Basis is the legal basis of a statutory charge, as the law cites it
	// ("§ 288 Abs. 2 BGB", "Late Payment of Commercial Debts (Interest) Act
	// 1998 s.5A"); empty for a contractual one.
	Basis string `json:"basis,omitempty"`
	// Statutory, on a compensation line, is the fixed sum the law grants,
	// and Covered the reminder fees on the same invoice it covers: the
	// line claims Amount = max(0, Statutory - Covered), since the fixed sum
	// covers the costs of reminders (Directive 2011/7/EU Art. 6, CJEU
	// C-287/17, § 288 Abs. 5 S. 3 BGB). Zero Statutory: nothing netted.
	Statutory decimal.Decimal `json:"statutory,omitzero"`
	Covered   decimal.Decimal `json:"covered,omitzero"`
}

// partOnLine reports whether charge c's Instalment is 0 (the invoice as a
// whole) or a part a line of the notice is: the invoice c names, or the
// first line's for a charge naming none.
func (n *Notice) partOnLine(c *Charge) bool {
	if c.Instalment == 0 {
		return true
	}
	num := c.Invoice
	if num == "" && len(n.Lines) > 0 {
		num = n.Lines[0].Number
	}
	for i := range n.Lines {
		if n.Lines[i].Number == num && n.Lines[i].Instalment == c.Instalment {
			return true
		}
	}
	return false
}

// yearDays is the denominator of a day-count convention, 0 if unknown.
func yearDays(dc string) int64 {
	switch dc {
	case "", "act/365":
		return 365
	case "act/360", "30/360":
		return 360
	}
	return 0
}

// Expected returns the amount an interest line's figures give (see
// Charge), rounded to minorUnits, and false when the line lacks them (no
// rate, principal or days, or an unknown day count or rounding).
func (c Charge) Expected(minorUnits int32) (decimal.Decimal, bool) {
	year := yearDays(c.DayCount)
	if c.Rate.Sign() <= 0 || c.Principal.Sign() <= 0 || c.Days <= 0 || year == 0 {
		return decimal.Zero, false
	}
	days := decimal.NewFromInt(int64(c.Days))
	den := decimal.NewFromInt(100 * year)
	switch c.Rounding {
	case "", "total":
		return roundMinor(c.Principal.Mul(c.Rate).Mul(days).Div(den), minorUnits), true
	case "daily":
		return roundMinor(c.Principal.Mul(c.Rate).Div(den), minorUnits).Mul(days), true
	}
	return decimal.Zero, false
}

// Payment tells the debtor how to pay. Instructions are free text in the
// notice's language; ByLanguage, when it has an entry for the notice's
// language tag ("de-AT") or its base ("de"), is shown instead, so a policy
// written for several languages never puts English text in a German notice.
// The notice's language is the one it renders in (Set.Render): a French
// notice rendered from the English templates shows ByLanguage's "en" entry,
// else Instructions, never its "fr" one.
// Options name the ways to pay; the built-in templates translate "bank
// transfer", "card", "direct debit", "cheque" and "payment link".
type Payment struct {
	Instructions string            `json:"instructions,omitempty"`
	ByLanguage   map[string]string `json:"by_language,omitempty"`
	Options      []string          `json:"options,omitempty"`
	IBAN         string            `json:"iban,omitempty"`
	BIC          string            `json:"bic,omitempty"`
	Reference    string            `json:"reference,omitempty"`
	URL          string            `json:"url,omitempty"`
}

// Notice is a dunning notice: what it must carry, and its rendered text.
type Notice struct {
	// Key is the action's idempotency key: internal, never shown to the
	// customer (it names the workflow and step).
	Key string `json:"key"`
	// Number is what the customer sees as the notice's reference and
	// quotes when paying: NumberFor(Key).
	Number    string    `json:"number"`
	Date      date.Date `json:"date"`
	PayBy     date.Date `json:"pay_by"`
	Stage     Stage     `json:"stage"`
	Channel   Channel   `json:"channel"`
	Language  string    `json:"language"`
	Workflow  string    `json:"workflow,omitempty"`
	Step      string    `json:"step,omitempty"`
	Templates string    `json:"templates,omitempty"`

	Creditor Party `json:"creditor"`
	Debtor   Party `json:"debtor"`
	// Cc are the debtor's other contacts an email notice is copied to (an
	// account manager on a final notice, say): Name and Email.
	Cc []Party `json:"cc,omitempty"`
	// Law is the jurisdiction the claim is made under ("" unknown): its
	// checklist (Check) and the legal wording of the texts follow it.
	Law Jurisdiction `json:"law,omitempty"`
	// Contract is the agreement the invoices fall under, as a letter
	// before action states the basis of the claim.
	Contract Contract `json:"contract,omitzero"`
	// Link, when set, is where the customer reads the full notice online;
	// a text message points to it.
	Link string `json:"link,omitempty"`

	Currency   string `json:"currency"`
	MinorUnits int32  `json:"minor_units"`

	Lines    []Line   `json:"lines"`
	Fees     []Charge `json:"fees,omitempty"`
	Interest []Charge `json:"interest,omitempty"`
	// Unapplied are the debtor's payments and credits not yet matched to an
	// invoice, in the notice's currency: each its own line, deducted from
	// the total.
	Unapplied []Unapplied     `json:"unapplied,omitempty"`
	Total     decimal.Decimal `json:"total"`
	Payment   Payment         `json:"payment"`

	// Earlier are the days, oldest first and each once, on which earlier
	// notices about these invoices went out, as far as the history knows
	// (at least the last one of each invoice); empty on a first notice.
	Earlier []date.Date `json:"earlier,omitempty"`
	// Next is what the creditor's workflow does if this notice goes
	// unanswered; templates state consequences only from it.
	Next Next `json:"next,omitzero"`

	// Statement, when set, makes the notice a statement of account sent
	// like any notice (a workflow's statement step, a monthly statement):
	// it has no Lines or charges, its Stage is StatementOfAccount, its
	// Total is the statement's closing balance, Validate checks the
	// parties, date, number and address of the notice and the statement's
	// own figures (Statement.Validate), and Set.Render renders it with the
	// set's StatementOfAccount template for the notice's template set,
	// workflow, step and language (the built-in texts where the set has
	// none; see Set.RenderStatement).
	Statement *Statement `json:"statement,omitempty"`

	Subject string `json:"subject,omitempty"`
	Text    string `json:"text,omitempty"`
	HTML    string `json:"html,omitempty"`
}

// roundMinor rounds d half away from zero to u decimals, the rule of
// money.Money.Round. It is the one place this package rounds (the package
// imports no other package of overdue, so it cannot call Money.Round).
func roundMinor(d decimal.Decimal, u int32) decimal.Decimal { return d.Round(u) }

// First reports whether this is the first notice about its invoices.
func (n *Notice) First() bool { return len(n.Earlier) == 0 }

// Principal is the sum of the lines' open balances, rounded half away from
// zero to MinorUnits.
func (n *Notice) Principal() decimal.Decimal {
	s := n.principal()
	return s.rounded()
}

func (n *Notice) principal() minorSum {
	return sumOf(n.Lines, n.MinorUnits, func(l *Line) decimal.Decimal { return l.Open })
}

func sumCharges(cs []Charge, u int32) minorSum {
	return sumOf(cs, u, func(c *Charge) decimal.Decimal { return c.Amount })
}

// FeeTotal is the sum of the fees, rounded half away from zero to
// MinorUnits.
func (n *Notice) FeeTotal() decimal.Decimal {
	s := sumCharges(n.Fees, n.MinorUnits)
	return s.rounded()
}

// InterestTotal is the sum of the interest amounts, rounded half away from
// zero to MinorUnits.
func (n *Notice) InterestTotal() decimal.Decimal {
	s := sumCharges(n.Interest, n.MinorUnits)
	return s.rounded()
}

// ComputeTotal is Principal + FeeTotal + InterestTotal - UnappliedTotal:
// each rounded on its own, so the total is exactly the figures a notice
// shows, added.
func (n *Notice) ComputeTotal() decimal.Decimal {
	if t, ok := n.computeMinor(); ok {
		return decimal.New(t, -n.MinorUnits)
	}
	p, f, i, un := n.principal(), sumCharges(n.Fees, n.MinorUnits), sumCharges(n.Interest, n.MinorUnits), n.unapplied()
	t := p.rounded().Add(f.rounded()).Add(i.rounded())
	if len(n.Unapplied) > 0 {
		t = t.Sub(un.rounded())
	}
	return t
}

// computeMinor is ComputeTotal in counts of 10^-MinorUnits, or false when
// an amount or a sum does not fit an int64.
func (n *Notice) computeMinor() (int64, bool) {
	p, f, i, un := n.principal(), sumCharges(n.Fees, n.MinorUnits), sumCharges(n.Interest, n.MinorUnits), n.unapplied()
	if p.slow || f.slow || i.slow || un.slow || un.n == math.MinInt64 {
		return 0, false
	}
	// Each part is a count of 10^-MinorUnits, so rounding changes none.
	t, ok := add64(p.n, f.n)
	if ok {
		t, ok = add64(t, i.n)
	}
	if ok {
		t, ok = add64(t, -un.n)
	}
	return t, ok
}

// totalAddsUp reports whether Total is ComputeTotal and has at most
// MinorUnits decimals: compared in counts of the minor unit when both fit.
func (n *Notice) totalAddsUp() bool {
	if u := -n.MinorUnits; len(n.Lines) == 1 && len(n.Fees) == 0 && len(n.Interest) == 0 && len(n.Unapplied) == 0 &&
		n.Total.Exponent() == u && n.Lines[0].Open.Exponent() == u {
		// The one open balance is the total, in minor units both (what
		// the planner builds for most notices): one comparison, no sums.
		return n.Total.Cmp(n.Lines[0].Open) == 0
	}
	if t, ok := n.computeMinor(); ok {
		if v, ok := minorOf(n.Total, n.MinorUnits); ok {
			return v == t
		}
	}
	return n.Total.Equal(n.ComputeTotal()) && fits(n.Total, n.MinorUnits)
}

// ErrInvalid is wrapped by every *ValidationError.
var ErrInvalid = errors.New("notice: invalid")

// ValidationError lists the fields a notice lacks or gets wrong.
type ValidationError struct {
	Fields []string // sorted, e.g. "creditor.address", "lines[0].description"
	// Text are the fields among Fields whose text a notice cannot show (a
	// line break in a name, a control character; see LineProblem), with
	// their values and why, sorted by field.
	Text []BadText
}

// Error implements error: the fields, then each refused text's field,
// value (quoted, at most 64 bytes of it) and reason.
func (e *ValidationError) Error() string {
	s := "notice: missing or invalid: " + strings.Join(e.Fields, ", ")
	for _, t := range e.Text {
		v := t.Value
		if len(v) > 64 {
			v = strings.ToValidUTF8(v[:64], "") + "..."
		}
		s += fmt.Sprintf("; %s: %q %s", t.Field, v, t.Reason)
	}
	return s
}

// Unwrap lets errors.Is match ErrInvalid.
func (e *ValidationError) Unwrap() error { return ErrInvalid }

// checkRate returns the fields of a line charged at a rate whose amount
// does not follow from its principal, rate, days and day count.
func (n *Notice) checkRate(c *Charge) []string {
	var bad []string
	if c.Rate.Sign() <= 0 || c.Rate.GreaterThan(hundred) {
		bad = append(bad, "rate")
	}
	if c.Principal.Sign() <= 0 {
		bad = append(bad, "principal")
	}
	if yearDays(c.DayCount) == 0 {
		bad = append(bad, "day_count")
	}
	if c.Rounding != "" && c.Rounding != "total" && c.Rounding != "daily" {
		bad = append(bad, "rounding")
	}
	// Actual days count both ends of the period.
	actual := c.DayCount != "30/360"
	if c.Days <= 0 || c.From == 0 || c.To < c.From || (actual && c.Days != int(c.To-c.From)+1) {
		bad = append(bad, "days")
	}
	if len(bad) > 0 {
		return bad
	}
	if want, _ := c.Expected(n.MinorUnits); !want.Equal(c.Amount) {
		bad = append(bad, "amount")
	}
	return bad
}

// hundred is the largest rate in percent (read-only).
var hundred = decimal.NewFromInt(100)

// referenceCovers reports whether a payment reference names the notice:
// its number, or every invoice number on it, each as a whole word.
func (n *Notice) referenceCovers(ref string) bool {
	if n.Number != "" && hasWord(ref, n.Number) {
		return true
	}
	for _, l := range n.Lines {
		if !hasWord(ref, l.Number) {
			return false
		}
	}
	return len(n.Lines) > 0
}

// hasWord reports whether w is one of the words of ref, words being
// separated by spaces, commas, semicolons and slashes (an empty w is
// none).
func hasWord(ref, w string) bool {
	for len(ref) > 0 {
		i := strings.IndexAny(ref, " ,;/")
		word := ref
		if i >= 0 {
			word, ref = ref[:i], ref[i+1:]
		} else {
			ref = ""
		}
		if word != "" && word == w {
			return true
		}
	}
	return false
}

// Validate refuses a notice that lacks what a dunning notice must carry: who
// is owed and by whom, each invoice with its number, dates, the goods or
// services rendered, amount and open balance, a consistent total, how to pay,
// the notice date and stage (and, for a final notice or a letter before
// action, a pay-by date after it), and an address for its channel; text
// a notice cannot show (LineProblem: a line break or another control
// character in a name, an address line, an invoice number or description, a
// reference; invalid UTF-8; TextProblem for the payment instructions), each
// such field also in ValidationError.Text with its value and why; a
// friendly reminder with fees or interest is refused, so are a party kind
// or a law it does not know, and so is a netted
// compensation line whose amount is not its statutory sum less the fees it
// covers. It
// recomputes every interest line from its principal, rate, days and day
// count (see Charge) and refuses one whose amount does not follow; it
// refuses a notice number whose check digit fails, earlier-notice days not
// before the notice, and a payment reference that names neither the
// notice's number nor all of its invoices.
//
// A notice carrying a Statement is checked as a statement instead (see
// Notice.Statement).
func (n *Notice) Validate() error { return n.validate(true) }

// ValidateStructure is Validate without the text check (LineProblem,
// TextProblem): what the notice must carry and whether its figures add up.
// It is for a caller that checked every text where it entered, as Plan
// does (customers, contacts, invoices, agreements, the policy): reading
// each text again costs a cache miss per string on a day of thousands of
// notices. A notice carrying a Statement gets the whole check.
func (n *Notice) ValidateStructure() error { return n.validate(false) }

func (n *Notice) validate(text bool) error {
	if n.Statement != nil {
		return n.validateStatement()
	}
	var bad []string
	miss := func(ok bool, field string) {
		if !ok {
			bad = append(bad, field)
		}
	}
	miss(strings.TrimSpace(n.Creditor.Name) != "", "creditor.name")
	miss(len(n.Creditor.Address) > 0, "creditor.address")
	miss(strings.TrimSpace(n.Debtor.Name) != "", "debtor.name")
	miss(n.Debtor.Kind == "" || n.Debtor.Kind.Valid(), "debtor.kind")
	miss(n.Creditor.Kind == "" || n.Creditor.Kind.Valid(), "creditor.kind")
	miss(n.Law == "" || n.Law.Valid(), "law")
	miss(n.Date != 0, "date")
	miss(n.Stage.Valid() && n.Stage != StatementOfAccount, "stage")
	miss(n.Next.Valid(), "next")
	// A final notice or a letter before action sets a deadline.
	if n.Stage == FinalNotice || n.Stage == LetterBeforeAction {
		miss(n.PayBy != 0 && n.PayBy > n.Date, "pay_by")
	}
	cur := len(n.Currency) == 3
	for _, r := range n.Currency {
		cur = cur && r >= 'A' && r <= 'Z'
	}
	miss(cur, "currency")
	miss(n.MinorUnits >= 0 && n.MinorUnits <= 4, "minor_units")
	miss(len(n.Lines) > 0, "lines")
	// The field paths name an index; they are built only for a field that
	// fails (at), as most notices have none.
	at := func(list string, i int, field string) string { return list + "[" + strconv.Itoa(i) + "]." + field }
	missAt := func(ok bool, list string, i int, field string) {
		if !ok {
			bad = append(bad, at(list, i, field))
		}
	}
	for i := range n.Lines {
		l := &n.Lines[i]
		missAt(strings.TrimSpace(l.Number) != "", "lines", i, "number")
		missAt(l.IssueDate != 0, "lines", i, "issue_date")
		missAt(l.DueDate != 0 && l.DueDate >= l.IssueDate, "lines", i, "due_date")
		missAt(strings.TrimSpace(l.Description) != "", "lines", i, "description")
		missAt(l.Amount.Sign() > 0 && fits(l.Amount, n.MinorUnits), "lines", i, "amount")
		missAt(l.Open.Sign() > 0 && l.Open.Cmp(l.Amount) <= 0 && fits(l.Open, n.MinorUnits), "lines", i, "open")
		missAt(l.DaysOverdue >= 0, "lines", i, "days_overdue")
	}
	// A friendly reminder charges nothing: before or at the due date the
	// debtor is not in default, and no fee, compensation or interest is due.
	miss(n.Stage != FriendlyReminder || len(n.Fees) == 0, "fees")
	miss(n.Stage != FriendlyReminder || len(n.Interest) == 0, "interest")
	for i := range n.Fees {
		c := &n.Fees[i]
		missAt(c.Amount.Sign() >= 0 && fits(c.Amount, n.MinorUnits), "fees", i, "amount")
		if !c.Statutory.IsZero() || !c.Covered.IsZero() {
			net := c.Statutory.Sub(c.Covered)
			if net.IsNegative() {
				net = decimal.Zero
			}
			missAt(c.Statutory.IsPositive() && !c.Covered.IsNegative() && c.Amount.Equal(net), "fees", i, "amount")
		}
		if !c.Rate.IsZero() && c.Days != 0 { // interest booked as a fee
			for _, f := range n.checkRate(c) {
				bad = append(bad, at("fees", i, f))
			}
		}
		missAt(n.partOnLine(c), "fees", i, "instalment")
	}
	for i := range n.Interest {
		c := &n.Interest[i]
		missAt(c.Amount.Sign() >= 0 && fits(c.Amount, n.MinorUnits), "interest", i, "amount")
		missAt(n.partOnLine(c), "interest", i, "instalment")
		for _, f := range n.checkRate(c) {
			bad = append(bad, at("interest", i, f))
		}
	}
	bad = append(bad, n.checkAccount()...)
	miss(n.totalAddsUp(), "total")
	var buf [NumberLen + 6]byte
	_, err := readNumber(n.Number, buf[:0])
	miss(err == nil && len(n.Number) == NumberLen, "number")
	for i, d := range n.Earlier {
		if d == 0 || d >= n.Date || i > 0 && d <= n.Earlier[i-1] {
			bad = append(bad, "earlier["+strconv.Itoa(i)+"]")
		}
	}
	pay := n.Payment
	miss(strings.TrimSpace(pay.Instructions) != "" || pay.IBAN != "" || pay.URL != "", "payment")
	miss(pay.Reference == "" || n.referenceCovers(pay.Reference), "payment.reference")
	switch n.Channel {
	case Email:
		miss(strings.Contains(n.Debtor.Email, "@"), "debtor.email")
	case Letter:
		miss(len(n.Debtor.Address) > 0, "debtor.address")
	case SMS:
		miss(n.Debtor.Phone != "", "debtor.phone")
	default:
		bad = append(bad, "channel")
	}
	var tc textCheck
	if text {
		tc.notice(n)
	}
	bad, texts := tc.merge(bad)
	if len(bad) == 0 {
		return nil
	}
	slices.Sort(bad)
	return &ValidationError{Fields: bad, Text: texts}
}
