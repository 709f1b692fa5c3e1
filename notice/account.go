package notice

import (
	"fmt"

	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
)

// Unapplied is money of the debtor the creditor holds but has not matched to
// an invoice yet: a payment received or a credit note issued. A notice shows
// it as its own line and deducts it from the total due.
type Unapplied struct {
	// Kind is "payment" or "credit".
	Kind      string          `json:"kind"`
	Date      date.Date       `json:"date"`
	Reference string          `json:"reference,omitempty"`
	Amount    decimal.Decimal `json:"amount"` // positive: what is deducted
}

// PlanPart is one dated part of a payment plan the debtor agreed to, as a
// notice line shows it.
type PlanPart struct {
	PayBy  date.Date       `json:"pay_by"`
	Amount decimal.Decimal `json:"amount"`
	// Paid is what payments cover of the part; Missed marks a part whose day
	// passed before it was paid in full.
	Paid   decimal.Decimal `json:"paid,omitzero"`
	Missed bool            `json:"missed,omitempty"`
}

// UnappliedTotal is the sum of the unapplied payments and credits, rounded
// half away from zero to MinorUnits.
func (n *Notice) UnappliedTotal() decimal.Decimal {
	s := decimal.Zero
	for _, u := range n.Unapplied {
		s = s.Add(u.Amount)
	}
	return roundMinor(s, n.MinorUnits)
}

// checkAccount lists what is wrong with the notice's instalment, plan and
// unapplied lines: an instalment number outside 1..Instalments, plan parts
// out of order or with amounts that do not fit; unapplied lines without a
// kind or date, with amounts that are not positive, or adding up to more
// than the open balances (a notice never asks for less than nothing).
func (n *Notice) checkAccount() []string {
	var bad []string
	for i, l := range n.Lines {
		p := fmt.Sprintf("lines[%d].", i)
		if l.Instalment != 0 || l.Instalments != 0 {
			if l.Instalment < 1 || l.Instalment > l.Instalments {
				bad = append(bad, p+"instalment")
			}
		}
		for j, pp := range l.Plan {
			q := fmt.Sprintf("%splan[%d].", p, j)
			if pp.PayBy == 0 || j > 0 && pp.PayBy <= l.Plan[j-1].PayBy {
				bad = append(bad, q+"pay_by")
			}
			if pp.Amount.Sign() <= 0 || !fits(pp.Amount, n.MinorUnits) || pp.Paid.IsNegative() || pp.Paid.Cmp(pp.Amount) > 0 {
				bad = append(bad, q+"amount")
			}
		}
	}
	for i, u := range n.Unapplied {
		p := fmt.Sprintf("unapplied[%d].", i)
		if u.Kind != "payment" && u.Kind != "credit" {
			bad = append(bad, p+"kind")
		}
		if u.Date == 0 || u.Date > n.Date {
			bad = append(bad, p+"date")
		}
		if u.Amount.Sign() <= 0 || !fits(u.Amount, n.MinorUnits) {
			bad = append(bad, p+"amount")
		}
	}
	if len(n.Unapplied) > 0 && n.UnappliedTotal().Cmp(n.Principal()) >= 0 {
		bad = append(bad, "unapplied")
	}
	return bad
}
