package dunning_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/overduehq/overdue/store/memory"
)

// recordsDown wraps a store whose records fail (as if the connection broke
// every time) for the claims refuse picks; everything else works.
type recordsDown struct {
	dunning.Store
	mu     sync.Mutex
	refuse func(c dunning.Claim) bool
	tries  int // records refused
	claims int // claims asked for
}

func (s *recordsDown) Claim(ctx context.Context, p dunning.ClaimParams) (dunning.Claim, error) {
	s.mu.Lock()
	s.claims++
	s.mu.Unlock()
	return s.Store.Claim(ctx, p)
}

func (s *recordsDown) Complete(ctx context.Context, c dunning.Claim, rec dunning.Record) error {
	s.mu.Lock()
	refuse := s.refuse != nil && s.refuse(c)
	if refuse {
		s.tries++
	}
	s.mu.Unlock()
	if refuse {
		return errors.New("unexpected EOF")
	}
	return s.Store.Complete(ctx, c, rec)
}

func (s *recordsDown) set(refuse func(c dunning.Claim) bool) {
	s.mu.Lock()
	s.refuse = refuse
	s.mu.Unlock()
}

// A runner whose records fail for the whole lease after a send keeps the
// outcome and does not send again while it lives: the store back within
// the lease, the next run records the kept outcome late (the key is then
// done); back only after the lease, its own take-over records the kept
// outcome, marked recovered. A runner without it (another process, or a
// restart) sends again: the one window the docs name. A kept outcome whose
// key another runner took over is dropped.
func TestRunnerKeepsOutcomeItCouldNotRecord(t *testing.T) {
	const lease = 5 * time.Minute
	always := func(dunning.Claim) bool { return true }
	firstAttempt := func(c dunning.Claim) bool { return c.Attempt == 1 }
	// start runs a first Run whose records all fail: one send, StatusError,
	// the key kept.
	start := func(t *testing.T) (*dunning.Runner, *recordsDown, *counting, *dunningtest.Clock, string) {
		t.Helper()
		clock := dunningtest.ClockAt(day("2026-04-14"))
		st := &recordsDown{Store: memory.New(memory.WithClock(clock)), refuse: always}
		snd := &counting{}
		var sleeps []time.Duration
		r := overdueRunner(st, snd, clock, &sleeps)
		r.Lease = lease
		rep, err := r.Run(context.Background(), onePortfolio())
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Results) != 1 || rep.Results[0].Status != dunning.StatusError {
			t.Fatalf("first run %+v, want one store error", rep.Results)
		}
		key := rep.Results[0].Key
		if st.tries < 2 || snd.count(key) != 1 {
			t.Fatalf("%d record tries, %d sends; want the record retried after one send", st.tries, snd.count(key))
		}
		if got := r.Unrecorded(); !slices.Equal(got, []string{key}) {
			t.Fatalf("Unrecorded() = %v, want [%s]", got, key)
		}
		return r, st, snd, clock, key
	}
	oneRecord := func(t *testing.T, st dunning.Store, key string, attempts int, unknown, recovered bool) {
		t.Helper()
		recs, err := st.Records(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 1 || recs[0].Key != key || recs[0].Attempts != attempts || recs[0].Unknown != unknown ||
			recs[0].Recovered != recovered || recs[0].MessageID != "id-"+key || recs[0].Outcome != dunning.Sent {
			t.Fatalf("records %+v, want one of %s: %d attempts, unknown %v, recovered %v, the first send's id", recs, key, attempts, unknown, recovered)
		}
	}
	only := func(t *testing.T, rep dunning.Report, st dunning.Status) {
		t.Helper()
		if len(rep.Results) != 1 || rep.Results[0].Status != st {
			t.Fatalf("results %+v, want one %s", rep.Results, st)
		}
	}

	t.Run("store back within the lease", func(t *testing.T) {
		r, st, snd, clock, key := start(t)
		st.set(nil)
		clock.Advance(time.Minute)
		// Run records the kept outcome before it plans: nothing is due.
		rep, err := r.Run(context.Background(), onePortfolio())
		if err != nil {
			t.Fatal(err)
		}
		if rep.Planned != 0 || len(rep.Results) != 0 {
			t.Fatalf("report %+v, want nothing planned", rep)
		}
		oneRecord(t, st, key, 1, false, false)
		if n := snd.count(key); n != 1 || len(r.Unrecorded()) != 0 {
			t.Errorf("delivered %d times, unrecorded %v; want 1, none", n, r.Unrecorded())
		}
	})

	t.Run("plan made while the store was down, executed after", func(t *testing.T) {
		r, st, snd, clock, key := start(t)
		acts, err := r.Plan(context.Background(), onePortfolio())
		if err != nil || len(acts) != 1 || acts[0].Key != key {
			t.Fatalf("plan %v, %v; want the pending key again", acts, err)
		}
		st.set(nil)
		clock.Advance(time.Minute)
		rep, err := r.Execute(context.Background(), acts)
		if err != nil {
			t.Fatal(err)
		}
		only(t, rep, dunning.StatusDone)
		oneRecord(t, st, key, 1, false, false)
		if n := snd.count(key); n != 1 || len(r.Unrecorded()) != 0 {
			t.Errorf("delivered %d times, unrecorded %v; want 1, none", n, r.Unrecorded())
		}
	})

	t.Run("store back after the lease", func(t *testing.T) {
		r, st, snd, clock, key := start(t)
		// The first claim's record still fails; the take-over's goes in.
		st.set(firstAttempt)
		clock.Advance(lease + time.Minute)
		rep, err := r.Run(context.Background(), onePortfolio())
		if err != nil {
			t.Fatal(err)
		}
		only(t, rep, dunning.StatusRecovered)
		oneRecord(t, st, key, 2, true, true)
		if n := snd.count(key); n != 1 || len(r.Unrecorded()) != 0 {
			t.Errorf("delivered %d times, unrecorded %v; want 1, none", n, r.Unrecorded())
		}
	})

	// The store answers again in the middle of a long run: the kept
	// outcome is recorded before the next chunk is claimed, so the run
	// finds its key done (not busy under its own unexpired claim).
	t.Run("store back during a run", func(t *testing.T) {
		clock := dunningtest.ClockAt(day("2026-04-14"))
		st := &recordsDown{Store: memory.New(memory.WithClock(clock))}
		customers := func(prefix string, n int) (cs []dunning.Customer, is []dunning.Invoice) {
			for i := range n {
				c := fmt.Sprintf("%s%02d", prefix, i)
				cs = append(cs, dunningtest.Customer(c))
				is = append(is, dunningtest.Invoice("i-"+c, c, day("2026-03-02"), day("2026-03-31"), "100.00", "EUR"))
			}
			return cs, is
		}
		late, lateInv := customers("z", 1)
		pf := dunning.Portfolio{Customers: late, Invoices: lateInv}
		st.set(always)
		snd := &counting{}
		var sleeps []time.Duration
		r := overdueRunner(st, snd, clock, &sleeps)
		r.Lease, r.BatchSize = lease, 8
		rep, err := r.Run(context.Background(), pf)
		if err != nil || len(rep.Results) != 1 || rep.Results[0].Status != dunning.StatusError {
			t.Fatalf("first run %+v, %v; want one store error", rep.Results, err)
		}
		key := rep.Results[0].Key
		// 16 new customers come first in the plan: chunks of 8, 8 and
		// then the kept key. Its record goes in once the first chunk's
		// claims were made.
		st.mu.Lock()
		st.claims = 0
		st.mu.Unlock()
		st.set(func(c dunning.Claim) bool { return c.Key == key && st.claims < 8 })
		more, moreInv := customers("a", 16)
		pf = dunning.Portfolio{Customers: append(more, late...), Invoices: append(moreInv, lateInv...)}
		clock.Advance(time.Minute)
		rep, err = r.Run(context.Background(), pf)
		if err != nil {
			t.Fatal(err)
		}
		for _, res := range rep.Results {
			want := dunning.StatusSent
			if res.Key == key {
				want = dunning.StatusDone
			}
			if res.Status != want {
				t.Errorf("%s: %s, want %s", res.Key, res.Status, want)
			}
		}
		if len(rep.Results) != 17 || snd.count(key) != 1 || len(r.Unrecorded()) != 0 {
			t.Errorf("%d results, %s delivered %d times, unrecorded %v; want 17, 1, none", len(rep.Results), key, snd.count(key), r.Unrecorded())
		}
	})

	t.Run("another runner after the lease sends again", func(t *testing.T) {
		r, st, snd, clock, key := start(t)
		st.set(nil)
		clock.Advance(lease + time.Minute)
		var sleeps []time.Duration
		other := overdueRunner(st, snd, clock, &sleeps)
		other.Owner = "other"
		rep, err := other.Run(context.Background(), onePortfolio())
		if err != nil {
			t.Fatal(err)
		}
		only(t, rep, dunning.StatusResent)
		if n := snd.count(key); n != 2 {
			t.Errorf("delivered %d times, want 2 (the named window)", n)
		}
		// The first runner's kept outcome lost its claim: dropped, nothing
		// sent or recorded again.
		rep, err = r.Run(context.Background(), onePortfolio())
		if err != nil {
			t.Fatal(err)
		}
		if rep.Planned != 0 {
			t.Fatalf("report %+v, want nothing planned", rep)
		}
		oneRecord(t, st, key, 2, true, false)
		if n := snd.count(key); n != 2 || len(r.Unrecorded()) != 0 {
			t.Errorf("delivered %d times, unrecorded %v; want 2, none", n, r.Unrecorded())
		}
	})
}
