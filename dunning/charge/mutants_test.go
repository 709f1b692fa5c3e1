package charge_test

import (
	"strings"
	"testing"

	"github.com/overduehq/overdue/dunning/charge"
	"github.com/overduehq/overdue/dunning/money"
	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
)

// Tests written against mutants of the package that its other tests passed:
// each case fails with one operator of the code turned around. Every figure
// is worked out by hand from the rule the comment names.

// TestThirty360EndOfMonth: the 30/360 bond basis (ISDA 2006 4.16(f)) counts
// from the due date to the day: D1 = 31 becomes 30, and D2 = 31 becomes 30
// only when D1 is then 30. EUR 36,000.00 at 10 % a year, so each counted
// day is 10.00.
func TestThirty360EndOfMonth(t *testing.T) {
	i := charge.Interest{Rate: dec("10"), DayCount: charge.Thirty360}
	for _, tc := range []struct {
		due, asOf string
		days      int
		want      string
	}{
		{"2026-04-30", "2026-05-31", 30, "300.00"}, // D1 30: D2 31 -> 30
		{"2026-03-31", "2026-05-31", 60, "600.00"}, // D1 31 -> 30, D2 31 -> 30
		{"2026-04-29", "2026-05-31", 32, "320.00"}, // D1 29: D2 stays 31
		{"2026-04-30", "2026-05-30", 30, "300.00"},
	} {
		acc, err := i.Accrue("EUR", day(tc.due), day(tc.asOf), dec("36000.00"), nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !acc.Amount.Amount.Equal(dec(tc.want)) || len(acc.Periods) != 1 || acc.Periods[0].Days != tc.days {
			t.Errorf("due %s, to %s: %s over %+v, want %s over %d days", tc.due, tc.asOf, acc.Amount.Amount, acc.Periods, tc.want, tc.days)
		}
	}
}

// TestUKRateFixedByTheDayAfterDue: under the 1998 Act the reference rate is
// the base rate of 31 December or 30 June before the first day of the
// delay, the day after the due date. Due 30 June 2026: the delay starts 1
// July, so 30 June's rate counts (4.25 + 8 = 12.25 %), not 31 December's
// (4.00). GBP 1,000.00 for 1 to 30 July: 1000 x 12.25 % x 30/365 =
// 10.068493 -> 10.07; the period shows two digits past the penny, 10.0685.
func TestUKRateFixedByTheDayAfterDue(t *testing.T) {
	rates := charge.RateTable{{From: day("2025-08-01"), Percent: dec("4.00")}, {From: day("2026-05-01"), Percent: dec("4.25")}}
	acc, err := charge.Interest{Regime: charge.UK}.Accrue("GBP", day("2026-06-30"), day("2026-07-30"), dec("1000.00"), nil, rates)
	if err != nil {
		t.Fatal(err)
	}
	if !acc.Amount.Amount.Equal(dec("10.07")) || len(acc.Periods) != 1 || !acc.Periods[0].RatePercent.Equal(dec("12.25")) ||
		acc.Periods[0].Amount.String() != "10.0685" {
		t.Errorf("got %s over %+v, want 10.07 at 12.25 %%, the period 10.0685", acc.Amount.Amount, acc.Periods)
	}
}

// TestChangesOnTheLastDay: a rate or principal that changes on the day
// accrued to counts for that day. EU regime (reference rate of 1 January
// or 1 July, + 8): EUR 10,000.00 due 15 June 2026 to 1 July: 16 to 30 June
// at 10.15 % (15 days: 41.712329) and 1 July at 10.40 % (2.849315), 44.56;
// one period at 10.15 % would give 44.49. A contractual 10 % on 1,000.00
// due 31 May, paid down to 400.00 on 30 June: 29 days on 1,000.00 and one on
// 400.00, 2940/365 = 8.054795 -> 8.05 (not 8.22).
func TestChangesOnTheLastDay(t *testing.T) {
	rates := charge.RateTable{{From: day("2025-06-11"), Percent: dec("2.15")}, {From: day("2026-07-01"), Percent: dec("2.40")}}
	acc, err := charge.Interest{Regime: charge.EU}.Accrue("EUR", day("2026-06-15"), day("2026-07-01"), dec("10000.00"), nil, rates)
	if err != nil {
		t.Fatal(err)
	}
	if !acc.Amount.Amount.Equal(dec("44.56")) || len(acc.Periods) != 2 || acc.Periods[1].From != day("2026-07-01") {
		t.Errorf("EU: %s over %+v, want 44.56 over 16-30 June and 1 July", acc.Amount.Amount, acc.Periods)
	}
	paid := []charge.Balance{{From: day("2026-06-30"), Amount: dec("400.00")}}
	acc, err = charge.Interest{Rate: dec("10")}.Accrue("EUR", day("2026-05-31"), day("2026-06-30"), dec("1000.00"), paid, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !acc.Amount.Amount.Equal(dec("8.05")) || len(acc.Periods) != 2 || acc.Periods[1].Days != 1 {
		t.Errorf("paid down on the last day: %s over %+v, want 8.05 over 29 days and 1", acc.Amount.Amount, acc.Periods)
	}
}

// TestRateTableAndFeeBounds: a rate table's days are set and strictly
// increasing (two rates from one day are refused, naming the second); a
// fee's minimum may equal its maximum but not exceed it; a rate a month is
// refused above 100 % a year in those words (9 % a month is 108 %).
func TestRateTableAndFeeBounds(t *testing.T) {
	for _, tc := range []struct {
		t     charge.RateTable
		field string
	}{
		{charge.RateTable{{From: day("2026-01-01"), Percent: dec("2")}, {From: day("2026-07-01"), Percent: dec("2")}}, ""},
		{charge.RateTable{{From: day("2026-01-01"), Percent: dec("2")}, {From: day("2026-01-01"), Percent: dec("3")}}, "rates[1].from"},
		{charge.RateTable{{From: day("2026-01-01"), Percent: dec("2")}, {From: day("2025-12-31"), Percent: dec("3")}}, "rates[1].from"},
		{charge.RateTable{{From: date.Date(0), Percent: dec("2")}}, "rates[0].from"},
	} {
		err := tc.t.Validate()
		if (tc.field == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tc.field) {
			t.Errorf("%v: %v, want an error naming %q", tc.t, err, tc.field)
		}
	}
	fee := func(lo, hi string) charge.Fee {
		return charge.Fee{Kind: charge.Percent, Percent: dec("1"), Min: map[money.Currency]decimal.Decimal{"EUR": dec(lo)}, Max: map[money.Currency]decimal.Decimal{"EUR": dec(hi)}}
	}
	if err := fee("5.00", "5.00").Validate(); err != nil {
		t.Errorf("min = max: %v", err)
	}
	if err := fee("5.01", "5.00").Validate(); err == nil || !strings.Contains(err.Error(), "fee.min.EUR") {
		t.Errorf("min above max: %v", err)
	}
	if err := (charge.Interest{Rate: dec("9"), Per: charge.PerMonth}).Validate(); err == nil || !strings.Contains(err.Error(), "100 % a year (12 x the rate a month)") {
		t.Errorf("9 %% a month: %v", err)
	}
}

// TestNetsReminderFees: every regime that grants a fixed compensation nets
// the reminder fees against it; German B2C law grants none, so nets none.
func TestNetsReminderFees(t *testing.T) {
	for r, want := range map[charge.Regime]bool{charge.EU: true, charge.UK: true, charge.DEB2B: true, charge.FR: true, charge.DEB2C: false, "": false} {
		if got := r.NetsReminderFees(); got != want {
			t.Errorf("%q nets reminder fees: %v, want %v", r, got, want)
		}
	}
}
