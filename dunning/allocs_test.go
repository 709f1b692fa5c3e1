package dunning_test

import (
	"encoding/json"
	"testing"

	"github.com/overduehq/overdue/dunning"
)

// TestNoActionPathAllocates: on a day when no invoice has a step due (the
// day before benchAsOf, every step up to it done), Plan's
// allocations do not grow with invoices or customers: ten times the
// portfolio costs the same number of allocations, give or take the few
// of sizing its per-call tables.
func TestNoActionPathAllocates(t *testing.T) {
	pol := stdPolicy()
	// benchPortfolio's history has every step dated before benchAsOf done,
	// so the day before it has nothing left to do.
	asOf := benchAsOf - 1
	allocs := func(nCust, nInv int) float64 {
		pf := benchPortfolio(nCust, nInv)
		var n int
		a := testing.AllocsPerRun(5, func() {
			acts, err := dunning.Plan(asOf, pol, pf)
			if err != nil {
				t.Fatal(err)
			}
			n = len(acts)
		})
		if n != 0 {
			t.Fatalf("%d actions on %s, want none", n, asOf)
		}
		return a
	}
	small, big := allocs(100, 1_000), allocs(1_000, 10_000)
	t.Logf("allocations: %v for 1,000 invoices, %v for 10,000", small, big)
	if big > small+10 {
		t.Errorf("allocations grow with the portfolio: %v for 1,000 invoices, %v for 10,000", small, big)
	}
}

// TestActionsShareNothing: the day's actions take their notices and small
// slices from shared slabs; appending to every slice of one action (and
// writing through its notice) leaves every other action as it was.
func TestActionsShareNothing(t *testing.T) {
	pf := benchPortfolio(50, 2_000)
	acts, err := dunning.Plan(benchAsOf, stdPolicy(), pf)
	if err != nil {
		t.Fatal(err)
	}
	// 2,000 = 120*16 + 80: due days 0..79 have 17 invoices and 80..119
	// have 16, so due days 75, 90 and 106 (a step dated benchAsOf each,
	// checkBenchActions) give 17 + 16 + 16 actions.
	if len(acts) != 49 {
		t.Fatalf("%d actions, want 49", len(acts))
	}
	want := make([]string, len(acts))
	for i := range acts {
		b, err := json.Marshal(acts[i])
		if err != nil {
			t.Fatal(err)
		}
		want[i] = string(b)
	}
	for i := range acts {
		a := &acts[i]
		a.InvoiceIDs = append(a.InvoiceIDs, "x")
		a.Cycles = append(a.Cycles, 99)
		a.Steps = append(a.Steps, 99)
		if a.Notice == nil {
			t.Fatalf("action %s has no notice", a.Key)
		}
		a.Notice.Lines = append(a.Notice.Lines, a.Notice.Lines[0])
		a.Notice.Lines[0].Number = "changed"
		// The actions after i are untouched so far: each must be as planned.
		for j := i + 1; j < len(acts); j++ {
			if b, _ := json.Marshal(acts[j]); string(b) != want[j] {
				t.Fatalf("changing action %d changed action %d:\n%s\nwas\n%s", i, j, b, want[j])
			}
		}
	}
}
