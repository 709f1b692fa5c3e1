package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/overduehq/overdue/dunning"
	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
)

// NewStore returns an empty store for one subtest.
type NewStore func(t *testing.T) dunning.Store

var t0 = time.Date(2026, 4, 14, 9, 0, 0, 0, time.UTC)

func rec(key string, invs []string, step int, kind dunning.ActionKind, out dunning.Outcome) dunning.Record {
	return dunning.Record{
		Key: key, CustomerID: "c1", InvoiceIDs: invs, Cycles: make([]int, len(invs)),
		Workflow: "standard", Step: fmt.Sprintf("s%d", step), StepIndex: step, Kind: kind,
		Date: date.New(2026, 4, 14), Outcome: out, Currency: "EUR",
		Amount: decimal.RequireFromString("100.00"), Fees: decimal.RequireFromString("5.00"),
		FeesByInvoice: append([]decimal.Decimal{decimal.RequireFromString("5.00")}, make([]decimal.Decimal, len(invs)-1)...),
		Interest:      decimal.RequireFromString("1.23"), At: t0,
	}
}

var decEq = cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) })

// Run runs the conformance suite against stores made by newStore.
func Run(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	t.Run("ClaimCompleteOnce", func(t *testing.T) {
		s := newStore(t)
		c, err := s.Claim(ctx, "k1", "a", t0, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if c.Attempt != 1 || c.Owner != "a" || c.Key != "k1" || !c.Expires.Equal(t0.Add(time.Minute)) {
			t.Errorf("claim = %+v", c)
		}
		if _, err := s.Claim(ctx, "k1", "b", t0.Add(time.Second), time.Minute); !errors.Is(err, dunning.ErrClaimed) {
			t.Errorf("second owner during lease: err = %v, want ErrClaimed", err)
		}
		if err := s.Complete(ctx, c, rec("k1", []string{"i1"}, 2, dunning.Email, dunning.Sent)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Claim(ctx, "k1", "b", t0.Add(time.Hour), time.Minute); !errors.Is(err, dunning.ErrAlreadyDone) {
			t.Errorf("claim after complete: err = %v, want ErrAlreadyDone", err)
		}
		if err := s.Complete(ctx, c, rec("k1", []string{"i1"}, 2, dunning.Email, dunning.Sent)); !errors.Is(err, dunning.ErrLeaseLost) {
			t.Errorf("second complete: err = %v, want ErrLeaseLost", err)
		}
		rs, err := s.Records(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) != 1 {
			t.Fatalf("records = %d, want 1", len(rs))
		}
		want := rec("k1", []string{"i1"}, 2, dunning.Email, dunning.Sent)
		want.Attempts = 1
		if diff := cmp.Diff(want, rs[0], decEq); diff != "" {
			t.Errorf("record (-want +got):\n%s", diff)
		}
	})

	t.Run("ExpiredLeaseTakenOver", func(t *testing.T) {
		s := newStore(t)
		a, err := s.Claim(ctx, "k", "a", t0, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		b, err := s.Claim(ctx, "k", "b", t0.Add(time.Minute), time.Minute)
		if err != nil {
			t.Fatalf("claim at expiry: %v", err)
		}
		if b.Attempt != 2 {
			t.Errorf("attempt = %d, want 2", b.Attempt)
		}
		if err := s.Complete(ctx, a, rec("k", []string{"i1"}, 0, dunning.Email, dunning.Sent)); !errors.Is(err, dunning.ErrLeaseLost) {
			t.Errorf("old owner's complete: err = %v, want ErrLeaseLost", err)
		}
		if err := s.Release(ctx, a, t0, "x"); !errors.Is(err, dunning.ErrLeaseLost) {
			t.Errorf("old owner's release: err = %v, want ErrLeaseLost", err)
		}
		h, _ := s.History(ctx)
		if _, ok := h.Progress("i1"); ok {
			t.Error("lost lease's complete changed progress")
		}
		if err := s.Complete(ctx, b, rec("k", []string{"i1"}, 0, dunning.Email, dunning.Sent)); err != nil {
			t.Fatal(err)
		}
		rs, _ := s.Records(ctx)
		if len(rs) != 1 || rs[0].Attempts != 2 {
			t.Errorf("records = %+v, want one with 2 attempts", rs)
		}
	})

	t.Run("ReleaseHoldsUntilRetry", func(t *testing.T) {
		s := newStore(t)
		a, _ := s.Claim(ctx, "k", "a", t0, time.Minute)
		if err := s.Release(ctx, a, t0.Add(10*time.Minute), "smtp 451"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Claim(ctx, "k", "a", t0.Add(9*time.Minute), time.Minute); !errors.Is(err, dunning.ErrClaimed) {
			t.Errorf("claim before retry time: err = %v, want ErrClaimed", err)
		}
		c, err := s.Claim(ctx, "k", "b", t0.Add(10*time.Minute), time.Minute)
		if err != nil {
			t.Fatalf("claim at retry time: %v", err)
		}
		if c.Attempt != 2 {
			t.Errorf("attempt = %d, want 2", c.Attempt)
		}
	})

	t.Run("ProgressAdvances", func(t *testing.T) {
		s := newStore(t)
		do := func(key string, r dunning.Record) {
			t.Helper()
			c, err := s.Claim(ctx, key, "a", t0, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Complete(ctx, c, r); err != nil {
				t.Fatal(err)
			}
		}
		do("k1", rec("k1", []string{"i1", "i2"}, 3, dunning.Email, dunning.Sent))
		h, err := s.History(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := dunning.Progress{InvoiceID: "i1", Workflow: "standard", Step: 3, Last: date.New(2026, 4, 14), Fees: decimal.RequireFromString("5"),
			Notices: &dunning.NoticeLog{Count: 1, Recent: []date.Date{date.New(2026, 4, 14)}}}
		got, _ := h.Progress("i1")
		if diff := cmp.Diff(want, got, decEq); diff != "" {
			t.Errorf("i1 progress (-want +got):\n%s", diff)
		}
		want2 := dunning.Progress{InvoiceID: "i2", Workflow: "standard", Step: 3, Last: date.New(2026, 4, 14), Fees: decimal.Zero,
			Notices: &dunning.NoticeLog{Count: 1, Recent: []date.Date{date.New(2026, 4, 14)}}}
		got2, _ := h.Progress("i2")
		if diff := cmp.Diff(want2, got2, decEq); diff != "" {
			t.Errorf("i2 progress (-want +got):\n%s", diff)
		}
		// A failed notice counts as done and asks for its fallback; the
		// fallback clears it. A hold step holds.
		do("k2", rec("k2", []string{"i1"}, 4, dunning.Email, dunning.Failed))
		h, _ = s.History(ctx)
		if p, _ := h.Progress("i1"); p.Step != 4 || p.Bounced != "k2" {
			t.Errorf("after failure: %+v, want step 4 bounced k2", p)
		}
		fb := rec("k2/fallback", []string{"i1"}, 4, dunning.Letter, dunning.Sent)
		fb.Fallback = true
		do("k2/fallback", fb)
		do("k3", rec("k3", []string{"i1"}, 5, dunning.HoldAction, dunning.Sent))
		h, _ = s.History(ctx)
		p, _ := h.Progress("i1")
		if p.Bounced != "" || !p.Held || p.Step != 5 || !p.Fees.Equal(decimal.RequireFromString("15")) {
			t.Errorf("after fallback and hold: %+v", p)
		}
	})

	t.Run("BounceEventMarksProgress", func(t *testing.T) {
		s := newStore(t)
		c, _ := s.Claim(ctx, "k1", "a", t0, time.Minute)
		if err := s.Complete(ctx, c, rec("k1", []string{"i1"}, 1, dunning.Email, dunning.Sent)); err != nil {
			t.Fatal(err)
		}
		ev := dunning.Event{ID: "e1", Kind: dunning.NoticeBounced, Key: "k1", Date: date.New(2026, 4, 15)}
		for i := 0; i < 2; i++ { // idempotent
			if err := s.AppendEvent(ctx, ev); err != nil {
				t.Fatal(err)
			}
		}
		evs, err := s.Events(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 1 {
			t.Errorf("events = %d, want 1", len(evs))
		}
		h, _ := s.History(ctx)
		if p, _ := h.Progress("i1"); p.Bounced != "k1" {
			t.Errorf("bounced = %q, want k1", p.Bounced)
		}
		if err := s.AppendEvent(ctx, dunning.Event{ID: "", Kind: dunning.NoticeOpened, Key: "k1", Date: date.New(2026, 4, 15)}); !errors.Is(err, dunning.ErrInvalid) {
			t.Errorf("event without id: err = %v, want ErrInvalid", err)
		}
		if evs, _ := s.Events(ctx); len(evs) != 1 {
			t.Errorf("a refused event changed the stored ones: %d", len(evs))
		}
	})

	t.Run("EventsKeepOrderAndFields", func(t *testing.T) {
		s := newStore(t)
		in := []dunning.Event{
			{ID: "e1", Kind: dunning.PaymentReceived, CustomerID: "c1", InvoiceID: "i1", Date: date.New(2026, 4, 1), Amount: decimal.RequireFromString("12.50"), At: t0},
			{ID: "e0", Kind: dunning.NoticeOpened, Key: "k1", Date: date.New(2026, 4, 2)},
			{ID: "e2", Kind: dunning.PromiseMade, InvoiceID: "i1", Date: date.New(2026, 4, 3), Until: date.New(2026, 4, 10), Amount: decimal.RequireFromString("50"), Reason: "phone call"},
		}
		for _, e := range in {
			if err := s.AppendEvent(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.Events(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(in, got, decEq); diff != "" {
			t.Errorf("events (-want +got):\n%s", diff)
		}
	})

	t.Run("Tasks", func(t *testing.T) {
		s := newStore(t)
		task := dunning.CollectorTask{ID: "t2", CustomerID: "c1", InvoiceIDs: []string{"i1"}, Kind: dunning.Task, Title: "call", Assignee: "ana", Due: date.New(2026, 4, 14), Status: dunning.TaskOpen, Currency: "EUR", Amount: decimal.RequireFromString("10.00")}
		if err := s.SaveTask(ctx, task); err != nil {
			t.Fatal(err)
		}
		t1 := task
		t1.ID = "t1"
		t1.Status = dunning.TaskDone
		t1.Notes = []dunning.TaskNote{{At: t0, Author: "ana", Text: "paid by phone"}}
		if err := s.SaveTask(ctx, t1); err != nil {
			t.Fatal(err)
		}
		all, err := s.Tasks(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]dunning.CollectorTask{t1, task}, all, decEq); diff != "" {
			t.Errorf("tasks (-want +got):\n%s", diff)
		}
		open, _ := s.Tasks(ctx, dunning.TaskOpen)
		if len(open) != 1 || open[0].ID != "t2" {
			t.Errorf("open tasks = %+v", open)
		}
		task.Status = dunning.TaskCancelled
		if err := s.SaveTask(ctx, task); err != nil {
			t.Fatal(err)
		}
		if open, _ := s.Tasks(ctx, dunning.TaskOpen); len(open) != 0 {
			t.Errorf("after update open tasks = %+v", open)
		}
		bad := task
		bad.Status = "later"
		if err := s.SaveTask(ctx, bad); !errors.Is(err, dunning.ErrInvalid) {
			t.Errorf("bad status: err = %v", err)
		}
	})

	t.Run("ConcurrentClaimsOneWinner", func(t *testing.T) {
		s := newStore(t)
		const n = 8
		var wg sync.WaitGroup
		wins := make(chan dunning.Claim, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				c, err := s.Claim(ctx, "hot", fmt.Sprintf("r%d", i), t0, time.Minute)
				if err == nil {
					wins <- c
				} else if !errors.Is(err, dunning.ErrClaimed) {
					t.Errorf("claim: %v", err)
				}
			}(i)
		}
		wg.Wait()
		close(wins)
		if len(wins) != 1 {
			t.Errorf("%d claims won, want 1", len(wins))
		}
	})

	t.Run("DoneChecker", func(t *testing.T) {
		s := newStore(t)
		dc, ok := s.(dunning.DoneChecker)
		if !ok {
			t.Skip("store does not implement dunning.DoneChecker (optional)")
		}
		c, err := s.Claim(ctx, "done", "a", t0, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Complete(ctx, c, rec("done", []string{"i1"}, 0, dunning.Email, dunning.Sent)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Claim(ctx, "held", "a", t0, time.Minute); err != nil {
			t.Fatal(err)
		}
		got, err := dc.Done(ctx, []string{"new", "held", "done"})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(map[string]bool{"done": true}, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("Done (-want +got):\n%s", diff)
		}
		if got, err := dc.Done(ctx, nil); err != nil || len(got) != 0 {
			t.Errorf("Done(nil) = %v, %v", got, err)
		}
	})

	t.Run("ContextCancelled", func(t *testing.T) {
		s := newStore(t)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := s.Claim(cctx, "k", "a", t0, time.Minute); err == nil {
			t.Error("claim with a cancelled context succeeded")
		}
	})
}
