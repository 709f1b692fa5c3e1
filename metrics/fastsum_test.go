package metrics_test

import (
	"slices"
	"testing"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/metrics"
	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

// genAmount draws amounts that exercise every branch of Sum's int64 path:
// ordinary minor-unit amounts, zeros with odd exponents, more decimals than
// the currency has (fallback per value), coefficients of more than 15
// digits (fallback), and values near 9·10^18 minor units whose sums
// overflow int64 (the int64 part moves into the decimal part).
func genAmount(t *rapid.T, label string) decimal.Decimal {
	switch rapid.IntRange(0, 5).Draw(t, label+"kind") {
	case 0:
		return decimal.New(rapid.Int64Range(-1000, 100_000).Draw(t, label+"c"), -2)
	case 1:
		return decimal.New(0, rapid.Int32Range(-6, 3).Draw(t, label+"zexp"))
	case 2:
		return decimal.New(rapid.Int64Range(-99_999, 999_999).Draw(t, label+"c"), -5)
	case 3:
		return decimal.New(rapid.Int64Range(1e15, 1e18).Draw(t, label+"c"), rapid.Int32Range(-3, 2).Draw(t, label+"e"))
	case 4:
		return decimal.New(rapid.Int64Range(1, 9).Draw(t, label+"c"), rapid.Int32Range(14, 18).Draw(t, label+"e"))
	default:
		return decimal.New(rapid.Int64Range(1, 5000).Draw(t, label+"c"), rapid.Int32Range(-1, 1).Draw(t, label+"e"))
	}
}

// TestSumFastPathMatchesDecimal checks Sum's int64 path against its decimal
// path: an identity FX into another code sends every invoice through the
// decimal code (conversion), so the two runs must agree on every total,
// value and exponent alike, for any mix of amounts including overflow.
func TestSumFastPathMatchesDecimal(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		cur := rapid.SampledFrom([]dunning.Currency{"EUR", "JPY", "BHD", "QQQ"}).Draw(t, "currency")
		base := date.New(2026, 1, 1)
		n := rapid.IntRange(0, 30).Draw(t, "n")
		invs := make([]dunning.Invoice, n)
		for i := range invs {
			iss := base + date.Date(rapid.IntRange(0, 200).Draw(t, "issued"))
			inv := dunning.Invoice{ID: "i", CustomerID: "c", Currency: cur, Issued: iss, Due: iss + date.Date(rapid.IntRange(0, 60).Draw(t, "terms")), Amount: genAmount(t, "amount")}
			for range rapid.IntRange(0, 2).Draw(t, "payments") {
				inv.Payments = append(inv.Payments, dunning.Payment{Date: iss + date.Date(rapid.IntRange(0, 150).Draw(t, "paid")), Amount: genAmount(t, "payment")})
			}
			for range rapid.IntRange(0, 1).Draw(t, "credits") {
				inv.Credits = append(inv.Credits, dunning.Credit{Date: iss + date.Date(rapid.IntRange(0, 150).Draw(t, "credited")), Amount: genAmount(t, "credit")})
			}
			if rapid.Bool().Draw(t, "writtenOff") {
				inv.WrittenOff = iss + date.Date(rapid.IntRange(0, 150).Draw(t, "wo"))
			}
			invs[i] = inv
		}
		from := base + date.Date(rapid.IntRange(0, 150).Draw(t, "from"))
		p := metrics.Period{From: from, To: from + date.Date(rapid.IntRange(0, 90).Draw(t, "len"))}
		fast, err := metrics.Sum(slices.Values(invs), metrics.SumOptions{Period: p})
		if err != nil {
			t.Fatal(err)
		}
		identity := func(a decimal.Decimal, _, _ metrics.Currency, _ date.Date) (decimal.Decimal, error) { return a, nil }
		slow, err := metrics.Sum(slices.Values(invs), metrics.SumOptions{Period: p, FX: identity, Target: "ZZZ"})
		if err != nil {
			t.Fatal(err)
		}
		if len(fast) != len(slow) {
			t.Fatalf("%d currencies, decimal path %d", len(fast), len(slow))
		}
		f, s := fast[cur], slow["ZZZ"]
		if n == 0 {
			return
		}
		same := func(what string, a, b decimal.Decimal) {
			if !a.Equal(b) || a.Exponent() != b.Exponent() {
				t.Fatalf("%s: int64 path %s (exp %d), decimal path %s (exp %d)", what, a, a.Exponent(), b, b.Exponent())
			}
		}
		same("BeginAR", f.BeginAR, s.BeginAR)
		same("EndAR", f.EndAR, s.EndAR)
		same("EndCurrent", f.EndCurrent, s.EndCurrent)
		same("Sales", f.Sales, s.Sales)
		if len(f.MonthlySales) != len(s.MonthlySales) {
			t.Fatalf("%d months, decimal path %d", len(f.MonthlySales), len(s.MonthlySales))
		}
		for i := range f.MonthlySales {
			same("MonthlySales", f.MonthlySales[i].Sales, s.MonthlySales[i].Sales)
		}
	})
}

// TestSumOverflowsInt64Exactly: sums whose minor units pass the int64
// range come out exact, value and exponent, whatever the order of the small
// and the huge amounts. Three invoices of EUR 4·10^16 (4·10^18 cents each,
// 1.2·10^19 together, past 9.22·10^18) with EUR 0.01 and EUR 0.50: Sales
// and EndAR are 120,000,000,000,000,000.51, exponent -2, as decimal
// addition gives them; with a payment of 0.5 on the last invoice, EndAR is
// 0.50 less.
func TestSumOverflowsInt64Exactly(t *testing.T) {
	huge, cent, half := decimal.New(4, 16), decimal.New(1, -2), decimal.New(5, -1)
	want := decimal.RequireFromString("120000000000000000.51")
	iss := date.New(2026, 1, 10)
	p := metrics.Period{From: date.New(2026, 1, 1), To: date.New(2026, 1, 31)}
	for _, order := range [][]decimal.Decimal{
		{huge, huge, huge, cent, half},
		{cent, huge, huge, half, huge},
		{half, cent, huge, huge, huge},
	} {
		for _, pay := range []bool{false, true} {
			invs := make([]dunning.Invoice, len(order))
			for i, a := range order {
				invs[i] = dunning.Invoice{ID: "i", CustomerID: "c", Currency: "EUR", Issued: iss, Due: iss + 30, Amount: a}
			}
			end := want
			if pay {
				last := &invs[len(invs)-1]
				last.Payments = []dunning.Payment{{Date: iss + 5, Amount: decimal.New(5, -1)}}
				end = want.Sub(decimal.New(5, -1))
			}
			got, err := metrics.Sum(slices.Values(invs), metrics.SumOptions{Period: p})
			if err != nil {
				t.Fatal(err)
			}
			tot := got["EUR"]
			if !tot.Sales.Equal(want) || tot.Sales.Exponent() != -2 || !tot.EndAR.Equal(end) || tot.EndAR.Exponent() != -2 {
				t.Errorf("%v, paid %v: sales %s (exp %d), end AR %s (exp %d); want %s, %s (exp -2)", order, pay, tot.Sales, tot.Sales.Exponent(), tot.EndAR, tot.EndAR.Exponent(), want, end)
			}
		}
	}
}
