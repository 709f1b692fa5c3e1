package charge_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/overduehq/overdue/dunning/charge"
	"github.com/overduehq/overdue/dunning/money"
	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }
func day(s string) date.Date       { return date.MustParseISO(s) }
func decs(ss ...string) []decimal.Decimal {
	out := make([]decimal.Decimal, len(ss))
	for i, s := range ss {
		out[i] = dec(s)
	}
	return out
}

func TestFeeCompute(t *testing.T) {
	eur := func(s string) map[money.Currency]decimal.Decimal {
		return map[money.Currency]decimal.Decimal{"EUR": dec(s)}
	}
	pct := charge.Fee{Kind: charge.Percent, Percent: dec("1.5"), Min: eur("5"), Max: eur("50")}
	for _, tc := range []struct {
		name  string
		fee   charge.Fee
		cur   money.Currency
		opens []decimal.Decimal
		want  string
	}{
		{"per notice", charge.Fee{Kind: charge.FixedPerNotice, Amounts: eur("5")}, "EUR", decs("100", "200"), "5.00"},
		// 2.50 x 3 invoices = 7.50
		{"per invoice", charge.Fee{Kind: charge.PerInvoice, Amounts: eur("2.50")}, "EUR", decs("1", "2", "3"), "7.50"},
		// 1.5 % of 1,333.33 = 19.99995 -> 20.00, inside 5..50
		{"percent", pct, "EUR", decs("1000", "333.33"), "20.00"},
		// 1.5 % of 100 = 1.50 -> the minimum 5.00
		{"percent min", pct, "EUR", decs("100"), "5.00"},
		// 1.5 % of 10,000 = 150 -> the maximum 50.00
		{"percent max", pct, "EUR", decs("10000"), "50.00"},
		// 2 % of JPY 12,345 = 246.9 -> 247 (no minor unit)
		{"percent JPY", charge.Fee{Kind: charge.Percent, Percent: dec("2")}, "JPY", decs("12345"), "247"},
		// A fixed fee charges only in the currencies it names.
		{"no amount for GBP", charge.Fee{Kind: charge.FixedPerNotice, Amounts: eur("5")}, "GBP", decs("100"), "0"},
	} {
		got, err := tc.fee.Compute(tc.cur, tc.opens)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if !got.Amount.Equal(dec(tc.want)) || got.Currency != tc.cur {
			t.Errorf("%s: %s %s, want %s %s", tc.name, got.Amount, got.Currency, tc.want, tc.cur)
		}
	}
	if _, err := pct.Compute("XYZ", decs("1")); err == nil || !strings.Contains(err.Error(), "XYZ") {
		t.Errorf("unknown currency: %v", err)
	}
	if _, err := pct.Compute("EUR", decs("-1")); err == nil || !strings.Contains(err.Error(), "opens[0]") {
		t.Errorf("negative open: %v", err)
	}
}

func TestFeeValidate(t *testing.T) {
	for _, tc := range []struct {
		fee   charge.Fee
		field string
	}{
		{charge.Fee{Kind: "weekly"}, "fee.kind"},
		{charge.Fee{Kind: charge.FixedPerNotice}, "fee.amounts"},
		{charge.Fee{Kind: charge.Percent, Percent: dec("0")}, "fee.percent"},
		{charge.Fee{Kind: charge.Percent, Percent: dec("101")}, "fee.percent"},
		{charge.Fee{Kind: charge.FixedPerNotice, Amounts: map[money.Currency]decimal.Decimal{"EUR": dec("-1")}}, "fee.amounts.EUR"},
		{charge.Fee{Kind: charge.FixedPerNotice, Amounts: map[money.Currency]decimal.Decimal{"EURO": dec("1")}}, "fee.amounts"},
		{charge.Fee{Kind: charge.Percent, Percent: dec("1"), Min: map[money.Currency]decimal.Decimal{"EUR": dec("10")}, Max: map[money.Currency]decimal.Decimal{"EUR": dec("5")}}, "fee.min.EUR"},
	} {
		err := tc.fee.Validate()
		var ce *charge.Error
		if !errors.As(err, &ce) || ce.Field != tc.field {
			t.Errorf("%+v: err = %v, want field %s", tc.fee, err, tc.field)
		}
	}
}

// Simple interest = principal x rate/100 x days / year days, from the day
// after the due date (BGB §288(1) with §187(1): the day of the event does
// not count; Directive 2011/7/EU art. 3(3)(a): from the day after the due
// date) to asOf inclusive.
func TestInterestAccrue(t *testing.T) {
	for _, tc := range []struct {
		name      string
		in        charge.Interest
		due, asOf string
		original  string
		history   []charge.Balance
		want      string
		periods   int
	}{
		// Apr 1..Apr 30 = 30 days: 10,000 x 8 % x 30/365 = 65.7534.. -> 65.75
		{"act/365", charge.Interest{Rate: dec("8"), DayCount: charge.Actual365}, "2026-03-31", "2026-04-30", "10000", nil, "65.75", 1},
		// 10,000 x 8 % x 30/360 = 66.666.. -> 66.67
		{"act/360", charge.Interest{Rate: dec("8"), DayCount: charge.Actual360}, "2026-03-31", "2026-04-30", "10000", nil, "66.67", 1},
		// Feb 1..Mar 1 2026 = 29 actual days: 10,000 x 8 % x 29/365 =
		// 63.5616.. -> 63.56. 30/360 (ISDA 2006 4.16(f)) from 01-31 to
		// 03-01: D1 31 -> 30; 360x0 + 30x(3-1) + (1-30) = 31 days:
		// 10,000 x 8 % x 31/360 = 68.888.. -> 68.89.
		{"act/365 February", charge.Interest{Rate: dec("8"), DayCount: charge.Actual365}, "2026-01-31", "2026-03-01", "10000", nil, "63.56", 1},
		{"30/360 February", charge.Interest{Rate: dec("8"), DayCount: charge.Thirty360}, "2026-01-31", "2026-03-01", "10000", nil, "68.89", 1},
		// Rounding: 1,234.56 x 7.5 % / 365 = 0.253676.. a day. Daily
		// rounding: 0.25 x 10 = 2.50; rounding the total: 2.53676.. -> 2.54.
		{"round daily", charge.Interest{Rate: dec("7.5"), Rounding: charge.RoundDaily}, "2026-03-31", "2026-04-10", "1234.56", nil, "2.50", 1},
		{"round total", charge.Interest{Rate: dec("7.5"), Rounding: charge.RoundTotal}, "2026-03-31", "2026-04-10", "1234.56", nil, "2.54", 1},
		// 1,000 open, 400 paid on Apr 11: Apr 1..10 on 1,000, Apr 11..20 on
		// 600: (10,000 + 6,000) x 10 % / 365 = 4.3835.. -> 4.38; on the
		// original amount: 20,000 x 10 % / 365 = 5.4794.. -> 5.48.
		{"on open", charge.Interest{Rate: dec("10"), Basis: charge.OnOpen}, "2026-03-31", "2026-04-20", "1000",
			[]charge.Balance{{From: day("2026-03-01"), Amount: dec("1000")}, {From: day("2026-04-11"), Amount: dec("600")}}, "4.38", 2},
		{"on original", charge.Interest{Rate: dec("10"), Basis: charge.OnOriginal}, "2026-03-31", "2026-04-20", "1000",
			[]charge.Balance{{From: day("2026-03-01"), Amount: dec("1000")}, {From: day("2026-04-11"), Amount: dec("600")}}, "5.48", 1},
		{"on the due date: nothing", charge.Interest{Rate: dec("10")}, "2026-03-31", "2026-03-31", "1000", nil, "0", 0},
		// One day, Apr 1: 1,000 x 10 % / 365 = 0.2739.. -> 0.27
		{"one day", charge.Interest{Rate: dec("10")}, "2026-03-31", "2026-04-01", "1000", nil, "0.27", 1},
	} {
		got, err := tc.in.Accrue("EUR", day(tc.due), day(tc.asOf), dec(tc.original), tc.history, nil)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if !got.Amount.Amount.Equal(dec(tc.want)) || len(got.Periods) != tc.periods {
			t.Errorf("%s: %s in %d periods, want %s in %d", tc.name, got.Amount.Amount, len(got.Periods), tc.want, tc.periods)
		}
	}
}

// Reference-rate tables as the app supplies them (annual %).
//
// Bundesbank Basiszinssatz (BGB §247): 2024-01-01 3.62, 2024-07-01 3.37,
// 2025-01-01 2.27, 2025-07-01 1.27.
// ECB main refinancing operations: 2024-12-18 3.15, 2025-02-05 2.90,
// 2025-03-12 2.65, 2025-04-23 2.40, 2025-06-11 2.15.
// Bank of England base rate: 2024-08-01 5.00, 2024-11-07 4.75,
// 2025-02-06 4.50, 2025-05-08 4.25.
func tables() (basis, ecb, boe charge.RateTable) {
	t := func(pairs ...string) charge.RateTable {
		var rt charge.RateTable
		for i := 0; i < len(pairs); i += 2 {
			rt = append(rt, charge.RatePoint{From: day(pairs[i]), Percent: dec(pairs[i+1])})
		}
		return rt
	}
	return t("2024-01-01", "3.62", "2024-07-01", "3.37", "2025-01-01", "2.27", "2025-07-01", "1.27"),
		t("2024-12-18", "3.15", "2025-02-05", "2.90", "2025-03-12", "2.65", "2025-04-23", "2.40", "2025-06-11", "2.15"),
		t("2024-08-01", "5.00", "2024-11-07", "4.75", "2025-02-06", "4.50", "2025-05-08", "4.25")
}

// An invoice of 5,000.00 due 2025-06-15, interest to 2025-07-15: 15 days
// in June (16..30) and 15 in July (1..15), act/365.
func TestStatutoryRegimes(t *testing.T) {
	basis, ecb, boe := tables()
	for _, tc := range []struct {
		regime charge.Regime
		cur    money.Currency
		rates  charge.RateTable
		want   string
	}{
		// DE B2B (BGB §288(2)): H1 2.27 + 9 = 11.27 %, H2 1.27 + 9 = 10.27 %:
		// 5,000 x 15 x (11.27 + 10.27) / 36,500 = 1,615,500 / 36,500 = 44.260.. -> 44.26
		{charge.DEB2B, "EUR", basis, "44.26"},
		// DE B2C (BGB §288(1)): 7.27 % and 6.27 %: 5,000 x 15 x 13.54 /
		// 36,500 = 27.821.. -> 27.82
		{charge.DEB2C, "EUR", basis, "27.82"},
		// EU (Directive 2011/7/EU art. 2(6)): ECB rate on 1 Jan 2025 (3.15,
		// since 2024-12-18) + 8 = 11.15 %; on 1 Jul 2025 (2.15) + 8 = 10.15 %:
		// 5,000 x 15 x 21.30 / 36,500 = 43.767.. -> 43.77
		{charge.EU, "EUR", ecb, "43.77"},
		// FR (C. com. L441-10): + 10 points: 13.15 % and 12.15 %:
		// 5,000 x 15 x 25.30 / 36,500 = 51.986.. -> 51.99
		{charge.FR, "EUR", ecb, "51.99"},
		// UK (1998 Act; 2002 Order): base rate on 31 Dec 2024 (4.75) + 8 =
		// 12.75 %, fixed for the whole delay: 5,000 x 30 x 12.75 / 36,500 =
		// 52.397.. -> 52.40
		{charge.UK, "GBP", boe, "52.40"},
	} {
		in := charge.Interest{Regime: tc.regime, DayCount: charge.Actual365}
		got, err := in.Accrue(tc.cur, day("2025-06-15"), day("2025-07-15"), dec("5000"), nil, tc.rates)
		if err != nil {
			t.Errorf("%s: %v", tc.regime, err)
			continue
		}
		if !got.Amount.Amount.Equal(dec(tc.want)) {
			t.Errorf("%s: %s, want %s (periods %+v)", tc.regime, got.Amount.Amount, tc.want, got.Periods)
		}
	}
	// No rate for the reference day: a clear error.
	_, err := charge.Interest{Regime: charge.DEB2B}.Accrue("EUR", day("2023-06-15"), day("2023-07-15"), dec("5000"), nil, basis)
	if !errors.Is(err, charge.ErrNoRate) || !strings.Contains(err.Error(), "2023-01-01") {
		t.Errorf("missing rate: %v", err)
	}
}

// Fixed compensation: Directive 2011/7/EU art. 6 and BGB §288(5): EUR 40
// per invoice in B2B; none for consumers (§288(5) applies only where the
// debtor is not a consumer); UK s.5A: GBP 40 under 1,000, 70 under 10,000,
// 100 from 10,000.
func TestCompensation(t *testing.T) {
	for _, tc := range []struct {
		r        charge.Regime
		cur      money.Currency
		open     string
		consumer bool
		want     string
	}{
		{charge.EU, "EUR", "10", false, "40"},
		{charge.DEB2B, "EUR", "100000", false, "40"},
		{charge.DEB2B, "EUR", "100", true, "0"},
		{charge.DEB2C, "EUR", "100", false, "0"},
		{charge.FR, "EUR", "100", false, "40"},
		{charge.UK, "GBP", "999.99", false, "40"},
		{charge.UK, "GBP", "1000", false, "70"},
		{charge.UK, "GBP", "9999.99", false, "70"},
		{charge.UK, "GBP", "10000", false, "100"},
	} {
		got, err := tc.r.Compensation(tc.cur, dec(tc.open), tc.consumer)
		if err != nil || !got.Amount.Equal(dec(tc.want)) {
			t.Errorf("%s %s %s consumer=%v: %v, %v; want %s", tc.r, tc.cur, tc.open, tc.consumer, got.Amount, err, tc.want)
		}
	}
	if _, err := charge.UK.Compensation("EUR", dec("1"), false); err == nil || !strings.Contains(err.Error(), "GBP") {
		t.Errorf("UK in EUR: %v", err)
	}
}

func TestAllocate(t *testing.T) {
	for _, tc := range []struct {
		order                         charge.Allocation
		pay                           string
		costs, interest, principal    string
		wantC, wantI, wantP, wantRest string
	}{
		// BGB §367(1): costs, then interest, then principal.
		{charge.CostsInterestPrincipal, "100", "40", "12.50", "500", "40", "12.50", "47.50", "0"},
		{charge.PrincipalFirst, "100", "40", "12.50", "500", "0", "0", "100", "0"},
		{charge.CostsInterestPrincipal, "30", "40", "12.50", "500", "30", "0", "0", "0"},
		// Overpayment: everything settled, 47.50 surplus.
		{charge.CostsInterestPrincipal, "600", "40", "12.50", "500", "40", "12.50", "500", "47.50"},
		{charge.PrincipalFirst, "510", "40", "12.50", "500", "0", "10", "500", "0"},
	} {
		c, i, p, rest, err := charge.Allocate(tc.order, dec(tc.pay), dec(tc.costs), dec(tc.interest), dec(tc.principal))
		if err != nil {
			t.Fatal(err)
		}
		if !c.Equal(dec(tc.wantC)) || !i.Equal(dec(tc.wantI)) || !p.Equal(dec(tc.wantP)) || !rest.Equal(dec(tc.wantRest)) {
			t.Errorf("%s %s: %s/%s/%s rest %s, want %s/%s/%s rest %s", tc.order, tc.pay, c, i, p, rest, tc.wantC, tc.wantI, tc.wantP, tc.wantRest)
		}
	}
	if _, _, _, _, err := charge.Allocate("random", dec("1"), dec("1"), dec("1"), dec("1")); err == nil {
		t.Error("unknown order accepted")
	}
	if _, _, _, _, err := charge.Allocate(charge.PrincipalFirst, dec("-1"), dec("1"), dec("1"), dec("1")); err == nil || !strings.Contains(err.Error(), "payment") {
		t.Errorf("negative payment: %v", err)
	}
}

func TestInterestValidate(t *testing.T) {
	for _, tc := range []struct {
		in    charge.Interest
		field string
	}{
		{charge.Interest{}, "interest.rate"},
		{charge.Interest{Rate: dec("101")}, "interest.rate"},
		{charge.Interest{Regime: "mars"}, "interest.regime"},
		{charge.Interest{Rate: dec("5"), DayCount: "act/366"}, "interest.day_count"},
		{charge.Interest{Rate: dec("5"), Basis: "gross"}, "interest.basis"},
		{charge.Interest{Rate: dec("5"), Rounding: "weekly"}, "interest.rounding"},
		{charge.Interest{Rate: dec("1.5"), Per: "week"}, "interest.per"},
		{charge.Interest{Regime: charge.DEB2B, Rate: dec("101")}, "interest.rate"},
		// 9 % a month is 108 % a year, more than a notice states.
		{charge.Interest{Rate: dec("9"), Per: charge.PerMonth}, "interest.rate"},
		{charge.Interest{Rate: dec("8.34"), Per: charge.PerMonth}, "interest.rate"},
		{charge.Interest{Regime: charge.DEB2B, Rate: dec("9"), Per: charge.PerMonth}, "interest.rate"},
	} {
		var ce *charge.Error
		if err := tc.in.Validate(); !errors.As(err, &ce) || ce.Field != tc.field {
			t.Errorf("%+v: %v, want field %s", tc.in, err, tc.field)
		}
	}
	for _, ok := range []charge.Interest{{Rate: dec("100")}, {Rate: dec("8.33"), Per: charge.PerMonth}, {Rate: dec("1.5"), Per: charge.PerMonth}} {
		if err := ok.Validate(); err != nil {
			t.Errorf("%+v: %v", ok, err)
		}
	}
}

// Properties: no interest up to the due date; interest never falls as
// asOf moves on; an allocation hands out exactly the payment.
func TestChargeProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		in := charge.Interest{
			Rate:     decimal.New(rapid.Int64Range(1, 2000).Draw(t, "rate"), -2),
			DayCount: rapid.SampledFrom([]charge.DayCount{charge.Actual365, charge.Actual360, charge.Thirty360}).Draw(t, "dc"),
			Rounding: rapid.SampledFrom([]charge.Rounding{charge.RoundDaily, charge.RoundTotal}).Draw(t, "rounding"),
		}
		due := day("2026-01-01") + date.Date(rapid.IntRange(0, 400).Draw(t, "due"))
		amt := decimal.New(rapid.Int64Range(1, 100_000_000).Draw(t, "amount"), -2)
		a := due - date.Date(rapid.IntRange(0, 30).Draw(t, "before"))
		zero, err := in.Accrue("EUR", due, a, amt, nil, nil)
		if err != nil || !zero.Amount.Amount.IsZero() {
			t.Fatalf("accrued %s by %s with due %s (%v)", zero.Amount.Amount, a, due, err)
		}
		prev := decimal.Zero
		asOf := due
		for range 5 {
			asOf += date.Date(rapid.IntRange(1, 60).Draw(t, "step"))
			got, err := in.Accrue("EUR", due, asOf, amt, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got.Amount.Amount.LessThan(prev) {
				t.Fatalf("interest fell from %s to %s at %s", prev, got.Amount.Amount, asOf)
			}
			prev = got.Amount.Amount
		}

		pay := decimal.New(rapid.Int64Range(0, 1_000_000).Draw(t, "pay"), -2)
		c, i, p, rest, err := charge.Allocate(rapid.SampledFrom([]charge.Allocation{charge.CostsInterestPrincipal, charge.PrincipalFirst}).Draw(t, "order"),
			pay, decimal.New(rapid.Int64Range(0, 10_000).Draw(t, "c"), -2), decimal.New(rapid.Int64Range(0, 10_000).Draw(t, "i"), -2), decimal.New(rapid.Int64Range(0, 500_000).Draw(t, "p"), -2))
		if err != nil {
			t.Fatal(err)
		}
		if !c.Add(i).Add(p).Add(rest).Equal(pay) {
			t.Fatalf("allocated %s+%s+%s+%s != payment %s", c, i, p, rest, pay)
		}
	})
}

// Property: Accrue (which visits only the days where principal or rate can
// change) equals a day-by-day sum computed here independently: for every
// day after due up to asOf, that day's open balance x that day's
// statutory rate (Basiszinssatz of the day's half-year + 9) / 36,500,
// summed exactly and rounded once.
func TestAccrueMatchesDayByDay(t *testing.T) {
	basis, _, _ := tables()
	rapid.Check(t, func(t *rapid.T) {
		due := day("2024-01-01") + date.Date(rapid.IntRange(0, 500).Draw(t, "due"))
		asOf := due + date.Date(rapid.IntRange(1, 300).Draw(t, "days"))
		orig := decimal.New(rapid.Int64Range(100, 10_000_000).Draw(t, "cents"), -2)
		hist := []charge.Balance{{From: due - 30, Amount: orig}}
		bal := orig
		for range rapid.IntRange(0, 4).Draw(t, "payments") {
			from := hist[len(hist)-1].From + date.Date(rapid.IntRange(1, 90).Draw(t, "gap"))
			bal = bal.Sub(bal.Mul(decimal.New(int64(rapid.IntRange(1, 90).Draw(t, "pct")), -2))).Round(2)
			hist = append(hist, charge.Balance{From: from, Amount: bal})
		}
		got, err := charge.Interest{Regime: charge.DEB2B}.Accrue("EUR", due, asOf, orig, hist, basis)
		if err != nil {
			t.Skip(err) // a day outside the rate table
		}
		sum := decimal.Zero
		for d := due + 1; d <= asOf; d++ {
			p := orig
			for _, b := range hist {
				if b.From <= d {
					p = b.Amount
				}
			}
			y, m, _ := d.Date()
			ref := date.New(y, 1, 1)
			if m >= 7 {
				ref = date.New(y, 7, 1)
			}
			r, ok := basis.At(ref)
			if !ok {
				t.Skip("no rate")
			}
			sum = sum.Add(p.Mul(r.Add(decimal.NewFromInt(9))))
		}
		want := sum.Div(decimal.NewFromInt(36500)).Round(2)
		if !got.Amount.Amount.Equal(want) {
			t.Fatalf("Accrue %s, day by day %s", got.Amount.Amount, want)
		}
	})
}

func TestInterestPerMonth(t *testing.T) {
	// 1.5 % a month is 18 % a year, simple. On 1000.00 EUR due 2026-03-31:
	//   to 04-30 (30 days), act/360: 1000 x 18 x 30 / 36000 = 15.00 (1.5 %
	//   of 1000 for a 30-day month);
	//   to 04-30, act/365: 1000 x 18 x 30 / 36500 = 14.794... = 14.79;
	//   to 05-31 (61 days), act/360: 1000 x 18 x 61 / 36000 = 30.50.
	for _, tc := range []struct {
		dc   charge.DayCount
		asOf string
		want string
	}{
		{charge.Actual360, "2026-04-30", "15.00"},
		{charge.Actual365, "2026-04-30", "14.79"},
		{charge.Actual360, "2026-05-31", "30.50"},
	} {
		i := charge.Interest{Rate: dec("1.5"), Per: charge.PerMonth, DayCount: tc.dc}
		acc, err := i.Accrue("EUR", day("2026-03-31"), day(tc.asOf), dec("1000"), nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !acc.Amount.Amount.Equal(dec(tc.want)) {
			t.Errorf("%s to %s: %s, want %s", tc.dc, tc.asOf, acc.Amount.Amount, tc.want)
		}
		if r := acc.Periods[0].RatePercent; !r.Equal(dec("18")) {
			t.Errorf("annual rate %s, want 18", r)
		}
	}
	// The same rate per year is twelve times less.
	y := charge.Interest{Rate: dec("1.5"), DayCount: charge.Actual360}
	acc, _ := y.Accrue("EUR", day("2026-03-31"), day("2026-04-30"), dec("1000"), nil, nil)
	if !acc.Amount.Amount.Equal(dec("1.25")) { // 1000 x 1.5 x 30 / 36000
		t.Errorf("per year: %s, want 1.25", acc.Amount.Amount)
	}
}

func TestRegimeCoversItsCurrency(t *testing.T) {
	// Issue 14 item 7. DE B2B covers EUR invoices: Basiszinssatz 1.27 + 9 =
	// 10.27 % on 1000.00 for 30 days (2026-04-01..04-30, act/365):
	// 1000 x 10.27 x 30 / 36500 = 8.441... = 8.44. A USD invoice under the
	// same interest gets the contract's Rate (8 %: 1000 x 8 x 30 / 36500 =
	// 6.575... = 6.58), or none without one.
	rates := charge.RateTable{{From: day("2026-01-01"), Percent: dec("1.27")}}
	de := charge.Interest{Regime: charge.DEB2B}
	for _, tc := range []struct {
		in   charge.Interest
		cur  money.Currency
		want string
	}{
		{de, "EUR", "8.44"},
		{de, "USD", "0"},
		{charge.Interest{Regime: charge.DEB2B, Rate: dec("8")}, "USD", "6.58"},
		{charge.Interest{Regime: charge.DEB2B, Rate: dec("8")}, "EUR", "8.44"},
	} {
		acc, err := tc.in.Accrue(tc.cur, day("2026-03-31"), day("2026-04-30"), dec("1000"), nil, rates)
		if err != nil {
			t.Fatal(err)
		}
		if !acc.Amount.Amount.Equal(dec(tc.want)) || acc.Amount.Currency != tc.cur {
			t.Errorf("%+v in %s: %s %s, want %s", tc.in, tc.cur, acc.Amount.Currency, acc.Amount.Amount, tc.want)
		}
	}
	if _, ok := de.For("USD"); ok {
		t.Error("DE B2B without a rate applies to USD")
	}
	if de.Regime.Currency() != "EUR" || charge.UK.Currency() != "GBP" {
		t.Error("regime currencies")
	}
}

// A fee with several bad currencies always names the first in order.
func TestFeeValidateErrorInOrder(t *testing.T) {
	f := charge.Fee{Kind: charge.FixedPerNotice, Amounts: map[money.Currency]decimal.Decimal{"QQZ": dec("1"), "QQA": dec("1"), "QQM": dec("1")},
		Min: map[money.Currency]decimal.Decimal{"USD": dec("5"), "EUR": dec("5")}, Max: map[money.Currency]decimal.Decimal{"USD": dec("1"), "EUR": dec("1")}}
	for range 30 {
		if err := f.Validate(); err == nil || !strings.Contains(err.Error(), "QQA") {
			t.Fatalf("got %v, want the error on QQA", err)
		}
	}
	f.Amounts = map[money.Currency]decimal.Decimal{"EUR": dec("1")}
	for range 30 {
		if err := f.Validate(); err == nil || !strings.Contains(err.Error(), "fee.min.EUR") {
			t.Fatalf("got %v, want the error on fee.min.EUR", err)
		}
	}
}
