package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/overduehq/overdue/dunning"
	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
)

// Kit is one empty store for one subtest, with hooks on the store's clock.
type Kit struct {
	Store dunning.Store
	// Advance lets d pass on the store's clock: the memory store's test
	// clock moves on; the SQL store's test moves its stored lease and retry
	// times back by d, which is the same to every comparison with now().
	// Cases that need it are skipped when it is nil.
	Advance func(d time.Duration)
	// Now reads the store's clock (including what Advance added); the
	// database-clock cases that check Claim.Expires are skipped when nil.
	Now func() time.Time
}

// NewStore returns a Kit with an empty store for one subtest. It is called
// from parallel subtests.
type NewStore func(t *testing.T) Kit

var t0 = time.Date(2026, 4, 14, 9, 0, 0, 0, time.UTC)

func claimP(key, owner string, lease time.Duration) dunning.ClaimParams {
	return dunning.ClaimParams{Key: key, Owner: owner, Lease: lease}
}

func needAdvance(t *testing.T, k Kit) {
	t.Helper()
	if k.Advance == nil {
		t.Skip("the kit cannot advance the store's clock")
	}
}

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

// Run runs the conformance suite against stores made by newStore. The
// cases of optional capabilities (dunning.InteractionLog,
// dunning.ReviewLog) are skipped for a store without them.
func Run(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	runBatch(t, newStore)
	runDesk(t, newStore)
	t.Run("ClaimCompleteOnce", func(t *testing.T) {
		t.Parallel()
		s := newStore(t).Store
		c, err := s.Claim(ctx, claimP("k1", "a", time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if c.Attempt != 1 || c.Owner != "a" || c.Key != "k1" || c.Unknown {
			t.Errorf("claim = %+v", c)
		}
		if _, err := s.Claim(ctx, claimP("k1", "b", time.Minute)); !errors.Is(err, dunning.ErrClaimed) {
			t.Errorf("second owner during lease: err = %v, want ErrClaimed", err)
		}
		if err := s.Complete(ctx, c, rec("k1", []string{"i1"}, 2, dunning.Email, dunning.Sent)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Claim(ctx, claimP("k1", "b", time.Minute)); !errors.Is(err, dunning.ErrAlreadyDone) {
			t.Errorf("claim after complete: err = %v, want ErrAlreadyDone", err)
		}
		other := c
		other.Owner = "b"
		if err := s.Complete(ctx, other, rec("k1", []string{"i1"}, 2, dunning.Email, dunning.Sent)); !errors.Is(err, dunning.ErrLeaseLost) {
			t.Errorf("complete by another owner after completion: err = %v, want ErrLeaseLost", err)
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

	// A Complete that committed but whose reply was lost is retried by the
	// runner with the same claim: the store finds the claim's own record and
	// reports success, records nothing more and advances nothing twice.
	t.Run("CompleteRetriedAfterAmbiguousCommitSucceeds", func(t *testing.T) {
		t.Parallel()
		s := newStore(t).Store
		c, err := s.Claim(ctx, claimP("k1", "a", time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		r := rec("k1", []string{"i1"}, 2, dunning.Email, dunning.Sent)
		for i := range 3 {
			if err := s.Complete(ctx, c, r); err != nil {
				t.Fatalf("complete #%d: %v", i+1, err)
			}
		}
		if rs, _ := s.Records(ctx); len(rs) != 1 {
			t.Errorf("records = %d, want 1", len(rs))
		}
		h, _ := s.History(ctx)
		if p, _ := h.Progress("i1"); !p.Fees.Equal(decimal.RequireFromString("5")) {
			t.Errorf("fees = %s after one record charging 5.00 completed three times", p.Fees)
		}
		// Another attempt by the same owner is not the same claim.
		c2 := c
		c2.Attempt++
		if err := s.Complete(ctx, c2, r); !errors.Is(err, dunning.ErrLeaseLost) {
			t.Errorf("complete with another attempt: err = %v, want ErrLeaseLost", err)
		}
	})

	// Leases run on the store's clock: a claim lasts p.Lease from when the
	// store takes it, whatever the runners' clocks say.
	t.Run("LeaseMeasuredOnStoreClock", func(t *testing.T) {
		t.Parallel()
		k := newStore(t)
		needAdvance(t, k)
		s := k.Store
		var before time.Time
		if k.Now != nil {
			before = k.Now()
		}
		a, err := s.Claim(ctx, claimP("k", "a", time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if k.Now != nil {
			after := k.Now()
			if a.Expires.Before(before.Add(time.Minute)) || a.Expires.After(after.Add(time.Minute)) {
				t.Errorf("Expires = %v, want store time of the claim + 1m, in [%v, %v]", a.Expires, before.Add(time.Minute), after.Add(time.Minute))
			}
		}
		k.Advance(50 * time.Second)
		if _, err := s.Claim(ctx, claimP("k", "b", time.Minute)); !errors.Is(err, dunning.ErrClaimed) {
			t.Errorf("claim 50s into a 1m lease: err = %v, want ErrClaimed", err)
		}
		k.Advance(10 * time.Second)
		b, err := s.Claim(ctx, claimP("k", "b", time.Minute))
		if err != nil {
			t.Fatalf("claim at expiry: %v", err)
		}
		if b.Attempt != 2 || !b.Unknown {
			t.Errorf("takeover = %+v, want attempt 2, unknown (a neither completed nor released)", b)
		}
		if err := s.Complete(ctx, a, rec("k", []string{"i1"}, 0, dunning.Email, dunning.Sent)); !errors.Is(err, dunning.ErrLeaseLost) {
			t.Errorf("old owner's complete: err = %v, want ErrLeaseLost", err)
		}
		if err := s.Release(ctx, a, dunning.ReleaseParams{Reason: "x"}); !errors.Is(err, dunning.ErrLeaseLost) {
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

	// A runner that lost its store for the whole lease records its
	// outcome late (dunning's kept outcomes): the fence is the claim's
	// owner and attempt, not its expiry.
	t.Run("ExpiredClaimNotTakenOverStillCompletes", func(t *testing.T) {
		t.Parallel()
		k := newStore(t)
		needAdvance(t, k)
		s := k.Store
		a, err := s.Claim(ctx, claimP("k", "a", time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		k.Advance(2 * time.Minute)
		if err := s.Complete(ctx, a, rec("k", []string{"i1"}, 0, dunning.Email, dunning.Sent)); err != nil {
			t.Fatalf("complete of an expired claim nobody took over: %v", err)
		}
		if _, err := s.Claim(ctx, claimP("k", "b", time.Minute)); !errors.Is(err, dunning.ErrAlreadyDone) {
			t.Errorf("claim after the late record: err = %v, want ErrAlreadyDone", err)
		}
		rs, _ := s.Records(ctx)
		if len(rs) != 1 || rs[0].Attempts != 1 {
			t.Errorf("records = %+v, want one with 1 attempt", rs)
		}
	})

	t.Run("ReleaseHoldsForRetryIn", func(t *testing.T) {
		t.Parallel()
		k := newStore(t)
		needAdvance(t, k)
		s := k.Store
		a, err := s.Claim(ctx, claimP("k", "a", time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Release(ctx, a, dunning.ReleaseParams{RetryIn: 10 * time.Minute, Reason: "smtp 451"}); err != nil {
			t.Fatal(err)
		}
		k.Advance(9 * time.Minute)
		if _, err := s.Claim(ctx, claimP("k", "a", time.Minute)); !errors.Is(err, dunning.ErrClaimed) {
			t.Errorf("claim 9m into a 10m retry delay: err = %v, want ErrClaimed", err)
		}
		k.Advance(time.Minute)
		c, err := s.Claim(ctx, claimP("k", "b", time.Minute))
		if err != nil {
			t.Fatalf("claim at retry time: %v", err)
		}
		if c.Attempt != 2 || c.Unknown {
			t.Errorf("claim after release = %+v, want attempt 2, not unknown", c)
		}
		// Released with RetryIn 0: claimable at once.
		if err := s.Release(ctx, c, dunning.ReleaseParams{}); err != nil {
			t.Fatal(err)
		}
		if c3, err := s.Claim(ctx, claimP("k", "c", time.Minute)); err != nil || c3.Attempt != 3 {
			t.Errorf("claim right after a release without delay: %+v, %v", c3, err)
		}
	})

	// The claim remembers the planned action; while the outcome is unknown
	// (held, or given up without a record or release) History lists it, so
	// the planner re-issues the same key for the same invoices.
	t.Run("ClaimRemembersPlannedAction", func(t *testing.T) {
		t.Parallel()
		k := newStore(t)
		s := k.Store
		pend := func() []dunning.Pending {
			t.Helper()
			h, err := s.History(ctx)
			if err != nil {
				t.Fatal(err)
			}
			ph, ok := h.(dunning.PendingHistory)
			if !ok {
				t.Skip("the store's History does not list pending actions (dunning.PendingHistory, optional)")
			}
			return ph.Pending()
		}
		pe := dunning.Pending{Key: "cust/c1/standard/s3/EUR/abc", CustomerID: "c1", InvoiceIDs: []string{"i2", "i1"}, Cycles: []int{0, 1},
			Workflow: "standard", Step: "s3", StepIndex: 3, Steps: []int{3, 2}, Kind: dunning.Email, Currency: "EUR"}
		if got := pend(); len(got) != 0 {
			t.Fatalf("pending before any claim: %+v", got)
		}
		p := claimP(pe.Key, "a", time.Minute)
		p.Planned = &pe
		a, err := s.Claim(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		pe.InvoiceIDs[0] = "changed" // the store keeps its own copy
		want := pe
		want.InvoiceIDs = []string{"i2", "i1"}
		if diff := cmp.Diff([]dunning.Pending{want}, pend()); diff != "" {
			t.Errorf("pending while held (-want +got):\n%s", diff)
		}
		// A release is a known outcome (nothing sent): not pending.
		if err := s.Release(ctx, a, dunning.ReleaseParams{}); err != nil {
			t.Fatal(err)
		}
		if got := pend(); len(got) != 0 {
			t.Errorf("pending after release: %+v", got)
		}
		pe.InvoiceIDs[0] = "i2"
		b, err := s.Claim(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if k.Advance != nil {
			// b vanishes: after its lease the outcome is unknown, still pending.
			k.Advance(time.Minute)
			if diff := cmp.Diff([]dunning.Pending{want}, pend()); diff != "" {
				t.Errorf("pending after the lease ran out (-want +got):\n%s", diff)
			}
			c, err := s.Claim(ctx, claimP(pe.Key, "c", time.Minute)) // no Planned: keeps the remembered one
			if err != nil || !c.Unknown {
				t.Fatalf("takeover: %+v, %v; want unknown", c, err)
			}
			if err := s.Release(ctx, c, dunning.ReleaseParams{}); err != nil {
				t.Fatal(err)
			}
			// Released after an unknown outcome: still unknown, still pending.
			if diff := cmp.Diff([]dunning.Pending{want}, pend()); diff != "" {
				t.Errorf("pending after a release following an unknown outcome (-want +got):\n%s", diff)
			}
			if b, err = s.Claim(ctx, claimP(pe.Key, "d", time.Minute)); err != nil || !b.Unknown {
				t.Fatalf("claim after release of an unknown: %+v, %v; want unknown", b, err)
			}
		}
		r := rec(pe.Key, []string{"i2", "i1"}, 3, dunning.Email, dunning.Sent)
		r.Cycles, r.Steps, r.FeesByInvoice = []int{0, 1}, []int{3, 2}, nil
		if err := s.Complete(ctx, b, r); err != nil {
			t.Fatal(err)
		}
		if got := pend(); len(got) != 0 {
			t.Errorf("pending after complete: %+v", got)
		}
	})

	// What PostgreSQL (and so any store) cannot keep is refused with a
	// *FieldError before anything is stored: NUL bytes, invalid UTF-8.
	t.Run("UnstorableRefused", func(t *testing.T) {
		t.Parallel()
		s := newStore(t).Store
		for _, key := range []string{"", "k\x00", "k\xff"} {
			if _, err := s.Claim(ctx, claimP(key, "a", time.Minute)); !errors.Is(err, dunning.ErrInvalid) {
				t.Errorf("claim %q: err = %v, want ErrInvalid", key, err)
			}
		}
		p := claimP("k", "a", time.Minute)
		p.Planned = &dunning.Pending{Key: "k", CustomerID: "c\xc3", InvoiceIDs: []string{"i1"}}
		if _, err := s.Claim(ctx, p); !errors.Is(err, dunning.ErrInvalid) {
			t.Errorf("claim with invalid UTF-8 in the planned customer id: err = %v, want ErrInvalid", err)
		}
		c, err := s.Claim(ctx, claimP("k", "a", time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		for _, bad := range []func(*dunning.Record){
			func(r *dunning.Record) { r.InvoiceIDs = []string{"i\x001"} },
			func(r *dunning.Record) { r.CustomerID = "\xfe" },
			func(r *dunning.Record) { r.InvoiceIDs = nil },
			func(r *dunning.Record) { r.Error = strings.Repeat("x", dunning.MaxTextLen+1) },
		} {
			r := rec("k", []string{"i1"}, 0, dunning.Email, dunning.Sent)
			bad(&r)
			if err := s.Complete(ctx, c, r); !errors.Is(err, dunning.ErrInvalid) {
				t.Errorf("complete %+v: err = %v, want ErrInvalid", r.InvoiceIDs, err)
			}
		}
		if rs, _ := s.Records(ctx); len(rs) != 0 {
			t.Errorf("refused records stored: %+v", rs)
		}
		if err := s.Complete(ctx, c, rec("k", []string{"i1"}, 0, dunning.Email, dunning.Sent)); err != nil {
			t.Errorf("the claim survives refused records: %v", err)
		}
		task := dunning.CollectorTask{ID: "t", CustomerID: "c1", InvoiceIDs: []string{"i1"}, Title: "call\x00", Status: dunning.TaskOpen}
		if err := s.SaveTask(ctx, task); !errors.Is(err, dunning.ErrInvalid) {
			t.Errorf("task with a NUL in its title: err = %v, want ErrInvalid", err)
		}
		ev := dunning.Event{ID: "e", Kind: dunning.PaymentReceived, InvoiceID: "i\xff", Date: date.New(2026, 4, 1)}
		if err := s.AppendEvent(ctx, ev); !errors.Is(err, dunning.ErrInvalid) {
			t.Errorf("event with invalid UTF-8: err = %v, want ErrInvalid", err)
		}
	})

	// Numbers beyond the SQL store's integer columns (a cycle, a step),
	// times beyond what JSON and PostgreSQL keep, and every text field
	// (a record's variant, a task's cancel reason) are refused with a
	// *FieldError naming the field, before anything is stored or claimed,
	// in every store alike.
	t.Run("UnstorableFieldsRefused", func(t *testing.T) {
		t.Parallel()
		s := newStore(t).Store
		year10000 := time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
		refused := func(what string, err error, field string) {
			t.Helper()
			var fe *dunning.FieldError
			if !errors.As(err, &fe) || !errors.Is(err, dunning.ErrInvalid) || !strings.HasSuffix(fe.Field, field) {
				t.Errorf("%s: err = %v, want a *FieldError for %s", what, err, field)
			}
		}
		for _, c := range []struct {
			field string
			pe    dunning.Pending
		}{
			{"cycles[0]", dunning.Pending{Key: "p1", CustomerID: "c1", InvoiceIDs: []string{"i1"}, Cycles: []int{1 << 31}}},
			{"step_index", dunning.Pending{Key: "p2", CustomerID: "c1", InvoiceIDs: []string{"i1"}, StepIndex: 1 << 31}},
			{"steps[1]", dunning.Pending{Key: "p3", CustomerID: "c1", InvoiceIDs: []string{"i1", "i2"}, Steps: []int{1, -1 << 32}}},
		} {
			p := claimP(c.pe.Key, "a", time.Minute)
			p.Planned = &c.pe
			_, err := s.Claim(ctx, p)
			refused(fmt.Sprintf("claim planning %+v", c.pe), err, c.field)
		}
		if h, err := s.History(ctx); err != nil {
			t.Fatal(err)
		} else if ph, ok := h.(dunning.PendingHistory); ok && len(ph.Pending()) != 0 {
			t.Errorf("refused claims left pending actions: %+v", ph.Pending())
		}
		c, err := s.Claim(ctx, claimP("k", "a", time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		for _, bad := range []struct {
			field string
			f     func(*dunning.Record)
		}{
			{"variant", func(r *dunning.Record) { r.Variant = "reminder-b\x00" }},
			{"cycles[0]", func(r *dunning.Record) { r.Cycles = []int{1 << 31} }},
			{"step_index", func(r *dunning.Record) { r.StepIndex = 1 << 31 }},
			{"at", func(r *dunning.Record) { r.At = year10000 }},
			{"at", func(r *dunning.Record) { r.At = time.Date(0, 12, 31, 0, 0, 0, 0, time.UTC) }},
		} {
			r := rec("k", []string{"i1"}, 0, dunning.Email, dunning.Sent)
			bad.f(&r)
			refused("complete with a bad "+bad.field, s.Complete(ctx, c, r), bad.field)
		}
		if rs, _ := s.Records(ctx); len(rs) != 0 {
			t.Errorf("refused records stored: %+v", rs)
		}
		if err := s.Complete(ctx, c, rec("k", []string{"i1"}, 0, dunning.Email, dunning.Sent)); err != nil {
			t.Errorf("the claim survives refused records: %v", err)
		}
		ev := dunning.Event{ID: "e", Kind: dunning.PaymentReceived, InvoiceID: "i1", Date: date.New(2026, 4, 1), Amount: decimal.NewFromInt(10), At: year10000}
		refused("event at year 10000", s.AppendEvent(ctx, ev), "event.at")
		task := dunning.CollectorTask{ID: "t", CustomerID: "c1", InvoiceIDs: []string{"i1"}, Title: "call", Status: dunning.TaskOpen,
			Notes: []dunning.TaskNote{{At: t0, Author: "anna", Text: "ok"}, {At: year10000, Author: "anna", Text: "later"}}}
		refused("task note at year 10000", s.SaveTask(ctx, task), "notes[1].at")
		task.Notes = nil
		task.Status, task.CancelReason = dunning.TaskCancelled, "paid\x00"
		refused("task with a NUL in its cancel reason", s.SaveTask(ctx, task), "cancel_reason")
		if evs, _ := s.Events(ctx); len(evs) != 0 {
			t.Errorf("refused events stored: %+v", evs)
		}
		if ts, _ := s.Tasks(ctx, ""); len(ts) != 0 {
			t.Errorf("refused tasks stored: %+v", ts)
		}
	})

	t.Run("ProgressAdvances", func(t *testing.T) {
		t.Parallel()
		s := newStore(t).Store
		do := func(key string, r dunning.Record) {
			t.Helper()
			c, err := s.Claim(ctx, claimP(key, "a", time.Minute))
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
		want := dunning.Progress{InvoiceID: "i1", Workflow: "standard", Step: 3, Last: date.New(2026, 4, 14), StepOn: date.New(2026, 4, 14), Fees: decimal.RequireFromString("5"),
			Notices: &dunning.NoticeLog{Count: 1, Recent: []date.Date{date.New(2026, 4, 14)}}}
		got, _ := h.Progress("i1")
		if diff := cmp.Diff(want, got, decEq); diff != "" {
			t.Errorf("i1 progress (-want +got):\n%s", diff)
		}
		want2 := dunning.Progress{InvoiceID: "i2", Workflow: "standard", Step: 3, Last: date.New(2026, 4, 14), StepOn: date.New(2026, 4, 14), Fees: decimal.Zero,
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

	t.Run("RecordsAreTheCallers", func(t *testing.T) {
		t.Parallel()
		s := newStore(t).Store
		r := rec("k1", []string{"i1", "i2"}, 3, dunning.Email, dunning.Sent)
		r.Steps, r.Listed = []int{3, 1}, []bool{false, true}
		r.Compensation, r.CompensationOn = true, []bool{true, false}
		c, err := s.Claim(ctx, claimP("k1", "a", time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Complete(ctx, c, r); err != nil {
			t.Fatal(err)
		}
		// What a caller completed with, and what Records and RecordsWhere
		// return, are the caller's: changing them changes nothing stored.
		scribble := func(r *dunning.Record) {
			r.InvoiceIDs[0], r.Cycles[0], r.Steps[0], r.Listed[1] = "changed", 9, 9, false
			r.FeesByInvoice[0], r.CompensationOn[0] = decimal.RequireFromString("99"), false
		}
		want := r
		want.InvoiceIDs, want.Cycles, want.Steps = []string{"i1", "i2"}, []int{0, 0}, []int{3, 1}
		want.Listed, want.CompensationOn = []bool{false, true}, []bool{true, false}
		want.FeesByInvoice = []decimal.Decimal{decimal.RequireFromString("5.00"), {}}
		want.Attempts = c.Attempt
		scribble(&r)
		all, err := s.Records(ctx)
		if err != nil || len(all) != 1 {
			t.Fatalf("Records = %+v, %v", all, err)
		}
		scribble(&all[0])
		for got, err := range dunning.RecordsWhere(ctx, s, dunning.RecordFilter{CustomerID: "c1"}) {
			if err != nil {
				t.Fatal(err)
			}
			scribble(&got)
		}
		again, _ := s.Records(ctx)
		if len(again) != 1 {
			t.Fatalf("Records = %+v", again)
		}
		if diff := cmp.Diff(want, again[0], decEq, cmpopts.EquateApproxTime(time.Millisecond)); diff != "" {
			t.Errorf("the record stored (-want +got):\n%s", diff)
		}
	})

	t.Run("BounceEventMarksProgress", func(t *testing.T) {
		t.Parallel()
		s := newStore(t).Store
		c, _ := s.Claim(ctx, claimP("k1", "a", time.Minute))
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

	// A statement of account (dunning.SendStatement) over two invoices is
	// kept as it was recorded, advances both invoices to its step without
	// counting as a notice (no Last, no notice log, no fees), and a bounce
	// of it asks for its fallback.
	t.Run("StatementRecordRoundTripsAndCountsNoNotice", func(t *testing.T) {
		t.Parallel()
		s := newStore(t).Store
		c, err := s.Claim(ctx, claimP("cust/c1/standard/statement/EUR/0a1b", "a", time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		r := dunning.Record{Key: "cust/c1/standard/statement/EUR/0a1b", CustomerID: "c1", InvoiceIDs: []string{"i1", "i2#2"}, Cycles: []int{0, 0},
			Workflow: "standard", Step: "statement", StepIndex: 1, Steps: []int{1, 1}, Kind: dunning.SendStatement,
			Date: date.New(2026, 4, 10), Outcome: dunning.Sent, Currency: "EUR", Amount: decimal.RequireFromString("550.00"),
			Fees: decimal.Zero, Interest: decimal.Zero, Template: "/standard/statement/en", MessageID: "m-1", At: t0}
		if err := s.Complete(ctx, c, r); err != nil {
			t.Fatal(err)
		}
		rs, err := s.Records(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := r
		want.Attempts = 1
		if len(rs) != 1 {
			t.Fatalf("records = %d, want 1", len(rs))
		}
		if diff := cmp.Diff(want, rs[0], decEq); diff != "" {
			t.Errorf("record (-want +got):\n%s", diff)
		}
		h, _ := s.History(ctx)
		for _, id := range r.InvoiceIDs {
			p, _ := h.Progress(id)
			if diff := cmp.Diff(dunning.Progress{InvoiceID: id, Workflow: "standard", Step: 1, StepOn: date.New(2026, 4, 10), Fees: decimal.Zero}, p, decEq); diff != "" {
				t.Errorf("%s progress (-want +got):\n%s", id, diff)
			}
		}
		if err := s.AppendEvent(ctx, dunning.Event{ID: "b1", Kind: dunning.NoticeBounced, Key: r.Key, Date: date.New(2026, 4, 11)}); err != nil {
			t.Fatal(err)
		}
		h, _ = s.History(ctx)
		if p, _ := h.Progress("i1"); p.Bounced != r.Key || p.Notices != nil || !p.Fees.IsZero() {
			t.Errorf("after a bounce: %+v, want bounced %s, no notice log, no fees", p, r.Key)
		}
	})

	t.Run("EventsKeepOrderAndFields", func(t *testing.T) {
		t.Parallel()
		s := newStore(t).Store
		in := []dunning.Event{
			{ID: "e1", Kind: dunning.PaymentReceived, CustomerID: "c1", InvoiceID: "i1", Instalment: 2, Date: date.New(2026, 4, 1), Amount: decimal.RequireFromString("12.50"), At: t0},
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
		t.Parallel()
		s := newStore(t).Store
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
		// What Tasks and TasksWhere return is the caller's: changing it
		// changes nothing in the store.
		all[0].InvoiceIDs[0], all[0].Notes[0].Text = "changed", "changed"
		for tk, err := range dunning.TasksWhere(ctx, s, dunning.TaskFilter{CustomerID: "c1"}) {
			if err != nil {
				t.Fatal(err)
			}
			if tk.ID == "t1" {
				tk.InvoiceIDs[0], tk.Notes[0].Text = "changed too", "changed too"
			}
		}
		if again, _ := s.Tasks(ctx, ""); len(again) != 2 || again[0].InvoiceIDs[0] != "i1" || again[0].Notes[0].Text != "paid by phone" {
			t.Errorf("after changing the tasks read, the store holds %+v, want t1 on i1 with its note \"paid by phone\"", again)
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
		t.Parallel()
		s := newStore(t).Store
		const n = 8
		var wg sync.WaitGroup
		wins := make(chan dunning.Claim, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				c, err := s.Claim(ctx, claimP("hot", fmt.Sprintf("r%d", i), time.Minute))
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
		t.Parallel()
		s := newStore(t).Store
		dc, ok := s.(dunning.DoneChecker)
		if !ok {
			t.Skip("store does not implement dunning.DoneChecker (optional)")
		}
		c, err := s.Claim(ctx, claimP("done", "a", time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Complete(ctx, c, rec("done", []string{"i1"}, 0, dunning.Email, dunning.Sent)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Claim(ctx, claimP("held", "a", time.Minute)); err != nil {
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

	// States reports each key as a claim made then would find it: not
	// known, free (released without a retry time, or its lease ran out),
	// held (a live lease, or a retry time not reached) or done.
	t.Run("StateChecker", func(t *testing.T) {
		t.Parallel()
		k := newStore(t)
		s := k.Store
		sc, ok := s.(dunning.StateChecker)
		if !ok {
			t.Skip("store does not implement dunning.StateChecker (optional)")
		}
		claim := func(key string, lease time.Duration) dunning.Claim {
			t.Helper()
			c, err := s.Claim(ctx, claimP(key, "a", lease))
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		if err := s.Complete(ctx, claim("done", time.Minute), rec("done", []string{"i1"}, 0, dunning.Email, dunning.Sent)); err != nil {
			t.Fatal(err)
		}
		claim("held", time.Hour)
		if err := s.Release(ctx, claim("released", time.Minute), dunning.ReleaseParams{}); err != nil {
			t.Fatal(err)
		}
		if err := s.Release(ctx, claim("later", time.Minute), dunning.ReleaseParams{RetryIn: time.Hour}); err != nil {
			t.Fatal(err)
		}
		want := map[string]dunning.KeyState{"done": dunning.KeyDone, "held": dunning.KeyHeld, "released": dunning.KeyFree, "later": dunning.KeyHeld}
		if k.Advance != nil {
			claim("expired", time.Minute)
			k.Advance(2 * time.Minute)
			want["expired"] = dunning.KeyFree
		}
		keys := []string{"new", "done", "held", "released", "later", "expired"}
		got, err := sc.States(ctx, keys)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("States (-want +got):\n%s", diff)
		}
		// A claim by another owner agrees with each state.
		for _, key := range keys {
			if _, ok := want[key]; !ok && key != "new" {
				continue
			}
			_, err := s.Claim(ctx, claimP(key, "b", time.Minute))
			switch st := want[key]; {
			case st == dunning.KeyDone && !errors.Is(err, dunning.ErrAlreadyDone),
				st == dunning.KeyHeld && !errors.Is(err, dunning.ErrClaimed),
				(st == dunning.KeyNew || st == dunning.KeyFree) && err != nil:
				t.Errorf("claim of %s (state %d): err = %v", key, st, err)
			}
		}
		if got, err := sc.States(ctx, nil); err != nil || len(got) != 0 {
			t.Errorf("States(nil) = %v, %v", got, err)
		}
	})

	t.Run("ContextCancelled", func(t *testing.T) {
		t.Parallel()
		s := newStore(t).Store
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := s.Claim(cctx, claimP("k", "a", time.Minute)); err == nil {
			t.Error("claim with a cancelled context succeeded")
		}
	})
}
