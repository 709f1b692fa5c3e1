package dunning

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/overduehq/overdue/dunning/money"
	"github.com/overduehq/overdue/notice"
	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
)

// StatementRequest asks for a statement of account of one customer in one
// currency over From..To (both days included).
type StatementRequest struct {
	CustomerID string
	Currency   Currency
	From, To   date.Date
	// Language of the texts ("" the customer's, else English).
	Language string
	// Date is the statement's date (zero: To).
	Date date.Date
}

// Statement builds the statement of account of r.CustomerID from the
// portfolio, with the same balance definition as the notices: an invoice
// with a Schedule shows as one open item per instalment (Parts), unapplied
// payments and credits are entries of their own and are deducted from the
// open items. Invoices written off by r.To are left out with their payments
// and credits (they are no longer claimed).
//
//	Opening = invoices issued before From - payments, credits and unapplied
//	          money dated before From
//	Closing = Opening + invoices issued in From..To - payments, credits and
//	          unapplied money dated in From..To
//	        = the open items at To - the unapplied money held at To
//
// Aging buckets the open items by days overdue at To: not yet due, 1-30,
// 31-60, 61-90, more than 90. The statement is validated and rendered
// (notice.RenderStatement) before it is returned.
func (p *Policy) Statement(pf Portfolio, r StatementRequest) (*notice.Statement, error) {
	var c *Customer
	for i := range pf.Customers {
		if pf.Customers[i].ID == r.CustomerID {
			c = &pf.Customers[i]
		}
	}
	if c == nil {
		return nil, fmt.Errorf("%w: customer %q", ErrNotFound, r.CustomerID)
	}
	if r.From == 0 || r.To < r.From {
		return nil, &FieldError{Field: "statement.to", Value: r.To.String(), Reason: "must be set and not before from " + r.From.String()}
	}
	if _, err := money.ParseCurrency(string(r.Currency)); err != nil {
		return nil, &FieldError{Field: "statement.currency", Value: string(r.Currency), Reason: "is not an ISO 4217 code"}
	}
	places := p.places(r.Currency)
	lang := cmp.Or(r.Language, c.Language, "en")
	s := &notice.Statement{
		Number: notice.NumberFor("statement/" + esc(c.ID) + "/" + string(r.Currency) + "/" + r.From.String() + "/" + r.To.String()),
		Date:   cmp.Or(r.Date, r.To), From: r.From, To: r.To, Language: lang, Creditor: p.Creditor,
		Debtor:   notice.Party{Name: c.Name, Reference: c.ID, Kind: c.kind(), Country: c.Country},
		Currency: string(r.Currency), MinorUnits: places,
	}
	if len(c.Contacts) > 0 {
		s.Debtor.Email, s.Debtor.Address = c.Contacts[0].Email, c.Contacts[0].Address
	}
	var entries []notice.StatementEntry
	opening := decimal.Zero
	move := func(d date.Date, kind, ref string, debit, credit decimal.Decimal) {
		if d < r.From {
			opening = opening.Add(debit).Sub(credit)
		} else if d <= r.To {
			entries = append(entries, notice.StatementEntry{Date: d, Kind: kind, Reference: ref, Debit: debit, Credit: credit})
		}
	}
	var items []notice.Line
	for i := range pf.Invoices {
		inv := &pf.Invoices[i]
		if inv.CustomerID != c.ID || inv.Currency != r.Currency || inv.Issued > r.To || inv.WrittenOff != 0 && inv.WrittenOff <= r.To {
			continue
		}
		move(inv.Issued, "invoice", inv.Number, inv.Amount, decimal.Zero)
		for _, pay := range inv.Payments {
			move(pay.Date, "payment", cmp.Or(pay.Ref, inv.Number), decimal.Zero, pay.Amount)
		}
		for _, cr := range inv.Credits {
			move(cr.Date, "credit", cmp.Or(cr.Ref, inv.Number), decimal.Zero, cr.Amount)
		}
		parts := []Invoice{*inv}
		if len(inv.Schedule) > 0 {
			parts = inv.Parts()
		}
		for k := range parts {
			pt := &parts[k]
			o := pt.Open(r.To)
			if o.IsZero() {
				continue
			}
			l := notice.Line{Number: inv.Number, IssueDate: inv.Issued, DueDate: pt.Due, Amount: pt.Amount, Open: o, DaysOverdue: max(0, int(r.To-pt.Due))}
			if len(inv.Schedule) > 0 {
				l.Instalment, l.Instalments = k+1, len(inv.Schedule)
			}
			items = append(items, l)
		}
	}
	unapplied := decimal.Zero
	for i := range pf.Unapplied {
		u := &pf.Unapplied[i]
		if u.CustomerID != c.ID || u.Currency != r.Currency || u.Date > r.To {
			continue
		}
		unapplied = unapplied.Add(u.Amount)
		move(u.Date, "unapplied-"+string(u.Kind), u.Ref, decimal.Zero, u.Amount)
	}
	order := map[string]int{"invoice": 0, "payment": 1, "credit": 2}
	slices.SortStableFunc(entries, func(a, b notice.StatementEntry) int {
		return cmp.Or(cmp.Compare(a.Date, b.Date), cmp.Compare(order[a.Kind], order[b.Kind]), strings.Compare(a.Reference, b.Reference))
	})
	bal := opening
	for i := range entries {
		bal = bal.Add(entries[i].Debit).Sub(entries[i].Credit)
		entries[i].Balance = bal
	}
	slices.SortStableFunc(items, func(a, b notice.Line) int {
		return cmp.Or(cmp.Compare(a.DueDate, b.DueDate), strings.Compare(a.Number, b.Number))
	})
	s.Opening, s.Entries, s.Closing, s.Items, s.Unapplied = opening, entries, bal, items, unapplied
	s.Aging = []notice.AgingBucket{{Lo: 0, Hi: 0}, {Lo: 1, Hi: 30}, {Lo: 31, Hi: 60}, {Lo: 61, Hi: 90}, {Lo: 91, Hi: -1}}
	for _, l := range items {
		for k := range s.Aging {
			b := &s.Aging[k]
			if l.DaysOverdue >= b.Lo && (b.Hi < 0 || l.DaysOverdue <= b.Hi) {
				b.Amount = b.Amount.Add(l.Open)
				break
			}
		}
	}
	if err := notice.RenderStatement(s); err != nil {
		return nil, err
	}
	return s, nil
}

func (p *Policy) places(c Currency) int32 {
	if u, ok := c.MinorUnits(); ok {
		return u
	}
	return 2
}
