package dunning_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/overduehq/overdue/notice"
	"github.com/overduehq/overdue/schedule"
	"github.com/overduehq/overdue/store/memory"
	"github.com/shopspring/decimal"
)

// flaky fails its first `fails` sends with err, then delivers.
type flaky struct {
	fails int
	err   error
	calls int
	rec   dunningtest.Sender
}

func (f *flaky) Send(ctx context.Context, key string, n *notice.Notice) (string, error) {
	f.calls++
	if f.calls <= f.fails {
		return "", f.err
	}
	return f.rec.Send(ctx, key, n)
}

// On 2026-04-14 onePortfolio's invoice (due 03-31) is at overdue-1.
func overdueRunner(st dunning.Store, s dunning.Sender, clock *dunningtest.Clock, sleeps *[]time.Duration) *dunning.Runner {
	return &dunning.Runner{
		Policy: stdPolicy(), Store: st, Sender: s, Clock: clock, Owner: "t",
		Sleep: func(_ context.Context, d time.Duration) error { *sleeps = append(*sleeps, d); return nil },
	}
}

func TestRunnerRetriesTransientErrorsWithBackoff(t *testing.T) {
	var sleeps []time.Duration
	s := &flaky{fails: 2, err: errors.New("421 try later")}
	r := overdueRunner(memory.New(), s, dunningtest.ClockAt(day("2026-04-14")), &sleeps)
	rep, err := r.Run(context.Background(), onePortfolio())
	if err != nil {
		t.Fatal(err)
	}
	// Default: 3 attempts, backoff 200ms doubling: 200ms, then 400ms.
	if diff := cmp.Diff([]time.Duration{200 * time.Millisecond, 400 * time.Millisecond}, sleeps); diff != "" {
		t.Errorf("sleeps (-want +got):\n%s", diff)
	}
	if s.calls != 3 || rep.Counts[dunning.StatusSent] != 1 || len(s.rec.Sent()) != 1 {
		t.Errorf("calls %d, counts %v, delivered %d", s.calls, rep.Counts, len(s.rec.Sent()))
	}
}

func TestRunnerReleasesAfterLastAttemptAndRetriesLater(t *testing.T) {
	var sleeps []time.Duration
	clock := dunningtest.ClockAt(day("2026-04-14"))
	st := memory.New(memory.WithClock(clock)) // leases and retry times on the store's clock
	s := &flaky{fails: 3, err: errors.New("connection refused")}
	r := overdueRunner(st, s, clock, &sleeps)
	pf := onePortfolio()
	rep, err := r.Run(context.Background(), pf)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Counts[dunning.StatusRetry] != 1 || len(s.rec.Sent()) != 0 {
		t.Fatalf("first run: %v", rep.Counts)
	}
	// Within RetryAfter (default 10 minutes) the action is not tried.
	clock.Advance(9 * time.Minute)
	rep, _ = r.Run(context.Background(), pf)
	if rep.Counts[dunning.StatusBusy] != 1 || s.calls != 3 {
		t.Fatalf("after 9 minutes: %v, calls %d", rep.Counts, s.calls)
	}
	clock.Advance(2 * time.Minute)
	rep, _ = r.Run(context.Background(), pf)
	if rep.Counts[dunning.StatusSent] != 1 || len(s.rec.Sent()) != 1 {
		t.Fatalf("after 11 minutes: %v", rep.Counts)
	}
	recs, _ := st.Records(context.Background())
	// Two claims: the first released, the second completed.
	if len(recs) != 1 || recs[0].Attempts != 2 {
		t.Errorf("records %+v", recs)
	}
}

func TestRunnerPermanentFailureSendsFallbackInSameRun(t *testing.T) {
	wf := dunning.DefaultWorkflow("standard")
	for i := range wf.Steps {
		wf.Steps[i].OnBounce = dunning.Letter
	}
	pol := dunningtest.Policy(wf)
	st := memory.New()
	calls := 0
	s := dunning.SenderFunc(func(_ context.Context, key string, n *notice.Notice) (string, error) {
		calls++
		if n.Channel == notice.Email {
			return "", fmt.Errorf("550 no such user: %w", dunning.ErrPermanent)
		}
		return key, nil
	})
	r := &dunning.Runner{Policy: pol, Store: st, Sender: s, Clock: dunningtest.ClockAt(day("2026-04-14")), Owner: "t"}
	rep, err := r.Run(context.Background(), onePortfolio())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Counts[dunning.StatusFailed] != 1 || rep.Counts[dunning.StatusSent] != 1 || calls != 2 {
		t.Fatalf("counts %v, calls %d", rep.Counts, calls)
	}
	recs, _ := st.Records(context.Background())
	if len(recs) != 2 || recs[0].Outcome != dunning.Failed || recs[1].Kind != dunning.Letter || recs[1].Key != recs[0].Key+"/fallback" {
		t.Fatalf("records: %+v", recs)
	}
	// The fallback is done: the next run, the next day, sends nothing new.
	r.Clock = dunningtest.ClockAt(day("2026-04-15"))
	rep, _ = r.Run(context.Background(), onePortfolio())
	if rep.Planned != 0 {
		t.Errorf("next day planned %d actions: %+v", rep.Planned, rep.Results)
	}
}

func TestBounceEventPlansFallbackTask(t *testing.T) {
	st := memory.New()
	snd := &dunningtest.Sender{}
	r := &dunning.Runner{Policy: stdPolicy(), Store: st, Sender: snd, Clock: dunningtest.ClockAt(day("2026-04-14")), Owner: "t"}
	pf := onePortfolio()
	if _, err := r.Run(context.Background(), pf); err != nil {
		t.Fatal(err)
	}
	key := snd.Sent()[0].Key
	if err := r.Record(context.Background(), dunning.Event{ID: "b1", Kind: dunning.NoticeBounced, Key: key, Date: day("2026-04-15")}); err != nil {
		t.Fatal(err)
	}
	r.Clock = dunningtest.ClockAt(day("2026-04-15"))
	acts, err := r.Plan(context.Background(), pf)
	if err != nil {
		t.Fatal(err)
	}
	// No OnBounce set: the fallback is a collector task.
	if len(acts) != 1 || !acts[0].Fallback || acts[0].Kind != dunning.Task || acts[0].Key != key+"/fallback" {
		t.Fatalf("plan after bounce: %+v", acts)
	}
	if _, err := r.Execute(context.Background(), acts); err != nil {
		t.Fatal(err)
	}
	tasks, err := st.Tasks(context.Background(), "")
	if err != nil || len(tasks) != 1 || tasks[0].CustomerID != "c1" {
		t.Fatalf("tasks %+v, %v", tasks, err)
	}
}

// After overdue-1 (2026-04-14) the customer promises on 04-15 to pay by
// 04-20, and does not. Resume waits for the next step's own date
// (overdue-2 = due 03-31 + 30 = 04-30); escalate sends overdue-2 on the
// first day the promise is broken, 04-21. Nothing goes out 04-15..04-20.
func TestBrokenPromiseResumesOrEscalates(t *testing.T) {
	for _, tc := range []struct {
		mode dunning.BrokenPromise
		want []string
	}{
		{dunning.ResumeOnBroken, []string{"2026-04-14 overdue-1", "2026-04-30 overdue-2"}},
		{dunning.EscalateOnBroken, []string{"2026-04-14 overdue-1", "2026-04-21 overdue-2"}},
	} {
		t.Run(string(tc.mode), func(t *testing.T) {
			wf := dunning.DefaultWorkflow("standard")
			wf.OnBrokenPromise = tc.mode
			pol := dunningtest.Policy(wf)
			st := memory.New()
			pf := onePortfolio()
			var got []string
			for d := day("2026-04-01"); d <= day("2026-05-10"); d++ {
				if d == day("2026-04-15") {
					if err := pf.Invoices[0].Apply(dunning.Event{ID: "p1", Kind: dunning.PromiseMade, Date: d, Until: day("2026-04-20"), Amount: decimal.RequireFromString("100")}); err != nil {
						t.Fatal(err)
					}
				}
				h, _ := st.History(context.Background())
				pf.History = h
				for _, a := range runDay(t, pol, st, pf, d) {
					if d >= day("2026-04-02") {
						got = append(got, d.String()+" "+a.Step)
					}
				}
			}
			if len(got) > 2 {
				got = got[:2]
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestRunnerProblemActionsAreReportedNotSent(t *testing.T) {
	pf := onePortfolio()
	pf.Customers[0].Contacts = nil // no email, no address
	snd := &dunningtest.Sender{}
	r := &dunning.Runner{Policy: stdPolicy(), Store: memory.New(), Sender: snd, Clock: dunningtest.ClockAt(day("2026-04-14")), Owner: "t"}
	rep, err := r.Run(context.Background(), pf)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Counts[dunning.StatusProblem] != 1 || len(snd.Sent()) != 0 {
		t.Errorf("counts %v, sent %d", rep.Counts, len(snd.Sent()))
	}
}

// A send window of Monday to Friday, 09:00-17:00 in the customer's zone
// (Europe/Berlin, UTC+2 in April). Tuesday 2026-04-14 at 16:30 UTC is 18:30
// in Berlin: the email is deferred, unclaimed, to Wednesday 09:00 CEST. At
// 07:30 UTC on Wednesday (09:30 CEST) it goes out. A letter is not held.
func TestRunnerHonoursSendWindow(t *testing.T) {
	if _, err := time.LoadLocation("Europe/Berlin"); err != nil {
		t.Skip("no tzdata")
	}
	pol := stdPolicy()
	pol.SendWindow = &schedule.SendWindow{Days: []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}, Start: 9 * time.Hour, End: 17 * time.Hour}
	pf := onePortfolio()
	pf.Customers[0].TimeZone = "Europe/Berlin"
	st := memory.New()
	snd := &dunningtest.Sender{}
	clock := dunningtest.NewClock(time.Date(2026, 4, 14, 16, 30, 0, 0, time.UTC))
	r := &dunning.Runner{Policy: pol, Store: st, Sender: snd, Clock: clock, Owner: "t"}
	rep, err := r.Run(context.Background(), pf)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Counts[dunning.StatusDeferred] != 1 || len(snd.Sent()) != 0 || !strings.Contains(rep.Results[0].Error, "2026-04-15 09:00 CEST") {
		t.Fatalf("evening run: %+v", rep)
	}
	clock.Set(time.Date(2026, 4, 15, 7, 30, 0, 0, time.UTC))
	rep, _ = r.Run(context.Background(), pf)
	if rep.Counts[dunning.StatusSent] != 1 || len(snd.Sent()) != 1 {
		t.Fatalf("morning run: %+v", rep.Counts)
	}
	// Letters go out at any hour.
	wf := dunning.DefaultWorkflow("standard")
	for i := range wf.Steps {
		wf.Steps[i].Action = dunning.Letter
	}
	pol2 := dunningtest.Policy(wf)
	pol2.SendWindow = pol.SendWindow
	r2 := &dunning.Runner{Policy: pol2, Store: memory.New(), Sender: &dunningtest.Sender{}, Clock: dunningtest.NewClock(time.Date(2026, 4, 14, 22, 0, 0, 0, time.UTC)), Owner: "t"}
	if rep, _ := r2.Run(context.Background(), pf); rep.Counts[dunning.StatusSent] != 1 {
		t.Errorf("letter at night: %+v", rep.Counts)
	}
}
