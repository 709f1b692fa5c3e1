package charge

import (
	"slices"
	"time"

	"github.com/overduehq/overdue/dunning/money"
	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
)

// DayCount is the day-count convention of interest.
type DayCount string

const (
	// Actual365 counts actual days over a 365-day year (act/365 fixed).
	Actual365 DayCount = "act/365"
	// Actual360 counts actual days over a 360-day year.
	Actual360 DayCount = "act/360"
	// Thirty360 counts 30-day months over a 360-day year (30/360 bond basis,
	// ISDA 2006 section 4.16(f)).
	Thirty360 DayCount = "30/360"
)

// Basis is the amount interest runs on.
type Basis string

const (
	// OnOpen: the open balance of each day (payments reduce it).
	OnOpen Basis = "open"
	// OnOriginal: the invoice's original amount, whatever was paid.
	OnOriginal Basis = "original"
)

// Rounding says when interest is rounded to the minor unit.
type Rounding string

const (
	// RoundDaily rounds each day's interest, then adds the days.
	RoundDaily Rounding = "daily"
	// RoundTotal adds exact daily amounts and rounds the sum once.
	RoundTotal Rounding = "total"
)

// RatePeriod is the period a contractual rate is quoted for.
type RatePeriod string

const (
	// PerYear: Rate is an annual percentage (the default).
	PerYear RatePeriod = "year"
	// PerMonth: Rate is a monthly percentage, "1.5 % a month"; simple
	// interest at 12 x Rate a year (1.5 % a month = 18 % a year), so a
	// month's interest depends on its days as an annual rate's does.
	PerMonth RatePeriod = "month"
)

// Interest is late-payment interest: a contractual Rate, or a statutory
// Regime reading an app-supplied reference-rate table. A regime covers the
// invoices in its currency (Regime.Currency); with a Regime, Rate (when set)
// is the contractual rate for invoices in other currencies, which otherwise
// accrue none (see For).
type Interest struct {
	// Rate is the contractual rate in percent per Per (per year unless Per
	// says "month").
	Rate     decimal.Decimal `json:"rate,omitzero"`
	Per      RatePeriod      `json:"per,omitempty"`
	Regime   Regime          `json:"regime,omitempty"`
	DayCount DayCount        `json:"day_count,omitempty"`
	Basis    Basis           `json:"basis,omitempty"`
	Rounding Rounding        `json:"rounding,omitempty"`
}

// Validate checks the interest configuration.
func (i Interest) Validate() error {
	switch i.Per {
	case "", PerYear, PerMonth:
	default:
		return &Error{Field: "interest.per", Value: string(i.Per), Reason: `want "year" or "month"`}
	}
	if i.Regime != "" {
		if _, err := i.Regime.rule(); err != nil {
			return &Error{Field: "interest.regime", Value: string(i.Regime), Reason: `want "eu", "uk", "de-b2b", "de-b2c" or "fr"`}
		}
		if !i.Rate.IsZero() && (i.Rate.Sign() < 0 || i.perYear().GreaterThan(hundred())) {
			return &Error{Field: "interest.rate", Value: i.Rate.String(), Reason: "must be above 0 and at most " + i.maxRate()}
		}
	} else if i.Rate.Sign() <= 0 || i.perYear().GreaterThan(hundred()) {
		return &Error{Field: "interest.rate", Value: i.Rate.String(), Reason: "must be above 0 and at most " + i.maxRate() + ", or give a regime"}
	}
	switch i.DayCount {
	case "", Actual365, Actual360, Thirty360:
	default:
		return &Error{Field: "interest.day_count", Value: string(i.DayCount), Reason: `want "act/365", "act/360" or "30/360"`}
	}
	switch i.Basis {
	case "", OnOpen, OnOriginal:
	default:
		return &Error{Field: "interest.basis", Value: string(i.Basis), Reason: `want "open" or "original"`}
	}
	switch i.Rounding {
	case "", RoundDaily, RoundTotal:
	default:
		return &Error{Field: "interest.rounding", Value: string(i.Rounding), Reason: `want "daily" or "total"`}
	}
	return nil
}

// Balance is the open balance from a day on: a payment on day d makes the
// new balance apply to day d itself.
type Balance struct {
	From   date.Date
	Amount decimal.Decimal
}

// Period is a run of days with one principal and one rate.
type Period struct {
	From, To    date.Date // inclusive
	Days        int       // days counted (30/360 days for Thirty360)
	Principal   decimal.Decimal
	RatePercent decimal.Decimal
	// Amount is the period's interest: whole minor units with RoundDaily;
	// with RoundTotal the exact figure kept to two digits beyond the minor
	// unit, for showing how the total (Accrual.Amount, rounded once) arose.
	Amount decimal.Decimal
}

// Accrual is interest accrued up to a day.
type Accrual struct {
	Amount  money.Money
	Periods []Period
}

// dayFraction returns the year fraction numerator and denominator of the
// days from..to inclusive under dc: actual days over 365 or 360, or 30/360
// days between from-1 and to.
func dayCount(dc DayCount, from, to date.Date) (int, int) {
	switch dc {
	case Actual360:
		return int(to-from) + 1, 360
	case Thirty360:
		return days30360(from-1, to), 360
	}
	return int(to-from) + 1, 365
}

// days30360 is the 30/360 bond-basis day count from d1 to d2 (ISDA 2006
// 4.16(f)): D1 = 31 becomes 30; D2 = 31 becomes 30 if D1 is 30 or 31.
func days30360(d1, d2 date.Date) int {
	y1, m1, dd1 := d1.Date()
	y2, m2, dd2 := d2.Date()
	if dd1 == 31 {
		dd1 = 30
	}
	if dd2 == 31 && dd1 == 30 {
		dd2 = 30
	}
	return 360*(y2-y1) + 30*(int(m2)-int(m1)) + (dd2 - dd1)
}

// Accrue returns the simple interest on an invoice due on due, for every day
// d with due < d <= asOf (interest runs from the day after the due date and
// asOf counts): principal x rate/100 x days/year-days per period, where the
// principal is the day's open balance (history, Basis open) or original
// (Basis original), and the rate is the contractual rate (AnnualRate: a
// rate per month counts 12 times a year) or the regime's statutory rate for
// the day. Periods split where the principal or the rate
// changes. With RoundDaily each day's interest is rounded to the minor unit
// before adding; with RoundTotal (default) the exact sum is rounded once.
// asOf on or before due accrues nothing.
func (i Interest) Accrue(cur money.Currency, due, asOf date.Date, original decimal.Decimal, history []Balance, rates RateTable) (Accrual, error) {
	u, err := places(cur)
	if err != nil {
		return Accrual{}, err
	}
	if err := i.Validate(); err != nil {
		return Accrual{}, err
	}
	if original.IsNegative() {
		return Accrual{}, &Error{Field: "original", Value: original.String(), Reason: "must not be negative"}
	}
	if i.Regime != "" {
		if _, err := i.Regime.rule(); err != nil {
			return Accrual{}, err
		}
	}
	out := Accrual{Amount: money.Zero(cur)}
	if asOf <= due {
		return out, nil
	}
	i, ok := i.For(cur)
	if !ok {
		return out, nil // the regime covers another currency
	}
	principalOn := func(d date.Date) decimal.Decimal {
		if i.Basis == OnOriginal {
			return original
		}
		p := original
		for _, b := range history {
			if b.From <= d {
				p = b.Amount
			} else {
				break
			}
		}
		if p.IsNegative() {
			return decimal.Zero
		}
		return p
	}
	annual := i.AnnualRate()
	rateOn := func(d date.Date) (decimal.Decimal, error) {
		if i.Regime == "" {
			return annual, nil
		}
		return i.Regime.RateOn(rates, due+1, d)
	}
	total := decimal.Zero
	start := due + 1
	p0 := principalOn(start)
	r0, err := rateOn(start)
	if err != nil {
		return Accrual{}, err
	}
	flush := func(from, to date.Date, p, r decimal.Decimal) {
		n, year := dayCount(i.DayCount, from, to)
		var amt decimal.Decimal
		if i.Rounding == RoundDaily {
			// Each day's interest rounded, times the days (every day of a
			// period has the same principal and rate). For 30/360 the
			// counted days stand in for calendar days.
			daily := money.New(p.Mul(r).Div(hundred()).Div(decimal.NewFromInt(int64(year))), cur).Round().Amount
			amt = daily.Mul(decimal.NewFromInt(int64(n)))
		} else {
			amt = p.Mul(r).Mul(decimal.NewFromInt(int64(n))).Div(hundred().Mul(decimal.NewFromInt(int64(year))))
		}
		total = total.Add(amt)
		out.Periods = append(out.Periods, Period{From: from, To: to, Days: n, Principal: p, RatePercent: r, Amount: amt})
	}
	// Principal and rate change only on balance days and, for the
	// half-yearly regimes, on 1 January and 1 July: visit those days only.
	for _, d := range changeDays(i, start, asOf, history) {
		p := principalOn(d)
		r, err := rateOn(d)
		if err != nil {
			return Accrual{}, err
		}
		if !p.Equal(p0) || !r.Equal(r0) {
			flush(start, d-1, p0, r0)
			start, p0, r0 = d, p, r
		}
	}
	flush(start, asOf, p0, r0)
	out.Amount = money.New(total, cur).Round()
	// Periods show two digits beyond the minor unit (an explanation, not an
	// amount charged: only out.Amount is).
	for k := range out.Periods {
		out.Periods[k].Amount = out.Periods[k].Amount.Round(u + 2)
	}
	return out, nil
}

// For returns the interest that applies to an invoice in currency cur: the
// regime for invoices in its currency, the contractual Rate (without the
// regime) for other currencies, and false when neither applies (a regime,
// no Rate, another currency).
func (i Interest) For(cur money.Currency) (Interest, bool) {
	if i.Regime == "" {
		return i, true
	}
	rr, err := i.Regime.rule()
	if err != nil || cur == rr.cur {
		return i, true
	}
	if i.Rate.Sign() <= 0 {
		return Interest{}, false
	}
	i.Regime = ""
	return i, true
}

// AnnualRate returns the contractual rate as an annual percentage: Rate, or
// 12 x Rate for a rate per month (zero for a regime, whose rate varies).
func (i Interest) AnnualRate() decimal.Decimal {
	if i.Regime != "" {
		return decimal.Zero
	}
	return i.perYear()
}

// perYear is Rate as an annual percentage, the rate a notice states (with
// a regime, the contractual rate for other currencies).
func (i Interest) perYear() decimal.Decimal {
	if i.Per == PerMonth {
		return i.Rate.Mul(decimal.NewFromInt(12))
	}
	return i.Rate
}

// maxRate says the highest Rate Validate takes: 100 % a year, the most a
// notice states (notice.Charge.Rate), so a twelfth of it a month.
func (i Interest) maxRate() string {
	if i.Per == PerMonth {
		return "100 % a year (12 x the rate a month)"
	}
	return "100 (% a year)"
}

// changeDays returns, in order, the days in (start, asOf] on which the
// principal or the rate may change.
func changeDays(i Interest, start, asOf date.Date, history []Balance) []date.Date {
	var out []date.Date
	if i.Basis != OnOriginal {
		for _, b := range history {
			if b.From > start && b.From <= asOf {
				out = append(out, b.From)
			}
		}
	}
	if i.Regime != "" && i.Regime != UK {
		y0, _, _ := start.Date()
		y1, _, _ := asOf.Date()
		for y := y0; y <= y1; y++ {
			for _, d := range []date.Date{date.New(y, time.January, 1), date.New(y, time.July, 1)} {
				if d > start && d <= asOf {
					out = append(out, d)
				}
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
