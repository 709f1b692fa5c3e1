package dunning_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/rickb777/date/v2"
)

// Unapplied money that covers a customer's open balance stops the card
// being charged again and the account being blocked, as it stops notices
// and tasks. Workflow "sub": "retry" (due+1, a payment retry), "suspend"
// (due+7, suspension) and "final" (due+14, email). c1 owes i1 (100.00 EUR,
// due 1 April) and has 150.00 received but not applied until 10 April: no
// retry on 2 April, nothing through 9 April, Explain saying why. On 10 April
// the money is gone (say the app found it was another customer's): the
// workflow resumes where it stood, the retry first (Progressive: one step a
// run), the suspension on 11 April, the final notice on 15 April. Before the
// fix the card was charged 100.00 on 2 April and the account suspended on 8
// April, with the money in hand.
func TestUnappliedCoverStopsRetryAndBlock(t *testing.T) {
	wf := dunning.Workflow{Name: "sub", Steps: []dunning.Step{
		{Name: "retry", At: dueAt(1), Action: dunning.Retry},
		{Name: "suspend", At: dueAt(7), Action: dunning.Suspend, State: "suspended"},
		{Name: "final", At: dueAt(14), Action: dunning.Email},
	}}
	pol := dunningtest.Policy(wf)
	pol, pf := stepLossWorldWith(pol)
	ex, err := dunning.Explain(day("2026-04-02"), pol, withUnapplied(pf), "i1")
	if err != nil || !strings.Contains(ex.Reason, "cover the open balance 100.00: no retry") {
		t.Errorf("Explain on 2 April: %+v, %v; want the unapplied money named", ex, err)
	}
	got, acted := stepLossRun(t, pol, pf, day("2026-04-02"), day("2026-04-20"), func(d date.Date, pf *dunning.Portfolio) {
		pf.Unapplied = nil
		if d < day("2026-04-10") {
			pf.Unapplied = withUnapplied(*pf).Unapplied
		}
	})
	want := map[string][]string{
		"2026-04-10": {"retry retry [i1:0]"},
		"2026-04-11": {"suspend suspend [i1:1]"},
		"2026-04-15": {"email final [i1:2]"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("actions by day (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]int{"i1:retry": 1, "i1:suspend": 1, "i1:final": 1}, acted); diff != "" {
		t.Errorf("steps acted on (-want +got):\n%s", diff)
	}
}

// stepLossWorldWith is stepLossWorld's portfolio under pol.
func stepLossWorldWith(pol *dunning.Policy) (*dunning.Policy, dunning.Portfolio) {
	_, pf := stepLossWorld(pol.Workflows[0], nil, false)
	return pol, pf
}

// withUnapplied is pf with c1's 150.00 EUR received on 1 April, unapplied.
func withUnapplied(pf dunning.Portfolio) dunning.Portfolio {
	pf.Unapplied = []dunning.Unapplied{payment("u1", "EUR", "150.00", "2026-04-01")}
	return pf
}
