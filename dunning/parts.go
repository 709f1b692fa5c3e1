package dunning

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/rickb777/date/v2"

	"github.com/overduehq/overdue/notice"
)

// Parts of a decision. SendAllMissed may give one invoice steps that Plan
// carries out in different ways on one day: a task, an escalation or a
// hold step on its own action, a notice step of a per-customer workflow on
// the customer's one notice of the day, a statement step on the customer's
// one statement. customer splits such a decision into one part per way
// (split), each planned as a decision of its own, so a task caught up
// beside a notice does not take the notice out of the customer's grouped
// notice, nor a notice make the task a notice. Several notice steps of one
// invoice go on one grouped notice, at the last of them, as always. The
// notice steps of an instalment that shares its invoice's notice of the day
// (decision.joint, instalments.go) go on that notice the same way, under a
// per-invoice workflow too (decision.way).
//
// The Runner carries out a plan in its order and records each invoice's
// progress at the most advanced step of it recorded: the actions of an
// invoice must come in the order of its steps, or a crash between two of
// them leaves an earlier step marked done that was never acted on. A plan
// is ordered by step index (actionOrder), and a grouped action takes the
// most advanced step of its invoices: the grouped notice of an invoice
// still at overdue-1 may come after that invoice's task at overdue-2 when
// another invoice of the customer is at final. inOrder finds such steps and
// leaves them, and the invoice's steps after them, to a later run.

// Ways Plan carries out a step (Workflow.way).
const (
	wayOwn       = iota // on an action of its own
	wayNotice           // on the customer's grouped notice
	wayStatement        // on the customer's statement of account
)

// way says how Plan carries out step i of the workflow: a statement step
// on the customer's statement, a notice step of a per-customer workflow on
// the customer's notice, any other step on an action of its own.
func (w *Workflow) way(i int) int {
	switch k := w.Steps[i].Action; {
	case k == SendStatement:
		return wayStatement
	case k.IsNotice() && w.grouping() == PerCustomer:
		return wayNotice
	}
	return wayOwn
}

// way says how Plan carries out step s of the decision: as its workflow
// does (Workflow.way), except that a notice step of a joint instalment
// (decision.joint, see joinInstalments) goes on its invoice's one notice
// of the day, with the invoice's other instalments, as a per-customer
// workflow's notice step goes on the customer's.
func (d *decision) way(s int) int {
	w := d.wf.way(s)
	if w == wayOwn && d.joint != nil && d.wf.Steps[s].Action.IsNotice() {
		return wayNotice
	}
	return w
}

// mixed reports whether the decision acts on steps Plan carries out in
// different ways (a fallback acts on one step).
func (d *decision) mixed() bool {
	if d.fallback != "" || len(d.steps) < 2 {
		return false
	}
	w := d.way(d.steps[0])
	for _, s := range d.steps[1:] {
		if d.way(s) != w {
			return true
		}
	}
	return false
}

// split returns due with the instalments that share their invoice's notice
// marked (joinInstalments) and each mixed decision replaced by its parts,
// one per way, in the order of their first steps. The first part keeps the
// steps passed over (skipped); each part's reason names its own last step.
func (pl *planner) split(due []decision) []decision {
	pl.joinInstalments(due)
	if !slices.ContainsFunc(due, func(d decision) bool { return d.mixed() }) {
		return due
	}
	out := make([]decision, 0, len(due)+2)
	for _, d := range due {
		if !d.mixed() {
			out = append(out, d)
			continue
		}
		places := pl.places(d.inv.Currency)
		last := len(d.steps) - 1
		whole := stepReason(d.inv, places, d.open, d.wf.Steps[d.steps[last]].Name, d.wf.Name, d.dates[last])
		var done [3]bool
		for _, s := range d.steps {
			w := d.way(s)
			if done[w] {
				continue
			}
			done[w] = true
			var stepsBuf [8]int
			var datesBuf [8]date.Date
			steps, dates := stepsBuf[:0], datesBuf[:0]
			for k, t := range d.steps {
				if d.way(t) == w {
					steps, dates = append(steps, t), append(dates, d.dates[k])
				}
			}
			p := d
			p.steps, p.dates = pl.keepSteps(steps, dates)
			p.part = true
			if len(out) > 0 && out[len(out)-1].inv == d.inv {
				p.skipped = nil // named by the first part
			}
			p.reason = pl.retold(&p, d.reason, whole)
			out = append(out, p)
		}
	}
	return out
}

// retold returns reason, a decision's reason whose head is whole (the
// step reason of the decision's last step), with its head naming d's last
// step instead; a reason with another head (an escalation's, say) stays.
func (pl *planner) retold(d *decision, reason, whole string) string {
	rest, ok := strings.CutPrefix(reason, whole)
	if !ok {
		return reason
	}
	n := len(d.steps) - 1
	return stepReason(d.inv, pl.places(d.inv.Currency), d.open, d.wf.Steps[d.steps[n]].Name, d.wf.Name, d.dates[n]) + rest
}

// cut leaves the decision its first n steps (n > 0), the later ones
// waiting for a later run, its reason naming its new last step.
func (pl *planner) cut(d *decision, n int) {
	last := len(d.steps) - 1
	whole := stepReason(d.inv, pl.places(d.inv.Currency), d.open, d.wf.Steps[d.steps[last]].Name, d.wf.Name, d.dates[last])
	d.steps, d.dates = d.steps[:n], d.dates[:n]
	d.reason = pl.retold(d, d.reason, whole)
}

// groupKey is the action a grouped decision goes on: one per workflow,
// currency and kind (a notice or a statement of account), and for the
// notice of a per-invoice workflow's instalments, one per invoice (of).
type groupKey struct {
	wf        string
	cur       Currency
	statement bool
	of        *Invoice
	// early: the invoices not yet overdue of a group whose notice is a
	// final notice or a letter before action (apartEarly).
	early bool
}

// apartEarly moves, in each group (keys, in order) whose notice would be a
// final notice or a letter before action, the decisions of invoices not
// yet overdue on day asOf into a group of their own, placed after it: such
// a notice sets a deadline and names what follows if it is missed (a
// letter before action: court proceedings), and an invoice not yet due
// owes neither, so a reminder before its due date that falls on the same
// day goes out as its own notice instead of being claimed as part of the
// debt. A group of such invoices alone stays as it is.
func apartEarly(asOf date.Date, groups map[groupKey][]decision, keys []groupKey) []groupKey {
	for i := 0; i < len(keys); i++ {
		k := keys[i]
		g := groups[k]
		if k.statement || k.early || !demands(g) {
			continue
		}
		var kept, early []decision
		for _, d := range g {
			if !d.listOnly && d.inv.Due >= asOf {
				early = append(early, d)
			} else {
				kept = append(kept, d)
			}
		}
		if len(early) == 0 || !slices.ContainsFunc(kept, func(d decision) bool { return !d.listOnly }) {
			continue
		}
		e := k
		e.early = true
		groups[k], groups[e] = kept, early
		keys = slices.Insert(keys, i+1, e)
		i++
	}
	return keys
}

// demands reports whether the notice of group g (its step, groupStep, as
// action chooses it) is a final notice or a letter before action.
func demands(g []decision) bool {
	si, _ := groupStep(g)
	if si < 0 {
		return false
	}
	st := g[0].wf.stage(si)
	return st == notice.FinalNotice || st == notice.LetterBeforeAction
}

// group returns the key of the grouped action a grouped decision goes on.
func (d *decision) group() groupKey {
	k := groupKey{wf: d.wf.Name, cur: d.inv.Currency, statement: d.statementStep()}
	if !k.statement {
		k.of = d.joint // nil but for a joint instalment's notice
	}
	return k
}

// inOrder returns due with the steps of split invoices that today's plan
// would carry out out of their order left to a later run: an invoice's
// step, and its steps after it, whose action would come in the plan on or
// before the action of an earlier step of the invoice. The step index of a
// grouped action is the most advanced step among its decisions (action);
// fixed are the actions planned already (re-issued pending ones,
// fallbacks), which keep their place. Steps on the same step index count as
// out of order: their order would rest on their keys.
func (pl *planner) inOrder(due []decision, fixed []Action) []decision {
	if !slices.ContainsFunc(due, func(d decision) bool { return d.part && len(d.steps) > 0 }) {
		return due
	}
	type item struct{ step, pos int }
	var items []item
	for changed := true; changed; {
		changed = false
		top := map[groupKey]int{}
		for i := range due {
			if d := &due[i]; d.fallback == "" && len(d.steps) > 0 && d.grouped() {
				top[d.group()] = max(top[d.group()], d.steps[len(d.steps)-1])
			}
		}
		for i := range due {
			inv := due[i].inv
			if !due[i].part || len(due[i].steps) == 0 || slices.IndexFunc(due[:i], func(d decision) bool { return d.inv == inv }) >= 0 {
				continue // not split, or met already
			}
			items = items[:0]
			for j := i; j < len(due); j++ {
				d := &due[j]
				switch {
				case d.inv != inv || len(d.steps) == 0:
				case d.grouped():
					items = append(items, item{d.steps[len(d.steps)-1], top[d.group()]})
				default:
					for _, s := range d.steps {
						items = append(items, item{s, s})
					}
				}
			}
			for _, a := range fixed {
				for k, id := range a.InvoiceIDs {
					if id == inv.ID && k < len(a.Cycles) && a.Cycles[k] == inv.Cycle && (a.Listed == nil || !a.Listed[k]) && k < len(a.Steps) {
						items = append(items, item{a.Steps[k], a.StepIndex})
					}
				}
			}
			slices.SortFunc(items, func(a, b item) int { return a.step - b.step })
			cut := -1
			for k := 1; k < len(items); k++ {
				if items[k].pos <= items[k-1].pos {
					cut = items[k].step
					break
				}
			}
			if cut < 0 {
				continue
			}
			for j := i; j < len(due); j++ {
				d := &due[j]
				if d.inv != inv {
					continue
				}
				n := len(d.steps)
				for n > 0 && d.steps[n-1] >= cut {
					n--
				}
				if n < len(d.steps) {
					pl.note(inv, "step "+strconv.Quote(d.wf.Steps[cut].Name)+" is due but waits for a later run: the grouped notice or statement that carries an earlier step of the invoice comes after it in today's plan")
					d.steps, d.dates = d.steps[:n], d.dates[:n]
					changed = true
				}
			}
		}
	}
	kept := due[:0]
	for _, d := range due {
		if len(d.steps) > 0 {
			kept = append(kept, d)
		}
	}
	return kept
}

// holdLater returns the customer's actions, actions[first:], without those
// that would carry an invoice past a step held back today. dropped are the
// actions held back (the notices the customer limits or unapplied money
// hold back, limit and dropCovered): the Runner records an invoice at the
// most advanced step recorded, so an action of a later step of the
// invoice, recorded while the held one waits, would mark the held step
// done though it was never acted on (a task opened while the reminder
// before it was held back). Such an action waits for a later run too, as
// inOrder leaves steps that would come out of order, and what it carries
// with it: an action over several invoices (a grouped notice or statement)
// waits whole, and the later steps of each of its invoices. The step an
// invoice is held at on a grouped action is the first step of it the
// action carried (due: the day's decisions). Fallbacks reach no step: they
// neither hold nor wait.
func (pl *planner) holdLater(due []decision, actions []Action, first int, dropped []Action) []Action {
	if len(dropped) == 0 {
		return actions
	}
	held := map[string]int{} // by invoice, the first step held back
	hold := func(a *Action) {
		if a.Fallback || len(a.Steps) != len(a.InvoiceIDs) {
			return
		}
		for k, id := range a.InvoiceIDs {
			if a.Listed != nil && a.Listed[k] {
				continue
			}
			s := a.Steps[k]
			if len(a.InvoiceIDs) > 1 || a.Kind.IsNotice() || a.Kind == SendStatement {
				// A grouped action takes an invoice's last step of its
				// decision (part): the invoice is held at the part's first.
				for i := range due {
					if d := &due[i]; d.inv.ID == id && d.fallback == "" && len(d.steps) > 0 && d.grouped() && d.steps[len(d.steps)-1] == s {
						s = min(s, d.steps[0])
					}
				}
			}
			if h, ok := held[id]; !ok || s < h {
				held[id] = s
			}
		}
	}
	for i := range dropped {
		hold(&dropped[i])
	}
	// waits returns the index in a of an invoice a would carry past its held
	// step (-1: none).
	waits := func(a *Action) int {
		if a.Fallback || len(a.Steps) != len(a.InvoiceIDs) {
			return -1
		}
		for k, id := range a.InvoiceIDs {
			if h, ok := held[id]; ok && (a.Listed == nil || !a.Listed[k]) && a.Steps[k] > h {
				return k
			}
		}
		return -1
	}
	for changed := true; changed; {
		changed = false
		kept := actions[:first]
		for _, a := range actions[first:] {
			k := waits(&a)
			if k < 0 {
				kept = append(kept, a)
				continue
			}
			if ex := pl.explain; ex != nil && slices.Contains(a.InvoiceIDs, ex.InvoiceID) {
				if ex.InvoiceID == a.InvoiceIDs[k] {
					ex.Reason += fmt.Sprintf("; step %q waits for a later run with it", a.Step)
				} else {
					ex.Reason = fmt.Sprintf("step %q is due but waits for a later run: its %s carries invoice %s past a step held back today", a.Step, a.Kind, a.InvoiceIDs[k])
				}
			}
			hold(&a)
			changed = true
		}
		actions = kept
	}
	return actions
}
