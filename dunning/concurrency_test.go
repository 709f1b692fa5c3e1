package dunning_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/overduehq/overdue/notice"
	"github.com/overduehq/overdue/store/memory"
	"golang.org/x/time/rate"
)

// orderSender records the order of sends and the most sends in flight.
type orderSender struct {
	mu       sync.Mutex
	order    []string
	inFlight int
	most     int
	delay    time.Duration
}

func (s *orderSender) Send(ctx context.Context, key string, _ *notice.Notice) (string, error) {
	s.mu.Lock()
	s.inFlight++
	s.most = max(s.most, s.inFlight)
	s.order = append(s.order, key)
	s.mu.Unlock()
	time.Sleep(s.delay)
	s.mu.Lock()
	s.inFlight--
	s.mu.Unlock()
	return "m-" + key, nil
}

// manyPortfolio: n customers with k invoices each, due on different days
// so that each customer has several actions, all due on 2026-04-14.
func manyPortfolio(n, k int) dunning.Portfolio {
	var pf dunning.Portfolio
	for i := range n {
		id := fmt.Sprintf("c%03d", i)
		pf.Customers = append(pf.Customers, dunningtest.Customer(id))
		for j := range k {
			due := []string{"2026-03-31", "2026-04-14", "2026-04-21"}[j%3]
			pf.Invoices = append(pf.Invoices, dunningtest.Invoice(fmt.Sprintf("i%s-%d", id, j), id, day("2026-03-02"), day(due), "100.00", "EUR"))
		}
	}
	return pf
}

// TestConcurrentSendsKeepCustomerOrder: with Concurrency 8, sends overlap
// (more than one in flight, never more than 8), every action is sent once,
// and each customer's notices go out in plan order.
func TestConcurrentSendsKeepCustomerOrder(t *testing.T) {
	clock := dunningtest.ClockAt(day("2026-04-14"))
	snd := &orderSender{delay: 2 * time.Millisecond}
	r := &dunning.Runner{Policy: stdPolicy(), Store: memory.New(memory.WithClock(clock)), Sender: snd, Clock: clock, Owner: "t", Concurrency: 8, BatchSize: 16}
	ctx := context.Background()
	acts, err := r.Plan(ctx, manyPortfolio(40, 3))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := r.Execute(ctx, acts)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Counts[dunning.StatusSent] != len(acts) || len(snd.order) != len(acts) {
		t.Fatalf("sent %d (%d sends) of %d: %v", rep.Counts[dunning.StatusSent], len(snd.order), len(acts), rep.Counts)
	}
	if snd.most < 2 || snd.most > 8 {
		t.Errorf("at most %d sends in flight, want 2..8", snd.most)
	}
	pos := map[string]int{}
	for i, k := range snd.order {
		pos[k] = i
	}
	last := map[string]string{}
	multi := 0
	for _, a := range acts {
		if p, ok := last[a.CustomerID]; ok {
			multi++
			if pos[p] > pos[a.Key] {
				t.Errorf("customer %s: %s sent before the earlier %s", a.CustomerID, a.Key, p)
			}
		}
		last[a.CustomerID] = a.Key
	}
	if multi == 0 {
		t.Fatal("no customer has two actions: the test checks no order")
	}
}

// TestRateLimitPerChannel: a limit of one email per 20 ms (burst 1) makes
// 6 emails take at least 5 * 20 ms = 100 ms, even with 8 in flight.
func TestRateLimitPerChannel(t *testing.T) {
	clock := dunningtest.ClockAt(day("2026-04-14"))
	snd := &orderSender{}
	r := &dunning.Runner{Policy: stdPolicy(), Store: memory.New(memory.WithClock(clock)), Sender: snd, Clock: clock, Owner: "t", Concurrency: 8,
		Limits: map[dunning.ActionKind]*rate.Limiter{dunning.Email: rate.NewLimiter(rate.Every(20*time.Millisecond), 1)}}
	ctx := context.Background()
	acts, err := r.Plan(ctx, manyPortfolio(6, 1))
	if err != nil {
		t.Fatal(err)
	}
	emails := 0
	for _, a := range acts {
		if a.Kind == dunning.Email {
			emails++
		}
	}
	if emails != 6 {
		t.Fatalf("%d emails planned, want 6", emails)
	}
	t0 := time.Now()
	if _, err := r.Execute(ctx, acts); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(t0); took < 100*time.Millisecond {
		t.Errorf("6 emails at 1 per 20ms took %v, want >= 100ms", took)
	}
}

// TestRunnerRendersOnlyWhatItClaimed: runners sharing a plan render only
// the notices they won. Another owner holds every other key of a plan of
// 20 one-invoice customers; the runner reports those 10 busy and leaves
// their notices unrendered (no subject, no text), and renders and sends
// the other 10.
func TestRunnerRendersOnlyWhatItClaimed(t *testing.T) {
	clock := dunningtest.ClockAt(day("2026-04-14"))
	st := memory.New(memory.WithClock(clock))
	snd := &orderSender{}
	r := &dunning.Runner{Policy: stdPolicy(), Store: st, Sender: snd, Clock: clock, Owner: "t", Concurrency: 4}
	ctx := context.Background()
	acts, err := r.Plan(ctx, manyPortfolio(20, 1))
	if err != nil {
		t.Fatal(err)
	}
	if len(acts) != 20 {
		t.Fatalf("%d actions planned, want 20", len(acts))
	}
	held := map[string]bool{}
	for i := 0; i < len(acts); i += 2 {
		if _, err := st.Claim(ctx, dunning.ClaimParams{Key: acts[i].Key, Owner: "other", Lease: time.Hour, Planned: dunning.PendingOf(&acts[i])}); err != nil {
			t.Fatal(err)
		}
		held[acts[i].Key] = true
	}
	rep, err := r.Execute(ctx, acts)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Counts[dunning.StatusBusy] != 10 || rep.Counts[dunning.StatusSent] != 10 || len(snd.order) != 10 {
		t.Fatalf("counts %v, %d sends; want 10 busy, 10 sent", rep.Counts, len(snd.order))
	}
	for _, a := range acts {
		rendered := a.Notice.Subject != "" || a.Notice.Text != ""
		if rendered == held[a.Key] {
			t.Errorf("%s (held by another: %v): rendered %v", a.Key, held[a.Key], rendered)
		}
	}
}

// claimCounter is a memory store that remembers every key ClaimMany was
// asked for.
type claimCounter struct {
	*memory.Store
	mu    sync.Mutex
	asked map[string]int
}

// ClaimMany implements dunning.BatchStore.
func (c *claimCounter) ClaimMany(ctx context.Context, p dunning.ClaimManyParams) ([]dunning.ClaimResult, error) {
	c.mu.Lock()
	for _, k := range p.Keys {
		c.asked[k.Key]++
	}
	c.mu.Unlock()
	return c.Store.ClaimMany(ctx, p)
}

// TestHeldAndDoneKeysAreNotClaimed: with a StateChecker store, the keys
// another owner holds or completed are reported busy and already done
// without a claim. Of 30 one-invoice customers, another owner holds 10
// and completed 10; the runner sends the other 10 and its claims ask for
// those 10 only, each once.
func TestHeldAndDoneKeysAreNotClaimed(t *testing.T) {
	clock := dunningtest.ClockAt(day("2026-04-14"))
	st := &claimCounter{Store: memory.New(memory.WithClock(clock)), asked: map[string]int{}}
	snd := &orderSender{}
	r := &dunning.Runner{Policy: stdPolicy(), Store: st, Sender: snd, Clock: clock, Owner: "t", Concurrency: 4}
	ctx := context.Background()
	acts, err := r.Plan(ctx, manyPortfolio(30, 1))
	if err != nil {
		t.Fatal(err)
	}
	if len(acts) != 30 {
		t.Fatalf("%d actions planned, want 30", len(acts))
	}
	free := map[string]bool{}
	for i, a := range acts {
		if i%3 == 0 {
			free[a.Key] = true
			continue
		}
		c, err := st.Store.Claim(ctx, dunning.ClaimParams{Key: a.Key, Owner: "other", Lease: time.Hour, Planned: dunning.PendingOf(&acts[i])})
		if err != nil {
			t.Fatal(err)
		}
		if i%3 == 1 {
			if err := st.Complete(ctx, c, a.Record(dunning.Sent, clock.Now())); err != nil {
				t.Fatal(err)
			}
		}
	}
	rep, err := r.Execute(ctx, acts)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Counts[dunning.StatusBusy] != 10 || rep.Counts[dunning.StatusDone] != 10 || rep.Counts[dunning.StatusSent] != 10 || len(snd.order) != 10 {
		t.Fatalf("counts %v, %d sends; want 10 busy, 10 done, 10 sent", rep.Counts, len(snd.order))
	}
	want := map[string]int{}
	for k := range free {
		want[k] = 1
	}
	if diff := cmp.Diff(want, st.asked); diff != "" {
		t.Errorf("keys claimed (-want +got):\n%s", diff)
	}
}

// TestRenderFaultAfterClaimIsReleased: a notice that fails to render
// (here past its render limit of 64 bytes: the text is 100) is found after
// its claim; nothing is sent, the result is a problem naming the render,
// and the claim is given back at once: another owner claims the key
// right away (attempt 2, not unknown) and no record exists.
func TestRenderFaultAfterClaimIsReleased(t *testing.T) {
	clock := dunningtest.ClockAt(day("2026-04-14"))
	st := memory.New(memory.WithClock(clock))
	pol := stdPolicy()
	set := notice.NewSet()
	for st := notice.FriendlyReminder; st <= notice.PaymentUpdate; st++ {
		if err := set.Add(notice.Key{Language: "en", Stage: st}, notice.Template{Subject: "s", Text: strings.Repeat("x", 100)}); err != nil {
			t.Fatal(err)
		}
	}
	pol.Templates, pol.RenderLimits = set, notice.Limits{MaxBytes: 64}
	snd := &orderSender{}
	r := &dunning.Runner{Policy: pol, Store: st, Sender: snd, Clock: clock, Owner: "t", Concurrency: 2}
	ctx := context.Background()
	acts, err := r.Plan(ctx, manyPortfolio(3, 1))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := r.Execute(ctx, acts)
	if err != nil {
		t.Fatal(err)
	}
	if len(snd.order) != 0 {
		t.Errorf("sent %v, want nothing", snd.order)
	}
	if len(rep.Results) != len(acts) || rep.Counts[dunning.StatusProblem] != len(acts) {
		t.Fatalf("results %+v, want %d problems", rep.Results, len(acts))
	}
	for i, res := range rep.Results {
		if !strings.Contains(res.Error, "render") || !strings.Contains(res.Error, "64 bytes") || !errors.Is(res.Err, dunning.ErrInvalid) {
			t.Errorf("result %d: %q (%v), want a render problem naming the 64-byte limit", i, res.Error, res.Err)
		}
		c, err := st.Claim(ctx, dunning.ClaimParams{Key: res.Key, Owner: "other", Lease: time.Minute})
		if err != nil || c.Attempt != 2 || c.Unknown {
			t.Errorf("%s: claim after the render fault = %+v, %v; want attempt 2, known", res.Key, c, err)
		}
	}
	if recs, err := st.Records(ctx); err != nil || len(recs) != 0 {
		t.Errorf("records %+v (%v), want none", recs, err)
	}
}

// TestChunkSharingACustomerWaits: a customer whose actions straddle two
// chunks gets them in order, one at a time: the next chunk starts only
// once the earlier one is accounted for. With Concurrency 2 and BatchSize
// 16 the chunks are actions [0, 16), [16, 32), ...; the last send of each
// chunk takes 30 ms,
// long enough for the next chunk to start if it did not wait. Three
// actions per customer make customers straddle chunk ends.
func TestChunkSharingACustomerWaits(t *testing.T) {
	clock := dunningtest.ClockAt(day("2026-04-14"))
	ctx := context.Background()
	r := &dunning.Runner{Policy: stdPolicy(), Store: memory.New(memory.WithClock(clock)), Clock: clock, Owner: "t", Concurrency: 2, BatchSize: 16}
	acts, err := r.Plan(ctx, manyPortfolio(12, 3))
	if err != nil {
		t.Fatal(err)
	}
	slow := map[string]bool{}
	straddles := 0
	for end := 16; end < len(acts); end += 16 {
		slow[acts[end-1].Key] = true
		if acts[end-1].CustomerID == acts[end].CustomerID {
			straddles++
		}
	}
	if straddles == 0 {
		t.Fatalf("no customer straddles a chunk's end: %d actions", len(acts))
	}
	var mu sync.Mutex
	busy := map[string]bool{}
	var overlaps []string
	r.Sender = dunning.SenderFunc(func(_ context.Context, key string, n *notice.Notice) (string, error) {
		mu.Lock()
		c := customerOf(acts, key)
		if busy[c] {
			overlaps = append(overlaps, key)
		}
		busy[c] = true
		mu.Unlock()
		if slow[key] {
			time.Sleep(30 * time.Millisecond)
		}
		mu.Lock()
		busy[c] = false
		mu.Unlock()
		return "m-" + key, nil
	})
	rep, err := r.Execute(ctx, acts)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Counts[dunning.StatusSent] != len(acts) {
		t.Fatalf("counts %v of %d", rep.Counts, len(acts))
	}
	if len(overlaps) > 0 {
		t.Errorf("sent while another send of the same customer was in flight: %v", overlaps)
	}
}

// customerOf returns the customer of the action with key k.
func customerOf(acts []dunning.Action, k string) string {
	for _, a := range acts {
		if a.Key == k {
			return a.CustomerID
		}
	}
	return ""
}

// orderedSender records the order of sends.
type orderedSender struct {
	mu   sync.Mutex
	keys []string
}

func (s *orderedSender) Send(_ context.Context, key string, _ *notice.Notice) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = append(s.keys, key)
	return "id-" + key, nil
}

// Stagger: a runner works the plan from a customer its Owner picks, in plan
// order, wrapping around; each customer's actions keep their plan order; the
// same owner starts at the same customer, and owners differ in where they
// start.
func TestStaggerRotatesThePlan(t *testing.T) {
	var pf dunning.Portfolio
	for c := range 12 {
		id := fmt.Sprintf("c%02d", c)
		pf.Customers = append(pf.Customers, dunningtest.Customer(id))
		for k := range 2 {
			pf.Invoices = append(pf.Invoices, dunningtest.Invoice(fmt.Sprintf("i%02d-%d", c, k), id, day("2026-03-02"), day("2026-03-31"), "100.00", "EUR"))
		}
	}
	clock := dunningtest.ClockAt(day("2026-04-14"))
	acts, err := (&dunning.Runner{Policy: stdPolicy(), Store: memory.New(), Clock: clock}).Plan(context.Background(), pf)
	if err != nil || len(acts) != 24 {
		t.Fatalf("plan: %d actions, %v", len(acts), err)
	}
	planned := make([]string, len(acts))
	for i, a := range acts {
		planned[i] = a.Key
	}
	order := func(owner string) []string {
		snd := &orderedSender{}
		r := &dunning.Runner{Policy: stdPolicy(), Store: memory.New(memory.WithClock(clock)), Sender: snd, Clock: clock, Owner: owner, Stagger: true}
		if _, err := r.Execute(context.Background(), slices.Clone(acts)); err != nil {
			t.Fatal(err)
		}
		return snd.keys
	}
	starts := map[int]bool{}
	for _, owner := range []string{"runner-1", "runner-2", "runner-3", "runner-4", "runner-5"} {
		got := order(owner)
		// A rotation of the plan by a whole customer (two actions each).
		at := slices.Index(planned, got[0])
		if at < 0 || at%2 != 0 {
			t.Fatalf("%s starts at %s, index %d: not a customer's first action", owner, got[0], at)
		}
		want := append(slices.Clone(planned[at:]), planned[:at]...)
		if !slices.Equal(got, want) {
			t.Errorf("%s sent\n%v\nwant the plan rotated to index %d\n%v", owner, got, at, want)
		}
		if again := order(owner); !slices.Equal(again, got) {
			t.Errorf("%s: another Execute sent in another order", owner)
		}
		starts[at] = true
	}
	if len(starts) < 2 {
		t.Errorf("five owners all start at the same customer: %v", starts)
	}
}
