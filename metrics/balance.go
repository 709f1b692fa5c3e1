package metrics

import (
	"iter"

	"github.com/overduehq/overdue/dunning"
	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
)

// items yields each invoice as the items dunning and metrics count: an
// invoice with a Schedule as its instalments (dunning.Invoice.Parts, the
// payments and credits split by the allocation rule), any other invoice as
// it is. Aging, receivables at risk and the DSO totals read items, so an
// instalment ages from its own due date.
func items(invs iter.Seq[dunning.Invoice]) iter.Seq[dunning.Invoice] {
	return func(yield func(dunning.Invoice) bool) {
		for inv := range invs {
			if len(inv.Schedule) == 0 {
				if !yield(inv) {
					return
				}
				continue
			}
			for _, p := range inv.Parts() {
				if !yield(p) {
					return
				}
			}
		}
	}
}

// NetBalance is the sum over customers of dunning.NetOverdue in one
// currency, and the customers it covers.
type NetBalance struct {
	dunning.Balance
	// Customers counts the customers with an overdue item or unapplied
	// money in the currency; Covered those whose unapplied money covers
	// their overdue items (Net <= 0), whom Plan sends no notice.
	Customers int `json:"customers"`
	Covered   int `json:"covered"`
	// Collectible is the sum of the positive customer nets: what dunning
	// asks for (a customer's surplus of unapplied money is not netted
	// against another customer's debt).
	Collectible decimal.Decimal `json:"collectible"`
}

// NetReceivables returns the net overdue balances on asOf per currency:
// for each customer dunning.NetOverdue (overdue items less unapplied
// payments and credits, per currency: the planner's own definition), added
// up. invs is read once; the invoices are grouped by customer in memory.
func NetReceivables(invs iter.Seq[dunning.Invoice], unapplied []dunning.Unapplied, asOf date.Date) map[Currency]*NetBalance {
	byCust := map[string][]*dunning.Invoice{}
	var order []string
	for inv := range invs {
		if _, ok := byCust[inv.CustomerID]; !ok {
			order = append(order, inv.CustomerID)
		}
		c := inv
		byCust[inv.CustomerID] = append(byCust[inv.CustomerID], &c)
	}
	unBy := map[string][]dunning.Unapplied{}
	for _, u := range unapplied {
		if _, ok := byCust[u.CustomerID]; !ok {
			byCust[u.CustomerID] = nil
			order = append(order, u.CustomerID)
		}
		unBy[u.CustomerID] = append(unBy[u.CustomerID], u)
	}
	out := map[Currency]*NetBalance{}
	for _, id := range order {
		for _, b := range dunning.NetOverdue(asOf, byCust[id], unBy[id]) {
			nb := out[b.Currency]
			if nb == nil {
				nb = &NetBalance{Balance: dunning.Balance{Currency: b.Currency}}
				out[b.Currency] = nb
			}
			nb.Overdue = nb.Overdue.Add(b.Overdue)
			nb.Unapplied = nb.Unapplied.Add(b.Unapplied)
			nb.Net = nb.Net.Add(b.Net)
			nb.Customers++
			if b.Net.Sign() <= 0 {
				nb.Covered++
			} else {
				nb.Collectible = nb.Collectible.Add(b.Net)
			}
		}
	}
	return out
}
