package dunning_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

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
