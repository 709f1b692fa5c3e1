package charge_test

import (
	"fmt"

	"github.com/overduehq/overdue/dunning/charge"
	"github.com/overduehq/overdue/dunning/money"
	"github.com/shopspring/decimal"
)

func ExampleFee_Compute() {
	fee := charge.Fee{Kind: charge.Percent, Percent: dec("1.5"),
		Min: map[money.Currency]decimal.Decimal{"EUR": dec("5")}, Max: map[money.Currency]decimal.Decimal{"EUR": dec("50")}}
	for _, open := range []string{"100", "1333.33", "10000"} {
		f, _ := fee.Compute("EUR", decs(open))
		fmt.Println(open, "->", f)
	}
	// Output:
	// 100 -> EUR 5.00
	// 1333.33 -> EUR 20.00
	// 10000 -> EUR 50.00
}

func ExampleInterest_Accrue() {
	in := charge.Interest{Rate: dec("8"), DayCount: charge.Actual365}
	acc, _ := in.Accrue("EUR", day("2026-03-31"), day("2026-04-30"), dec("10000"), nil, nil)
	p := acc.Periods[0]
	fmt.Printf("%s: %s to %s, %d days at %s %%\n", acc.Amount, p.From, p.To, p.Days, p.RatePercent)
	// Output:
	// EUR 65.75: 2026-04-01 to 2026-04-30, 30 days at 8 %
}

func ExampleRegime() {
	basis, _, _ := tables()
	in := charge.Interest{Regime: charge.DEB2B, DayCount: charge.Actual365}
	acc, err := in.Accrue("EUR", day("2025-06-15"), day("2025-07-15"), dec("5000"), nil, basis)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range acc.Periods {
		fmt.Printf("%s..%s %2d days at %s %%\n", p.From, p.To, p.Days, p.RatePercent)
	}
	comp, _ := charge.DEB2B.Compensation("EUR", dec("5000"), false)
	fmt.Println("interest", acc.Amount, "+ compensation", comp)
	// Output:
	// 2025-06-16..2025-06-30 15 days at 11.27 %
	// 2025-07-01..2025-07-15 15 days at 10.27 %
	// interest EUR 44.26 + compensation EUR 40.00
}
