package dunning

import (
	"cmp"
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/overduehq/overdue/notice"
	"golang.org/x/time/rate"
)

// Sender delivers a rendered notice. The key is the action's idempotency
// key: a sender should pass it to its provider (as an SMTP Message-ID, an
// API idempotency key) so that a resend with the same key after a crash is
// recognised as the same message.
//
// The error decides what the runner does, so it must be true:
//   - nil: the provider accepted the notice. The runner records it.
//   - wrapping ErrPermanent: this notice can never be delivered (a bad
//     address, a recipient the relay refuses for good). The step counts as
//     done and its OnBounce fallback is planned.
//   - wrapping ErrSenderSetup: the sender itself cannot work (credentials
//     refused, a sender address or TLS setting the relay refuses, a bad
//     configuration). The runner releases the action and stops the run.
//   - wrapping ErrOutcomeUnknown: the provider may have accepted the notice
//     (the connection failed or the context ended after the notice was
//     handed over, before the provider's answer). The runner does not try
//     again in this run and does not release the claim: the next claim,
//     after the lease, asks the Looker before it sends again.
//   - any other error: transient. The runner retries, and at last releases
//     the action for a later run. Return such an error only when the
//     provider surely did not accept the notice, or deduplicates by key:
//     an error after an acceptance leads to a second delivery.
//
// Each try runs on a context that ends shortly before the claim's lease
// (see Runner.Lease); a Sender should honour it.
type Sender interface {
	Send(ctx context.Context, key string, n *notice.Notice) (messageID string, err error)
}

// Looker is an optional Sender method that answers "did key go out?".
// Lookup reports whether the provider accepted a message with the key, and
// its message id. The runner asks before it sends a notice whose earlier
// claim ended with its outcome unknown (Claim.Unknown: a runner died or
// lost its store between send and record, or its send ended in
// ErrOutcomeUnknown): if found, the notice is
// recorded as sent (Status StatusRecovered, Record.Recovered) and not sent
// again. With such a sender a crash between send and record causes no
// duplicate. Lookup returns an error wrapping errors.ErrUnsupported when
// it cannot tell (the runner then sends again); any other error makes the
// runner release the action and try again on a later run.
type Looker interface {
	Lookup(ctx context.Context, key string) (messageID string, found bool, err error)
}

// SenderFunc adapts a function to Sender.
type SenderFunc func(ctx context.Context, key string, n *notice.Notice) (string, error)

// Send implements Sender.
func (f SenderFunc) Send(ctx context.Context, key string, n *notice.Notice) (string, error) {
	return f(ctx, key, n)
}

// Clock tells the runner the time; tests pass a controllable one.
type Clock interface{ Now() time.Time }

// SystemClock is the machine's clock.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// Runner carries out plans: for every action it claims the action's key in
// the store with a lease, sends the notice (or stores the task, charges a
// Retry through the Collector, applies an account action through the Hook),
// and records the outcome. Charges and account actions have every
// guarantee below that notices have, the Collector's ChargeLooker in the
// Looker's place (collect.go).
//
// What holds, for runners sharing one Store (each proven by a test that
// injects the fault: SIGKILL, cut connections, skewed clocks, failed and
// ambiguous commits, cancellation):
//   - Each key is recorded at most once: Claim refuses a completed key, and
//     Complete records only for the key's current claim (owner and
//     attempt).
//   - Two runners never hold one key at once, whatever their clocks say:
//     leases are measured on the store's clock.
//   - Nothing is skipped: an action stays pending (planned again, with the
//     same key for the same invoices) until its outcome is recorded, so a
//     notice is delivered at least once.
//   - A notice the sender accepted is recorded, even if the run's context
//     is cancelled: recording runs on a context cancellation cannot cut
//     short, with its own deadline (RecordTimeout), retried while the lease
//     holds; a retry after a commit whose reply was lost is recognised.
//   - What the store cannot keep (an id with a NUL byte or invalid UTF-8,
//     say) is found before the claim: the action gets StatusProblem and
//     nothing is sent. A notice is rendered after its claim, so runners
//     sharing a plan each render only the notices they won; one whose
//     template fails to render gets StatusProblem too, is not sent, and
//     its claim is given back at once (an unknown outcome stays unknown).
//   - A runner whose record tries all fail until the lease ends (its store
//     out of reach) keeps the outcome in memory (Unrecorded): its next Run
//     or Execute records it late under the same claim, and its own
//     take-over of the key after the lease records the kept outcome
//     (StatusRecovered) instead of sending again.
//   - The one window for a duplicate: a runner that dies after the
//     provider accepted a notice and before the record (or that lost its
//     store for longer than the lease, while another runner took the key
//     over) leaves its outcome unknown. After the lease the action is
//     claimed again under the same key (Claim.Unknown) and sent again
//     (StatusResent, Record.Unknown), unless the sender is a Looker that
//     confirms the first send (StatusRecovered), or the provider
//     deduplicates by key. Then there is no duplicate. A send whose
//     outcome the sender cannot tell (ErrOutcomeUnknown: the connection
//     lost or the context ended after the provider was handed the
//     notice), or that the runner cut at the lease's end, leaves its
//     outcome unknown the same way (StatusOutcomeUnknown), with no process
//     dying: the same look-up, or the same resend, follows after the lease.
//   - A slow provider does not stretch a claim: no try of a send, the
//     first or a retry, starts with less than half the lease left, and
//     each try's context ends before the lease does, so no try is under
//     way (with a Sender that honours its context) when another runner
//     may take the key over.
//   - Batches and sends in flight change none of this: a chunk is claimed in
//     one ClaimMany (the next one while the last sends of the chunk before
//     are in flight, unless the two share an invoice or a customer) and its
//     records go in group commits (CompleteMany), but a runner's goroutine
//     waits for its last action's record before it sends the next (it
//     renders the next notice meanwhile), so at most Concurrency keys of a
//     runner are ever between an accepted send and its record (one with
//     the default Concurrency 1).
//     Keys claimed in a chunk but not sent when a runner dies are claimed
//     again after their lease as Unknown (asked of a Looker, else sent and
//     marked StatusResent) though nothing went out.
//
// One action's failure does not stop the run: it is reported in its Result.
// Execute stops early, with an error naming the cause, when StopAfter
// actions in a row fail in the store or in the sender, or at once when the
// sender reports a setup failure (ErrSenderSetup).
type Runner struct {
	Policy *Policy
	Store  Store
	Sender Sender
	// Collector charges the invoices of Retry steps (collect.go); Hook
	// carries out Suspend, Resume and end-of-dunning actions (blocking.go).
	// Each is needed only by a plan with such actions.
	Collector Collector
	Hook      AccountHook
	// Clock tells the planning day and the send window (default
	// SystemClock). It never decides a lease: the store's clock does.
	Clock Clock
	// Owner names this runner in leases; default a random id. Runners that
	// share a store need distinct owners.
	Owner string
	// Lease is how long a claim lasts on the store's clock (default 5
	// minutes), measured by the runner from before the claim on this
	// machine's monotonic clock. No try of a send (the first or a retry)
	// starts once half of it has passed (a slow store, a slow provider
	// failing transiently): the action is released for the next run. Each
	// try runs on a context that ends RecordTimeout (at most a quarter of
	// the lease) before the lease does; a try cut by it may have been
	// accepted, so it ends StatusOutcomeUnknown, like ErrOutcomeUnknown.
	Lease time.Duration
	// Attempts is how many times a transient send failure is tried within
	// one run (default 3), with Backoff doubling between tries (default
	// 200ms), while the lease allows (see Lease). After the last one the
	// lease is released and the action is retried on a later run, no
	// sooner than RetryAfter (default 10 minutes).
	Attempts   int
	Backoff    time.Duration
	RetryAfter time.Duration
	// RecordTimeout bounds each try to record an outcome (default 10s).
	// Recording is retried, with Backoff doubling up to 2s, until it
	// succeeds or the lease (measured from before the claim on this
	// machine's monotonic clock) runs out; then the outcome is kept
	// (Unrecorded) and recorded by a later run.
	RecordTimeout time.Duration
	// StopAfter is how many actions in a row may fail in the store, or in
	// the sender, before Execute gives up and returns an error naming the
	// cause (default 3). Failures of single actions below it are reported
	// per action (StatusError, StatusRetry) and the run goes on.
	StopAfter int
	// Sleep waits between attempts; tests replace it. Default: a timer that
	// honours ctx.
	Sleep func(ctx context.Context, d time.Duration) error
	// Logger, when set, receives one line per action ("dunning action")
	// with the Result's fields (key, status, customer, invoices, workflow,
	// step, attempt, not_before, message_id, error; empty ones left out),
	// at a level by status: Debug for sent, already done and busy; Info for
	// recovered; Warn for retry, deferred, lease lost, resent and outcome
	// unknown; Error for failed, problem and store errors.
	Logger *slog.Logger
	// Concurrency is how many sends (or charges, hook calls, task saves)
	// are in flight at once (default 1). Each customer's actions go out one after another in plan
	// order; different customers' in parallel.
	Concurrency int
	// BatchSize is how many actions Execute claims in one ClaimMany and
	// records in one CompleteMany (default 128, at least 8*Concurrency).
	BatchSize int
	// Limits caps sends per channel (keyed by the action's kind: Email,
	// SMS, Letter, ...), shared by every Execute of the runner (and by
	// other runners given the same limiter). A send waits for its token;
	// one whose wait would pass ctx's deadline is released for the next
	// run.
	Limits map[ActionKind]*rate.Limiter
	// Stagger makes Execute start at a customer of the plan chosen by Owner
	// (the same owner, the same customer) and go on in plan order, wrapping
	// around, so several runners working one plan on one store each work a
	// stretch of their own before they reach keys another one finished
	// or holds (which a StateChecker skips a chunk at a time, without a
	// claim; a DoneChecker the finished ones). Each customer's
	// actions stay in plan order. Off, actions run in plan order. Either
	// way every action is tried once per Execute.
	Stagger bool

	// kept holds the outcomes carried out whose record did not go in
	// (kept.go).
	kept keptOutcomes

	// tmpl keeps the policy's parsed templates from one Execute to the
	// next (templates).
	tmpl struct {
		sync.Mutex
		key templatesKey
		set *notice.Set
	}
}

// templatesKey is what the parsed templates a Runner keeps were made from.
type templatesKey struct {
	policy *Policy
	set    *notice.Set
	limits notice.Limits
}

// templates returns the policy's templates (Policy.templates), parsed once
// and kept while the runner's Policy, its Templates and its RenderLimits
// stay the same: parsing the built-in set costs milliseconds, which a
// runner called once a day per policy (the simulator) paid on every run.
func (r *Runner) templates() *notice.Set {
	k := templatesKey{r.Policy, r.Policy.Templates, r.Policy.RenderLimits}
	r.tmpl.Lock()
	defer r.tmpl.Unlock()
	if r.tmpl.set == nil || r.tmpl.key != k {
		r.tmpl.set, r.tmpl.key = r.Policy.templates(), k
	}
	return r.tmpl.set
}

// Status is what happened to one action in a run.
type Status string

const (
	// StatusSent: delivered and recorded (or the task or hold recorded).
	StatusSent Status = "sent"
	// StatusFailed: failed for good and recorded; the fallback comes next.
	StatusFailed Status = "failed"
	// StatusDone: already completed earlier (by this or another runner).
	StatusDone Status = "already-done"
	// StatusBusy: another runner holds the lease, or a released action's
	// retry time has not come yet.
	StatusBusy Status = "busy"
	// StatusRetry: a transient failure; released for a later run.
	StatusRetry Status = "retry"
	// StatusProblem: the action cannot be carried out (Action.Problem, a
	// template that does not render, data the store cannot keep); nothing
	// was sent. Only a render fault is found after the claim, which is
	// then released at once; the others are found before any claim.
	StatusProblem Status = "problem"
	// StatusLeaseLost: the lease was taken over before the outcome was
	// recorded; the new holder carries the action out.
	StatusLeaseLost Status = "lease-lost"
	// StatusDeferred: outside the policy's send window in the customer's
	// time zone; not claimed, so a later run sends it.
	StatusDeferred Status = "deferred"
	// StatusResent: an earlier claim's outcome was unknown and the notice
	// was sent again and recorded (Record.Unknown): the customer may have
	// it twice, under the same key.
	StatusResent Status = "resent"
	// StatusRecovered: an earlier claim's outcome was unknown, the sender's
	// look-up (Looker) confirmed the send, and it was recorded without
	// sending again.
	StatusRecovered Status = "recovered"
	// StatusOutcomeUnknown: the send may have been accepted and the sender
	// cannot tell (ErrOutcomeUnknown), or the runner cut it at the lease's
	// end. Nothing is recorded and the claim is not released: once its
	// lease ran out, the next claim is Unknown and asks the sender's
	// look-up (StatusRecovered) before it sends again (StatusResent).
	StatusOutcomeUnknown Status = "outcome-unknown"
	// StatusError: the store failed for this action (claim, task or
	// record). The action stays pending; if it was sent, its outcome is
	// unknown until a later claim resolves it.
	StatusError Status = "error"
)

// Result is one action's outcome in a run: what the action was (customer,
// invoices, workflow, step), what happened, and why.
type Result struct {
	Key        string   `json:"key"`
	Status     Status   `json:"status"`
	CustomerID string   `json:"customer_id,omitempty"`
	InvoiceIDs []string `json:"invoice_ids,omitempty"`
	Workflow   string   `json:"workflow,omitempty"`
	Step       string   `json:"step,omitempty"`
	// Attempt is the claim's attempt number (1 for the first claim of the
	// key, 2 after one release or unknown outcome, ...); 0 when the action
	// was not claimed (deferred, busy, already done, a problem found before
	// the claim).
	Attempt int `json:"attempt,omitempty"`
	// NotBefore, for a notice deferred by the policy's send window, is the
	// next time the window opens in the customer's time zone: a run at or
	// after it can send the notice. Zero for other results, and for an
	// action deferred behind an earlier action of its invoices.
	NotBefore time.Time `json:"not_before,omitzero"`
	MessageID string    `json:"message_id,omitempty"`
	// Error says in words why the action did not simply go out; Err is the
	// same as an error value, so errors.Is works on it: ErrPermanent
	// (StatusFailed), ErrSenderSetup (StatusRetry, the run stopped),
	// ErrClaimed (StatusBusy), ErrLeaseLost (StatusLeaseLost), ErrInvalid
	// (StatusProblem), the sender's or the store's own error (StatusRetry,
	// StatusError). Err is nil exactly when Error is empty; JSON carries
	// Error only.
	Error string `json:"error,omitempty"`
	Err   error  `json:"-"`
	// Event is the payment event of a charged Retry action, already
	// appended to the store: the app applies it to its invoice
	// (Invoice.Apply, or Runner.Apply) before the next plan.
	Event *Event `json:"event,omitempty"`
}

// resultError is a Result's Err: its text is the Result's Error, and it
// unwraps to the cause.
type resultError struct {
	msg   string
	cause error
}

func (e *resultError) Error() string { return e.msg }
func (e *resultError) Unwrap() error { return e.cause }

// resultOf starts the Result of a with the action's own fields.
func resultOf(a *Action, status Status, msg string) Result {
	return Result{Key: a.Key, Status: status, CustomerID: a.CustomerID, InvoiceIDs: a.InvoiceIDs, Workflow: a.Workflow, Step: a.Step, Error: msg}
}

// finish sets res.Err from its status, its message and the error the
// action met (err, nil when none was returned).
func finish(res *Result, err error) {
	if res.Err != nil {
		return
	}
	cause := err
	switch res.Status {
	case "", StatusSent, StatusDone, StatusRecovered, StatusResent, StatusCharged:
		return
	case StatusBusy:
		cause = ErrClaimed
	case StatusLeaseLost:
		cause = ErrLeaseLost
	case StatusProblem:
		cause = ErrInvalid
	}
	if res.Error == "" && cause != nil {
		res.Error = cause.Error()
	}
	switch {
	case res.Error == "":
	case cause == nil:
		res.Err = errors.New(res.Error)
	default:
		res.Err = &resultError{msg: res.Error, cause: cause}
	}
}

// Report sums up a run.
type Report struct {
	Planned int            `json:"planned"`
	Counts  map[Status]int `json:"counts"`
	Results []Result       `json:"results"`
}

func (r *Runner) clock() Clock {
	if r.Clock == nil {
		return SystemClock{}
	}
	return r.Clock
}

func (r *Runner) owner() string {
	if r.Owner == "" {
		var b [8]byte
		_, _ = crand.Read(b[:])
		r.Owner = "runner-" + hex.EncodeToString(b[:])
	}
	return r.Owner
}

func (r *Runner) lease() time.Duration   { return cmp.Or(max(r.Lease, 0), 5*time.Minute) }
func (r *Runner) backoff() time.Duration { return cmp.Or(max(r.Backoff, 0), 200*time.Millisecond) }
func (r *Runner) stopAfter() int         { return cmp.Or(max(r.StopAfter, 0), 3) }
func (r *Runner) recordTimeout() time.Duration {
	return cmp.Or(max(r.RecordTimeout, 0), 10*time.Second)
}

func (r *Runner) sleep(ctx context.Context, d time.Duration) error {
	if r.Sleep != nil {
		return r.Sleep(ctx, d)
	}
	return sleepCtx(ctx, d)
}

// load fills in what the next Plan reads from the store: the open tasks
// (so Plan can cancel settled ones) unless p.Tasks is set, the history of
// the portfolio's invoices and customers, and the reviews unless p.Reviews
// is set. Plan and Explain read the same.
func (r *Runner) load(ctx context.Context, p Portfolio) (Portfolio, error) {
	if r.Store == nil || r.Policy == nil {
		return p, errors.New("dunning: Runner needs a Policy and a Store")
	}
	if p.Tasks == nil {
		var err error
		if p.Tasks, err = r.Store.Tasks(ctx, TaskOpen); err != nil {
			return p, fmt.Errorf("dunning: reading open tasks: %w", err)
		}
	}
	// Only the history of the invoices and customers planned: a store
	// with HistoryFor reads what the day holds, not the whole ledger.
	q := HistoryQuery{InvoiceIDs: make([]string, len(p.Invoices)), CustomerIDs: make([]string, len(p.Customers))}
	for i := range p.Invoices {
		q.InvoiceIDs[i] = p.Invoices[i].ID
		// An invoice with a schedule is planned (and its progress kept) per
		// instalment, "ID#k" (instalments.go).
		for k := range p.Invoices[i].Schedule {
			q.InvoiceIDs = append(q.InvoiceIDs, InstalmentID(p.Invoices[i].ID, k+1))
		}
	}
	for i := range p.Customers {
		q.CustomerIDs[i] = p.Customers[i].ID
	}
	h, err := HistoryFor(ctx, r.Store, q)
	if err != nil {
		return p, fmt.Errorf("dunning: reading history: %w", err)
	}
	p.History = h
	if rl, ok := r.Store.(ReviewLog); ok && p.Reviews == nil {
		if p.Reviews, err = rl.Reviews(ctx, ""); err != nil {
			return p, fmt.Errorf("dunning: reading reviews: %w", err)
		}
	}
	return p, nil
}

// Plan is the dry run: today's actions as the next Run would see them, with
// nothing claimed, sent or recorded.
func (r *Runner) Plan(ctx context.Context, p Portfolio) ([]Action, error) {
	p, err := r.load(ctx, p)
	if err != nil {
		return nil, err
	}
	return PlanAt(r.clock().Now(), r.Policy, p)
}

// Run plans and executes. When a notice fails for good, it plans once more
// so the fallback (letter or task) goes out in the same run.
func (r *Runner) Run(ctx context.Context, p Portfolio) (Report, error) {
	if r.Store != nil {
		r.recordKept(ctx) // before the history is read for the plan
	}
	acts, err := r.Plan(ctx, p)
	if err != nil {
		return Report{}, err
	}
	rep, err := r.Execute(ctx, acts)
	if err != nil || rep.Counts[StatusFailed] == 0 {
		return rep, err
	}
	more, err := r.Plan(ctx, p)
	if err != nil {
		return rep, err
	}
	var fallbacks []Action
	for _, a := range more {
		if a.Fallback {
			fallbacks = append(fallbacks, a)
		}
	}
	rep2, err := r.Execute(ctx, fallbacks)
	rep.Planned += rep2.Planned
	for k, v := range rep2.Counts {
		rep.Counts[k] += v
	}
	rep.Results = append(rep.Results, rep2.Results...)
	return rep, err
}

// fault is what kind of failure an action met, for StopAfter.
type fault int

const (
	noFault     fault = iota
	storeFault        // a store call failed
	senderFault       // the sender failed transiently (after its attempts)
	fatalFault        // stop now: sender setup failure, no sender, cancelled
)

// blockedBy returns the key of an earlier action of a's invoices that did
// not complete in this run ("" if none).
func blockedBy(blocked map[string]string, a *Action) string {
	for _, id := range a.InvoiceIDs {
		if k, ok := blocked[id]; ok {
			return k
		}
	}
	return ""
}

func (r *Runner) log(ctx context.Context, res Result) {
	if r.Logger == nil {
		return
	}
	level := slog.LevelDebug
	switch res.Status {
	case StatusRecovered:
		level = slog.LevelInfo
	case StatusRetry, StatusDeferred, StatusLeaseLost, StatusResent, StatusOutcomeUnknown:
		level = slog.LevelWarn
	case StatusFailed, StatusProblem, StatusError:
		level = slog.LevelError
	}
	attrs := make([]slog.Attr, 0, 11)
	add := func(k, v string) {
		if v != "" {
			attrs = append(attrs, slog.String(k, v))
		}
	}
	add("key", res.Key)
	add("status", string(res.Status))
	add("customer", res.CustomerID)
	add("invoices", strings.Join(res.InvoiceIDs, ","))
	add("workflow", res.Workflow)
	add("step", res.Step)
	if res.Attempt > 0 {
		attrs = append(attrs, slog.Int("attempt", res.Attempt))
	}
	if !res.NotBefore.IsZero() {
		attrs = append(attrs, slog.Time("not_before", res.NotBefore))
	}
	add("message_id", res.MessageID)
	add("error", res.Error)
	r.Logger.LogAttrs(ctx, level, "dunning action", attrs...)
}

// retryStore runs a store write that must not be lost (a record, a charge's
// payment event) on a context that ctx's cancellation cannot cut short, each try
// with its own deadline, retrying until leaseEnd. A retry of a record after
// a commit whose reply was lost succeeds (the store finds the claim's own
// record).
func (r *Runner) retryStore(ctx context.Context, leaseEnd time.Time, write func(context.Context) error) error {
	bg := context.WithoutCancel(ctx)
	wait := r.backoff()
	var unslept time.Duration // waits Sleep did not really take (a test's Sleep), counted as passed
	for {
		cctx, cancel := context.WithTimeout(bg, r.recordTimeout())
		err := write(cctx)
		cancel()
		if err == nil || errors.Is(err, ErrLeaseLost) || errors.Is(err, ErrInvalid) {
			return err
		}
		if !time.Now().Add(unslept + wait).Before(leaseEnd) {
			return err
		}
		t0 := time.Now()
		_ = r.sleep(bg, wait)
		unslept += max(wait-time.Since(t0), 0)
		wait = min(2*wait, 2*time.Second)
	}
}

func (r *Runner) send(ctx context.Context, a *Action, leaseEnd time.Time) (string, error) {
	return r.attempt(ctx, leaseEnd, func(ctx context.Context) (string, error) { return r.Sender.Send(ctx, a.Key, a.Notice) })
}

// leaseShort reports whether less than half the lease ending at leaseEnd
// (on this machine's monotonic clock) is left once passed more time has
// gone by: no send, charge or hook call starts then, neither a first try
// (carry) nor a retry (attempt).
func (r *Runner) leaseShort(leaseEnd time.Time, passed time.Duration) bool {
	return time.Until(leaseEnd)-passed < r.lease()/2
}

// tryEnd is when a try of a send under the lease ending at leaseEnd is cut
// off: RecordTimeout, at most a quarter of the lease, before its end, so
// the outcome can be recorded before another runner may take the key
// over.
func (r *Runner) tryEnd(leaseEnd time.Time) time.Time {
	return leaseEnd.Add(-min(r.recordTimeout(), r.lease()/4))
}

// attempt calls do up to Attempts times while it fails transiently, with
// Backoff doubling between tries, and no retry once the lease is short
// (leaseShort). Each try runs on a context that ends at tryEnd; a try
// that fails once that context ended (ctx still live) may have been
// accepted just as it was cut, so its error is made to wrap
// ErrOutcomeUnknown. An error wrapping ErrOutcomeUnknown is not tried
// again.
func (r *Runner) attempt(ctx context.Context, leaseEnd time.Time, do func(context.Context) (string, error)) (string, error) {
	attempts := r.Attempts
	if attempts <= 0 {
		attempts = 3
	}
	backoff := r.backoff()
	var unslept time.Duration // waits Sleep did not really take (a test's Sleep), counted as passed
	for i := 0; ; i++ {
		tctx, cancel := context.WithDeadline(ctx, r.tryEnd(leaseEnd).Add(-unslept))
		id, err := do(tctx)
		cut := err != nil && tctx.Err() != nil && ctx.Err() == nil
		cancel()
		switch {
		case err == nil || errors.Is(err, ErrPermanent) || errors.Is(err, ErrSenderSetup) || errors.Is(err, ErrOutcomeUnknown):
			return id, err
		case cut:
			return "", fmt.Errorf("%w: cut at the lease's end: %w", ErrOutcomeUnknown, err)
		case i+1 >= attempts:
			return "", err
		}
		// Asked before the wait (would the lease be short after it?) and
		// after it (a wait may take longer than asked).
		wait := backoff << i
		short := func(passed time.Duration) error {
			if r.leaseShort(leaseEnd, passed) {
				return fmt.Errorf("%w (not tried again: the lease ran short)", err)
			}
			return nil
		}
		if serr := short(unslept + wait); serr != nil {
			return "", serr
		}
		t0 := time.Now()
		if serr := r.sleep(ctx, wait); serr != nil {
			return "", serr
		}
		unslept += max(wait-time.Since(t0), 0)
		if serr := short(unslept); serr != nil {
			return "", serr
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Record stores an event from the app (a payment, a bounce, ...) without
// applying it to an invoice. Runner.Apply does both in one call.
func (r *Runner) Record(ctx context.Context, e Event) error {
	return r.Store.AppendEvent(ctx, e)
}
