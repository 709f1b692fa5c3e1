package dunning_test

import (
	"strings"
	"testing"

	"github.com/rickb777/date/v2"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/overduehq/overdue/notice"
	"github.com/overduehq/overdue/schedule"
	"github.com/overduehq/overdue/store/memory"
)

// A reminder of an invoice that is not due yet asks for payment by the
// invoice's due date, which its terms set, not by a period from the
// reminder's date. i1 is due on 31 March; the policy gives 7 days to pay.
// Worked out by hand:
//   - 17 March (due-14): pay by 31 March, where 17 + 7 = 24 March would ask
//     for payment a week before the invoice is due;
//   - 28 March (due-3): pay by 31 March, where 28 March + 7 = 4 April told
//     the customer they had four days past the due date;
//   - 31 March (on the due day): pay by 31 March, the same day;
//   - 14 April (due+14, overdue): the 7 days, 21 April, as before.
func TestReminderBeforeDuePaysByTheDueDate(t *testing.T) {
	wf := dunning.Workflow{Name: "w", CatchUp: dunning.Progressive, Steps: []dunning.Step{
		{Name: "early", At: dueAt(-14), Action: dunning.Email, Stage: notice.FriendlyReminder},
		{Name: "soon", At: dueAt(-3), Action: dunning.Email, Stage: notice.FriendlyReminder},
		{Name: "today", At: dueAt(0), Action: dunning.Email, Stage: notice.OverdueNotice},
		{Name: "late", At: dueAt(14), Action: dunning.Email, Stage: notice.OverdueNotice},
	}}
	pol := dunningtest.Policy(wf)
	want := map[string]date.Date{
		"early": day("2026-03-31"),
		"soon":  day("2026-03-31"),
		"today": day("2026-03-31"),
		"late":  day("2026-04-21"),
	}
	st, pf := memory.New(), onePortfolio()
	got := map[string]*notice.Notice{}
	for d := day("2026-03-01"); d <= day("2026-04-20"); d++ {
		for _, a := range runDay(t, pol, st, pf, d) {
			if a.Problem != "" {
				t.Fatalf("%s: %s", a.Key, a.Problem)
			}
			got[a.Step] = a.Notice
			if a.Step == "early" {
				_ = render(t, pol, &a)
			}
		}
	}
	for step, by := range want {
		n := got[step]
		if n == nil {
			t.Errorf("step %s: no notice", step)
			continue
		}
		if n.PayBy != by {
			t.Errorf("step %s on %s: pay by %s, want %s", step, n.Date, n.PayBy, by)
		}
	}
	if n := got["early"]; n != nil && !strings.Contains(n.Text, "How to pay (by 31 March 2026):") {
		t.Errorf("the reminder of 17 March does not ask for payment by 31 March:\n%s", n.Text)
	}
}

// A per-customer reminder of two invoices not yet due asks for payment by
// their due date when they share one, and names no single day when they
// do not (each line gives its own due date): paying both by the earlier
// one is not what the later invoice's terms say, and 5 March + 7 days
// (the policy's period) is before either.
func TestGroupedReminderBeforeDueNamesNoSingleDay(t *testing.T) {
	wf := dunning.Workflow{Name: "w", CatchUp: dunning.Progressive, Grouping: dunning.PerCustomer, Steps: []dunning.Step{
		{Name: "welcome", At: schedule.Offset{Anchor: schedule.Issue, Days: 3}, Action: dunning.Email, Stage: notice.FriendlyReminder},
	}}
	pol := dunningtest.Policy(wf)
	for _, tc := range []struct {
		due2 string
		want date.Date
	}{
		{"2026-03-31", day("2026-03-31")},
		{"2026-04-03", 0},
	} {
		pf := withI2(onePortfolio(), "2026-03-02", tc.due2)
		acts := huntPlan(t, pol, pf, day("2026-03-05"))
		if len(acts) != 1 || len(acts[0].InvoiceIDs) != 2 {
			t.Fatalf("i2 due %s: %+v, want one notice of both", tc.due2, acts)
		}
		n := acts[0].Notice
		if n.PayBy != tc.want {
			t.Errorf("i2 due %s: pay by %s, want %s", tc.due2, n.PayBy, tc.want)
		}
		text := render(t, pol, &acts[0])
		if by := strings.Contains(text, "How to pay (by "); by != (tc.want != 0) {
			t.Errorf("i2 due %s: the text names a day to pay by: %v, want %v\n%s", tc.due2, by, tc.want != 0, text)
		}
	}
}

// A per-customer notice that carries an invoice not due yet with an
// overdue one never asks for payment before the later invoice's due date.
// i1 (due 31 March) reaches due+14 on 14 April, i2 (due 17 April) its
// due-3 reminder the same day; with one day to pay the notice asked for
// both by 15 April, two days before i2 falls due. It now asks by 17 April.
// With the default 7 days, 21 April is after both and stays.
func TestGroupedNoticeNeverAsksBeforeADueDate(t *testing.T) {
	wf := dunning.Workflow{Name: "w", CatchUp: dunning.Progressive, Grouping: dunning.PerCustomer, Steps: []dunning.Step{
		{Name: "soon", At: dueAt(-3), Action: dunning.Email, Stage: notice.FriendlyReminder},
		{Name: "late", At: dueAt(14), Action: dunning.Email, Stage: notice.OverdueNotice},
	}}
	for _, tc := range []struct {
		days int
		want date.Date
	}{{1, day("2026-04-17")}, {0, day("2026-04-21")}} {
		pol := dunningtest.Policy(wf)
		pol.PayByDays = tc.days
		pf := withI2(onePortfolio(), "2026-03-20", "2026-04-17")
		pf.History = dunning.HistoryMap{"i1": {InvoiceID: "i1", Workflow: "w", Step: 0, Last: day("2026-03-28")}}
		acts := huntPlan(t, pol, pf, day("2026-04-14"))
		if len(acts) != 1 || len(acts[0].InvoiceIDs) != 2 {
			t.Fatalf("pay_by_days %d: %+v, want one notice of both", tc.days, acts)
		}
		if got := acts[0].Notice.PayBy; got != tc.want {
			t.Errorf("pay_by_days %d: pay by %s, want %s", tc.days, got, tc.want)
		}
	}
}

// A final notice keeps its deadline from its own date, the days the law
// and the policy give it (a final notice or a letter before action sets a
// deadline, notice.MinPayByDays), even for an invoice not due yet: a final
// notice at due-3 (28 March, i1 due 31 March) asks by 4 April, 28 March +
// 7, not by the due date.
func TestFinalNoticeBeforeDueKeepsItsDeadline(t *testing.T) {
	wf := dunning.Workflow{Name: "w", CatchUp: dunning.Progressive, Steps: []dunning.Step{
		{Name: "final", At: schedule.Offset{Anchor: schedule.Due, Days: -3}, Action: dunning.Email, Stage: notice.FinalNotice},
	}}
	acts := huntPlan(t, dunningtest.Policy(wf), onePortfolio(), day("2026-03-28"))
	if len(acts) != 1 {
		t.Fatalf("%+v, want the final notice", acts)
	}
	if got, want := acts[0].Notice.PayBy, day("2026-04-04"); got != want {
		t.Errorf("pay by %s, want %s", got, want)
	}
}

// withI2 is pf with c1's second invoice i2 of 50.00 under agreement a1,
// issued and due on the days given.
func withI2(pf dunning.Portfolio, issued, due string) dunning.Portfolio {
	i2 := dunningtest.Invoice("i2", "c1", day(issued), day(due), "50.00", "EUR")
	i2.AgreementID = "a1"
	pf.Invoices = append(pf.Invoices, i2)
	return pf
}
