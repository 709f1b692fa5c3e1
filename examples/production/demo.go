package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/store/memory"
	"github.com/rickb777/date/v2"
)

// simClock is a clock the demo moves by hand.
type simClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *simClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *simClock) sleep(_ context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return nil
}

// demoStart is Tuesday 2026-04-14 09:00 UTC, 02:00 in Los Angeles: the
// invoice (due 03-31) is at its first overdue step (due + 14).
var demoStart = time.Date(2026, time.April, 14, 9, 0, 0, 0, time.UTC)

// demo runs the hourly loop over simulated hours and posts webhooks to the
// app's handler between runs.
func demo(w io.Writer) error {
	ctx := context.Background()
	clock := &simClock{now: demoStart}
	snd := &printSender{w: w}
	app := NewApp(memory.New(memory.WithClock(clock)), clock, snd, slog.New(slog.NewTextHandler(io.Discard, nil)))
	report := func(ctx context.Context) error {
		rep, err := app.RunOnce(ctx)
		fmt.Fprintf(w, "run at %s:", clock.Now().Format("15:04 MST"))
		if len(rep.Results) == 0 {
			fmt.Fprint(w, " nothing due")
		}
		for _, res := range rep.Results {
			fmt.Fprintf(w, " %s %s", res.Step, res.Status)
			if !res.NotBefore.IsZero() {
				fmt.Fprintf(w, " until %s", res.NotBefore.UTC().Format("15:04 MST"))
			}
		}
		fmt.Fprintln(w)
		return err
	}

	fmt.Fprintln(w, "== Hourly runs from 09:00 UTC; the send window opens at 09:00 in Los Angeles (16:00 UTC)")
	if err := Every(ctx, time.Hour, 8, report, clock.sleep); err != nil {
		return err
	}

	srv := httptest.NewServer(app)
	defer srv.Close()
	post := func(body string) (int, string, error) {
		resp, err := http.Post(srv.URL+"/events", "application/json", bytes.NewBufferString(body))
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(bytes.TrimSpace(b)), nil
	}
	keys := snd.keys()
	if len(keys) == 0 {
		return fmt.Errorf("the window opened and nothing was sent")
	}
	today := clock.Now().Format("2006-01-02")
	webhook := func(what, body string) error {
		code, text, err := post(body)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%s: %d %s\n", what, code, text)
		return nil
	}
	fmt.Fprintln(w, "\n== Webhooks: the mail provider reports a hard bounce; the next run sends the letter")
	if err := webhook("bounce", fmt.Sprintf(`{"id": "bounce-1", "kind": "bounced", "key": %q, "date": %q}`, keys[0], today)); err != nil {
		return err
	}
	_ = clock.sleep(ctx, time.Hour)
	if err := report(ctx); err != nil {
		return err
	}
	fmt.Fprintln(w, "\n== Webhooks: a payment, its retry, and a malformed event")
	pay := fmt.Sprintf(`{"id": "pay-77", "kind": "payment", "invoice_id": "inv-1001", "date": %q, "amount": "900.00"}`, today)
	for _, ev := range []struct{ what, body string }{
		{"payment", pay},
		{"payment retried", pay},
		{"malformed", fmt.Sprintf(`{"id": "pay-78", "kind": "payment", "invoice_id": "inv-1001", "date": %q, "amount": "nine hundred"}`, today)},
	} {
		if err := webhook(ev.what, ev.body); err != nil {
			return err
		}
	}
	inv, _ := app.Invoice("inv-1001")
	d := date.NewAt(clock.Now())
	fmt.Fprintf(w, "invoice inv-1001 open balance: %s %s (payments %d)\n", inv.Open(d).StringFixed(2), inv.Currency, len(inv.Payments))

	fmt.Fprintln(w, "\n== The next hour's run")
	_ = clock.sleep(ctx, time.Hour)
	return report(ctx)
}

var _ dunning.Clock = (*simClock)(nil)
