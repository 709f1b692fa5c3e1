package dunning_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/overduehq/overdue/notice"
	"github.com/overduehq/overdue/schedule"
	"github.com/overduehq/overdue/store/memory"
	"github.com/shopspring/decimal"
)

// flaky fails its first `fails` sends with err, then delivers.
type flaky struct {
	fails int
	err   error
	calls int
	rec   dunningtest.Sender
}

func (f *flaky) Send(ctx context.Context, key string, n *notice.Notice) (string, error) {
	f.calls++
	if f.calls <= f.fails {
		return "", f.err
	}
	return f.rec.Send(ctx, key, n)
}

// On 2026-04-14 onePortfolio's invoice (due 03-31) is at overdue-1.
func overdueRunner(st dunning.Store, s dunning.Sender, clock *dunningtest.Clock, sleeps *[]time.Duration) *dunning.Runner {
	return &dunning.Runner{
		Policy: stdPolicy(), Store: st, Sender: s, Clock: clock, Owner: "t",
		Sleep: func(_ context.Context, d time.Duration) error { *sleeps = append(*sleeps, d); return nil },
	}
}

func TestRunnerRetriesTransientErrorsWithBackoff(t *testing.T) {
	var sleeps []time.Duration
	s := &flaky{fails: 2, err: errors.New("421 try later")}
	r := overdueRunner(memory.New(), s, dunningtest.ClockAt(day("2026-04-14")), &sleeps)
	rep, err := r.Run(context.Background(), onePortfolio())
	if err != nil {
		t.Fatal(err)
	}
	// Default: 3 attempts, backoff 200ms doubling: 200ms, then 400ms.
	if diff := cmp.Diff([]time.Duration{200 * time.Millisecond, 400 * time.Millisecond}, sleeps); diff != "" {
		t.Errorf("sleeps (-want +got):\n%s", diff)
	}
	if s.calls != 3 || rep.Counts[dunning.StatusSent] != 1 || len(s.rec.Sent()) != 1 {
		t.Errorf("calls %d, counts %v, delivered %d", s.calls, rep.Counts, len(s.rec.Sent()))
	}
}

func TestRunnerReleasesAfterLastAttemptAndRetriesLater(t *testing.T) {
	var sleeps []time.Duration
	clock := dunningtest.ClockAt(day("2026-04-14"))
	st := memory.New(memory.WithClock(clock)) // leases and retry times on the store's clock
	s := &flaky{fails: 3, err: errors.New("connection refused")}
	r := overdueRunner(st, s, clock, &sleeps)
	pf := onePortfolio()
	rep, err := r.Run(context.Background(), pf)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Counts[dunning.StatusRetry] != 1 || len(s.rec.Sent()) != 0 {
		t.Fatalf("first run: %v", rep.Counts)
	}
	// Within RetryAfter (default 10 minutes) the action is not tried.
	clock.Advance(9 * time.Minute)
	rep, _ = r.Run(context.Background(), pf)
	if rep.Counts[dunning.StatusBusy] != 1 || s.calls != 3 {
		t.Fatalf("after 9 minutes: %v, calls %d", rep.Counts, s.calls)
	}
	clock.Advance(2 * time.Minute)
	rep, _ = r.Run(context.Background(), pf)
	if rep.Counts[dunning.StatusSent] != 1 || len(s.rec.Sent()) != 1 {
		t.Fatalf("after 11 minutes: %v", rep.Counts)
	}
	recs, _ := st.Records(context.Background())
	// Two claims: the first released, the second completed.
	if len(recs) != 1 || recs[0].Attempts != 2 {
		t.Errorf("records %+v", recs)
	}
}

func TestRunnerPermanentFailureSendsFallbackInSameRun(t *testing.T) {
	wf := dunning.DefaultWorkflow("standard")
	for i := range wf.Steps {
		wf.Steps[i].OnBounce = dunning.Letter
	}
	pol := dunningtest.Policy(wf)
	st := memory.New()
	calls := 0
	s := dunning.SenderFunc(func(_ context.Context, key string, n *notice.Notice) (string, error) {
		calls++
		if n.Channel == notice.Email {
			return "", fmt.Errorf("550 no such user: %w", dunning.ErrPermanent)
		}
		return key, nil
	})
	r := &dunning.Runner{Policy: pol, Store: st, Sender: s, Clock: dunningtest.ClockAt(day("2026-04-14")), Owner: "t"}
	rep, err := r.Run(context.Background(), onePortfolio())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Counts[dunning.StatusFailed] != 1 || rep.Counts[dunning.StatusSent] != 1 || calls != 2 {
		t.Fatalf("counts %v, calls %d", rep.Counts, calls)
	}
	recs, _ := st.Records(context.Background())
	if len(recs) != 2 || recs[0].Outcome != dunning.Failed || recs[1].Kind != dunning.Letter || recs[1].Key != recs[0].Key+"/fallback" {
		t.Fatalf("records: %+v", recs)
	}
	// The fallback is done: the next run, the next day, sends nothing new.
	r.Clock = dunningtest.ClockAt(day("2026-04-15"))
	rep, _ = r.Run(context.Background(), onePortfolio())
	if rep.Planned != 0 {
		t.Errorf("next day planned %d actions: %+v", rep.Planned, rep.Results)
	}
}

func TestBounceEventPlansFallbackTask(t *testing.T) {
	st := memory.New()
	snd := &dunningtest.Sender{}
	r := &dunning.Runner{Policy: stdPolicy(), Store: st, Sender: snd, Clock: dunningtest.ClockAt(day("2026-04-14")), Owner: "t"}
	pf := onePortfolio()
	if _, err := r.Run(context.Background(), pf); err != nil {
		t.Fatal(err)
	}
	key := snd.Sent()[0].Key
	if err := r.Record(context.Background(), dunning.Event{ID: "b1", Kind: dunning.NoticeBounced, Key: key, Date: day("2026-04-15")}); err != nil {
		t.Fatal(err)
	}
	r.Clock = dunningtest.ClockAt(day("2026-04-15"))
	acts, err := r.Plan(context.Background(), pf)
	if err != nil {
		t.Fatal(err)
	}
	// No OnBounce set: the fallback is a collector task.
	if len(acts) != 1 || !acts[0].Fallback || acts[0].Kind != dunning.Task || acts[0].Key != key+"/fallback" {
		t.Fatalf("plan after bounce: %+v", acts)
	}
	if _, err := r.Execute(context.Background(), acts); err != nil {
		t.Fatal(err)
	}
	tasks, err := st.Tasks(context.Background(), "")
	if err != nil || len(tasks) != 1 || tasks[0].CustomerID != "c1" {
		t.Fatalf("tasks %+v, %v", tasks, err)
	}
}

// After overdue-1 (2026-04-14) the customer promises on 04-15 to pay by
// 04-20, and does not. Resume waits for the next step's own date
// (overdue-2 = due 03-31 + 30 = 04-30); escalate sends overdue-2 on the
// first day the promise is broken, 04-21. Nothing goes out 04-15..04-20;
// final follows on its own date, 03-31 + 45 = 05-15, in both modes.
func TestBrokenPromiseResumesOrEscalates(t *testing.T) {
	for _, tc := range []struct {
		mode dunning.BrokenPromise
		want []string
	}{
		{dunning.ResumeOnBroken, []string{"2026-04-14 overdue-1", "2026-04-30 overdue-2", "2026-05-15 final"}},
		{dunning.EscalateOnBroken, []string{"2026-04-14 overdue-1", "2026-04-21 overdue-2", "2026-05-15 final"}},
	} {
		t.Run(string(tc.mode), func(t *testing.T) {
			wf := dunning.DefaultWorkflow("standard")
			wf.OnBrokenPromise = tc.mode
			pol := dunningtest.Policy(wf)
			st := memory.New()
			pf := onePortfolio()
			var got []string
			for d := day("2026-04-01"); d <= day("2026-05-31"); d++ {
				if d == day("2026-04-15") {
					if err := pf.Invoices[0].Apply(dunning.Event{ID: "p1", Kind: dunning.PromiseMade, Date: d, Until: day("2026-04-20"), Amount: decimal.RequireFromString("100")}); err != nil {
						t.Fatal(err)
					}
				}
				h, _ := st.History(context.Background())
				pf.History = h
				for _, a := range runDay(t, pol, st, pf, d) {
					if d >= day("2026-04-02") {
						got = append(got, d.String()+" "+a.Step)
					}
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestRunnerProblemActionsAreReportedNotSent(t *testing.T) {
	pf := onePortfolio()
	pf.Customers[0].Contacts = nil // no email, no address
	snd := &dunningtest.Sender{}
	r := &dunning.Runner{Policy: stdPolicy(), Store: memory.New(), Sender: snd, Clock: dunningtest.ClockAt(day("2026-04-14")), Owner: "t"}
	rep, err := r.Run(context.Background(), pf)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Counts[dunning.StatusProblem] != 1 || len(snd.Sent()) != 0 {
		t.Errorf("counts %v, sent %d", rep.Counts, len(snd.Sent()))
	}
}

// A send window of Monday to Friday, 09:00-17:00 in the customer's zone
// (Europe/Berlin, UTC+2 in April). Tuesday 2026-04-14 at 16:30 UTC is 18:30
// in Berlin: the email is deferred, unclaimed, to Wednesday 09:00 CEST. At
// 07:30 UTC on Wednesday (09:30 CEST) it goes out. A letter is not held.
func TestRunnerHonoursSendWindow(t *testing.T) {
	if _, err := time.LoadLocation("Europe/Berlin"); err != nil {
		t.Skip("no tzdata")
	}
	pol := stdPolicy()
	pol.SendWindow = &schedule.SendWindow{Days: []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}, Start: 9 * time.Hour, End: 17 * time.Hour}
	pf := onePortfolio()
	pf.Customers[0].TimeZone = "Europe/Berlin"
	st := memory.New()
	snd := &dunningtest.Sender{}
	clock := dunningtest.NewClock(time.Date(2026, 4, 14, 16, 30, 0, 0, time.UTC))
	r := &dunning.Runner{Policy: pol, Store: st, Sender: snd, Clock: clock, Owner: "t"}
	rep, err := r.Run(context.Background(), pf)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Counts[dunning.StatusDeferred] != 1 || len(snd.Sent()) != 0 || !strings.Contains(rep.Results[0].Error, "2026-04-15 09:00 CEST") {
		t.Fatalf("evening run: %+v", rep)
	}
	clock.Set(time.Date(2026, 4, 15, 7, 30, 0, 0, time.UTC))
	rep, _ = r.Run(context.Background(), pf)
	if rep.Counts[dunning.StatusSent] != 1 || len(snd.Sent()) != 1 {
		t.Fatalf("morning run: %+v", rep.Counts)
	}
	// Letters go out at any hour.
	wf := dunning.DefaultWorkflow("standard")
	for i := range wf.Steps {
		wf.Steps[i].Action = dunning.Letter
	}
	pol2 := dunningtest.Policy(wf)
	pol2.SendWindow = pol.SendWindow
	r2 := &dunning.Runner{Policy: pol2, Store: memory.New(), Sender: &dunningtest.Sender{}, Clock: dunningtest.NewClock(time.Date(2026, 4, 14, 22, 0, 0, 0, time.UTC)), Owner: "t"}
	if rep, _ := r2.Run(context.Background(), pf); rep.Counts[dunning.StatusSent] != 1 {
		t.Errorf("letter at night: %+v", rep.Counts)
	}
}

// faultyStore wraps a store and injects failures per call.
type faultyStore struct {
	dunning.Store
	mu sync.Mutex
	// claim, when set, returns the error a Claim of key fails with.
	claim func(key string) error
	// complete, when set, is asked before the n-th Complete of key (from
	// 1): commit says whether the real Complete runs first, err what the
	// call returns instead of its result.
	complete  func(key string, n int) (commit bool, err error)
	completes map[string]int
}

func (s *faultyStore) Claim(ctx context.Context, p dunning.ClaimParams) (dunning.Claim, error) {
	if s.claim != nil {
		if err := s.claim(p.Key); err != nil {
			return dunning.Claim{}, err
		}
	}
	return s.Store.Claim(ctx, p)
}

func (s *faultyStore) Complete(ctx context.Context, c dunning.Claim, rec dunning.Record) error {
	s.mu.Lock()
	if s.completes == nil {
		s.completes = map[string]int{}
	}
	s.completes[c.Key]++
	n := s.completes[c.Key]
	s.mu.Unlock()
	if s.complete != nil {
		if commit, err := s.complete(c.Key, n); err != nil {
			if commit {
				if cerr := s.Store.Complete(ctx, c, rec); cerr != nil {
					return cerr
				}
			}
			return err
		}
	}
	return s.Store.Complete(ctx, c, rec)
}

// counting delivers every send and counts it per key (no deduplication,
// no look-up), as a plain relay would.
type counting struct {
	mu   sync.Mutex
	sent map[string]int
	// during, when set, runs inside Send after the delivery.
	during func()
}

func (c *counting) Send(ctx context.Context, key string, n *notice.Notice) (string, error) {
	c.mu.Lock()
	if c.sent == nil {
		c.sent = map[string]int{}
	}
	c.sent[key]++
	c.mu.Unlock()
	if c.during != nil {
		c.during()
	}
	return "id-" + key, nil
}

func (c *counting) count(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sent[key]
}

// threePortfolio has customers c1..c3, one invoice each, at overdue-1 on
// 2026-04-14.
func threePortfolio() dunning.Portfolio {
	var pf dunning.Portfolio
	for _, c := range []string{"c1", "c2", "c3"} {
		pf.Customers = append(pf.Customers, dunningtest.Customer(c))
		pf.Invoices = append(pf.Invoices, dunningtest.Invoice("i-"+c, c, day("2026-03-02"), day("2026-03-31"), "100.00", "EUR"))
	}
	return pf
}

// A graceful shutdown cancels the run's context while the provider is
// accepting a notice: the notice is still recorded (recording runs on a
// context the cancellation cannot cut), and the next run sends nothing.
func TestRunnerRecordsSendWhenCancelledDuringIt(t *testing.T) {
	clock := dunningtest.ClockAt(day("2026-04-14"))
	st := memory.New(memory.WithClock(clock))
	ctx, cancel := context.WithCancel(context.Background())
	snd := &counting{during: cancel}
	r := &dunning.Runner{Policy: stdPolicy(), Store: st, Sender: snd, Clock: clock, Owner: "t"}
	rep, err := r.Run(ctx, onePortfolio())
	if !errors.Is(err, context.Canceled) && err != nil {
		t.Fatalf("Run: %v", err)
	}
	if rep.Counts[dunning.StatusSent] != 1 {
		t.Fatalf("results %+v, want the send recorded", rep.Results)
	}
	recs, _ := st.Records(context.Background())
	if len(recs) != 1 || recs[0].MessageID != "id-"+recs[0].Key {
		t.Fatalf("records %+v", recs)
	}
	snd.during = nil
	if _, err := r.Run(context.Background(), onePortfolio()); err != nil {
		t.Fatal(err)
	}
	if n := snd.count(recs[0].Key); n != 1 {
		t.Errorf("delivered %d times, want 1", n)
	}
}

// Complete fails once without committing, or commits and then fails (the
// reply lost): either way the runner retries, the notice is recorded once
// and delivered once, and the action counts as sent.
func TestRunnerRetriesCompleteAndRecognisesAmbiguousCommit(t *testing.T) {
	for _, commit := range []bool{false, true} {
		t.Run(fmt.Sprintf("committed=%v", commit), func(t *testing.T) {
			clock := dunningtest.ClockAt(day("2026-04-14"))
			st := &faultyStore{Store: memory.New(memory.WithClock(clock)), complete: func(key string, n int) (bool, error) {
				if n == 1 {
					return commit, errors.New("connection reset by peer")
				}
				return false, nil
			}}
			snd := &counting{}
			var sleeps []time.Duration
			r := overdueRunner(st, snd, clock, &sleeps)
			rep, err := r.Run(context.Background(), onePortfolio())
			if err != nil {
				t.Fatal(err)
			}
			if rep.Counts[dunning.StatusSent] != 1 || len(sleeps) != 1 {
				t.Fatalf("results %+v, sleeps %v; want sent after one backoff", rep.Results, sleeps)
			}
			key := rep.Results[0].Key
			recs, _ := st.Records(context.Background())
			if len(recs) != 1 || st.completes[key] != 2 {
				t.Fatalf("records %d, completes %d; want 1 record after 2 calls", len(recs), st.completes[key])
			}
			// A later run, after the lease, sends nothing again.
			clock.Advance(time.Hour)
			if _, err := r.Run(context.Background(), onePortfolio()); err != nil {
				t.Fatal(err)
			}
			if n := snd.count(key); n != 1 {
				t.Errorf("delivered %d times, want 1", n)
			}
		})
	}
}

// One action's store failure is reported and the run goes on; a store that
// is down stops the run after StopAfter actions, naming the cause.
func TestRunnerStoreFailuresReportedThenStop(t *testing.T) {
	clock := dunningtest.ClockAt(day("2026-04-14"))
	down := errors.New("connection refused")
	st := &faultyStore{Store: memory.New(memory.WithClock(clock)), claim: func(key string) error {
		if strings.Contains(key, "/c2/") {
			return down
		}
		return nil
	}}
	snd := &counting{}
	r := &dunning.Runner{Policy: stdPolicy(), Store: st, Sender: snd, Clock: clock, Owner: "t"}
	rep, err := r.Run(context.Background(), threePortfolio())
	if err != nil {
		t.Fatalf("one failing action stopped the run: %v", err)
	}
	if rep.Counts[dunning.StatusSent] != 2 || rep.Counts[dunning.StatusError] != 1 {
		t.Fatalf("counts %v, want 2 sent, 1 error", rep.Counts)
	}
	for _, res := range rep.Results {
		if res.Status == dunning.StatusError && !strings.Contains(res.Error, "connection refused") {
			t.Errorf("error result %+v does not name the cause", res)
		}
	}

	st2 := &faultyStore{Store: memory.New(memory.WithClock(clock)), claim: func(string) error { return down }}
	pf := threePortfolio()
	for _, c := range []string{"c4", "c5"} {
		pf.Customers = append(pf.Customers, dunningtest.Customer(c))
		pf.Invoices = append(pf.Invoices, dunningtest.Invoice("i-"+c, c, day("2026-03-02"), day("2026-03-31"), "100.00", "EUR"))
	}
	r2 := &dunning.Runner{Policy: stdPolicy(), Store: st2, Sender: snd, Clock: clock, Owner: "t", StopAfter: 2}
	rep, err = r2.Run(context.Background(), pf)
	if !errors.Is(err, down) || !strings.Contains(err.Error(), "store failed for 2 actions in a row") {
		t.Fatalf("Run with the store down: %v", err)
	}
	if len(rep.Results) != 2 {
		t.Errorf("results %+v, want 2 before the stop", rep.Results)
	}
}

// A sender that is down (every send fails transiently) stops the run after
// StopAfter actions; each is released for a later run.
func TestRunnerSenderDownStops(t *testing.T) {
	clock := dunningtest.ClockAt(day("2026-04-14"))
	st := memory.New(memory.WithClock(clock))
	s := &flaky{fails: 1000, err: errors.New("dial tcp: connection refused")}
	var sleeps []time.Duration
	r := overdueRunner(st, s, clock, &sleeps)
	rep, err := r.Run(context.Background(), threePortfolio())
	if err == nil || !strings.Contains(err.Error(), "sender failed for 3 actions in a row") {
		t.Fatalf("Run: %v", err)
	}
	if rep.Counts[dunning.StatusRetry] != 3 || s.calls != 9 {
		t.Errorf("counts %v, calls %d; want 3 released after 3 attempts each", rep.Counts, s.calls)
	}
}

// Ids that PostgreSQL cannot keep (a NUL byte, invalid UTF-8) make the
// action a problem before the claim: nothing is sent for it, the other
// customers are dunned.
func TestRunnerUnstorableIDIsAProblemNotSent(t *testing.T) {
	pf := threePortfolio()
	pf.Customers[0].ID, pf.Invoices[0].CustomerID = "c\x001", "c\x001"
	pf.Invoices[1].ID = "i-\xffc2"
	clock := dunningtest.ClockAt(day("2026-04-14"))
	var claimed []string
	st := &faultyStore{Store: memory.New(memory.WithClock(clock)), claim: func(key string) error { claimed = append(claimed, key); return nil }}
	snd := &counting{}
	r := &dunning.Runner{Policy: stdPolicy(), Store: st, Sender: snd, Clock: clock, Owner: "t"}
	rep, err := r.Run(context.Background(), pf)
	if err != nil {
		t.Fatal(err)
	}
	// Found before the claim: only the good customer's key was claimed.
	if len(claimed) != 1 || !strings.Contains(claimed[0], "/c3/") {
		t.Errorf("claimed %q, want only c3's key", claimed)
	}
	if rep.Counts[dunning.StatusProblem] != 2 || rep.Counts[dunning.StatusSent] != 1 || len(snd.sent) != 1 {
		t.Fatalf("results %+v, sent %v", rep.Results, snd.sent)
	}
	for _, res := range rep.Results {
		if res.Status != dunning.StatusProblem {
			continue
		}
		if !strings.Contains(res.Error, "NUL") && !strings.Contains(res.Error, "UTF-8") {
			t.Errorf("problem %q does not say why", res.Error)
		}
		if snd.count(res.Key) != 0 {
			t.Errorf("%s sent", res.Key)
		}
	}
	h, _ := st.History(context.Background())
	if p := h.(dunning.PendingHistory).Pending(); len(p) != 0 {
		t.Errorf("unstorable actions were claimed: %+v", p)
	}
}

// A per-customer notice over i1 and i2 is sent, then its runner loses the
// store before recording it. The customer gets another overdue invoice,
// i3. Until that outcome is resolved, i1 and i2 are planned only under the
// first key (no second notice for their step under a new key); i3 gets its
// own. With a plain sender the notice is resent under the same key
// (StatusResent); with a Looker the first send is confirmed and nothing is
// sent again (StatusRecovered).
func TestRunnerRegroupingAfterUnknownOutcomeKeepsKey(t *testing.T) {
	wf := dunning.DefaultWorkflow("standard")
	wf.Grouping = dunning.PerCustomer
	pol := dunningtest.Policy(wf)
	inv := func(id string) dunning.Invoice {
		return dunningtest.Invoice(id, "c1", day("2026-03-02"), day("2026-03-31"), "100.00", "EUR")
	}
	for _, look := range []bool{false, true} {
		t.Run(fmt.Sprintf("looker=%v", look), func(t *testing.T) {
			clock := dunningtest.ClockAt(day("2026-04-14"))
			mem := memory.New(memory.WithClock(clock))
			lost := errors.New("connection lost")
			st := &faultyStore{Store: mem, complete: func(string, int) (bool, error) { return false, lost }}
			var snd dunning.Sender
			plain, rec := &counting{}, &dunningtest.Sender{}
			deliveries := func(k string) int { return plain.count(k) }
			snd = plain
			if look {
				snd, deliveries = rec, func(k string) int { return rec.Attempts(k) }
			}
			pf := dunning.Portfolio{Customers: []dunning.Customer{dunningtest.Customer("c1")}, Invoices: []dunning.Invoice{inv("i1"), inv("i2")}}
			r := &dunning.Runner{Policy: pol, Store: st, Sender: snd, Clock: clock, Owner: "a", Lease: time.Minute,
				Sleep: func(context.Context, time.Duration) error { return nil }}
			rep, err := r.Run(context.Background(), pf)
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Results) != 1 || rep.Results[0].Status != dunning.StatusError {
				t.Fatalf("first run %+v, want the record to fail", rep.Results)
			}
			k1 := rep.Results[0].Key
			if !strings.HasPrefix(k1, "cust/c1/") || deliveries(k1) != 1 {
				t.Fatalf("key %s delivered %d times", k1, deliveries(k1))
			}

			pf.Invoices = append(pf.Invoices, inv("i3"))
			clock.Advance(2 * time.Minute) // past the lease
			st.complete = nil
			// Another runner (the first one's process is gone, and with it
			// the outcome it kept).
			r = &dunning.Runner{Policy: pol, Store: st, Sender: snd, Clock: clock, Owner: "b", Lease: time.Minute,
				Sleep: func(context.Context, time.Duration) error { return nil }}
			acts, err := r.Plan(context.Background(), pf)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string][]string{}
			for _, a := range acts {
				got[a.Key] = a.InvoiceIDs
			}
			want := map[string][]string{k1: {"i1", "i2"}, "inv/c1/i3/standard/overdue-1/c0": {"i3"}}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("plan after regrouping (-want +got):\n%s", diff)
			}
			rep, err = r.Execute(context.Background(), acts)
			if err != nil {
				t.Fatal(err)
			}
			wantStatus, wantDeliveries := dunning.StatusResent, 2
			if look {
				wantStatus, wantDeliveries = dunning.StatusRecovered, 1
			}
			for _, res := range rep.Results {
				if res.Key == k1 && res.Status != wantStatus {
					t.Errorf("%s: %s, want %s", k1, res.Status, wantStatus)
				}
			}
			if n := deliveries(k1); n != wantDeliveries {
				t.Errorf("%s delivered %d times, want %d", k1, n, wantDeliveries)
			}
			recs, _ := mem.Records(context.Background())
			if len(recs) != 2 {
				t.Fatalf("records %+v", recs)
			}
			for _, rc := range recs {
				if rc.Key == k1 && (!rc.Unknown || rc.Recovered != look) {
					t.Errorf("record %s: unknown %v recovered %v", k1, rc.Unknown, rc.Recovered)
				}
			}
			// Every invoice has its step once; nothing is planned again.
			if acts, _ := r.Plan(context.Background(), pf); len(acts) != 0 {
				t.Errorf("planned again: %+v", acts)
			}
		})
	}
}

// slowClaims is a store whose Claim takes d.
type slowClaims struct {
	dunning.Store
	d time.Duration
}

func (s slowClaims) Claim(ctx context.Context, p dunning.ClaimParams) (dunning.Claim, error) {
	time.Sleep(s.d)
	return s.Store.Claim(ctx, p)
}

// A claim that took more than half the lease starts no send: the action is
// released and the next run (with a faster store) sends it.
func TestRunnerStartsNoSendTheLeaseMayNotCover(t *testing.T) {
	clock := dunningtest.ClockAt(day("2026-04-14"))
	mem := memory.New(memory.WithClock(clock))
	snd := &counting{}
	r := &dunning.Runner{Policy: stdPolicy(), Store: slowClaims{mem, 30 * time.Millisecond}, Sender: snd, Clock: clock, Owner: "t", Lease: 40 * time.Millisecond}
	rep, err := r.Run(context.Background(), onePortfolio())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Counts[dunning.StatusRetry] != 1 || len(snd.sent) != 0 {
		t.Fatalf("slow claim: %+v, sent %v", rep.Results, snd.sent)
	}
	r.Store, r.Lease = mem, time.Minute
	if rep, _ := r.Run(context.Background(), onePortfolio()); rep.Counts[dunning.StatusSent] != 1 {
		t.Errorf("next run: %+v", rep.Results)
	}
}

// BenchmarkRunnerMemory: actions per second executed (claimed, sent by a
// no-op sender, recorded) on the memory store, 10,000 planned actions per
// iteration in a fresh store; planning is outside the timer. "render"
// includes rendering each notice (Execute renders what Plan left
// unrendered); "prerendered" has Policy.Render run outside the timer (a
// reviewed plan), so it measures the runner's own machinery.
func BenchmarkRunnerMemory(b *testing.B) {
	clock := dunningtest.ClockAt(day("2026-04-14"))
	const n = 10000
	var pf dunning.Portfolio
	for i := range n {
		id := fmt.Sprintf("c%05d", i)
		pf.Customers = append(pf.Customers, dunningtest.Customer(id))
		pf.Invoices = append(pf.Invoices, dunningtest.Invoice("i"+id, id, day("2026-03-02"), day("2026-03-31"), "120.00", "EUR"))
	}
	noop := dunning.SenderFunc(func(context.Context, string, *notice.Notice) (string, error) { return "", nil })
	for _, pre := range []bool{false, true} {
		b.Run(map[bool]string{false: "render", true: "prerendered"}[pre], func(b *testing.B) {
			b.ReportAllocs()
			var busy time.Duration
			for range b.N {
				b.StopTimer()
				pol := stdPolicy()
				r := &dunning.Runner{Policy: pol, Store: memory.New(memory.WithClock(clock)), Sender: noop, Clock: clock, Owner: "b"}
				acts, err := r.Plan(context.Background(), pf)
				if err != nil {
					b.Fatal(err)
				}
				if pre {
					pol.Render(acts)
				}
				b.StartTimer()
				t0 := time.Now()
				rep, err := r.Execute(context.Background(), acts)
				busy += time.Since(t0)
				if err != nil || rep.Counts[dunning.StatusSent] != n {
					b.Fatalf("sent %d of %d: %v", rep.Counts[dunning.StatusSent], n, err)
				}
			}
			b.ReportMetric(float64(n*b.N)/busy.Seconds(), "actions/s")
		})
	}
}
