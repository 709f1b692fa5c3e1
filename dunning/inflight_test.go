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
)

// slowRecords is a memory store whose CompleteMany takes a while, and a
// sender that checks, at every send, what is sent and not yet recorded.
type slowRecords struct {
	*memory.Store
	delay time.Duration

	mu        sync.Mutex
	earlier   map[string][]string // key -> the customer's earlier keys in plan order
	sent      map[string]bool
	recorded  map[string]bool
	unrecNow  int // sent, not yet recorded
	unrecMost int
	bad       []string
}

func (s *slowRecords) CompleteMany(ctx context.Context, cs []dunning.Completion) ([]error, error) {
	time.Sleep(s.delay)
	errs, err := s.Store.CompleteMany(ctx, cs)
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, c := range cs {
		if err == nil && errs[i] == nil && !s.recorded[c.Claim.Key] {
			s.recorded[c.Claim.Key] = true
			s.unrecNow--
		}
	}
	return errs, err
}

func (s *slowRecords) Send(_ context.Context, key string, _ *notice.Notice) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range s.earlier[key] {
		if s.sent[k] && !s.recorded[k] {
			s.bad = append(s.bad, key+" sent before the record of "+k)
		}
	}
	s.sent[key] = true
	s.unrecNow++
	s.unrecMost = max(s.unrecMost, s.unrecNow)
	return "m-" + key, nil
}

// TestRecordsUnderWayAreBounded: with Concurrency 4 and records that take
// a while, a goroutine goes on with its next customer while its last record
// is under way, but sends nothing before it is made: at most Concurrency
// keys are sent and not yet recorded at any send (customers with one
// action each),
// and a customer's action is sent only after the record of the customer's
// earlier action in plan order (customers with three actions each).
func TestRecordsUnderWayAreBounded(t *testing.T) {
	for _, perCustomer := range []int{1, 3} {
		t.Run(fmt.Sprintf("actions=%d", perCustomer), func(t *testing.T) {
			clock := dunningtest.ClockAt(day("2026-04-14"))
			const conc = 4
			s := &slowRecords{Store: memory.New(memory.WithClock(clock)), delay: 3 * time.Millisecond,
				earlier: map[string][]string{}, sent: map[string]bool{}, recorded: map[string]bool{}}
			r := &dunning.Runner{Policy: stdPolicy(), Store: s, Sender: s, Clock: clock, Owner: "t", Concurrency: conc, BatchSize: 512}
			ctx := context.Background()
			acts, err := r.Plan(ctx, manyPortfolio(180/perCustomer, perCustomer))
			if err != nil {
				t.Fatal(err)
			}
			byCust := map[string][]string{}
			most := 0
			for _, a := range acts {
				s.earlier[a.Key] = append([]string(nil), byCust[a.CustomerID]...)
				byCust[a.CustomerID] = append(byCust[a.CustomerID], a.Key)
				most = max(most, len(byCust[a.CustomerID]))
			}
			if most != perCustomer {
				t.Fatalf("up to %d actions per customer, want %d", most, perCustomer)
			}
			rep, err := r.Execute(ctx, acts)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Counts[dunning.StatusSent] != len(acts) || len(s.recorded) != len(acts) {
				t.Fatalf("sent %d, recorded %d, of %d: %v", rep.Counts[dunning.StatusSent], len(s.recorded), len(acts), rep.Counts)
			}
			for _, b := range s.bad {
				t.Error(b)
			}
			if s.unrecMost > conc {
				t.Errorf("%d keys sent and not recorded at once, want at most %d", s.unrecMost, conc)
			}
			t.Logf("at most %d keys sent and not recorded", s.unrecMost)
		})
	}
}
