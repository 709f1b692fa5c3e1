package dunning

import (
	"slices"
	"strings"

	"github.com/overduehq/overdue/dunning/charge"
	"github.com/overduehq/overdue/notice"
	"github.com/shopspring/decimal"
)

// regimeLaw is the jurisdiction of a statutory interest regime.
func regimeLaw(r charge.Regime) notice.Jurisdiction {
	switch r {
	case charge.EU:
		return notice.EU
	case charge.UK:
		return notice.UK
	case charge.DEB2B, charge.DEB2C:
		return notice.DE
	case charge.FR:
		return notice.FR
	}
	return ""
}

// lawOf is the jurisdiction a claim on inv is made under: the policy's
// Law, else its interest regime's.
func (pl *planner) lawOf(inv *Invoice) notice.Jurisdiction {
	if pl.policy.Law != "" {
		return pl.policy.Law
	}
	if ch := pl.charges(inv); ch != nil && ch.Interest != nil {
		return regimeLaw(ch.Interest.Regime)
	}
	return ""
}

// kind is the customer's kind as notices state it: Kind, else "consumer"
// when Consumer is set, else unknown.
func (c *Customer) kind() notice.PartyKind {
	if c.Kind != "" {
		return c.Kind
	}
	if c.Consumer {
		return notice.Consumer
	}
	return ""
}

// consumer reports whether the customer is a consumer (Consumer, or Kind
// "consumer").
func (c *Customer) consumer() bool { return c.Consumer || c.Kind == notice.Consumer }

// settleCharges applies the rules of the law to a composed notice's
// charges and sets the action's new fees from what the notice then claims:
//   - a friendly reminder claims nothing: no fee, compensation or interest
//     (the debtor is not in default yet);
//   - a compensation line covers the reminder fees on its invoice (the
//     earlier ones and this step's fee where it is booked on it), so it
//     claims the statutory sum less them, never below zero (Directive
//     2011/7/EU Art. 6, CJEU C-287/17, § 288 Abs. 5 S. 3 BGB);
//   - once the compensation of the invoice the step fee is booked on was
//     claimed on an earlier notice under a regime that nets
//     (feeInvoiceCompensated), this step's fee is covered by it and not
//     charged.
func settleCharges(n *notice.Notice, a *Action, feeInvoiceCompensated bool) {
	if n.Stage == notice.FriendlyReminder {
		n.Fees, n.Interest = nil, nil
		a.Fees, a.Interest, a.Compensation, a.CompensationOn = decimal.Zero, decimal.Zero, false, nil
		return
	}
	if feeInvoiceCompensated {
		n.Fees = slices.DeleteFunc(n.Fees, func(c notice.Charge) bool { return c.Label == "fee" })
	}
	fees := decimal.Zero
	for i := range n.Fees {
		c := &n.Fees[i]
		if c.Label == "compensation" && c.Statutory.IsPositive() {
			c.Covered = n.FeesOnPart(c.Invoice, c.Instalment)
			c.Amount = decimal.Max(decimal.Zero, c.Statutory.Sub(c.Covered))
		}
		if c.Label == "fee" || c.Label == "compensation" {
			fees = fees.Add(c.Amount)
		}
	}
	a.Fees = fees
}

// checkNotice holds a notice, rendered with the policy's templates on a
// copy, against its law's checklist and returns the Problem it earns ("":
// none). The copy has a statement of its own: rendering one fills its
// texts and may set its language (notice.Set.Render), which the planned
// notice's statement must not get.
func (pl *planner) checkNotice(n *notice.Notice) string {
	if pl.set == nil {
		pl.set = pl.policy.templates()
	}
	cp := *n
	if n.Statement != nil {
		st := *n.Statement
		cp.Statement = &st
	}
	if err := pl.set.Render(&cp); err != nil {
		return "render: " + err.Error()
	}
	fs := notice.Check(&cp, "")
	if len(fs) == 0 {
		return ""
	}
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = f.String()
	}
	return "the notice fails the checklist of its law: " + strings.Join(parts, "; ")
}
