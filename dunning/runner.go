package dunning

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/overduehq/overdue/notice"
)

// Sender delivers a rendered notice. The key is the action's idempotency
// key: a sender should pass it to its provider (as an SMTP Message-ID, an
// API idempotency key) so that a resend with the same key after a crash is
// recognised as the same message. Wrap ErrPermanent for failures a retry
// cannot fix (bad address, hard bounce); any other error is retried.
type Sender interface {
	Send(ctx context.Context, key string, n *notice.Notice) (messageID string, err error)
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
// the store with a lease, sends the notice (or stores the task), and records
// the outcome.
//
// Guarantees, for runners sharing one Store:
//   - An action completed in the store is never sent again by any runner:
//     Claim refuses a completed key.
//   - Two runners never hold one action at once: the second Claim gets
//     ErrClaimed until the first lease expires.
//   - Nothing is skipped: an action stays pending (planned again with the
//     same key) until its outcome is recorded.
//   - The one window: a runner that crashes after the sender accepted a
//     notice and before Complete recorded it leaves the outcome unknown. The
//     action is retried, with the same key, only after the lease expires.
//     A sender that deduplicates by key (SMTP Message-ID, provider
//     idempotency keys) then delivers it once; one that does not may deliver
//     it twice. That is the "exactly once" of this library: at most once per
//     key in the ledger, and exactly once at an idempotent receiver.
type Runner struct {
	Policy *Policy
	Store  Store
	Sender Sender
	Clock  Clock // default SystemClock
	// Owner names this runner in leases; default a random id. Runners that
	// share a store need distinct owners.
	Owner string
	// Lease is how long a claim lasts (default 5 minutes). It must exceed
	// the longest send including retries.
	Lease time.Duration
	// Attempts is how many times a transient send failure is tried within
	// one run (default 3), with Backoff doubling between tries (default
	// 200ms). After the last one the lease is released and the action is
	// retried on a later run, no sooner than RetryAfter (default 10 minutes).
	Attempts   int
	Backoff    time.Duration
	RetryAfter time.Duration
	// Sleep waits between attempts; tests replace it. Default: a timer that
	// honours ctx.
	Sleep func(ctx context.Context, d time.Duration) error
	// Logger, when set, receives one line per action.
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
	// StatusBusy: another runner holds the lease.
	StatusBusy Status = "busy"
	// StatusRetry: a transient failure; released for a later run.
	StatusRetry Status = "retry"
	// StatusProblem: the action cannot be carried out (Action.Problem).
	StatusProblem Status = "problem"
	// StatusLeaseLost: the lease expired before the outcome was recorded.
	StatusLeaseLost Status = "lease-lost"
	// StatusDeferred: outside the policy's send window in the customer's
	// time zone; not claimed, so a later run sends it.
	StatusDeferred Status = "deferred"
)

// Result is one action's outcome in a run.
type Result struct {
	Key       string `json:"key"`
	Status    Status `json:"status"`
	MessageID string `json:"message_id,omitempty"`
	Error     string `json:"error,omitempty"`
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

// Execute carries out actions planned (and perhaps reviewed) earlier. It
// returns an error only when the store fails; per-action outcomes are in the
// report.
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
		h := fnv.New64a()
		h.Write([]byte(r.owner()))
		rand.New(rand.NewPCG(h.Sum64(), 0x6f766572)).Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	}
	dc, _ := r.Store.(DoneChecker)
	var set *notice.Set
	var done map[string]bool
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
				return rep, fmt.Errorf("dunning: checking done keys: %w", err)
			}
		}
		if done[acts[i].Key] {
			rep.Counts[StatusDone]++
			rep.Results = append(rep.Results, Result{Key: acts[i].Key, Status: StatusDone})
			continue
		}
		res, err := r.one(ctx, &acts[i], &set)
		if err != nil {
			return rep, err
		}
		rep.Counts[res.Status]++
		rep.Results = append(rep.Results, res)
		if r.Logger != nil {
			r.Logger.LogAttrs(ctx, slog.LevelInfo, "dunning action", slog.String("key", res.Key), slog.String("status", string(res.Status)), slog.String("error", res.Error))
		}
	}
	return rep, nil
}

// doneBatch is how many keys Execute asks a DoneChecker about at once.
const doneBatch = 128

// one carries out a; set holds the policy's templates, parsed at first use
// and kept for the rest of the Execute.
func (r *Runner) one(ctx context.Context, a *Action, set **notice.Set) (Result, error) {
	res := Result{Key: a.Key}
	if a.Problem != "" {
		res.Status, res.Error = StatusProblem, a.Problem
		return res, nil
	}
	if w := r.Policy.SendWindow; w != nil && (a.Kind == Email || a.Kind == SMS) {
		loc, err := time.LoadLocation(a.TimeZone)
		if err != nil {
			res.Status, res.Error = StatusProblem, fmt.Sprintf("customer %s: time zone %q: %v", a.CustomerID, a.TimeZone, err)
			return res, nil
		}
		if now := r.clock().Now(); !w.Contains(now, loc) {
			res.Status, res.Error = StatusDeferred, "outside the send window until "+w.Next(now, loc).In(loc).Format("2006-01-02 15:04 MST")
			return res, nil
		}
	}
	lease := r.Lease
	if lease <= 0 {
		lease = 5 * time.Minute
	}
	claim, err := r.Store.Claim(ctx, a.Key, r.owner(), r.clock().Now(), lease)
	switch {
	case errors.Is(err, ErrAlreadyDone):
		res.Status = StatusDone
		return res, nil
	case errors.Is(err, ErrClaimed):
		res.Status = StatusBusy
		return res, nil
	case err != nil:
		return res, fmt.Errorf("dunning: claim %s: %w", a.Key, err)
	}
	out := Sent
	if a.Kind.IsNotice() {
		if r.Sender == nil {
			return res, errors.New("dunning: Runner needs a Sender for notices")
		}
		if a.Notice.Subject == "" && a.Notice.Text == "" {
			if *set == nil {
				*set = r.Policy.templates()
			}
			if err := (*set).Render(a.Notice); err != nil {
				// A template fault: give the claim back at once, report it,
				// and leave the action pending until the templates are fixed.
				res.Status, res.Error = StatusProblem, "render: "+err.Error()
				if rerr := r.Store.Release(ctx, claim, r.clock().Now(), res.Error); rerr != nil && !errors.Is(rerr, ErrLeaseLost) {
					return res, fmt.Errorf("dunning: release %s: %w", a.Key, rerr)
				}
				return res, nil
			}
		}
		id, err := r.send(ctx, a)
		switch {
		case err == nil:
			res.MessageID = id
		case errors.Is(err, ErrPermanent):
			out, res.Error = Failed, err.Error()
		default:
			after := r.RetryAfter
			if after <= 0 {
				after = 10 * time.Minute
			}
			res.Status, res.Error = StatusRetry, err.Error()
			if rerr := r.Store.Release(ctx, claim, r.clock().Now().Add(after), err.Error()); rerr != nil && !errors.Is(rerr, ErrLeaseLost) {
				return res, fmt.Errorf("dunning: release %s: %w", a.Key, rerr)
			}
			return res, nil
		}
	} else if a.Task != nil {
		if err := r.Store.SaveTask(ctx, *a.Task); err != nil {
			return res, fmt.Errorf("dunning: save task %s: %w", a.Key, err)
		}
	}
	rec := a.Record(out, r.clock().Now())
	rec.MessageID, rec.Error = res.MessageID, res.Error
	if err := r.Store.Complete(ctx, claim, rec); err != nil {
		if errors.Is(err, ErrLeaseLost) {
			res.Status = StatusLeaseLost
			return res, nil
		}
		return res, fmt.Errorf("dunning: complete %s: %w", a.Key, err)
	}
	res.Status = StatusSent
	if out == Failed {
		res.Status = StatusFailed
	}
	return res, nil
}

func (r *Runner) send(ctx context.Context, a *Action) (string, error) {
	attempts := r.Attempts
	if attempts <= 0 {
		attempts = 3
	}
	backoff := r.Backoff
	if backoff <= 0 {
		backoff = 200 * time.Millisecond
	}
	sleep := r.Sleep
	if sleep == nil {
		sleep = sleepCtx
	}
	var err error
	for i := 0; i < attempts; i++ {
		var id string
		id, err = r.Sender.Send(ctx, a.Key, a.Notice)
		if err == nil || errors.Is(err, ErrPermanent) {
			return id, err
		}
		if i+1 < attempts {
			if serr := sleep(ctx, backoff<<i); serr != nil {
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

// Record stores an event from the app (a payment, a bounce, ...). The app
// also applies invoice events to its own invoices (Invoice.Apply), since it
// owns them and passes them to the next plan.
func (r *Runner) Record(ctx context.Context, e Event) error {
	return r.Store.AppendEvent(ctx, e)
}
