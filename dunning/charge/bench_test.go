package charge_test

import (
	"testing"

	"github.com/overduehq/overdue/dunning/charge"
	"github.com/shopspring/decimal"
)

// benchAccrual is the figure both benchmarks must reach, worked by hand:
// 5,000.00 due 2025-06-01, 2,000.00 paid on 2025-07-20, German B2B
// statutory interest (base rate + 9: 2.27 + 9 = 11.27 % in H1 2025, 1.27 +
// 9 = 10.27 % in H2), actual/365, interest for 2025-06-02 .. 2025-08-30:
//
//	06-02..06-30  29 days x 5,000 x 11.27 = 1,634,150
//	07-01..07-19  19 days x 5,000 x 10.27 =   975,650
//	07-20..08-30  42 days x 3,000 x 10.27 = 1,294,020
//	                                        3,903,820 / 36,500 = 106.953.. -> 106.95
const benchAccrual = "106.95"

// BenchmarkAccrue: Accrue over the case above (a half-year rate change and
// a partial payment, read from the rate table and the balance history).
func BenchmarkAccrue(b *testing.B) {
	basis, _, _ := tables()
	in := charge.Interest{Regime: charge.DEB2B}
	hist := []charge.Balance{{From: day("2025-05-01"), Amount: dec("5000")}, {From: day("2025-07-20"), Amount: dec("3000")}}
	want := dec(benchAccrual)
	b.ReportAllocs()
	var got charge.Accrual
	for b.Loop() {
		var err error
		got, err = in.Accrue("EUR", day("2025-06-01"), day("2025-08-30"), dec("5000"), hist, basis)
		if err != nil {
			b.Fatal(err)
		}
	}
	if !got.Amount.Amount.Equal(want) || got.Amount.Currency != "EUR" || len(got.Periods) != 3 {
		b.Fatalf("accrued %s in %d periods, want EUR %s in 3", got.Amount, len(got.Periods), benchAccrual)
	}
}

// BenchmarkAccrueBaseline: the same three periods (principal, rate, days
// already known) as one decimal expression, rounded once: the least a
// correct computation of this figure costs, without the library's period
// splitting and rate lookups.
func BenchmarkAccrueBaseline(b *testing.B) {
	p1, p2 := dec("5000"), dec("3000")
	r1, r2 := dec("11.27"), dec("10.27")
	n1, n2, n3 := decimal.NewFromInt(29), decimal.NewFromInt(19), decimal.NewFromInt(42)
	y := decimal.NewFromInt(36500)
	want := dec(benchAccrual)
	b.ReportAllocs()
	var got decimal.Decimal
	for b.Loop() {
		got = p1.Mul(r1).Mul(n1).Add(p1.Mul(r2).Mul(n2)).Add(p2.Mul(r2).Mul(n3)).Div(y).Round(2)
	}
	if !got.Equal(want) {
		b.Fatalf("baseline %s, want %s", got, benchAccrual)
	}
}
