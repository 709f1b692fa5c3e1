package dunning

import (
	"slices"
	"strconv"
	"strings"

	"github.com/overduehq/overdue/notice"

	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
)

// Instalments: an invoice payable in parts.
//
// An Invoice with a Schedule is dunned per instalment. Plan (and Explain)
// replace it by one invoice per instalment (Parts): the instalment's due
// date and amount, the invoice's number, issue date, lines, dispute, hold,
// write-off, litigation and cycle, and the part of each payment and credit
// the allocation rule gives it. Each part is then planned like any invoice:
// its steps anchor on its own due date, a notice lists each overdue part
// with its own days overdue, and fees and interest accrue on each part's
// own open balance from its own due date.
//
// The allocation rule, the one this library uses everywhere: payments and
// credits are taken in date order (on one day, payments before credits, each
// in the order given), and each goes to the instalment the app names in its
// Instalment field, else to the oldest instalment (earliest due date) still
// open; what is left of it goes on to the next open instalment. Money beyond
// every instalment stays on the last one (its open balance turns negative,
// as an overpaid invoice's does). The split does not depend on the planning
// day: an instalment's open balance on day d is its amount less the parts
// of the payments and credits dated on or before d.
//
// Identity: part k (1-based) of invoice ID has the ID "ID#k" (InstalmentID).
// That ID is what the History's Progress, the action keys
// ("inv/<customer>/ID%23k/<workflow>/<step>/c<cycle>"), Action.InvoiceIDs,
// the ledger's records and Explain use, so each instalment moves through its
// workflow on its own. Renumbering the schedule (inserting an instalment
// before others) renames the later parts: change a schedule only by
// appending, or start a new cycle.
//
// One notice per invoice and day: the customer never gets two notices about
// one invoice on one day because it is paid in parts. On a day when two or
// more instalments of an invoice have a notice step due under a per-invoice
// workflow (a step anchored on the issue date or the agreement falls on one
// day for all of them; instalments caught up together may stand at one
// step), those notice steps go on one notice, as a per-customer workflow's
// notice steps go on the customer's (joinInstalments): the most advanced
// step among them, one line per instalment with its own due date, amount,
// open balance and days overdue, interest and compensation per instalment,
// the step fee once, the invoice named once in the payment reference. Its
// key is that of a notice over several invoices
// ("cust/<customer>/<workflow>/<step>/<currency>/<hash>" over the
// instalments and cycles), Action.Steps the step each instalment reaches,
// and the record advances each instalment on it. A step of one instalment
// alone on its day (a step anchored on its own due date) keeps its own
// notice and key, and non-notice steps (tasks, escalations, retries, holds)
// stay per instalment.

// Instalment is one dated part of an invoice payable in parts.
type Instalment struct {
	Due    date.Date       `json:"due"`
	Amount decimal.Decimal `json:"amount"`
}

// InstalmentID returns the ID of part k (1-based) of the invoice with the
// given ID: "ID#k".
func InstalmentID(invoiceID string, k int) string {
	return invoiceID + "#" + strconv.Itoa(k)
}

// ParentID returns the invoice ID and the part number of an instalment ID
// made by InstalmentID, or id and 0 when id names no instalment.
func ParentID(id string) (string, int) {
	i := strings.LastIndexByte(id, '#')
	if i < 0 {
		return id, 0
	}
	k, err := strconv.Atoi(id[i+1:])
	if err != nil || k <= 0 || strconv.Itoa(k) != id[i+1:] {
		return id, 0
	}
	return id[:i], k
}

// Parts returns the invoice's instalments as invoices of their own, in
// schedule order, with the payments and credits split by the allocation
// rule (see the comment at the top of instalments.go): nil for an invoice
// without a Schedule. A part has no Schedule; it keeps the invoice's
// Promise, which Plan judges against the invoice's payments, not the part's.
func (inv *Invoice) Parts() []Invoice {
	n := len(inv.Schedule)
	if n == 0 {
		return nil
	}
	parts := make([]Invoice, n)
	open := make([]decimal.Decimal, n)
	for k, s := range inv.Schedule {
		p := *inv
		p.ID = InstalmentID(inv.ID, k+1)
		p.Due, p.Amount = s.Due, s.Amount
		p.Schedule = nil
		p.Payments, p.Credits = nil, nil
		parts[k] = p
		open[k] = s.Amount
	}
	type money struct {
		d     date.Date
		a     decimal.Decimal
		to    int // 1-based instalment, 0: oldest open first
		ref   string
		pay   bool
		order int
	}
	ms := make([]money, 0, len(inv.Payments)+len(inv.Credits))
	for i, p := range inv.Payments {
		ms = append(ms, money{p.Date, p.Amount, p.Instalment, p.Ref, true, i})
	}
	for i, c := range inv.Credits {
		ms = append(ms, money{c.Date, c.Amount, c.Instalment, c.Ref, false, len(inv.Payments) + i})
	}
	slices.SortStableFunc(ms, func(a, b money) int { return int(a.d - b.d) })
	book := func(k int, m money, a decimal.Decimal) {
		open[k] = open[k].Sub(a)
		if m.pay {
			parts[k].Payments = append(parts[k].Payments, Payment{Date: m.d, Amount: a, Ref: m.ref, Instalment: k + 1})
		} else {
			parts[k].Credits = append(parts[k].Credits, Credit{Date: m.d, Amount: a, Ref: m.ref, Instalment: k + 1})
		}
	}
	for _, m := range ms {
		left := m.a
		if m.to >= 1 && m.to <= n {
			// The app's own allocation: that instalment takes what it owes
			// (all of it when it is the last); the rest goes on oldest first.
			k := m.to - 1
			take := left
			if k < n-1 && take.Cmp(open[k]) > 0 {
				take = decimal.Max(open[k], decimal.Zero)
			}
			if take.Sign() > 0 {
				book(k, m, take)
				left = left.Sub(take)
			}
		}
		for k := 0; k < n && left.Sign() > 0; k++ {
			if open[k].Sign() <= 0 && k < n-1 {
				continue
			}
			take := left
			if k < n-1 && take.Cmp(open[k]) > 0 {
				take = open[k]
			}
			book(k, m, take)
			left = left.Sub(take)
		}
	}
	return parts
}

// expandInstalments returns the invoices with each scheduled invoice replaced
// by its Parts, and the parts' parents by part ID (nil when no invoice has a
// schedule; then invs comes back as it is).
func expandInstalments(invs []Invoice) ([]Invoice, map[string]*Invoice) {
	n := 0
	for i := range invs {
		n += len(invs[i].Schedule)
	}
	if n == 0 {
		return invs, nil
	}
	out := make([]Invoice, 0, len(invs)+n)
	parent := make(map[string]*Invoice, n)
	for i := range invs {
		inv := &invs[i]
		if len(inv.Schedule) == 0 {
			out = append(out, *inv)
			continue
		}
		for _, p := range inv.Parts() {
			parent[p.ID] = inv
			out = append(out, p)
		}
	}
	return out, parent
}

// validateSchedule checks an invoice's schedule: amounts positive, in the
// currency's bounds, adding up to the invoice's amount; due dates set, in
// ascending order, none before the issue date, the last one the invoice's
// due date; payments and credits naming an instalment that exists.
func (inv *Invoice) validateSchedule() error {
	if len(inv.Schedule) == 0 {
		for i := range inv.Payments {
			if inv.Payments[i].Instalment != 0 {
				return loc{rec: "invoice", id: inv.ID, field: "payments[%d].instalment", i: i, indexed: true}.err(strconv.Itoa(inv.Payments[i].Instalment), "names an instalment but the invoice has no schedule")
			}
		}
		for i := range inv.Credits {
			if inv.Credits[i].Instalment != 0 {
				return loc{rec: "invoice", id: inv.ID, field: "credits[%d].instalment", i: i, indexed: true}.err(strconv.Itoa(inv.Credits[i].Instalment), "names an instalment but the invoice has no schedule")
			}
		}
		return nil
	}
	li := func(field string, i int) loc {
		return loc{rec: "invoice", id: inv.ID, field: field, i: i, indexed: true}
	}
	if len(inv.Schedule) > 1000 {
		return loc{rec: "invoice", id: inv.ID, field: "schedule"}.err(strconv.Itoa(len(inv.Schedule)), "has more than 1000 instalments")
	}
	sum := decimal.Zero
	for i, s := range inv.Schedule {
		if err := checkAmount(li("schedule[%d].amount", i), s.Amount, inv.Currency); err != nil {
			return err
		}
		if s.Amount.Sign() <= 0 {
			return li("schedule[%d].amount", i).err(s.Amount.String(), "must be positive")
		}
		if s.Due == 0 {
			return li("schedule[%d].due", i).err("", "must be set")
		}
		if err := checkDay(li("schedule[%d].due", i), s.Due); err != nil {
			return err
		}
		if s.Due < inv.Issued {
			return li("schedule[%d].due", i).err(s.Due.String(), "is before the issue date "+inv.Issued.String())
		}
		if i > 0 && s.Due <= inv.Schedule[i-1].Due {
			return li("schedule[%d].due", i).err(s.Due.String(), "is not after the previous instalment's due date "+inv.Schedule[i-1].Due.String())
		}
		sum = sum.Add(s.Amount)
	}
	if last := inv.Schedule[len(inv.Schedule)-1].Due; last != inv.Due {
		return loc{rec: "invoice", id: inv.ID, field: "due"}.err(inv.Due.String(), "differs from the last instalment's due date "+last.String())
	}
	if !sum.Equal(inv.Amount) {
		return loc{rec: "invoice", id: inv.ID, field: "schedule"}.err(sum.String(), "instalments add up to "+sum.String()+", not the invoice amount "+inv.Amount.String())
	}
	for i := range inv.Payments {
		if k := inv.Payments[i].Instalment; k < 0 || k > len(inv.Schedule) {
			return li("payments[%d].instalment", i).err(strconv.Itoa(k), "names no instalment of the schedule")
		}
	}
	for i := range inv.Credits {
		if k := inv.Credits[i].Instalment; k < 0 || k > len(inv.Schedule) {
			return li("credits[%d].instalment", i).err(strconv.Itoa(k), "names no instalment of the schedule")
		}
	}
	return nil
}

// owner returns the invoice a part belongs to (inv itself when it is no
// instalment part).
func (pl *planner) owner(inv *Invoice) *Invoice {
	if p := pl.parents[inv.ID]; p != nil {
		return p
	}
	return inv
}

// accountLine adds to a notice line what the invoice's schedule and payment
// plan show: which instalment the line is, and the plan's parts.
func (pl *planner) accountLine(ln *notice.Line, inv *Invoice, asOf date.Date) {
	o := pl.owner(inv)
	if o != inv {
		_, k := ParentID(inv.ID)
		ln.Instalment, ln.Instalments = k, len(o.Schedule)
	}
	ln.Plan = noticePlan(o, asOf)
}

// screenInstalments takes out of invs each scheduled invoice one of whose
// instalment IDs ("ID#k") another invoice of the portfolio already uses, and
// returns a Rejected action for it: the two could not be told apart in the
// History and the keys. invs comes back as it is when nothing collides.
func screenInstalments(asOf func(*Customer) date.Date, invs []Invoice, custs []Customer) ([]Invoice, []Action) {
	var ids map[string]bool
	for i := range invs {
		if len(invs[i].Schedule) > 0 {
			if ids == nil {
				ids = make(map[string]bool, len(invs))
				for j := range invs {
					ids[invs[j].ID] = true
				}
			}
		}
	}
	if ids == nil {
		return invs, nil
	}
	var bad []Action
	kept := invs
	cloned := false
	for i := len(invs) - 1; i >= 0; i-- {
		inv := &invs[i]
		for k := 1; k <= len(inv.Schedule); k++ {
			if id := InstalmentID(inv.ID, k); ids[id] {
				err := loc{rec: "invoice", id: inv.ID, field: "schedule"}.err(id, "names instalment "+id+", the ID of another invoice")
				a := Action{Key: "rejected/invoice/" + esc(inv.CustomerID) + "/" + esc(inv.ID), Kind: Rejected, CustomerID: inv.CustomerID,
					InvoiceIDs: []string{inv.ID}, Problem: err.Error(), Reason: "not planned: the record is invalid"}
				for c := range custs {
					if custs[c].ID == inv.CustomerID {
						a.TimeZone, a.Date = custs[c].TimeZone, asOf(&custs[c])
					}
				}
				bad = append(bad, a)
				if !cloned {
					kept, cloned = slices.Clone(invs), true
				}
				kept = slices.Delete(kept, i, i+1)
				break
			}
		}
	}
	return kept, bad
}

// joinInstalments marks the decisions of the customer's day (due) that go
// on their invoice's one notice (decision.joint): those of instalments of
// one invoice under one per-invoice workflow with a notice step among their
// steps, when two or more of that invoice's instalments have one. A lone
// instalment's decision is left as it is, so its notices and keys stay
// what they were.
func (pl *planner) joinInstalments(due []decision) {
	if pl.parents == nil {
		return
	}
	type of struct {
		inv *Invoice
		wf  *Workflow
	}
	var count map[of]int
	for i := range due {
		if p := pl.joinable(&due[i]); p != nil {
			if count == nil {
				count = map[of]int{}
			}
			count[of{p, due[i].wf}]++
		}
	}
	for i := range due {
		if p := pl.joinable(&due[i]); p != nil && count[of{p, due[i].wf}] > 1 {
			due[i].joint = p
		}
	}
}

// joinable returns the invoice of a decision of an instalment with a
// notice step of a per-invoice workflow among its steps, nil for any other
// decision, a fallback's or a listed one's.
func (pl *planner) joinable(d *decision) *Invoice {
	p := pl.parents[d.inv.ID]
	if p == nil || d.fallback != "" || d.listOnly || d.bad || d.key != "" {
		return nil
	}
	for _, s := range d.steps {
		if d.wf.way(s) == wayOwn && d.wf.Steps[s].Action.IsNotice() {
			return p
		}
	}
	return nil
}
