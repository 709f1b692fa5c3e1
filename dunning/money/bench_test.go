package money

import (
	"testing"

	"github.com/shopspring/decimal"
)

// BenchmarkCheckBounds checks amounts as invoices carry them: cents of a
// few digits up to the bound, both signs, and a whole number.
func BenchmarkCheckBounds(b *testing.B) {
	ds := []decimal.Decimal{
		decimal.New(12345, -2), decimal.New(-9900, -2), decimal.New(99999999999999999, -2),
		decimal.New(250000, -2), decimal.New(7, 0), decimal.New(123456789, -3),
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if CheckBounds(ds[i%len(ds)]) != nil {
			b.Fatal("out of bounds")
		}
	}
}

// BenchmarkMinorUnits looks up the units of common codes.
func BenchmarkMinorUnits(b *testing.B) {
	cs := []Currency{"EUR", "USD", "JPY", "GBP", "KWD", "CHF", "SEK", "xxx"}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		cs[i%len(cs)].MinorUnits()
	}
}
