package notice

import (
	"fmt"
	"strconv"
	"strings"

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
	s := n.unapplied()
	return s.rounded()
}

func (n *Notice) unapplied() minorSum {
	return sumOf(n.Unapplied, n.MinorUnits, func(u *Unapplied) decimal.Decimal { return u.Amount })
}

// checkAccount lists what is wrong with the notice's instalment, plan and
// unapplied lines: an instalment number outside 1..Instalments, plan parts
// out of order or with amounts that do not fit; unapplied lines without a
// kind or date, with amounts that are not positive, or adding up to more
// than the open balances (a notice never asks for less than nothing).
func (n *Notice) checkAccount() []string {
	var bad []string
	// The field paths are built only for a field that fails.
	line := func(i int) string { return "lines[" + strconv.Itoa(i) + "]." }
	for i := range n.Lines {
		l := &n.Lines[i]
		if l.Instalment != 0 || l.Instalments != 0 {
			if l.Instalment < 1 || l.Instalment > l.Instalments {
				bad = append(bad, line(i)+"instalment")
			}
		}
		for j, pp := range l.Plan {
			q := func() string { return line(i) + "plan[" + strconv.Itoa(j) + "]." }
			if pp.PayBy == 0 || j > 0 && pp.PayBy <= l.Plan[j-1].PayBy {
				bad = append(bad, q()+"pay_by")
			}
			if pp.Amount.Sign() <= 0 || !fits(pp.Amount, n.MinorUnits) || pp.Paid.IsNegative() || pp.Paid.Cmp(pp.Amount) > 0 {
				bad = append(bad, q()+"amount")
			}
		}
	}
	for i, u := range n.Unapplied {
		p := func() string { return "unapplied[" + strconv.Itoa(i) + "]." }
		if u.Kind != "payment" && u.Kind != "credit" {
			bad = append(bad, p()+"kind")
		}
		if u.Date == 0 || u.Date > n.Date {
			bad = append(bad, p()+"date")
		}
		if u.Amount.Sign() <= 0 || !fits(u.Amount, n.MinorUnits) {
			bad = append(bad, p()+"amount")
		}
	}
	if len(n.Unapplied) > 0 && n.UnappliedTotal().Cmp(n.Principal()) >= 0 {
		bad = append(bad, "unapplied")
	}
	return bad
}

// instalmentWords names part k of n in the language ("" when k is 0).
func instalmentWords(lang string, k, n int) string {
	if k == 0 {
		return ""
	}
	if lang == "de" {
		return fmt.Sprintf("Rate %d von %d", k, n)
	}
	return fmt.Sprintf("instalment %d of %d", k, n)
}

// planWords describes a payment plan's parts in the language.
func planWords(lang string, parts []PlanPart, m func(decimal.Decimal) string, dt func(date.Date) string) string {
	if len(parts) == 0 {
		return ""
	}
	var b strings.Builder
	for i, p := range parts {
		if i > 0 {
			b.WriteString("; ")
		}
		var state string
		switch {
		case p.Paid.Cmp(p.Amount) >= 0:
			state = map[bool]string{false: "paid", true: "bezahlt"}[lang == "de"]
		case p.Missed && p.Paid.Sign() > 0:
			state = map[bool]string{false: "missed, " + m(p.Paid) + " paid", true: "versäumt, " + m(p.Paid) + " bezahlt"}[lang == "de"]
		case p.Missed:
			state = map[bool]string{false: "missed", true: "versäumt"}[lang == "de"]
		default:
			state = map[bool]string{false: "not yet due", true: "noch nicht fällig"}[lang == "de"]
		}
		if lang == "de" {
			fmt.Fprintf(&b, "%s bis %s (%s)", m(p.Amount), dt(p.PayBy), state)
		} else {
			fmt.Fprintf(&b, "%s by %s (%s)", m(p.Amount), dt(p.PayBy), state)
		}
	}
	return b.String()
}

// unappliedWords says what an unapplied payment or credit is.
func unappliedWords(lang string, u Unapplied, dt func(date.Date) string) string {
	ref := ""
	if u.Reference != "" {
		if lang == "de" {
			ref = " (Referenz " + u.Reference + ")"
		} else {
			ref = " (ref " + u.Reference + ")"
		}
	}
	switch {
	case lang == "de" && u.Kind == "credit":
		return "Gutschrift vom " + dt(u.Date) + ref + ", noch keiner Rechnung zugeordnet"
	case lang == "de":
		return "Zahlung vom " + dt(u.Date) + ref + ", noch keiner Rechnung zugeordnet"
	case u.Kind == "credit":
		return "Credit note of " + dt(u.Date) + ref + ", not yet allocated to an invoice"
	}
	return "Payment received on " + dt(u.Date) + ref + ", not yet allocated to an invoice"
}
