package dunning

import (
	"fmt"
	"maps"
	"slices"

	"github.com/overduehq/overdue/dunning/charge"
	"github.com/overduehq/overdue/notice"
	"github.com/overduehq/overdue/schedule"
	"github.com/shopspring/decimal"
)

// ActionKind is what a workflow step does.
type ActionKind string

const (
	// Email sends a notice by email.
	Email ActionKind = "email"
	// Letter sends a notice by post (the app's letter sender prints it).
	Letter ActionKind = "letter"
	// SMS sends a short notice by text message.
	SMS ActionKind = "sms"
	// EscalateInternal hands the case to someone in the company (a task).
	EscalateInternal ActionKind = "escalate-internal"
	// EscalateExternal hands the case to a collection agency or lawyer (a task).
	EscalateExternal ActionKind = "escalate-external"
	// Task creates a task for a collector (call the customer, say).
	Task ActionKind = "task"
	// HoldAction stops automated dunning of the invoice at this step; only a
	// new cycle (Invoice.Cycle) starts it again.
	HoldAction ActionKind = "hold"
	// SendStatement sends the customer a statement of account by email (by
	// letter when it replaces a bounced one, OnBounce "letter")
	// (notice.Statement, in a Notice's Statement field) through the Sender,
	// like a notice: one per customer, workflow, currency and day, covering
	// every item of the customer in that currency, over the period the
	// step's LookbackDays gives (see statement.go).
	SendStatement ActionKind = "statement"

	// CancelTask is no step's action: Plan emits it to cancel an open
	// collector task whose invoices are all settled, or a DataFix task
	// whose data was fixed. Its Task is the task with status cancelled
	// and CancelReason set; the Runner saves it.
	CancelTask ActionKind = "cancel-task"
	// DataFix is no step's action: Plan emits it, once per action that
	// carries a Problem (no invoice lines, no contact, ...), to open a
	// collector task to fix the data. Its key is "fix/" + the action's key.
	DataFix ActionKind = "fix-data"

	// Subscription dunning (collect.go, blocking.go): actions the Runner
	// carries out through the app's Collector or AccountHook.

	// Retry charges the invoice's open balance again through the
	// Runner's Collector, with the action's key as idempotency key.
	Retry ActionKind = "retry"
	// Suspend moves the customer's account into the step's blocking state
	// (Step.State), through the Runner's AccountHook.
	Suspend ActionKind = "suspend"
	// Resume is no step's action: Plan emits it to lift a blocking state
	// once the invoice that caused it is paid, its promise to pay kept, or
	// it is on hold. Its key is "resume/" + the suspending action's key.
	Resume ActionKind = "resume"
	// CancelSubscription ends the customer's subscription (end of dunning).
	CancelSubscription ActionKind = "cancel"
	// MarkUncollectible marks the invoice uncollectible (end of dunning).
	MarkUncollectible ActionKind = "uncollectible"
	// WriteOff writes the invoice off (end of dunning).
	WriteOff ActionKind = "write-off"
	// HandOver hands the invoice to a collection agency through the hook
	// (end of dunning; EscalateExternal opens a task for a person instead).
	HandOver ActionKind = "hand-over"
)

// IsNotice reports whether the kind sends a notice to the customer.
func (k ActionKind) IsNotice() bool { return k == Email || k == Letter || k == SMS }

// SendsNotice reports whether the Runner carries the kind out by sending
// a notice through its Sender: a dunning notice (IsNotice) or a statement
// of account (SendStatement).
func (k ActionKind) SendsNotice() bool { return k.IsNotice() || k == SendStatement }

// IsAccount reports whether the kind is carried out through the Runner's
// AccountHook: a blocking state change or an end of dunning.
func (k ActionKind) IsAccount() bool {
	switch k {
	case Suspend, Resume, CancelSubscription, MarkUncollectible, WriteOff, HandOver:
		return true
	}
	return false
}

// IsEnd reports whether the kind ends dunning: cancel, uncollectible,
// write-off or hand-over.
func (k ActionKind) IsEnd() bool {
	return k == CancelSubscription || k == MarkUncollectible || k == WriteOff || k == HandOver
}

// Channel maps a notice kind to the notice channel.
func (k ActionKind) Channel() notice.Channel {
	switch k {
	case Letter:
		return notice.Letter
	case SMS:
		return notice.SMS
	}
	return notice.Email
}

func (k ActionKind) valid() bool {
	switch k {
	case Email, Letter, SMS, EscalateInternal, EscalateExternal, Task, HoldAction, SendStatement,
		Retry, Suspend, CancelSubscription, MarkUncollectible, WriteOff, HandOver:
		return true
	}
	return false
}

// Grouping says how many invoices one notice covers.
type Grouping string

const (
	// PerInvoice: one notice per invoice and step.
	PerInvoice Grouping = "invoice"
	// PerCustomer: one notice per customer, workflow, currency and day,
	// sent when a step of one of the customer's invoices is due, listing
	// those invoices and every other overdue invoice of the customer in that
	// workflow and currency (each with its own days overdue); the notice
	// takes the stage of the most advanced step due in it. An invoice listed
	// without a step of its own due (Action.Listed) stays at its step, is
	// charged no step fee (its interest and statutory compensation are
	// shown as on any notice), counts as notified that day for the gaps and
	// maxima, and enters the key's hash with its step, so a later notice
	// over the same invoices has another key. Paused invoices (disputed,
	// held, promised, written off, in litigation) and those at their
	// Workflow.MaxNotices are not listed. A final notice or a letter before
	// action claims only what is overdue: an invoice not yet overdue whose
	// step falls on the same day gets a notice of its own beside it.
	PerCustomer Grouping = "customer"
)

// CatchUp says what happens when several steps of one invoice are due at
// once (the library was switched on late, a run was missed, a dispute or a
// hold ended). The incumbents disagree, so it is a setting.
type CatchUp string

const (
	// Progressive sends the next step only, one level per run, never
	// skipping a level (Odoo, OCA, SAP S/4HANA).
	Progressive CatchUp = "progressive"
	// HighestOnly jumps to the most severe step that is due and passes over
	// the ones before it (Kill Bill).
	HighestOnly CatchUp = "highest-only"
	// SendAllMissed sends every missed step, each as its own action. In a
	// per-customer workflow an invoice's missed notice steps go on the
	// customer's notice of the day (at the last of them) and its statement
	// steps on the customer's statement, beside its other steps' actions;
	// a step that would come before the notice or statement carrying an
	// earlier step of the invoice waits for the next run, so an invoice's
	// steps are always carried out in their order.
	SendAllMissed CatchUp = "send-all-missed"
)

// BrokenPromise says what a broken promise to pay does.
type BrokenPromise string

const (
	// ResumeOnBroken resumes the workflow where it stood.
	ResumeOnBroken BrokenPromise = "resume"
	// EscalateOnBroken sends the next step at once, without waiting for its
	// date or the minimum gap: once per break (a promise broken by its date
	// and then by a Broken event breaks once). The first step the invoice
	// does from the break's first day on is the escalation, whatever it is
	// (a notice, a task, a notice that fails for good, Progress.StepOn);
	// the steps after it keep their dates.
	EscalateOnBroken BrokenPromise = "escalate"
)

// Step is one step of a workflow: when, what, and under which conditions.
type Step struct {
	// Name identifies the step in keys, the ledger and templates; unique in
	// its workflow.
	Name string `json:"name"`
	// At is the step's date as an offset from an invoice date ("due+14"),
	// from the previous step's date ("previous+10"), or either moved to the
	// end of its month ("eom(due+30)").
	At     schedule.Offset `json:"at"`
	Action ActionKind      `json:"action"`
	// Stage sets the notice's tone and legal weight; zero derives it from the
	// step's position (before due: friendly reminder; the last notice step:
	// final notice; else overdue notice).
	Stage notice.Stage `json:"stage,omitempty"`
	// Template names a template variant for this step ("" = the step name).
	Template string `json:"template,omitempty"`
	// MinAmount is the least open balance, per currency, the invoice must
	// have for the step to act ({"EUR": "50", "JPY": "8000"}). An invoice in
	// a currency the map does not name has no minimum at this step: amounts
	// in different currencies are never compared.
	MinAmount map[Currency]decimal.Decimal `json:"min_amount,omitempty"`
	// MinShare: the invoice's open balance must be at least this share
	// (0..1) of the customer's open items in that currency (SAP's minimum
	// percentage).
	MinShare decimal.Decimal `json:"min_share,omitzero"`
	// Fee is charged with this step's notice (nil: none).
	Fee *charge.Fee `json:"fee,omitempty"`
	// Assignee gets the task of a task or escalation step.
	Assignee string `json:"assignee,omitempty"`
	// OnBounce is what replaces a notice that bounced or failed for good: a
	// letter, or a collector task. Empty means Task, except for a Retry
	// step: a hard decline is replaced by the payment-update email
	// (notice.PaymentUpdate) unless OnBounce names another kind. An email
	// that bounced is first sent to the customer's next contact, if it has
	// one (see Customer.Addressees); OnBounce follows when no contact is
	// left.
	OnBounce ActionKind `json:"on_bounce,omitempty"`
	// State names the blocking state a Suspend step moves the account into:
	// one of the workflow's States or a built-in one ("suspended",
	// "credit-hold").
	State string `json:"state,omitempty"`
	// To lists the contact roles the step's notice goes to, in order of
	// preference ("escalation" on a late step, say); empty means
	// DefaultRoles. Cc lists the roles of contacts an email is copied to
	// ("account-manager" on the final notice).
	To []string `json:"to,omitempty"`
	Cc []string `json:"cc,omitempty"`
	// Approval makes the runner send the step's actions only once a review
	// approves each (ReviewLog); until then they are reported
	// StatusAwaitingApproval (a letter before action, say).
	Approval bool `json:"approval,omitempty"`
	// Variants, when set (two or more), run a template experiment: each
	// customer's notices of the step render with one variant's template
	// (VariantFor), recorded as Record.Variant for metrics.Performance.
	Variants []Variant `json:"variants,omitempty"`
	// LookbackDays, on a statement step only, is how many days up to the
	// planning day the statement of account covers (From = day -
	// LookbackDays + 1); 0 covers the days since the earliest issue date of
	// the customer's items open that day, so every open item's invoice is
	// an entry of the statement.
	LookbackDays int `json:"lookback_days,omitempty"`
}

// Workflow is a dunning timeline: ordered steps and the rules for running
// them.
type Workflow struct {
	Name     string   `json:"name"`
	Steps    []Step   `json:"steps"`
	Grouping Grouping `json:"grouping,omitempty"` // default PerInvoice
	CatchUp  CatchUp  `json:"catch_up,omitempty"` // default Progressive
	// MinGapDays is the least number of days between two notices of one
	// invoice (not applied between the steps SendAllMissed catches up on);
	// a notice that failed for good or bounced starts no gap
	// (Progress.Last).
	MinGapDays int `json:"min_gap_days,omitempty"`
	// MaxNotices is the most notices one invoice receives in a cycle
	// (listed on a customer's notice or at a step of its own); once reached,
	// its notice steps are held back and only task, escalation and hold
	// steps act. 0 is no maximum.
	MaxNotices int `json:"max_notices,omitempty"`
	// Roll moves step dates that fall on non-business days of the policy's
	// calendar.
	Roll schedule.Roll `json:"roll,omitempty"`
	// OnBrokenPromise: resume (default) or escalate.
	OnBrokenPromise BrokenPromise `json:"on_broken_promise,omitempty"`
	// States are the blocking states its Suspend steps may name, beside
	// the built-in ones (BuiltinStates).
	States []BlockingState `json:"states,omitempty"`
}

func (w *Workflow) grouping() Grouping {
	if w.Grouping == "" {
		return PerInvoice
	}
	return w.Grouping
}

func (w *Workflow) catchUp() CatchUp {
	if w.CatchUp == "" {
		return Progressive
	}
	return w.CatchUp
}

// StepIndex returns the index of the named step, or -1.
func (w *Workflow) StepIndex(name string) int {
	for i := range w.Steps {
		if w.Steps[i].Name == name {
			return i
		}
	}
	return -1
}

// stage returns the notice stage of step i.
func (w *Workflow) stage(i int) notice.Stage {
	s := &w.Steps[i]
	if s.Stage != 0 {
		return s.Stage
	}
	if s.Action == Retry {
		return notice.PaymentUpdate // the notice replacing a hard decline
	}
	if !w.afterDue(i) {
		return notice.FriendlyReminder
	}
	last := -1
	for j := range w.Steps {
		if w.Steps[j].Action.IsNotice() {
			last = j
		}
	}
	if i == last {
		return notice.FinalNotice
	}
	return notice.OverdueNotice
}

// afterDue reports whether step i falls after the due date by its offset
// alone: counted from the due date (through any "previous" steps) by a
// positive number of days, or eom of at least the due date.
func (w *Workflow) afterDue(i int) bool {
	days, eom := 0, false
	for ; i >= 0; i-- {
		at := w.Steps[i].At
		days += at.Days
		eom = eom || at.EOM
		if at.Anchor != schedule.Previous {
			return at.Anchor == schedule.Due && (days > 0 || eom && days >= 0)
		}
	}
	return false
}

// Validate checks the workflow; path prefixes field names in errors.
func (w *Workflow) Validate(path string) error {
	if w.Name == "" {
		return &FieldError{Field: path + ".name", Value: "", Reason: "must not be empty"}
	}
	if len(w.Steps) == 0 {
		return &FieldError{Field: path + ".steps", Value: "[]", Reason: "a workflow needs at least one step"}
	}
	switch w.grouping() {
	case PerInvoice, PerCustomer:
	default:
		return &FieldError{Field: path + ".grouping", Value: string(w.Grouping), Reason: `want "invoice" or "customer"`}
	}
	switch w.catchUp() {
	case Progressive, HighestOnly, SendAllMissed:
	default:
		return &FieldError{Field: path + ".catch_up", Value: string(w.CatchUp), Reason: `want "progressive", "highest-only" or "send-all-missed"`}
	}
	switch w.OnBrokenPromise {
	case "", ResumeOnBroken, EscalateOnBroken:
	default:
		return &FieldError{Field: path + ".on_broken_promise", Value: string(w.OnBrokenPromise), Reason: `want "resume" or "escalate"`}
	}
	if w.MinGapDays < 0 {
		return &FieldError{Field: path + ".min_gap_days", Value: fmt.Sprint(w.MinGapDays), Reason: "must not be negative"}
	}
	if w.MaxNotices < 0 {
		return &FieldError{Field: path + ".max_notices", Value: fmt.Sprint(w.MaxNotices), Reason: "must not be negative"}
	}
	if err := w.checkStates(path); err != nil {
		return err
	}
	seen := map[string]bool{}
	for i := range w.Steps {
		s := &w.Steps[i]
		p := fmt.Sprintf("%s.steps[%d]", path, i)
		if s.Name == "" {
			return &FieldError{Field: p + ".name", Value: "", Reason: "must not be empty"}
		}
		if seen[s.Name] {
			return &FieldError{Field: p + ".name", Value: s.Name, Reason: "is used by an earlier step"}
		}
		seen[s.Name] = true
		if i == 0 && s.At.Anchor == schedule.Previous {
			return &FieldError{Field: p + ".at", Value: s.At.String(), Reason: "the first step has no previous step to count from"}
		}
		if !s.Action.valid() {
			return &FieldError{Field: p + ".action", Value: string(s.Action), Reason: "unknown action (email, letter, sms, statement, escalate-internal, escalate-external, task, hold, retry, suspend, cancel, uncollectible, write-off, hand-over)"}
		}
		if s.OnBounce != "" && s.OnBounce != Letter && s.OnBounce != Task && s.OnBounce != EscalateInternal && !(s.Action == Retry && s.OnBounce == Email) {
			return &FieldError{Field: p + ".on_bounce", Value: string(s.OnBounce), Reason: `want "letter", "task" or "escalate-internal" (or "email" on a retry step)`}
		}
		if err := w.checkState(p, s); err != nil {
			return err
		}
		if err := checkStatementStep(p, s); err != nil {
			return err
		}
		if err := checkVariants(p, s); err != nil {
			return err
		}
		for _, c := range slices.Sorted(maps.Keys(s.MinAmount)) {
			if _, ok := c.MinorUnits(); !ok {
				return &FieldError{Field: p + ".min_amount", Value: string(c), Reason: "is not an ISO 4217 currency code"}
			}
			if v := s.MinAmount[c]; v.IsNegative() {
				return &FieldError{Field: p + ".min_amount." + string(c), Value: v.String(), Reason: "must not be negative"}
			}
		}
		if s.MinShare.IsNegative() || s.MinShare.GreaterThan(decimal.NewFromInt(1)) {
			return &FieldError{Field: p + ".min_share", Value: s.MinShare.String(), Reason: "must be between 0 and 1"}
		}
		if s.Fee != nil {
			if err := s.Fee.Validate(); err != nil {
				return chargeError(p, "fee", err)
			}
		}
	}
	return nil
}

// DefaultWorkflow returns the classic cadence as a workflow: a welcome email
// three days after the agreement, a reminder seven days before the due date,
// one on the due date, overdue notices 14 and 30 days after it, and a final
// notice 45 days after it.
func DefaultWorkflow(name string) Workflow {
	steps := schedule.DefaultCadence()
	w := Workflow{Name: name, CatchUp: Progressive, MinGapDays: 5, Roll: schedule.Following}
	for _, s := range steps {
		w.Steps = append(w.Steps, Step{Name: s.Name, At: s.At, Action: Email})
	}
	return w
}

// DefaultRetryWorkflow returns the default payment retry cadence as a
// workflow: the invoice's open balance is charged again through the
// Runner's Collector 1, 3, 5 and 7 days after the due date (the day the
// renewal charge failed), one retry per run, never two on one day. A hard
// decline ends the retries and sends the payment-update email. Add notice,
// Suspend and end steps between and after the retries to mix them (see
// examples/subscription).
func DefaultRetryWorkflow(name string) Workflow {
	w := Workflow{Name: name, CatchUp: Progressive}
	for _, d := range []int{1, 3, 5, 7} {
		w.Steps = append(w.Steps, Step{Name: fmt.Sprintf("retry-%d", d), At: schedule.Offset{Anchor: schedule.Due, Days: d}, Action: Retry})
	}
	return w
}
