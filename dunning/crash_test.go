package dunning_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/overduehq/overdue/notice"
	"github.com/overduehq/overdue/store/memory"
	"github.com/overduehq/overdue/store/sqlstore"
	"github.com/rickb777/date/v2"

	_ "github.com/jackc/pgx/v5/stdlib"
)

// crash is what the fault injector panics with: the process dies at that
// boundary, and nothing after it runs.
type crash struct{ where string }

// The boundaries a crash can hit: before and after every store write, every
// send, every event and every done-check.
var crashTargets = func() []string {
	var out []string
	for _, op := range []string{"claim", "send", "record", "release", "save task", "event", "done"} {
		out = append(out, "before "+op, "after "+op)
	}
	return out
}()

// faults crashes at the skip+1-th hit of target, and counts what it hit.
type faults struct {
	mu     sync.Mutex
	target string
	skip   int
	armed  bool
	// pendingSend is the key whose send was accepted last and not yet
	// recorded: a crash then leaves the outcome unknown.
	pendingSend string
	windowHits  map[string]int // crashes in the send-to-record window, by key
	lastHitKey  string         // pendingSend when the last crash hit
	hits        map[string]int // crashes, by target
}

func (f *faults) boundary(where string) {
	f.mu.Lock()
	hit := false
	if f.armed && where == f.target {
		if f.skip == 0 {
			hit, f.armed = true, false
		} else {
			f.skip--
		}
	}
	if hit {
		f.hits[where]++
		f.lastHitKey = f.pendingSend
		if f.pendingSend != "" {
			f.windowHits[f.pendingSend]++
		}
	}
	f.mu.Unlock()
	if hit {
		panic(crash{where})
	}
}

func (f *faults) arm(target string, skip int) {
	f.mu.Lock()
	f.target, f.skip, f.armed = target, skip, true
	f.mu.Unlock()
}

func (f *faults) disarm() {
	f.mu.Lock()
	f.armed = false
	f.mu.Unlock()
}

func (f *faults) setPending(key string) {
	f.mu.Lock()
	f.pendingSend = key
	f.mu.Unlock()
}

// crashStore wraps a Store with a boundary before and after each write and
// each done-check (it implements dunning.DoneChecker, forwarding to the
// store's, so the runner's done-check path is exercised).
type crashStore struct {
	dunning.Store
	f *faults
}

func (s crashStore) Claim(ctx context.Context, p dunning.ClaimParams) (dunning.Claim, error) {
	s.f.boundary("before claim")
	c, err := s.Store.Claim(ctx, p)
	s.f.boundary("after claim")
	return c, err
}

func (s crashStore) Complete(ctx context.Context, c dunning.Claim, rec dunning.Record) error {
	s.f.boundary("before record")
	err := s.Store.Complete(ctx, c, rec)
	if err == nil {
		s.f.setPending("")
	}
	s.f.boundary("after record")
	return err
}

func (s crashStore) Release(ctx context.Context, c dunning.Claim, p dunning.ReleaseParams) error {
	s.f.boundary("before release")
	err := s.Store.Release(ctx, c, p)
	s.f.boundary("after release")
	return err
}

func (s crashStore) SaveTask(ctx context.Context, t dunning.CollectorTask) error {
	s.f.boundary("before save task")
	err := s.Store.SaveTask(ctx, t)
	s.f.boundary("after save task")
	return err
}

func (s crashStore) AppendEvent(ctx context.Context, e dunning.Event) error {
	s.f.boundary("before event")
	err := s.Store.AppendEvent(ctx, e)
	s.f.boundary("after event")
	return err
}

func (s crashStore) Done(ctx context.Context, keys []string) (map[string]bool, error) {
	s.f.boundary("before done")
	m, err := s.Store.(dunning.DoneChecker).Done(ctx, keys)
	s.f.boundary("after done")
	return m, err
}

// crashBatchStore is crashStore with the batch methods (dunning.BatchStore)
// and dunning.StateChecker in place of the DoneChecker, a boundary before
// and after each ClaimMany, CompleteMany and States: the runner
// claims a whole chunk at once, so a crash after a batch claim leaves every
// key of the chunk claimed and unsent.
type crashBatchStore struct{ crashStore }

func (s crashBatchStore) ClaimMany(ctx context.Context, p dunning.ClaimManyParams) ([]dunning.ClaimResult, error) {
	s.f.boundary("before claim")
	res, err := s.Store.(dunning.BatchStore).ClaimMany(ctx, p)
	s.f.boundary("after claim")
	return res, err
}

// States is the batch path's done-check (dunning.StateChecker), with the
// done-check's boundaries.
func (s crashBatchStore) States(ctx context.Context, keys []string) (map[string]dunning.KeyState, error) {
	s.f.boundary("before done")
	m, err := s.Store.(dunning.StateChecker).States(ctx, keys)
	s.f.boundary("after done")
	return m, err
}

func (s crashBatchStore) CompleteMany(ctx context.Context, cs []dunning.Completion) ([]error, error) {
	s.f.boundary("before record")
	errs, err := s.Store.(dunning.BatchStore).CompleteMany(ctx, cs)
	if err == nil && len(errs) == 1 && errs[0] == nil {
		s.f.setPending("")
	}
	s.f.boundary("after record")
	return errs, err
}

// crashSender counts every delivery (it does not deduplicate), fails the
// first failFirst[key] sends of a key transiently, and crashes before and
// after delivering.
type crashSender struct {
	f          *faults
	mu         sync.Mutex
	deliveries map[string]int
	failFirst  map[string]int
	tries      map[string]int
}

func (s *crashSender) Send(ctx context.Context, key string, n *notice.Notice) (string, error) {
	s.f.boundary("before send")
	s.mu.Lock()
	s.tries[key]++
	fail := s.tries[key] <= s.failFirst[key]
	if !fail {
		s.deliveries[key]++
	}
	s.mu.Unlock()
	if fail {
		return "", fmt.Errorf("421 service not available")
	}
	s.f.setPending(key)
	s.f.boundary("after send")
	return "msg-" + key, nil
}

// crashWorkflow mixes every kind of action: emails, a letter, a collector
// task and a hold.
func crashWorkflow(rng *mrand.Rand) dunning.Workflow {
	wf := dunning.DefaultWorkflow("standard")
	for i := range wf.Steps {
		switch wf.Steps[i].Name {
		case "overdue-1":
			wf.Steps[i].Action = dunning.Letter
		case "overdue-2":
			wf.Steps[i].Action = dunning.Task
		}
	}
	hold := wf.Steps[len(wf.Steps)-1]
	hold.Name, hold.Action = "stop", dunning.HoldAction
	hold.At.Days += 15
	wf.Steps = append(wf.Steps, hold)
	wf.CatchUp = []dunning.CatchUp{dunning.Progressive, dunning.SendAllMissed, dunning.HighestOnly}[rng.IntN(3)]
	wf.MinGapDays = 0
	if rng.IntN(2) == 0 {
		wf.Grouping = dunning.PerCustomer
	}
	return wf
}

// crashPortfolio has 1-5 customers with 1-3 invoices each, named with
// prefix; the first invoice is due today, so an email is always due.
func crashPortfolio(rng *mrand.Rand, prefix string, today date.Date) dunning.Portfolio {
	var pf dunning.Portfolio
	for c := range 1 + rng.IntN(5) {
		cid := fmt.Sprintf("%sc%d", prefix, c)
		pf.Customers = append(pf.Customers, dunningtest.Customer(cid))
		for i := range 1 + rng.IntN(3) {
			due := today - date.Date(rng.IntN(80)) + 10
			if c == 0 && i == 0 {
				due = today // the "due" email
			}
			inv := dunningtest.Invoice(fmt.Sprintf("%s-i%d", cid, i), cid, due-30, due, fmt.Sprintf("%d.%02d", 50+rng.IntN(5000), rng.IntN(100)), "EUR")
			pf.Invoices = append(pf.Invoices, inv)
		}
	}
	return pf
}

// cover is one invoice reaching one step (or its fallback).
type cover struct{ inv, step string }

// coverage counts, over records, how often each invoice reached each step.
// ownInvoices lists the invoices of rec with a step of their own (not only
// listed).
func ownInvoices(rec dunning.Record) []string {
	var out []string
	for i, id := range rec.InvoiceIDs {
		if i >= len(rec.Listed) || !rec.Listed[i] {
			out = append(out, id)
		}
	}
	return out
}

// firstOwnInvoice is the first invoice with a step of its own of the
// planned action with the key.
func firstOwnInvoice(acts []dunning.Action, key string) string {
	for _, a := range acts {
		if a.Key == key {
			for i, id := range a.InvoiceIDs {
				if i >= len(a.Listed) || !a.Listed[i] {
					return id
				}
			}
		}
	}
	return ""
}

func coverage(t *testing.T, recs []dunning.Record) map[cover]int {
	out := map[cover]int{}
	for _, rec := range recs {
		for i, id := range rec.InvoiceIDs {
			if i < len(rec.Listed) && rec.Listed[i] {
				continue // only listed: no step of its own, see ownInvoices
			}
			step := rec.StepIndex
			if i < len(rec.Steps) {
				step = rec.Steps[i]
			}
			c := cover{id, fmt.Sprint(step)}
			if rec.Fallback {
				c.step += "/fallback"
			}
			out[c]++
		}
	}
	return out
}

// crashEnv is one store kind for the crash test: a fresh store for a run
// (with the runner clock it shares time with), and a way to let time pass
// on the store's clock.
type crashEnv struct {
	name  string
	runs  int
	fresh func(t *testing.T, clock *dunningtest.Clock) (st dunning.Store, advance func(time.Duration))
}

func memoryEnv(runs int) crashEnv {
	return crashEnv{name: "memory", runs: runs, fresh: func(t *testing.T, clock *dunningtest.Clock) (dunning.Store, func(time.Duration)) {
		return memory.New(memory.WithClock(clock)), clock.Advance
	}}
}

// postgresEnv shares one schema among all runs (each run's customers have
// their own prefix); letting time pass moves the schema's stored lease and
// retry times back, which is the same to every comparison with now().
func postgresEnv(t *testing.T, runs int) crashEnv {
	dsn := os.Getenv("OVERDUE_TEST_POSTGRES")
	if dsn == "" {
		t.Skip("OVERDUE_TEST_POSTGRES is not set: skipping the PostgreSQL crash test (.ci/run sets it)")
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "overdue_crash_" + hex.EncodeToString(b[:])
	st := sqlstore.New(db, schema)
	if _, err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = db.Exec(`DROP SCHEMA ` + schema + ` CASCADE`) })
	return crashEnv{name: "postgres", runs: runs, fresh: func(t *testing.T, clock *dunningtest.Clock) (dunning.Store, func(time.Duration)) {
		return st, func(d time.Duration) {
			clock.Advance(d)
			if _, err := db.Exec(`UPDATE `+schema+`.overdue_actions SET expires = expires - $1::bigint * interval '1 microsecond',
				not_before = not_before - $1::bigint * interval '1 microsecond'`, d.Microseconds()); err != nil {
				t.Fatal(err)
			}
		}
	}}
}

// TestCrashRecovery kills the runner at a chosen boundary (before or after
// a claim, a send, a record, a release, a task, an event, a done-check) in
// randomized runs over mixed action kinds (email, letter, task, hold),
// recovers, and checks against a run without faults: every planned action
// is recorded once, delivered once (more only when a crash fell between an
// accepted send and its record, and then under the same key), no task is
// lost, and nothing unplanned is sent. Every boundary must be hit at least
// runs/28 times. It runs on the memory store and on PostgreSQL.
func TestCrashRecovery(t *testing.T) {
	runs := 420
	if testing.Short() {
		runs = 140
	}
	t.Run("memory", func(t *testing.T) { crashRecovery(t, memoryEnv(runs)) })
	t.Run("postgres", func(t *testing.T) {
		pgRuns := 140
		if testing.Short() {
			pgRuns = 70
		}
		crashRecovery(t, postgresEnv(t, pgRuns))
	})
}

func crashRecovery(t *testing.T, env crashEnv) {
	ctx := context.Background()
	lease := 5 * time.Minute
	var crashes, windowCrashes, resent int
	hits := map[string]int{}
	for run := range env.runs {
		rng := mrand.New(mrand.NewPCG(uint64(run), 42))
		// Start early in the day: recovery lets up to hours pass.
		today := day("2026-03-02") + date.Date(rng.IntN(120))
		start := today.MidnightUTC().Add(5 * time.Minute)
		prefix := fmt.Sprintf("r%d-", run)
		pf := crashPortfolio(rng, prefix, today)
		pol := dunningtest.Policy(crashWorkflow(rng))

		// Reference: the same day without faults, then a bounce of the first
		// email, then its fallback.
		refClock := dunningtest.NewClock(start)
		ref := &dunning.Runner{Policy: pol, Store: memory.New(memory.WithClock(refClock)), Sender: &dunningtest.Sender{}, Clock: refClock, Owner: "ref"}
		wantKeys := map[string]dunning.ActionKind{}
		var want []dunning.Action // the first run's plan
		// refDay runs the day to its fixpoint: a task step does not count
		// for the minimum gap, so the next step may follow the same day.
		refDay := func() {
			for i := 0; ; i++ {
				acts, err := ref.Plan(ctx, pf)
				if err != nil {
					t.Fatal(err)
				}
				if want == nil {
					want = acts
				}
				rep, err := ref.Execute(ctx, acts)
				if err != nil {
					t.Fatal(err)
				}
				if rep.Counts[dunning.StatusDone] == len(acts) {
					return
				}
				for _, a := range acts {
					wantKeys[a.Key] = a.Kind
				}
				if i > 20 {
					t.Fatalf("run %d: the reference does not settle", run)
				}
			}
		}
		refDay()
		if len(want) == 0 {
			t.Fatalf("run %d plans nothing", run)
		}
		var bounce *dunning.Event
		for _, a := range want {
			if a.Kind == dunning.Email {
				bounce = &dunning.Event{ID: "bounce-" + a.Key, Kind: dunning.NoticeBounced, Key: a.Key, Date: today}
				break
			}
		}
		if bounce != nil {
			if err := ref.Record(ctx, *bounce); err != nil {
				t.Fatal(err)
			}
			refDay()
		}

		f := &faults{windowHits: map[string]int{}, hits: hits}
		clock := dunningtest.NewClock(start)
		base, advance := env.fresh(t, clock)
		var st dunning.Store = crashStore{Store: base, f: f}
		if run%2 == 1 {
			// Every other run through the batch path, with its boundaries.
			st = crashBatchStore{crashStore{Store: base, f: f}}
		}
		snd := &crashSender{f: f, deliveries: map[string]int{}, failFirst: map[string]int{}, tries: map[string]int{}}
		released := false
		for _, a := range want {
			if a.Kind.IsNotice() && (!released || rng.IntN(4) == 0) {
				// 3: all of a run's attempts fail, so it is released.
				snd.failFirst[a.Key] = []int{1, 3, 3}[rng.IntN(3)]
				if !released {
					snd.failFirst[a.Key], released = 3, true
				}
			}
		}
		crashesLeft := 1 + rng.IntN(3)
		first := true
		attempt := 0
		newRunner := func(owner string) *dunning.Runner {
			return &dunning.Runner{Policy: pol, Store: st, Sender: snd, Clock: clock, Owner: owner, Lease: lease,
				Sleep: func(context.Context, time.Duration) error { return nil }}
		}
		arm := func() {
			f.mu.Lock()
			// A send left unknown by an earlier crash is past its lease now;
			// only a crash in this attempt can open a new window.
			f.pendingSend, f.lastHitKey = "", ""
			f.mu.Unlock()
			f.disarm()
			if crashesLeft > 0 {
				target := crashTargets[rng.IntN(len(crashTargets))]
				skip := rng.IntN(3)
				if first {
					// The run's own target, kept until it is hit; rare ones
					// (one event, few releases) at their first occurrence.
					target = crashTargets[run%len(crashTargets)]
					if strings.Contains(target, "event") || strings.Contains(target, "release") {
						skip = 0
					}
				}
				f.arm(target, skip)
			}
		}
		// try runs fn as a process that may crash; it reports the crash.
		try := func(fn func() error) (crashed bool, v any, err error) {
			defer func() {
				if v = recover(); v != nil {
					if _, ok := v.(crash); !ok {
						panic(v)
					}
					crashed = true
				}
			}()
			return false, nil, fn()
		}
		afterCrash := func(v any) {
			first = false
			crashes++
			crashesLeft--
			f.mu.Lock()
			unknown := f.lastHitKey
			f.mu.Unlock()
			if unknown != "" {
				windowCrashes++
				// Outcome unknown: a rerun within the lease must not send
				// it again.
				n := snd.deliveries[unknown]
				f.disarm()
				if _, err := newRunner("impatient").Run(ctx, pf); err != nil {
					t.Fatal(err)
				}
				if snd.deliveries[unknown] != n {
					t.Fatalf("run %d: %s resent within its lease (crash %+v, deliveries %d -> %d)", run, unknown, v, n, snd.deliveries[unknown])
				}
			}
			advance(lease + time.Minute)
		}
		// phase runs the day until a run completes without a crash and
		// with nothing left pending.
		phase := func() {
			for {
				attempt++
				if attempt > 60 {
					t.Fatalf("run %d: no progress after 60 attempts", run)
				}
				arm()
				var rep dunning.Report
				crashed, v, err := try(func() (err error) { rep, err = newRunner(fmt.Sprintf("r%d", attempt)).Run(ctx, pf); return err })
				if crashed {
					afterCrash(v)
					continue
				}
				resent += rep.Counts[dunning.StatusResent]
				if err != nil && !strings.Contains(err.Error(), "the sender failed for") {
					t.Fatalf("run %d: %v", run, err)
				}
				if err != nil || rep.Counts[dunning.StatusRetry] > 0 || rep.Counts[dunning.StatusBusy] > 0 || rep.Counts[dunning.StatusLeaseLost] > 0 || rep.Counts[dunning.StatusError] > 0 {
					advance(11 * time.Minute) // past RetryAfter and the lease
					continue
				}
				if rep.Counts[dunning.StatusDone] == rep.Planned {
					return // settled, as the reference
				}
			}
		}
		phase()
		if bounce != nil {
			// The same notice bounces here: the email that reached the
			// invoice the reference's bounced email did. Its key may differ
			// from the reference's when crashes regrouped the day (an
			// invoice whose task completed before a rerun is listed on its
			// customer's notice instead of planned beside it); while a
			// claim's outcome is unknown the key never changes (pending.go).
			recs, err := base.Records(ctx)
			if err != nil {
				t.Fatal(err)
			}
			bounced := firstOwnInvoice(want, bounce.Key)
			for _, rec := range recs {
				if rec.Kind == dunning.Email && !rec.Fallback && slices.Contains(ownInvoices(rec), bounced) {
					b := *bounce
					b.ID, b.Key = "bounce-"+rec.Key, rec.Key
					bounce = &b
					break
				}
			}
			for {
				arm()
				crashed, v, err := try(func() error { return newRunner("app").Record(ctx, *bounce) })
				if err != nil {
					t.Fatalf("run %d: %v", run, err)
				}
				if !crashed {
					break
				}
				afterCrash(v)
			}
			phase()
		}
		if date.NewAt(clock.Now().UTC()) != today {
			t.Fatalf("run %d: recovery left the day", run)
		}

		recs, err := base.Records(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var mine []dunning.Record
		for _, rec := range recs {
			if strings.HasPrefix(rec.CustomerID, prefix) {
				mine = append(mine, rec)
			}
		}
		refRecs, err := ref.Store.Records(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// Which invoice reached which step: the same as without faults, each
		// once. (Grouping may differ: a per-customer group that the
		// reference completed in one run can be completed over several
		// after crashes, so keys are compared through what they cover.)
		wantCover, gotCover := coverage(t, refRecs), coverage(t, mine)
		for c, n := range gotCover {
			if n != 1 {
				t.Errorf("run %d: invoice %s got step %s %d times", run, c.inv, c.step, n)
			}
			if wantCover[c] == 0 {
				t.Errorf("run %d: invoice %s got step %s, not planned without faults", run, c.inv, c.step)
			}
		}
		for c := range wantCover {
			if gotCover[c] == 0 {
				t.Errorf("run %d: invoice %s missed step %s", run, c.inv, c.step)
			}
		}
		recorded := map[string]dunning.ActionKind{}
		for _, rec := range mine {
			if _, dup := recorded[rec.Key]; dup {
				t.Errorf("run %d: key %s recorded twice", run, rec.Key)
			}
			recorded[rec.Key] = rec.Kind
		}
		for k, kind := range recorded {
			if !kind.IsNotice() {
				continue
			}
			n, allowed := snd.deliveries[k], 1+f.windowHits[k]
			if n < 1 || n > allowed {
				t.Errorf("run %d: %s delivered %d times, want 1..%d", run, k, n, allowed)
			}
		}
		for k := range snd.deliveries {
			if _, ok := recorded[k]; !ok {
				t.Errorf("run %d: delivered key %s, never recorded", run, k)
			}
		}
		tasks, err := base.Tasks(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		gotTasks := map[string]bool{}
		for _, tk := range tasks {
			if strings.HasPrefix(tk.CustomerID, prefix) {
				gotTasks[tk.ID] = true
			}
		}
		for k, kind := range recorded {
			if kind == dunning.Task && !gotTasks[k] {
				t.Errorf("run %d: task %s recorded but not stored", run, k)
			}
		}
	}
	t.Logf("%s: %d runs, %d crashes, %d between an accepted send and its record, %d resent after an unknown outcome; hits %v", env.name, env.runs, crashes, windowCrashes, resent, hits)
	minHits := env.runs / len(crashTargets) / 2
	for _, target := range crashTargets {
		if hits[target] < minHits {
			t.Errorf("%s: boundary %q hit %d times, want at least %d", env.name, target, hits[target], minHits)
		}
	}
	if crashes < env.runs {
		t.Errorf("%s: only %d crashes in %d runs: the injector is not reaching the runner", env.name, crashes, env.runs)
	}
}
