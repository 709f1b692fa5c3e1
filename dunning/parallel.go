package dunning

import (
	"runtime"
	"slices"
	"sync"

	"github.com/overduehq/overdue/schedule"
	"github.com/rickb777/date/v2"
)

// dayPlan is what planDay hands the planning of its customers: the
// invoices grouped by customer (order[start[ci]:start[ci+1]] are customer
// ci's), and by the same index screening's verdicts and the workflows
// their progress names. It is read only, by every worker alike.
type dayPlan struct {
	asOfFn    func(*Customer) date.Date
	order     []*Invoice
	start     []int32
	verdicts  []verdict // nil: not screened
	busy      []bool    // by customer: an invoice may have a step due
	named     []wfRef   // nil: see progressWorkflows
	unapplied map[string][]Unapplied
}

// parallelMin is how many invoices with a step due a day needs before its
// customers are planned by more than one worker, and how many each worker
// gets at least: below it the goroutines cost more than they save.
const parallelMin = 1024

// workers returns how many workers plan a day with runs invoices that may
// have a step due: one per parallelMin of runs, at most maxWorkers.
func (pl *planner) workers(runs int) int {
	if pl.force > 0 {
		return pl.force
	}
	return max(1, min(pl.maxWorkers(), runs/parallelMin))
}

// screenParts returns in how many parts screenPortfolio checks n invoices:
// one per screenMin of them, at most maxWorkers.
func (pl *planner) screenParts(n int) int {
	if pl.force > 0 {
		return max(1, min(pl.force, n))
	}
	return max(1, min(pl.maxWorkers(), n/screenMin))
}

// customerParts is how many parts screenPortfolio checks n customers in:
// as screenParts, at least screenMinCustomers a part.
func (pl *planner) customerParts(n int) int {
	if pl.force > 0 {
		return max(1, min(pl.force, n))
	}
	return max(1, min(pl.maxWorkers(), n/screenMinCustomers))
}

// maxWorkers is Policy.PlanWorkers, at most GOMAXPROCS: 1 (the calling
// goroutine alone) for 1; for 0, GOMAXPROCS when the day calls no code of
// the app (ownCode), else 1. It is 1 when explaining, which follows one
// invoice's planning step by step.
func (pl *planner) maxWorkers() int {
	if pl.explain != nil {
		return 1
	}
	n := pl.policy.PlanWorkers
	if n == 0 {
		if !ownCode(pl.policy, pl.p.History) {
			return 1
		}
		n = runtime.GOMAXPROCS(0)
	}
	return max(1, min(n, runtime.GOMAXPROCS(0)))
}

// ownCode reports whether planning with policy and history calls only
// code of this module, which is safe for concurrent use: no FX, a calendar
// that is nil, a BusinessCalendar or one of package schedule's, and a
// history that is nil, a HistoryMap or a Snapshot (what the stores in
// store/ return). Any other calls the app, whose code need not be safe
// for concurrent use.
func ownCode(policy *Policy, history History) bool {
	if policy.FX != nil {
		return false
	}
	switch c := policy.Calendar; c.(type) {
	case nil, BusinessCalendar:
	default:
		if !schedule.Builtin(c) {
			return false
		}
	}
	switch history.(type) {
	case nil, HistoryMap, Snapshot:
		return true
	}
	return false
}

// planCustomers plans the customers custs (sorted by ID) and returns their
// actions in that order; runs is how many invoices may have a step due and
// extra how many actions the caller appends after (the rejected records).
//
// Customers are independent of each other: nothing one customer's planning
// leaves in the planner is read by the next but caches of answers that
// depend on their arguments alone (planRange clears what does not). So
// contiguous ranges of custs can be planned by workers of their own, each
// with its own planner (fork), and their actions concatenated in order
// are the actions of planning the customers one after the other, byte for
// byte. The calling goroutine plans the first range; the call returns only
// once every worker is done. An error or a panic is the one the planning
// in order would have met first: the first range's comes first, and a
// later range's only when every earlier range ended without one (a panic
// of another worker is raised again, with its value, on the calling
// goroutine).
func (pl *planner) planCustomers(d *dayPlan, custs []int32, runs, extra int) ([]Action, error) {
	// Mostly one action per invoice with a step due: once the first action
	// is in (the slice stays nil until then, as an empty plan returns nil),
	// it is sized so, with the loop's slack of 8, and then not copied as it
	// grows; past that the loop doubles it.
	hint := runs + extra + 8
	w := pl.workers(runs)
	if w <= 1 || d.verdicts == nil {
		return pl.planRange(d, custs, hint, nil)
	}
	ranges, counts := d.split(custs, w)
	if len(ranges) <= 1 {
		return pl.planRange(d, custs, hint, nil)
	}
	pl.share()
	type part struct {
		acts []Action
		err  error
	}
	parts := make([]part, len(ranges))
	forks := make([]*planner, len(ranges))
	forks[0] = pl
	for k := 1; k < len(ranges); k++ {
		forks[k] = pl.fork()
	}
	// One slice for the whole day, each range planning into a window of
	// it sized for its invoices with a step due (planRange), the windows
	// in the ranges' order: the merge only moves each range's actions
	// down to follow the previous range's.
	all := make([]Action, 0, hint+8*len(ranges))
	offs := make([]int, len(ranges))
	for k := 1; k < len(ranges); k++ {
		offs[k] = offs[k-1] + counts[k-1] + 8
	}
	panics := fanOut(len(ranges), func(k int) {
		h := counts[k] + 8
		parts[k].acts, parts[k].err = forks[k].planRange(d, ranges[k], h, all[offs[k]:offs[k]:offs[k]+h])
	})
	for k := range parts {
		switch {
		case parts[k].err != nil:
			return nil, parts[k].err
		case panics[k] != nil:
			panic(panics[k])
		}
	}
	// Nil only when no range had an action in (as in planRange, where an
	// action dropped again leaves an empty slice, not nil).
	total, touched, inPlace := 0, false, true
	for k, pt := range parts {
		total += len(pt.acts)
		touched = touched || pt.acts != nil
		// A range that outgrew its window has its actions elsewhere.
		inPlace = inPlace && (len(pt.acts) == 0 || &pt.acts[0] == &all[offs[k] : offs[k]+1][0])
	}
	if !touched {
		return nil, nil
	}
	if !inPlace || total+extra > cap(all) {
		// Moving the ranges down in place could overwrite a later range's
		// window before it moves.
		all = make([]Action, 0, total+extra)
	}
	out := all[:total]
	n := 0
	for _, pt := range parts {
		n += copy(out[n:], pt.acts)
	}
	return out, nil
}

// split cuts custs into at most w contiguous ranges of about equal work,
// each customer weighing one plus its invoices plus 16 per invoice that
// may have a step due, and returns them with the invoices that may have a
// step due in each.
func (d *dayPlan) split(custs []int32, w int) ([][]int32, []int) {
	weights := make([]int32, len(custs))
	runs := make([]int32, len(custs))
	total := 0
	for i, ci := range custs {
		lo, hi := d.start[ci], d.start[ci+1]
		n := int32(0)
		if d.busy[ci] {
			for _, v := range d.verdicts[lo:hi] {
				if v == verdictRun {
					n++
				}
			}
		}
		runs[i], weights[i] = n, 1+(hi-lo)+16*n
		total += int(weights[i])
	}
	ranges := make([][]int32, 0, w)
	counts := make([]int, 0, w)
	from, acc, cnt := 0, 0, 0
	for i := range custs {
		acc += int(weights[i])
		cnt += int(runs[i])
		// Range k ends once the weight reaches k+1 w-ths of the total.
		if len(ranges) < w-1 && acc*w >= (len(ranges)+1)*total {
			ranges, counts = append(ranges, custs[from:i+1]), append(counts, cnt)
			from, cnt = i+1, 0
		}
	}
	if from < len(custs) {
		ranges, counts = append(ranges, custs[from:]), append(counts, cnt)
	}
	return ranges, counts
}

// share builds, before the workers start, the planner's state built on
// first use that every customer reads alike (the pending actions, the
// ChangeLevel reviews, the template set of CheckNotices): the workers then
// only read it, and the History's Pending is asked once.
func (pl *planner) share() {
	pl.pendingOf("")
	if len(pl.p.Reviews) > 0 {
		pl.changeLevels(nil)
	}
	if pl.policy.CheckNotices && pl.set == nil {
		pl.set = pl.policy.templates()
	}
}

// fork returns a planner for a worker: pl's read-only state shared, its
// scratch, slabs, caches and per-customer maps its own.
func (pl *planner) fork() *planner {
	w := *pl
	w.due, w.listed, w.stepBuf, w.dateBuf = nil, nil, nil, nil
	w.notices, w.lines, w.ids, w.ints = nil, nil, nil, nil
	w.covered, w.levels = nil, nil
	w.lastWF, w.placesOf, w.placesU, w.warmth = nil, "", 0, 0
	w.screening = custState{}
	return &w
}

// planRange plans the customers custs in their order and returns their
// actions, each customer's sorted (actionOrder); hint sizes the actions'
// slice once the first is in, and window, when its capacity is that, is
// the slice (planCustomers' window of the day's slice).
func (pl *planner) planRange(d *dayPlan, custs []int32, hint int, window []Action) ([]Action, error) {
	var actions []Action
	var cs custState
	for _, ci := range custs {
		invs := d.order[d.start[ci]:d.start[ci+1]]
		if len(invs) == 0 {
			continue
		}
		c := &pl.p.Customers[ci]
		// One custState for the whole loop: customer takes its address, so a
		// fresh one per customer would be a heap allocation per customer.
		cs = custState{c: c, asOf: d.asOfFn(c), invs: invs}
		if d.verdicts != nil {
			cs.verdicts, cs.idle = d.verdicts[d.start[ci]:d.start[ci+1]], !d.busy[ci]
		}
		if d.named != nil {
			cs.named = d.named[d.start[ci]:d.start[ci+1]]
		}
		if un := d.unapplied[c.ID]; len(un) > 0 {
			cs.un = &unappliedState{recs: un}
		}
		cs.subj = subject{c: c, invs: invs, asOf: cs.asOf}
		if actions != nil && cap(actions)-len(actions) < 8 {
			// Double (or size to the hint): append grows a long slice by a
			// quarter, which for tens of thousands of actions copies each
			// about five times.
			var grown []Action
			if n := max(2*len(actions)+8, hint); window != nil && cap(window) >= n {
				grown = window[:len(actions)]
			} else {
				grown = make([]Action, len(actions), n)
			}
			copy(grown, actions)
			actions, hint, window = grown, 0, nil
		}
		// What an earlier customer's planning left for its own keys and
		// invoices is not this customer's (and would not be in another
		// worker's planner).
		clear(pl.covered)
		clear(pl.levels)
		var err error
		n0, saved := len(actions), pl.saveExplain()
		actions, err = pl.customer(&cs, actions)
		if err == nil && pl.changeLevels(actions[n0:]) {
			pl.restoreExplain(saved)
			cs.verdicts, cs.idle = nil, false             // screened before the levels changed
			actions, err = pl.customer(&cs, actions[:n0]) // again, at the reviewed levels
		}
		if err != nil {
			return nil, err
		}
		actions = pl.scheduledStatements(&cs, actions)
		// Each customer's few actions sorted now, the customers coming in
		// order, leave the plan sorted (checked by planDay): no stable sort
		// of the whole plan, which moves every action many times.
		if !planSorted(actions[n0:]) {
			slices.SortStableFunc(actions[n0:], actionOrder)
		}
	}
	return actions, nil
}

// fanOut runs f(0), ..., f(n-1) at once, f(0) on the calling goroutine and
// each other on a goroutine of its own, and returns once every one has
// returned: none outlives the call. A panic of f(0) goes on up from here
// (after the wait); a panic of another is recovered, its value returned
// in panics[k] (nil: none) for the caller to raise in the order it would
// have met it.
func fanOut(n int, f func(k int)) (panics []any) {
	panics = make([]any, n)
	var wg sync.WaitGroup
	for k := 1; k < n; k++ {
		wg.Go(func() {
			defer func() { panics[k] = recover() }()
			f(k)
		})
	}
	if n > 0 {
		defer wg.Wait()
		f(0)
	}
	return panics
}

// raise panics with the first value of panics that is not nil, if any.
func raise(panics []any) {
	for _, v := range panics {
		if v != nil {
			panic(v)
		}
	}
}

// screenMin is how many invoices each worker checks at least when
// screenPortfolio splits them (screenParts).
const screenMin = 8192

// screenMinCustomers is how many customers each worker checks at least
// when screenPortfolio splits them.
const screenMinCustomers = 1024

// partBounds cuts 0..n into parts (at least one) contiguous parts of about
// equal size: part k is bounds[k]..bounds[k+1].
func partBounds(n, parts int) []int {
	parts = max(1, parts)
	bounds := make([]int, parts+1)
	for k := range bounds {
		bounds[k] = k * n / parts
	}
	return bounds
}
