package money

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
)

// Money is an exact amount in one currency.
//
// The zero Money has no currency and is invalid for arithmetic with a real
// amount; New and Parse build valid ones.
type Money struct {
	Amount   decimal.Decimal
	Currency Currency
}

// ErrCurrencyMismatch is returned (wrapped in a *MismatchError) when two
// amounts of different currencies meet in one operation.
var ErrCurrencyMismatch = errors.New("money: currency mismatch")

// MismatchError names the two currencies that met.
type MismatchError struct {
	Left, Right Currency
}

// Error implements error.
func (e *MismatchError) Error() string {
	return fmt.Sprintf("money: cannot combine %s with %s", e.Left, e.Right)
}

// Unwrap lets errors.Is match ErrCurrencyMismatch.
func (e *MismatchError) Unwrap() error { return ErrCurrencyMismatch }

// New returns amount in currency c. It does not round; call Round for that.
func New(amount decimal.Decimal, c Currency) Money { return Money{Amount: amount, Currency: c} }

// Zero returns a zero amount in currency c.
func Zero(c Currency) Money { return Money{Currency: c} }

// Parse reads "12.30 EUR" or "EUR 12.30". The amount may have at most
// MaxIntegerDigits (15) digits before the decimal point and no more digits
// after it than the currency's minor unit (trailing zeros aside); anything
// else is refused with an error naming the input.
func Parse(s string) (Money, error) {
	f := strings.Fields(s)
	if len(f) != 2 {
		return Money{}, fmt.Errorf("money: %q: want an amount and a currency code, like \"12.30 EUR\"", s)
	}
	amt, code := f[0], f[1]
	if _, err := ParseCurrency(amt); err == nil {
		amt, code = f[1], f[0]
	}
	c, err := ParseCurrency(code)
	if err != nil {
		return Money{}, err
	}
	d, err := decimal.NewFromString(amt)
	if err != nil {
		return Money{}, fmt.Errorf("money: %q: amount %q is not a decimal number", s, amt)
	}
	m := Money{Amount: d, Currency: c}
	if err := m.Validate(); err != nil {
		return Money{}, fmt.Errorf("money: %q: %w", s, err)
	}
	return m, nil
}

// Validate checks that the currency is known, that the amount is within
// the bounds (see CheckBounds: at most 15 integer digits) and that it has no
// more decimals than the currency's minor unit (12.300 EUR is fine, 12.305
// EUR is not).
func (m Money) Validate() error {
	u, ok := m.Currency.MinorUnits()
	if !ok {
		return &CurrencyError{Code: string(m.Currency)}
	}
	if err := CheckBounds(m.Amount); err != nil {
		return err
	}
	if -m.Amount.Exponent() > u && !m.Amount.Equal(m.Amount.Round(u)) {
		return fmt.Errorf("money: amount %s has more decimals than %s allows (%d)", m.Amount.String(), m.Currency, u)
	}
	return nil
}

// Round rounds the amount half away from zero to the currency's minor unit
// (an unknown currency rounds to 2 digits).
func (m Money) Round() Money {
	return Money{Amount: m.Amount.Round(m.places()), Currency: m.Currency}
}

func (m Money) places() int32 {
	u, ok := m.Currency.MinorUnits()
	if !ok {
		return 2
	}
	return u
}

func (m Money) same(o Money) error {
	if m.Currency != o.Currency {
		return &MismatchError{Left: m.Currency, Right: o.Currency}
	}
	return nil
}

// Add returns m+o, or ErrCurrencyMismatch.
func (m Money) Add(o Money) (Money, error) {
	if err := m.same(o); err != nil {
		return Money{}, err
	}
	return Money{Amount: m.Amount.Add(o.Amount), Currency: m.Currency}, nil
}

// Sub returns m-o, or ErrCurrencyMismatch.
func (m Money) Sub(o Money) (Money, error) {
	if err := m.same(o); err != nil {
		return Money{}, err
	}
	return Money{Amount: m.Amount.Sub(o.Amount), Currency: m.Currency}, nil
}

// Cmp compares two amounts of one currency (-1, 0, +1), or returns
// ErrCurrencyMismatch.
func (m Money) Cmp(o Money) (int, error) {
	if err := m.same(o); err != nil {
		return 0, err
	}
	return m.Amount.Cmp(o.Amount), nil
}

// Equal reports whether both amount and currency are equal (10 EUR equals
// 10.00 EUR).
func (m Money) Equal(o Money) bool { return m.Currency == o.Currency && m.Amount.Equal(o.Amount) }

// Neg returns -m.
func (m Money) Neg() Money { return Money{Amount: m.Amount.Neg(), Currency: m.Currency} }

// IsZero reports whether the amount is zero.
func (m Money) IsZero() bool { return m.Amount.IsZero() }

// IsPositive reports whether the amount is above zero.
func (m Money) IsPositive() bool { return m.Amount.IsPositive() }

// IsNegative reports whether the amount is below zero.
func (m Money) IsNegative() bool { return m.Amount.IsNegative() }

// Sum adds amounts that must all be in currency c.
func Sum(c Currency, ms ...Money) (Money, error) {
	total := decimal.Zero
	for _, m := range ms {
		if m.Currency != c {
			return Money{}, &MismatchError{Left: c, Right: m.Currency}
		}
		total = total.Add(m.Amount)
	}
	return Money{Amount: total, Currency: c}, nil
}

// Fixed returns the amount with exactly the currency's minor-unit digits,
// "12.30" for 12.3 EUR, rounding half away from zero if it has more.
func (m Money) Fixed() string { return m.Amount.StringFixed(m.places()) }

// String returns "EUR 12.30".
func (m Money) String() string {
	if m.Currency == "" {
		return m.Amount.String()
	}
	return string(m.Currency) + " " + m.Fixed()
}

type moneyJSON struct {
	Amount   string   `json:"amount"`
	Currency Currency `json:"currency"`
}

// MarshalJSON writes {"amount":"12.30","currency":"EUR"}.
func (m Money) MarshalJSON() ([]byte, error) {
	return json.Marshal(moneyJSON{Amount: m.Fixed(), Currency: m.Currency})
}

// UnmarshalJSON reads {"amount":"12.30","currency":"EUR"}; the amount may also
// be a JSON number. The currency must be known and the amount within the
// bounds of Validate.
func (m *Money) UnmarshalJSON(b []byte) error {
	var raw struct {
		Amount   json.RawMessage `json:"amount"`
		Currency string          `json:"currency"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return fmt.Errorf("money: %w", err)
	}
	s := strings.TrimSpace(string(raw.Amount))
	if len(s) >= 2 && s[0] == '"' {
		if err := json.Unmarshal(raw.Amount, &s); err != nil {
			return fmt.Errorf("money: amount: %w", err)
		}
	}
	if s == "" || s == "null" {
		return fmt.Errorf("money: amount is missing")
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return fmt.Errorf("money: amount %q is not a decimal number", s)
	}
	out := Money{Amount: d, Currency: Currency(raw.Currency)}
	if err := out.Validate(); err != nil {
		return err
	}
	*m = out
	return nil
}
