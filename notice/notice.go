package notice

import (
	"errors"
	"fmt"
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
)

var stageNames = [...]string{"", "friendly-reminder", "overdue-notice", "final-notice", "letter-before-action"}

// String returns the stage's name, e.g. "final-notice".
func (s Stage) String() string {
	if s >= FriendlyReminder && s <= LetterBeforeAction {
		return stageNames[s]
	}
	return "stage(" + strconv.Itoa(int(s)) + ")"
}

// Valid reports whether s is one of the four stages.
func (s Stage) Valid() bool { return s >= FriendlyReminder && s <= LetterBeforeAction }

// ParseStage reads a stage's name.
func ParseStage(s string) (Stage, error) {
	for i := 1; i < len(stageNames); i++ {
		if s == stageNames[i] {
			return Stage(i), nil
		}
	}
	return 0, fmt.Errorf("notice: stage %q: want friendly-reminder, overdue-notice, final-notice or letter-before-action", s)
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

// Party is the creditor or the debtor.
type Party struct {
	Name      string   `json:"name"`
	Address   []string `json:"address,omitempty"`
	Email     string   `json:"email,omitempty"`
	Phone     string   `json:"phone,omitempty"`
	TaxID     string   `json:"tax_id,omitempty"`
	Reference string   `json:"reference,omitempty"` // customer or account number
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
}

// Charge is a fee or an interest amount on the notice.
type Charge struct {
	// Label: "fee", "fees-earlier", "compensation", "interest", or free text.
	Label   string          `json:"label"`
	Invoice string          `json:"invoice,omitempty"` // invoice number, "" = the whole notice
	Amount  decimal.Decimal `json:"amount"`
	Rate    decimal.Decimal `json:"rate,omitzero"` // annual %, for interest
	From    date.Date       `json:"from,omitzero"` // interest period
	To      date.Date       `json:"to,omitzero"`
}

// Payment tells the debtor how to pay.
type Payment struct {
	Instructions string   `json:"instructions,omitempty"`
	Options      []string `json:"options,omitempty"`
	IBAN         string   `json:"iban,omitempty"`
	BIC          string   `json:"bic,omitempty"`
	Reference    string   `json:"reference,omitempty"`
	URL          string   `json:"url,omitempty"`
}

// Notice is a dunning notice: what it must carry, and its rendered text.
type Notice struct {
	Key       string    `json:"key"` // idempotency key; also the notice reference
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

	Currency   string `json:"currency"`
	MinorUnits int32  `json:"minor_units"`

	Lines    []Line          `json:"lines"`
	Fees     []Charge        `json:"fees,omitempty"`
	Interest []Charge        `json:"interest,omitempty"`
	Total    decimal.Decimal `json:"total"`
	Payment  Payment         `json:"payment"`

	Subject string `json:"subject,omitempty"`
	Text    string `json:"text,omitempty"`
	HTML    string `json:"html,omitempty"`
}

// roundMinor rounds d half away from zero to u decimals, the rule of
// money.Money.Round. It is the one place this package rounds (the package
// imports no other package of overdue, so it cannot call Money.Round).
func roundMinor(d decimal.Decimal, u int32) decimal.Decimal { return d.Round(u) }

// Principal is the sum of the lines' open balances, rounded half away from
// zero to MinorUnits.
func (n *Notice) Principal() decimal.Decimal {
	s := decimal.Zero
	for _, l := range n.Lines {
		s = s.Add(l.Open)
	}
	return roundMinor(s, n.MinorUnits)
}

func sumCharges(cs []Charge, u int32) decimal.Decimal {
	s := decimal.Zero
	for _, c := range cs {
		s = s.Add(c.Amount)
	}
	return roundMinor(s, u)
}

// FeeTotal is the sum of the fees, rounded half away from zero to
// MinorUnits.
func (n *Notice) FeeTotal() decimal.Decimal { return sumCharges(n.Fees, n.MinorUnits) }

// InterestTotal is the sum of the interest amounts, rounded half away from
// zero to MinorUnits.
func (n *Notice) InterestTotal() decimal.Decimal { return sumCharges(n.Interest, n.MinorUnits) }

// ComputeTotal is Principal + FeeTotal + InterestTotal: each rounded on its
// own, so the total is exactly the three figures a notice shows, added.
func (n *Notice) ComputeTotal() decimal.Decimal {
	return n.Principal().Add(n.FeeTotal()).Add(n.InterestTotal())
}

// ErrInvalid is wrapped by every *ValidationError.
var ErrInvalid = errors.New("notice: invalid")

// ValidationError lists the fields a notice lacks or gets wrong.
type ValidationError struct {
	Fields []string // sorted, e.g. "creditor.address", "lines[0].description"
}

// Error implements error.
func (e *ValidationError) Error() string {
	return "notice: missing or invalid: " + strings.Join(e.Fields, ", ")
}

// Unwrap lets errors.Is match ErrInvalid.
func (e *ValidationError) Unwrap() error { return ErrInvalid }

func fits(d decimal.Decimal, u int32) bool { return d.Equal(roundMinor(d, u)) }

// Validate refuses a notice that lacks what a dunning notice must carry: who
// is owed and by whom, each invoice with its number, dates, the goods or
// services rendered, amount and open balance, a consistent total, how to pay,
// the notice date and stage (and, for a final notice or a letter before
// action, a pay-by date after it), and an address for its channel.
func (n *Notice) Validate() error {
	var bad []string
	miss := func(ok bool, field string) {
		if !ok {
			bad = append(bad, field)
		}
	}
	miss(strings.TrimSpace(n.Creditor.Name) != "", "creditor.name")
	miss(len(n.Creditor.Address) > 0, "creditor.address")
	miss(strings.TrimSpace(n.Debtor.Name) != "", "debtor.name")
	miss(n.Date != 0, "date")
	miss(n.Stage.Valid(), "stage")
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
	for i, l := range n.Lines {
		p := fmt.Sprintf("lines[%d].", i)
		miss(strings.TrimSpace(l.Number) != "", p+"number")
		miss(l.IssueDate != 0, p+"issue_date")
		miss(l.DueDate != 0 && l.DueDate >= l.IssueDate, p+"due_date")
		miss(strings.TrimSpace(l.Description) != "", p+"description")
		miss(l.Amount.Sign() > 0 && fits(l.Amount, n.MinorUnits), p+"amount")
		miss(l.Open.Sign() > 0 && l.Open.Cmp(l.Amount) <= 0 && fits(l.Open, n.MinorUnits), p+"open")
		miss(l.DaysOverdue >= 0, p+"days_overdue")
	}
	for i, c := range n.Fees {
		miss(c.Amount.Sign() >= 0 && fits(c.Amount, n.MinorUnits), fmt.Sprintf("fees[%d].amount", i))
	}
	for i, c := range n.Interest {
		miss(c.Amount.Sign() >= 0 && fits(c.Amount, n.MinorUnits), fmt.Sprintf("interest[%d].amount", i))
	}
	miss(n.Total.Equal(n.ComputeTotal()) && fits(n.Total, n.MinorUnits), "total")
	pay := n.Payment
	miss(strings.TrimSpace(pay.Instructions) != "" || pay.IBAN != "" || pay.URL != "", "payment")
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
	if len(bad) == 0 {
		return nil
	}
	slices.Sort(bad)
	return &ValidationError{Fields: bad}
}
