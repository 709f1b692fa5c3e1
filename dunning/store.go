package dunning

import (
	"context"
	"time"

	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
)

// Progress is how far an invoice has come in its current dunning cycle. The
// store keeps it; Plan reads it through History.
type Progress struct {
	InvoiceID string `json:"invoice_id"`
	// Cycle is the Invoice.Cycle this progress belongs to; progress of an
	// older cycle is ignored.
	Cycle int `json:"cycle"`
	// Workflow is the workflow the cycle runs under.
	Workflow string `json:"workflow"`
	// Step is the index of the most advanced step done (-1: none yet).
	Step int `json:"step"`
	// Last is the day of the last notice (zero: none).
	Last date.Date `json:"last,omitzero"`
	// Fees charged so far in this cycle, in the invoice's currency.
	Fees decimal.Decimal `json:"fees"`
	// Compensated is true once the statutory fixed compensation was charged.
	Compensated bool `json:"compensated,omitempty"`
	// Held is true once a hold step was reached.
	Held bool `json:"held,omitempty"`
	// Bounced is the key of the last notice that bounced or failed for good
	// and has not been replaced by its fallback yet ("" if none).
	Bounced string `json:"bounced,omitempty"`
	// Notices is the invoice's notice log in this cycle (nil: no notice
	// yet). A pointer keeps Progress small for the planner's hot path;
	// Advance and MarkBounced replace it rather than change it, so a
	// History snapshot's copy stays as it was.
	Notices *NoticeLog `json:"notices,omitempty"`
}

// NoticeLog is what the planner's maxima need of an invoice's notices.
type NoticeLog struct {
	// Count is the notices sent in this cycle that covered the invoice
	// (listed on it or at a step of its own; a notice that failed for good
	// or bounced does not count), for Workflow.MaxNotices.
	Count int `json:"count,omitempty"`
	// Recent holds the days of the invoice's latest notices, oldest first,
	// at most MaxRecent of them, for the customer limits (CustomerLimits).
	Recent []date.Date `json:"recent,omitempty"`
	// Refunded is the key of the last bounced notice whose fees were taken
	// back from Progress.Fees ("" if none), so a second bounce event takes
	// nothing.
	Refunded string `json:"refunded,omitempty"`
}

// log returns a copy of the notice log to change and store back.
func (p *Progress) log() *NoticeLog {
	if p.Notices == nil {
		return &NoticeLog{}
	}
	l := *p.Notices
	return &l
}

// count returns the notices counted in the log.
func (p *Progress) count() int {
	if p.Notices == nil {
		return 0
	}
	return p.Notices.Count
}

// MaxRecent is how many notice days NoticeLog.Recent keeps.
const MaxRecent = 31

// History answers what dunning already did for an invoice. Plan reads it;
// stores provide a snapshot of it. A nil History means nothing was done.
type History interface {
	Progress(invoiceID string) (Progress, bool)
}

// HistoryMap is a History backed by a map, for tests and small apps.
type HistoryMap map[string]Progress

// Progress implements History.
func (h HistoryMap) Progress(id string) (Progress, bool) {
	p, ok := h[id]
	return p, ok
}

// Outcome is how an action ended.
type Outcome string

const (
	// Sent: the sender accepted the notice, or the task or hold was recorded.
	Sent Outcome = "sent"
	// Failed: the sender failed for good (ErrPermanent); the step counts as
	// done and its OnBounce fallback is planned next.
	Failed Outcome = "failed"
)

// Record is one completed action in the ledger.
type Record struct {
	Key        string   `json:"key"`
	CustomerID string   `json:"customer_id"`
	InvoiceIDs []string `json:"invoice_ids"`
	Cycles     []int    `json:"cycles"` // Invoice.Cycle of each invoice, same order
	Workflow   string   `json:"workflow"`
	Step       string   `json:"step"`
	StepIndex  int      `json:"step_index"`
	// Steps is the step index each invoice reached (same order as
	// InvoiceIDs); empty means StepIndex for all.
	Steps []int      `json:"steps,omitempty"`
	Kind  ActionKind `json:"kind"`
	// Fallback marks the replacement of a bounced notice.
	Fallback bool      `json:"fallback,omitempty"`
	Date     date.Date `json:"date"`
	Outcome  Outcome   `json:"outcome"`
	// MessageID is what the sender returned (SMTP Message-ID, provider id).
	MessageID string   `json:"message_id,omitempty"`
	Error     string   `json:"error,omitempty"`
	Template  string   `json:"template,omitempty"`
	Currency  Currency `json:"currency"`
	// Amount is the total the notice asked for; Fees and Interest the charges
	// it added (FeesByInvoice splits Fees over InvoiceIDs, same order).
	Amount        decimal.Decimal   `json:"amount"`
	Fees          decimal.Decimal   `json:"fees"`
	FeesByInvoice []decimal.Decimal `json:"fees_by_invoice,omitempty"`
	Interest      decimal.Decimal   `json:"interest"`
	Compensation  bool              `json:"compensation,omitempty"`
	Attempts      int               `json:"attempts"`
	At            time.Time         `json:"at"`
}

// Claim is a lease on one action, held by one runner until Expires.
type Claim struct {
	Key     string    `json:"key"`
	Owner   string    `json:"owner"`
	Expires time.Time `json:"expires"`
	// Attempt counts the claims of this key, 1 for the first. An Attempt
	// above 1 means an earlier runner claimed the action and either released
	// it after a transient failure or vanished (its send outcome unknown).
	Attempt int `json:"attempt"`
}

// Store is the storage the runner needs: the ledger of actions, leases on
// pending ones, the per-invoice progress, events and collector tasks.
// Implementations: store/memory and store/sqlstore; store/storetest checks
// any implementation.
type Store interface {
	// History returns a snapshot of every invoice's progress.
	History(ctx context.Context) (History, error)

	// Claim leases the action key to owner until now+lease. It returns
	// ErrAlreadyDone if the key was completed, and ErrClaimed if another
	// owner holds an unexpired lease or the key may not be retried before an
	// earlier Release's retry time. An expired lease may be taken over.
	Claim(ctx context.Context, key, owner string, now time.Time, lease time.Duration) (Claim, error)
	// Complete records the outcome of a claimed action and updates the
	// progress of its invoices, atomically. It returns ErrLeaseLost if the
	// claim is no longer held by its owner, and then records nothing.
	Complete(ctx context.Context, c Claim, rec Record) error
	// Release gives the lease up after a transient failure: the action stays
	// pending and cannot be claimed before retryAt.
	Release(ctx context.Context, c Claim, retryAt time.Time, reason string) error

	// Records lists the ledger in the order actions were completed.
	Records(ctx context.Context) ([]Record, error)

	// AppendEvent stores an event; an event whose ID is already stored is
	// ignored. A Bounced event marks the progress of the invoices of the
	// record with the event's Key, so the next plan sends the fallback.
	AppendEvent(ctx context.Context, e Event) error
	// Events lists events in the order they were appended.
	Events(ctx context.Context) ([]Event, error)

	// SaveTask inserts or updates a collector task by its ID.
	SaveTask(ctx context.Context, t CollectorTask) error
	// Tasks lists tasks, ordered by ID; filter by status when status != "".
	Tasks(ctx context.Context, status TaskStatus) ([]CollectorTask, error)
}

// TaskStatus is where a collector task stands.
type TaskStatus string

const (
	// TaskOpen is waiting for the collector.
	TaskOpen TaskStatus = "open"
	// TaskDone was completed.
	TaskDone TaskStatus = "done"
	// TaskCancelled is no longer needed (the invoice was paid, say).
	TaskCancelled TaskStatus = "cancelled"
)

// TaskNote is a collector's note on a task.
type TaskNote struct {
	At     time.Time `json:"at"`
	Author string    `json:"author"`
	Text   string    `json:"text"`
}

// CollectorTask is work for a person: call the customer, review a
// dispute, hand the case to an agency.
type CollectorTask struct {
	ID         string     `json:"id"` // the action key that created it
	CustomerID string     `json:"customer_id"`
	InvoiceIDs []string   `json:"invoice_ids"`
	Kind       ActionKind `json:"kind"`
	Title      string     `json:"title"`
	Assignee   string     `json:"assignee,omitempty"`
	Due        date.Date  `json:"due"`
	Status     TaskStatus `json:"status"`
	Notes      []TaskNote `json:"notes,omitempty"`
	// Currency and Amount are the open amount the task is about.
	Currency Currency        `json:"currency"`
	Amount   decimal.Decimal `json:"amount"`
	// CancelReason says why a cancelled task is no longer needed ("the
	// invoices were paid").
	CancelReason string `json:"cancel_reason,omitempty"`
}

// DoneChecker is an optional Store method. Done reports which of keys are
// completed; Execute asks it once per batch of actions and skips those,
// which saves a claim round trip per action when several runners work one
// plan. It is an optimisation only: Claim stays the authority.
type DoneChecker interface {
	Done(ctx context.Context, keys []string) (map[string]bool, error)
}
