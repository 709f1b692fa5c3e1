package dunning_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/overduehq/overdue/notice"
	"github.com/overduehq/overdue/store/memory"
	"github.com/rickb777/date/v2"
)

// crash is what the fault injector panics with: the process dies at that
// boundary, and nothing after it runs.
type crash struct{ where string }

// faults counts step boundaries and crashes at the chosen one.
type faults struct {
	mu        sync.Mutex
	countdown int // crash when it reaches 0; <0 means never
	// sendKey is the key whose send was accepted last and not yet
	// recorded: a crash then leaves the outcome unknown.
	pendingSend string
	windowHits  map[string]int
	lastHitKey  string      // pendingSend when the last crash hit
	transient   func() bool // a transient sender error at this send
}

func (f *faults) boundary(where string) {
	f.mu.Lock()
	hit := f.countdown == 0
	if f.countdown >= 0 {
		f.countdown--
	}
	key := f.pendingSend
	if hit {
		f.lastHitKey = key
		if key != "" {
			f.windowHits[key]++
		}
	}
	f.mu.Unlock()
	if hit {
		panic(crash{where})
	}
}

func (f *faults) setPending(key string) {
	f.mu.Lock()
	f.pendingSend = key
	f.mu.Unlock()
}

// crashStore wraps a Store with a boundary before and after each write.
type crashStore struct {
	dunning.Store
	f *faults
}

func (s crashStore) Claim(ctx context.Context, key, owner string, now time.Time, lease time.Duration) (dunning.Claim, error) {
	s.f.boundary("before claim")
	c, err := s.Store.Claim(ctx, key, owner, now, lease)
	s.f.boundary("after claim")
	return c, err
}

func (s crashStore) Complete(ctx context.Context, c dunning.Claim, rec dunning.Record) error {
	s.f.boundary("before complete")
	err := s.Store.Complete(ctx, c, rec)
	if err == nil {
		s.f.setPending("")
	}
	s.f.boundary("after complete")
	return err
}

func (s crashStore) Release(ctx context.Context, c dunning.Claim, retryAt time.Time, reason string) error {
	s.f.boundary("before release")
	err := s.Store.Release(ctx, c, retryAt, reason)
	s.f.boundary("after release")
	return err
}

func (s crashStore) SaveTask(ctx context.Context, t dunning.CollectorTask) error {
	s.f.boundary("before save task")
	err := s.Store.SaveTask(ctx, t)
	s.f.boundary("after save task")
	return err
}

// crashSender counts every delivery (it does not deduplicate), and crashes
// before and after delivering.
type crashSender struct {
	f          *faults
	mu         sync.Mutex
	deliveries map[string]int
}

func (s *crashSender) Send(ctx context.Context, key string, n *notice.Notice) (string, error) {
	s.f.boundary("before send")
	if s.f.transient != nil && s.f.transient() {
		return "", fmt.Errorf("421 service not available")
	}
	s.mu.Lock()
	s.deliveries[key]++
	s.mu.Unlock()
	s.f.setPending(key)
	s.f.boundary("after send")
	return "msg-" + key, nil
}

func crashPortfolio(rng *rand.Rand) (dunning.Portfolio, date.Date) {
	var pf dunning.Portfolio
	base := day("2026-03-02")
	for c := range 1 + rng.IntN(5) {
		cid := fmt.Sprintf("c%d", c)
		cu := dunningtest.Customer(cid)
		pf.Customers = append(pf.Customers, cu)
		for i := range 1 + rng.IntN(3) {
			issued := base + date.Date(rng.IntN(60))
			inv := dunningtest.Invoice(fmt.Sprintf("%s-i%d", cid, i), cid, issued, issued+30, fmt.Sprintf("%d.%02d", 50+rng.IntN(5000), rng.IntN(100)), "EUR")
			pf.Invoices = append(pf.Invoices, inv)
		}
	}
	return pf, base + date.Date(30+rng.IntN(90))
}

// TestCrashRecoveryExactlyOnce kills the runner at a random step boundary
// (before or after a claim, a send, a record, a release) in 1,000
// randomized runs, recovers, and checks against a run without faults: every
// planned action is recorded once, delivered by the runner once (more only
// when the crash fell between an accepted send and its record, and then
// with the same key), and nothing unplanned is sent.
func TestCrashRecoveryExactlyOnce(t *testing.T) {
	runs := 1000
	if testing.Short() {
		runs = 100
	}
	ctx := context.Background()
	lease := 5 * time.Minute
	var crashes, windowCrashes int
	for run := range runs {
		rng := rand.New(rand.NewPCG(uint64(run), 42))
		pf, today := crashPortfolio(rng)
		wf := dunning.DefaultWorkflow("standard")
		if rng.IntN(2) == 0 {
			wf.Grouping = dunning.PerCustomer
		}
		pol := dunningtest.Policy(wf)

		// Reference: the same day without faults.
		ref := &dunning.Runner{Policy: pol, Store: memory.New(), Sender: &dunningtest.Sender{}, Clock: dunningtest.ClockAt(today), Owner: "ref"}
		want, err := ref.Plan(ctx, pf)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ref.Execute(ctx, want); err != nil {
			t.Fatal(err)
		}
		wantKeys := map[string]bool{}
		for _, a := range want {
			wantKeys[a.Key] = true
		}

		f := &faults{windowHits: map[string]int{}}
		if rng.IntN(4) == 0 {
			f.transient = func() bool { return rng.IntN(3) == 0 }
		}
		st := crashStore{Store: memory.New(), f: f}
		snd := &crashSender{f: f, deliveries: map[string]int{}}
		clock := dunningtest.ClockAt(today)
		crashesLeft := 1 + rng.IntN(3)
		for attempt := 0; ; attempt++ {
			if attempt > 50 {
				t.Fatalf("run %d: no progress after 50 attempts", run)
			}
			f.mu.Lock()
			// A send left unknown by an earlier crash is past its lease
			// now; only a crash in this attempt can open a new window.
			f.pendingSend, f.lastHitKey = "", ""
			f.countdown = -1
			if crashesLeft > 0 {
				f.countdown = rng.IntN(4 * (len(want) + 1))
			}
			f.mu.Unlock()
			r := &dunning.Runner{Policy: pol, Store: st, Sender: snd, Clock: clock, Owner: fmt.Sprintf("r%d", attempt), Lease: lease,
				Sleep: func(context.Context, time.Duration) error { return nil }}
			var rep dunning.Report
			var v0 any
			crashed := func() (crashed bool) {
				defer func() {
					if v := recover(); v != nil {
						v0 = v
						if _, ok := v.(crash); !ok {
							panic(v)
						}
						crashed = true
					}
				}()
				rep, err = r.Run(ctx, pf)
				if err != nil {
					t.Fatalf("run %d: %v", run, err)
				}
				return false
			}()
			if crashed {
				crashes++
				crashesLeft--
				f.mu.Lock()
				unknown := f.lastHitKey
				f.mu.Unlock()
				if unknown != "" {
					windowCrashes++
					// Outcome unknown: a rerun within the lease must not
					// send it again.
					n := snd.deliveries[unknown]
					f.mu.Lock()
					f.countdown = -1
					f.mu.Unlock()
					again := &dunning.Runner{Policy: pol, Store: st, Sender: snd, Clock: clock, Owner: "impatient", Lease: lease,
						Sleep: func(context.Context, time.Duration) error { return nil }}
					if _, err := again.Run(ctx, pf); err != nil {
						t.Fatal(err)
					}
					if snd.deliveries[unknown] != n {
						t.Fatalf("run %d: %s resent within its lease (crash %+v, deliveries %d -> %d)", run, unknown, v0, n, snd.deliveries[unknown])
					}
				}
				clock.Advance(lease + time.Minute)
				continue
			}
			if rep.Counts[dunning.StatusRetry] > 0 || rep.Counts[dunning.StatusBusy] > 0 || rep.Counts[dunning.StatusLeaseLost] > 0 {
				clock.Advance(11 * time.Minute) // past RetryAfter and the lease
				continue
			}
			break
		}
		if clock.Now().UTC().Day() != today.Day() {
			t.Fatalf("run %d: recovery left the day", run)
		}

		recs, err := st.Records(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		for _, rec := range recs {
			got[rec.Key]++
		}
		for k := range wantKeys {
			if got[k] != 1 {
				t.Errorf("run %d: key %s recorded %d times, want 1", run, k, got[k])
			}
		}
		for k, n := range got {
			if !wantKeys[k] {
				t.Errorf("run %d: key %s recorded %d times, not planned", run, k, n)
			}
		}
		for _, a := range want {
			if !a.Kind.IsNotice() {
				continue
			}
			n, allowed := snd.deliveries[a.Key], 1+f.windowHits[a.Key]
			if n < 1 || n > allowed {
				t.Errorf("run %d: %s delivered %d times, want 1..%d", run, a.Key, n, allowed)
			}
		}
		for k := range snd.deliveries {
			if !wantKeys[k] {
				t.Errorf("run %d: delivered unplanned key %s", run, k)
			}
		}
	}
	t.Logf("%d runs, %d crashes, %d between an accepted send and its record", runs, crashes, windowCrashes)
	if crashes < runs/2 {
		t.Errorf("only %d crashes in %d runs: the injector is not reaching the runner", crashes, runs)
	}
}
