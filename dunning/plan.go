package dunning

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/overduehq/overdue/dunning/charge"
	"github.com/overduehq/overdue/notice"
	"github.com/overduehq/overdue/schedule"
	"github.com/overduehq/overdue/segment"
	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
)

// Portfolio is what the app passes to Plan: its customers, agreements and
// open invoices, and what dunning already did (History, from the store).
type Portfolio struct {
	Customers  []Customer
	Agreements []Agreement
	Invoices   []Invoice
	// Unapplied are the customers' payments and credit notes not yet
	// matched to an invoice: they reduce what each customer is dunned for
	// in their currency (see NetOverdue). An invalid record, or one naming
	// no customer of the portfolio, comes back as a Rejected action and is
	// not counted.
	Unapplied []Unapplied
	History   History // nil: nothing done yet
	// Tasks are the open collector tasks (Store.Tasks(ctx, TaskOpen); the
	// Runner reads them when nil). Plan cancels a task whose invoices are
	// all in the portfolio and settled or written off (an invoice missing
	// from the portfolio is not taken as settled), and one that asked to fix
	// data once the data is fixed.
	Tasks []CollectorTask
	// Interactions is the interaction log (InteractionLog) of the
	// portfolio's customers, for Explain; Plan does not read it.
	Interactions []Interaction
	// Reviews are the remembered reviews (ReviewLog; the Runner reads them
	// when nil): Plan leaves out skipped actions and held customers.
	Reviews []Review
}

// Action is one thing to do today: a notice to send, a task to open, a hold
// to place. Plan proposes actions; the Runner carries them out.
type Action struct {
	// Key identifies the action for idempotency: the same invoices, workflow,
	// step and cycle give the same key on every run and every day.
	Key  string     `json:"key"`
	Kind ActionKind `json:"kind"`
	// Date is the planning day (the customer's today); Scheduled is the
	// step's own date, earlier when the action catches up.
	Date       date.Date `json:"date"`
	Scheduled  date.Date `json:"scheduled"`
	CustomerID string    `json:"customer_id"`
	InvoiceIDs []string  `json:"invoice_ids"`
	Cycles     []int     `json:"cycles"`
	Workflow   string    `json:"workflow"`
	Step       string    `json:"step"`
	StepIndex  int       `json:"step_index"`
	// Steps is the step index each invoice reaches, same order as
	// InvoiceIDs: in a per-customer notice an invoice may be at an earlier
	// step than the notice's own.
	Steps []int `json:"steps"`
	// Listed marks, same order as InvoiceIDs, the overdue invoices a
	// per-customer notice lists without a step of their own due that day:
	// their Steps entry is the step they already stand at (-1: none), the
	// notice does not advance them and its step fee is not charged on them
	// (nil: none listed).
	Listed []bool `json:"listed,omitempty"`
	// Skipped names the steps HighestOnly passed over to reach this one.
	Skipped []string `json:"skipped,omitempty"`
	// Fallback marks the replacement of a notice that bounced.
	Fallback bool `json:"fallback,omitempty"`
	// Approval: the runner sends the action only once a review approves
	// its key (Step.Approval, or a ChangeLevel review).
	Approval bool `json:"approval,omitempty"`
	// Variant is the template variant of the step's experiment the notice
	// renders with ("" none; Step.VariantFor).
	Variant  string   `json:"variant,omitempty"`
	Currency Currency `json:"currency"`
	// Open is the open balance of the invoices the step acts on.
	Open decimal.Decimal `json:"open"`
	// Fees is what this action charges anew (step fee and statutory
	// compensation): the step fee booked against the first of InvoiceIDs
	// not Listed, each compensation against the invoice it is claimed on
	// (Record.FeesByInvoice);
	// Interest is the interest accrued on the notice's invoices up to Date:
	// the sum of the notice's interest lines (one per period), each rounded
	// to the minor unit.
	Fees         decimal.Decimal `json:"fees"`
	Interest     decimal.Decimal `json:"interest"`
	Compensation bool            `json:"compensation,omitempty"`
	// CompensationOn marks, same order as InvoiceIDs, the invoices whose
	// statutory compensation the notice claims (nil: none); Compensation
	// is set when any is.
	CompensationOn []bool `json:"compensation_on,omitempty"`
	// TimeZone is the customer's IANA zone ("" = UTC): the runner holds
	// emails and texts outside the policy's send window in it.
	TimeZone string `json:"time_zone,omitempty"`
	// Number is the notice number the customer sees (notice.NumberFor(Key)):
	// the reference of email, letter and SMS actions; the key stays internal.
	Number string `json:"number,omitempty"`
	// Notice is the notice of email, letter and SMS actions, validated;
	// the Runner renders it (subject, text, HTML) when it sends it, and
	// Policy.Render renders a plan for review.
	Notice *notice.Notice `json:"notice,omitempty"`
	// Task is the collector task of task and escalation actions.
	Task *CollectorTask `json:"task,omitempty"`
	// Charge is what a Retry action charges through the Collector;
	// Account what a Suspend, Resume or end-of-dunning action asks of the
	// AccountHook.
	Charge  *ChargeRequest `json:"charge,omitempty"`
	Account *AccountChange `json:"account,omitempty"`
	// Reason says in words why the action is due.
	Reason string `json:"reason"`
	// Problem, when not empty, says why the action cannot be carried out
	// (a notice that fails notice.Validate, say): the runner skips it and it
	// stays pending until the data is fixed. Plan adds, once, a DataFix
	// action that opens a collector task to fix it.
	Problem string `json:"problem,omitempty"`
}

// recordTemplate is Record.Template of notice n: its template set,
// workflow, step and language ("/standard/overdue-1/en"), the language the
// notice is rendered in once rendered (notice.Set.Render).
func recordTemplate(n *notice.Notice) string {
	return n.Templates + "/" + n.Workflow + "/" + n.Step + "/" + n.Language
}

// Record returns the ledger record of the action with the given outcome. A
// Failed record charges no fees: what a notice that never reached the
// customer asked for is not owed.
func (a *Action) Record(out Outcome, at time.Time) Record {
	r := Record{
		Key: a.Key, CustomerID: a.CustomerID, InvoiceIDs: a.InvoiceIDs, Cycles: a.Cycles,
		Workflow: a.Workflow, Step: a.Step, StepIndex: a.StepIndex, Steps: a.Steps, Listed: a.Listed, Kind: a.Kind, Fallback: a.Fallback,
		Date: a.Date, Outcome: out, Currency: a.Currency, Fees: a.Fees, Interest: a.Interest,
		Compensation: a.Compensation, CompensationOn: a.CompensationOn, At: at, Amount: a.Open, Variant: a.Variant,
	}
	if a.Notice != nil {
		r.Amount = a.Notice.Total
		r.Template = recordTemplate(a.Notice)
	}
	if out == Failed {
		// The notice never reached the customer: it charges nothing, so the
		// fallback that replaces it charges its step's fee (and any
		// compensation) once.
		r.Fees, r.Compensation, r.CompensationOn = decimal.Zero, false, nil
		return r
	}
	if a.Fees.Sign() != 0 && len(a.InvoiceIDs) > 0 {
		// Each compensation line is booked against the invoice it names
		// (a listed one too: it is that invoice's), the rest (the step
		// fee) against the first invoice with a step of its own, never
		// against one the notice only lists.
		r.FeesByInvoice = make([]decimal.Decimal, len(a.InvoiceIDs))
		rest := a.Fees
		if n := a.Notice; n != nil && len(n.Lines) == len(a.InvoiceIDs) {
			for _, c := range n.Fees {
				if c.Label != "compensation" {
					continue
				}
				// The line of its invoice and part not booked one yet (the
				// lines are in InvoiceIDs' order).
				for j := range n.Lines {
					if n.Lines[j].Number == c.Invoice && n.Lines[j].Instalment == c.Instalment && r.FeesByInvoice[j].IsZero() {
						r.FeesByInvoice[j] = c.Amount
						rest = rest.Sub(c.Amount)
						break
					}
				}
			}
		}
		i := 0
		for i < len(a.Listed)-1 && a.Listed[i] {
			i++
		}
		r.FeesByInvoice[i] = r.FeesByInvoice[i].Add(rest)
	}
	return r
}

// Plan returns the actions due on day asOf: pure and deterministic, the same
// inputs give the same actions in the same order. Every customer is planned
// on asOf; use PlanAt to take each customer's today in its time zone.
//
// The error reports an invalid policy (a *FieldError naming the field).
// Every customer, agreement and invoice is validated first; a record that
// fails is not planned and comes back as a Rejected action whose Problem
// names the field and value (see Rejected), and an action that cannot be
// carried out for one customer's data carries its Problem too, so one bad
// record does not stop the run.
//
// A big day may be planned on several goroutines (Policy.PlanWorkers; by
// default only when it calls no code of the app): the invoices are checked in parts and the customers
// planned in contiguous ranges of their sorted order, each by a planner
// of its own, and the results joined in order, so the plan is the one a
// single goroutine gives, byte for byte. Plan returns only once every goroutine it started
// is done; a panic in one (an app's FX function, say) comes out of Plan on
// the caller's goroutine, the first one planning in order would meet.
func Plan(asOf date.Date, policy *Policy, p Portfolio) ([]Action, error) {
	return plan(func(*Customer) date.Date { return asOf }, policy, p, nil)
}

// PlanAt is Plan with each customer's "today" taken at instant now in the
// customer's time zone. A customer whose time zone does not load is
// rejected like any invalid record (a Rejected action naming the zone);
// every other customer is planned.
func PlanAt(now time.Time, policy *Policy, p Portfolio) ([]Action, error) {
	days := todayIn(now, p.Customers)
	return plan(func(c *Customer) date.Date { return days[c.TimeZone] }, policy, p, nil)
}

// planner holds what one Plan call needs.
type planner struct {
	policy     *Policy
	p          *Portfolio
	cal        schedule.Calendar
	agreements map[string]*Agreement
	explain    *Explanation                // when not nil, the invoice to explain
	force      int                         // planDay's force
	tasks      map[string][]*CollectorTask // open tasks by customer
	set        *notice.Set                 // the policy's templates, for CheckNotices
	segments   *segment.Matcher            // policy.Segments compiled once per Plan (nil: none)

	// pending holds the History's pending actions by customer (pending.go).
	pending map[string][]Pending
	// levels holds the steps ChangeLevel reviews set, by invoice, and
	// changes those reviews by key (review.go).
	levels  map[string]levelChange
	changes map[string]*Review

	// parents maps an instalment part's ID to its invoice (instalments.go).
	parents map[string]*Invoice
	// covered holds the keys of the day's actions the customer's unapplied
	// money covers, with the reason (balance.go).
	covered map[string]string
	// rejected holds, by customer, the Problem of a record of the customer
	// Plan rejected: its statement of account would be incomplete
	// (statement.go).
	rejected map[string]string

	// screening is screenDay's custState.
	screening custState
	// due and listed are customer's scratch for the decisions of one
	// customer, reused by the next (nothing keeps them).
	due, listed []decision
	// lastWF is what workflow found last.
	lastWF *Workflow
	// placesOf and placesU are the currency places found last and its
	// minor units.
	placesOf Currency
	placesU  int32
	// warmth is the sum of warm's loads.
	warmth byte
	// stepBuf and dateBuf are customer's scratch for its decisions' steps
	// and dates (keepSteps).
	stepBuf []int
	dateBuf []date.Date
	// The slabs the day's actions take their notices and small slices
	// from (carve).
	notices []notice.Notice
	lines   []notice.Line
	ids     []string
	ints    []int
}

// slabLen is how many elements carve allocates at a time.
const slabLen = 256

// carve returns a slice of length 0 and capacity n cut from *slab, which
// it refills slabLen zeroed elements at a time: the notices and small
// slices of many actions come from one allocation instead of one each.
// Each slice is capped at n, so appending to one action's slice never
// writes into another's; a caller keeping one action keeps its slab alive
// (at most slabLen elements).
func carve[T any](slab *[]T, n int) []T {
	if n > len(*slab) {
		if n > slabLen/4 {
			return make([]T, 0, n)
		}
		*slab = make([]T, slabLen)
	}
	s := (*slab)[:0:n]
	*slab = (*slab)[n:]
	return s
}

type custState struct {
	c    *Customer
	asOf date.Date
	invs []*Invoice
	// verdicts, when not nil, is screenDay' verdict on each of invs
	// (verdictSkip: no decision; verdictListed: listed at most); idle: no
	// invoice of the customer has a step due, so none needs planning.
	verdicts []verdict
	idle     bool
	// named, when not nil, is the workflow each of invs' Progress names
	// (progressWorkflows).
	named []wfRef
	// partial marks the custState of screenDay: no customer, no
	// invoices; needs is set when the decision asked for them.
	partial, needs bool
	match          segment.Match
	matched        bool
	subj           subject
	openByCu       map[Currency]decimal.Decimal // open items per currency (lazy)
	addr           addressed                    // addressees' last answer
	un             *unappliedState              // unapplied money (nil: none)
}

func plan(asOfFn func(*Customer) date.Date, policy *Policy, p Portfolio, ex *Explanation) ([]Action, error) {
	// Explaining follows the customer's planning step by step: no screening.
	return planDay(asOfFn, policy, p, ex, ex == nil, 0)
}

// planDay is plan, screening the invoices' day first (screenDay) when
// screen is set; TestScreeningSkipsNothing compares the two. force, when
// not 0, is how many workers plan the customers of a screened day,
// whatever the day's size and GOMAXPROCS (tests; see workers).
func planDay(asOfFn func(*Customer) date.Date, policy *Policy, p Portfolio, ex *Explanation, screen bool, force int) ([]Action, error) {
	if policy == nil {
		return nil, &FieldError{Field: "policy", Value: "nil", Reason: "a policy is required"}
	}
	policy, err := policy.ready()
	if err != nil {
		return nil, err
	}
	pl := &planner{policy: policy, p: &p, cal: policy.Calendar, explain: ex, force: force}
	if policy.Segments != nil {
		pl.segments = policy.Segments.Compile()
	}
	if pl.cal == nil {
		pl.cal = schedule.EveryDay()
	}
	// Screening the day (screenDay) runs inside the validation, on each
	// invoice that passes, in the portfolio's order: pre holds its
	// verdicts by invoice, busy marks the customers with a step that may
	// be due. They stand only if the portfolio comes out of validation,
	// reviews and instalments as it went in (fast, below); else the
	// invoices are screened again after.
	var pre []verdict
	var busy []bool
	runs := 0 // invoices screened with a step that may be due
	var each func(k, i int, ci int32)
	// The agreements as validation leaves them when it rejects none (fast,
	// the only case in which they are kept): every agreement by its ID.
	pl.agreements = make(map[string]*Agreement, len(p.Agreements))
	for i := range p.Agreements {
		if a := &p.Agreements[i]; pl.agreements[a.ID] == nil {
			pl.agreements[a.ID] = a
		}
	}
	named := pl.progressWorkflows(p.Invoices)
	// Screening splits the invoices into parts as big days do their
	// customers (screenParts), each part screened by a planner of its own.
	parts := 1
	if screen {
		parts = pl.screenParts(len(p.Invoices))
		screens := make([]*planner, parts)
		screens[0] = pl
		for k := 1; k < parts; k++ {
			screens[k] = pl.fork()
		}
		pre = make([]verdict, len(p.Invoices))
		invs, custs := p.Invoices, p.Customers
		each = func(k, i int, ci int32) {
			var w *Workflow
			if named != nil {
				w = pl.ref(named[i])
			}
			pre[i] = screens[k].screenDay(asOfFn(&custs[ci]), &invs[i], w)
		}
	}
	var parents map[string]*Invoice
	p, rejected, idx := screenPortfolio(asOfFn, p, ex, pl.customerParts(len(p.Customers)), parts, each)
	p.Customers = reviewHolds(asOfFn, p)
	var clash []Action
	if idx == nil || idx.schedules {
		// Two passes over the invoices, which screening saw have no
		// schedule when every one passed.
		p.Invoices, clash = screenInstalments(asOfFn, p.Invoices, p.Customers)
		rejected = append(rejected, clash...)
		p.Invoices, parents = expandInstalments(p.Invoices)
	}
	pl.parents = parents
	// Nothing rejected, no instalments expanded: the same customers in the
	// same order (reviewHolds only replacing holds, which screening does
	// not read), the same agreements and the same invoices.
	fast := idx != nil && len(clash) == 0 && parents == nil
	if screen && fast {
		// Every invoice passed: each screened them all.
		busy = make([]bool, len(p.Customers))
		for i, v := range pre {
			if v == verdictRun {
				busy[idx.owner[i]] = true
				runs++
			}
		}
	}
	if !fast {
		named = pl.progressWorkflows(p.Invoices)
		pl.agreements = make(map[string]*Agreement, len(p.Agreements))
		for i := range p.Agreements {
			a := &p.Agreements[i]
			if a.ID == "" {
				return nil, &FieldError{Field: fmt.Sprintf("agreements[%d].id", i), Value: "", Reason: "must not be empty"}
			}
			if _, dup := pl.agreements[a.ID]; dup {
				return nil, &FieldError{Field: fmt.Sprintf("agreements[%d].id", i), Value: a.ID, Reason: "is used by an earlier agreement"}
			}
			pl.agreements[a.ID] = a
		}
	}

	// Group invoices by customer with a counting sort: no per-customer
	// slices, and no map lookup per invoice when screening's index still
	// holds (nothing rejected, no instalments expanded: the same customers
	// in the same order, reviewHolds only replacing holds, and the same
	// invoices).
	var custIdx map[string]int32
	var owner []int32
	if fast {
		custIdx, owner = idx.cust, idx.owner
	} else {
		custIdx = make(map[string]int32, len(p.Customers))
		for i := range p.Customers {
			c := &p.Customers[i]
			if c.ID == "" {
				return nil, &FieldError{Field: fmt.Sprintf("customers[%d].id", i), Value: "", Reason: "must not be empty"}
			}
			if _, dup := custIdx[c.ID]; dup {
				return nil, &FieldError{Field: fmt.Sprintf("customers[%d].id", i), Value: c.ID, Reason: "is used by an earlier customer"}
			}
			custIdx[c.ID] = int32(i)
		}
		owner = make([]int32, len(p.Invoices))
		for i := range p.Invoices {
			inv := &p.Invoices[i]
			ci, ok := custIdx[inv.CustomerID]
			if !ok {
				return nil, &FieldError{Field: fmt.Sprintf("invoices[%d].customer_id", i), Value: inv.CustomerID, Reason: "names no customer of the portfolio"}
			}
			owner[i] = ci
		}
	}
	start := make([]int32, len(p.Customers)+1)
	for _, ci := range owner {
		start[ci+1]++
	}
	for i := 1; i < len(start); i++ {
		start[i] += start[i-1]
	}
	order := make([]*Invoice, len(p.Invoices))
	fill := slices.Clone(start[:len(p.Customers)])
	// The day's verdicts in the customers' order: screened during the
	// validation, or now in the invoices' own order (screenDay).
	var verdicts []verdict
	if screen {
		verdicts = make([]verdict, len(p.Invoices))
		if !fast {
			pre, busy, runs = make([]verdict, len(p.Invoices)), make([]bool, len(p.Customers)), 0
			for i := range p.Invoices {
				ci := owner[i]
				var w *Workflow
				if named != nil {
					w = pl.ref(named[i])
				}
				v := pl.screenDay(asOfFn(&p.Customers[ci]), &p.Invoices[i], w)
				pre[i] = v
				if v == verdictRun {
					busy[ci] = true
					runs++
				}
			}
		}
	}
	var namedC []wfRef // named in the customers' order
	if named != nil {
		namedC = make([]wfRef, len(named))
	}
	for i := range p.Invoices {
		ci := owner[i]
		order[fill[ci]] = &p.Invoices[i]
		if verdicts != nil {
			verdicts[fill[ci]] = pre[i]
		}
		if namedC != nil {
			namedC[fill[ci]] = named[i]
		}
		fill[ci]++
	}

	unByCust, badUn := groupUnapplied(asOfFn, p.Unapplied, p.Customers, custIdx, rejected)
	rejected = append(rejected, badUn...)
	pl.rejected = rejectedRecords(rejected)

	for i := range p.Tasks {
		t := &p.Tasks[i]
		if t.Status == TaskOpen {
			if pl.tasks == nil {
				pl.tasks = map[string][]*CollectorTask{}
			}
			pl.tasks[t.CustomerID] = append(pl.tasks[t.CustomerID], t)
		}
	}

	custOrder := make([]int32, len(p.Customers))
	for i := range custOrder {
		custOrder[i] = int32(i)
	}
	slices.SortFunc(custOrder, func(a, b int32) int { return strings.Compare(p.Customers[a].ID, p.Customers[b].ID) })

	day := &dayPlan{asOfFn: asOfFn, order: order, start: start, verdicts: verdicts, busy: busy, named: namedC, unapplied: unByCust}
	actions, err := pl.planCustomers(day, custOrder, runs, len(rejected))
	if err != nil {
		return nil, err
	}
	actions = applyReviews(&p, actions, ex)
	actions = append(actions, rejected...)
	if !planSorted(actions) {
		// A stable sort gives the same order from the customers' sorted
		// runs as from the actions as planned: it keeps equal actions in
		// their order, and only one customer's are equal.
		slices.SortStableFunc(actions, actionOrder)
	}
	return actions, nil
}

// groupStep returns the step of a grouped action over ds and its date: the
// most advanced last step among the decisions not only listed (-1 when
// every one is).
func groupStep(ds []decision) (int, date.Date) {
	si, sched := -1, date.Date(0)
	for _, d := range ds {
		if d.listOnly || len(d.steps) == 0 {
			continue
		}
		if s := d.steps[len(d.steps)-1]; s > si {
			si, sched = s, d.dates[len(d.dates)-1]
		}
	}
	return si, sched
}

// actionOrder orders a plan: by customer, then in workflow order (so
// SendAllMissed sends an invoice's steps in their order), then by key.
func actionOrder(a, b Action) int { return compareActions(&a, &b) }

// compareActions is actionOrder on pointers, comparing the keys only when
// customer and step are the same.
func compareActions(a, b *Action) int {
	if c := strings.Compare(a.CustomerID, b.CustomerID); c != 0 {
		return c
	}
	if c := cmp.Compare(a.StepIndex, b.StepIndex); c != 0 {
		return c
	}
	return strings.Compare(a.Key, b.Key)
}

// planSorted reports whether acts are in actionOrder, comparing them in
// place (actionOrder takes copies).
func planSorted(acts []Action) bool {
	for i := 1; i < len(acts); i++ {
		if compareActions(&acts[i], &acts[i-1]) < 0 {
			return false
		}
	}
	return true
}

// payBy returns the day notice n asks for payment by, days after its
// date unless its invoices' terms say otherwise: a reminder (a friendly
// reminder or an overdue notice) of invoices none of which is overdue asks
// for payment by their due date (0, no one day, when they fall due on
// different days, each line giving its own), so a customer told on 24
// November of an invoice due on the 30th is not asked to pay by 1
// December, nor one told two weeks ahead to pay a week early; and no
// notice asks for payment before the due date of an invoice on it (one
// not yet due that a per-customer notice carries with overdue ones).
func payBy(n *notice.Notice, days int) date.Date {
	var first, last date.Date
	same := true
	for i := range n.Lines {
		d := n.Lines[i].DueDate
		if i == 0 {
			first, last = d, d
			continue
		}
		same = same && d == first
		first, last = min(first, d), max(last, d)
	}
	by := n.Date + date.Date(days)
	switch {
	case len(n.Lines) == 0:
		return by
	case first >= n.Date && (n.Stage == notice.FriendlyReminder || n.Stage == notice.OverdueNotice):
		if same {
			return first
		}
		return 0
	}
	return max(by, last)
}

// progress returns the invoice's progress: Invoice.Progress when the store
// delivered it with the invoice (no string-keyed lookup on the hot path),
// else History's by ID.
func (pl *planner) progress(inv *Invoice) (Progress, bool) {
	if inv.Progress != nil {
		return *inv.Progress, true
	}
	if pl.p.History == nil {
		return Progress{}, false
	}
	return pl.p.History.Progress(inv.ID)
}

// workflow is Policy.Workflow keeping the last answer: most invoices of a
// portfolio run under one workflow, and a string-keyed lookup per invoice
// and decision costs more than comparing the name.
func (pl *planner) workflow(name string) (*Workflow, bool) {
	if w := pl.lastWF; w != nil && w.Name == name {
		return w, true
	}
	w, ok := pl.policy.Workflow(name)
	if ok {
		pl.lastWF = w
	}
	return w, ok
}

// progressWorkflows returns, by invoice, the workflow its Progress (the one
// delivered with it) names, nil where it has none or names no workflow of
// the policy; nil when the policy switches workflows mid-cycle, where the
// name is not read. It reads the names in one loop of comparisons alone:
// each is a string of its own somewhere in the heap, and a loop that does
// nothing else lets the processor wait for many of them at once, where
// screening and planning, reading each between much other work, waited
// for them one by one, twice for an invoice with a step due.
//
// The answers are indexes (wfRef), two bytes an invoice the garbage
// collector need not scan, where pointers would take eight it must. A big
// portfolio's invoices are read in parts on the plan's workers.
func (pl *planner) progressWorkflows(invs []Invoice) []wfRef {
	wfs := pl.policy.Workflows
	if pl.policy.SwitchMidCycle || len(wfs) >= math.MaxUint16 {
		return nil
	}
	out := make([]wfRef, len(invs))
	// In parts at once, as screening checks the invoices (screenParts).
	bounds := partBounds(len(invs), pl.screenParts(len(invs)))
	raise(fanOut(len(bounds)-1, func(k int) {
		var last wfRef
		for i := bounds[k]; i < bounds[k+1]; i++ {
			pr := invs[i].Progress
			switch {
			case pr == nil:
			case last != 0 && pr.Workflow == wfs[last-1].Name:
				out[i] = last
			default:
				if w, ok := pl.policy.Workflow(pr.Workflow); ok {
					for j := range wfs {
						if &wfs[j] == w {
							last, out[i] = wfRef(j+1), wfRef(j+1)
							break
						}
					}
				}
			}
		}
	}))
	return out
}

// wfRef is a workflow of the policy by index plus one (0: none).
type wfRef uint16

// ref returns the workflow r refers to (nil for 0).
func (pl *planner) ref(r wfRef) *Workflow {
	if r == 0 {
		return nil
	}
	return &pl.policy.Workflows[r-1]
}

// route returns the customer's segment match.
func (pl *planner) route(cs *custState) segment.Match {
	if cs.partial {
		cs.needs = true // the answer depends on the customer: no verdict
		return segment.Match{}
	}
	if !cs.matched {
		cs.matched = true
		if pl.segments != nil {
			cs.match = pl.segments.Match(&cs.subj)
		} else {
			cs.match = segment.Match{Target: segment.Target{Workflow: pl.policy.Workflows[0].Name}, Index: -1, Default: true}
		}
	}
	return cs.match
}

func (pl *planner) openItems(cs *custState, cur Currency) decimal.Decimal {
	if cs.partial {
		cs.needs = true // the answer depends on the customer: no verdict
		return decimal.Zero
	}
	if cs.openByCu == nil {
		cs.openByCu = map[Currency]decimal.Decimal{}
		for _, inv := range cs.invs {
			if inv.WrittenOff != 0 && inv.WrittenOff <= cs.asOf || inv.Issued > cs.asOf {
				continue
			}
			if o := inv.Open(cs.asOf); o.Sign() > 0 {
				cs.openByCu[inv.Currency] = cs.openByCu[inv.Currency].Add(o)
			}
		}
	}
	return cs.openByCu[cur]
}

// verdict is what screenDay found an invoice needs today.
type verdict uint8

const (
	verdictRun    verdict = iota // a step may be due: plan it with its customer
	verdictSkip                  // no decision
	verdictListed                // at most listed on a per-customer notice
)

// screenDay decides invoice inv's day as invoice does, without its customer
// and its other invoices, in the portfolio's own order: the customers'
// planning reads an invoice only when it may have a step due (or, beside
// one, may be listed). Most invoices need nothing on most days, and reading
// them in memory order costs a fraction of reading them customer by
// customer. A decision that needs the customer (its segment, its open
// items) gives verdictRun; the customer's hold, left out, can only stop an
// invoice, which its customer's planning then finds.
func (pl *planner) screenDay(asOf date.Date, inv *Invoice, named *Workflow) verdict {
	// One custState for every invoice: a fresh one would escape (through
	// route) to the heap, one allocation per invoice. In partial mode
	// invoice writes only needs.
	cs := &pl.screening
	cs.asOf, cs.partial, cs.needs = asOf, true, false
	d, ok := pl.invoice(cs, inv, named)
	switch {
	case cs.needs:
		return verdictRun
	case !ok:
		return verdictSkip
	case d.listOnly:
		return verdictListed
	}
	return verdictRun
}

// decision is what one invoice needs today.
type decision struct {
	inv      *Invoice
	wf       *Workflow
	open     decimal.Decimal
	steps    []int // steps to act on (one except for SendAllMissed)
	skipped  []int
	dates    []date.Date // date of each step in steps
	fallback string      // bounced key to replace
	reason   string
	prog     Progress
	done     int // the last step done (-1: none)
	// listOnly: an overdue invoice with no step of its own due, listed on
	// its customer's per-customer notice of the day (it reaches no new
	// step and adds no step fee).
	listOnly bool
	// bad: the invoice's progress is corrupt (progressError); it is
	// rejected, not planned.
	bad bool
	// gone: the fallback's bounced step is no longer in wf; steps holds
	// its last step, and a collector task replaces the notice.
	gone bool
	key  string // the pending key these invoices are re-issued under (pending.go)
	// part: the decision is one part of the invoice's decision, which
	// acted on steps Plan carries out in different ways (parts.go).
	part bool
	// listedIn is the bounced per-customer notice that only listed the
	// invoice (Progress.BouncedListed): its fallback lists it too.
	listedIn string
	// joint: the invoice whose instalment the decision is, when its notice
	// steps go on that invoice's one notice of the day (joinInstalments).
	joint *Invoice
}

func (pl *planner) customer(cs *custState, actions []Action) ([]Action, error) {
	if cs.verdicts != nil && !cs.idle {
		pl.warmth += warm(cs)
	}
	first := len(actions)
	actions = pl.resumes(cs, actions)
	due, listed := pl.due[:0], pl.listed[:0]
	pl.stepBuf, pl.dateBuf = pl.stepBuf[:0], pl.dateBuf[:0] // the last customer's decisions are gone
	// Invoices rejected for their progress (progressError), after the
	// customer's other actions: no DataFix task, as for a record screening
	// rejects.
	var bad []Action
	for k, inv := range cs.invs {
		if cs.verdicts != nil && (cs.idle || cs.verdicts[k] == verdictSkip) {
			// Screened: no decision, or only a listing, which matters
			// only beside a step due.
			continue
		}
		var named *Workflow
		if cs.named != nil {
			named = pl.ref(cs.named[k])
		}
		d, ok := pl.invoice(cs, inv, named)
		switch {
		case !ok:
		case d.bad:
			bad = append(bad, Action{Key: "rejected/invoice/" + esc(cs.c.ID) + "/" + esc(inv.ID), Kind: Rejected, Date: cs.asOf, CustomerID: cs.c.ID,
				TimeZone: cs.c.TimeZone, InvoiceIDs: []string{inv.ID}, Problem: progressError(inv, d.prog).Error(), Reason: "not planned: the invoice's stored progress is invalid"})
		case d.listOnly:
			listed = append(listed, d)
		default:
			due = append(due, d)
		}
	}
	pl.due, pl.listed = due[:0], listed[:0]
	if len(due) == 0 {
		return append(pl.tidyTasks(cs, actions, first), bad...), nil
	}
	// The policy's floor per customer and currency.
	if len(pl.policy.MinAmount) > 0 {
		kept := due[:0]
		for _, d := range due {
			floor, ok := pl.policy.MinAmount[d.inv.Currency]
			if ok && pl.netOverdue(cs, d.inv.Currency).Cmp(floor) < 0 {
				what := "overdue items"
				if cs.un != nil {
					what = "overdue items less unapplied payments and credits"
				}
				pl.note(d.inv, fmt.Sprintf("no action: the customer's %s in %s total %s, below the policy minimum %s", what, d.inv.Currency, pl.netOverdue(cs, d.inv.Currency).String(), floor.String()))
				continue
			}
			kept = append(kept, d)
		}
		due = kept
	}
	due = pl.split(pl.holdBlocks(cs, due))
	planned := len(actions)
	due, listed, actions, err := pl.reissue(cs, due, listed, actions)
	if err != nil {
		return nil, err
	}
	// Fallbacks: one per bounced key, covering the invoices it covered.
	var fbKeys []string
	var fallbacks map[string][]decision
	for _, d := range due {
		if d.fallback != "" {
			if fallbacks == nil {
				fallbacks = map[string][]decision{}
			}
			if _, ok := fallbacks[d.fallback]; !ok {
				fbKeys = append(fbKeys, d.fallback)
			}
			fallbacks[d.fallback] = append(fallbacks[d.fallback], d)
		}
	}
	if fallbacks != nil {
		// An invoice a bounced notice only listed goes on its fallback
		// (one with a step invoice of its own going out today), listed:
		// no step reached, no fee booked on it. The other parts of a split
		// invoice (split) wait with it.
		var pulled []*Invoice
		pull := func(ds []decision) []decision {
			kept := ds[:0]
			for _, d := range ds {
				if g, ok := fallbacks[d.listedIn]; ok && d.listedIn != "" && d.fallback == "" && d.key == "" {
					if !slices.Contains(pulled, d.inv) {
						pulled = append(pulled, d.inv)
						d.listOnly, d.fallback, d.steps, d.dates, d.skipped, d.part = true, d.listedIn, nil, nil, nil, false
						fallbacks[d.listedIn] = append(g, d)
					}
					continue
				}
				kept = append(kept, d)
			}
			return kept
		}
		due, listed = pull(due), pull(listed)
	}
	for _, k := range fbKeys {
		a, err := pl.action(cs, fallbacks[k], -1)
		if err != nil {
			return nil, err
		}
		actions = append(actions, a)
	}
	due = pl.inOrder(due, actions[planned:])
	for _, d := range due {
		if d.fallback == "" && !d.grouped() {
			for k := range d.steps {
				a, err := pl.action(cs, []decision{d}, k)
				if err != nil {
					return nil, err
				}
				actions = append(actions, a)
			}
		}
	}
	// Per-customer grouping: one notice per workflow and currency, listing
	// the invoices with a step due and every other overdue invoice of that
	// workflow and currency (listOnly), the invoices not yet overdue of a
	// final notice or letter before action apart (apartEarly); one
	// statement of account per workflow and currency (statement.go).
	groups := map[groupKey][]decision{}
	var keys []groupKey
	for _, d := range due {
		if d.fallback == "" && d.grouped() {
			k := d.group()
			if _, ok := groups[k]; !ok {
				keys = append(keys, k)
			}
			groups[k] = append(groups[k], d)
		}
	}
	for _, d := range listed {
		k := groupKey{wf: d.wf.Name, cur: d.inv.Currency}
		if g, ok := groups[k]; ok {
			d.reason = listedReason(d.inv, pl.places(d.inv.Currency), d.open)
			if ex := pl.explaining(d.inv); ex != nil {
				ex.Reason = d.reason + " (" + ex.Reason + ")"
			}
			groups[k] = append(g, d)
		}
	}
	keys = apartEarly(cs.asOf, groups, keys)
	for _, k := range keys {
		a, err := pl.action(cs, groups[k], -1)
		if err != nil {
			return nil, err
		}
		actions = append(actions, a)
	}
	actions, dropped := pl.dropCovered(cs, actions, first)
	if l := pl.policy.Customer; l != nil {
		var more []Action
		actions, more = pl.limit(cs, l, actions, first, dropped)
		dropped = append(dropped, more...)
	}
	actions = pl.holdLater(due, actions, first, dropped)
	return append(pl.tidyTasks(cs, actions, first), bad...), nil
}

// progressError is why Plan rejects an invoice whose progress (History's
// or Invoice.Progress) is of its cycle but corrupt: a step below -1 (none
// done). A step past the workflow's end is no error: the workflow lost
// steps since, and every step counts as done.
func progressError(inv *Invoice, prog Progress) error {
	return loc{rec: "invoice", id: inv.ID, field: "progress.step"}.err(strconv.Itoa(prog.Step), "must be -1 (no step done) or more: the stored progress is corrupt")
}

// warm reads one byte of each record and string that planning the
// customer's invoices with a step due reads, in one loop of loads alone,
// and returns their sum (the planner keeps it, so the loads stay). Each
// record is a heap object of its own: the invoice, its progress and lines,
// its number, ID and description, the customer's strings and contacts.
// The decision and the notice read them one after the other, between much
// other work, and wait for each in turn; this loop lets the processor
// fetch them all at once first.
func warm(cs *custState) byte {
	c := cs.c
	sum := head(c.ID) + head(c.Name)
	if len(c.Contacts) > 0 {
		sum += head(c.Contacts[0].Email)
	}
	for k, inv := range cs.invs {
		if cs.verdicts[k] == verdictSkip {
			continue
		}
		sum += head(inv.Number) + head(inv.ID)
		if len(inv.Lines) > 0 {
			sum += head(inv.Lines[0].Description)
		}
		if p := inv.Progress; p != nil {
			sum += byte(p.Step)
		}
	}
	return sum
}

// head is s's first byte, 0 for "".
func head(s string) byte {
	if s == "" {
		return 0
	}
	return s[0]
}

// tidyTasks adds to the customer's actions, actions[first:], a DataFix
// action for each one with a Problem (unless its task is open already), and
// a CancelTask action for each open task of the customer whose invoices are
// all settled or written off, or that asked to fix data that is now fixed.
func (pl *planner) tidyTasks(cs *custState, actions []Action, first int) []Action {
	open := pl.tasks[cs.c.ID]
	if len(open) == 0 && !slices.ContainsFunc(actions[first:], func(a Action) bool { return a.Problem != "" }) {
		return actions
	}
	isOpen := func(id string) bool {
		return slices.ContainsFunc(open, func(t *CollectorTask) bool { return t.ID == id })
	}
	fixed := map[string]bool{}
	n := len(actions)
	for i := first; i < n; i++ {
		a := &actions[i]
		if a.Problem == "" {
			fixed["fix/"+a.Key] = true
			continue
		}
		key := "fix/" + a.Key
		if isOpen(key) {
			continue
		}
		actions = append(actions, Action{
			Key: key, Kind: DataFix, Date: cs.asOf, Scheduled: cs.asOf, CustomerID: cs.c.ID, TimeZone: cs.c.TimeZone,
			Workflow: a.Workflow, Step: a.Step, StepIndex: a.StepIndex, Currency: a.Currency, Open: a.Open,
			Reason: "the action " + a.Key + " cannot be carried out: " + a.Problem,
			Task: &CollectorTask{
				ID: key, CustomerID: cs.c.ID, InvoiceIDs: a.InvoiceIDs, Kind: DataFix,
				Title: fmt.Sprintf("Fix the data of %s: %s", cs.c.Name, a.Problem),
				Due:   cs.asOf, Status: TaskOpen, Currency: a.Currency, Amount: a.Open,
			},
		})
	}
	byID := make(map[string]*Invoice, len(cs.invs))
	for _, inv := range cs.invs {
		byID[inv.ID] = inv
	}
	for _, t := range open {
		why := ""
		switch {
		case strings.HasPrefix(t.ID, "fix/") && fixed[t.ID]:
			why = "the data was fixed: the action goes out"
		case len(t.InvoiceIDs) > 0:
			why = pl.settled(cs, t, byID)
		}
		if why == "" {
			continue
		}
		ct := *t
		ct.Status, ct.CancelReason = TaskCancelled, why
		actions = append(actions, Action{
			Key: "cancel/" + t.ID, Kind: CancelTask, Date: cs.asOf, Scheduled: cs.asOf, CustomerID: cs.c.ID,
			TimeZone: cs.c.TimeZone, Currency: t.Currency, Reason: "task " + t.ID + " is no longer needed: " + why, Task: &ct,
		})
	}
	return actions
}

// settled says why every invoice of task t is settled or written off, or
// returns "" when one is still open or missing from the portfolio.
func (pl *planner) settled(cs *custState, t *CollectorTask, byID map[string]*Invoice) string {
	paid, off := 0, 0
	for _, id := range t.InvoiceIDs {
		inv := byID[id]
		switch {
		case inv == nil:
			return ""
		case inv.WrittenOff != 0 && inv.WrittenOff <= cs.asOf:
			off++
		case inv.Open(cs.asOf).Sign() <= 0:
			paid++
		default:
			return ""
		}
	}
	switch {
	case off == 0:
		return "its invoices are settled"
	case paid == 0:
		return "its invoices were written off"
	}
	return "its invoices are settled or written off"
}

// limit drops the customer's notices, actions[first:], that the customer
// limits hold back today (fallbacks excepted), saying why to Explain, and
// returns the rest and dropped with the notices dropped appended.
func (pl *planner) limit(cs *custState, l *CustomerLimits, actions []Action, first int, dropped []Action) ([]Action, []Action) {
	notices := false
	for i := first; i < len(actions); i++ {
		notices = notices || actions[i].Kind.IsNotice() && !actions[i].Fallback
	}
	if !notices {
		return actions, dropped
	}
	// The customer's notice days before today, from its invoices' progress.
	var last date.Date
	var days []date.Date
	for _, inv := range cs.invs {
		p, ok := pl.progress(inv)
		if !ok {
			continue
		}
		last = max(last, p.Last)
		if p.Notices == nil {
			continue
		}
		for _, d := range p.Notices.Recent {
			if d < cs.asOf && d > cs.asOf-date.Date(l.period()) {
				days = append(days, d)
			}
		}
	}
	slices.Sort(days)
	days = slices.Compact(days)
	var why string
	var until date.Date
	switch {
	case l.MinGapDays > 0 && last != 0 && last < cs.asOf && cs.asOf < last+date.Date(l.MinGapDays):
		until = last + date.Date(l.MinGapDays)
		why = fmt.Sprintf("the customer's last notice went out on %s: the customer gap of %d days holds notices until %s", last, l.MinGapDays, until)
	case l.MaxNotices > 0 && len(days) >= l.MaxNotices:
		// The window drops its oldest counted day first.
		until = days[len(days)-l.MaxNotices] + date.Date(l.period())
		why = fmt.Sprintf("the customer received notices on %d days in the %d days up to %s, the maximum of %d: notices wait until %s", len(days), l.period(), cs.asOf, l.MaxNotices, until)
	default:
		return actions, dropped
	}
	kept := actions[:first]
	for _, a := range actions[first:] {
		if !a.Kind.IsNotice() || a.Fallback {
			kept = append(kept, a)
			continue
		}
		dropped = append(dropped, a)
		if ex := pl.explain; ex != nil && slices.Contains(a.InvoiceIDs, ex.InvoiceID) {
			ex.Reason = fmt.Sprintf("step %q is due but %s", a.Step, why)
			ex.Next, ex.NextStep = until, a.Step
		}
	}
	return kept, dropped
}

func (pl *planner) overdueTotal(cs *custState, cur Currency) decimal.Decimal {
	t := decimal.Zero
	for _, inv := range cs.invs {
		if inv.Currency == cur && inv.Due < cs.asOf && (inv.WrittenOff == 0 || inv.WrittenOff > cs.asOf) {
			if o := inv.Open(cs.asOf); o.Sign() > 0 {
				t = t.Add(o)
			}
		}
	}
	return t
}

func (pl *planner) note(inv *Invoice, s string) {
	if pl.explain != nil && pl.explain.InvoiceID == inv.ID {
		pl.explain.Reason = s
	}
}

func (pl *planner) explaining(inv *Invoice) *Explanation {
	if pl.explain != nil && pl.explain.InvoiceID == inv.ID {
		return pl.explain
	}
	return nil
}

// stepDate returns step i's date for the invoice (rolled), its nominal
// date, and whether the step applies to the invoice at all.
func (pl *planner) stepDate(w *Workflow, i int, inv *Invoice, agr *Agreement) (rolled, nominal date.Date, ok bool) {
	n, ok := pl.nominal(w, i, inv, agr)
	if !ok {
		return 0, 0, false
	}
	if n < inv.Issued {
		return 0, n, false // the step falls before the invoice existed
	}
	return w.Roll.Apply(pl.cal, n), n, true
}

// nominal returns step i's date before rolling: anchor + offset, plus the
// agreement's grace days when that falls after the due date, then moved to
// the end of its month for an eom offset. A "previous" offset counts from
// step i-1's rolled date (grace is already in it), whether or not step i-1
// applies to the invoice.
func (pl *planner) nominal(w *Workflow, i int, inv *Invoice, agr *Agreement) (date.Date, bool) {
	at := w.Steps[i].At
	var n date.Date
	if at.Anchor == schedule.Previous {
		if i == 0 {
			return 0, false
		}
		p, ok := pl.nominal(w, i-1, inv, agr)
		if !ok {
			return 0, false
		}
		n = w.Roll.Apply(pl.cal, p) + date.Date(at.Days)
	} else {
		a := schedule.Anchors{Issue: inv.Issued, Due: inv.Due}
		if agr != nil {
			a.Agreement = agr.Effective
		}
		var ok bool
		if n, ok = (schedule.Offset{Anchor: at.Anchor, Days: at.Days}).From(a); !ok {
			return 0, false
		}
		if n > inv.Due && agr != nil {
			n += date.Date(agr.GraceDays)
		}
	}
	if at.EOM {
		n = schedule.EndOfMonth(n)
	}
	return n, true
}

// invoice decides what the invoice needs on the customer's today. named,
// when not nil, is the workflow inv.Progress names (progressWorkflows).
func (pl *planner) invoice(cs *custState, inv *Invoice, named *Workflow) (decision, bool) {
	asOf := cs.asOf
	ex := pl.explaining(inv)
	// stop says why there is no action; the reason is built only when
	// explaining, since most invoices on most days get none.
	stop := func(why func() string) (decision, bool) {
		if ex != nil {
			ex.Reason = why()
		}
		return decision{}, false
	}
	if inv.Issued > asOf {
		return stop(func() string { return "not issued yet: issued " + inv.Issued.String() })
	}
	if inv.WrittenOff != 0 && inv.WrittenOff <= asOf {
		return stop(func() string { return "written off on " + inv.WrittenOff.String() })
	}
	if inv.Litigation {
		return stop(func() string { return "in litigation: dunning has handed over" })
	}
	open := inv.Open(asOf)
	if ex != nil {
		ex.Open = open
	}
	if open.Sign() <= 0 {
		return stop(func() string { return "paid: the open balance is " + open.String() })
	}
	if cs.partial {
		// Screening without the customer: its hold can only stop the
		// invoice, which the customer's own planning then finds.
	} else if h := cs.c.Hold; h.ActiveOn(asOf) {
		return stop(func() string { return holdText("the customer is on hold", h) })
	}
	if h := inv.Hold; h.ActiveOn(asOf) {
		return stop(func() string { return holdText("the invoice is on hold", h) })
	}
	if inv.Dispute.OpenOn(asOf) {
		return stop(func() string {
			return fmt.Sprintf("disputed since %s (%s): dunning pauses until the dispute is resolved", inv.Dispute.Opened, inv.Dispute.Reason)
		})
	}
	ps, promiseDay := pl.promiseOn(inv, asOf)
	if ps == PromisePending {
		return stop(func() string { return pl.promiseText(inv, asOf, "dunning waits") })
	}

	prog, has := pl.progress(inv)
	if has && prog.Cycle != inv.Cycle {
		has = false
	}
	if has && prog.Step < -1 {
		if ex != nil {
			ex.Progress, ex.Reason = prog, "not planned: "+progressError(inv, prog).Error()
		}
		return decision{inv: inv, prog: prog, bad: true}, true
	}
	// The segments route only an invoice without a workflow of its cycle
	// (route is cached per customer, so asking later changes nothing).
	var wf *Workflow
	switch {
	case !has || pl.policy.SwitchMidCycle:
	case named != nil && inv.Progress != nil:
		wf = named // found by its name already
	default:
		wf, _ = pl.workflow(prog.Workflow)
	}
	if wf == nil {
		m := pl.route(cs)
		var ok bool
		wf, ok = pl.workflow(m.Workflow)
		if !ok {
			return stop(func() string { return "segment routed to unknown workflow " + strconv.Quote(m.Workflow) })
		}
	}
	var agr *Agreement
	if inv.AgreementID != "" {
		agr = pl.agreements[inv.AgreementID]
	}
	// A workflow found by the progress's name runs the progress's steps:
	// no second reading of the name.
	done := min(prog.Step, len(wf.Steps)-1) // past the end: the workflow lost steps since
	if !has || wf != named || inv.Progress == nil {
		done = pl.doneStep(wf, inv, agr, prog, has)
	}
	if ex != nil {
		ex.Workflow = wf.Name
		ex.Match = pl.route(cs)
		ex.Progress = prog
		ex.Steps = ex.Steps[:0]
		for i := range wf.Steps {
			d, n, ok := pl.stepDate(wf, i, inv, agr)
			st := StepStatus{Name: wf.Steps[i].Name, Index: i, Date: d, Nominal: n, Applies: ok, Done: i <= done}
			ex.Steps = append(ex.Steps, st)
		}
	}
	dec := decision{inv: inv, wf: wf, open: open, prog: prog, done: done}
	// left is how many more notices the invoice may get this cycle (-1: no
	// maximum).
	left := -1
	if wf.MaxNotices > 0 {
		left = wf.MaxNotices
		if has {
			left = max(0, wf.MaxNotices-prog.count())
		}
	}
	atMax := left == 0
	// listed is stop for an overdue invoice of a per-customer workflow: it
	// has no step of its own today but goes on the customer's notice if one
	// goes out in its currency (see customer).
	listed := func(why func() string) (decision, bool) {
		stop(why)
		if inv.Due < asOf && wf.grouping() == PerCustomer && !atMax {
			dec.listOnly = true
			return dec, true
		}
		return decision{}, false
	}
	if has && prog.Held {
		return stop(func() string { return "held by a hold step of workflow " + wf.Name })
	}
	if has && prog.Bounced != "" && prog.BouncedListed {
		// The bounced notice only listed the invoice: it goes on with its
		// own steps, and on that notice's fallback, listed, if the
		// fallback goes out today (customer). Advance clears the mark
		// once a notice listing it reaches the customer.
		dec.listedIn = prog.Bounced
	} else if has && prog.Bounced != "" {
		s := wf.StepIndex(stepOfKey(prog.Bounced, wf))
		if s < 0 && prog.Step < len(wf.Steps) {
			s = max(prog.Step, 0)
		}
		dec.reason = "the notice " + prog.Bounced + " bounced or failed for good: sending its fallback"
		if s < 0 {
			// Its step is no longer in the workflow, nor its OnBounce: a
			// collector decides (action), on the workflow's last step.
			s, dec.gone = len(wf.Steps)-1, true
			dec.reason = "the notice " + prog.Bounced + " bounced or failed for good, and its step is no longer in workflow " + wf.Name + ": a collector task replaces it"
		}
		dec.steps, dec.dates, dec.fallback = []int{s}, []date.Date{asOf}, prog.Bounced
		return dec, true
	}
	if lc, ok := pl.levels[inv.ID]; ok && lc.wf == wf.Name {
		dec.steps, dec.dates = []int{lc.step}, []date.Date{asOf}
		dec.reason = "level changed on review: " + lc.r.describe(cs.c.TimeZone)
		return dec, true
	}

	// Pending steps: those after the last done one that apply to the invoice.
	// A reminder (a step dated on or before the due date) whose date passed
	// and whose next step is also due is passed over, never sent late; the
	// dunning levels after the due date are never passed over by Progressive.
	escalate := pl.escalates(wf, inv, agr, ps, promiseDay, prog, done)
	nextDate, nextStep := date.Date(0), -1
	var dueIdx [8]int
	dueSteps := dueIdx[:0]
	var dueDates [8]date.Date
	dd := dueDates[:0]
	for i := done + 1; i < len(wf.Steps); i++ {
		d, n, ok := pl.stepDate(wf, i, inv, agr)
		if !ok {
			continue
		}
		if d > asOf {
			if escalate && len(dueSteps) == 0 {
				dueSteps, dd = append(dueSteps, i), append(dd, d)
				break
			}
			nextDate, nextStep = d, i
			break
		}
		if n <= inv.Due {
			// A reminder: stale once the next applicable step is due too.
			stale := false
			for j := i + 1; j < len(wf.Steps); j++ {
				if dj, _, ok := pl.stepDate(wf, j, inv, agr); ok {
					stale = dj <= asOf
					break
				}
			}
			if stale {
				if ex != nil {
					ex.Steps[i].PassedOver = true
				}
				continue
			}
		}
		dueSteps, dd = append(dueSteps, i), append(dd, d)
	}
	if ex != nil {
		if nextStep >= 0 {
			ex.Next, ex.NextStep = nextDate, wf.Steps[nextStep].Name
		}
	}
	if atMax && len(dueSteps) > 0 {
		// The invoice had its maximum of notices: only the steps that
		// send none act.
		kept, keptD := dueSteps[:0], dd[:0]
		for k, i := range dueSteps {
			if wf.Steps[i].Action.IsNotice() {
				if ex != nil {
					ex.Steps[i].HeldBack = fmt.Sprintf("the invoice had its maximum of %d notices in this cycle", wf.MaxNotices)
				}
				continue
			}
			kept, keptD = append(kept, i), append(keptD, dd[k])
		}
		if len(kept) == 0 {
			return stop(func() string {
				return fmt.Sprintf("step %q is due but the invoice had its maximum of %d notices in this cycle (workflow %s)", wf.Steps[dueSteps[0]].Name, wf.MaxNotices, wf.Name)
			})
		}
		dueSteps, dd = kept, keptD
	}
	if len(dueSteps) == 0 {
		if nextStep >= 0 {
			return listed(func() string { return fmt.Sprintf("no step due: next is %q on %s", wf.Steps[nextStep].Name, nextDate) })
		}
		return listed(func() string { return "no step due: workflow " + wf.Name + " has no further step for this invoice" })
	}
	if !escalate && wf.MinGapDays > 0 && prog.Last != 0 && asOf < prog.Last+date.Date(wf.MinGapDays) {
		w := prog.Last + date.Date(wf.MinGapDays)
		if ex != nil {
			ex.Next, ex.NextStep = w, wf.Steps[dueSteps[0]].Name
		}
		return listed(func() string {
			return fmt.Sprintf("step %q is due but the last notice went out on %s: the minimum gap of %d days holds it until %s", wf.Steps[dueSteps[0]].Name, prog.Last, wf.MinGapDays, w)
		})
	}
	// Minimum amounts per step (SAP): under Progressive the next step waits
	// until its minimums hold; HighestOnly and SendAllMissed fall back to the
	// highest due step whose minimums hold, the steps above it staying
	// pending (held back, not done) and a step below it whose minimums fail
	// passed over.
	var sel [8]int
	chosen := sel[:0]
	var blocked string
	switch wf.catchUp() {
	case Progressive:
		if why := pl.belowMinimum(cs, inv, open, &wf.Steps[dueSteps[0]]); why != "" {
			if ex != nil {
				ex.Steps[dueSteps[0]].HeldBack = why
			}
			return listed(func() string { return fmt.Sprintf("step %q is due but %s", wf.Steps[dueSteps[0]].Name, why) })
		}
		chosen = append(chosen, 0)
	default:
		top := -1
		for k := len(dueSteps) - 1; k >= 0; k-- {
			why := pl.belowMinimum(cs, inv, open, &wf.Steps[dueSteps[k]])
			if why == "" {
				top = k
				break
			}
			if ex != nil {
				ex.Steps[dueSteps[k]].HeldBack = why
			}
			if blocked == "" {
				blocked = fmt.Sprintf("step %q is held back: %s", wf.Steps[dueSteps[k]].Name, why)
			}
		}
		if top < 0 {
			return listed(func() string { return blocked + "; no due step's minimums hold" })
		}
		if wf.catchUp() == HighestOnly {
			chosen = append(chosen, top)
			for k := 0; k < top; k++ {
				dec.skipped = append(dec.skipped, dueSteps[k])
			}
			break
		}
		for k := 0; k <= top; k++ {
			if k == top || pl.belowMinimum(cs, inv, open, &wf.Steps[dueSteps[k]]) == "" {
				chosen = append(chosen, k)
			} else {
				dec.skipped = append(dec.skipped, dueSteps[k])
			}
		}
	}
	if cs.partial {
		return decision{}, true // due: the customer's planning builds it
	}
	var stepsBuf [8]int
	var datesBuf [8]date.Date
	steps, dates := stepsBuf[:0], datesBuf[:0]
	for _, k := range chosen {
		if left >= 0 && wf.Steps[dueSteps[k]].Action.IsNotice() {
			if left == 0 {
				// SendAllMissed would pass the maximum: the rest waits
				// (and, the maximum reached, only non-notice steps follow).
				if ex != nil {
					ex.Steps[dueSteps[k]].HeldBack = fmt.Sprintf("the invoice reaches its maximum of %d notices in this cycle", wf.MaxNotices)
				}
				continue
			}
			left--
		}
		steps, dates = append(steps, dueSteps[k]), append(dates, dd[k])
	}
	dec.steps, dec.dates = pl.keepSteps(steps, dates)
	switch {
	case escalate:
		dec.reason = fmt.Sprintf("the promise to pay %s by %s was broken: escalating to %q at once", inv.Promise.Amount.String(), inv.Promise.PayBy, wf.Steps[dueSteps[0]].Name)
		if len(inv.Promise.Parts) > 0 {
			dec.reason = fmt.Sprintf("the payment plan was broken (%s): escalating to %q at once", pl.planParts(inv, asOf), wf.Steps[dueSteps[0]].Name)
		}
	default:
		s := wf.Steps[dec.steps[len(dec.steps)-1]]
		dec.reason = stepReason(inv, pl.places(inv.Currency), open, s.Name, wf.Name, dec.dates[len(dec.dates)-1])
		if len(dec.skipped) > 0 {
			dec.reason += fmt.Sprintf("; %d earlier step(s) passed over (catch-up: %s)", len(dec.skipped), wf.catchUp())
		}
		if blocked != "" {
			dec.reason += "; " + blocked
		}
		if ps == PromiseBroken {
			dec.reason += "; the promise to pay was broken"
			if len(inv.Promise.Parts) > 0 {
				dec.reason = strings.TrimSuffix(dec.reason, "the promise to pay was broken") + "the payment plan was broken (" + pl.planParts(inv, asOf) + ")"
			}
		}
	}
	if ex != nil {
		ex.Reason = dec.reason
	}
	return dec, true
}

// keepSteps returns copies of a decision's steps and dates, each capped,
// cut from the planner's scratch: a decision lives only while its customer
// is planned (customer empties the scratch for the next one), and its
// slices are never appended to, so one customer's decisions share two
// arrays instead of allocating two slices each.
func (pl *planner) keepSteps(steps []int, dates []date.Date) ([]int, []date.Date) {
	if len(steps) == 0 {
		return nil, nil
	}
	i := len(pl.stepBuf)
	pl.stepBuf, pl.dateBuf = append(pl.stepBuf, steps...), append(pl.dateBuf, dates...)
	j := len(pl.stepBuf)
	return pl.stepBuf[i:j:j], pl.dateBuf[i:j:j]
}

// belowMinimum says why the invoice's open balance fails step s's minimum
// amount (in the invoice's currency) or minimum share of the customer's
// open items, or returns "" when both hold.
func (pl *planner) belowMinimum(cs *custState, inv *Invoice, open decimal.Decimal, s *Step) string {
	if m, ok := s.MinAmount[inv.Currency]; ok && m.Sign() > 0 && open.Cmp(m) < 0 {
		return fmt.Sprintf("the open balance %s %s is below its minimum %s %s", inv.Currency, open.String(), inv.Currency, m.String())
	}
	if s.MinShare.Sign() > 0 {
		total := pl.openItems(cs, inv.Currency)
		if total.Sign() > 0 && open.Cmp(total.Mul(s.MinShare)) < 0 {
			return fmt.Sprintf("the open balance %s is below %s of the customer's open items %s", open.String(), s.MinShare.String(), total.String())
		}
	}
	return ""
}

func stepOfKey(key string, wf *Workflow) string {
	parts := strings.Split(key, "/")
	for i, p := range parts {
		if u, err := url.PathUnescape(p); err == nil && u == wf.Name && i+1 < len(parts) {
			s, _ := url.PathUnescape(parts[i+1])
			return s
		}
	}
	return ""
}

func holdText(who string, h *Hold) string {
	s := who + " since " + h.Since.String()
	if h.Until != 0 {
		s += " until " + h.Until.String()
	}
	if h.Reason != "" {
		s += " (" + h.Reason + ")"
	}
	return s
}

func esc(s string) string { return url.PathEscape(s) }

// action builds the action for decisions ds: one invoice's step k, or
// (k = -1) a per-customer notice over several invoices.
func (pl *planner) action(cs *custState, ds []decision, k int) (Action, error) {
	d0 := ds[0]
	wf := d0.wf
	// The step of the action: the most advanced one among the group.
	si, sched := -1, date.Date(0)
	if k >= 0 {
		si, sched = d0.steps[k], d0.dates[k]
	} else {
		si, sched = groupStep(ds)
	}
	step := &wf.Steps[si]
	if d0.gone {
		// The bounced notice's step is no longer in the workflow: only its
		// name is known (from the key), not its OnBounce, so a collector
		// task (the default OnBounce) replaces the notice.
		step, si = &Step{Name: stepOfKey(d0.fallback, &Workflow{Name: d0.prog.Workflow}), Action: Task}, -1
	}
	// Most overdue first.
	slices.SortStableFunc(ds, func(a, b decision) int {
		if a.inv.Due != b.inv.Due {
			return int(a.inv.Due - b.inv.Due)
		}
		return strings.Compare(a.inv.ID, b.inv.ID)
	})
	a := Action{
		Kind: step.Action, Date: cs.asOf, Scheduled: sched, CustomerID: cs.c.ID, TimeZone: cs.c.TimeZone,
		Workflow: wf.Name, Step: step.Name, StepIndex: si, Currency: d0.inv.Currency,
	}
	// Cycles and Steps share one backing array, each capped at len(ds).
	ints := carve(&pl.ints, 2*len(ds))
	a.InvoiceIDs, a.Cycles, a.Steps = carve(&pl.ids, len(ds)), ints[:0:len(ds)], ints[len(ds):len(ds):2*len(ds)]
	var reasons []string
	if len(ds) > 1 {
		reasons = make([]string, 0, len(ds))
	}
	for _, d := range ds {
		a.InvoiceIDs = append(a.InvoiceIDs, d.inv.ID)
		a.Cycles = append(a.Cycles, d.inv.Cycle)
		switch {
		case d.listOnly:
			if a.Listed == nil {
				a.Listed = make([]bool, len(ds))
			}
			a.Listed[len(a.Steps)] = true
			a.Steps = append(a.Steps, d.done) // listed: no step reached
		case k >= 0:
			a.Steps = append(a.Steps, d.steps[k])
		default:
			a.Steps = append(a.Steps, d.steps[len(d.steps)-1])
		}
		a.Open = addExact(a.Open, d.open)
		if len(ds) > 1 {
			reasons = append(reasons, d.reason)
		}
		if k <= 0 {
			for _, s := range d.skipped {
				a.Skipped = append(a.Skipped, wf.Steps[s].Name)
			}
		}
	}
	a.Reason = ds[0].reason
	if len(ds) > 1 {
		a.Reason = strings.Join(reasons, "; ")
	}
	a.Approval = step.Approval
	switch {
	case d0.fallback != "" && step.Action == Email && cs.c.retrace(step, d0.fallback):
		a.Key = d0.fallback + retraceSuffix // the same email to the next contact
		a.Fallback = true
		a.Reason += ", to the customer's next contact"
	case d0.fallback != "":
		a.Key = d0.fallback + "/fallback"
		a.Fallback = true
		a.Kind = step.OnBounce
		if a.Kind == "" {
			a.Kind = Task
			if step.Action == Retry {
				a.Kind = Email // a hard decline: the payment-update notice
			}
		}
	case d0.key != "":
		a.Key = d0.key
	case len(ds) == 1:
		a.Key = "inv/" + esc(cs.c.ID) + "/" + esc(d0.inv.ID) + "/" + esc(wf.Name) + "/" + esc(step.Name) + "/c" + strconv.Itoa(d0.inv.Cycle)
	default:
		// The hash covers each invoice and cycle, and for a listed invoice
		// the step it stands at: two notices of one step over the same
		// invoices differ in some invoice's step (every notice advances one).
		h := sha256.New()
		for i, id := range a.InvoiceIDs {
			if ds[i].listOnly {
				fmt.Fprintf(h, "%d:%s/%d@%d\n", len(id), id, a.Cycles[i], ds[i].done)
			} else {
				fmt.Fprintf(h, "%d:%s/%d\n", len(id), id, a.Cycles[i])
			}
		}
		a.Key = "cust/" + esc(cs.c.ID) + "/" + esc(wf.Name) + "/" + esc(step.Name) + "/" + string(a.Currency) + "/" + hex.EncodeToString(h.Sum(nil)[:8])
	}
	switch {
	case step.Action == SendStatement && (a.Kind == SendStatement || a.Kind == Letter): // Letter: by post (OnBounce)
		pl.statement(cs, &a, step)
	case a.Kind.IsNotice():
		if err := pl.notice(cs, ds, &a, step, si); err != nil {
			return Action{}, err
		}
	case a.Kind == Retry:
		pl.charge(cs, ds, &a, si)
	case a.Kind.IsAccount():
		pl.account(cs, ds, &a, step)
	default:
		pl.task(cs, &a, step)
	}
	return a, nil
}

func (pl *planner) task(cs *custState, a *Action, step *Step) {
	verb := map[ActionKind]string{
		Task: "Follow up with", EscalateInternal: "Escalate internally:", EscalateExternal: "Hand to collection agency:", HoldAction: "Dunning held for", Letter: "Send a letter to", Email: "Email", SMS: "Text",
	}[a.Kind]
	title := fmt.Sprintf("%s %s about %d invoice(s), %s %s open (step %s)", verb, cs.c.Name, len(a.InvoiceIDs), a.Currency, a.Open.StringFixed(pl.places(a.Currency)), step.Name)
	if a.Fallback {
		title += ": the notice could not be delivered"
	}
	a.Task = &CollectorTask{
		ID: a.Key, CustomerID: cs.c.ID, InvoiceIDs: a.InvoiceIDs, Kind: a.Kind, Title: title,
		Assignee: step.Assignee, Due: cs.asOf, Status: TaskOpen, Currency: a.Currency, Amount: a.Open,
	}
}

func (pl *planner) places(c Currency) int32 {
	if pl.placesOf == c && c != "" {
		return pl.placesU // most of a plan is in one currency
	}
	u, ok := c.MinorUnits()
	if !ok {
		return 2
	}
	pl.placesOf, pl.placesU = c, u
	return u
}

func (pl *planner) charges(inv *Invoice) *Charges {
	if inv.AgreementID != "" {
		if agr := pl.agreements[inv.AgreementID]; agr != nil && agr.Charges != nil {
			return agr.Charges
		}
	}
	return pl.policy.Charges
}

func (pl *planner) notice(cs *custState, ds []decision, a *Action, step *Step, si int) error {
	c := cs.c
	cur := a.Currency
	places := pl.places(cur)
	lang, m := pl.language(cs)
	wf := ds[0].wf
	// The slab's notice is zero (carve hands out each element once): its
	// fields are set one by one, not copied from a composite literal of a
	// kilobyte built on the stack.
	n := &carve(&pl.notices, 1)[:1][0]
	n.Key, n.Number, n.Date = a.Key, notice.NumberFor(a.Key), cs.asOf
	n.Stage, n.Channel, n.Language = wf.stage(si), a.Kind.Channel(), lang
	n.Workflow, n.Step, n.Templates = a.Workflow, step.Name, m.Templates
	n.Creditor = pl.policy.Creditor
	n.Debtor = notice.Party{Name: c.Name, Reference: c.ID, Kind: c.kind(), Country: c.Country}
	n.Currency, n.MinorUnits, n.Law = string(cur), places, pl.lawOf(ds[0].inv)
	n.Link = strings.ReplaceAll(pl.policy.NoticeURL, "{number}", n.Number)
	if step.Template != "" {
		n.Step = step.Template
	}
	if v := step.VariantFor(a.Workflow, c.ID); v != "" && a.Kind == step.Action {
		n.Step, a.Variant = v, v
	}
	if pc, cc, ok := pl.addressees(cs, step, n.Channel, retraceDepth(a.Key)); ok {
		n.Debtor.Email, n.Debtor.Phone, n.Debtor.Address = pc.Email, pc.Phone, pc.Address
		for _, k := range cc {
			n.Cc = append(n.Cc, notice.Party{Name: k.Name, Email: k.Email})
		}
	}
	// What the workflow does next if this notice goes unanswered: the
	// first step after this one that the customer meets, past the steps
	// they do not: the notice steps held back where this notice is the
	// last one every invoice of it may get (Workflow.MaxNotices),
	// statements of account (a statement demands nothing and sets no day
	// to pay by, so it is no consequence to announce), internal
	// escalations (someone inside the creditor takes the case over) and
	// payment retries (an attempt to collect, not a consequence: if it
	// fails, the steps after it follow). A hard decline passes an invoice
	// over the rest of its workflow's retry steps to the last one
	// (settleCharge), so on a retry's fallback (the payment-update notice)
	// the look starts after the last retry, and a step found before a
	// retry still to come is announced to no one: a hard decline there
	// would pass over it. Where the step found is no consequence the
	// customer can be told of (a hold, a write-off, marking the invoice
	// uncollectible: each ends dunning quietly), Next says nothing.
	last := wf.MaxNotices > 0 && !slices.ContainsFunc(ds, func(d decision) bool {
		c := 0
		if d.prog.Cycle == d.inv.Cycle {
			c = d.prog.count()
		}
		return c+1 < wf.MaxNotices
	})
	from, retryTo := si+1, -1
	if wf.Steps[si].Action == Retry {
		from = max(si, lastRetry(wf)) + 1
	}
	for j := from; j < len(wf.Steps); j++ {
		st := &wf.Steps[j]
		k := st.Action
		if k == Retry {
			retryTo = lastRetry(wf)
		}
		if (last && k.IsNotice()) || k == SendStatement || k == EscalateInternal || k == Retry {
			continue
		}
		if j < retryTo {
			break // a hard decline of a retry before it would pass it over
		}
		switch {
		case k.IsNotice():
			n.Next = notice.Next{Kind: notice.NextNotice, Stage: wf.stage(j)}
		case k == Task:
			n.Next = notice.Next{Kind: notice.NextContact}
		case k == EscalateExternal || k == HandOver:
			n.Next = notice.Next{Kind: notice.NextCollection}
		case k == Suspend:
			if bs, ok := wf.State(st.State); ok && bs.DisableEntitlements {
				n.Next = notice.Next{Kind: notice.NextSuspend}
			} else if ok && bs.Blocked() {
				n.Next = notice.Next{Kind: notice.NextRestrict}
			}
		case k == CancelSubscription:
			n.Next = notice.Next{Kind: notice.NextCancel}
		}
		break
	}
	var agr *Agreement
	// The opens of the step fee and the invoice numbers of the payment
	// reference: on the stack for a notice of a few invoices.
	var opensBuf [4]decimal.Decimal
	var numbersBuf [4]string
	opens, numbers := opensBuf[:0], numbersBuf[:0]
	n.Lines = carve(&pl.lines, len(ds))
	for _, d := range ds {
		inv := d.inv
		if agr == nil && inv.AgreementID != "" {
			agr = pl.agreements[inv.AgreementID]
		}
		var desc string
		switch len(inv.Lines) {
		case 0:
		case 1:
			desc = inv.Lines[0].Description // what strings.Join gives, without the slice
		default:
			ds := make([]string, 0, len(inv.Lines))
			for _, l := range inv.Lines {
				ds = append(ds, l.Description)
			}
			desc = strings.Join(ds, "; ")
		}
		// The history of this invoice's cycle only; the last notice of a
		// fallback never reached the customer, so it is not claimed.
		prog := d.prog
		if prog.Cycle != inv.Cycle {
			prog = Progress{}
		}
		last := prog.Last
		if d.fallback != "" || prog.Bounced != "" || last >= cs.asOf {
			last = 0
		}
		ln := notice.Line{
			Number: inv.Number, IssueDate: inv.Issued, DueDate: inv.Due, Description: desc,
			Amount: inv.Amount, Open: d.open, DaysOverdue: max(0, int(cs.asOf-inv.Due)), LastNotice: last,
		}
		pl.accountLine(&ln, inv, cs.asOf)
		n.Lines = append(n.Lines, ln)
		if last != 0 && !slices.Contains(n.Earlier, last) {
			n.Earlier = append(n.Earlier, last)
		}
		if !d.listOnly {
			opens = append(opens, d.open) // a listed invoice adds no step fee
		}
		if !slices.Contains(numbers, inv.Number) { // instalments share their invoice's number
			numbers = append(numbers, inv.Number)
		}
		if prog.Fees.Sign() > 0 {
			n.Fees = append(n.Fees, notice.Charge{Label: "fees-earlier", Invoice: inv.Number, Instalment: ln.Instalment, Amount: prog.Fees})
		}
		ch := pl.charges(inv)
		if ch == nil || ch.Interest == nil {
			continue
		}
		agrGrace := 0
		if inv.AgreementID != "" {
			if ag := pl.agreements[inv.AgreementID]; ag != nil {
				agrGrace = ag.GraceDays
			}
		}
		start := inv.Due + date.Date(agrGrace)
		if _, ok := ch.Interest.For(cur); !ok && cs.asOf > start {
			pl.chargeNote(a, inv, fmt.Sprintf("no interest on invoice %s: regime %s covers %s invoices and the terms give no rate for %s", inv.Number, ch.Interest.Regime, ch.Interest.Regime.Currency(), cur))
		} else if cs.asOf > start {
			acc, err := ch.Interest.Accrue(cur, start, cs.asOf, inv.Amount, balanceHistory(inv, cs.asOf), ch.Rates)
			if err != nil {
				a.Problem = "interest on invoice " + inv.Number + ": " + err.Error()
			} else {
				// One line per period (one principal, one rate), each
				// showing how its amount follows; the notice asks for the
				// sum of the lines, and so does the action.
				dc := ch.Interest.DayCount
				if dc == "" {
					dc = charge.Actual365
				}
				for _, p := range acc.Periods {
					l := notice.Charge{Label: "interest", Invoice: inv.Number, Instalment: ln.Instalment, Principal: p.Principal, Rate: p.RatePercent,
						From: p.From, To: p.To, Days: p.Days, DayCount: string(dc), Rounding: string(ch.Interest.Rounding),
						Basis: ch.Interest.Regime.InterestBasis()}
					amt, ok := l.Expected(places)
					if !ok || !amt.IsPositive() {
						continue
					}
					l.Amount = amt
					n.Interest = append(n.Interest, l)
					a.Interest = addExact(a.Interest, amt)
				}
			}
		}
		// Once per cycle, read from this cycle's progress as the fees
		// are (a reopened invoice claims it afresh, on its first notice).
		if ch.Compensation && !prog.Compensated && ch.Interest.Regime != "" && d.inv.Due < cs.asOf {
			comp, why := pl.compensation(cs, ch.Interest.Regime, cur, d.open)
			if why != "" {
				pl.chargeNote(a, inv, "compensation omitted on invoice "+inv.Number+": "+why)
			} else if comp.IsPositive() {
				// settleCharges nets it against the reminder fees it covers.
				n.Fees = append(n.Fees, notice.Charge{Label: "compensation", Invoice: inv.Number, Instalment: ln.Instalment, Amount: comp.Amount,
					Statutory: comp.Amount, Basis: ch.Interest.Regime.CompensationBasis()})
				a.Fees = addExact(a.Fees, comp.Amount)
				a.Compensation = true
				if a.CompensationOn == nil {
					a.CompensationOn = make([]bool, len(ds))
				}
				a.CompensationOn[len(n.Lines)-1] = true // this invoice's alone
			}
		}
	}
	if ok, why := pl.applyUnapplied(cs, n, cur); !ok {
		if pl.covered == nil {
			pl.covered = map[string]string{}
		}
		pl.covered[a.Key] = why
	}
	// The step fee is booked on the first invoice not only listed; the
	// notice names it when that is not its first line.
	bi := max(0, slices.IndexFunc(ds, func(d decision) bool { return !d.listOnly }))
	feeInv, feePart := "", 0
	if bi > 0 {
		feeInv, feePart = ds[bi].inv.Number, n.Lines[bi].Instalment
	}
	if step.Fee != nil {
		fee, err := step.Fee.Compute(cur, opens)
		if err != nil {
			a.Problem = "fee of step " + step.Name + ": " + err.Error()
		} else if fee.IsPositive() {
			n.Fees = append(n.Fees, notice.Charge{Label: "fee", Invoice: feeInv, Instalment: feePart, Amount: fee.Amount})
			a.Fees = addExact(a.Fees, fee.Amount)
		}
	}
	fd := ds[bi]
	fch := pl.charges(fd.inv)
	settleCharges(n, a, fd.prog.Cycle == fd.inv.Cycle && fd.prog.Compensated &&
		fch != nil && fch.Interest != nil && fch.Interest.Regime.NetsReminderFees())
	pi := pl.policy.Payment
	if agr != nil && !agr.Payment.empty() {
		pi = agr.Payment
	}
	if agr != nil && agr.Reference != "" {
		n.Contract = notice.Contract{Reference: agr.Reference, Date: agr.Effective}
	}
	slices.Sort(n.Earlier)
	n.PayBy = payBy(n, pl.policy.payByDays(n.Stage, n.Law, n.Debtor.Kind))
	n.Payment = notice.Payment{Instructions: pi.Text, ByLanguage: pi.ByLanguage, Options: pi.Options, IBAN: pi.IBAN, BIC: pi.BIC, URL: pi.URL, Reference: notice.PaymentReference(n.Number, numbers)}
	a.Number = n.Number
	if len(n.Lines) == 1 && len(n.Fees) == 0 && len(n.Interest) == 0 && len(n.Unapplied) == 0 && n.Lines[0].Open.Exponent() == -places {
		// ComputeTotal's answer, value and exponent alike, without its
		// sums and the allocation of a new decimal: the one open balance,
		// in minor units already.
		n.Total = n.Lines[0].Open
	} else {
		n.Total = n.ComputeTotal()
	}
	a.Notice = n
	if a.Problem != "" {
		return nil
	}
	// The texts were checked where they entered (Customer, Invoice,
	// Agreement, Unapplied, Policy), so the notice is checked without
	// reading each again (FuzzPlan holds every planned notice to Validate).
	if err := n.ValidateStructure(); err != nil {
		a.Problem = err.Error()
	} else if pl.policy.CheckNotices {
		a.Problem = pl.checkNotice(n)
	}
	return nil
}

// addressees is c.Addressees for the customer cs plans, keeping the last
// answer for a step that names no roles (Step.To and Step.Cc empty): that
// answer depends on the channel and skip alone, and a customer's notices of
// one day mostly share both.
func (pl *planner) addressees(cs *custState, step *Step, ch notice.Channel, skip int) (Contact, []Contact, bool) {
	if len(step.To) > 0 || len(step.Cc) > 0 {
		return cs.c.Addressees(step, ch, skip)
	}
	ad := &cs.addr
	if !ad.set || ad.ch != ch || ad.skip != skip {
		to, cc, ok := cs.c.Addressees(step, ch, skip)
		*ad = addressed{set: true, ch: ch, skip: skip, to: to, cc: cc, ok: ok}
	}
	return ad.to, ad.cc, ad.ok
}

// addressed is the answer addressees keeps.
type addressed struct {
	set  bool
	ch   notice.Channel
	skip int
	to   Contact
	cc   []Contact
	ok   bool
}

// compensation returns the regime's fixed compensation for an invoice in
// currency cur with open balance open: in the regime's currency as the
// regime states it, or for an invoice in another currency converted into
// cur through the policy's FX at the notice day (the open balance converted
// into the regime's currency first, for the UK's tiers), rounded to cur's
// minor unit. When it cannot be given, why says so and the notice goes out
// without it.
func (pl *planner) compensation(cs *custState, r charge.Regime, cur Currency, open decimal.Decimal) (comp Money, why string) {
	rc := r.Currency()
	if cur == rc {
		m, err := r.Compensation(cur, open, cs.c.consumer())
		if err != nil {
			return Money{}, err.Error()
		}
		return m, ""
	}
	if pl.policy.FX == nil {
		return Money{}, fmt.Sprintf("regime %s grants it in %s and the policy has no FX function to give it in %s", r, rc, cur)
	}
	openRC, err := pl.policy.FX(open, cur, rc, cs.asOf)
	if err != nil {
		return Money{}, fmt.Sprintf("converting %s %s into %s: %v", cur, open.StringFixed(pl.places(cur)), rc, err)
	}
	m, err := r.Compensation(rc, openRC, cs.c.consumer())
	if err != nil {
		return Money{}, err.Error()
	}
	if !m.IsPositive() {
		return Money{Currency: cur}, ""
	}
	v, err := pl.policy.FX(m.Amount, rc, cur, cs.asOf)
	if err != nil {
		return Money{}, fmt.Sprintf("converting %s %s into %s: %v", rc, m.Amount.StringFixed(pl.places(rc)), cur, err)
	}
	if v.Sign() <= 0 {
		return Money{}, fmt.Sprintf("the FX function gave %s for %s %s", v.String(), rc, m.Amount.String())
	}
	return Money{Amount: v, Currency: cur}.Round(), ""
}

// chargeNote adds a note about a charge left off the notice to the action's
// reason and, when explaining the invoice, to the explanation.
func (pl *planner) chargeNote(a *Action, inv *Invoice, note string) {
	a.Reason += "; " + note
	if ex := pl.explaining(inv); ex != nil {
		ex.Notes = append(ex.Notes, note)
	}
}

// balanceHistory returns the invoice's open balance as steps over time, for
// interest on the open amount.
func balanceHistory(inv *Invoice, asOf date.Date) []charge.Balance {
	h := []charge.Balance{{From: inv.Issued, Amount: inv.Amount}}
	if len(inv.Payments) == 0 && len(inv.Credits) == 0 {
		return h
	}
	days := map[date.Date]bool{}
	for _, p := range inv.Payments {
		days[p.Date] = true
	}
	for _, c := range inv.Credits {
		days[c.Date] = true
	}
	ds := make([]date.Date, 0, len(days))
	for d := range days {
		if d <= asOf {
			ds = append(ds, d)
		}
	}
	slices.Sort(ds)
	for _, d := range ds {
		o := inv.Open(d)
		if o.IsNegative() {
			o = decimal.Zero
		}
		// Paid on day d: no interest for day d.
		h = append(h, charge.Balance{From: d, Amount: o})
	}
	return h
}

// Route returns the segment match that routes customer c, whose invoices are
// invs, on day asOf: the workflow, template set and language Plan will use
// for invoices that start a cycle that day. A policy with no segments and
// no workflows (which Validate refuses) routes to the default with no
// workflow named.
func (p *Policy) Route(asOf date.Date, c *Customer, invs []*Invoice) segment.Match {
	if p.Segments == nil {
		m := segment.Match{Index: -1, Default: true}
		if len(p.Workflows) > 0 {
			m.Workflow = p.Workflows[0].Name
		}
		return m
	}
	return p.Segments.Match(&subject{c: c, invs: invs, asOf: asOf})
}

// doneStep is the index of the last step of wf done for inv (-1: none),
// from its progress. After a switch of workflow mid-cycle, the new
// workflow's steps dated on or before the last notice count as done.
func (pl *planner) doneStep(wf *Workflow, inv *Invoice, agr *Agreement, prog Progress, has bool) int {
	done := -1
	if !has {
		return done
	}
	if prog.Workflow == wf.Name {
		// Past the end: the workflow lost steps since, every one is done.
		// Below -1 (corrupt, rejected by invoice): none.
		return max(min(prog.Step, len(wf.Steps)-1), -1)
	}
	for i := range wf.Steps {
		if d, _, ok := pl.stepDate(wf, i, inv, agr); ok && d <= prog.Last {
			done = i
		}
	}
	return done
}
