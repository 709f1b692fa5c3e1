package sqlstore_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/overduehq/overdue/notice"
	"github.com/overduehq/overdue/store/sqlstore"
)

// countingSender delivers every send (no deduplication, no look-up) and
// counts deliveries per key.
type countingSender struct {
	mu    sync.Mutex
	sent  map[string]int
	delay time.Duration
}

func (s *countingSender) Send(ctx context.Context, key string, n *notice.Notice) (string, error) {
	if s.delay > 0 {
		time.Sleep(s.delay)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sent == nil {
		s.sent = map[string]int{}
	}
	s.sent[key]++
	return "msg-" + key, nil
}

// cutProxy forwards loopback TCP connections to target and cuts live ones
// (closes both sides) on request.
type cutProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	live   map[int]net.Conn // client side, by id
	next   int
	cuts   atomic.Int64
	down   atomic.Bool // refuse new connections (setDown)
}

// setDown cuts every live connection and refuses new ones while on.
func (p *cutProxy) setDown(on bool) {
	p.down.Store(on)
	if !on {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for id, c := range p.live {
		c.Close()
		delete(p.live, id)
	}
}

func startProxy(t *testing.T, target string) *cutProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{ln: ln, target: target, live: map[int]net.Conn{}}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if p.down.Load() {
				c.Close()
				continue
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			id := p.next
			p.next++
			p.live[id] = c
			p.mu.Unlock()
			wg.Add(2)
			done := func() {
				wg.Done()
				c.Close()
				s.Close()
				p.mu.Lock()
				delete(p.live, id)
				p.mu.Unlock()
			}
			go func() { defer done(); _, _ = io.Copy(s, c) }()
			go func() { defer done(); _, _ = io.Copy(c, s) }()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		p.mu.Lock()
		for _, c := range p.live {
			c.Close()
		}
		p.mu.Unlock()
		wg.Wait()
	})
	return p
}

// cut closes one live connection chosen by rng; false if none is live.
func (p *cutProxy) cut(rng *rand.Rand) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.live) == 0 {
		return false
	}
	ids := make([]int, 0, len(p.live))
	for id := range p.live {
		ids = append(ids, id)
	}
	// Map order is random; pick by rng among them for good measure.
	id := ids[rng.IntN(len(ids))]
	p.live[id].Close()
	delete(p.live, id)
	p.cuts.Add(1)
	return true
}

// dsnVia returns the test DSN pointing at addr instead.
func dsnVia(t *testing.T, addr string) string {
	u, err := url.Parse(os.Getenv(DSNEnv))
	if err != nil {
		t.Fatal(err)
	}
	u.Host = addr
	return u.String()
}

// untilDone runs r on pf until a run leaves nothing pending (or the
// deadline passes), tolerating the errors of a failing connection.
func untilDone(ctx context.Context, r *dunning.Runner, pf dunning.Portfolio, deadline time.Time) (runs int, errs int) {
	for time.Now().Before(deadline) {
		runs++
		rep, err := r.Run(ctx, pf)
		if err != nil {
			errs++
			time.Sleep(20 * time.Millisecond)
			continue
		}
		pending := false
		for _, res := range rep.Results {
			switch res.Status {
			case dunning.StatusSent, dunning.StatusDone, dunning.StatusResent, dunning.StatusRecovered:
			default:
				pending = true
			}
		}
		if !pending {
			return runs, errs
		}
		time.Sleep(100 * time.Millisecond)
	}
	return runs, errs
}

// TestConnectionCuts puts a loopback TCP proxy between the runners and
// PostgreSQL that cuts connections at random (at least 40 cuts) while 1 or
// 4 runners (one send in flight each), or 2 runners with 16 sends in flight
// each, work a plan of 1,200 actions with a sender that delivers every
// send. After reruns: every key recorded once, and delivered once except
// in the window the docs name: its runner could not record it for a whole
// lease (every connection it opened was cut), kept the outcome, and
// another runner took the key over after the lease before the kept record
// went in (delivered twice, logged).
func TestConnectionCuts(t *testing.T) {
	db := openDB(t)
	u, _ := url.Parse(os.Getenv(DSNEnv))
	for _, c := range []struct{ runners, conc int }{{1, 1}, {4, 1}, {2, 16}} {
		runners := c.runners
		t.Run(fmt.Sprintf("runners=%d/concurrency=%d", runners, c.conc), func(t *testing.T) {
			proxy := startProxy(t, u.Host)
			// Enough work that a round outlasts many cuts now that claims
			// and records go in batches; rounds of a fresh plan follow until
			// at least 40 cuts fell (a fast machine finishes a plan sooner).
			const n = 1200
			pf := bigPortfolio(n)
			pol := dunningtest.Policy(dunning.DefaultWorkflow("standard"))
			ctx := context.Background()
			stop := make(chan struct{})
			cutterDone := make(chan struct{})
			go func() {
				defer close(cutterDone)
				rng := rand.New(rand.NewPCG(uint64(runners), 99))
				for proxy.cuts.Load() < 60 {
					select {
					case <-stop:
						return
					case <-time.After(time.Duration(5+rng.IntN(40)) * time.Millisecond):
					}
					proxy.cut(rng)
				}
			}()
			defer func() { close(stop); <-cutterDone }()
			for round := 0; round == 0 || proxy.cuts.Load() < 40; round++ {
				if round == 10 {
					t.Fatalf("only %d cuts in %d rounds, want at least 40", proxy.cuts.Load(), round)
				}
				_, schema := newSchemaStore(t, db)
				snd := &countingSender{delay: time.Millisecond}
				// Every runner's action log, shown for a key delivered twice.
				var logMu sync.Mutex
				var logBuf bytes.Buffer
				logger := slog.New(slog.NewTextHandler(lockedWriter{&logMu, &logBuf}, &slog.HandlerOptions{Level: slog.LevelDebug}))
				var wg sync.WaitGroup
				errs := make([]int, runners)
				for i := range runners {
					pool, err := sql.Open("pgx", dsnVia(t, proxy.ln.Addr().String()))
					if err != nil {
						t.Fatal(err)
					}
					pool.SetMaxOpenConns(4)
					t.Cleanup(func() { pool.Close() })
					r := &dunning.Runner{Policy: pol, Store: sqlstore.New(pool, schema), Sender: snd, Clock: dunningtest.ClockAt(dunningtest.Day("2026-04-14")),
						Owner: fmt.Sprintf("runner-%d", i), Stagger: true, Lease: 8 * time.Second, Backoff: 10 * time.Millisecond, RetryAfter: time.Second,
						Concurrency: c.conc, Logger: logger.With("runner", i)}
					wg.Add(1)
					go func() {
						defer wg.Done()
						_, errs[i] = untilDone(ctx, r, pf, time.Now().Add(90*time.Second))
					}()
				}
				wg.Wait()
				cuts := proxy.cuts.Load()
				// A last run on a direct connection finishes what the cut
				// connections left held (claims whose replies were lost).
				direct := &dunning.Runner{Policy: pol, Store: sqlstore.New(db, schema), Sender: snd, Clock: dunningtest.ClockAt(dunningtest.Day("2026-04-14")), Owner: "direct", Lease: 5 * time.Second, Logger: logger.With("runner", "direct")}
				untilDone(ctx, direct, pf, time.Now().Add(30*time.Second))

				recs, err := sqlstore.New(db, schema).Records(ctx)
				if err != nil {
					t.Fatal(err)
				}
				recorded := map[string]int{}
				for _, r := range recs {
					recorded[r.Key]++
				}
				missed, dups, window := 0, 0, 0
				for _, a := range mustPlan(t, pol, pf) {
					if recorded[a.Key] != 1 {
						missed++
						t.Errorf("%s recorded %d times", a.Key, recorded[a.Key])
					}
					switch d := snd.sent[a.Key]; {
					case d == 0:
						missed++
						t.Errorf("%s never delivered", a.Key)
					case d > 1:
						dups += d - 1
						logMu.Lock()
						var lines []string
						inWindow := false
						for _, l := range strings.Split(logBuf.String(), "\n") {
							if strings.Contains(l, "key="+a.Key+" ") {
								lines = append(lines, l)
								// The runner that sent it kept the outcome
								// and could not record it before another
								// runner took the key over after the lease.
								inWindow = inWindow || strings.Contains(l, `msg="dunning: kept outcome not recorded"`) && strings.Contains(l, "lease lost")
							}
						}
						logMu.Unlock()
						if inWindow && d == 2 {
							window++
							t.Logf("%s delivered twice, in the named window (its runner lost the store for the whole lease); its log:\n%s", a.Key, strings.Join(lines, "\n"))
						} else {
							t.Errorf("%s delivered %d times; its log:\n%s", a.Key, d, strings.Join(lines, "\n"))
						}
					}
				}
				logMu.Lock()
				late, recovered := strings.Count(logBuf.String(), "dunning: recorded late"), strings.Count(logBuf.String(), "status=recovered")
				logMu.Unlock()
				t.Logf("round %d: %d runners, %d cuts so far, run errors %v, %d duplicates (%d in the named window), %d missed; kept outcomes recorded late %d, on take-over %d",
					round, runners, cuts, errs, dups, window, missed, late, recovered)
			}
		})
	}
}

// outageSender delivers every send and counts it per key; its first send
// takes the store away (every connection cut, new ones refused) for
// outage, right after the provider accepted the notice.
type outageSender struct {
	countingSender
	proxy  *cutProxy
	outage time.Duration
	first  sync.Once
	key    string
}

func (s *outageSender) Send(ctx context.Context, key string, n *notice.Notice) (string, error) {
	id, err := s.countingSender.Send(ctx, key, n)
	s.first.Do(func() {
		s.key = key
		s.proxy.setDown(true)
		time.AfterFunc(s.outage, func() { s.proxy.setDown(false) })
	})
	return id, err
}

// TestStoreLostLongerThanLease: right after the provider accepts the
// first notice, PostgreSQL is out of reach (every connection through the
// proxy cut, new ones refused) for 3 s, longer than the runner's 2 s
// lease, so every try to record that notice fails. The runner keeps the
// outcome; once the store is back its next run records it late under the
// same claim: every key of the plan is delivered once and recorded once.
// A runner restarted after the outage (its kept outcome lost with the
// process) sends the first notice again: the one window the docs name.
func TestStoreLostLongerThanLease(t *testing.T) {
	db := openDB(t)
	u, _ := url.Parse(os.Getenv(DSNEnv))
	const n = 20
	pf := bigPortfolio(n)
	pol := dunningtest.Policy(dunning.DefaultWorkflow("standard"))
	for _, restart := range []bool{false, true} {
		t.Run(fmt.Sprintf("restarted=%v", restart), func(t *testing.T) {
			proxy := startProxy(t, u.Host)
			_, schema := newSchemaStore(t, db)
			pool, err := sql.Open("pgx", dsnVia(t, proxy.ln.Addr().String()))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { pool.Close() })
			var logMu sync.Mutex
			var logBuf bytes.Buffer
			logger := slog.New(slog.NewTextHandler(lockedWriter{&logMu, &logBuf}, nil))
			snd := &outageSender{proxy: proxy, outage: 3 * time.Second}
			newRunner := func() *dunning.Runner {
				return &dunning.Runner{Policy: pol, Store: sqlstore.New(pool, schema), Sender: snd, Clock: dunningtest.ClockAt(dunningtest.Day("2026-04-14")),
					Owner: "runner", Lease: 2 * time.Second, Backoff: 10 * time.Millisecond, RecordTimeout: 500 * time.Millisecond, RetryAfter: time.Second, Logger: logger}
			}
			r := newRunner()
			ctx := context.Background()
			// Run until the outage has begun, and the first send's
			// record has failed for good.
			deadline := time.Now().Add(20 * time.Second)
			for snd.key == "" || len(r.Unrecorded()) == 0 {
				if time.Now().After(deadline) {
					t.Fatalf("no kept outcome: first send %q", snd.key)
				}
				_, _ = r.Run(ctx, pf)
			}
			if got := r.Unrecorded(); len(got) != 1 || got[0] != snd.key {
				t.Fatalf("Unrecorded() = %v, want [%s]", got, snd.key)
			}
			for proxy.down.Load() {
				time.Sleep(50 * time.Millisecond)
			}
			if restart {
				r = newRunner()
			}
			untilDone(ctx, r, pf, time.Now().Add(30*time.Second))

			recs, err := sqlstore.New(db, schema).Records(ctx)
			if err != nil {
				t.Fatal(err)
			}
			recorded := map[string][]dunning.Record{}
			for _, rec := range recs {
				recorded[rec.Key] = append(recorded[rec.Key], rec)
			}
			for _, a := range mustPlan(t, pol, pf) {
				if len(recorded[a.Key]) != 1 {
					t.Errorf("%s recorded %d times", a.Key, len(recorded[a.Key]))
				}
				want := 1
				if restart && a.Key == snd.key {
					want = 2 // sent again after the lease: StatusResent
				}
				if got := snd.sent[a.Key]; got != want {
					t.Errorf("%s delivered %d times, want %d", a.Key, got, want)
				}
			}
			first := recorded[snd.key]
			switch {
			case len(first) != 1:
			case !restart && (first[0].Attempts != 1 || first[0].Unknown || first[0].MessageID != "msg-"+snd.key):
				t.Errorf("first key's record %+v, want the first claim's, recorded late", first[0])
			case restart && (first[0].Attempts != 2 || !first[0].Unknown):
				t.Errorf("first key's record %+v, want the restarted runner's resend", first[0])
			}
			if late := strings.Count(logBuf.String(), "dunning: recorded late"); late != map[bool]int{false: 1, true: 0}[restart] {
				t.Errorf("%d late records logged", late)
			}
			if len(r.Unrecorded()) != 0 {
				t.Errorf("Unrecorded() = %v after the runs", r.Unrecorded())
			}
		})
	}
}

func mustPlan(t *testing.T, pol *dunning.Policy, pf dunning.Portfolio) []dunning.Action {
	acts, err := dunning.Plan(dunningtest.Day("2026-04-14"), pol, pf)
	if err != nil {
		t.Fatal(err)
	}
	return acts
}

// TestClockSkew: three runners whose clocks read 10 minutes behind, right
// and 10 minutes ahead work one plan of 300 actions with a 2-second lease,
// a sender that takes 2ms and delivers every send. Leases are on the
// database's clock, so no two hold a key at once: every key is delivered
// and recorded once.
func TestClockSkew(t *testing.T) {
	db := openDB(t)
	st, schema := newSchemaStore(t, db)
	const n = 300
	pf := bigPortfolio(n)
	pol := dunningtest.Policy(dunning.DefaultWorkflow("standard"))
	snd := &countingSender{delay: 2 * time.Millisecond}
	ctx := context.Background()
	var wg sync.WaitGroup
	skews := []time.Duration{-10 * time.Minute, 0, 10 * time.Minute}
	reps := make([]dunning.Report, len(skews))
	for i, skew := range skews {
		clock := dunningtest.ClockAt(dunningtest.Day("2026-04-14"))
		clock.Advance(skew)
		r := &dunning.Runner{Policy: pol, Store: sqlstore.New(openPool(t), schema), Sender: snd, Clock: clock, Owner: fmt.Sprintf("skew%v", skew), Lease: 2 * time.Second}
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			if reps[i], err = r.Run(ctx, pf); err != nil {
				t.Error(err)
			}
			// Whatever a slow machine left pending (a claim that took half
			// the lease starts no send), a rerun finishes.
			untilDone(ctx, r, pf, time.Now().Add(30*time.Second))
		}()
	}
	wg.Wait()
	recs, err := st.Records(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != n {
		t.Errorf("%d records, want %d", len(recs), n)
	}
	dups := 0
	for k, d := range snd.sent {
		if d != 1 {
			dups += d - 1
			t.Errorf("%s delivered %d times", k, d)
		}
	}
	if len(snd.sent) != n {
		t.Errorf("%d keys delivered, want %d", len(snd.sent), n)
	}
	for i, rep := range reps {
		t.Logf("clock %+v: sent %d, busy %d, done %d", skews[i], rep.Counts[dunning.StatusSent], rep.Counts[dunning.StatusBusy], rep.Counts[dunning.StatusDone])
	}
	t.Logf("skews %v: %d duplicates, %d missed", skews, dups, n-len(snd.sent))
}

// lockedWriter serializes writes to w under mu.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
