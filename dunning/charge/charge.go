package charge

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"

	"github.com/overduehq/overdue/dunning/money"
	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
)

// Error reports a bad configuration or input: which field, what value, why.
type Error struct {
	Field, Value, Reason string
}

// Error implements error.
func (e *Error) Error() string { return fmt.Sprintf("charge: %s: %q %s", e.Field, e.Value, e.Reason) }

// ErrNoRate is returned (wrapped) when a rate table has no rate for a day.
var ErrNoRate = errors.New("charge: no reference rate for the day")

// hundred is 100, for percentages.
func hundred() decimal.Decimal { return decimal.NewFromInt(100) }

func places(cur money.Currency) (int32, error) {
	u, ok := cur.MinorUnits()
	if !ok {
		return 0, &Error{Field: "currency", Value: string(cur), Reason: "is not an ISO 4217 code"}
	}
	return u, nil
}

// FeeKind says how a fee is computed.
type FeeKind string

const (
	// FixedPerNotice charges Amounts[currency] once per notice.
	FixedPerNotice FeeKind = "per-notice"
	// PerInvoice charges Amounts[currency] for each invoice on the notice.
	PerInvoice FeeKind = "per-invoice"
	// Percent charges Percent % of the open amounts, clamped to Min and Max.
	Percent FeeKind = "percent"
)

// Fee is a late fee charged with a dunning notice.
type Fee struct {
	Kind    FeeKind                            `json:"kind"`
	Amounts map[money.Currency]decimal.Decimal `json:"amounts,omitempty"`
	Percent decimal.Decimal                    `json:"percent,omitzero"`
	Min     map[money.Currency]decimal.Decimal `json:"min,omitempty"`
	Max     map[money.Currency]decimal.Decimal `json:"max,omitempty"`
}

// Validate checks the fee.
func (f Fee) Validate() error {
	switch f.Kind {
	case FixedPerNotice, PerInvoice:
		if len(f.Amounts) == 0 {
			return &Error{Field: "fee.amounts", Value: "", Reason: "a " + string(f.Kind) + " fee needs an amount per currency"}
		}
	case Percent:
		if f.Percent.Sign() <= 0 || f.Percent.GreaterThan(hundred()) {
			return &Error{Field: "fee.percent", Value: f.Percent.String(), Reason: "must be above 0 and at most 100"}
		}
	default:
		return &Error{Field: "fee.kind", Value: string(f.Kind), Reason: `want "per-notice", "per-invoice" or "percent"`}
	}
	for _, m := range []struct {
		name string
		v    map[money.Currency]decimal.Decimal
	}{{"amounts", f.Amounts}, {"min", f.Min}, {"max", f.Max}} {
		for _, c := range slices.Sorted(maps.Keys(m.v)) { // the same fee, the same error
			v := m.v[c]
			if _, ok := c.MinorUnits(); !ok {
				return &Error{Field: "fee." + m.name, Value: string(c), Reason: "is not an ISO 4217 code"}
			}
			if v.IsNegative() {
				return &Error{Field: "fee." + m.name + "." + string(c), Value: v.String(), Reason: "must not be negative"}
			}
		}
	}
	for _, c := range slices.Sorted(maps.Keys(f.Min)) {
		lo := f.Min[c]
		if hi, ok := f.Max[c]; ok && lo.GreaterThan(hi) {
			return &Error{Field: "fee.min." + string(c), Value: lo.String(), Reason: "is above the maximum " + hi.String()}
		}
	}
	return nil
}

// Compute returns the fee for a notice in currency cur over invoices with
// the given open balances, rounded half away from zero to the minor unit.
// A fixed or per-invoice fee with no amount for cur is zero: a fee is only
// charged in the currencies it names.
func (f Fee) Compute(cur money.Currency, opens []decimal.Decimal) (money.Money, error) {
	if _, err := places(cur); err != nil {
		return money.Money{}, err
	}
	var v decimal.Decimal
	switch f.Kind {
	case FixedPerNotice:
		v = f.Amounts[cur]
	case PerInvoice:
		v = f.Amounts[cur].Mul(decimal.NewFromInt(int64(len(opens))))
	case Percent:
		sum := decimal.Zero
		for i, o := range opens {
			if o.IsNegative() {
				return money.Money{}, &Error{Field: fmt.Sprintf("opens[%d]", i), Value: o.String(), Reason: "must not be negative"}
			}
			sum = sum.Add(o)
		}
		v = sum.Mul(f.Percent).Div(hundred())
		if lo, ok := f.Min[cur]; ok && v.LessThan(lo) {
			v = lo
		}
		if hi, ok := f.Max[cur]; ok && v.GreaterThan(hi) {
			v = hi
		}
	default:
		return money.Money{}, f.Validate()
	}
	return money.New(v, cur).Round(), nil
}

// RatePoint is a reference rate (annual %) in force from a day on.
type RatePoint struct {
	From    date.Date       `json:"from"`
	Percent decimal.Decimal `json:"percent"`
}

// RateTable is an app-supplied table of reference rates, sorted by From.
type RateTable []RatePoint

// Validate checks that From strictly increases and is set.
func (t RateTable) Validate() error {
	for i, p := range t {
		if p.From == 0 {
			return &Error{Field: fmt.Sprintf("rates[%d].from", i), Value: "", Reason: "must be set"}
		}
		if i > 0 && p.From <= t[i-1].From {
			return &Error{Field: fmt.Sprintf("rates[%d].from", i), Value: p.From.String(), Reason: "must be after " + t[i-1].From.String()}
		}
	}
	return nil
}

// At returns the rate in force on d.
func (t RateTable) At(d date.Date) (decimal.Decimal, bool) {
	i := sort.Search(len(t), func(i int) bool { return t[i].From > d })
	if i == 0 {
		return decimal.Zero, false
	}
	return t[i-1].Percent, true
}
