package dunning

import (
	"github.com/overduehq/overdue/segment"
	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
)

// Payment-history attributes. Plan offers them to the segment rules next to
// the customer's own Attributes, computed from the customer's invoices as of
// the planning day. "Settled" invoices are those whose open balance reached
// zero on or before asOf; an invoice's days late is max(0, settled day - due
// day) once settled, and max(0, asOf - due) while open.
const (
	// AttrAvgDaysLate (number): the mean days late over settled invoices,
	// sum(days late) / count, rounded to 2 decimals. Absent with no settled
	// invoice.
	AttrAvgDaysLate = "history.avg_days_late"
	// AttrWeightedDaysLate (number): days late weighted by invoice amount
	// over settled invoices, sum(amount x days late) / sum(amount), rounded
	// to 2 decimals (the amount-weighted "days beyond terms"). Absent with no
	// settled invoice or a zero amount sum.
	AttrWeightedDaysLate = "history.weighted_days_late"
	// AttrOnTimeShare (number 0..1): settled invoices with days late = 0 /
	// settled invoices, rounded to 4 decimals. Absent with none settled.
	AttrOnTimeShare = "history.on_time_share"
	// AttrOverdueCount (number): open invoices with due < asOf.
	AttrOverdueCount = "history.overdue_count"
	// AttrOverdueAmount (number): the sum of the open balances of overdue
	// invoices, present only when they share one currency (see
	// AttrOverdueCurrency); amounts in different currencies are not added.
	AttrOverdueAmount = "history.overdue_amount"
	// AttrOverdueCurrency (string): the currency of AttrOverdueAmount.
	AttrOverdueCurrency = "history.overdue_currency"
	// AttrMaxDaysLate (number): the longest days late of any invoice,
	// settled or open.
	AttrMaxDaysLate = "history.max_days_late"
	// AttrBrokenPromises (number): invoices whose promise to pay is broken
	// as of asOf.
	AttrBrokenPromises = "history.broken_promises"
	// AttrRecentDisputes (number): disputes opened in the 365 days up to and
	// including asOf (asOf-364 ... asOf).
	AttrRecentDisputes = "history.recent_disputes"
)

// HistoryAttributes returns the payment-history attributes of a customer
// whose invoices are invs, as of asOf. Invoices of other customers must not
// be passed.
func HistoryAttributes(asOf date.Date, invs []*Invoice) segment.Attrs {
	var (
		settled, onTime, overdue, broken, disputes int64
		sumLate, maxLate                           int64
		wSum, wAmt, overdueAmt                     decimal.Decimal
		overdueCur                                 Currency
		mixed                                      bool
	)
	for _, inv := range invs {
		if inv.Due > asOf && inv.Issued > asOf {
			continue
		}
		if inv.PromiseOn(asOf) == PromiseBroken {
			broken++
		}
		if d := inv.Dispute; d != nil && d.Opened <= asOf && d.Opened > asOf-365 {
			disputes++
		}
		if paid, ok := inv.PaidOn(asOf); ok {
			late := max(0, int64(paid-inv.Due))
			settled++
			sumLate += late
			maxLate = max(maxLate, late)
			if late == 0 {
				onTime++
			}
			wSum = wSum.Add(inv.Amount.Mul(decimal.NewFromInt(late)))
			wAmt = wAmt.Add(inv.Amount)
			continue
		}
		if inv.Due < asOf && inv.WrittenOff == 0 {
			overdue++
			maxLate = max(maxLate, int64(asOf-inv.Due))
			if overdueCur == "" {
				overdueCur = inv.Currency
			} else if overdueCur != inv.Currency {
				mixed = true
			}
			overdueAmt = overdueAmt.Add(inv.Open(asOf))
		}
	}
	a := segment.Attrs{
		AttrOverdueCount:   segment.Int(overdue),
		AttrMaxDaysLate:    segment.Int(maxLate),
		AttrBrokenPromises: segment.Int(broken),
		AttrRecentDisputes: segment.Int(disputes),
	}
	if settled > 0 {
		a[AttrAvgDaysLate] = segment.Number(decimal.NewFromInt(sumLate).DivRound(decimal.NewFromInt(settled), 2))
		a[AttrOnTimeShare] = segment.Number(decimal.NewFromInt(onTime).DivRound(decimal.NewFromInt(settled), 4))
		if wAmt.Sign() > 0 {
			a[AttrWeightedDaysLate] = segment.Number(wSum.DivRound(wAmt, 2))
		}
	}
	if overdue > 0 && !mixed {
		a[AttrOverdueAmount] = segment.Number(overdueAmt)
		a[AttrOverdueCurrency] = segment.String(string(overdueCur))
	} else if overdue == 0 {
		a[AttrOverdueAmount] = segment.Int(0)
	}
	return a
}

// subject is what the segment rules see of a customer: its own attributes,
// then the payment-history attributes, computed on first use.
type subject struct {
	c    *Customer
	invs []*Invoice
	asOf date.Date
	hist segment.Attrs
}

func (s *subject) Attr(name string) (segment.Value, bool) {
	if v, ok := s.c.Attributes[name]; ok {
		return v, true
	}
	if len(name) > 8 && name[:8] == "history." {
		if s.hist == nil {
			s.hist = HistoryAttributes(s.asOf, s.invs)
		}
		v, ok := s.hist[name]
		return v, ok
	}
	return segment.Value{}, false
}
