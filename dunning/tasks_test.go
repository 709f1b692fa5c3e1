package dunning_test

import (
	"context"
	"strings"
	"testing"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/overduehq/overdue/schedule"
	"github.com/overduehq/overdue/store/memory"
	"github.com/rickb777/date/v2"
)

func runOn(t *testing.T, pol *dunning.Policy, st dunning.Store, pf dunning.Portfolio, d date.Date) dunning.Report {
	t.Helper()
	r := &dunning.Runner{Policy: pol, Store: st, Sender: &dunningtest.Sender{}, Clock: dunningtest.ClockAt(d), Owner: "t"}
	rep, err := r.Run(context.Background(), pf)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestTaskCancelledWhenInvoicesSettled(t *testing.T) {
	// Issue 14 item 10. A call task at due+14 = 2026-04-14 for a USD
	// 25000.00 invoice; paid in full on 04-20; the run of 04-21 cancels the
	// task, saying why; the run of 04-22 has nothing left to do.
	wf := dunning.Workflow{Name: "w", Steps: []dunning.Step{
		{Name: "call", At: schedule.Offset{Anchor: schedule.Due, Days: 14}, Action: dunning.Task, Assignee: "ana"},
	}}
	pol := dunningtest.Policy(wf)
	st := memory.New()
	ctx := context.Background()
	pf := dunning.Portfolio{Customers: []dunning.Customer{dunningtest.Customer("c1")}, Invoices: []dunning.Invoice{
		dunningtest.Invoice("i1", "c1", day("2026-03-01"), day("2026-03-31"), "25000.00", "USD"),
	}}
	runOn(t, pol, st, pf, day("2026-04-14"))
	open, _ := st.Tasks(ctx, dunning.TaskOpen)
	if len(open) != 1 || !strings.Contains(open[0].Title, "USD 25000.00 open") {
		t.Fatalf("open tasks after 04-14: %+v", open)
	}
	// Partly paid: the task stays.
	pf.Invoices[0].Payments = []dunning.Payment{{Date: day("2026-04-18"), Amount: dunningtest.Amount("20000")}}
	if rep := runOn(t, pol, st, pf, day("2026-04-19")); rep.Planned != 0 {
		t.Errorf("04-19 planned %+v", rep.Results)
	}
	pf.Invoices[0].Payments = append(pf.Invoices[0].Payments, dunning.Payment{Date: day("2026-04-20"), Amount: dunningtest.Amount("5000")})
	rep := runOn(t, pol, st, pf, day("2026-04-21"))
	if rep.Planned != 1 || rep.Counts[dunning.StatusSent] != 1 || rep.Results[0].Key != "cancel/"+open[0].ID {
		t.Fatalf("04-21: %+v", rep)
	}
	if open, _ := st.Tasks(ctx, dunning.TaskOpen); len(open) != 0 {
		t.Errorf("still open: %+v", open)
	}
	done, _ := st.Tasks(ctx, dunning.TaskCancelled)
	if len(done) != 1 || done[0].CancelReason != "its invoices are settled" || done[0].Assignee != "ana" {
		t.Errorf("cancelled: %+v", done)
	}
	if rep := runOn(t, pol, st, pf, day("2026-04-22")); rep.Planned != 0 {
		t.Errorf("04-22 planned %+v", rep.Results)
	}
	// The progress of the invoice is untouched by the cancellation.
	h, _ := st.History(ctx)
	if p, _ := h.Progress("i1"); p.Step != 0 || p.Workflow != "w" {
		t.Errorf("progress %+v", p)
	}
}

func TestDataProblemOpensOneFixTask(t *testing.T) {
	// An invoice without lines cannot be dunned (the notice must name the
	// goods or services). The run of 04-14 reports the problem and opens one
	// task to fix the data; the run of 04-15 opens no second one; once the
	// lines are there (04-16) the notice goes out and the task is cancelled.
	pol := stdPolicy()
	st := memory.New()
	ctx := context.Background()
	pf := onePortfolioAt(2)
	pf.History = nil
	pf.Invoices[0].Lines = nil
	// Bring the invoice to step "due" (03-31) with its lines, then remove
	// them.
	withLines := onePortfolio()
	for d := day("2026-03-01"); d <= day("2026-03-31"); d++ {
		runOn(t, pol, st, withLines, d)
	}
	rep := runOn(t, pol, st, pf, day("2026-04-14"))
	if rep.Counts[dunning.StatusProblem] != 1 || rep.Counts[dunning.StatusSent] != 1 {
		t.Fatalf("04-14: %+v", rep)
	}
	open, _ := st.Tasks(ctx, dunning.TaskOpen)
	if len(open) != 1 || open[0].Kind != dunning.DataFix || !strings.HasPrefix(open[0].ID, "fix/inv/c1/i1/standard/overdue-1/") || !strings.Contains(open[0].Title, "lines[0]") {
		t.Fatalf("open tasks: %+v", open)
	}
	rep = runOn(t, pol, st, pf, day("2026-04-15"))
	if rep.Planned != 1 || rep.Counts[dunning.StatusProblem] != 1 {
		t.Errorf("04-15: %+v", rep)
	}
	if all, _ := st.Tasks(ctx, ""); len(all) != 1 {
		t.Errorf("tasks after 04-15: %+v", all)
	}
	rep = runOn(t, pol, st, withLines, day("2026-04-16"))
	if rep.Planned != 2 || rep.Counts[dunning.StatusSent] != 2 {
		t.Errorf("04-16: %+v", rep)
	}
	done, _ := st.Tasks(ctx, dunning.TaskCancelled)
	if len(done) != 1 || done[0].CancelReason != "the data was fixed: the action goes out" {
		t.Errorf("cancelled: %+v", done)
	}

	// A customer without a contact: the same.
	pf = onePortfolioAt(2)
	pf.Customers[0].Contacts = nil
	acts, err := dunning.Plan(day("2026-04-14"), pol, pf)
	if err != nil {
		t.Fatal(err)
	}
	// Sorted by key within the step: "fix/inv/..." before "inv/...".
	if len(acts) != 2 || acts[1].Problem == "" || acts[0].Kind != dunning.DataFix || acts[0].Key != "fix/"+acts[1].Key || acts[0].Problem != "" {
		t.Fatalf("no contact: %+v", acts)
	}
}
