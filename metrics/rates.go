package metrics

import (
	"iter"

	"github.com/overduehq/overdue/dunning"
	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
)

// Payment behaviour over invoices settled in a period.
type Payment struct {
	Currency Currency `json:"currency"`
	Count    int      `json:"count"` // invoices settled in the period
	// DaysToPay: mean of (paid - issued); weighted by amount in
	// WeightedDaysToPay.
	DaysToPay         decimal.Decimal `json:"days_to_pay"`
	WeightedDaysToPay decimal.Decimal `json:"weighted_days_to_pay"`
	// DaysLate: mean of max(0, paid - due); weighted by amount in
	// WeightedDaysLate.
	DaysLate         decimal.Decimal `json:"days_late"`
	WeightedDaysLate decimal.Decimal `json:"weighted_days_late"`
	// TimeToCollect: mean of (paid - due) over the invoices paid late;
	// LateCount of them.
	TimeToCollect decimal.Decimal `json:"time_to_collect"`
	LateCount     int             `json:"late_count"`
	// OnTimeShare: share (0..1) of settled invoices paid by their due date.
	OnTimeShare decimal.Decimal `json:"on_time_share"`
}

// Payments measures how invoices settled in p were paid, per currency. An
// invoice is settled on the day its open balance first reached zero.
func Payments(invs iter.Seq[dunning.Invoice], p Period) (map[Currency]*Payment, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	type sums struct {
		n, late                  int64
		toPay, lateDays, collect int64
		wToPay, wLate, amt       decimal.Decimal
	}
	acc := map[Currency]*sums{}
	for inv := range invs {
		paid, ok := inv.PaidOn(p.To)
		if !ok || paid < p.From || inv.Amount.Sign() <= 0 {
			continue
		}
		s := acc[inv.Currency]
		if s == nil {
			s = &sums{}
			acc[inv.Currency] = s
		}
		tp := int64(paid - inv.Issued)
		lt := max(0, int64(paid-inv.Due))
		s.n++
		s.toPay += tp
		s.lateDays += lt
		s.wToPay = s.wToPay.Add(inv.Amount.Mul(decimal.NewFromInt(tp)))
		s.wLate = s.wLate.Add(inv.Amount.Mul(decimal.NewFromInt(lt)))
		s.amt = s.amt.Add(inv.Amount)
		if lt > 0 {
			s.late++
			s.collect += lt
		}
	}
	out := map[Currency]*Payment{}
	for c, s := range acc {
		n := decimal.NewFromInt(s.n)
		r := &Payment{Currency: c, Count: int(s.n), LateCount: int(s.late),
			DaysToPay:   ratio(decimal.NewFromInt(s.toPay), n, DayPlaces),
			DaysLate:    ratio(decimal.NewFromInt(s.lateDays), n, DayPlaces),
			OnTimeShare: ratio(decimal.NewFromInt(s.n-s.late), n, SharePlaces),
		}
		if s.amt.Sign() > 0 {
			r.WeightedDaysToPay = ratio(s.wToPay, s.amt, DayPlaces)
			r.WeightedDaysLate = ratio(s.wLate, s.amt, DayPlaces)
		}
		if s.late > 0 {
			r.TimeToCollect = ratio(decimal.NewFromInt(s.collect), decimal.NewFromInt(s.late), DayPlaces)
		}
		out[c] = r
	}
	return out, nil
}

// Risk is receivables at risk on a day for one currency.
type Risk struct {
	Currency Currency        `json:"currency"`
	Total    decimal.Decimal `json:"total"` // AR on the day
	// AtRisk: open balances more than Threshold days past due, plus those
	// of customers whose score is above ScoreAbove (when a scorer is given).
	AtRisk decimal.Decimal `json:"at_risk"`
	// Over90: open balances more than 90 days past due, and their share.
	Over90      decimal.Decimal `json:"over_90"`
	Over90Share decimal.Decimal `json:"over_90_share"`
	Share       decimal.Decimal `json:"share"` // AtRisk / Total
}

// RiskOptions configure ReceivablesAtRisk.
type RiskOptions struct {
	// DaysOverdue: balances more than this many days past due are at risk.
	DaysOverdue int
	// Score, when set, scores a customer (higher = riskier); all open
	// balances of customers scoring above ScoreAbove are at risk.
	Score      func(customerID string) decimal.Decimal
	ScoreAbove decimal.Decimal
}

// ReceivablesAtRisk sums what is at risk on asOf, per currency.
func ReceivablesAtRisk(invs iter.Seq[dunning.Invoice], asOf date.Date, o RiskOptions) map[Currency]*Risk {
	out := map[Currency]*Risk{}
	scores := map[string]bool{}
	for inv := range items(invs) {
		v := arOn(&inv, asOf)
		if v.Sign() <= 0 {
			continue
		}
		r := out[inv.Currency]
		if r == nil {
			r = &Risk{Currency: inv.Currency}
			out[inv.Currency] = r
		}
		r.Total = r.Total.Add(v)
		late := int(asOf - inv.Due)
		risky := late > o.DaysOverdue
		if !risky && o.Score != nil {
			s, seen := scores[inv.CustomerID]
			if !seen {
				s = o.Score(inv.CustomerID).Cmp(o.ScoreAbove) > 0
				scores[inv.CustomerID] = s
			}
			risky = s
		}
		if risky {
			r.AtRisk = r.AtRisk.Add(v)
		}
		if late > 90 {
			r.Over90 = r.Over90.Add(v)
		}
	}
	for _, r := range out {
		if r.Total.Sign() > 0 {
			r.Share = ratio(r.AtRisk, r.Total, SharePlaces)
			r.Over90Share = ratio(r.Over90, r.Total, SharePlaces)
		}
	}
	return out
}
