package metrics_test

import (
	"iter"
	"testing"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/metrics"
	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
)

const benchN = 10_000_000

// stream yields n invoices made on the fly, never holding them all: issued
// over 2026 (i % 365), due 30 days later, every third paid 10 days after
// its due date, amounts 100.00 to 999.00.
func stream(n int) iter.Seq[dunning.Invoice] {
	base := date.New(2026, 1, 1)
	amounts := make([]decimal.Decimal, 900)
	for i := range amounts {
		amounts[i] = decimal.NewFromInt(int64(100 + i))
	}
	return func(yield func(dunning.Invoice) bool) {
		pay := []dunning.Payment{{}}
		for i := range n {
			iss := base + date.Date(i%365)
			inv := dunning.Invoice{ID: "i", CustomerID: "c", Currency: "EUR", Issued: iss, Due: iss + 30, Amount: amounts[i%900]}
			if i%3 == 0 {
				pay[0] = dunning.Payment{Date: inv.Due + 10, Amount: inv.Amount}
				inv.Payments = pay
			}
			if !yield(inv) {
				return
			}
		}
	}
}

// BenchmarkSum10M computes the DSO family's totals over 10,000,000
// streamed invoices; BenchmarkBareSum10M streams the same invoices and
// only adds up their open balances at the period's end.
func BenchmarkSum10M(b *testing.B) {
	p := metrics.Period{From: date.New(2026, 10, 1), To: date.New(2026, 12, 31)}
	b.ReportAllocs()
	for b.Loop() {
		tots, err := metrics.Sum(stream(benchN), p, nil, "")
		if err != nil {
			b.Fatal(err)
		}
		if tots["EUR"].Sales.IsZero() {
			b.Fatal("no sales")
		}
	}
}

func BenchmarkBareSum10M(b *testing.B) {
	end := date.New(2026, 12, 31)
	b.ReportAllocs()
	for b.Loop() {
		total := decimal.Zero
		for inv := range stream(benchN) {
			total = total.Add(inv.Open(end))
		}
		if total.IsZero() {
			b.Fatal("zero")
		}
	}
}
