package dunning

import "github.com/shopspring/decimal"

// addExact is sum.Add(d) without the allocations of a decimal addition
// when sum is a zero of no smaller exponent than d (the first amount added
// to decimal.Zero, as an action's totals start): the sum is then d itself,
// value and exponent alike (decimals are immutable, so sharing d is safe).
func addExact(sum, d decimal.Decimal) decimal.Decimal {
	if sum.IsZero() && sum.Exponent() >= d.Exponent() {
		return d
	}
	return sum.Add(d)
}
