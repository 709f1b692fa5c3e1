package money

import (
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

// TestParseBounds: the bounds stated in CheckBounds, at and past each edge.
// Each refusal must come back fast and name the input.
func TestParseBounds(t *testing.T) {
	ok := []string{
		"999999999999999 JPY",          // 15 integer digits
		"999999999999999.99 EUR",       // 15 + minor unit
		"1e14 JPY",                     // 100,000,000,000,000: 15 digits
		"1.000000000000000000 EUR",     // 18 decimals, trailing zeros
		"-999999999999999 JPY",         // negative amounts parse (refunds); policies refuse them
		"0.001 KWD",                    // 3-decimal currency
		"12.300 EUR",                   // trailing zero beyond the minor unit
		"100000000000000000000e-6 JPY", // 10^14 written with a long coefficient
		"0 EUR",
	}
	for _, s := range ok {
		if _, err := Parse(s); err != nil {
			t.Errorf("Parse(%q): %v", s, err)
		}
	}
	bad := []struct {
		in    string
		sent  error
		quote string // what the message must name
	}{
		{"1e50000000 JPY", ErrOutOfRange, "1e50000000"},
		{"1e-50000000 EUR", ErrOutOfRange, "1e-50000000"},
		{"0e50000000 EUR", ErrOutOfRange, "0e50000000"},
		{"1000000000000000 JPY", ErrOutOfRange, "1000000000000000"},
		{"1e15 JPY", ErrOutOfRange, "1e15"},
		{"-1e15 JPY", ErrOutOfRange, "-1e15"},
		{"1.0000000000000000000 EUR", ErrOutOfRange, "1.0000000000000000000"},
		{strings.Repeat("9", 5000) + " EUR", ErrOutOfRange, "EUR"},
		{"1.005 EUR", nil, "1.005"},
		{"1.5 JPY", nil, "1.5"},
		{"12 XXQ", ErrUnknownCurrency, "XXQ"},
		{"12 ABC", ErrUnknownCurrency, "ABC"},
	}
	for _, c := range bad {
		start := time.Now()
		_, err := Parse(c.in)
		if el := time.Since(start); el > 50*time.Millisecond {
			t.Errorf("Parse(%.30q) took %v", c.in, el)
		}
		if err == nil {
			t.Errorf("Parse(%.30q) succeeded", c.in)
			continue
		}
		if c.sent != nil && !errors.Is(err, c.sent) {
			t.Errorf("Parse(%.30q) = %v, want %v", c.in, err, c.sent)
		}
		if !strings.Contains(err.Error(), c.quote) || len(err.Error()) > 300 && !strings.HasPrefix(c.in, "999") {
			t.Errorf("Parse(%.30q) error %.200q does not name %q", c.in, err.Error(), c.quote)
		}
	}
}

// TestJSONBounds: the JSON path refuses the same numbers, quickly.
func TestJSONBounds(t *testing.T) {
	for _, in := range []string{
		`{"amount":"1e50000000","currency":"JPY"}`,
		`{"amount":1e50000000,"currency":"JPY"}`,
		`{"amount":"1e-50000000","currency":"EUR"}`,
		`{"amount":"1.005","currency":"EUR"}`,
	} {
		start := time.Now()
		var m Money
		if err := m.UnmarshalJSON([]byte(in)); err == nil {
			t.Errorf("UnmarshalJSON(%s) succeeded: %v", in, m)
		}
		if el := time.Since(start); el > 50*time.Millisecond {
			t.Errorf("UnmarshalJSON(%s) took %v", in, el)
		}
	}
}

// TestCheckCharged: what may be charged in a currency.
func TestCheckCharged(t *testing.T) {
	for _, c := range []struct {
		v   string
		cur Currency
		ok  bool
	}{
		{"1.00", "EUR", true}, {"1.005", "EUR", false}, {"1.005", "KWD", true}, {"5", "JPY", true},
		{"5.5", "JPY", false}, {"-1", "EUR", false}, {"1e50000000", "EUR", false}, {"1", "XXQ", false},
	} {
		err := CheckCharged(decimal.RequireFromString(c.v), c.cur)
		if (err == nil) != c.ok {
			t.Errorf("CheckCharged(%s %s) = %v, want ok=%v", c.v, c.cur, err, c.ok)
		}
	}
}

// TestCheckBoundsEdgesAndAllocs: exact at 10^15-1 / 10^15 whatever the
// float logarithm says, and free of allocations for everyday amounts.
func TestCheckBoundsEdgesAndAllocs(t *testing.T) {
	for s, ok := range map[string]bool{
		"999999999999999": true, "1000000000000000": false, "-999999999999999.99": true,
		"-1000000000000000": false, "99999999999999.9": true, "9999999999999999e-1": true,
		"99999999999999999e-1": false, "0": true, "0.000000000000000000": true,
	} {
		if err := CheckBounds(decimal.RequireFromString(s)); (err == nil) != ok {
			t.Errorf("CheckBounds(%s) = %v, want ok=%v", s, err, ok)
		}
	}
	v := decimal.RequireFromString("1234.56")
	if n := testing.AllocsPerRun(100, func() { _ = CheckBounds(v) }); n != 0 {
		t.Errorf("CheckBounds(1234.56) allocates %v times", n)
	}
}

// TestCheckBoundsAgainstDigitCount: CheckBounds against the bounds' own
// definition, worked out from the decimal's text: the coefficient's
// digits plus the exponent are the digits before the point. Coefficients
// are drawn at 10^k-3..10^k+3 for the k where the bound lies (and nearby),
// and at random lengths up to 40 digits, of either sign, with exponents
// on both sides of both limits.
func TestCheckBoundsAgainstDigitCount(t *testing.T) {
	want := func(d decimal.Decimal) string {
		exp := int64(d.Exponent())
		switch {
		case exp < -MaxDecimals:
			return "decimals"
		case exp > MaxIntegerDigits:
			return "big"
		}
		c := d.Coefficient()
		if c.Sign() != 0 && int64(len(c.Abs(c).String()))+exp > MaxIntegerDigits {
			return "big"
		}
		return ""
	}
	got := func(d decimal.Decimal) string {
		err := CheckBounds(d)
		switch {
		case err == nil:
			return ""
		case strings.Contains(err.Error(), "after the decimal point"):
			return "decimals"
		case strings.Contains(err.Error(), "before the decimal point"):
			return "big"
		}
		return err.Error()
	}
	rapid.Check(t, func(t *rapid.T) {
		exp := rapid.Int32Range(-MaxDecimals-2, MaxIntegerDigits+2).Draw(t, "exp")
		var c *big.Int
		if rapid.Bool().Draw(t, "near") {
			k := int64(MaxIntegerDigits-exp) + rapid.Int64Range(-1, 1).Draw(t, "k")
			c = new(big.Int).Exp(big.NewInt(10), big.NewInt(max(k, 0)), nil)
			c.Add(c, big.NewInt(rapid.Int64Range(-3, 3).Draw(t, "delta")))
		} else {
			s := rapid.StringMatching(`[0-9]{1,40}`).Draw(t, "digits")
			c, _ = new(big.Int).SetString(s, 10)
		}
		if rapid.Bool().Draw(t, "neg") {
			c.Neg(c)
		}
		d := decimal.NewFromBigInt(c, exp)
		if g, w := got(d), want(d); g != w {
			t.Fatalf("CheckBounds(%se%d) = %q, want %q", c, exp, g, w)
		}
	})
	// Every exponent, at each power of ten around the bound, +-3, both signs.
	for exp := int32(-MaxDecimals - 2); exp <= MaxIntegerDigits+2; exp++ {
		for k := int64(MaxIntegerDigits-exp) - 1; k <= int64(MaxIntegerDigits-exp)+1; k++ {
			for delta := int64(-3); delta <= 3; delta++ {
				for _, sign := range []int64{1, -1} {
					c := new(big.Int).Exp(big.NewInt(10), big.NewInt(max(k, 0)), nil)
					c.Add(c, big.NewInt(delta)).Mul(c, big.NewInt(sign))
					d := decimal.NewFromBigInt(c, exp)
					if g, w := got(d), want(d); g != w {
						t.Fatalf("CheckBounds(%se%d) = %q, want %q", c, exp, g, w)
					}
				}
			}
		}
	}
	// The zero Decimal (nil coefficient) and zero at the largest exponent.
	for _, d := range []decimal.Decimal{{}, decimal.New(0, MaxIntegerDigits), decimal.New(0, -MaxDecimals)} {
		if err := CheckBounds(d); err != nil {
			t.Errorf("CheckBounds(%s): %v", d, err)
		}
	}
}
