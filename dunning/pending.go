package dunning

import (
	"slices"

	"github.com/rickb777/date/v2"
)

// Stable identity under regrouping. A per-customer notice's key is a hash
// of its invoice set, so when an invoice joins or leaves the group the key
// changes. While an action's outcome is unknown (claimed, not completed:
// its runner may have sent it), planning its invoices under another key
// would dun them twice for one step under keys no deduplicating receiver
// can match. So Plan reads the store's pending actions (PendingHistory) and
// plans their invoices under the pending key again, as long as those
// invoices are still due for the pending step; the other invoices are
// grouped as usual.

// pendingOf returns the pending actions of the customer, built once per
// plan from the History.
func (pl *planner) pendingOf(customerID string) []Pending {
	if pl.pending == nil {
		pl.pending = map[string][]Pending{}
		if ph, ok := pl.p.History.(PendingHistory); ok {
			for _, pe := range ph.Pending() {
				if pe.Fallback || len(pe.InvoiceIDs) == 0 && pe.Kind != SendStatement {
					// A fallback's key follows from the bounced key alone:
					// regrouping cannot change it. (A scheduled statement
					// names no invoice: scheduledStatements re-plans it.)
					continue
				}
				pl.pending[pe.CustomerID] = append(pl.pending[pe.CustomerID], pe)
			}
		}
	}
	return pl.pending[customerID]
}

// reissue takes out of due what a pending action of the customer covers,
// appends one action under the pending key for each, and returns the rest
// of due and of listed. An invoice the pending notice only listed (no step
// of its own, see decision.listOnly) is listed on the re-issued notice again
// and on no other notice, so the re-issue covers the invoice set it was
// planned with wherever those invoices are still overdue. A decision that
// Plan carries out step by step (steps of a per-invoice workflow, tasks,
// escalations, holds) gives up only the pending step; one that Plan groups
// (notice steps of a per-customer workflow, statement steps) gives up its
// last step, the one a group acts on, and with it the whole decision. An
// invoice SendAllMissed gives steps of both kinds comes as one decision per
// kind (split, parts.go): the pending step is looked for in each.
func (pl *planner) reissue(cs *custState, due, listed []decision, actions []Action) ([]decision, []decision, []Action, error) {
	pend := pl.pendingOf(cs.c.ID)
	if len(pend) == 0 || len(due) == 0 {
		return due, listed, actions, nil
	}
	due = slices.Clone(due)
	listed = slices.Clone(listed)
	for _, pe := range pend {
		var group []decision
		for i, id := range pe.InvoiceIDs {
			step := pe.StepIndex
			if i < len(pe.Steps) {
				step = pe.Steps[i]
			}
			cycle := 0
			if i < len(pe.Cycles) {
				cycle = pe.Cycles[i]
			}
			for j := range due {
				d := &due[j]
				if len(d.steps) == 0 || d.inv.ID != id || d.inv.Cycle != cycle || d.fallback != "" || d.wf.Name != pe.Workflow {
					continue
				}
				if !d.grouped() {
					k := slices.Index(d.steps, step)
					if k < 0 {
						continue // another part of the invoice may have it
					}
					one := *d
					one.steps, one.dates, one.key = []int{step}, []date.Date{d.dates[k]}, pe.Key
					if k > 0 {
						one.skipped = nil
					}
					a, err := pl.action(cs, []decision{one}, 0)
					if err != nil {
						return nil, nil, nil, err
					}
					actions = append(actions, a)
					d.steps = slices.Delete(slices.Clone(d.steps), k, k+1)
					d.dates = slices.Delete(slices.Clone(d.dates), k, k+1)
					break
				}
				if d.steps[len(d.steps)-1] != step {
					continue
				}
				one := *d
				one.key = pe.Key
				group = append(group, one)
				d.steps = nil
				break
			}
		}
		if len(group) > 0 {
			// The invoices the pending notice listed come along, listed.
			for i := range listed {
				l := &listed[i]
				if l.key == "" && l.wf.Name == pe.Workflow && pe.Kind.IsNotice() && pendingCovers(pe, l.inv) {
					one := *l
					one.key = pe.Key
					group = append(group, one)
					l.key = pe.Key // taken
				}
			}
			a, err := pl.action(cs, group, -1)
			if err != nil {
				return nil, nil, nil, err
			}
			actions = append(actions, a)
		}
	}
	rest := due[:0]
	for _, d := range due {
		if len(d.steps) > 0 {
			rest = append(rest, d)
		}
	}
	free := listed[:0]
	for _, l := range listed {
		if l.key == "" {
			free = append(free, l)
		}
	}
	return rest, free, actions, nil
}

// pendingCovers reports whether the pending action covers inv in its
// current cycle.
func pendingCovers(pe Pending, inv *Invoice) bool {
	for i, id := range pe.InvoiceIDs {
		if id == inv.ID {
			cycle := 0
			if i < len(pe.Cycles) {
				cycle = pe.Cycles[i]
			}
			return cycle == inv.Cycle
		}
	}
	return false
}
