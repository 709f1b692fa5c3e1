package metrics_test

import (
	"math"
	"slices"
	"testing"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/metrics"
	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
)

// Tests written against mutants of the package that its other tests
// passed; each fails with one operator of the code turned around.

// TestAtRiskOver90Bound: more than 90 days past due is over 90; 90 days is
// not. On 1 June 2026: EUR 100.00 due 90 days before (3 March), 200.00 due
// 91 days before (2 March), 400.00 not due yet. With balances more than 30
// days late at risk: total 700.00, at risk 300.00, over 90 200.00.
func TestAtRiskOver90Bound(t *testing.T) {
	asOf := date.New(2026, 6, 1)
	inv := func(id string, due date.Date, amt string) dunning.Invoice {
		return dunning.Invoice{ID: id, CustomerID: "c", Currency: "EUR", Issued: due - 30, Due: due, Amount: decimal.RequireFromString(amt)}
	}
	invs := []dunning.Invoice{inv("i90", asOf-90, "100.00"), inv("i91", asOf-91, "200.00"), inv("due", asOf+10, "400.00")}
	r := metrics.ReceivablesAtRisk(slices.Values(invs), asOf, metrics.RiskOptions{DaysOverdue: 30})["EUR"]
	if r == nil || !r.Total.Equal(decimal.RequireFromString("700")) || !r.AtRisk.Equal(decimal.RequireFromString("300")) || !r.Over90.Equal(decimal.RequireFromString("200")) {
		t.Fatalf("got %+v, want total 700.00, at risk 300.00, over 90 200.00", r)
	}
}

// TestCompareProportionsChoosesItsTest: with no notice on one side there
// is nothing to compare (method "none", P = 1); the z-test needs every
// expected count of the 2x2 table at least 5, the failures' included: 48
// of 50 against 45 of 50 pools to p = 0.93, so 50 x 0.07 = 3.5 failures
// expected on each side, and Fisher's exact test is used; so too when one
// side alone expects fewer than 5 (19 of 20 against 180 of 200: 1.9). Counts
// below zero or above the notices sent, and a side with none sent, are
// refused.
func TestCompareProportionsChoosesItsTest(t *testing.T) {
	if got := metrics.CompareProportions(0, 0, 3, 10); got.Method != "none" || got.P != 1 {
		t.Errorf("no notice on side A: %+v, want method none, P 1", got)
	}
	for _, c := range [][4]int{{-1, 10, 3, 10}, {3, 10, -1, 10}, {11, 10, 3, 10}, {3, 10, 11, 10}, {3, 10, 0, 0}} {
		if got := metrics.CompareProportions(c[0], c[1], c[2], c[3]); got.Method != "none" || got.P != 1 {
			t.Errorf("counts %v: %+v, want method none, P 1", c, got)
		}
	}
	for _, c := range [][4]int{{48, 50, 45, 50}, {19, 20, 180, 200}, {180, 200, 19, 20}} {
		if got := metrics.CompareProportions(c[0], c[1], c[2], c[3]); got.Method != "fisher" {
			t.Errorf("%v: method %q, want fisher", c, got.Method)
		}
	}
	// 3 of 3 against 0 of 3: the tables with 3 successes on A's side
	// have probabilities C(3,k) C(3,3-k) / C(6,3) = 1, 9, 9, 1 twentieths;
	// those no likelier than the one seen (k = 3) add up to 2/20.
	if got := metrics.CompareProportions(3, 3, 0, 3); got.Method != "fisher" || math.Abs(got.P-0.1) > 1e-9 {
		t.Errorf("3/3 vs 0/3: %+v, want Fisher's P = 0.1", got)
	}
	if got := metrics.CompareProportions(30, 60, 20, 60); got.Method != "z" {
		t.Errorf("30/60 vs 20/60: method %q, want z", got.Method)
	}
}
