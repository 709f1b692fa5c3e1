package dunning_test

import (
	"strings"
	"testing"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/overduehq/overdue/notice"
)

// A letter before action names the debt the creditor means to sue for; an
// invoice not yet due is no part of it. Per customer, i1 (100.00, due 1
// March) reaches its letter before action at due+30 on 31 March, the day
// i2 (50.00, due 3 April) gets its reminder at due-3. Before, one letter
// before action claimed both ("formal notice that we intend to begin court
// proceedings" over 150.00, i2 three days before it fell due). Now the
// letter claims i1 alone (100.00, pay by 7 April: 31 March + 7) and i2
// gets its own friendly reminder (50.00, pay by its due date, 3 April).
// The same holds for a final notice, whose deadline an invoice not due
// owes no more than a lawsuit.
func TestFinalLettersCarryNoInvoiceNotYetDue(t *testing.T) {
	for _, stage := range []notice.Stage{notice.LetterBeforeAction, notice.FinalNotice} {
		wf := dunning.Workflow{Name: "w", CatchUp: dunning.Progressive, Grouping: dunning.PerCustomer, Steps: []dunning.Step{
			{Name: "soon", At: dueAt(-3), Action: dunning.Email, Stage: notice.FriendlyReminder},
			{Name: "last", At: dueAt(30), Action: dunning.Email, Stage: stage},
		}}
		pol := dunningtest.Policy(wf)
		pf := withI2(onePortfolio(), "2026-03-20", "2026-04-03")
		pf.Invoices[0].Issued, pf.Invoices[0].Due = day("2026-02-01"), day("2026-03-01")
		pf.History = dunning.HistoryMap{"i1": {InvoiceID: "i1", Workflow: "w", Step: 0, Last: day("2026-02-26")}}
		acts := huntPlan(t, pol, pf, day("2026-03-31"))
		got := map[string]*dunning.Action{}
		for i := range acts {
			got[strings.Join(acts[i].InvoiceIDs, ",")] = &acts[i]
		}
		if len(acts) != 2 || got["i1"] == nil || got["i2"] == nil {
			t.Fatalf("%s: %d actions %v, want one for i1 and one for i2", stage, len(acts), dunningtest.Steps(acts))
		}
		if n := got["i1"].Notice; n.Stage != stage || !n.Total.Equal(amt("100.00")) || n.PayBy != day("2026-04-07") {
			t.Errorf("%s: i1's notice %s, total %s, pay by %s; want %s, 100.00, 2026-04-07", stage, n.Stage, n.Total, n.PayBy, stage)
		}
		if n := got["i2"].Notice; n.Stage != notice.FriendlyReminder || !n.Total.Equal(amt("50.00")) || n.PayBy != day("2026-04-03") {
			t.Errorf("%s: i2's notice %s, total %s, pay by %s; want friendly-reminder, 50.00, 2026-04-03", stage, n.Stage, n.Total, n.PayBy)
		}
	}
}
