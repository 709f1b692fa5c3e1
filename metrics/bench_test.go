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

// benchWant are the totals of stream(n) over the fourth quarter of 2026,
// worked out with integer arithmetic on the stream's definition (invoice i
// issued on day i%365 of 2026, due 30 days later, amount 100 + i%900,
// paid in full 40 days after issue when i%3 == 0), without Invoice, Open or
// decimals.
type benchWant struct {
	beginAR, endAR, endCurrent, sales int64
	monthly                           [3]int64 // October, November, December
}

func wantTotals(n int) benchWant {
	base := date.New(2026, 1, 1)
	oct, nov, dec := int(date.New(2026, 10, 1)-base), int(date.New(2026, 11, 1)-base), int(date.New(2026, 12, 1)-base)
	last := int(date.New(2026, 12, 31) - base) // 364
	var w benchWant
	for i := range n {
		iss, amt := i%365, int64(100+i%900)
		paidOn := -1 // day of year the invoice is paid (-1: never)
		if i%3 == 0 {
			paidOn = iss + 40
		}
		openOn := func(d int) bool { return iss <= d && (paidOn < 0 || paidOn > d) }
		if openOn(oct - 1) {
			w.beginAR += amt
		}
		if openOn(last) {
			w.endAR += amt
			if iss+30 >= last {
				w.endCurrent += amt
			}
		}
		switch {
		case iss >= dec:
			w.monthly[2] += amt
		case iss >= nov:
			w.monthly[1] += amt
		case iss >= oct:
			w.monthly[0] += amt
		}
	}
	w.sales = w.monthly[0] + w.monthly[1] + w.monthly[2]
	return w
}

func (w benchWant) check(b *testing.B, beginAR, endAR, endCurrent, sales decimal.Decimal, monthly [3]decimal.Decimal) {
	b.Helper()
	got := []decimal.Decimal{beginAR, endAR, endCurrent, sales, monthly[0], monthly[1], monthly[2]}
	want := []int64{w.beginAR, w.endAR, w.endCurrent, w.sales, w.monthly[0], w.monthly[1], w.monthly[2]}
	names := []string{"begin AR", "end AR", "end current", "sales", "October", "November", "December"}
	for i := range got {
		if !got[i].Equal(decimal.NewFromInt(want[i])) {
			b.Errorf("%s = %s, want %d", names[i], got[i], want[i])
		}
	}
}

// BenchmarkSum10M computes the DSO family's totals over 10,000,000
// streamed invoices; BenchmarkBareSum10M streams the same invoices and
// adds up the same totals in a hand-written loop (begin and end AR, end
// current, sales per month), without metrics.Sum. Both are checked against
// wantTotals.
func BenchmarkSum10M(b *testing.B) {
	p := metrics.Period{From: date.New(2026, 10, 1), To: date.New(2026, 12, 31)}
	want := wantTotals(benchN)
	b.ReportAllocs()
	b.ResetTimer()
	var tots map[metrics.Currency]*metrics.Totals
	for b.Loop() {
		var err error
		tots, err = metrics.Sum(stream(benchN), metrics.SumOptions{Period: p})
		if err != nil {
			b.Fatal(err)
		}
	}
	t := tots["EUR"]
	if len(tots) != 1 || t == nil || len(t.MonthlySales) != 3 {
		b.Fatalf("totals %+v", tots)
	}
	want.check(b, t.BeginAR, t.EndAR, t.EndCurrent, t.Sales, [3]decimal.Decimal{t.MonthlySales[0].Sales, t.MonthlySales[1].Sales, t.MonthlySales[2].Sales})
}

func BenchmarkBareSum10M(b *testing.B) {
	from, end := date.New(2026, 10, 1), date.New(2026, 12, 31)
	begin := from - 1
	want := wantTotals(benchN)
	b.ReportAllocs()
	b.ResetTimer()
	var beginAR, endAR, endCurrent, sales decimal.Decimal
	var monthly [3]decimal.Decimal
	for b.Loop() {
		beginAR, endAR, endCurrent, sales = decimal.Zero, decimal.Zero, decimal.Zero, decimal.Zero
		monthly = [3]decimal.Decimal{}
		for inv := range stream(benchN) {
			if inv.Issued <= begin {
				if o := inv.Open(begin); o.Sign() > 0 {
					beginAR = beginAR.Add(o)
				}
			}
			if o := inv.Open(end); o.Sign() > 0 {
				endAR = endAR.Add(o)
				if inv.Due >= end {
					endCurrent = endCurrent.Add(o)
				}
			}
			if inv.Issued >= from {
				sales = sales.Add(inv.Amount)
				_, m, _ := inv.Issued.Date()
				monthly[m-10] = monthly[m-10].Add(inv.Amount)
			}
		}
	}
	want.check(b, beginAR, endAR, endCurrent, sales, monthly)
}

// BenchmarkBareInt64Sum10M is the floor for BenchmarkSum10M: the same
// stream and totals in a hand-written loop over int64 whole euros (every
// amount of stream is whole), with no decimal arithmetic at all.
func BenchmarkBareInt64Sum10M(b *testing.B) {
	from, end := date.New(2026, 10, 1), date.New(2026, 12, 31)
	begin := from - 1
	want := wantTotals(benchN)
	b.ReportAllocs()
	b.ResetTimer()
	var beginAR, endAR, endCurrent, sales int64
	var monthly [3]int64
	for b.Loop() {
		beginAR, endAR, endCurrent, sales = 0, 0, 0, 0
		monthly = [3]int64{}
		for inv := range stream(benchN) {
			a := inv.Amount.CoefficientInt64() // exponent 0 in stream
			openOn := func(d date.Date) int64 {
				o := a
				for _, p := range inv.Payments {
					if p.Date <= d {
						o -= p.Amount.CoefficientInt64()
					}
				}
				return o
			}
			if inv.Issued <= begin {
				if o := openOn(begin); o > 0 {
					beginAR += o
				}
			}
			if o := openOn(end); o > 0 {
				endAR += o
				if inv.Due >= end {
					endCurrent += o
				}
			}
			if inv.Issued >= from {
				sales += a
				_, m, _ := inv.Issued.Date()
				monthly[m-10] += a
			}
		}
	}
	d := decimal.NewFromInt
	want.check(b, d(beginAR), d(endAR), d(endCurrent), d(sales), [3]decimal.Decimal{d(monthly[0]), d(monthly[1]), d(monthly[2])})
}
