package metrics_test

import (
	"fmt"
	"slices"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/metrics"
	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
)

// Three invoices in the first quarter of 2026 (90 days):
//
//	A 3,000 issued 01-10, due 02-09, paid 02-20
//	B 2,000 issued 02-15, due 03-17, open on 03-31 (14 days past due)
//	C 1,000 issued 03-20, due 04-19, open and not yet due
//
// Sales 6,000; A/R on 03-31 = 3,000, of which 1,000 current. DSO = 3,000 /
// 6,000 x 90 = 45; best possible DSO = 1,000 / 6,000 x 90 = 15; average
// days delinquent = 30; CEI = (0 + 6,000 - 3,000) / (0 + 6,000 - 1,000) =
// 60 %.
func quarter() []dunning.Invoice {
	d := date.MustParseISO
	inv := func(id, issued, due, amount string) dunning.Invoice {
		return dunning.Invoice{ID: id, Number: id, CustomerID: "c1", Currency: "EUR", Issued: d(issued), Due: d(due), Amount: decimal.RequireFromString(amount)}
	}
	a := inv("A", "2026-01-10", "2026-02-09", "3000")
	a.Payments = []dunning.Payment{{Date: d("2026-02-20"), Amount: a.Amount}}
	return []dunning.Invoice{a, inv("B", "2026-02-15", "2026-03-17", "2000"), inv("C", "2026-03-20", "2026-04-19", "1000")}
}

func ExampleSum() {
	p := metrics.Period{From: date.MustParseISO("2026-01-01"), To: date.MustParseISO("2026-03-31")}
	tots, err := metrics.Sum(slices.Values(quarter()), metrics.SumOptions{Period: p})
	if err != nil {
		fmt.Println(err)
		return
	}
	t := tots["EUR"]
	dso, _ := t.DSO()
	best, _ := t.BestPossibleDSO()
	add, _ := t.AverageDaysDelinquent()
	cei, _ := t.CEI(metrics.SalesTotal)
	fmt.Println("DSO", dso.StringFixed(2), "best", best.StringFixed(2), "ADD", add.StringFixed(2), "CEI", cei.StringFixed(2))
	// Output:
	// DSO 45.00 best 15.00 ADD 30.00 CEI 60.00
}

func ExampleAgingReport() {
	ag, err := metrics.AgingReport(slices.Values(quarter()), date.MustParseISO("2026-03-31"), []int{30, 60, 90}, metrics.ByDueDate)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, b := range ag["EUR"].Buckets {
		fmt.Printf("%-8s %2d %s\n", b.Label, b.Count, b.Amount.StringFixed(2))
	}
	// Output:
	// current   1 1000.00
	// 1-30      1 2000.00
	// 31-60     0 0.00
	// 61-90     0 0.00
	// 91+       0 0.00
}
