package dunningtest

import (
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/send"
	"github.com/overduehq/overdue/notice"
	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
)

// TB is the part of testing.TB the kit uses.
type TB interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// Clock is a controllable dunning.Clock, safe for concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock standing at t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// ClockAt returns a clock standing at noon UTC on day d.
func ClockAt(d date.Date) *Clock { return NewClock(d.MidnightUTC().Add(12 * time.Hour)) }

// Now implements dunning.Clock.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// AdvanceDays moves the clock forward by n days.
func (c *Clock) AdvanceDays(n int) { c.Advance(time.Duration(n) * 24 * time.Hour) }

// Sender is a recording sender: see send.Recorder.
type Sender = send.Recorder

// Day parses an ISO date and panics on a typo: for literals in tests only.
func Day(s string) date.Date { return date.MustParseISO(s) }

// Amount parses a decimal literal and panics on a typo: for tests only.
func Amount(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// Customer returns a customer with an email contact, English, UTC.
func Customer(id string) dunning.Customer {
	return dunning.Customer{
		ID:       id,
		Name:     "Customer " + id,
		Language: "en",
		Contacts: []dunning.Contact{{Name: "Accounts payable", Email: id + "@example.com", Address: []string{"1 Example Street", "London EC1A 1AA"}}},
	}
}

// Agreement returns a net-30 agreement in currency cur effective on eff,
// payable by bank transfer.
func Agreement(id, customerID string, eff date.Date, cur dunning.Currency) dunning.Agreement {
	return dunning.Agreement{
		ID: id, CustomerID: customerID, Effective: eff, Currency: cur,
		Terms: dunning.Terms{Kind: dunning.Net, Days: 30},
		Payment: dunning.PaymentInstructions{
			Text:    "Please transfer the amount to our account, quoting the invoice number.",
			Options: []string{"bank transfer"}, IBAN: "DE89370400440532013000", BIC: "COBADEFFXXX",
		},
	}
}

// Invoice returns an invoice for one line of consulting services.
func Invoice(id, customerID string, issued, due date.Date, amount string, cur dunning.Currency) dunning.Invoice {
	a := Amount(amount)
	return dunning.Invoice{
		ID: id, Number: "INV-" + id, CustomerID: customerID, Currency: cur,
		Issued: issued, Due: due, Amount: a,
		Lines: []dunning.Line{{Description: "Consulting services", Quantity: decimal.NewFromInt(1), Amount: a}},
	}
}

// Creditor is the company the kit's notices come from.
func Creditor() notice.Party {
	return notice.Party{Name: "Example Supplies Ltd", Address: []string{"2 Market Road", "Leeds LS1 1AA"}, Email: "ar@example.com"}
}

// Policy returns a validated policy of the given workflows (the first is the
// default) with the kit's creditor. It panics if they are invalid: for tests.
func Policy(wfs ...dunning.Workflow) *dunning.Policy {
	p := &dunning.Policy{Workflows: wfs, Creditor: Creditor(), Payment: dunning.PaymentInstructions{
		Text: "Please transfer the amount due, quoting the invoice number.", IBAN: "GB33BUKB20201555555555",
	}}
	if err := p.Validate(); err != nil {
		panic(err)
	}
	return p
}

// StepOn is one expected action: the step an invoice gets on a day.
type StepOn struct {
	Invoice string
	Step    string
	Kind    dunning.ActionKind
}

// Steps returns, for the actions, which invoice gets which step, sorted.
func Steps(acts []dunning.Action) []StepOn {
	var out []StepOn
	for _, a := range acts {
		for _, id := range a.InvoiceIDs {
			out = append(out, StepOn{Invoice: id, Step: a.Step, Kind: a.Kind})
		}
	}
	slices.SortFunc(out, func(a, b StepOn) int {
		if a.Invoice != b.Invoice {
			if a.Invoice < b.Invoice {
				return -1
			}
			return 1
		}
		if a.Step < b.Step {
			return -1
		}
		if a.Step > b.Step {
			return 1
		}
		return 0
	})
	return out
}

// ExpectStep asserts that on day d the plan gives invoice inv exactly the
// step named step (and that the action has no problem).
func ExpectStep(t TB, pol *dunning.Policy, pf dunning.Portfolio, inv string, d date.Date, step string) []dunning.Action {
	t.Helper()
	acts, err := dunning.Plan(d, pol, pf)
	if err != nil {
		t.Fatalf("Plan(%s): %v", d, err)
		return nil
	}
	var got []string
	for _, a := range acts {
		if slices.Contains(a.InvoiceIDs, inv) {
			got = append(got, a.Step)
			if a.Problem != "" {
				t.Errorf("Plan(%s): action %s has a problem: %s", d, a.Key, a.Problem)
			}
		}
	}
	if diff := cmp.Diff([]string{step}, got); diff != "" {
		t.Errorf("Plan(%s): steps for invoice %s (-want +got):\n%s%s", d, inv, diff, explain(d, pol, pf, inv))
	}
	return acts
}

// ExpectNothing asserts that on day d the plan has no action at all.
func ExpectNothing(t TB, pol *dunning.Policy, pf dunning.Portfolio, d date.Date) {
	t.Helper()
	acts, err := dunning.Plan(d, pol, pf)
	if err != nil {
		t.Fatalf("Plan(%s): %v", d, err)
		return
	}
	if diff := cmp.Diff([]StepOn(nil), Steps(acts)); diff != "" {
		t.Errorf("Plan(%s): want no action (-want +got):\n%s", d, diff)
	}
}

func explain(d date.Date, pol *dunning.Policy, pf dunning.Portfolio, inv string) string {
	ex, err := dunning.Explain(d, pol, pf, inv)
	if err != nil {
		return fmt.Sprintf("(explain: %v)", err)
	}
	return ex.String()
}

// Decimal is shopspring's decimal, re-exported for literals in tests.
type Decimal = decimal.Decimal

// CmpOptions are the go-cmp options that compare the library's values:
// decimals by value (10 equals 10.00), so plans and notices can be diffed.
func CmpOptions() []cmp.Option {
	return []cmp.Option{cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) })}
}
