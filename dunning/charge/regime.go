package charge

import (
	"fmt"
	"time"

	"github.com/overduehq/overdue/dunning/money"
	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
)

// Regime is a statutory late-payment regime. Its reference rates are data
// the app supplies as a RateTable (ECB main refinancing rate, Bank of
// England base rate, Bundesbank Basiszinssatz).
type Regime string

const (
	// EU: Directive 2011/7/EU art. 2(5)-(6) and 6: the ECB main refinancing
	// rate in force on 1 January (for January-June) or 1 July (July-December),
	// plus 8 points, following the half-years of the delay; EUR 40 per
	// invoice.
	EU Regime = "eu"
	// UK: Late Payment of Commercial Debts (Interest) Act 1998 and the Rate
	// of Interest (No. 3) Order 2002: the Bank of England base rate in force
	// on 31 December (for delays starting January-June) or 30 June
	// (July-December), fixed for the whole debt, plus 8 %; s.5A fixed sums
	// GBP 40 (under 1,000), 70 (1,000 to 9,999.99), 100 (10,000 or more).
	UK Regime = "uk"
	// DEB2B: BGB §288(2) and §247: the Basiszinssatz of each half-year plus 9
	// points; §288(5) EUR 40.
	DEB2B Regime = "de-b2b"
	// DEB2C: BGB §288(1): the Basiszinssatz plus 5 points; no lump sum.
	DEB2C Regime = "de-b2c"
	// FR: Code de commerce L441-10: the ECB rate in force on 1 January
	// (first half-year) or 1 July (second), plus 10 points; EUR 40.
	FR Regime = "fr"
)

type regimeRule struct {
	margin decimal.Decimal
	cur    money.Currency
	fixed  bool // UK: rate fixed at the start of the delay
}

func (r Regime) rule() (regimeRule, error) {
	switch r {
	case EU:
		return regimeRule{decimal.NewFromInt(8), "EUR", false}, nil
	case UK:
		return regimeRule{decimal.NewFromInt(8), "GBP", true}, nil
	case DEB2B:
		return regimeRule{decimal.NewFromInt(9), "EUR", false}, nil
	case DEB2C:
		return regimeRule{decimal.NewFromInt(5), "EUR", false}, nil
	case FR:
		return regimeRule{decimal.NewFromInt(10), "EUR", false}, nil
	}
	return regimeRule{}, &Error{Field: "regime", Value: string(r), Reason: `want "eu", "uk", "de-b2b", "de-b2c" or "fr"`}
}

// Currency returns the currency of the invoices the regime covers and of its
// fixed compensation ("" for an unknown regime).
func (r Regime) Currency() money.Currency {
	rr, _ := r.rule()
	return rr.cur
}

// Margin returns the points added to the reference rate.
func (r Regime) Margin() decimal.Decimal {
	rr, _ := r.rule()
	return rr.margin
}

// referenceDay returns the day whose table rate applies on day d of a delay
// that started on start.
func (r Regime) referenceDay(start, d date.Date) date.Date {
	if r == UK {
		// Base rate on 31 December or 30 June before the start, fixed.
		y, m, _ := start.Date()
		if m <= time.June {
			return date.New(y-1, time.December, 31)
		}
		return date.New(y, time.June, 30)
	}
	y, m, _ := d.Date()
	if m <= time.June {
		return date.New(y, time.January, 1)
	}
	return date.New(y, time.July, 1)
}

// RateOn returns the statutory annual rate in percent for day d of a delay
// that started on start: the reference rate of the regime's reference day
// plus the margin.
func (r Regime) RateOn(rates RateTable, start, d date.Date) (decimal.Decimal, error) {
	rr, err := r.rule()
	if err != nil {
		return decimal.Zero, err
	}
	ref := r.referenceDay(start, d)
	v, ok := rates.At(ref)
	if !ok {
		return decimal.Zero, fmt.Errorf("%w: regime %s needs the reference rate in force on %s", ErrNoRate, r, ref)
	}
	return v.Add(rr.margin), nil
}

// Compensation returns the fixed compensation for recovery costs the regime
// grants per invoice: EUR 40 (EU, FR, DE B2B), GBP 40/70/100 by the debt
// (UK), nothing for consumers and for DE B2C. The invoice must be in the
// regime's currency.
func (r Regime) Compensation(cur money.Currency, open decimal.Decimal, consumer bool) (money.Money, error) {
	rr, err := r.rule()
	if err != nil {
		return money.Money{}, err
	}
	if cur != rr.cur {
		return money.Money{}, &Error{Field: "currency", Value: string(cur), Reason: fmt.Sprintf("regime %s grants its compensation in %s", r, rr.cur)}
	}
	if consumer || r == DEB2C {
		return money.Zero(cur), nil
	}
	if r == UK {
		switch {
		case open.LessThan(decimal.NewFromInt(1000)):
			return money.New(decimal.NewFromInt(40), cur), nil
		case open.LessThan(decimal.NewFromInt(10000)):
			return money.New(decimal.NewFromInt(70), cur), nil
		}
		return money.New(decimal.NewFromInt(100), cur), nil
	}
	return money.New(decimal.NewFromInt(40), cur), nil
}

// InterestBasis returns the legal basis of the regime's statutory interest
// as the law cites it; "" for an unknown regime. The basis follows the
// regime's rate, not the debtor: DEB2B is § 288 Abs. 2 BGB (9 points) even
// when the app applies it to a consumer, so that such a notice fails
// notice.Check rather than citing a paragraph whose rate it does not use.
func (r Regime) InterestBasis() string {
	switch r {
	case EU:
		return "Art. 3 and 4 Directive 2011/7/EU"
	case UK:
		return "Late Payment of Commercial Debts (Interest) Act 1998 s.1"
	case DEB2B:
		return "§ 288 Abs. 2 BGB"
	case DEB2C:
		return "§ 288 Abs. 1 BGB"
	case FR:
		return "Art. L441-10 Code de commerce"
	}
	return ""
}

// CompensationBasis returns the legal basis of the regime's fixed
// compensation for recovery costs; "" where it grants none (DEB2C, an
// unknown regime).
func (r Regime) CompensationBasis() string {
	switch r {
	case EU:
		return "Art. 6 Directive 2011/7/EU"
	case UK:
		return "Late Payment of Commercial Debts (Interest) Act 1998 s.5A"
	case DEB2B:
		return "§ 288 Abs. 5 BGB"
	case FR:
		return "Art. L441-10 and D441-5 Code de commerce"
	}
	return ""
}

// NetsReminderFees reports whether the regime's fixed compensation covers
// the creditor's reminder costs on the same invoice, so that only costs
// above it may be claimed beside it: Directive 2011/7/EU Art. 6(1) and
// 6(3) as the CJEU read them in C-287/17, § 288 Abs. 5 S. 3 BGB, the 1998
// Act s.5A(2A), Art. D441-5 Code de commerce. True for every regime that
// grants one.
func (r Regime) NetsReminderFees() bool { return r.CompensationBasis() != "" }
