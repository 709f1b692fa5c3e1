package dunning

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
)

// Blocking states, after Kill Bill's overdue states. A workflow's Suspend
// step moves the customer's account into a named state whose flags the app
// reads (and enforces: dunning only reports them); the state holds until
// the invoice that caused it is paid, its promise to pay is kept, or it is
// put on hold, and then Plan emits a Resume action. A CancelSubscription
// step moves the account into the final "cancelled" state, which nothing
// lifts. The state is kept per invoice in its Progress (Progress.Block,
// set and cleared by the records of those actions in Advance), so
// AccountStates derives each customer's state from the History and the day
// alone.

// BlockingState is a named account state with the restrictions it puts on
// the customer's service.
type BlockingState struct {
	Name string `json:"name"`
	// BlockChanges: no plan changes (upgrades, downgrades, add-ons).
	BlockChanges bool `json:"block_changes,omitempty"`
	// BlockNewOrders: no new orders or subscriptions (credit hold).
	BlockNewOrders bool `json:"block_new_orders,omitempty"`
	// DisableEntitlements: the service itself is switched off.
	DisableEntitlements bool `json:"disable_entitlements,omitempty"`
}

// Blocked reports whether the state restricts anything.
func (s BlockingState) Blocked() bool {
	return s.BlockChanges || s.BlockNewOrders || s.DisableEntitlements
}

func (s BlockingState) flags() int {
	n := 0
	for _, b := range []bool{s.BlockChanges, s.BlockNewOrders, s.DisableEntitlements} {
		if b {
			n++
		}
	}
	return n
}

// The built-in states.
var (
	// Active is good standing: no restriction.
	Active = BlockingState{Name: "active"}
	// Suspended blocks changes and new orders and disables entitlements.
	Suspended = BlockingState{Name: "suspended", BlockChanges: true, BlockNewOrders: true, DisableEntitlements: true}
	// CreditHold stops supplying the customer (no new orders, no changes)
	// until the overdue items are paid; the running service goes on.
	CreditHold = BlockingState{Name: "credit-hold", BlockChanges: true, BlockNewOrders: true}
	// Cancelled is where a CancelSubscription step leaves the account: every
	// flag set, and never resumed by dunning.
	Cancelled = BlockingState{Name: "cancelled", BlockChanges: true, BlockNewOrders: true, DisableEntitlements: true}
)

// BuiltinStates returns the states every workflow knows: suspended and
// credit-hold (a Suspend step may name them) and cancelled.
func BuiltinStates() []BlockingState { return []BlockingState{Suspended, CreditHold, Cancelled} }

// State returns the named state: one of the workflow's States, else a
// built-in one.
func (w *Workflow) State(name string) (BlockingState, bool) {
	for _, s := range w.States {
		if s.Name == name {
			return s, true
		}
	}
	for _, s := range BuiltinStates() {
		if s.Name == name {
			return s, true
		}
	}
	return BlockingState{}, false
}

func (w *Workflow) checkStates(path string) error {
	seen := map[string]bool{}
	for i, s := range w.States {
		p := fmt.Sprintf("%s.states[%d].name", path, i)
		switch {
		case s.Name == "":
			return &FieldError{Field: p, Value: "", Reason: "must not be empty"}
		case s.Name == Active.Name || s.Name == Cancelled.Name:
			return &FieldError{Field: p, Value: s.Name, Reason: "is a built-in state that a workflow cannot redefine"}
		case seen[s.Name]:
			return &FieldError{Field: p, Value: s.Name, Reason: "is used by an earlier state"}
		case !s.Blocked():
			return &FieldError{Field: fmt.Sprintf("%s.states[%d]", path, i), Value: s.Name, Reason: "sets no flag (block_changes, block_new_orders, disable_entitlements)"}
		}
		seen[s.Name] = true
	}
	return nil
}

func (w *Workflow) checkState(p string, s *Step) error {
	switch {
	case s.Action == Suspend && s.State == "":
		return &FieldError{Field: p + ".state", Value: "", Reason: "a suspend step names the blocking state it moves the account into"}
	case s.Action == Suspend:
		if st, ok := w.State(s.State); !ok || st.Name == Cancelled.Name {
			return &FieldError{Field: p + ".state", Value: s.State, Reason: "names no state of the workflow nor a built-in one (suspended, credit-hold)"}
		}
	case s.State != "":
		return &FieldError{Field: p + ".state", Value: s.State, Reason: "only a suspend step names a state"}
	}
	return nil
}

// Block is the blocking state an invoice's dunning put the account in, as
// its Progress keeps it: set when a Suspend or CancelSubscription record
// is completed, cleared by a Resume record.
type Block struct {
	// Key is the action that set it; Step its step (whose Step.State names
	// the state).
	Key   string    `json:"key"`
	Step  string    `json:"step"`
	Since date.Date `json:"since"`
	// Final marks a cancellation: nothing lifts it.
	Final bool `json:"final,omitempty"`
}

// carriedBlock returns the block a new cycle of invoice id keeps: a block
// holds until a Resume record lifts it, whatever cycle the invoice is in,
// since the app's account stays blocked until then.
func carriedBlock(p *Progress, id string) *Block {
	if p.InvoiceID != id {
		return nil
	}
	return p.Block
}

// applyBlock updates the invoice's Block from a completed record (called
// by Advance): a Suspend or CancelSubscription that was carried out sets
// it, a Resume clears it.
func applyBlock(p *Progress, rec Record) {
	if rec.Outcome == Failed {
		return
	}
	switch rec.Kind {
	case Suspend, CancelSubscription:
		if p.Block == nil || !p.Block.Final {
			p.Block = &Block{Key: rec.Key, Step: rec.Step, Since: rec.Date, Final: rec.Kind == CancelSubscription}
		}
	case Resume:
		if p.Block != nil && !p.Block.Final && rec.Date >= p.Block.Since {
			p.Block = nil
		}
	}
}

// AccountHook carries out account actions in the app: Suspend and Resume
// (set or lift a BlockingState), and the ends of dunning
// (CancelSubscription, MarkUncollectible, WriteOff, HandOver). The key is
// the action's idempotency key: the same key may come again after a crash
// between Apply and the record, so applying one key twice must do what
// applying it once does (set a state, cancel a subscription that is
// already cancelled: no-ops).
//
// Errors follow the Sender's rules: nil when done; wrapping ErrPermanent
// when it can never be done (the step counts as done and its OnBounce
// fallback, a collector task, is planned); wrapping ErrSenderSetup when the
// hook cannot work at all (the run stops); anything else is transient (the
// action is released and tried again later).
type AccountHook interface {
	Apply(ctx context.Context, key string, c AccountChange) error
}

// AccountHookFunc adapts a function to AccountHook.
type AccountHookFunc func(ctx context.Context, key string, c AccountChange) error

// Apply implements AccountHook.
func (f AccountHookFunc) Apply(ctx context.Context, key string, c AccountChange) error {
	return f(ctx, key, c)
}

// AccountChange is what an account action asks the app to do.
type AccountChange struct {
	Kind       ActionKind `json:"kind"`
	CustomerID string     `json:"customer_id"`
	// InvoiceIDs are the invoices the action is about: the overdue invoice
	// of a suspend or end step, every invoice whose block a resume lifts.
	InvoiceIDs []string `json:"invoice_ids"`
	// State is the state a Suspend enters or a Resume lifts (after it the
	// account is Active); Cancelled for CancelSubscription; zero otherwise.
	State BlockingState `json:"state,omitzero"`
	// Currency and Amount are the open balance concerned.
	Currency Currency        `json:"currency"`
	Amount   decimal.Decimal `json:"amount"`
	// Date is the planning day; Reason says why in words.
	Date   date.Date `json:"date"`
	Reason string    `json:"reason"`
}

// AccountState is a customer's blocking state on a day, with its reason.
type AccountState struct {
	CustomerID string `json:"customer_id"`
	// State is Active when no Suspend or cancel step holds; otherwise the
	// state of the most restrictive block (most flags, then the latest),
	// with the flags of every block the customer is under.
	State BlockingState `json:"state"`
	// Since is the day the state was entered (zero for Active).
	Since date.Date `json:"since,omitzero"`
	// InvoiceIDs are the invoices whose dunning holds the state.
	InvoiceIDs []string `json:"invoice_ids,omitempty"`
	Reason     string   `json:"reason"`
	// Resume, when not empty, says why the state is to be lifted on this
	// day: Plan emits the Resume action.
	Resume string `json:"resume,omitempty"`
}

// blocked is one invoice holding a block on a day.
type blocked struct {
	inv    *Invoice
	prog   Progress
	wf     *Workflow
	state  BlockingState
	resume string // why the block is to be lifted ("" : it holds)
}

// accountOf returns the customer's state on day asOf from the History: the
// invoices whose current cycle holds a block, the state they put the
// account in, and whether they are to be resumed.
func accountOf(asOf date.Date, policy *Policy, h History, c *Customer, invs []*Invoice) (AccountState, []blocked) {
	st := AccountState{CustomerID: c.ID, State: Active}
	if h == nil {
		st.Reason = "in good standing: no block holds"
		return st, nil
	}
	var bs []blocked
	for _, inv := range invs {
		p, ok := h.Progress(inv.ID)
		if !ok || p.Block == nil {
			continue // a block of an earlier cycle holds too (carriedBlock)
		}
		b := blocked{inv: inv, prog: p}
		b.wf, _ = policy.Workflow(p.Workflow)
		switch {
		case p.Block.Final:
			b.state = Cancelled
		case b.wf != nil:
			if i := b.wf.StepIndex(p.Block.Step); i >= 0 {
				b.state, _ = b.wf.State(b.wf.Steps[i].State)
			}
		}
		if b.state.Name == "" {
			b.state = Suspended // the workflow changed under it: the safe side
		}
		if !p.Block.Final {
			b.resume = resumeReason(asOf, c, inv)
		}
		bs = append(bs, b)
	}
	if len(bs) == 0 {
		st.Reason = "in good standing: no block holds"
		return st, nil
	}
	top := 0
	for i, b := range bs {
		t := bs[top]
		if b.prog.Block.Final && !t.prog.Block.Final || b.prog.Block.Final == t.prog.Block.Final &&
			(b.state.flags() > t.state.flags() || b.state.flags() == t.state.flags() && b.prog.Block.Since > t.prog.Block.Since) {
			top = i
		}
	}
	st.State, st.Since = bs[top].state, bs[top].prog.Block.Since
	var why, resume []string
	allResume := true
	for _, b := range bs {
		st.State.BlockChanges = st.State.BlockChanges || b.state.BlockChanges
		st.State.BlockNewOrders = st.State.BlockNewOrders || b.state.BlockNewOrders
		st.State.DisableEntitlements = st.State.DisableEntitlements || b.state.DisableEntitlements
		st.InvoiceIDs = append(st.InvoiceIDs, b.inv.ID)
		verb := "moved the account to " + b.state.Name
		if b.prog.Block.Final {
			verb = "cancelled the subscription"
		}
		why = append(why, fmt.Sprintf("invoice %s (due %s) %s on %s", b.inv.Number, b.inv.Due, verb, b.prog.Block.Since))
		if b.resume == "" {
			allResume = false
		} else {
			resume = append(resume, "invoice "+b.inv.Number+" "+b.resume)
		}
	}
	st.Reason = strings.Join(why, "; ")
	if allResume {
		st.Resume = strings.Join(resume, "; ")
	}
	return st, bs
}

// resumeReason says why an invoice's block is to be lifted on day asOf, or
// returns "" while it holds.
func resumeReason(asOf date.Date, c *Customer, inv *Invoice) string {
	switch {
	case inv.Open(asOf).Sign() <= 0:
		if d, ok := inv.PaidOn(asOf); ok {
			return "was paid on " + d.String()
		}
		return "was paid"
	case inv.PromiseOn(asOf) == PromiseKept:
		return "had its promise to pay kept"
	case inv.Hold.ActiveOn(asOf):
		return holdText("is on hold", inv.Hold)
	case c.Hold.ActiveOn(asOf):
		return holdText("has its customer on hold", c.Hold)
	}
	return ""
}

// AccountStates returns every customer's blocking state on day asOf,
// ordered by customer ID: pure, from the portfolio's invoices and History
// (the blocks its Suspend, cancel and Resume records left) and the day.
// Only invoices in the portfolio are seen: keep an invoice that holds a
// block (AccountState.InvoiceIDs) in the portfolio after it is paid, until
// its Resume is recorded, or the account is never resumed.
// A customer whose blocks are all due to be lifted has Resume set; the
// next plan carries that out as a Resume action, after whose record the
// customer is Active.
func AccountStates(asOf date.Date, policy *Policy, p Portfolio) ([]AccountState, error) {
	if policy == nil {
		return nil, &FieldError{Field: "policy", Value: "nil", Reason: "a policy is required"}
	}
	policy, err := policy.ready()
	if err != nil {
		return nil, err
	}
	byCust := map[string][]*Invoice{}
	for i := range p.Invoices {
		byCust[p.Invoices[i].CustomerID] = append(byCust[p.Invoices[i].CustomerID], &p.Invoices[i])
	}
	out := make([]AccountState, 0, len(p.Customers))
	for i := range p.Customers {
		c := &p.Customers[i]
		st, _ := accountOf(asOf, policy, p.History, c, byCust[c.ID])
		out = append(out, st)
	}
	slices.SortFunc(out, func(a, b AccountState) int { return strings.Compare(a.CustomerID, b.CustomerID) })
	return out, nil
}

// resumes appends the customer's Resume action when every block it is
// under is to be lifted today. One block's key names a one-invoice resume
// ("resume/" + the suspending key); several are lifted together under a
// key naming the customer and a hash of the suspending keys.
func (pl *planner) resumes(cs *custState, actions []Action) []Action {
	if pl.p.History == nil {
		return actions
	}
	st, bs := accountOf(cs.asOf, pl.policy, pl.p.History, cs.c, cs.invs)
	if st.Resume == "" || len(bs) == 0 {
		return actions
	}
	b0 := bs[0]
	a := Action{
		Kind: Resume, Date: cs.asOf, Scheduled: cs.asOf, CustomerID: cs.c.ID, TimeZone: cs.c.TimeZone,
		Workflow: b0.prog.Workflow, Step: b0.prog.Block.Step, StepIndex: -1, Currency: b0.inv.Currency,
		Reason: "lifting " + st.State.Name + ": " + st.Resume,
	}
	if b0.wf != nil {
		a.StepIndex = b0.wf.StepIndex(b0.prog.Block.Step)
	}
	keys := make([]string, 0, len(bs))
	for _, b := range bs {
		a.InvoiceIDs = append(a.InvoiceIDs, b.inv.ID)
		a.Cycles = append(a.Cycles, b.inv.Cycle)
		keys = append(keys, b.prog.Block.Key)
	}
	if len(bs) == 1 {
		a.Key = "resume/" + b0.prog.Block.Key
	} else {
		slices.Sort(keys)
		a.Key = "resume/cust/" + esc(cs.c.ID) + "/" + strconv.Itoa(len(keys)) + "/" + shortHash(keys)
	}
	a.Account = &AccountChange{
		Kind: Resume, CustomerID: cs.c.ID, InvoiceIDs: a.InvoiceIDs, State: st.State,
		Currency: a.Currency, Amount: decimal.Zero, Date: cs.asOf, Reason: a.Reason,
	}
	return append(actions, a)
}

// holdBlocks drops from due the Suspend and cancel steps of invoices whose
// promise to pay was kept: a kept promise lifts a block, so none is set
// while it stands (the step stays pending until the invoice is paid or the
// app starts a new cycle). Paid and held invoices have no step due anyway.
// The steps after a held one (SendAllMissed) wait behind it, as they do
// when it is the decision's first step: the Runner would record the
// invoice past the held step.
func (pl *planner) holdBlocks(cs *custState, due []decision) []decision {
	held := func(d *decision) int {
		if d.fallback != "" || d.inv.Promise == nil || d.inv.PromiseOn(cs.asOf) != PromiseKept {
			return -1
		}
		return slices.IndexFunc(d.steps, func(s int) bool {
			k := d.wf.Steps[s].Action
			return k == Suspend || k == CancelSubscription
		})
	}
	if !slices.ContainsFunc(due, func(d decision) bool { return held(&d) >= 0 }) {
		return due
	}
	var kept []decision
	for i := range due {
		d := &due[i]
		n := held(d)
		if n < 0 {
			kept = append(kept, *d)
			continue
		}
		pl.note(d.inv, fmt.Sprintf("step %q is due but the promise to pay was kept: no block is set while it stands", d.wf.Steps[d.steps[n]].Name))
		if n > 0 {
			pl.cut(d, n)
			kept = append(kept, *d)
		}
	}
	return kept
}

// account fills the account change of a Suspend or end-of-dunning action.
func (pl *planner) account(cs *custState, ds []decision, a *Action, step *Step) {
	d := ds[0]
	c := &AccountChange{
		Kind: a.Kind, CustomerID: cs.c.ID, InvoiceIDs: a.InvoiceIDs, Currency: a.Currency, Amount: a.Open,
		Date: cs.asOf, Reason: a.Reason,
	}
	switch a.Kind {
	case Suspend:
		c.State, _ = d.wf.State(step.State)
	case CancelSubscription:
		c.State = Cancelled
	}
	a.Account = c
}
