package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/store/memory"
)

// TestDemo: hourly runs defer the Los Angeles notice from 09:00 to 15:00
// UTC (seven runs, each naming 16:00 UTC) and send it at 16:00; the bounce
// brings the letter on the next run; the payment and its retry leave the
// 900.00 invoice at 0.00 with one payment; the malformed event is refused
// naming event.amount; afterwards nothing is due.
func TestDemo(t *testing.T) {
	var out strings.Builder
	if err := demo(&out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	s := out.String()
	if n := strings.Count(s, "overdue-1 deferred until 16:00 UTC"); n != 7 {
		t.Errorf("%d deferred runs, want 7 (09:00 to 15:00):\n%s", n, s)
	}
	for _, want := range []string{
		"run at 16:00 UTC: overdue-1 sent",
		"bounce: 204",
		"sent letter notice",
		"run at 17:00 UTC: overdue-1 sent",
		"payment: 204",
		"payment retried: 204",
		`malformed: 400 dunning: event.amount: "nine hundred" is not a decimal number`,
		"open balance: 0.00 USD (payments 1)",
		"run at 18:00 UTC: nothing due",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
}

// downStore fails AppendEvent.
type downStore struct{ *memory.Store }

func (downStore) AppendEvent(context.Context, dunning.Event) error {
	return errors.New("connection refused")
}

// TestWebhookAnswers: what the handler answers, and that a refused or
// unrecorded event leaves the invoice as it was.
func TestWebhookAnswers(t *testing.T) {
	pay := `{"id": "pay-1", "kind": "payment", "invoice_id": "inv-1001", "date": "2026-04-14", "amount": "100.00"}`
	for _, tc := range []struct {
		name   string
		store  dunning.Store
		method string
		body   string
		code   int
		text   string
		paid   int // payments on the invoice afterwards
	}{
		{"payment", nil, "POST", pay, http.StatusNoContent, "", 1},
		{"syntax", nil, "POST", `{"id": "x",`, http.StatusBadRequest, "", 0},
		{"unknown field", nil, "POST", `{"id": "x", "kind": "payment", "invoice": "inv-1001"}`, http.StatusBadRequest, "event.invoice", 0},
		{"no such invoice", nil, "POST", `{"id": "x", "kind": "payment", "invoice_id": "inv-9", "date": "2026-04-14", "amount": "1"}`, http.StatusNotFound, "inv-9", 0},
		{"negative amount", nil, "POST", `{"id": "x", "kind": "payment", "invoice_id": "inv-1001", "date": "2026-04-14", "amount": "-1"}`, http.StatusBadRequest, "must be positive", 0},
		{"store down", downStore{memory.New()}, "POST", pay, http.StatusServiceUnavailable, "retry", 0},
		{"GET", nil, "GET", "", http.StatusNotFound, "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := tc.store
			if st == nil {
				st = memory.New()
			}
			app := NewApp(st, dunning.SystemClock{}, &printSender{w: io.Discard}, slog.New(slog.NewTextHandler(io.Discard, nil)))
			srv := httptest.NewServer(app)
			defer srv.Close()
			req, _ := http.NewRequest(tc.method, srv.URL+"/events", bytes.NewBufferString(tc.body))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.code || !strings.Contains(string(b), tc.text) {
				t.Errorf("answer %d %q, want %d with %q", resp.StatusCode, b, tc.code, tc.text)
			}
			inv, _ := app.Invoice("inv-1001")
			if len(inv.Payments) != tc.paid {
				t.Errorf("%d payments on the invoice, want %d", len(inv.Payments), tc.paid)
			}
		})
	}
}

// TestEveryKeepsGoingAfterAFailedRun: a run that fails (the store down)
// does not end the loop; only the context does.
func TestEveryKeepsGoingAfterAFailedRun(t *testing.T) {
	calls := 0
	var slept time.Duration
	err := Every(context.Background(), time.Hour, 3, func(context.Context) error {
		calls++
		return errors.New("store down")
	}, func(_ context.Context, d time.Duration) error { slept += d; return nil })
	if err != nil || calls != 3 || slept != 2*time.Hour {
		t.Errorf("err %v, %d runs, slept %s; want nil, 3, 2h", err, calls, slept)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Every(ctx, time.Hour, 0, func(context.Context) error { return nil }, sleepCtx); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled loop: %v", err)
	}
}
