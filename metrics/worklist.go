package metrics

import (
	"cmp"
	"fmt"
	"iter"
	"slices"

	"github.com/overduehq/overdue/dunning"
	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
)

// Weights weigh the four terms of a worklist score; they need not sum to 1.
type Weights struct {
	Amount, DaysLate, History, Promises decimal.Decimal
}

// DefaultWeights: amount 0.4, days late 0.3, payment history 0.2, broken
// promises 0.1.
func DefaultWeights() Weights {
	return Weights{
		Amount: decimal.RequireFromString("0.4"), DaysLate: decimal.RequireFromString("0.3"),
		History: decimal.RequireFromString("0.2"), Promises: decimal.RequireFromString("0.1"),
	}
}

// WorkItem is one customer (in one currency) on the collector's worklist.
type WorkItem struct {
	Rank       int      `json:"rank"`
	CustomerID string   `json:"customer_id"`
	Currency   Currency `json:"currency"`
	// Overdue and OverdueCount are the open balance and the number of the
	// customer's items past due on the day, an invoice with a schedule
	// counting each instalment as an item (as in AgingReport).
	Overdue        decimal.Decimal `json:"overdue"`
	OverdueCount   int             `json:"overdue_count"`
	MaxDaysLate    int             `json:"max_days_late"`
	AvgDaysLate    decimal.Decimal `json:"avg_days_late"` // history, settled invoices
	BrokenPromises int             `json:"broken_promises"`
	// Score is 0..100: 100 x (wA x amount term + wD x days term + wH x
	// history term + wP x promises term) / (wA+wD+wH+wP), where the amount
	// term is Overdue / the largest Overdue in the currency, the days term
	// min(MaxDaysLate, 120)/120, the history term min(AvgDaysLate, 60)/60 and
	// the promises term min(BrokenPromises, 3)/3, rounded once to 2
	// decimals, half away from zero (the points in Why are each rounded
	// for reading, and need not add up to it).
	Score decimal.Decimal `json:"score"`
	// Why lists each term's contribution in words.
	Why []string `json:"why"`
	// Tasks are the customer's open collector tasks, oldest due first.
	Tasks []dunning.CollectorTask `json:"tasks,omitempty"`
	// LastContact is the customer's latest interaction on or before the
	// day (nil: none logged), and QuietUntil the last day it keeps the
	// customer below those not contacted (Interaction.QuietUntil; zero or
	// before the day: not quiet).
	LastContact *dunning.Interaction `json:"last_contact,omitempty"`
	QuietUntil  date.Date            `json:"quiet_until,omitzero"`
}

// Quiet reports whether the item ranks below those not contacted on asOf.
func (it *WorkItem) Quiet(asOf date.Date) bool { return it.QuietUntil >= asOf }

// Worklist ranks customers with overdue balances on asOf by risk and value,
// highest score first (ties: larger amount, then customer id), and attaches
// their open tasks. Customers an interaction keeps quiet on asOf (one who
// called yesterday, one who promised to pay by a day not yet passed: see
// dunning.Interaction.QuietUntil) rank after all others, by score among
// themselves, and say so in Why. A zero Weights uses DefaultWeights.
func Worklist(asOf date.Date, invs iter.Seq[dunning.Invoice], tasks []dunning.CollectorTask, w Weights, log ...dunning.Interaction) []WorkItem {
	if w == (Weights{}) {
		w = DefaultWeights()
	}
	// byCust holds whole invoices, for the payment history
	// (dunning.HistoryAttributes, as the planner reads it); parts holds the
	// items that fall due, one per instalment (items, as in AgingReport).
	byCust := map[string][]*dunning.Invoice{}
	parts := map[string][]dunning.Invoice{}
	for inv := range invs {
		byCust[inv.CustomerID] = append(byCust[inv.CustomerID], &inv)
		for p := range items(slices.Values([]dunning.Invoice{inv})) {
			parts[inv.CustomerID] = append(parts[inv.CustomerID], p)
		}
	}
	type ck struct {
		c   string
		cur Currency
	}
	items := map[ck]*WorkItem{}
	for cid, list := range byCust {
		h := dunning.HistoryAttributes(asOf, list)
		avg := decimal.Zero
		if v, ok := h[dunning.AttrAvgDaysLate]; ok {
			avg = v.Num()
		}
		broken := int(h[dunning.AttrBrokenPromises].Num().IntPart())
		for i := range parts[cid] {
			inv := &parts[cid][i]
			if inv.Due >= asOf || inv.Dispute.OpenOn(asOf) {
				continue
			}
			v := arOn(inv, asOf)
			if v.Sign() <= 0 {
				continue
			}
			k := ck{cid, inv.Currency}
			it := items[k]
			if it == nil {
				it = &WorkItem{CustomerID: cid, Currency: inv.Currency, AvgDaysLate: avg, BrokenPromises: broken}
				items[k] = it
			}
			it.Overdue = it.Overdue.Add(v)
			it.OverdueCount++
			it.MaxDaysLate = max(it.MaxDaysLate, int(asOf-inv.Due))
		}
	}
	maxAmt := map[Currency]decimal.Decimal{}
	for _, it := range items {
		if it.Overdue.GreaterThan(maxAmt[it.Currency]) {
			maxAmt[it.Currency] = it.Overdue
		}
	}
	sumW := w.Amount.Add(w.DaysLate).Add(w.History).Add(w.Promises)
	hundred := decimal.NewFromInt(100)
	out := make([]WorkItem, 0, len(items))
	for _, it := range items {
		// The terms are exact fractions; the score is one ratio over their
		// common denominator 360 (120, 60 and 3 divide it), rounded once.
		// Why shows each term and part rounded, for reading only.
		d360 := decimal.NewFromInt(360)
		maxA := maxAmt[it.Currency]
		amtN := it.Overdue.Mul(d360) // amount term x 360 x maxA
		daysN := decimal.NewFromInt(int64(min(it.MaxDaysLate, 120)) * 3)
		histN := decimal.Min(it.AvgDaysLate, decimal.NewFromInt(60)).Mul(decimal.NewFromInt(6))
		promN := decimal.NewFromInt(int64(min(it.BrokenPromises, 3)) * 120)
		amtT := ratio(it.Overdue, maxA, SharePlaces)
		part := func(wt, num, den decimal.Decimal) decimal.Decimal {
			if sumW.Sign() == 0 {
				return decimal.Zero
			}
			return ratio(hundred.Mul(wt).Mul(num), sumW.Mul(den), 2)
		}
		pa, pd, ph, pp := part(w.Amount, amtN, d360.Mul(maxA)), part(w.DaysLate, daysN, d360), part(w.History, histN, d360), part(w.Promises, promN, d360)
		it.Score = decimal.Zero
		if sumW.Sign() != 0 {
			// 100 x sum(w x term) / sumW = 100 x (wA x amtN + maxA x (wD x
			// daysN + wH x histN + wP x promN)) / (360 x maxA x sumW).
			rest := w.DaysLate.Mul(daysN).Add(w.History.Mul(histN)).Add(w.Promises.Mul(promN))
			num := hundred.Mul(w.Amount.Mul(amtN).Add(maxA.Mul(rest)))
			it.Score = ratio(num, d360.Mul(maxA).Mul(sumW), 2)
		}
		it.Why = []string{
			fmt.Sprintf("amount: %s %s overdue in %d item(s) = %s of the largest -> %s points", it.Currency, it.Overdue.String(), it.OverdueCount, amtT.String(), pa.String()),
			fmt.Sprintf("days late: oldest %d days -> %s points", it.MaxDaysLate, pd.String()),
			fmt.Sprintf("history: pays %s days late on average -> %s points", it.AvgDaysLate.String(), ph.String()),
			fmt.Sprintf("promises: %d broken -> %s points", it.BrokenPromises, pp.String()),
		}
		for _, t := range tasks {
			if t.CustomerID == it.CustomerID && t.Status == dunning.TaskOpen && (t.Currency == "" || t.Currency == it.Currency) {
				it.Tasks = append(it.Tasks, t)
			}
		}
		slices.SortFunc(it.Tasks, func(a, b dunning.CollectorTask) int {
			return cmp.Or(cmp.Compare(a.Due, b.Due), cmp.Compare(a.ID, b.ID))
		})
		var quietBy *dunning.Interaction
		for i := range log {
			in := &log[i]
			if in.CustomerID != it.CustomerID || in.Date > asOf {
				continue
			}
			if it.LastContact == nil || in.Date > it.LastContact.Date || in.Date == it.LastContact.Date && in.ID > it.LastContact.ID {
				it.LastContact = in
			}
			if q := in.QuietUntil(); q > it.QuietUntil {
				it.QuietUntil, quietBy = q, in
			}
		}
		if it.Quiet(asOf) {
			it.Why = append(it.Why, fmt.Sprintf("contacted: %s -> after those not contacted until %s", quietBy.String(), it.QuietUntil))
		}
		out = append(out, *it)
	}
	slices.SortFunc(out, func(a, b WorkItem) int {
		return cmp.Or(cmpBool(a.Quiet(asOf), b.Quiet(asOf)), b.Score.Cmp(a.Score), b.Overdue.Cmp(a.Overdue), cmp.Compare(a.CustomerID, b.CustomerID), cmp.Compare(a.Currency, b.Currency))
	})
	for i := range out {
		out[i].Rank = i + 1
	}
	return out
}

// TaskQueue returns the open collector tasks of a worklist in the order a
// collector should take them: by the customer's rank, then by due date.
// Each task comes once: one naming no currency, which every work item of
// its customer lists, comes under the first of them.
func TaskQueue(items []WorkItem) []dunning.CollectorTask {
	var out []dunning.CollectorTask
	seen := map[string]bool{}
	for _, it := range items {
		for _, t := range it.Tasks {
			if !seen[t.ID] {
				seen[t.ID] = true
				out = append(out, t)
			}
		}
	}
	return out
}

// cmpBool orders false before true.
func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}
