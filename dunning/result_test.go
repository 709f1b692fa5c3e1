package dunning_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/overduehq/overdue/notice"
	"github.com/overduehq/overdue/schedule"
	"github.com/overduehq/overdue/store/memory"
)

// logLine is one record a capturing handler saw.
type logLine struct {
	level slog.Level
	attrs map[string]string
}

// capture is a slog.Handler that keeps every record.
type capture struct {
	mu    sync.Mutex
	lines []logLine
}

func (c *capture) Enabled(context.Context, slog.Level) bool { return true }
func (c *capture) WithAttrs([]slog.Attr) slog.Handler       { return c }
func (c *capture) WithGroup(string) slog.Handler            { return c }
func (c *capture) Handle(_ context.Context, r slog.Record) error {
	l := logLine{level: r.Level, attrs: map[string]string{}}
	r.Attrs(func(a slog.Attr) bool {
		l.attrs[a.Key] = a.Value.String()
		return true
	})
	c.mu.Lock()
	c.lines = append(c.lines, l)
	c.mu.Unlock()
	return nil
}

// TestResultCarriesTheActionAndATypedError runs onePortfolio's action
// (invoice i1 of c1, workflow standard, step overdue-1 on 2026-04-14) to
// each outcome and checks the Result's fields, its Err against the
// sentinel, and the log line's level and fields.
func TestResultCarriesTheActionAndATypedError(t *testing.T) {
	ctx := context.Background()
	now := dunningtest.ClockAt(day("2026-04-14")) // 12:00 UTC
	sender := func(err error) dunning.Sender {
		return dunning.SenderFunc(func(context.Context, string, *notice.Notice) (string, error) {
			if err != nil {
				return "", err
			}
			return "msg-1", nil
		})
	}
	for _, tc := range []struct {
		name    string
		setup   func(r *dunning.Runner, st *memory.Store)
		status  dunning.Status
		is      error // nil: Err must be nil
		attempt int
		level   slog.Level
	}{
		{"sent", func(r *dunning.Runner, st *memory.Store) { r.Sender = sender(nil) }, dunning.StatusSent, nil, 1, slog.LevelDebug},
		{"permanent", func(r *dunning.Runner, st *memory.Store) {
			r.Sender = sender(fmt.Errorf("550 no such user: %w", dunning.ErrPermanent))
		}, dunning.StatusFailed, dunning.ErrPermanent, 1, slog.LevelError},
		{"setup", func(r *dunning.Runner, st *memory.Store) {
			r.Sender = sender(fmt.Errorf("535 auth refused: %w", dunning.ErrSenderSetup))
		}, dunning.StatusRetry, dunning.ErrSenderSetup, 1, slog.LevelWarn},
		{"transient", func(r *dunning.Runner, st *memory.Store) {
			r.Sender, r.Attempts = sender(errTransient), 1
		}, dunning.StatusRetry, errTransient, 1, slog.LevelWarn},
		{"claimed", func(r *dunning.Runner, st *memory.Store) {
			r.Sender = sender(nil)
			acts, err := r.Plan(ctx, onePortfolio())
			if err != nil || len(acts) != 1 {
				t.Fatalf("plan: %v %v", acts, err)
			}
			if _, err := st.Claim(ctx, dunning.ClaimParams{Key: acts[0].Key, Owner: "other", Lease: time.Hour, Planned: dunning.PendingOf(&acts[0])}); err != nil {
				t.Fatal(err)
			}
		}, dunning.StatusBusy, dunning.ErrClaimed, 0, slog.LevelDebug},
		{"lease lost", func(r *dunning.Runner, st *memory.Store) {
			r.Sender = sender(nil)
			r.Store = &faultyStore{Store: st, complete: func(string, int) (bool, error) { return false, dunning.ErrLeaseLost }}
		}, dunning.StatusLeaseLost, dunning.ErrLeaseLost, 1, slog.LevelWarn},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := memory.New(memory.WithClock(now))
			h := &capture{}
			r := &dunning.Runner{Policy: stdPolicy(), Store: st, Clock: now, Owner: "t", Logger: slog.New(h),
				Sleep: func(context.Context, time.Duration) error { return nil }}
			tc.setup(r, st)
			rep, _ := r.Execute(ctx, mustPlan(t, r))
			if len(rep.Results) != 1 {
				t.Fatalf("results %+v", rep.Results)
			}
			res := rep.Results[0]
			if res.Status != tc.status {
				t.Fatalf("status %s, want %s (%s)", res.Status, tc.status, res.Error)
			}
			want := dunning.Result{Key: res.Key, Status: tc.status, CustomerID: "c1", InvoiceIDs: []string{"i1"}, Workflow: "standard", Step: "overdue-1", Attempt: tc.attempt, MessageID: res.MessageID, Error: res.Error, Err: res.Err}
			if diff := cmp.Diff(want, res, cmp.Comparer(func(a, b error) bool { return a == b })); diff != "" {
				t.Errorf("result (-want +got):\n%s", diff)
			}
			switch {
			case tc.is == nil && (res.Err != nil || res.Error != ""):
				t.Errorf("Err = %v, Error %q, want none", res.Err, res.Error)
			case tc.is != nil && !errors.Is(res.Err, tc.is):
				t.Errorf("Err = %v, want one wrapping %v", res.Err, tc.is)
			case tc.is != nil && res.Err.Error() != res.Error:
				t.Errorf("Err says %q, Error %q", res.Err, res.Error)
			}
			b, _ := json.Marshal(res)
			if tc.is != nil && !strings.Contains(string(b), `"error":`) {
				t.Errorf("JSON %s lacks the error", b)
			}
			if len(h.lines) != 1 {
				t.Fatalf("%d log lines, want 1", len(h.lines))
			}
			l := h.lines[0]
			if l.level != tc.level {
				t.Errorf("logged at %s, want %s", l.level, tc.level)
			}
			for k, v := range map[string]string{"customer": "c1", "invoices": "i1", "workflow": "standard", "step": "overdue-1", "status": string(tc.status), "key": res.Key} {
				if l.attrs[k] != v {
					t.Errorf("log %s = %q, want %q", k, l.attrs[k], v)
				}
			}
			for k, v := range l.attrs {
				if v == "" {
					t.Errorf("log attribute %s is empty", k)
				}
			}
			if _, ok := l.attrs["error"]; ok != (tc.is != nil) {
				t.Errorf("log error attribute present %v, want %v", ok, tc.is != nil)
			}
		})
	}
}

var errTransient = errors.New("421 try later")

func mustPlan(t *testing.T, r *dunning.Runner) []dunning.Action {
	t.Helper()
	acts, err := r.Plan(context.Background(), onePortfolio())
	if err != nil {
		t.Fatal(err)
	}
	return acts
}

// TestResultProblemAndDeferred: a problem is logged at Error and wraps
// ErrInvalid; a notice outside the send window is deferred with the time
// the window opens. Tuesday 2026-04-14 16:30 UTC is 18:30 in Berlin, past
// the 09:00-17:00 window: it opens Wednesday 09:00 CEST = 07:00 UTC.
func TestResultProblemAndDeferred(t *testing.T) {
	ctx := context.Background()
	pf := onePortfolio()
	pf.Customers[0].Contacts = nil // no email, no address: a problem
	h := &capture{}
	r := &dunning.Runner{Policy: stdPolicy(), Store: memory.New(), Sender: &dunningtest.Sender{}, Clock: dunningtest.ClockAt(day("2026-04-14")), Owner: "t", Logger: slog.New(h)}
	rep, _ := r.Run(ctx, pf)
	// Two results: the notice's problem, and the task asking a collector to
	// fix the contact data (sent, logged at Debug).
	var found bool
	for i, res := range rep.Results {
		if res.Status != dunning.StatusProblem {
			continue
		}
		found = true
		if !errors.Is(res.Err, dunning.ErrInvalid) || res.Attempt != 0 || res.Step != "overdue-1" {
			t.Errorf("problem result %+v", res)
		}
		if l := h.lines[i]; l.level != slog.LevelError || l.attrs["customer"] != "c1" || l.attrs["error"] != res.Error {
			t.Errorf("log %+v", l)
		}
	}
	if !found || len(h.lines) != len(rep.Results) {
		t.Fatalf("results %+v, log %+v", rep.Results, h.lines)
	}

	if _, err := time.LoadLocation("Europe/Berlin"); err != nil {
		t.Skip("no tzdata")
	}
	pol := stdPolicy()
	pol.SendWindow = &schedule.SendWindow{Days: []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}, Start: 9 * time.Hour, End: 17 * time.Hour}
	pf = onePortfolio()
	pf.Customers[0].TimeZone = "Europe/Berlin"
	h = &capture{}
	r = &dunning.Runner{Policy: pol, Store: memory.New(), Sender: &dunningtest.Sender{}, Clock: dunningtest.NewClock(time.Date(2026, 4, 14, 16, 30, 0, 0, time.UTC)), Owner: "t", Logger: slog.New(h)}
	rep, _ = r.Run(ctx, pf)
	if len(rep.Results) != 1 || rep.Results[0].Status != dunning.StatusDeferred {
		t.Fatalf("results %+v", rep.Results)
	}
	if got, want := rep.Results[0].NotBefore, time.Date(2026, 4, 15, 7, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("NotBefore = %s, want %s", got, want)
	}
	if len(h.lines) != 1 || h.lines[0].level != slog.LevelWarn || h.lines[0].attrs["not_before"] == "" {
		t.Errorf("log %+v", h.lines)
	}
}

// TestDailyRunAtFixedUTCHourNeverReachesLosAngeles proves the operating
// advice in the README: with a 09:00-17:00 send window, a run once a day
// at 09:00 UTC is 01:00 or 02:00 in Los Angeles, outside the window every
// day, so the customer's notice is deferred 60 times in 60 days and never
// sent. Each deferred Result says when the window opens (09:00 local,
// 16:00 UTC in summer). Runs every hour send it on the first day at 16:00
// UTC, the first hour inside the window.
func TestDailyRunAtFixedUTCHourNeverReachesLosAngeles(t *testing.T) {
	la, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Skip("no tzdata")
	}
	ctx := context.Background()
	pol := stdPolicy()
	pol.SendWindow = &schedule.SendWindow{Start: 9 * time.Hour, End: 17 * time.Hour}
	pf := onePortfolio()
	pf.Customers[0].TimeZone = "America/Los_Angeles"

	start := time.Date(2026, 4, 14, 9, 0, 0, 0, time.UTC)
	clock := dunningtest.NewClock(start)
	snd := &dunningtest.Sender{}
	r := &dunning.Runner{Policy: pol, Store: memory.New(memory.WithClock(clock)), Sender: snd, Clock: clock, Owner: "t"}
	deferred := 0
	for day := range 60 {
		clock.Set(start.Add(time.Duration(day) * 24 * time.Hour))
		rep, err := r.Run(ctx, pf)
		if err != nil {
			t.Fatal(err)
		}
		deferred += rep.Counts[dunning.StatusDeferred]
		for _, res := range rep.Results {
			if res.Status != dunning.StatusDeferred {
				continue
			}
			nb := res.NotBefore.In(la)
			if nb.Hour() != 9 || nb.Minute() != 0 || !nb.After(clock.Now()) {
				t.Fatalf("day %d: NotBefore %s, want the next 09:00 in Los Angeles", day, nb)
			}
		}
	}
	if deferred != 60 || len(snd.Sent()) != 0 {
		t.Errorf("daily at 09:00 UTC: %d deferred, %d sent, want 60 and 0", deferred, len(snd.Sent()))
	}

	clock.Set(start)
	snd2 := &dunningtest.Sender{}
	r2 := &dunning.Runner{Policy: pol, Store: memory.New(memory.WithClock(clock)), Sender: snd2, Clock: clock, Owner: "t"}
	var sentAt time.Time
	for h := range 24 {
		clock.Set(start.Add(time.Duration(h) * time.Hour))
		rep, err := r2.Run(ctx, pf)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Counts[dunning.StatusSent] > 0 && sentAt.IsZero() {
			sentAt = clock.Now()
		}
	}
	if want := time.Date(2026, 4, 14, 16, 0, 0, 0, time.UTC); !sentAt.Equal(want) || len(snd2.Sent()) != 1 {
		t.Errorf("hourly: sent at %s (%d notices), want once at %s", sentAt, len(snd2.Sent()), want)
	}
}

// TestRunnerExplainReadsHistory: after the run of 2026-04-14 sent
// overdue-1, dunning.Explain without the history still calls it due (its
// doc says it needs History); Runner.Explain reads the store and says it is
// done, with no action, next overdue-2 on 04-30 (due 03-31 + 30).
func TestRunnerExplainReadsHistory(t *testing.T) {
	ctx := context.Background()
	clock := dunningtest.ClockAt(day("2026-04-14"))
	r := &dunning.Runner{Policy: stdPolicy(), Store: memory.New(memory.WithClock(clock)), Sender: &dunningtest.Sender{}, Clock: clock, Owner: "t"}
	if rep, err := r.Run(ctx, onePortfolio()); err != nil || rep.Counts[dunning.StatusSent] != 1 {
		t.Fatalf("run: %+v %v", rep, err)
	}
	bare, err := dunning.Explain(day("2026-04-14"), r.Policy, onePortfolio(), "i1")
	if err != nil {
		t.Fatal(err)
	}
	if len(bare.Actions) != 1 {
		t.Errorf("without history: %d actions, want the step again", len(bare.Actions))
	}
	ex, err := r.Explain(ctx, onePortfolio(), "i1")
	if err != nil {
		t.Fatal(err)
	}
	if len(ex.Actions) != 0 || ex.AsOf != day("2026-04-14") || ex.NextStep != "overdue-2" || ex.Next != day("2026-04-30") {
		t.Errorf("Runner.Explain: %s", ex)
	}
	for _, s := range ex.Steps {
		if s.Name == "overdue-1" && !s.Done {
			t.Errorf("overdue-1 not done: %s", ex)
		}
	}
}
