package dunning_test

import (
	"testing"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/notice"
)

// A reopened invoice (a new Cycle) is dunned afresh, its fees counted
// anew, and claims the statutory compensation once in the new cycle, on its
// first notice past the friendly reminder, as in the first cycle: never on
// a later notice of the cycle. i1 of 1,000.00 due 31 March under § 288 BGB
// (EUR 40, netting the reminder fees), overdue-1 and overdue-2 charging
// 5.00 and 10.00: its overdue-1 email of 14 April claims compensation 35.00
// beside the fee of 5.00. A reversed payment reopens it on 20 April. Before
// the fix the first notice of the new cycle read the old cycle's progress
// (compensated) and claimed none, charging the step fee; the next notice,
// under the new cycle's progress, claimed it.
func TestReopenedInvoiceClaimsCompensationOnFirstNotice(t *testing.T) {
	wf := dunning.DefaultWorkflow("standard")
	wf.Steps[3].Fee, wf.Steps[4].Fee = eurFee("5.00"), eurFee("10.00")
	pol, pf, hist := germanInvoiceWorld(wf)

	acts := huntLife(t, pol, pf, hist, day("2026-03-01"), day("2026-04-14"))
	if len(acts) != 1 || acts[0].Step != "overdue-1" || !acts[0].Compensation || !acts[0].Fees.Equal(amt("40.00")) {
		t.Fatalf("14 April: %+v", acts)
	}
	huntRecord(hist, &acts[0], false)

	pf.Invoices[0].Cycle = 1
	claimed, notices := 0, 0
	for d := day("2026-04-20"); d <= day("2026-06-15"); d++ {
		for _, a := range huntPlan(t, pol, pf, d) {
			if a.Notice == nil {
				huntRecord(hist, &a, false)
				continue
			}
			n := a.Notice
			comp := false
			for _, c := range n.Fees {
				comp = comp || c.Label == "compensation"
			}
			past := n.Stage != notice.FriendlyReminder
			if past {
				notices++
			}
			switch {
			case comp && notices != 1:
				t.Errorf("%s %s: compensation claimed on notice %d of the new cycle, want the first only; fees %v", d, a.Step, notices, feesOf(n))
			case !comp && past && notices == 1:
				t.Errorf("%s %s: the new cycle's first notice claims no compensation; fees %v", d, a.Step, feesOf(n))
			}
			if comp {
				claimed++
			}
			if comp != a.Compensation {
				t.Errorf("%s %s: notice claims compensation %v, action says %v", d, a.Step, comp, a.Compensation)
			}
			huntRecord(hist, &a, false)
		}
	}
	if claimed != 1 || notices < 2 {
		t.Errorf("new cycle: compensation claimed %d times over %d notices past the reminder, want once over two or more", claimed, notices)
	}
	if !hist["i1"].Compensated || hist["i1"].Cycle != 1 {
		t.Errorf("after the new cycle: %+v, want cycle 1 compensated", hist["i1"])
	}
}
