package dunning

import (
	"cmp"
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/overduehq/overdue/notice"
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
//   - any other error: transient. The runner retries, and at last releases
//     the action for a later run. Return such an error only when the
//     provider surely did not accept the notice, or deduplicates by key:
//     an error after an acceptance leads to a second delivery.
type Sender interface {
	Send(ctx context.Context, key string, n *notice.Notice) (messageID string, err error)
}

// Looker is an optional Sender method that answers "did key go out?".
// Lookup reports whether the provider accepted a message with the key, and
// its message id. The runner asks before it sends a notice whose earlier
// claim ended with its outcome unknown (Claim.Unknown: a runner died or
// lost its store between send and record): if found, the notice is
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
//     nothing is sent. A template that fails to render is found then too.
//   - The one window for a duplicate: a runner that dies (or loses its
//     store for longer than the lease) after the provider accepted a
//     notice and before the record leaves its outcome unknown. After the
//     lease the action is claimed again under the same key (Claim.Unknown)
//     and sent again (StatusResent, Record.Unknown), unless the sender is a
//     Looker that confirms the first send (StatusRecovered), or the
//     provider deduplicates by key. Then there is no duplicate.
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
	// minutes). It must exceed the longest send including retries. A send
	// does not start once half of it has passed since the claim was asked
	// for (a slow store); the action is released for the next run.
	Lease time.Duration
	// Attempts is how many times a transient send failure is tried within
	// one run (default 3), with Backoff doubling between tries (default
	// 200ms). After the last one the lease is released and the action is
	// retried on a later run, no sooner than RetryAfter (default 10 minutes).
	Attempts   int
	Backoff    time.Duration
	RetryAfter time.Duration
	// RecordTimeout bounds each try to record an outcome (default 10s).
	// Recording is retried, with Backoff doubling up to 2s, until it
	// succeeds or the lease (measured from before the claim on this
	// machine's monotonic clock) runs out.
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
	// recovered; Warn for retry, deferred, lease lost and resent; Error for
	// failed, problem and store errors.
	Logger *slog.Logger
	// Stagger makes Execute work the actions in an order shuffled by Owner
	// (the same owner, the same order), so several runners working one plan
	// on one store seldom contend for the same claims. Off, actions run in
	// plan order. Either way every action is tried once per Execute.
	Stagger bool
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
	// was claimed or sent.
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
	// was not claimed (problem, deferred, busy, already done).
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

// Plan is the dry run: today's actions as the next Run would see them, with
// nothing claimed, sent or recorded.
func (r *Runner) Plan(ctx context.Context, p Portfolio) ([]Action, error) {
	if r.Store == nil || r.Policy == nil {
		return nil, errors.New("dunning: Runner needs a Policy and a Store")
	}
	if p.Tasks == nil { // the open tasks, so Plan can cancel settled ones
		var err error
		if p.Tasks, err = r.Store.Tasks(ctx, TaskOpen); err != nil {
			return nil, fmt.Errorf("dunning: reading open tasks: %w", err)
		}
	}
	h, err := r.Store.History(ctx)
	if err != nil {
		return nil, fmt.Errorf("dunning: reading history: %w", err)
	}
	p.History = h
	if rl, ok := r.Store.(ReviewLog); ok && p.Reviews == nil {
		if p.Reviews, err = rl.Reviews(ctx, ""); err != nil {
			return nil, fmt.Errorf("dunning: reading reviews: %w", err)
		}
	}
	return PlanAt(r.clock().Now(), r.Policy, p)
}

// Run plans and executes. When a notice fails for good, it plans once more
// so the fallback (letter or task) goes out in the same run.
func (r *Runner) Run(ctx context.Context, p Portfolio) (Report, error) {
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

// Execute carries out actions planned (and perhaps reviewed) earlier.
// Per-action outcomes are in the report, including per-action store
// errors (StatusError). It returns an error, with the report so far, when
// ctx is cancelled, when StopAfter actions in a row failed in the store or
// in the sender, or when the sender reports a setup failure.
func (r *Runner) Execute(ctx context.Context, acts []Action) (Report, error) {
	rep := Report{Planned: len(acts), Counts: map[Status]int{}}
	if r.Store == nil || r.Policy == nil {
		return rep, errors.New("dunning: Runner needs a Policy and a Store")
	}
	order := make([]int, len(acts))
	for i := range order {
		order[i] = i
	}
	if r.Stagger {
		// Shuffle customers, keeping each customer's actions in plan order.
		h := fnv.New64a()
		h.Write([]byte(r.owner()))
		rank := map[string]int{}
		for _, a := range acts {
			if _, ok := rank[a.CustomerID]; !ok {
				rank[a.CustomerID] = len(rank)
			}
		}
		perm := rand.New(rand.NewPCG(h.Sum64(), 0x6f766572)).Perm(len(rank))
		slices.SortStableFunc(order, func(i, j int) int { return cmp.Compare(perm[rank[acts[i].CustomerID]], perm[rank[acts[j].CustomerID]]) })
	}
	// An invoice whose action did not complete in this run gets no later
	// step in it: a later step recorded first would pass the earlier one
	// over for good.
	blocked := map[string]string{}
	dc, _ := r.Store.(DoneChecker)
	var set *notice.Set
	var done map[string]bool
	var storeFails, senderFails int
	for j, i := range order {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		if dc != nil && j%doneBatch == 0 {
			batch := order[j:min(j+doneBatch, len(order))]
			keys := make([]string, len(batch))
			for k, b := range batch {
				keys[k] = acts[b].Key
			}
			var err error
			if done, err = dc.Done(ctx, keys); err != nil {
				// Only an optimisation: Claim still refuses done keys.
				done = nil
				if r.Logger != nil {
					r.Logger.LogAttrs(ctx, slog.LevelWarn, "dunning: checking done keys", slog.String("error", err.Error()))
				}
			}
		}
		if done[acts[i].Key] {
			rep.Counts[StatusDone]++
			rep.Results = append(rep.Results, resultOf(&acts[i], StatusDone, ""))
			r.log(ctx, rep.Results[len(rep.Results)-1])
			continue
		}
		var res Result
		var f fault
		var err error
		if k := blockedBy(blocked, &acts[i]); k != "" {
			res = resultOf(&acts[i], StatusDeferred, "waits for the earlier action "+k+" of its invoices")
			finish(&res, nil)
		} else {
			res, f, err = r.one(ctx, &acts[i], &set)
		}
		switch res.Status {
		case StatusSent, StatusFailed, StatusDone, StatusResent, StatusRecovered:
		default:
			for _, id := range acts[i].InvoiceIDs {
				if _, ok := blocked[id]; !ok {
					blocked[id] = acts[i].Key
				}
			}
		}
		if res.Status != "" {
			rep.Counts[res.Status]++
			rep.Results = append(rep.Results, res)
			r.log(ctx, res)
		}
		switch f {
		case fatalFault:
			return rep, err
		case storeFault:
			storeFails++
			if storeFails >= r.stopAfter() {
				return rep, fmt.Errorf("dunning: stopping: the store failed for %d actions in a row, last %s: %w", storeFails, res.Key, err)
			}
		case senderFault:
			senderFails++
			if senderFails >= r.stopAfter() {
				return rep, fmt.Errorf("dunning: stopping: the sender failed for %d actions in a row, last %s: %w", senderFails, res.Key, err)
			}
		default:
			if res.Status != StatusProblem && res.Status != StatusDeferred {
				storeFails, senderFails = 0, 0
			}
		}
	}
	return rep, nil
}

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
	case StatusRetry, StatusDeferred, StatusLeaseLost, StatusResent:
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

// doneBatch is how many keys Execute asks a DoneChecker about at once.
const doneBatch = 128

// one carries out a; set holds the policy's templates, parsed at first use
// and kept for the rest of the Execute. It returns the result (Status ""
// when there is none to report), the kind of failure and its error.
func (r *Runner) one(ctx context.Context, a *Action, set **notice.Set) (res Result, f fault, err error) {
	res = resultOf(a, "", "")
	defer func() { finish(&res, err) }()
	problem := func(msg string) (Result, fault, error) {
		res.Status, res.Error = StatusProblem, msg
		return res, noFault, nil
	}
	if a.Problem != "" {
		return problem(a.Problem)
	}
	if why, err := r.awaitsApproval(ctx, a); err != nil || why != "" {
		if err != nil {
			res.Status, res.Error = StatusError, err.Error()
			return res, storeFault, err
		}
		res.Status, res.Error = StatusAwaitingApproval, why
		return res, noFault, nil
	}
	if w := r.Policy.SendWindow; w != nil && (a.Kind == Email || a.Kind == SMS) {
		loc, err := time.LoadLocation(a.TimeZone)
		if err != nil {
			return problem(fmt.Sprintf("customer %s: time zone %q: %v", a.CustomerID, a.TimeZone, err))
		}
		if now := r.clock().Now(); !w.Contains(now, loc) {
			res.NotBefore = w.Next(now, loc)
			res.Status, res.Error = StatusDeferred, "outside the send window until "+res.NotBefore.In(loc).Format("2006-01-02 15:04 MST")
			return res, noFault, nil
		}
	}
	notices := a.Kind.IsNotice()
	// ext: carried out outside the store, through the Sender, the
	// Collector or the Hook, all under the same claim, look-up and record.
	ext := notices || a.Kind == Retry || a.Kind.IsAccount()
	if err := r.plugIn(a); err != nil {
		return Result{}, fatalFault, err
	} else if msg := checkSubscription(a); msg != "" {
		return problem(msg)
	}
	if notices {
		if a.Notice == nil {
			return problem("no notice to send")
		}
		// Render before the claim: a template fault holds no lease.
		if a.Notice.Subject == "" && a.Notice.Text == "" {
			if *set == nil {
				*set = r.Policy.templates()
			}
			if err := (*set).Render(a.Notice); err != nil {
				return problem("render: " + err.Error())
			}
		}
	}
	// Everything the record and the claim will hold must be storable.
	rec := a.Record(Sent, r.clock().Now())
	if err := CheckRecord(rec); err != nil {
		return problem("cannot be recorded: " + err.Error())
	}
	if a.Task != nil && !ext {
		if err := CheckTask(*a.Task); err != nil {
			return problem("cannot be stored: " + err.Error())
		}
	}

	lease := r.lease()
	leaseEnd := time.Now().Add(lease) // monotonic: no earlier than the store's expiry
	claim, err := r.Store.Claim(ctx, ClaimParams{Key: a.Key, Owner: r.owner(), Lease: lease, Planned: PendingOf(a)})
	switch {
	case errors.Is(err, ErrAlreadyDone):
		res.Status = StatusDone
		return res, noFault, nil
	case errors.Is(err, ErrClaimed):
		res.Status = StatusBusy
		return res, noFault, nil
	case errors.Is(err, ErrInvalid):
		return problem("cannot be claimed: " + err.Error())
	case err != nil && ctx.Err() != nil:
		return Result{}, fatalFault, ctx.Err()
	case err != nil:
		res.Status, res.Error = StatusError, Storable("claim: "+err.Error(), MaxTextLen)
		return res, storeFault, err
	}
	res.Attempt = claim.Attempt

	// release gives the claim back after a failure that sent nothing; it
	// runs even when ctx is cancelled.
	release := func(retryIn time.Duration, reason string) error {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.recordTimeout())
		defer cancel()
		err := r.Store.Release(rctx, claim, ReleaseParams{RetryIn: retryIn, Reason: Storable(reason, MaxTextLen)})
		if errors.Is(err, ErrLeaseLost) {
			return nil
		}
		return err
	}
	retryAfter := cmp.Or(max(r.RetryAfter, 0), 10*time.Minute)

	out := Sent
	var cr *ChargeResult // a retry's charge result
	if ext {
		rec.Unknown = claim.Unknown
		sendIt := true
		if claim.Unknown {
			id, lcr, found, err := r.lookup(ctx, a)
			switch {
			case err == nil && found:
				sendIt, rec.Recovered, res.MessageID, cr = false, true, Storable(id, MaxIDLen), lcr
			case err == nil || errors.Is(err, errors.ErrUnsupported):
			default:
				res.Status, res.Error = StatusRetry, Storable("look-up: "+err.Error(), MaxTextLen)
				if rerr := release(retryAfter, res.Error); rerr != nil {
					res.Error += "; release: " + Storable(rerr.Error(), MaxTextLen)
				}
				if ctx.Err() != nil {
					return res, fatalFault, ctx.Err()
				}
				return res, senderFault, err
			}
		}
		if sendIt && time.Until(leaseEnd) < lease/2 {
			// No send starts that the lease may not cover: the claim (or the
			// look-up) took half of it already.
			res.Status, res.Error = StatusRetry, "the lease ran short before the send"
			if rerr := release(0, res.Error); rerr != nil {
				res.Error += "; release: " + Storable(rerr.Error(), MaxTextLen)
			}
			return res, noFault, nil
		}
		if sendIt {
			id, scr, err := r.carryOut(ctx, a)
			switch {
			case err == nil:
				res.MessageID, cr = Storable(id, MaxIDLen), scr
			case errors.Is(err, ErrSenderSetup):
				res.Status, res.Error = StatusRetry, Storable(err.Error(), MaxTextLen)
				if rerr := release(0, res.Error); rerr != nil {
					res.Error += "; release: " + Storable(rerr.Error(), MaxTextLen)
				}
				return res, fatalFault, fmt.Errorf("dunning: stopping: %s setup failure at %s: %w", plugName(a.Kind), a.Key, err)
			case errors.Is(err, ErrPermanent):
				out, res.Error = Failed, Storable(err.Error(), MaxTextLen)
				res.Err = &resultError{msg: res.Error, cause: err}
			case ctx.Err() != nil:
				// Cancelled before the provider accepted it: give it back for
				// the next run at once.
				res.Status, res.Error = StatusRetry, Storable(err.Error(), MaxTextLen)
				if rerr := release(0, res.Error); rerr != nil {
					res.Error += "; release: " + Storable(rerr.Error(), MaxTextLen)
				}
				return res, fatalFault, ctx.Err()
			default:
				res.Status, res.Error = StatusRetry, Storable(err.Error(), MaxTextLen)
				if rerr := release(retryAfter, res.Error); rerr != nil {
					res.Error += "; release: " + Storable(rerr.Error(), MaxTextLen)
				}
				return res, senderFault, err
			}
		}
	} else if a.Task != nil {
		if err := r.Store.SaveTask(ctx, *a.Task); err != nil {
			res.Status, res.Error = StatusError, Storable("save task: "+err.Error(), MaxTextLen)
			if rerr := release(0, res.Error); rerr != nil {
				res.Error += "; release: " + Storable(rerr.Error(), MaxTextLen)
			}
			if ctx.Err() != nil {
				return res, fatalFault, ctx.Err()
			}
			return res, storeFault, err
		}
	}
	if cr != nil {
		out = r.settleCharge(ctx, a, cr, &rec, &res, leaseEnd)
	}
	rec.Outcome, rec.MessageID, rec.Error = out, res.MessageID, res.Error
	if err := r.record(ctx, claim, rec, leaseEnd); err != nil {
		if errors.Is(err, ErrLeaseLost) {
			res.Status = StatusLeaseLost
			return res, noFault, nil
		}
		res.Status, res.Error = StatusError, Storable("record: "+err.Error(), MaxTextLen)
		return res, storeFault, err
	}
	switch {
	case out == Failed:
		res.Status = StatusFailed
	case rec.Recovered:
		res.Status = StatusRecovered
	case rec.Unknown:
		res.Status = StatusResent
	case out == Declined:
		res.Status = StatusDeclined
	case cr != nil:
		res.Status = StatusCharged
	default:
		res.Status = StatusSent
	}
	return res, noFault, nil
}

// record completes the claim on a context that ctx's cancellation cannot
// cut short, each try with its own deadline, retrying until leaseEnd. A
// retry after a commit whose reply was lost succeeds (the store finds the
// claim's own record).
func (r *Runner) record(ctx context.Context, c Claim, rec Record, leaseEnd time.Time) error {
	return r.retryStore(ctx, leaseEnd, func(cctx context.Context) error { return r.Store.Complete(cctx, c, rec) })
}

// retryStore runs a store write that must not be lost (a record, a charge's
// payment event) as record describes.
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

func (r *Runner) send(ctx context.Context, a *Action) (string, error) {
	return r.attempt(ctx, func() (string, error) { return r.Sender.Send(ctx, a.Key, a.Notice) })
}

// attempt calls do up to Attempts times while it fails transiently, with
// Backoff doubling between tries.
func (r *Runner) attempt(ctx context.Context, do func() (string, error)) (string, error) {
	attempts := r.Attempts
	if attempts <= 0 {
		attempts = 3
	}
	backoff := r.backoff()
	var err error
	for i := 0; i < attempts; i++ {
		var id string
		id, err = do()
		if err == nil || errors.Is(err, ErrPermanent) || errors.Is(err, ErrSenderSetup) {
			return id, err
		}
		if i+1 < attempts {
			if serr := r.sleep(ctx, backoff<<i); serr != nil {
				return "", serr
			}
		}
	}
	return "", err
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
