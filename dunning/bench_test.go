package dunning_test

import (
	"fmt"
	"testing"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
)

// benchPortfolio builds nInv open invoices over nCust customers, with due
// dates spread over 120 days so that on the planning day about one invoice
// in forty has a step due, as in a real ledger.
func benchPortfolio(nCust, nInv int) dunning.Portfolio {
	pf := dunning.Portfolio{Customers: make([]dunning.Customer, nCust), Invoices: make([]dunning.Invoice, nInv)}
	for i := range pf.Customers {
		pf.Customers[i] = dunningtest.Customer(fmt.Sprintf("c%06d", i))
	}
	base := day("2026-01-01")
	amt := decimal.RequireFromString("1234.50")
	for i := range pf.Invoices {
		due := base + date.Date(i%120)
		pf.Invoices[i] = dunning.Invoice{
			ID: fmt.Sprintf("i%07d", i), Number: fmt.Sprintf("INV-%07d", i), CustomerID: pf.Customers[i%nCust].ID,
			Currency: "EUR", Issued: due - 30, Due: due, Amount: amt,
			Lines: []dunning.Line{{Description: "Subscription", Amount: amt}},
		}
	}
	return pf
}

// BenchmarkPlan plans 1,000,000 open invoices of 100,000 customers;
// BenchmarkBareLoop walks the same slice computing each open balance and
// comparing a due date, the least any planner must do. The ratio of the two
// is the planner's overhead per invoice.
func BenchmarkPlan(b *testing.B) {
	pf := benchPortfolio(100_000, 1_000_000)
	pol := stdPolicy()
	asOf := day("2026-05-01")
	b.ReportAllocs()
	b.ResetTimer()
	var n int
	for b.Loop() {
		acts, err := dunning.Plan(asOf, pol, pf)
		if err != nil {
			b.Fatal(err)
		}
		n = len(acts)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ns/invoice")
	b.ReportMetric(float64(n), "actions")
}

func BenchmarkBareLoop(b *testing.B) {
	pf := benchPortfolio(100_000, 1_000_000)
	asOf := day("2026-05-01")
	b.ReportAllocs()
	b.ResetTimer()
	var n int
	for b.Loop() {
		n = 0
		for i := range pf.Invoices {
			inv := &pf.Invoices[i]
			if inv.Open(asOf).Sign() > 0 && inv.Due+14 == asOf {
				n++
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ns/invoice")
	_ = n
}
