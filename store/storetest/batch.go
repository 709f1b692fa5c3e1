package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/overduehq/overdue/dunning"
	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
)

// runBatch checks the optional dunning.BatchStore, dunning.HistoryReader
// and dunning.LedgerReader; each case is skipped for a store without it.
func runBatch(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	batch := func(t *testing.T) (dunning.Store, dunning.BatchStore) {
		t.Helper()
		s := newStore(t).Store
		b, ok := s.(dunning.BatchStore)
		if !ok {
			t.Skip("store does not implement dunning.BatchStore (optional)")
		}
		return s, b
	}

	// Promise: ClaimMany answers every key in the order asked, with mixed
	// outcomes in one batch: new keys won, a held key ErrClaimed, a done
	// key ErrAlreadyDone, a bad key a *FieldError, a key asked twice once.
	t.Run("ClaimManyMixedOutcomes", func(t *testing.T) {
		t.Parallel()
		s, b := batch(t)
		c, err := s.Claim(ctx, claimP("done", "x", time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Complete(ctx, c, rec("done", []string{"i0"}, 0, dunning.Email, dunning.Sent)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Claim(ctx, claimP("held", "x", time.Minute)); err != nil {
			t.Fatal(err)
		}
		res, err := b.ClaimMany(ctx, dunning.ClaimManyParams{Owner: "a", Lease: time.Minute, Keys: []dunning.ClaimKey{
			{Key: "n2"}, {Key: "held"}, {Key: "done"}, {Key: "bad\x00"}, {Key: "n1"}}})
		if err != nil {
			t.Fatal(err)
		}
		if len(res) != 5 {
			t.Fatalf("%d answers for 5 keys", len(res))
		}
		for i, k := range []string{"n2", "n1"} {
			r := res[[]int{0, 4}[i]]
			if r.Err != nil || r.Claim.Key != k || r.Claim.Owner != "a" || r.Claim.Attempt != 1 {
				t.Errorf("%s: %+v, want a first claim by a", k, r)
			}
		}
		if !errors.Is(res[1].Err, dunning.ErrClaimed) || !errors.Is(res[2].Err, dunning.ErrAlreadyDone) || !errors.Is(res[3].Err, dunning.ErrInvalid) {
			t.Errorf("held, done, bad = %v, %v, %v; want ErrClaimed, ErrAlreadyDone, ErrInvalid", res[1].Err, res[2].Err, res[3].Err)
		}
		if _, err := s.Claim(ctx, claimP("n1", "z", time.Minute)); !errors.Is(err, dunning.ErrClaimed) {
			t.Errorf("claim of n1 after ClaimMany = %v, want ErrClaimed", err)
		}
	})

	// Promise: CompleteMany reports per key: the current claim records,
	// a stale claim is ErrLeaseLost and records nothing, a retry of an
	// already recorded claim is nil; progress of all invoices advances.
	t.Run("CompleteManyPerKey", func(t *testing.T) {
		t.Parallel()
		s, b := batch(t)
		res, err := b.ClaimMany(ctx, dunning.ClaimManyParams{Owner: "a", Lease: time.Minute, Keys: []dunning.ClaimKey{{Key: "k1"}, {Key: "k2"}, {Key: "k3"}}})
		if err != nil {
			t.Fatal(err)
		}
		r1, r2 := rec("k1", []string{"i1"}, 1, dunning.Email, dunning.Sent), rec("k2", []string{"i2", "i3"}, 2, dunning.Email, dunning.Sent)
		if err := s.Complete(ctx, res[0].Claim, r1); err != nil {
			t.Fatal(err)
		}
		stale := res[2].Claim
		stale.Attempt = 7
		errs, err := b.CompleteMany(ctx, []dunning.Completion{{Claim: res[0].Claim, Record: r1}, {Claim: res[1].Claim, Record: r2},
			{Claim: stale, Record: rec("k3", []string{"i4"}, 1, dunning.Email, dunning.Sent)}})
		if err != nil {
			t.Fatal(err)
		}
		if errs[0] != nil || errs[1] != nil || !errors.Is(errs[2], dunning.ErrLeaseLost) {
			t.Errorf("errors %v, want nil, nil, ErrLeaseLost", errs)
		}
		recs, err := s.Records(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 2 || recs[0].Key != "k1" || recs[1].Key != "k2" {
			t.Errorf("records %+v, want k1 then k2", recs)
		}
		h, err := s.History(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for id, step := range map[string]int{"i1": 1, "i2": 2, "i3": 2} {
			if p, ok := h.Progress(id); !ok || p.Step != step {
				t.Errorf("progress of %s = %+v, want step %d", id, p, step)
			}
		}
		if _, ok := h.Progress("i4"); ok {
			t.Error("the stale completion left progress for i4")
		}
	})

	// Promise: of concurrent ClaimMany calls for overlapping keys, each key
	// is won by exactly one.
	t.Run("ConcurrentClaimManyEachKeyOnce", func(t *testing.T) {
		t.Parallel()
		_, b := batch(t)
		const runners, n = 4, 50
		keys := make([]dunning.ClaimKey, n)
		for i := range keys {
			keys[i].Key = fmt.Sprintf("k%03d", i)
		}
		var mu sync.Mutex
		won := map[string]int{}
		var wg sync.WaitGroup
		for r := range runners {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res, err := b.ClaimMany(ctx, dunning.ClaimManyParams{Owner: fmt.Sprintf("r%d", r), Lease: time.Minute, Keys: keys})
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				defer mu.Unlock()
				for _, x := range res {
					if x.Err == nil {
						won[x.Claim.Key]++
					} else if !errors.Is(x.Err, dunning.ErrClaimed) {
						t.Errorf("claim: %v", x.Err)
					}
				}
			}()
		}
		wg.Wait()
		for _, k := range keys {
			if won[k.Key] != 1 {
				t.Errorf("%s won %d times, want 1", k.Key, won[k.Key])
			}
		}
	})

	// Promise: HistoryFor holds the progress of the invoices and customers
	// asked for, and nothing else.
	t.Run("HistoryForSelects", func(t *testing.T) {
		t.Parallel()
		s := newStore(t).Store
		hr, ok := s.(dunning.HistoryReader)
		if !ok {
			t.Skip("store does not implement dunning.HistoryReader (optional)")
		}
		for i, c := range []string{"c1", "c2", "c3"} {
			r := rec(fmt.Sprintf("k%d", i), []string{"i" + c, "j" + c}, 1, dunning.Email, dunning.Sent)
			r.CustomerID = r.InvoiceIDs[0][1:]
			cl, err := s.Claim(ctx, claimP(r.Key, "a", time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Complete(ctx, cl, r); err != nil {
				t.Fatal(err)
			}
		}
		h, err := hr.HistoryFor(ctx, dunning.HistoryQuery{InvoiceIDs: []string{"ic1"}, CustomerIDs: []string{"c3"}})
		if err != nil {
			t.Fatal(err)
		}
		for id, want := range map[string]bool{"ic1": true, "jc1": false, "ic2": false, "ic3": true, "jc3": true} {
			if _, got := h.Progress(id); got != want {
				t.Errorf("HistoryFor has %s: %v, want %v", id, got, want)
			}
		}
	})

	// Promise: RecordsWhere filters by customer, invoice and time, and a
	// caller may stop iterating early.
	t.Run("RecordsWhereFilters", func(t *testing.T) {
		t.Parallel()
		s := newStore(t).Store
		if _, ok := s.(dunning.LedgerReader); !ok {
			t.Skip("store does not implement dunning.LedgerReader (optional)")
		}
		for i := range 4 {
			r := rec(fmt.Sprintf("k%d", i), []string{fmt.Sprintf("i%d", i%2)}, 1, dunning.Email, dunning.Sent)
			r.CustomerID = fmt.Sprintf("c%d", i%2)
			r.At = t0.Add(time.Duration(i) * time.Hour)
			r.Amount = decimal.NewFromInt(int64(i))
			cl, err := s.Claim(ctx, claimP(r.Key, "a", time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Complete(ctx, cl, r); err != nil {
				t.Fatal(err)
			}
		}
		keys := func(f dunning.RecordFilter) []string {
			var out []string
			for r, err := range dunning.RecordsWhere(ctx, s, f) {
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, r.Key)
			}
			return out
		}
		for _, c := range []struct {
			f    dunning.RecordFilter
			want string
		}{
			{dunning.RecordFilter{CustomerID: "c1"}, "[k1 k3]"},
			{dunning.RecordFilter{InvoiceID: "i0"}, "[k0 k2]"},
			{dunning.RecordFilter{From: t0.Add(time.Hour), To: t0.Add(3 * time.Hour)}, "[k1 k2]"},
			{dunning.RecordFilter{Limit: 3}, "[k0 k1 k2]"},
			{dunning.RecordFilter{Key: "k2", CustomerID: "c1"}, "[]"},
		} {
			if got := fmt.Sprint(keys(c.f)); got != c.want {
				t.Errorf("%+v: %s, want %s", c.f, got, c.want)
			}
		}
		n := 0
		for range dunning.RecordsWhere(ctx, s, dunning.RecordFilter{}) {
			if n++; n == 2 {
				break
			}
		}
	})

	// Promise: the time filters of RecordsWhere and EventsWhere compare
	// times to the microsecond, truncated (dunning.StoredTime), in every
	// store, and an event without At counts as earlier than any time.
	t.Run("LedgerTimeFilters", func(t *testing.T) {
		t.Parallel()
		s := newStore(t).Store
		if _, ok := s.(dunning.LedgerReader); !ok {
			t.Skip("store does not implement dunning.LedgerReader (optional)")
		}
		midnight := time.Date(2026, 4, 15, 0, 0, 0, 0, time.UTC)
		for _, r := range []struct {
			key string
			at  time.Time
		}{{"late", midnight.Add(-400 * time.Nanosecond)}, {"early", midnight.Add(-time.Hour)}} {
			rc := rec(r.key, []string{"i-" + r.key}, 1, dunning.Email, dunning.Sent)
			rc.At = r.at
			cl, err := s.Claim(ctx, claimP(r.key, "a", time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Complete(ctx, cl, rc); err != nil {
				t.Fatal(err)
			}
		}
		for _, c := range []struct {
			f    dunning.RecordFilter
			want string
		}{
			{dunning.RecordFilter{From: midnight.Add(-24 * time.Hour), To: midnight}, "[late early]"},
			{dunning.RecordFilter{From: midnight}, "[]"},
			// Both late's At and the bound are taken to the microsecond
			// before midnight.
			{dunning.RecordFilter{To: midnight.Add(-300 * time.Nanosecond)}, "[early]"},
			{dunning.RecordFilter{From: midnight.Add(-300 * time.Nanosecond)}, "[late]"},
		} {
			var got []string
			for r, err := range dunning.RecordsWhere(ctx, s, c.f) {
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, r.Key)
			}
			if fmt.Sprint(got) != c.want {
				t.Errorf("RecordsWhere(%+v) = %v, want %s", c.f, got, c.want)
			}
		}
		for _, e := range []dunning.Event{
			{ID: "no-at", Kind: dunning.PaymentReceived, InvoiceID: "i1", Date: date.New(2026, 4, 14), Amount: decimal.NewFromInt(10)},
			{ID: "late", Kind: dunning.PaymentReceived, InvoiceID: "i1", Date: date.New(2026, 4, 14), Amount: decimal.NewFromInt(10), At: midnight.Add(-400 * time.Nanosecond)},
		} {
			if err := s.AppendEvent(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		for _, c := range []struct {
			f    dunning.EventFilter
			want string
		}{
			{dunning.EventFilter{To: midnight}, "[no-at late]"},
			{dunning.EventFilter{From: midnight.Add(-time.Hour)}, "[late]"},
			{dunning.EventFilter{From: midnight.Add(-time.Hour), To: midnight}, "[late]"},
			{dunning.EventFilter{To: midnight.Add(-300 * time.Nanosecond)}, "[no-at]"},
			{dunning.EventFilter{From: midnight.Add(-300 * time.Nanosecond)}, "[late]"},
		} {
			var got []string
			for e, err := range dunning.EventsWhere(ctx, s, c.f) {
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, e.ID)
			}
			if fmt.Sprint(got) != c.want {
				t.Errorf("EventsWhere(%+v) = %v, want %s", c.f, got, c.want)
			}
		}
	})
}
