package metrics

import (
	"math"
	"slices"
	"testing"

	"github.com/overduehq/overdue/dunning"
	"github.com/shopspring/decimal"
)

// The tests in this file pin boundaries a mutation run (an operator
// changed, one at a time) found no test holding: each fails on the
// mutant named beside it.

// TestAddSub64Overflow: add64 and sub64 report an overflow exactly when
// the true sum or difference leaves int64 (worked by hand from
// MaxInt64 = 2^63-1 and MinInt64 = -2^63). Mutants: either sign test
// turned around, or >= made >.
func TestAddSub64Overflow(t *testing.T) {
	const maxI, minI = math.MaxInt64, math.MinInt64
	for _, c := range []struct {
		a, b   int64
		sum    bool // a+b fits
		diff   bool // a-b fits
		op     string
		sumVal int64
	}{
		{a: maxI, b: 0, sum: true, diff: true, sumVal: maxI},
		{a: maxI, b: 1, sum: false, diff: true},
		{a: maxI, b: -1, sum: true, diff: false, sumVal: maxI - 1},
		{a: minI, b: -1, sum: false, diff: true},
		{a: minI, b: 1, sum: true, diff: false, sumVal: minI + 1},
		{a: minI, b: 0, sum: true, diff: true, sumVal: minI},
		{a: 0, b: minI, sum: true, diff: false, sumVal: minI}, // 0 - MinInt64 = 2^63
		{a: -1, b: minI, sum: false, diff: true},              // -1 - MinInt64 = 2^63-1
		{a: 0, b: -5, sum: true, diff: true, sumVal: -5},      // zero beside a negative
		{a: -5, b: 0, sum: true, diff: true, sumVal: -5},
		{a: maxI / 2, b: maxI/2 + 2, sum: false, diff: true},                   // 2^63
		{a: -(maxI / 2) - 1, b: maxI/2 + 2, sum: true, diff: false, sumVal: 1}, // -2^62 - (2^62+1)
	} {
		s, ok := add64(c.a, c.b)
		if ok != c.sum || ok && s != c.sumVal {
			t.Errorf("add64(%d, %d) = %d, %v; want fits=%v (%d)", c.a, c.b, s, ok, c.sum, c.sumVal)
		}
		d, ok := sub64(c.a, c.b)
		if ok != c.diff {
			t.Errorf("sub64(%d, %d) = %d, %v; want fits=%v", c.a, c.b, d, ok, c.diff)
		}
	}
}

// TestDSOCountbackExhaustedOnMonthEnd: AR equal to March's sales is
// exhausted by March alone: 31 days, although February before it sold
// nothing (a mutant that went on while AR was zero added February's 28
// days: 59). Period 2026-01-01..03-31: January sells 500 (paid), March
// 2000 (open).
func TestDSOCountbackExhaustedOnMonthEnd(t *testing.T) {
	p := Period{From: isoDay("2026-01-01"), To: isoDay("2026-03-31")}
	jan := dunning.Invoice{ID: "jan", CustomerID: "c", Currency: "EUR", Issued: isoDay("2026-01-10"), Due: isoDay("2026-02-09"), Amount: dec("500"),
		Payments: []dunning.Payment{{Date: isoDay("2026-01-20"), Amount: dec("500"), Ref: "p"}}}
	mar := dunning.Invoice{ID: "mar", CustomerID: "c", Currency: "EUR", Issued: isoDay("2026-03-05"), Due: isoDay("2026-04-04"), Amount: dec("2000")}
	tots, err := Sum(slices.Values([]dunning.Invoice{jan, mar}), SumOptions{Period: p})
	if err != nil {
		t.Fatal(err)
	}
	for ml, want := range map[MonthLength]string{ActualMonths: "31", ThirtyDayMonths: "30"} {
		got, exhausted := tots["EUR"].DSOCountback(ml)
		if !exhausted || !got.Equal(dec(want)) {
			t.Errorf("DSOCountback(%d) = %s, %v; want %s, true", ml, got, exhausted, want)
		}
	}
}

// TestAgingEdgeZero: edges must be ascending and non-negative, so 0 is a
// valid first edge (a mutant refused it). By invoice date {0, 30} gives
// 0-0, 1-30 and 31+: an invoice issued on asOf is in the first bucket.
func TestAgingEdgeZero(t *testing.T) {
	asOf := isoDay("2026-04-30")
	invs := []dunning.Invoice{
		{ID: "today", CustomerID: "c", Currency: "EUR", Issued: asOf, Due: asOf + 30, Amount: dec("100")},
		{ID: "old", CustomerID: "c", Currency: "EUR", Issued: asOf - 40, Due: asOf - 10, Amount: dec("50")},
	}
	ag, err := AgingReport(slices.Values(invs), asOf, []int{0, 30}, ByInvoiceDate)
	if err != nil {
		t.Fatalf("edges {0, 30}: %v", err)
	}
	var total decimal.Decimal
	for _, b := range ag["EUR"].Buckets {
		total = total.Add(b.Amount)
	}
	if first := ag["EUR"].Buckets[0]; !first.Amount.Equal(dec("100")) || !total.Equal(dec("150")) {
		t.Errorf("buckets %+v: want 100 in the first, 150 in all", ag["EUR"].Buckets)
	}
}

// TestCompareProportionsExpectedFive: the z-test applies when every
// expected count is at least 5, so exactly 5 is enough (a mutant asked
// for more). 7 of 10 vs 3 of 10: pooled p = 0.5, each expected count
// 10 x 0.5 = 5. SE = sqrt(0.25 x 0.2) = 0.2236068, z = 0.4 / SE =
// 1.788854; p = 2 x (1 - Phi(1.788854)), Phi(1.78) = 0.96246 and
// Phi(1.79) = 0.96327 interpolated at .8854: 0.963177, p = 0.07365.
func TestCompareProportionsExpectedFive(t *testing.T) {
	got := CompareProportions(7, 10, 3, 10)
	if got.Method != "z" || math.Abs(got.Z-1.788854) > 1e-5 || math.Abs(got.P-0.07365) > 2e-4 || got.Verdict != "" {
		t.Errorf("%+v, want z 1.788854, p 0.07365, no verdict", got)
	}
}

// TestPaymentsSettledOnPeriodStart: an invoice settled on the period's
// first day is settled in the period (a mutant left it out); one settled
// the day before is not. Issued 02-01, due 02-28, paid 03-01: 28 days to
// pay, 1 day late.
func TestPaymentsSettledOnPeriodStart(t *testing.T) {
	p := Period{From: isoDay("2026-03-01"), To: isoDay("2026-03-31")}
	pay := func(id, on string) dunning.Invoice {
		return dunning.Invoice{ID: id, CustomerID: "c", Currency: "EUR", Issued: isoDay("2026-02-01"), Due: isoDay("2026-02-28"), Amount: dec("100"),
			Payments: []dunning.Payment{{Date: isoDay(on), Amount: dec("100"), Ref: "p" + id}}}
	}
	got, err := Payments(slices.Values([]dunning.Invoice{pay("in", "2026-03-01"), pay("before", "2026-02-28")}), p)
	if err != nil {
		t.Fatal(err)
	}
	e := got["EUR"]
	if e == nil || e.Count != 1 || !e.DaysToPay.Equal(dec("28")) || !e.DaysLate.Equal(dec("1")) || e.LateCount != 1 {
		t.Errorf("%+v, want 1 settled: 28 days to pay, 1 late", e)
	}
}

// TestWorklistTasksAndContactByCurrencyAndDay: a work item lists only the
// customer's open tasks in its currency (or in none); its last contact is
// the latest interaction by day, the greater ID only breaking a tie of one
// day (mutants took a task of another currency, and an older interaction
// with a greater ID).
func TestWorklistTasksAndContactByCurrencyAndDay(t *testing.T) {
	asOf := isoDay("2026-04-30")
	invs := []dunning.Invoice{{ID: "i", CustomerID: "c", Currency: "EUR", Issued: asOf - 60, Due: asOf - 30, Amount: dec("100")}}
	tasks := []dunning.CollectorTask{
		{ID: "eur", CustomerID: "c", Status: dunning.TaskOpen, Due: asOf, Currency: "EUR"},
		{ID: "usd", CustomerID: "c", Status: dunning.TaskOpen, Due: asOf, Currency: "USD"},
		{ID: "any", CustomerID: "c", Status: dunning.TaskOpen, Due: asOf},
	}
	log := []dunning.Interaction{
		{ID: "b", CustomerID: "c", Kind: dunning.Call, Date: asOf - 3},
		{ID: "z", CustomerID: "c", Kind: dunning.Call, Date: asOf - 5}, // older, greater ID
		{ID: "a", CustomerID: "c", Kind: dunning.Call, Date: asOf - 3}, // same day as b, smaller ID
	}
	items := Worklist(asOf, slices.Values(invs), tasks, Weights{}, log...)
	if len(items) != 1 {
		t.Fatalf("%d items, want 1", len(items))
	}
	var ids []string
	for _, tk := range items[0].Tasks {
		ids = append(ids, tk.ID)
	}
	if !slices.Equal(ids, []string{"any", "eur"}) {
		t.Errorf("tasks %v, want [any eur]", ids)
	}
	if lc := items[0].LastContact; lc == nil || lc.ID != "b" {
		t.Errorf("last contact %+v, want b (latest day, greater ID of the two)", lc)
	}
}
