package dunning_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/overduehq/overdue/store/memory"
	"github.com/shopspring/decimal"
)

func TestApplyEvents(t *testing.T) {
	amt := decimal.RequireFromString
	inv := dunningtest.Invoice("i1", "c1", day("2026-03-02"), day("2026-03-31"), "100.00", "EUR")
	apply := func(e dunning.Event) {
		t.Helper()
		if err := inv.Apply(e); err != nil {
			t.Fatalf("%s: %v", e.Kind, err)
		}
	}
	apply(dunning.Event{ID: "p1", Kind: dunning.PaymentReceived, Date: day("2026-04-02"), Amount: amt("30")})
	apply(dunning.Event{ID: "c1", Kind: dunning.CreditApplied, Date: day("2026-04-03"), Amount: amt("20")})
	// 100 - 30 - 20 = 50 from 04-03; 70 on 04-02; 100 before.
	for d, want := range map[string]string{"2026-04-01": "100", "2026-04-02": "70", "2026-04-03": "50"} {
		if got := inv.Open(day(d)); !got.Equal(amt(want)) {
			t.Errorf("open on %s = %s, want %s", d, got, want)
		}
	}
	apply(dunning.Event{ID: "d1", Kind: dunning.DisputeOpened, Date: day("2026-04-05"), Reason: "wrong size"})
	apply(dunning.Event{ID: "d2", Kind: dunning.DisputeResolved, Date: day("2026-04-09")})
	if !inv.Dispute.OpenOn(day("2026-04-08")) || inv.Dispute.OpenOn(day("2026-04-09")) {
		t.Errorf("dispute %+v", inv.Dispute)
	}
	apply(dunning.Event{ID: "h1", Kind: dunning.HoldPlaced, Date: day("2026-04-10"), Reason: "CFO asked"})
	apply(dunning.Event{ID: "h2", Kind: dunning.HoldReleased, Date: day("2026-04-12")})
	if !inv.Hold.ActiveOn(day("2026-04-11")) || inv.Hold.ActiveOn(day("2026-04-12")) {
		t.Errorf("hold %+v", inv.Hold)
	}
	// A promise on 04-13 to pay by 04-30; the customer calls on 04-20 to
	// say it will not be kept: broken from 04-20, before its pay-by date.
	apply(dunning.Event{ID: "pr", Kind: dunning.PromiseMade, Date: day("2026-04-13"), Until: day("2026-04-30"), Amount: amt("50")})
	if s := inv.PromiseOn(day("2026-04-19")); s != dunning.PromisePending {
		t.Errorf("on 04-19: %s", s)
	}
	apply(dunning.Event{ID: "pb", Kind: dunning.PromiseBrokeEvent, Date: day("2026-04-20")})
	if s := inv.PromiseOn(day("2026-04-20")); s != dunning.PromiseBroken {
		t.Errorf("after the promise-broken event: %s", s)
	}
	apply(dunning.Event{ID: "pk", Kind: dunning.PromiseKeptEvent, Date: day("2026-04-22")})
	if s := inv.PromiseOn(day("2026-04-22")); s != dunning.PromiseKept {
		t.Errorf("after the promise-kept event: %s", s)
	}
	// Delivery events leave the invoice alone.
	before := inv.Open(day("2026-05-01"))
	apply(dunning.Event{ID: "o1", Kind: dunning.NoticeOpened, Key: "k", Date: day("2026-04-23")})
	if !inv.Open(day("2026-05-01")).Equal(before) {
		t.Error("an open event changed the balance")
	}
}

func TestApplyRefusesBadEvents(t *testing.T) {
	amt := decimal.RequireFromString
	for _, tc := range []struct {
		e     dunning.Event
		field string
	}{
		{dunning.Event{ID: "e", Kind: dunning.PaymentReceived, Date: day("2026-04-01"), Amount: amt("-5")}, "event[e].amount"},
		{dunning.Event{ID: "e", Kind: dunning.PaymentReceived, Amount: amt("5")}, "event[e].date"},
		{dunning.Event{ID: "e", Kind: dunning.DisputeResolved, Date: day("2026-04-01")}, "event[e].kind"},
		{dunning.Event{ID: "e", Kind: dunning.PromiseMade, Date: day("2026-04-10"), Until: day("2026-04-01"), Amount: amt("5")}, "event[e].until"},
		{dunning.Event{ID: "e", Kind: dunning.PromiseBrokeEvent, Date: day("2026-04-10")}, "event[e].kind"},
		{dunning.Event{ID: "e", Kind: "refund", Date: day("2026-04-10")}, "event[e].kind"},
		{dunning.Event{ID: "e", Kind: dunning.PaymentReceived, InvoiceID: "other", Date: day("2026-04-10"), Amount: amt("1")}, "event[e].invoice_id"},
	} {
		inv := dunningtest.Invoice("i1", "c1", day("2026-03-02"), day("2026-03-31"), "100.00", "EUR")
		err := inv.Apply(tc.e)
		var fe *dunning.FieldError
		if !errors.As(err, &fe) || fe.Field != tc.field || !errors.Is(err, dunning.ErrInvalid) {
			t.Errorf("%+v: err = %v, want field %s", tc.e, err, tc.field)
			continue
		}
		if len(inv.Payments)+len(inv.Credits) != 0 || inv.Promise != nil || inv.Dispute != nil {
			t.Errorf("%s: a refused event changed the invoice", tc.e.Kind)
		}
		if !strings.Contains(err.Error(), tc.field) {
			t.Errorf("error %q does not name %s", err, tc.field)
		}
	}
}

// allKinds is one event of every kind, in an order each can apply in.
func allKinds() []dunning.Event {
	amt := decimal.RequireFromString
	return []dunning.Event{
		{ID: "pay1", Kind: dunning.PaymentReceived, Date: day("2026-04-02"), Amount: amt("30")},
		{ID: "cred1", Kind: dunning.CreditApplied, Date: day("2026-04-03"), Amount: amt("20")},
		{ID: "disp1", Kind: dunning.DisputeOpened, Date: day("2026-04-05"), Reason: "wrong size"},
		{ID: "disp2", Kind: dunning.DisputeResolved, Date: day("2026-04-09")},
		{ID: "hold1", Kind: dunning.HoldPlaced, Date: day("2026-04-10"), Reason: "CFO asked"},
		{ID: "hold2", Kind: dunning.HoldReleased, Date: day("2026-04-12")},
		{ID: "prom1", Kind: dunning.PromiseMade, Date: day("2026-04-13"), Until: day("2026-04-30"), Amount: amt("50")},
		{ID: "prom2", Kind: dunning.PromiseBrokeEvent, Date: day("2026-04-20")},
		{ID: "prom3", Kind: dunning.PromiseKeptEvent, Date: day("2026-04-22")},
		{ID: "del1", Kind: dunning.NoticeDelivered, Key: "k1", Date: day("2026-04-23")},
		{ID: "bnc1", Kind: dunning.NoticeBounced, Key: "k1", Date: day("2026-04-23")},
		{ID: "opn1", Kind: dunning.NoticeOpened, Key: "k1", Date: day("2026-04-23")},
		{ID: "clk1", Kind: dunning.NoticeClicked, Key: "k1", Date: day("2026-04-23")},
	}
}

// TestApplyTwice applies every event kind twice: at once (a webhook
// retried) and all of them again at the end (a replay after a crash). The
// invoice ends as after one application, worked out by hand: 100 - 30 - 20
// = 50 open, the dispute resolved on 04-09, the hold ended on 04-12, the
// promise broken on 04-20 and declared kept on 04-22.
func TestApplyTwice(t *testing.T) {
	evs := allKinds()
	kinds := map[dunning.EventKind]bool{}
	for _, e := range evs {
		kinds[e.Kind] = true
	}
	if len(kinds) != 13 {
		t.Fatalf("the test covers %d event kinds, want all 13", len(kinds))
	}
	inv := dunningtest.Invoice("i1", "c1", day("2026-03-02"), day("2026-03-31"), "100.00", "EUR")
	for _, e := range evs {
		for range 2 {
			if err := inv.Apply(e); err != nil {
				t.Fatalf("%s: %v", e.Kind, err)
			}
		}
	}
	for _, e := range evs {
		if err := inv.Apply(e); err != nil {
			t.Fatalf("replay %s: %v", e.Kind, err)
		}
	}
	check := func(t *testing.T, inv *dunning.Invoice) {
		t.Helper()
		if got := inv.Open(day("2026-05-01")); !got.Equal(decimal.RequireFromString("50")) {
			t.Errorf("open = %s, want 50", got)
		}
		if len(inv.Payments) != 1 || len(inv.Credits) != 1 {
			t.Errorf("%d payments, %d credits, want 1 and 1", len(inv.Payments), len(inv.Credits))
		}
		if inv.Dispute == nil || inv.Dispute.Opened != day("2026-04-05") || inv.Dispute.Resolved != day("2026-04-09") {
			t.Errorf("dispute %+v", inv.Dispute)
		}
		if inv.Hold == nil || inv.Hold.Since != day("2026-04-10") || inv.Hold.Until != day("2026-04-12") {
			t.Errorf("hold %+v", inv.Hold)
		}
		if p := inv.Promise; p == nil || p.Broken != day("2026-04-20") || p.Kept != day("2026-04-22") {
			t.Errorf("promise %+v", inv.Promise)
		}
		want := []string{"pay1", "cred1", "disp1", "disp2", "hold1", "hold2", "prom1", "prom2", "prom3"}
		if diff := cmp.Diff(want, inv.Applied); diff != "" {
			t.Errorf("Applied (-want +got):\n%s", diff)
		}
	}
	check(t, &inv)

	t.Run("Runner.Apply", func(t *testing.T) {
		ctx := context.Background()
		st := memory.New()
		r := &dunning.Runner{Store: st}
		inv := dunningtest.Invoice("i1", "c1", day("2026-03-02"), day("2026-03-31"), "100.00", "EUR")
		for _, e := range append(slices.Clone(evs), evs...) {
			target := &inv
			if e.Key != "" {
				target = nil
			}
			for range 2 {
				if err := r.Apply(ctx, target, e); err != nil {
					t.Fatalf("%s: %v", e.Kind, err)
				}
			}
		}
		check(t, &inv)
		stored, err := st.Events(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(stored) != len(evs) {
			t.Errorf("the store holds %d events, want %d (each once)", len(stored), len(evs))
		}
	})
}

// failingStore fails AppendEvent while fail is set.
type failingStore struct {
	*memory.Store
	fail bool
}

func (s *failingStore) AppendEvent(ctx context.Context, e dunning.Event) error {
	if s.fail {
		return errors.New("connection refused")
	}
	return s.Store.AppendEvent(ctx, e)
}

// TestRunnerApplyOrder: the store comes first; when it fails the invoice is
// unchanged and a retry applies the event once. An event the invoice
// refuses is not stored.
func TestRunnerApplyOrder(t *testing.T) {
	ctx := context.Background()
	st := &failingStore{Store: memory.New(), fail: true}
	r := &dunning.Runner{Store: st}
	inv := dunningtest.Invoice("i1", "c1", day("2026-03-02"), day("2026-03-31"), "100.00", "EUR")
	pay := dunning.Event{ID: "pay1", Kind: dunning.PaymentReceived, Date: day("2026-04-02"), Amount: decimal.RequireFromString("100")}
	if err := r.Apply(ctx, &inv, pay); err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("err = %v, want the store's error", err)
	}
	if len(inv.Payments) != 0 || len(inv.Applied) != 0 {
		t.Fatalf("the store failed, yet the invoice changed: %+v", inv)
	}
	st.fail = false
	for range 2 {
		if err := r.Apply(ctx, &inv, pay); err != nil {
			t.Fatal(err)
		}
	}
	if got := inv.Open(day("2026-04-02")); !got.IsZero() {
		t.Errorf("open = %s, want 0", got)
	}
	bad := dunning.Event{ID: "res1", Kind: dunning.DisputeResolved, Date: day("2026-04-03")}
	if err := r.Apply(ctx, &inv, bad); !errors.Is(err, dunning.ErrInvalid) {
		t.Errorf("resolving no dispute: err = %v, want ErrInvalid", err)
	}
	evs, _ := st.Events(ctx)
	if len(evs) != 1 || evs[0].ID != "pay1" {
		t.Errorf("stored %+v, want only pay1", evs)
	}
	if err := inv.Apply(dunning.Event{Kind: dunning.PaymentReceived, Date: day("2026-04-04"), Amount: decimal.RequireFromString("1")}); !errors.Is(err, dunning.ErrInvalid) {
		t.Errorf("a payment without an ID: err = %v, want ErrInvalid", err)
	}
}
