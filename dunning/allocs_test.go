package dunning_test

import (
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
