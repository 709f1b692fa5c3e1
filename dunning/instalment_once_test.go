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

// One message per invoice and day for an invoice paid in instalments.
//
// The world of these tests, worked out by hand: invoice i1 of customer c1,
// EUR 1,000.00 issued on 2 March 2026, payable in two instalments of
// 500.00 due 1 April and 1 May (instalmentWorkflow). Its workflow sends a
// welcome email 3 days after the issue date (5 March, the same day for
// both instalments) and overdue-1 14 days after each instalment's due date
// (15 April for instalment 1, 15 May for instalment 2).

// twoInstalments is invoice i1 of c1: EUR 1,000.00 issued 2026-03-02, in
// two instalments of 500.00 due 2026-04-01 and 2026-05-01.
func twoInstalments() dunning.Invoice {
	inv := dunningtest.Invoice("i1", "c1", day("2026-03-02"), day("2026-05-01"), "1000.00", "EUR")
	inv.Schedule = []dunning.Instalment{
		{Due: day("2026-04-01"), Amount: amt("500.00")},
		{Due: day("2026-05-01"), Amount: amt("500.00")},
	}
	return inv
}

// instalmentWorkflow is a per-invoice workflow whose first step is
// anchored on the issue date: a welcome email at issue + 3, then overdue-1
// at due + 14.
func instalmentWorkflow() dunning.Workflow {
	return dunning.Workflow{Name: "instalments", Steps: []dunning.Step{
		{Name: "welcome", At: schedule.Offset{Anchor: schedule.Issue, Days: 3}, Action: dunning.Email},
		{Name: "overdue-1", At: schedule.Offset{Anchor: schedule.Due, Days: 14}, Action: dunning.Email},
	}}
}

func twoInstalmentsPortfolio() dunning.Portfolio {
	return dunning.Portfolio{Customers: []dunning.Customer{dunningtest.Customer("c1")}, Invoices: []dunning.Invoice{twoInstalments()}}
}

// instalmentLine is the notice line of instalment k (of 2) of i1, due on
// due, open in full, days overdue on the notice's day.
func instalmentLine(k int, due string, days int) notice.Line {
	return notice.Line{Number: "INV-i1", IssueDate: day("2026-03-02"), DueDate: day(due), Description: "Consulting services",
		Amount: amt("500.00"), Open: amt("500.00"), DaysOverdue: days, Instalment: k, Instalments: 2}
}

// On 5 March the welcome step falls due for both instalments: one email
// lists both (500.00 due 1 April, 500.00 due 1 May, total 1,000.00), names
// the invoice once in its reference and advances both instalments past
// the step. Before the fix each instalment got its own welcome email: two
// identical emails to the customer on one day.
func TestInstalmentsIssueAnchoredStepOneMessage(t *testing.T) {
	pol := dunningtest.Policy(instalmentWorkflow())
	pf := twoInstalmentsPortfolio()
	acts := huntPlan(t, pol, pf, day("2026-03-05"))
	if len(acts) != 1 {
		t.Fatalf("5 March: want one welcome email, got %d actions: %v", len(acts), dunningtest.Steps(acts))
	}
	a := acts[0]
	if a.Kind != dunning.Email || a.Step != "welcome" || !cmp.Equal(a.InvoiceIDs, []string{"i1#1", "i1#2"}) || !cmp.Equal(a.Steps, []int{0, 0}) || a.Listed != nil {
		t.Errorf("action %s %s invoices %v steps %v listed %v, want the welcome email of i1#1 and i1#2 at step 0", a.Kind, a.Step, a.InvoiceIDs, a.Steps, a.Listed)
	}
	n := a.Notice
	want := []notice.Line{instalmentLine(1, "2026-04-01", 0), instalmentLine(2, "2026-05-01", 0)}
	if diff := cmp.Diff(want, n.Lines, dunningtest.CmpOptions()...); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
	if !n.Total.Equal(amt("1000.00")) || !a.Open.Equal(amt("1000.00")) || !a.Fees.IsZero() {
		t.Errorf("total %s open %s fees %s, want 1000.00, 1000.00 and none", n.Total, a.Open, a.Fees)
	}
	if want := n.Number + " INV-i1"; n.Payment.Reference != want {
		t.Errorf("reference %q, want %q", n.Payment.Reference, want)
	}
	pol.Render(acts)
	if acts[0].Problem != "" {
		t.Fatal(acts[0].Problem)
	}
	for _, s := range []string{"(instalment 1 of 2)", "(instalment 2 of 2)", "EUR 1,000.00"} {
		if !strings.Contains(acts[0].Notice.Text, s) {
			t.Errorf("text lacks %q:\n%s", s, acts[0].Notice.Text)
		}
	}
	// Recorded for both instalments: the next day has nothing to send.
	rec := a.Record(dunning.Sent, day("2026-03-05").MidnightUTC())
	h := dunning.HistoryMap{}
	for i, id := range rec.InvoiceIDs {
		p := dunning.Progress{InvoiceID: id, Step: -1}
		dunning.Advance(&p, rec, i)
		h[id] = p
	}
	for _, id := range []string{"i1#1", "i1#2"} {
		if p := h[id]; p.Workflow != "instalments" || p.Step != 0 || p.Last != day("2026-03-05") {
			t.Errorf("%s progress %+v, want welcome (0) done on 5 March", id, p)
		}
	}
	pf.History = h
	dunningtest.ExpectNothing(t, pol, pf, day("2026-03-06"))
}

// Day by day through a Runner from 2 March to 31 May, by hand: one
// welcome email for both instalments on 5 March; overdue-1 of instalment 1
// alone on 15 April, of instalment 2 alone on 15 May (steps anchored on
// each instalment's own due date, on different days, still go out one by
// one); nothing on any other day, nothing sent twice, nothing dropped.
func TestInstalmentsOneMessagePerDayThroughTheRunner(t *testing.T) {
	pol := dunningtest.Policy(instalmentWorkflow())
	pf := twoInstalmentsPortfolio()
	clock := dunningtest.ClockAt(day("2026-03-02"))
	st := memory.New(memory.WithClock(clock))
	snd := &dunningtest.Sender{}
	r := &dunning.Runner{Policy: pol, Store: st, Sender: snd, Clock: clock, Owner: "t",
		Sleep: func(context.Context, time.Duration) error { return nil }}
	got := map[string][]string{}
	seen := 0
	for d := day("2026-03-02"); d <= day("2026-05-31"); d++ {
		clock.Set(d.MidnightUTC().Add(12 * time.Hour))
		rep, err := r.Run(context.Background(), pf)
		if err != nil {
			t.Fatalf("%s: %v", d, err)
		}
		for _, res := range rep.Results {
			if res.Status != dunning.StatusSent {
				t.Errorf("%s: %s %s", d, res.Key, res.Status)
			}
		}
		sent := snd.Sent()
		for _, s := range sent[seen:] {
			var parts []string
			for _, l := range s.Notice.Lines {
				parts = append(parts, fmt.Sprint(l.Instalment))
			}
			got[d.String()] = append(got[d.String()], s.Notice.Step+" "+strings.Join(parts, "+"))
		}
		seen = len(sent)
	}
	want := map[string][]string{
		"2026-03-05": {"welcome 1+2"},
		"2026-04-15": {"overdue-1 1"},
		"2026-05-15": {"overdue-1 2"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("emails by day (-want +got):\n%s", diff)
	}
}

// Both instalments at the same due-anchored step on one day: planned for
// the first time on 20 May, instalment 1 (due 1 April, overdue-1 on 15
// April) and instalment 2 (due 1 May, overdue-1 on 15 May) both stand at
// overdue-1; the welcome reminder is passed over. One notice, each
// instalment with its own due date and days overdue (49 and 19), under
// § 288 BGB (B2B, base rate 1.27 %, so 10.27 % a year): interest on each
// instalment from its own due date, 500.00 x 10.27 % x 49/365 = 6.8935 ->
// 6.89 and 500.00 x 10.27 % x 19/365 = 2.6730 -> 2.67, and the EUR 40
// compensation on each overdue instalment (80.00, booked 40.00 on each).
// Total 1,000.00 + 80.00 + 6.89 + 2.67 = 1,089.56.
func TestInstalmentsCaughtUpTogetherOneNotice(t *testing.T) {
	pol := dunningtest.Policy(instalmentWorkflow())
	pol.Charges = dePolicy().Charges
	pf := twoInstalmentsPortfolio()
	pf.Customers[0].Kind = notice.Company
	acts := huntPlan(t, pol, pf, day("2026-05-20"))
	if len(acts) != 1 {
		t.Fatalf("20 May: want one notice, got %d actions: %v", len(acts), dunningtest.Steps(acts))
	}
	a := acts[0]
	if a.Step != "overdue-1" || !cmp.Equal(a.InvoiceIDs, []string{"i1#1", "i1#2"}) || !cmp.Equal(a.Steps, []int{1, 1}) {
		t.Fatalf("action %s invoices %v steps %v, want overdue-1 of i1#1 and i1#2", a.Step, a.InvoiceIDs, a.Steps)
	}
	n := a.Notice
	want := []notice.Line{instalmentLine(1, "2026-04-01", 49), instalmentLine(2, "2026-05-01", 19)}
	if diff := cmp.Diff(want, n.Lines, dunningtest.CmpOptions()...); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
	var comp, interest []string
	for _, c := range n.Fees {
		comp = append(comp, c.Label+" "+c.Invoice+" "+c.Amount.StringFixed(2))
	}
	for _, c := range n.Interest {
		interest = append(interest, fmt.Sprintf("%s %d days %s", c.Principal.StringFixed(2), c.Days, c.Amount.StringFixed(2)))
	}
	if diff := cmp.Diff([]string{"compensation INV-i1 40.00", "compensation INV-i1 40.00"}, comp); diff != "" {
		t.Errorf("fees (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"500.00 49 days 6.89", "500.00 19 days 2.67"}, interest); diff != "" {
		t.Errorf("interest (-want +got):\n%s", diff)
	}
	if !n.Total.Equal(amt("1089.56")) || !a.Fees.Equal(amt("80")) || !a.Interest.Equal(amt("9.56")) || !cmp.Equal(a.CompensationOn, []bool{true, true}) {
		t.Errorf("total %s fees %s interest %s compensation on %v, want 1089.56, 80, 9.56, both", n.Total, a.Fees, a.Interest, a.CompensationOn)
	}
	if want := n.Number + " INV-i1"; n.Payment.Reference != want {
		t.Errorf("reference %q, want %q", n.Payment.Reference, want)
	}
	rec := a.Record(dunning.Sent, day("2026-05-20").MidnightUTC())
	if diff := cmp.Diff([]decimal.Decimal{amt("40"), amt("40")}, rec.FeesByInvoice, dunningtest.CmpOptions()...); diff != "" {
		t.Errorf("fees by invoice (-want +got):\n%s", diff)
	}
	h := dunning.HistoryMap{}
	for i, id := range rec.InvoiceIDs {
		p := dunning.Progress{InvoiceID: id, Step: -1}
		dunning.Advance(&p, rec, i)
		if p.Step != 1 || !p.Compensated {
			t.Errorf("%s progress %+v, want overdue-1 done, compensated", id, p)
		}
		h[id] = p
	}
	pf.History = h
	dunningtest.ExpectNothing(t, pol, pf, day("2026-05-21"))
}

// The one welcome email is sent, then its record is lost (the store fails
// to complete it). Until its outcome is known both instalments are planned
// under its key again, one notice, never one per instalment under new
// keys: the plain sender is sent the key again (StatusResent), and once
// recorded nothing is planned again.
func TestInstalmentsNoticeKeepsItsKeyAfterUnknownOutcome(t *testing.T) {
	pol := dunningtest.Policy(instalmentWorkflow())
	pf := twoInstalmentsPortfolio()
	clock := dunningtest.ClockAt(day("2026-03-05"))
	mem := memory.New(memory.WithClock(clock))
	st := &faultyStore{Store: mem, complete: func(string, int) (bool, error) { return false, errors.New("connection lost") }}
	snd := &counting{}
	runner := func(owner string) *dunning.Runner {
		return &dunning.Runner{Policy: pol, Store: st, Sender: snd, Clock: clock, Owner: owner, Lease: time.Minute,
			Sleep: func(context.Context, time.Duration) error { return nil }}
	}
	rep, err := runner("a").Run(context.Background(), pf)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Results) != 1 || rep.Results[0].Status != dunning.StatusError {
		t.Fatalf("first run %+v, want one notice whose record fails", rep.Results)
	}
	k := rep.Results[0].Key
	clock.Advance(2 * time.Minute) // past the lease
	st.complete = nil
	r := runner("b")
	acts, err := r.Plan(context.Background(), pf)
	if err != nil {
		t.Fatal(err)
	}
	if len(acts) != 1 || acts[0].Key != k || !cmp.Equal(acts[0].InvoiceIDs, []string{"i1#1", "i1#2"}) {
		t.Fatalf("re-plan %v, want the one notice %s of i1#1 and i1#2", dunningtest.Steps(acts), k)
	}
	rep, err = r.Execute(context.Background(), acts)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Results) != 1 || rep.Results[0].Status != dunning.StatusResent || snd.count(k) != 2 || len(snd.sent) != 1 {
		t.Errorf("results %+v, sends %v, want %s resent under its key", rep.Results, snd.sent, k)
	}
	if acts, _ := r.Plan(context.Background(), pf); len(acts) != 0 {
		t.Errorf("planned again: %v", dunningtest.Steps(acts))
	}
}

// The welcome day of i1 with the runner killed at each boundary of a
// claim, a send, a record and a done-check (crash_test.go's fault
// injector, on the one-by-one and the batch store paths), then recovered
// past the lease: one record of the welcome step covering both
// instalments, its notice delivered once (twice, under its one key, only
// when the crash fell between the send and its record), no other key
// delivered, and nothing left to plan that day or the next.
func TestInstalmentsOneNoticeThroughCrashes(t *testing.T) {
	ctx := context.Background()
	pol := dunningtest.Policy(instalmentWorkflow())
	pf := twoInstalmentsPortfolio()
	lease := 5 * time.Minute
	for _, target := range crashTargets {
		if strings.Contains(target, "event") || strings.Contains(target, "release") || strings.Contains(target, "task") {
			continue // the day has no event, release or task
		}
		for _, batch := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/batch=%v", target, batch), func(t *testing.T) {
				clock := dunningtest.NewClock(day("2026-03-05").MidnightUTC().Add(5 * time.Minute))
				base := memory.New(memory.WithClock(clock))
				f := &faults{windowHits: map[string]int{}, hits: map[string]int{}}
				var st dunning.Store = crashStore{Store: base, f: f}
				if batch {
					st = crashBatchStore{crashStore{Store: base, f: f}}
				}
				snd := &crashSender{f: f, deliveries: map[string]int{}, failFirst: map[string]int{}, tries: map[string]int{}}
				runner := func(owner string) *dunning.Runner {
					return &dunning.Runner{Policy: pol, Store: st, Sender: snd, Clock: clock, Owner: owner, Lease: lease,
						Sleep: func(context.Context, time.Duration) error { return nil }}
				}
				run := func(owner string) (rep dunning.Report, crashed bool) {
					defer func() {
						if v := recover(); v != nil {
							if _, ok := v.(crash); !ok {
								panic(v)
							}
							crashed = true
						}
					}()
					rep, err := runner(owner).Run(ctx, pf)
					if err != nil {
						t.Fatal(err)
					}
					return rep, false
				}
				f.arm(target, 0)
				for attempt := 0; ; attempt++ {
					if attempt > 5 {
						t.Fatal("no progress after 5 runs")
					}
					rep, crashed := run(fmt.Sprint("r", attempt))
					f.disarm()
					if !crashed && rep.Counts[dunning.StatusDone] == rep.Planned {
						break // settled: nothing left but what is done
					}
					clock.Advance(lease + time.Minute)
				}
				if f.hits[target] != 1 {
					t.Fatalf("crashed %v, want once %s", f.hits, target)
				}
				recs, err := base.Records(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if len(recs) != 1 || recs[0].Step != "welcome" || !cmp.Equal(recs[0].InvoiceIDs, []string{"i1#1", "i1#2"}) || !cmp.Equal(recs[0].Steps, []int{0, 0}) {
					t.Fatalf("records %+v, want one welcome record of i1#1 and i1#2", recs)
				}
				k := recs[0].Key
				if n := snd.deliveries[k]; n < 1 || n > 1+f.windowHits[k] || len(snd.deliveries) != 1 {
					t.Errorf("deliveries %v, want %s once (at most %d)", snd.deliveries, k, 1+f.windowHits[k])
				}
				for _, d := range []string{"2026-03-05", "2026-03-06"} {
					clock.Set(day(d).MidnightUTC().Add(12 * time.Hour))
					if acts, err := runner("check").Plan(ctx, pf); err != nil || len(acts) != 0 {
						t.Errorf("%s: planned %v (%v)", d, dunningtest.Steps(acts), err)
					}
				}
			})
		}
	}
}

// SendAllMissed catching up a notice and a task on one day: planned first
// on 25 May with overdue-1 (an email at due + 14) and overdue-2 (a
// collector task at due + 20), instalment 1 (due 1 April) and instalment
// 2 (due 1 May) each stand at both (15 and 21 April, 15 and 21 May); the
// welcome reminder is passed over. The two overdue-1 steps go out on one
// email (instalments 1 and 2 at step 1), before it in the plan nothing,
// after it the task of each instalment at step 2 (a task is no message
// to the customer and stays per instalment).
func TestInstalmentsCaughtUpNoticeAndTasks(t *testing.T) {
	wf := instalmentWorkflow()
	wf.CatchUp = dunning.SendAllMissed
	wf.Steps = append(wf.Steps, dunning.Step{Name: "overdue-2", At: schedule.Offset{Anchor: schedule.Due, Days: 20}, Action: dunning.Task})
	pol := dunningtest.Policy(wf)
	pf := twoInstalmentsPortfolio()
	acts := huntPlan(t, pol, pf, day("2026-05-25"))
	var got []string
	for _, a := range acts {
		got = append(got, fmt.Sprintf("%s %s %v %v", a.Kind, a.Step, a.InvoiceIDs, a.Steps))
	}
	want := []string{
		"email overdue-1 [i1#1 i1#2] [1 1]",
		"task overdue-2 [i1#1] [2]",
		"task overdue-2 [i1#2] [2]",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("25 May (-want +got):\n%s", diff)
	}
}

// A step fee per notice is charged once on the one notice: overdue-1 with
// a fee of EUR 5.00, both instalments caught up at it on 20 May (no
// interest or compensation in this policy): one fee line of 5.00, booked
// on instalment 1 (the notice's first line), total 1,000.00 + 5.00 =
// 1,005.00. Before, each instalment's notice charged its own 5.00.
func TestInstalmentsOneNoticeOneStepFee(t *testing.T) {
	wf := instalmentWorkflow()
	wf.Steps[1].Fee = eurFee("5.00")
	pol := dunningtest.Policy(wf)
	acts := huntPlan(t, pol, twoInstalmentsPortfolio(), day("2026-05-20"))
	if len(acts) != 1 {
		t.Fatalf("20 May: want one notice, got %v", dunningtest.Steps(acts))
	}
	a := acts[0]
	n := a.Notice
	if len(n.Fees) != 1 || n.Fees[0].Label != "fee" || !n.Fees[0].Amount.Equal(amt("5.00")) || !a.Fees.Equal(amt("5")) || !n.Total.Equal(amt("1005.00")) {
		t.Errorf("fees %+v (action %s) total %s, want one fee of 5.00, total 1005.00", n.Fees, a.Fees, n.Total)
	}
	rec := a.Record(dunning.Sent, day("2026-05-20").MidnightUTC())
	if diff := cmp.Diff([]decimal.Decimal{amt("5"), decimal.Zero}, rec.FeesByInvoice, dunningtest.CmpOptions()...); diff != "" {
		t.Errorf("fees by invoice (-want +got):\n%s", diff)
	}
}
