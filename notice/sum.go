package notice

import (
	"math"

	"github.com/shopspring/decimal"
)

// Notice totals are sums of amounts rounded to the minor unit. Every
// shopspring operation allocates (and adding to decimal.Zero or rounding a
// value of another exponent computes a power of ten), so a notice's totals
// are added as int64 counts of 10^-u whenever every amount has at most u
// decimals and fits, falling back to decimals otherwise. Either way the
// result is the rounded decimal sum, with exponent -u as Round gives it.

// minorOf returns d as a count of 10^-u, or false when d has more than u
// decimals or the count may not fit an int64. NumDigits allocates nothing
// up to 2^53; 15 digits stay below it.
func minorOf(d decimal.Decimal, u int32) (int64, bool) {
	k := d.Exponent() + u
	if k < 0 || k > 18 {
		return 0, false
	}
	if d.IsZero() { // also the zero Decimal, whose coefficient is nil
		return 0, true
	}
	if d.NumDigits() > 15 {
		return 0, false
	}
	c := d.CoefficientInt64()
	for ; k > 0; k-- {
		if c > math.MaxInt64/10 || c < math.MinInt64/10 {
			return 0, false
		}
		c *= 10
	}
	return c, true
}

// sumOf is the exact sum of amount(&xs[i]) in counts of 10^-u.
func sumOf[T any](xs []T, u int32, amount func(*T) decimal.Decimal) minorSum {
	s := minorSum{u: u}
	for i := range xs {
		s.add(amount(&xs[i]))
	}
	return s
}

// minorSum is an exact running sum of decimals: n counts 10^-u while every
// value fits (fast), rest holds the decimal sum once one does not.
type minorSum struct {
	u    int32
	n    int64
	slow bool
	rest decimal.Decimal
}

func (s *minorSum) add(d decimal.Decimal) {
	if !s.slow {
		if v, ok := minorOf(d, s.u); ok {
			if t, ok := add64(s.n, v); ok {
				s.n = t
				return
			}
		}
		s.slow = true
		s.rest = decimal.New(s.n, -s.u)
	}
	s.rest = s.rest.Add(d)
}

// rounded returns the sum rounded half away from zero to u decimals: what
// roundMinor of the decimal sum gives.
func (s *minorSum) rounded() decimal.Decimal {
	if s.slow {
		return roundMinor(s.rest, s.u)
	}
	return decimal.New(s.n, -s.u)
}

// add64 adds without overflow, or reports false.
func add64(a, b int64) (int64, bool) {
	t := a + b
	if (a >= 0) == (b >= 0) && (t >= 0) != (a >= 0) {
		return 0, false
	}
	return t, true
}

// fits reports whether d has at most u decimals: d.Equal(roundMinor(d, u)),
// which an exponent of -u or more answers without rounding.
func fits(d decimal.Decimal, u int32) bool {
	return d.Exponent() >= -u || d.Equal(roundMinor(d, u))
}
