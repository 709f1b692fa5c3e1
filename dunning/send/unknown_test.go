package send_test

import (
	"bytes"
	"context"
	"errors"
	"net/mail"
	"slices"
	"testing"
	"time"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/overduehq/overdue/dunning/send"
	"github.com/overduehq/overdue/store/memory"
)

// queuedIDs returns the Message-IDs of the messages srv queued, in order.
func queuedIDs(srv *smtpServer) []string {
	var ids []string
	for _, m := range srv.messages() {
		msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
		if err != nil {
			ids = append(ids, "unreadable: "+err.Error())
			continue
		}
		ids = append(ids, msg.Header.Get("Message-ID"))
	}
	return ids
}

// unknownEnv is one overdue notice on 2026-04-14, sent through SMTP to srv
// by a runner whose store and clock are one fake clock; Check finds what
// srv queued, by Message-ID.
func unknownEnv(t *testing.T, srv *smtpServer, s *send.SMTP) (*dunning.Runner, dunning.Portfolio, *dunningtest.Clock) {
	t.Helper()
	day := dunningtest.Day
	clock := dunningtest.ClockAt(day("2026-04-14"))
	s.Addr, s.From = srv.addr(), "ar@example.com"
	s.Check = func(_ context.Context, id string) (bool, error) { return slices.Contains(queuedIDs(srv), id), nil }
	pf := dunning.Portfolio{Customers: []dunning.Customer{dunningtest.Customer("c1")},
		Invoices: []dunning.Invoice{dunningtest.Invoice("i1", "c1", day("2026-03-02"), day("2026-03-31"), "100.00", "EUR")}}
	r := &dunning.Runner{Policy: dunningtest.Policy(dunning.DefaultWorkflow("standard")), Store: memory.New(memory.WithClock(clock)),
		Sender: s, Clock: clock, Owner: "t", Sleep: func(context.Context, time.Duration) error { return nil }}
	return r, pf, clock
}

func only(t *testing.T, what string, rep dunning.Report, want dunning.Status) dunning.Result {
	t.Helper()
	if len(rep.Results) != 1 || rep.Results[0].Status != want {
		t.Fatalf("%s: results %+v, want one %s", what, rep.Results, want)
	}
	return rep.Results[0]
}

// A relay that queues the message at the end of DATA and answers later
// than SMTP waits: the outcome is unknown, so the runner neither tries
// again in the run nor releases the action as unsent; the next run, after
// the lease, finds the message through Check and sends nothing again. With
// the default DataTimeout (RFC 5321's 10 minutes) the late reply is waited
// for: sent once, beyond Timeout.
func TestSMTPLateReplyAfterDataIsUnknownNotResent(t *testing.T) {
	ctx := context.Background()
	t.Run("reply later than DataTimeout", func(t *testing.T) {
		srv := startServer(t, &smtpServer{dataDelay: 500 * time.Millisecond})
		r, pf, clock := unknownEnv(t, srv, &send.SMTP{Timeout: 200 * time.Millisecond, DataTimeout: 200 * time.Millisecond})
		rep, err := r.Run(ctx, pf)
		if err != nil {
			t.Fatal(err)
		}
		res := only(t, "first run", rep, dunning.StatusOutcomeUnknown)
		if !errors.Is(res.Err, dunning.ErrOutcomeUnknown) {
			t.Errorf("first run: Err %v, want ErrOutcomeUnknown", res.Err)
		}
		if n := len(queuedIDs(srv)); n != 1 {
			t.Fatalf("first run: %d messages queued, want 1", n)
		}
		clock.Advance(11 * time.Minute) // past RetryAfter and the lease
		rep, err = r.Run(ctx, pf)
		if err != nil {
			t.Fatal(err)
		}
		res = only(t, "second run", rep, dunning.StatusRecovered)
		if ids := queuedIDs(srv); len(ids) != 1 || res.MessageID != ids[0] {
			t.Errorf("second run: queued %q, recovered %q: want the one message, recovered", ids, res.MessageID)
		}
		clock.Advance(11 * time.Minute)
		if rep, _ := r.Run(ctx, pf); rep.Counts[dunning.StatusSent]+rep.Counts[dunning.StatusResent] != 0 || len(queuedIDs(srv)) != 1 {
			t.Errorf("third run: %+v, %d queued", rep.Results, len(queuedIDs(srv)))
		}
	})
	t.Run("reply later than Timeout, default DataTimeout", func(t *testing.T) {
		srv := startServer(t, &smtpServer{dataDelay: 500 * time.Millisecond})
		r, pf, _ := unknownEnv(t, srv, &send.SMTP{Timeout: 200 * time.Millisecond})
		rep, err := r.Run(ctx, pf)
		if err != nil {
			t.Fatal(err)
		}
		only(t, "run", rep, dunning.StatusSent)
		if n := len(queuedIDs(srv)); n != 1 {
			t.Errorf("%d messages queued, want 1", n)
		}
	})
}

// The run's context is cancelled the moment the relay queues the message,
// before its reply: the outcome is unknown, and the claim is not given
// back as unsent. A run with a fresh context at once finds the key held;
// one after the lease asks Check and sends nothing again.
func TestSMTPCancelAfterQueuedIsNotResent(t *testing.T) {
	runCtx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := startServer(t, &smtpServer{queued: cancel, dataDelay: 500 * time.Millisecond})
	r, pf, clock := unknownEnv(t, srv, &send.SMTP{Timeout: 5 * time.Second})
	rep, err := r.Run(runCtx, pf)
	if err != nil && !errors.Is(err, context.Canceled) {
		t.Fatalf("Run: %v", err)
	}
	only(t, "cancelled run", rep, dunning.StatusOutcomeUnknown)
	ctx := context.Background()
	rep, err = r.Run(ctx, pf)
	if err != nil {
		t.Fatal(err)
	}
	only(t, "next run", rep, dunning.StatusBusy)
	if n := len(queuedIDs(srv)); n != 1 {
		t.Fatalf("next run: %d messages queued, want 1", n)
	}
	clock.Advance(6 * time.Minute) // past the lease (5 minutes)
	rep, err = r.Run(ctx, pf)
	if err != nil {
		t.Fatal(err)
	}
	only(t, "run after the lease", rep, dunning.StatusRecovered)
	if n := len(queuedIDs(srv)); n != 1 {
		t.Errorf("after the lease: %d messages queued, want 1", n)
	}
	recs, _ := r.Store.Records(ctx)
	if len(recs) != 1 || !recs[0].Recovered {
		t.Errorf("records %+v, want one, recovered", recs)
	}
}
