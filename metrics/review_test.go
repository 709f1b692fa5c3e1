package metrics

import (
	"slices"
	"testing"

	"github.com/overduehq/overdue/dunning"
	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
)

func isoDay(s string) date.Date    { return date.MustParseISO(s) }
func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// TestDSOCountbackNotExhaustedIsPeriodDays: a 31-day period (2025-01-15..
// 2025-02-14) whose AR (10200) is larger than all its sales (200). The
// countback is not exhausted and its result is the period's 31 days, not
// the 31+28 days of the two calendar months it touches.
func TestDSOCountbackNotExhaustedIsPeriodDays(t *testing.T) {
	p := Period{From: isoDay("2025-01-15"), To: isoDay("2025-02-14")}
	invs := []dunning.Invoice{
		{ID: "old", CustomerID: "c", Currency: "EUR", Issued: isoDay("2024-06-01"), Due: isoDay("2024-07-01"), Amount: dec("10000")},
		{ID: "jan", CustomerID: "c", Currency: "EUR", Issued: isoDay("2025-01-20"), Due: isoDay("2025-02-20"), Amount: dec("100")},
		{ID: "feb", CustomerID: "c", Currency: "EUR", Issued: isoDay("2025-02-05"), Due: isoDay("2025-03-05"), Amount: dec("100")},
	}
	tots, err := Sum(slices.Values(invs), SumOptions{Period: p})
	if err != nil {
		t.Fatal(err)
	}
	for _, ml := range []MonthLength{ActualMonths, ThirtyDayMonths} {
		got, exhausted := tots["EUR"].DSOCountback(ml)
		if exhausted {
			t.Fatal("AR 10200 > sales 200 must not be exhausted")
		}
		if want := decimal.NewFromInt(int64(p.Days())); !got.Equal(want) {
			t.Errorf("DSOCountback(%d) not exhausted = %s, want %s", ml, got, want)
		}
	}
}

// TestDSOCountbackPartialMonths: over the same period, a month the period
// covers partly counts only the days it covers (January 15..31: 17 days,
// February 1..14: 14 days), since its sales are only those days' sales.
// Payments on January's invoice leave AR 100, 150 or 200. AR 100 =
// February's sales: 14 days. AR 150 = February's 100 (14 days) + half of
// January's 100 (17 x 0.5 = 8.5 days) = 22.5 days. AR equal to all sales
// (200) is exhausted at exactly the period's 31 days. Both month lengths
// agree: neither month is whole.
func TestDSOCountbackPartialMonths(t *testing.T) {
	p := Period{From: isoDay("2025-01-15"), To: isoDay("2025-02-14")}
	for _, tc := range []struct{ ar, want string }{{"100", "14"}, {"150", "22.5"}, {"200", "31"}} {
		invs := []dunning.Invoice{
			{ID: "jan", CustomerID: "c", Currency: "EUR", Issued: isoDay("2025-01-20"), Due: isoDay("2025-02-20"), Amount: dec("100")},
			{ID: "feb", CustomerID: "c", Currency: "EUR", Issued: isoDay("2025-02-05"), Due: isoDay("2025-03-05"), Amount: dec("100")},
		}
		if paid := dec("200").Sub(dec(tc.ar)); paid.Sign() > 0 {
			invs[0].Payments = []dunning.Payment{{Date: isoDay("2025-02-01"), Amount: paid, Ref: "p"}}
		}
		tots, err := Sum(slices.Values(invs), SumOptions{Period: p})
		if err != nil {
			t.Fatal(err)
		}
		for _, ml := range []MonthLength{ActualMonths, ThirtyDayMonths} {
			got, exhausted := tots["EUR"].DSOCountback(ml)
			if !exhausted || !got.Equal(dec(tc.want)) {
				t.Errorf("AR %s, DSOCountback(%d) = %s, %v; want %s, true", tc.ar, ml, got, exhausted, tc.want)
			}
		}
	}
}

// TestWorklistScoreRoundedOnce: B owes 100 against the largest 300, one
// day late; weights amount 1 and days late 1. Score = 100 x (1/3 + 1/120)
// / 2 = 17.0833..., 17.08 (rounding each term and part first gave 17.09).
func TestWorklistScoreRoundedOnce(t *testing.T) {
	asOf := isoDay("2025-03-02")
	invs := []dunning.Invoice{
		{ID: "a", CustomerID: "A", Currency: "EUR", Issued: isoDay("2025-02-01"), Due: isoDay("2025-03-01"), Amount: dec("300")},
		{ID: "b", CustomerID: "B", Currency: "EUR", Issued: isoDay("2025-02-01"), Due: isoDay("2025-03-01"), Amount: dec("100")},
	}
	w := Weights{Amount: dec("1"), DaysLate: dec("1"), History: dec("0"), Promises: dec("0")}
	seen := false
	for _, it := range Worklist(asOf, slices.Values(invs), nil, w) {
		if it.CustomerID == "B" {
			seen = true
			if !it.Score.Equal(dec("17.08")) {
				t.Errorf("B score = %s, want 17.08", it.Score)
			}
		}
	}
	if !seen {
		t.Error("B not on the worklist")
	}
}

// TestAverageDaysDelinquentRoundedOnce: (EndAR - EndCurrent) x days /
// Sales = (10004 - 5006) x 1 / 1000 = 4.998, 5.00; the difference of the
// rounded DSO (10.00) and best possible DSO (5.01) gave 4.99.
func TestAverageDaysDelinquentRoundedOnce(t *testing.T) {
	d := isoDay("2025-01-01")
	tt := &Totals{Currency: "EUR", Period: Period{d, d}, EndAR: dec("10004"), EndCurrent: dec("5006"), Sales: dec("1000")}
	got, err := tt.AverageDaysDelinquent()
	if err != nil {
		t.Fatal(err)
	}
	if !got.Equal(dec("5.00")) {
		t.Errorf("ADD = %s, want 5.00", got)
	}
	if _, err := (&Totals{Period: Period{d, d}}).AverageDaysDelinquent(); err != ErrNoSales {
		t.Errorf("no sales: err = %v, want ErrNoSales", err)
	}
}

// TestWorklistSeesOverdueInstalment: 300 in three instalments due 02-01,
// 03-01 and 05-01; on 03-15 the first two (200) are overdue, as in
// AgingReport, though the invoice's own Due (05-01) has not passed.
func TestWorklistSeesOverdueInstalment(t *testing.T) {
	asOf := isoDay("2025-03-15")
	inv := dunning.Invoice{ID: "i", CustomerID: "C", Currency: "EUR", Issued: isoDay("2025-01-01"), Due: isoDay("2025-05-01"), Amount: dec("300"),
		Schedule: []dunning.Instalment{{Due: isoDay("2025-02-01"), Amount: dec("100")}, {Due: isoDay("2025-03-01"), Amount: dec("100")}, {Due: isoDay("2025-05-01"), Amount: dec("100")}}}
	items := Worklist(asOf, slices.Values([]dunning.Invoice{inv}), nil, Weights{})
	if len(items) != 1 || !items[0].Overdue.Equal(dec("200")) || items[0].OverdueCount != 2 || items[0].MaxDaysLate != 42 {
		t.Errorf("worklist = %+v, want C with 200 overdue in 2 instalments, 42 days late", items)
	}
}
