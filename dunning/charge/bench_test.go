package charge_test

import (
	"testing"

	"github.com/overduehq/overdue/dunning/charge"
	"github.com/shopspring/decimal"
)

// BenchmarkAccrue: 90 days of statutory interest over a half-year change
// with one partial payment; BenchmarkAccrueBaseline: the same formula as
// one decimal expression, the least a correct computation costs.
func BenchmarkAccrue(b *testing.B) {
	basis, _, _ := tables()
	in := charge.Interest{Regime: charge.DEB2B}
	hist := []charge.Balance{{From: day("2025-05-01"), Amount: dec("5000")}, {From: day("2025-07-20"), Amount: dec("3000")}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := in.Accrue("EUR", day("2025-06-01"), day("2025-08-30"), dec("5000"), hist, basis); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAccrueBaseline(b *testing.B) {
	p, r, n, y := dec("5000"), dec("11.27"), decimal.NewFromInt(90), decimal.NewFromInt(36500)
	b.ReportAllocs()
	for b.Loop() {
		_ = p.Mul(r).Mul(n).Div(y).Round(2)
	}
}
