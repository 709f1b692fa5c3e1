package dunning_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/overduehq/overdue/schedule"
	"github.com/overduehq/overdue/store/memory"
	"github.com/rickb777/date/v2"
)

// overdueOnly is a per-invoice workflow of three notices after the due
// date, a gap of 5 days per invoice.
func overdueOnly() dunning.Workflow {
	return dunning.Workflow{Name: "w", MinGapDays: 5, Steps: []dunning.Step{
		{Name: "overdue-1", At: schedule.Offset{Anchor: schedule.Due, Days: 14}, Action: dunning.Email},
		{Name: "overdue-2", At: schedule.Offset{Anchor: schedule.Due, Days: 30}, Action: dunning.Email},
		{Name: "final", At: schedule.Offset{Anchor: schedule.Due, Days: 45}, Action: dunning.Email},
	}}
}

// simulate runs every day from..to against a memory store and returns
// "day invoice step" per action.
func simulate(t *testing.T, pol *dunning.Policy, pf dunning.Portfolio, from, to date.Date) []string {
	t.Helper()
	st := memory.New()
	var got []string
	for d := from; d <= to; d++ {
		h, _ := st.History(context.Background())
		pf.History = h
		for _, a := range runDay(t, pol, st, pf, d) {
			got = append(got, d.String()+" "+strings.Join(a.InvoiceIDs, ",")+" "+a.Step)
		}
	}
	return got
}

func TestCustomerGapAcrossInvoices(t *testing.T) {
	// Issue 14 item 9. i1 (EUR) due 03-31 (overdue-1 04-14), i2 (USD) due
	// 04-01 (overdue-1 04-15): without a customer gap the customer is emailed
	// on two consecutive days. With a customer gap of 3 days, i2 waits until
	// 04-14 + 3 = 04-17.
	c := dunningtest.Customer("c1")
	pf := dunning.Portfolio{Customers: []dunning.Customer{c}, Invoices: []dunning.Invoice{
		dunningtest.Invoice("i1", "c1", day("2026-03-01"), day("2026-03-31"), "100.00", "EUR"),
		dunningtest.Invoice("i2", "c1", day("2026-03-02"), day("2026-04-01"), "100.00", "USD"),
	}}
	pol := dunningtest.Policy(overdueOnly())
	got := simulate(t, pol, pf, day("2026-04-10"), day("2026-04-20"))
	if diff := cmp.Diff([]string{"2026-04-14 i1 overdue-1", "2026-04-15 i2 overdue-1"}, got); diff != "" {
		t.Errorf("without customer limits (-want +got):\n%s", diff)
	}
	pol.Customer = &dunning.CustomerLimits{MinGapDays: 3}
	got = simulate(t, pol, pf, day("2026-04-10"), day("2026-04-20"))
	if diff := cmp.Diff([]string{"2026-04-14 i1 overdue-1", "2026-04-17 i2 overdue-1"}, got); diff != "" {
		t.Errorf("customer gap 3 (-want +got):\n%s", diff)
	}
	pf.History = dunning.HistoryMap{"i1": {InvoiceID: "i1", Workflow: "w", Step: 0, Last: day("2026-04-14"),
		Notices: &dunning.NoticeLog{Count: 1, Recent: []date.Date{day("2026-04-14")}}}}
	ex, err := dunning.Explain(day("2026-04-15"), pol, pf, "i2")
	if err != nil {
		t.Fatal(err)
	}
	want := `step "overdue-1" is due but the customer's last notice went out on 2026-04-14: the customer gap of 3 days holds notices until 2026-04-17`
	if ex.Reason != want || ex.Next != day("2026-04-17") || len(ex.Actions) != 0 {
		t.Errorf("explain:\n%s\nwant reason %q, next 2026-04-17", ex, want)
	}
}

func TestCustomerMaximumNotices(t *testing.T) {
	// At most 2 days with notices in any 30 days. Invoices due 03-31,
	// 04-06, 04-11 (overdue-1 on 04-14, 04-20, 04-25; overdue-2 on 04-30,
	// 05-06, 05-11; final on 05-15, 05-21, 05-26):
	//   04-14 i1 overdue-1; 04-20 i2 overdue-1 (2 days in the window);
	//   held until 04-14 + 30 = 05-14, when i1 and i2 send overdue-2 and i3
	//   overdue-1 (progressive: one level a run); held again until
	//   04-20 + 30 = 05-20: i1 final (due 05-15) and i3 overdue-2 (its gap
	//   of 5 days from 05-14 ended 05-19); then held until 05-14 + 30 =
	//   06-13, after the simulated days.
	c := dunningtest.Customer("c1")
	pf := dunning.Portfolio{Customers: []dunning.Customer{c}, Invoices: []dunning.Invoice{
		dunningtest.Invoice("i1", "c1", day("2026-03-01"), day("2026-03-31"), "100.00", "EUR"),
		dunningtest.Invoice("i2", "c1", day("2026-03-07"), day("2026-04-06"), "100.00", "EUR"),
		dunningtest.Invoice("i3", "c1", day("2026-03-12"), day("2026-04-11"), "100.00", "EUR"),
	}}
	pol, err := dunning.ParsePolicy([]byte(`{
	  "workflows": [{"name": "w", "min_gap_days": 5, "steps": [
	    {"name": "overdue-1", "at": "due+14", "action": "email"},
	    {"name": "overdue-2", "at": "due+30", "action": "email"},
	    {"name": "final", "at": "due+45", "action": "email"}]}],
	  "customer_limits": {"max_notices": 2, "period_days": 30},
	  "creditor": {"name": "Example Supplies Ltd", "address": ["2 Market Road", "Leeds LS1 1AA"]},
	  "payment": {"text": "Please transfer the amount due.", "iban": "GB33BUKB20201555555555"}
	}`))
	if err != nil {
		t.Fatal(err)
	}
	got := simulate(t, pol, pf, day("2026-04-01"), day("2026-06-12"))
	want := []string{
		"2026-04-14 i1 overdue-1", "2026-04-20 i2 overdue-1",
		// A day's actions come in step order.
		"2026-05-14 i3 overdue-1", "2026-05-14 i1 overdue-2", "2026-05-14 i2 overdue-2",
		"2026-05-20 i3 overdue-2", "2026-05-20 i1 final",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	// Explain on 04-25, when i3's overdue-1 is due: notices on 04-14 and
	// 04-20 fill the window; the next notice may go on 04-14 + 30 = 05-14.
	pf.History = dunning.HistoryMap{
		"i1": {InvoiceID: "i1", Workflow: "w", Step: 0, Last: day("2026-04-14"), Notices: &dunning.NoticeLog{Count: 1, Recent: []date.Date{day("2026-04-14")}}},
		"i2": {InvoiceID: "i2", Workflow: "w", Step: 0, Last: day("2026-04-20"), Notices: &dunning.NoticeLog{Count: 1, Recent: []date.Date{day("2026-04-20")}}},
	}
	ex, err := dunning.Explain(day("2026-04-25"), pol, pf, "i3")
	if err != nil {
		t.Fatal(err)
	}
	if want := `step "overdue-1" is due but the customer received notices on 2 days in the 30 days up to 2026-04-25, the maximum of 2: notices wait until 2026-05-14`; ex.Reason != want || ex.Next != day("2026-05-14") {
		t.Errorf("explain:\n%s\nwant reason %q", ex, want)
	}
	if _, err := dunning.ParsePolicy([]byte(`{"creditor": {"name": "X"}, "workflows": [{"name": "w", "steps": [{"name": "s", "at": "due", "action": "email"}]}], "customer_limits": {"max_notices": -1}}`)); err == nil || !strings.Contains(err.Error(), "customer_limits.max_notices") {
		t.Errorf("negative maximum: %v", err)
	}
}

func TestMaximumNoticesPerInvoice(t *testing.T) {
	// At most 2 notices per invoice and cycle: overdue-1 (04-14) and
	// overdue-2 (04-30) go out, final (05-15) is held back, and the call
	// task at due+50 = 05-20 still comes.
	wf := overdueOnly()
	wf.MaxNotices = 2
	wf.Steps = append(wf.Steps, dunning.Step{Name: "call", At: schedule.Offset{Anchor: schedule.Due, Days: 50}, Action: dunning.Task})
	pol := dunningtest.Policy(wf)
	c := dunningtest.Customer("c1")
	pf := dunning.Portfolio{Customers: []dunning.Customer{c}, Invoices: []dunning.Invoice{
		dunningtest.Invoice("i1", "c1", day("2026-03-01"), day("2026-03-31"), "100.00", "EUR"),
	}}
	got := simulate(t, pol, pf, day("2026-04-01"), day("2026-05-31"))
	if diff := cmp.Diff([]string{"2026-04-14 i1 overdue-1", "2026-04-30 i1 overdue-2", "2026-05-20 i1 call"}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	pf.History = dunning.HistoryMap{"i1": {InvoiceID: "i1", Workflow: "w", Step: 1, Last: day("2026-04-30"), Notices: &dunning.NoticeLog{Count: 2}}}
	ex, _ := dunning.Explain(day("2026-05-15"), pol, pf, "i1")
	if want := `step "final" is due but the invoice had its maximum of 2 notices in this cycle (workflow w)`; ex.Reason != want {
		t.Errorf("reason %q, want %q", ex.Reason, want)
	}
}

func TestMaximumNoticesCapsSendAllMissed(t *testing.T) {
	// Send all missed on 2026-05-20 would send overdue-1, overdue-2 and
	// final (TestCatchUp); with a maximum of 2 notices and none sent yet,
	// only overdue-1 and overdue-2 go out.
	wf := overdueOnly()
	wf.CatchUp, wf.MaxNotices = dunning.SendAllMissed, 2
	pol := dunningtest.Policy(wf)
	pf := dunning.Portfolio{Customers: []dunning.Customer{dunningtest.Customer("c1")}, Invoices: []dunning.Invoice{
		dunningtest.Invoice("i1", "c1", day("2026-03-01"), day("2026-03-31"), "100.00", "EUR"),
	}}
	got := simulate(t, pol, pf, day("2026-05-20"), day("2026-06-30"))
	if diff := cmp.Diff([]string{"2026-05-20 i1 overdue-1", "2026-05-20 i1 overdue-2"}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestExplainListedInvoice(t *testing.T) {
	// i2 (due 03-20, at overdue-1, overdue-2 on 04-19) is listed on
	// i1's notice of 04-14 (TestPerCustomerNoticeListsEveryOverdueInvoice).
	wf := overdueOnly()
	wf.Grouping = dunning.PerCustomer
	pol := dunningtest.Policy(wf)
	pf := dunning.Portfolio{Customers: []dunning.Customer{dunningtest.Customer("c1")}, Invoices: []dunning.Invoice{
		dunningtest.Invoice("i1", "c1", day("2026-03-01"), day("2026-03-31"), "100.00", "EUR"),
		dunningtest.Invoice("i2", "c1", day("2026-02-18"), day("2026-03-20"), "200.00", "EUR"),
	}, History: dunning.HistoryMap{"i2": {InvoiceID: "i2", Workflow: "w", Step: 0, Last: day("2026-04-03")}}}
	ex, err := dunning.Explain(day("2026-04-14"), pol, pf, "i2")
	if err != nil {
		t.Fatal(err)
	}
	want := `invoice INV-i2 (due 2026-03-20, open EUR 200.00) is overdue and listed: no step of its own is due (no step due: next is "overdue-2" on 2026-04-19)`
	if ex.Reason != want || len(ex.Actions) != 1 {
		t.Errorf("explain %s\nwant reason %q", ex, want)
	}
}
