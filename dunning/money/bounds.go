package money

import (
	"errors"
	"fmt"
	"math/big"

	"github.com/shopspring/decimal"
)

// The bounds on every amount the library accepts from outside (Parse, JSON,
// and the validation of invoices and policies). They keep arithmetic and
// formatting cheap: shopspring decimals have unbounded exponents, and
// "1e50000000" parses in a microsecond but takes minutes and gigabytes to
// print or to compare with 100.
const (
	// MaxIntegerDigits is the most digits an amount may have before the
	// decimal point: 15, so 999,999,999,999,999 is the largest amount.
	MaxIntegerDigits = 15
	// MaxDecimals is the most digits an amount, rate or share may be
	// written with after the decimal point (trailing zeros included): 18.
	// Amounts in a currency are held to the currency's minor unit on top
	// of that (see Validate).
	MaxDecimals = 18
)

// ErrOutOfRange is returned (wrapped in a *RangeError) for a number beyond
// MaxIntegerDigits or MaxDecimals.
var ErrOutOfRange = errors.New("money: number out of range")

// RangeError reports a number too large or too finely written.
type RangeError struct {
	Value  string // the number, as written or in short form for huge ones
	Reason string
}

// Error implements error.
func (e *RangeError) Error() string { return fmt.Sprintf("money: %s %s", e.Value, e.Reason) }

// Unwrap lets errors.Is match ErrOutOfRange.
func (e *RangeError) Unwrap() error { return ErrOutOfRange }

// CheckBounds refuses a number with more than MaxIntegerDigits digits
// before the decimal point or written with more than MaxDecimals after it.
// It looks only at the coefficient's size and the exponent, never
// rescaling, so it is cheap for any input; run it before any arithmetic on
// a number from outside.
func CheckBounds(d decimal.Decimal) error {
	exp := int64(d.Exponent())
	if exp < -MaxDecimals {
		return &RangeError{Value: Short(d), Reason: fmt.Sprintf("is written with %d digits after the decimal point; at most %d are allowed", -exp, MaxDecimals)}
	}
	tooBig := func() error {
		return &RangeError{Value: Short(d), Reason: fmt.Sprintf("has more than %d digits before the decimal point", MaxIntegerDigits)}
	}
	if exp > MaxIntegerDigits {
		return tooBig()
	}
	// |d| >= 10^MaxIntegerDigits, compared with the bound written with d's
	// exponent: big.Int comparisons, exact for any coefficient, with no
	// float logarithm, no rescaling and no allocation.
	// One comparison, with the limit of d's sign.
	i := exp + MaxDecimals
	switch d.Sign() { // 0 also for the zero Decimal, whose coefficient is nil
	case 1:
		if d.Cmp(integerLimit[0][i]) >= 0 {
			return tooBig()
		}
	case -1:
		if d.Cmp(integerLimit[1][i]) <= 0 {
			return tooBig()
		}
	}
	return nil
}

// integerLimit holds 10^MaxIntegerDigits ([0]) and its negation ([1])
// written with each exponent CheckBounds lets through, at index
// exponent+MaxDecimals, so that comparing with d needs no rescaling. It is
// built once and only read.
var integerLimit = func() (t [2][MaxIntegerDigits + MaxDecimals + 1]decimal.Decimal) {
	for i := range t[0] {
		exp := int32(i - MaxDecimals)
		c := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(MaxIntegerDigits-exp)), nil)
		t[0][i] = decimal.NewFromBigInt(c, exp)
		t[1][i] = decimal.NewFromBigInt(new(big.Int).Neg(c), exp)
	}
	return t
}()

// Short returns d for an error message without ever expanding a huge
// exponent: the decimal itself when within bounds, else "<coefficient>e<exponent>".
func Short(d decimal.Decimal) string {
	exp := d.Exponent()
	coef := d.Coefficient()
	if coef.BitLen() > 256 {
		return fmt.Sprintf("(a %d-bit number)e%d", coef.BitLen(), exp)
	}
	if exp > MaxIntegerDigits || exp < -MaxDecimals-2 {
		return fmt.Sprintf("%se%d", coef.String(), exp)
	}
	return d.String()
}

// CheckCharged checks an amount the library charges or compares in
// currency c (a fee, a minimum): within the bounds, not negative, and with
// no more decimals than the currency's minor unit ("1.005 EUR" is refused,
// never rounded to 1.01).
func CheckCharged(d decimal.Decimal, c Currency) error {
	if err := CheckBounds(d); err != nil {
		return err
	}
	if d.IsNegative() {
		return &RangeError{Value: d.String(), Reason: "must not be negative"}
	}
	return New(d, c).Validate()
}
