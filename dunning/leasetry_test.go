package dunning_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/overduehq/overdue/notice"
	"github.com/overduehq/overdue/store/memory"
)

// A try that fails transiently is not tried again once the wait before
// the retry would leave less than half the lease: runner a gives the claim
// back rather than sending (or charging) after another runner may have
// taken the key over. Runner a's waits pass on the store's clock; the
// first that passes the lease lets runner b run in the meantime, as a
// second process would. No process dies, so nothing may go out twice;
// the action goes out once, on a later run.
func TestRetryDoesNotOutliveLease(t *testing.T) {
	for _, kind := range []string{"notice", "charge"} {
		t.Run(kind, func(t *testing.T) {
			const lease = time.Hour
			ctx := context.Background()
			var mu sync.Mutex
			calls, done := 0, map[string]int{}
			carry := func(key string) error { // the first try fails, and took nothing
				mu.Lock()
				defer mu.Unlock()
				if calls++; calls == 1 {
					return errors.New("provider timeout (nothing accepted)")
				}
				done[key]++
				return nil
			}
			snd := dunning.SenderFunc(func(_ context.Context, key string, _ *notice.Notice) (string, error) {
				return "msg-" + key, carry(key)
			})
			col := dunning.CollectorFunc(func(_ context.Context, key string, req dunning.ChargeRequest) (dunning.ChargeResult, error) {
				if err := carry(key); err != nil {
					return dunning.ChargeResult{}, err
				}
				return dunning.ChargeResult{Outcome: dunning.Charged, TransactionID: "ch-" + key, Amount: req.Amount.Amount}, nil
			})
			clock := dunningtest.ClockAt(day("2026-04-14"))
			pol, pf := stdPolicy(), onePortfolio()
			if kind == "charge" {
				clock = dunningtest.ClockAt(day("2026-11-02")) // subsWorkflow's first retry
				pol = dunningtest.Policy(subsWorkflow())
				pf = dunning.Portfolio{Customers: []dunning.Customer{dunningtest.Customer("c1")},
					Invoices: []dunning.Invoice{dunningtest.Invoice("i1", "c1", day("2026-10-02"), day("2026-11-01"), "50.00", "GBP")}}
			}
			st := memory.New(memory.WithClock(clock))
			runner := func(owner string) *dunning.Runner {
				return &dunning.Runner{Policy: pol, Store: st, Sender: snd, Collector: col, Hook: &hookLog{}, Clock: clock, Owner: owner,
					Lease: lease, Backoff: lease + time.Minute, Sleep: func(context.Context, time.Duration) error { return nil }}
			}
			a, b := runner("a"), runner("b")
			var waited time.Duration
			var repB dunning.Report
			a.Sleep = func(ctx context.Context, d time.Duration) error {
				clock.Advance(d)
				if waited += d; waited > lease && repB.Counts == nil {
					repB, _ = b.Run(ctx, pf) // a's lease ran out on the store's clock
				}
				return nil
			}
			repA, err := a.Run(ctx, pf)
			if err != nil {
				t.Fatal(err)
			}
			clock.Advance(11 * time.Minute) // past RetryAfter
			repA2, err := a.Run(ctx, pf)
			if err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(done) != 1 {
				t.Errorf("carried out %v, want one key", done)
			}
			for k, n := range done {
				if n != 1 {
					t.Errorf("%s carried out %d times, though no process died; a: %+v, b: %+v, a again: %+v", k, n, repA.Results, repB.Results, repA2.Results)
				}
			}
			if len(repA.Results) != 1 || repA.Results[0].Status != dunning.StatusRetry || repB.Counts != nil {
				t.Errorf("first run %+v (b ran: %v), want one retry and no take-over", repA.Results, repB.Counts != nil)
			}
			recs, _ := st.Records(ctx)
			if len(recs) != 1 || recs[0].Unknown {
				t.Errorf("records %+v, want one, its outcome known", recs)
			}
		})
	}
}

// lateAccepter is a Looker whose provider, on the first send, accepts
// just as the send's context ends and returns the context's error; a
// provider that takes longer than twice the lease lets runner then run
// first (a second process whose claim finds the lease run out) and then
// accepts. Later sends are accepted at once.
type lateAccepter struct {
	lease time.Duration
	then  func()
	mu    sync.Mutex
	calls int
	got   map[string]int
}

func (s *lateAccepter) accept(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.got[key]++
}

func (s *lateAccepter) Send(ctx context.Context, key string, _ *notice.Notice) (string, error) {
	s.mu.Lock()
	s.calls++
	first := s.calls == 1
	s.mu.Unlock()
	if !first {
		s.accept(key)
		return "msg-" + key, nil
	}
	select {
	case <-ctx.Done():
	case <-time.After(2 * s.lease):
	}
	if ctx.Err() != nil {
		s.accept(key) // accepted as the connection was cut: the sender cannot tell
		return "", ctx.Err()
	}
	s.then()
	s.accept(key)
	return "msg-" + key, nil
}

func (s *lateAccepter) Lookup(_ context.Context, key string) (string, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return "msg-" + key, s.got[key] > 0, nil
}

// A provider slower than the lease: each try runs on a context that ends
// before the lease does, so no send is still under way when another runner
// may take the key over, and a try cut by it counts as an unknown outcome
// (the provider may have accepted just then): the claim is not given back
// as unsent, and the next claim, after the lease, asks the look-up and
// sends nothing again.
func TestSendIsCutBeforeLeaseEndsAndCountsAsUnknown(t *testing.T) {
	const lease = time.Second
	ctx := context.Background()
	st := memory.New() // leases on the machine's clock, as the runner measures them
	clock := dunningtest.ClockAt(day("2026-04-14"))
	snd := &lateAccepter{lease: lease, got: map[string]int{}}
	runner := func(owner string) *dunning.Runner {
		return &dunning.Runner{Policy: stdPolicy(), Store: st, Sender: snd, Clock: clock, Owner: owner, Lease: lease}
	}
	var repB dunning.Report
	snd.then = func() { repB, _ = runner("b").Run(ctx, onePortfolio()) }
	a := runner("a")
	acts, err := a.Plan(ctx, onePortfolio())
	if err != nil {
		t.Fatal(err)
	}
	a.Policy.Render(acts) // rendered before the claim: the lease is for the send
	repA, err := a.Execute(ctx, acts)
	if err != nil {
		t.Fatal(err)
	}
	if len(repA.Results) != 1 || repA.Results[0].Status != dunning.StatusOutcomeUnknown || !errors.Is(repA.Results[0].Err, dunning.ErrOutcomeUnknown) {
		t.Errorf("a: %+v (b ran meanwhile: %+v), want the outcome unknown", repA.Results, repB.Results)
	}
	time.Sleep(lease) // a's lease runs out
	repC, err := runner("c").Run(ctx, onePortfolio())
	if err != nil {
		t.Fatal(err)
	}
	snd.mu.Lock()
	defer snd.mu.Unlock()
	for k, n := range snd.got {
		if n != 1 {
			t.Errorf("%s accepted %d times, though no process died; a: %+v, b: %+v, c: %+v", k, n, repA.Results, repB.Results, repC.Results)
		}
	}
	if len(repC.Results) != 1 || repC.Results[0].Status != dunning.StatusRecovered || len(snd.got) != 1 {
		t.Errorf("c: %+v, accepted %v: want the first send recovered", repC.Results, snd.got)
	}
}
