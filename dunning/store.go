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
	// Past the workflow's last step (it lost steps since) every step
	// counts as done; below -1, Plan rejects the invoice.
	Step int `json:"step"`
	// Last is the day of the last notice that reached the customer (zero:
	// none): a notice that failed for good or bounced is none, so no later
	// notice says it was sent, and it starts no minimum gap.
	Last date.Date `json:"last,omitzero"`
	// StepOn is the day of the latest record that did a step of the
	// invoice's own (not a fallback, not only listing it; a step that
	// failed for good counts, as it counts as done). Zero: none, or
	// progress kept before this field existed. A broken promise escalates
	// once: a step done on or after the break's first day is its step.
	StepOn date.Date `json:"step_on,omitzero"`
	// Fees charged so far in this cycle, in the invoice's currency.
	Fees decimal.Decimal `json:"fees"`
	// Compensated is true once the statutory fixed compensation was charged.
	Compensated bool `json:"compensated,omitempty"`
	// Held is true once a hold step was reached.
	Held bool `json:"held,omitempty"`
	// Block is the blocking state a Suspend or cancel step of this cycle
	// put the account in, until a Resume record lifts it (nil: none; see
	// AccountStates).
	Block *Block `json:"block,omitempty"`
	// BouncedListed is true when the notice Bounced names only listed the
	// invoice (Record.Listed): its fallback lists it again, without a step
	// or a fee of its own.
	BouncedListed bool `json:"bounced_listed,omitempty"`
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
	// at most MaxRecent of them, for the customer limits (CustomerLimits);
	// a notice that failed for good or bounced has no day here.
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
	Steps []int `json:"steps,omitempty"`
	// Listed marks (same order as InvoiceIDs) the invoices the notice only
	// listed, with no step of their own (Action.Listed); empty means none.
	Listed []bool     `json:"listed,omitempty"`
	Kind   ActionKind `json:"kind"`
	// Fallback marks the replacement of a bounced notice.
	Fallback bool      `json:"fallback,omitempty"`
	Date     date.Date `json:"date"`
	Outcome  Outcome   `json:"outcome"`
	// MessageID is what the sender returned (SMTP Message-ID, provider id).
	MessageID string `json:"message_id,omitempty"`
	Error     string `json:"error,omitempty"`
	Template  string `json:"template,omitempty"`
	// Variant is the template variant of the step's experiment
	// (Action.Variant; "" none).
	Variant  string   `json:"variant,omitempty"`
	Currency Currency `json:"currency"`
	// Amount is the total the notice asked for; Fees and Interest the charges
	// it added (FeesByInvoice splits Fees over InvoiceIDs, same order).
	Amount        decimal.Decimal   `json:"amount"`
	Fees          decimal.Decimal   `json:"fees"`
	FeesByInvoice []decimal.Decimal `json:"fees_by_invoice,omitempty"`
	Interest      decimal.Decimal   `json:"interest"`
	Compensation  bool              `json:"compensation,omitempty"`
	// CompensationOn marks, same order as InvoiceIDs, the invoices whose
	// statutory compensation the notice claimed (Action.CompensationOn);
	// Advance marks those alone Compensated. A record with Compensation
	// and no CompensationOn (one made before it was kept) counts as
	// claiming it on every invoice.
	CompensationOn []bool `json:"compensation_on,omitempty"`
	Attempts       int    `json:"attempts"`
	// At is when the action was carried out. The stores keep it as given;
	// RecordFilter compares it to the microsecond, truncated (StoredTime),
	// which is all PostgreSQL keeps.
	At time.Time `json:"at"`
	// Unknown marks a record made by a claim after an earlier one whose
	// outcome was unknown (Claim.Unknown): unless Recovered, the notice was
	// sent again, and the customer may have it twice under this key.
	Unknown bool `json:"unknown,omitempty"`
	// Recovered marks an Unknown record whose earlier send the sender's
	// look-up (Looker) confirmed: nothing was sent again.
	Recovered bool `json:"recovered,omitempty"`
}

// Claim is a lease on one action, held by one runner until Expires.
type Claim struct {
	Key   string `json:"key"`
	Owner string `json:"owner"`
	// Expires is when the lease ends, on the store's clock (the database's
	// for the SQL store). It is informative: a runner compares it with
	// nothing of its own, since its clock may differ from the store's.
	Expires time.Time `json:"expires"`
	// Attempt counts the claims of this key, 1 for the first. An Attempt
	// above 1 means an earlier runner claimed the action and either released
	// it after a transient failure or vanished.
	Attempt int `json:"attempt"`
	// Unknown is true when an earlier claim of this key ended neither in a
	// record nor in a release: its runner vanished (a crash, a lost
	// connection) or its send's outcome was unknown (StatusOutcomeUnknown),
	// and the notice may have gone out. The runner asks a Looker sender
	// before sending again and marks the record Unknown.
	Unknown bool `json:"unknown,omitempty"`
}

// ClaimParams are the arguments of Store.Claim.
type ClaimParams struct {
	// Key is the action's idempotency key.
	Key string
	// Owner names the runner; Complete and Release must present the same.
	Owner string
	// Lease is how long the claim lasts, measured on the store's clock from
	// the moment the store takes it.
	Lease time.Duration
	// Planned, when not nil, is the action being claimed. The store keeps it
	// with the claim until the key is completed, and returns it as Pending
	// (see PendingHistory) while the outcome is unknown, so that a later plan
	// re-issues the same key for the same invoices.
	Planned *Pending
}

// ReleaseParams are the arguments of Store.Release.
type ReleaseParams struct {
	// RetryIn is how long, on the store's clock, the key may not be claimed
	// again (0: at once).
	RetryIn time.Duration
	// Reason says why (kept for operators).
	Reason string
}

// Pending is a claimed action that is not completed yet, as the store
// remembers it from its claim: which invoices, which step, which key.
type Pending struct {
	Key        string     `json:"key"`
	CustomerID string     `json:"customer_id"`
	InvoiceIDs []string   `json:"invoice_ids"`
	Cycles     []int      `json:"cycles"`
	Workflow   string     `json:"workflow"`
	Step       string     `json:"step"`
	StepIndex  int        `json:"step_index"`
	Steps      []int      `json:"steps,omitempty"`
	Kind       ActionKind `json:"kind"`
	Fallback   bool       `json:"fallback,omitempty"`
	Currency   Currency   `json:"currency"`
}

// PendingOf returns what a store remembers of a when it is claimed.
func PendingOf(a *Action) *Pending {
	return &Pending{
		Key: a.Key, CustomerID: a.CustomerID, InvoiceIDs: a.InvoiceIDs, Cycles: a.Cycles,
		Workflow: a.Workflow, Step: a.Step, StepIndex: a.StepIndex, Steps: a.Steps,
		Kind: a.Kind, Fallback: a.Fallback, Currency: a.Currency,
	}
}

// PendingHistory is an optional method of the History a Store returns.
// Pending lists the actions whose outcome is unknown: claimed and neither
// completed nor released, or claimed again after such a claim. Plan takes
// the invoices of each out of its grouping and plans them under the
// pending key again (see Plan), so a notice whose send may have happened
// is never re-sent under another key. A History without it plans as if
// nothing were pending.
type PendingHistory interface {
	History
	Pending() []Pending
}

// Snapshot is a History with the store's pending actions; the stores in
// store/ return it.
type Snapshot struct {
	HistoryMap
	Unresolved []Pending
}

// Pending implements PendingHistory.
func (s Snapshot) Pending() []Pending { return s.Unresolved }

// Store is the storage the runner needs: the ledger of actions, leases on
// pending ones, the per-invoice progress, events and collector tasks.
// Implementations: store/memory and store/sqlstore; store/storetest checks
// any implementation. Every method is safe for concurrent use, by many
// runners in many processes where the store is shared.
//
// Optional capabilities, each with a fallback the runner uses when a store
// lacks it (batch.go): BatchStore (ClaimMany, CompleteMany: a chunk of
// keys per round trip; Claim and Complete are then batches of one),
// HistoryReader (HistoryFor), LedgerReader (filtered, iterated reads),
// DoneChecker and StateChecker.
//
// Time is the store's: leases and retry delays are durations that the
// store adds to its own clock (the database's now() for the SQL store), so
// runners whose clocks disagree never hold one key at once.
type Store interface {
	// History returns a snapshot of every invoice's progress. Stores that
	// keep claims return a PendingHistory (a Snapshot) listing the pending
	// actions too. It reads the whole table: a convenience for tests and
	// small apps. Runner.Plan reads HistoryFor (the optional
	// HistoryReader) for the invoices it plans.
	History(ctx context.Context) (History, error)

	// Claim leases p.Key to p.Owner for p.Lease on the store's clock and
	// returns the claim with its Attempt and Expires. It returns
	// ErrAlreadyDone if the key was completed, and ErrClaimed if another
	// claim is unexpired or the key may not be retried before an earlier
	// Release's RetryIn ran out. An expired lease may be taken over; the
	// new claim is then Unknown (the earlier claimer may have sent). It
	// checks p.Planned with CheckPending and returns a *FieldError for
	// what it cannot keep. Atomic: of concurrent claims of one key at most
	// one succeeds.
	Claim(ctx context.Context, p ClaimParams) (Claim, error)
	// Complete records the outcome of a claimed action and updates the
	// progress of its invoices, atomically: all of it or none. It returns
	// ErrLeaseLost if the claim (owner and attempt) is no longer the
	// key's current one, and then records nothing; an expired claim that
	// no other claim has replaced still records (a runner that lost its
	// store for the whole lease records late). If the key was already
	// completed by this very claim (same owner and attempt: an earlier call
	// committed but its reply was lost), it returns nil and records nothing
	// more, so a retry after an ambiguous commit is a success. It refuses a
	// record that CheckRecord refuses (a *FieldError) and stores nothing.
	Complete(ctx context.Context, c Claim, rec Record) error
	// Release gives the lease up after a failure that surely sent nothing:
	// the action stays pending and cannot be claimed for p.RetryIn on the
	// store's clock. It returns ErrLeaseLost if c is no longer the key's
	// current claim.
	Release(ctx context.Context, c Claim, p ReleaseParams) error

	// Records lists the whole ledger in the order actions were completed
	// (a convenience; RecordsWhere, through the optional LedgerReader,
	// filters in the store and iterates). Events and Tasks likewise.
	Records(ctx context.Context) ([]Record, error)

	// AppendEvent stores an event; an event whose ID is already stored is
	// ignored. A Bounced event marks the progress of the invoices of the
	// record with the event's Key, so the next plan sends the fallback.
	AppendEvent(ctx context.Context, e Event) error
	// Events lists events in the order they were appended.
	Events(ctx context.Context) ([]Event, error)

	// SaveTask inserts or updates a collector task by its ID (so saving
	// one twice is harmless).
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
// completed; Execute asks it once per batch of actions (unless the store
// is a StateChecker) and skips those, which saves a claim round trip per
// action when several runners work one plan. It is an optimisation only:
// Claim stays the authority.
type DoneChecker interface {
	Done(ctx context.Context, keys []string) (map[string]bool, error)
}

// KeyState is how a store finds a key, for a claim made at the moment it
// is asked (StateChecker).
type KeyState uint8

const (
	// KeyNew: the store does not know the key (never claimed); a claim
	// takes it.
	KeyNew KeyState = iota
	// KeyFree: known and neither held nor done (released, or its lease ran
	// out); a claim takes it.
	KeyFree
	// KeyHeld: a claim is refused ErrClaimed (a lease holds the key, or
	// its retry time is not reached).
	KeyHeld
	// KeyDone: completed; a claim is refused ErrAlreadyDone.
	KeyDone
)

// StateChecker is an optional Store method. States reports the state of
// each of keys that the store knows (keys it does not know are left out),
// as a claim made at that moment would find it, in one read that takes no
// lock and writes nothing. Execute asks it, in place of a DoneChecker,
// once per chunk: a done key is reported StatusDone and a held one
// StatusBusy, as a claim would report them, without one, so a claim
// statement carries only the keys it can take. A Stagger run that meets
// keys other runners took also asks it once about the rest of its plan
// and moves on to a stretch nobody took yet. Claim stays the authority for
// every key it is asked.
type StateChecker interface {
	States(ctx context.Context, keys []string) (map[string]KeyState, error)
}
