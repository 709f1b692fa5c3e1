package dunning_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/dunningtest"
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
