package metrics_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/overduehq/overdue/metrics"
	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

var (
	day = dunningtest.Day
	amt = dunningtest.Amount
)

// fixture: five EUR invoices around Q1 2026.
//
//	A issued 2025-12-15 due 2026-01-14 1000, paid 2026-01-20
//	B issued 2026-01-10 due 2026-02-09 3000, paid 2026-02-20
//	C issued 2026-02-15 due 2026-03-17 2000, open
//	D issued 2026-03-20 due 2026-04-19 4000, open
//	E issued 2026-03-05 due 2026-04-04 1000, 400 paid 2026-03-25
func fixture() []dunning.Invoice {
	inv := func(id, iss, due, a string) dunning.Invoice {
		return dunningtest.Invoice(id, "c"+id, day(iss), day(due), a, "EUR")
	}
	a := inv("A", "2025-12-15", "2026-01-14", "1000")
	a.Payments = []dunning.Payment{{Date: day("2026-01-20"), Amount: amt("1000")}}
	b := inv("B", "2026-01-10", "2026-02-09", "3000")
	b.Payments = []dunning.Payment{{Date: day("2026-02-20"), Amount: amt("3000")}}
	c := inv("C", "2026-02-15", "2026-03-17", "2000")
	d := inv("D", "2026-03-20", "2026-04-19", "4000")
	e := inv("E", "2026-03-05", "2026-04-04", "1000")
	e.Payments = []dunning.Payment{{Date: day("2026-03-25"), Amount: amt("400")}}
	return []dunning.Invoice{a, b, c, d, e}
}

func eq(t *testing.T, what string, got decimal.Decimal, want string) {
	t.Helper()
	if !got.Equal(amt(want)) {
		t.Errorf("%s = %s, want %s", what, got, want)
	}
}

func TestDSOFamily(t *testing.T) {
	q1 := metrics.Period{From: day("2026-01-01"), To: day("2026-03-31")} // 31+28+31 = 90 days
	tots, err := metrics.Sum(slices.Values(fixture()), metrics.SumOptions{Period: q1})
	if err != nil {
		t.Fatal(err)
	}
	tt := tots["EUR"]
	// AR(2025-12-31) = A 1000. AR(2026-03-31) = C 2000 + D 4000 + E 600 = 6600,
	// of which not yet due: D 4000 + E 600 = 4600. Sales = B+C+D+E = 10000.
	eq(t, "BeginAR", tt.BeginAR, "1000")
	eq(t, "EndAR", tt.EndAR, "6600")
	eq(t, "EndCurrent", tt.EndCurrent, "4600")
	eq(t, "Sales", tt.Sales, "10000")
	// Period DSO = 6600 / 10000 x 90 = 59.4.
	d, err := tt.DSO()
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "DSO", d, "59.4")
	// Average AR: (1000 + 6600) / 2 = 3800; 3800 / 10000 x 90 = 34.2.
	d, _ = tt.DSOAverage()
	eq(t, "DSOAverage", d, "34.2")
	// Best possible: 4600 / 10000 x 90 = 41.4; ADD = 59.4 - 41.4 = 18.
	d, _ = tt.BestPossibleDSO()
	eq(t, "BestPossibleDSO", d, "41.4")
	d, _ = tt.AverageDaysDelinquent()
	eq(t, "ADD", d, "18")
	// Countback: AR 6600 - March sales 5000 = 1600 left, 31 days; February
	// sales 2000 > 1600: 1600/2000 x 28 = 22.4 days. Total 53.4. With 30-day
	// months: 30 + 0.8 x 30 = 54.
	d, ok := tt.DSOCountback(metrics.ActualMonths)
	if !ok {
		t.Error("countback not exhausted")
	}
	eq(t, "countback actual", d, "53.4")
	d, _ = tt.DSOCountback(metrics.ThirtyDayMonths)
	eq(t, "countback 30-day", d, "54")
	// CEI = (1000 + 10000 - 6600) / (1000 + 10000 - 4600) x 100 = 4400/6400 x 100 = 68.75.
	d, _ = tt.CEI(metrics.SalesTotal)
	eq(t, "CEI", d, "68.75")

	// March alone: AR(02-28) = C 2000 (B paid 02-20); sales D+E = 5000;
	// CEI = (2000 + 5000 - 6600)/(2000 + 5000 - 4600) x 100 = 400/2400 x 100
	// = 16.666..., 16.67 at DayPlaces (2) decimals; with one month the
	// per-month convention is the same.
	mar, _ := metrics.Sum(slices.Values(fixture()), metrics.SumOptions{Period: metrics.Period{From: day("2026-03-01"), To: day("2026-03-31")}})
	d, _ = mar["EUR"].CEI(metrics.SalesTotal)
	eq(t, "CEI March", d, "16.67")
	d, _ = mar["EUR"].CEI(metrics.SalesPerMonth)
	eq(t, "CEI March per month", d, "16.67")
	if tt.LowSales || mar["EUR"].LowSales {
		t.Error("sales of 10000 against AR 6600 flagged as too small")
	}
}

// TestDSOLowSales: AR at the end of Q1 2026 (90 days) is an old 10000
// invoice; the quarter sold one invoice of x, paid the next day. DSO =
// 10000 x 90 / x. At x = 999, DSO = 900.9009..., 900.90 to two decimals,
// and sales are under a tenth of AR: flagged. At x = 1000 (exactly a
// tenth) DSO = 900 and the flag is off; at 1001, 899.1008... = 899.10.
func TestDSOLowSales(t *testing.T) {
	q1 := metrics.Period{From: day("2026-01-01"), To: day("2026-03-31")}
	for _, tc := range []struct {
		sale, dso string
		low       bool
	}{{"999", "900.90", true}, {"1000", "900", false}, {"1001", "899.10", false}} {
		old := dunningtest.Invoice("old", "c1", day("2025-06-01"), day("2025-07-01"), "10000", "EUR")
		sale := dunningtest.Invoice("new", "c2", day("2026-02-01"), day("2026-03-03"), tc.sale, "EUR")
		sale.Payments = []dunning.Payment{{Date: day("2026-02-02"), Amount: amt(tc.sale)}}
		tots, err := metrics.Sum(slices.Values([]dunning.Invoice{old, sale}), metrics.SumOptions{Period: q1})
		if err != nil {
			t.Fatal(err)
		}
		tt := tots["EUR"]
		d, err := tt.DSO()
		if err != nil {
			t.Fatal(err)
		}
		eq(t, "DSO at sales "+tc.sale, d, tc.dso)
		if d.Exponent() < -metrics.DayPlaces {
			t.Errorf("DSO %s has more than %d decimals", d, metrics.DayPlaces)
		}
		if tt.LowSales != tc.low {
			t.Errorf("sales %s: LowSales = %v, want %v", tc.sale, tt.LowSales, tc.low)
		}
	}
	if _, err := metrics.Sum(slices.Values(fixture()), metrics.SumOptions{Period: q1, FX: func(a decimal.Decimal, _, _ metrics.Currency, _ date.Date) (decimal.Decimal, error) { return a, nil }}); err == nil {
		t.Error("FX without a Target accepted")
	}
}

func TestFXConverts(t *testing.T) {
	// Every EUR amount doubled into USD: DSO (a ratio) is unchanged, sums double.
	fx := func(a decimal.Decimal, from, to dunning.Currency, on date.Date) (decimal.Decimal, error) {
		return a.Mul(decimal.NewFromInt(2)), nil
	}
	tots, err := metrics.Sum(slices.Values(fixture()), metrics.SumOptions{Period: metrics.Period{From: day("2026-01-01"), To: day("2026-03-31")}, FX: fx, Target: "USD"})
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "EndAR USD", tots["USD"].EndAR, "13200")
	d, _ := tots["USD"].DSO()
	eq(t, "DSO USD", d, "59.4")
}

func TestAging(t *testing.T) {
	ag, err := metrics.AgingReport(slices.Values(fixture()), day("2026-03-31"), metrics.DefaultEdges(), metrics.ByDueDate)
	if err != nil {
		t.Fatal(err)
	}
	a := ag["EUR"]
	// C is 14 days past due (03-17 -> 03-31): 1-30. D and E are current.
	want := map[string]string{"current": "4600", "1-30": "2000", "31-60": "0", "61-90": "0", "91+": "0"}
	for _, b := range a.Buckets {
		eq(t, "bucket "+b.Label, b.Amount, want[b.Label])
	}
	eq(t, "total", a.Total, "6600")
	// Loss rates 1 %, 5 %, 20 %, 50 %, 90 %: 46 + 100 = 146.00.
	al, err := a.Allowance([]decimal.Decimal{amt("1"), amt("5"), amt("20"), amt("50"), amt("90")})
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "allowance", al, "146")
	// By invoice date: C 44 days old (02-15 -> 03-31), D 11, E 26.
	ag, _ = metrics.AgingReport(slices.Values(fixture()), day("2026-03-31"), metrics.DefaultEdges(), metrics.ByInvoiceDate)
	want = map[string]string{"0-30": "4600", "31-60": "2000", "61-90": "0", "91+": "0"}
	for _, b := range ag["EUR"].Buckets {
		eq(t, "invoice-date bucket "+b.Label, b.Amount, want[b.Label])
	}
	if _, err := metrics.AgingReport(slices.Values(fixture()), day("2026-03-31"), []int{60, 30}, metrics.ByDueDate); err == nil {
		t.Error("descending edges accepted")
	}
}

func TestPaymentsAndRisk(t *testing.T) {
	p, err := metrics.Payments(slices.Values(fixture()), metrics.Period{From: day("2026-01-01"), To: day("2026-03-31")})
	if err != nil {
		t.Fatal(err)
	}
	e := p["EUR"]
	// Settled in Q1: A (issued 12-15, paid 01-20: 36 days; due 01-14: 6 late)
	// and B (issued 01-10, paid 02-20: 41 days; due 02-09: 11 late).
	if e.Count != 2 || e.LateCount != 2 {
		t.Errorf("count %d late %d, want 2 and 2", e.Count, e.LateCount)
	}
	eq(t, "days to pay", e.DaysToPay, "38.5")                   // (36+41)/2
	eq(t, "weighted days to pay", e.WeightedDaysToPay, "39.75") // (1000x36 + 3000x41)/4000
	eq(t, "days late", e.DaysLate, "8.5")                       // (6+11)/2
	eq(t, "weighted days late", e.WeightedDaysLate, "9.75")     // (6000+33000)/4000
	eq(t, "time to collect", e.TimeToCollect, "8.5")
	eq(t, "on time", e.OnTimeShare, "0")

	r := metrics.ReceivablesAtRisk(slices.Values(fixture()), day("2026-03-31"), metrics.RiskOptions{DaysOverdue: 10})["EUR"]
	// Only C (14 days late > 10): 2000 of 6600 = 0.30303... -> 0.3030.
	eq(t, "at risk", r.AtRisk, "2000")
	eq(t, "share", r.Share, "0.303")
	// With a scorer marking customer cD risky, D's 4000 joins.
	r = metrics.ReceivablesAtRisk(slices.Values(fixture()), day("2026-03-31"), metrics.RiskOptions{DaysOverdue: 30,
		Score: func(id string) decimal.Decimal {
			if id == "cD" {
				return amt("0.9")
			}
			return amt("0.1")
		}, ScoreAbove: amt("0.5")})["EUR"]
	eq(t, "at risk by score", r.AtRisk, "4000")
}

func TestWorklist(t *testing.T) {
	// On 2026-04-30: C is 44 days late (2000), E 26 days late (600 open);
	// D is not due until 04-19... it is 11 days late (4000).
	items := metrics.Worklist(day("2026-04-30"), slices.Values(fixture()), []dunning.CollectorTask{
		{ID: "t1", CustomerID: "cC", Status: dunning.TaskOpen, Due: day("2026-04-29")},
		{ID: "t0", CustomerID: "cC", Status: dunning.TaskDone},
	}, metrics.Weights{})
	if len(items) != 3 {
		t.Fatalf("items = %d, want 3", len(items))
	}
	// Scores with default weights (0.4, 0.3, 0.2, 0.1; sum 1), largest
	// overdue 4000; no customer has settled history or broken promises:
	//   cD: 40 x 4000/4000 + 30 x 11/120 = 40 + 2.75 = 42.75
	//   cC: 40 x 0.5 + 30 x 44/120 = 20 + 11 = 31
	//   cE: 40 x 0.15 + 30 x 26/120 = 6 + 6.5 = 12.5
	want := []struct{ id, score string }{{"cD", "42.75"}, {"cC", "31"}, {"cE", "12.5"}}
	for i, w := range want {
		if items[i].CustomerID != w.id || !items[i].Score.Equal(amt(w.score)) {
			t.Errorf("rank %d: %s %s, want %s %s (%v)", i+1, items[i].CustomerID, items[i].Score, w.id, w.score, items[i].Why)
		}
	}
	if len(items[1].Tasks) != 1 || items[1].Tasks[0].ID != "t1" {
		t.Errorf("cC tasks = %+v, want the open t1", items[1].Tasks)
	}
	// cD (rank 1) has a task due later than cC's: rank comes first.
	items = metrics.Worklist(day("2026-04-30"), slices.Values(fixture()), []dunning.CollectorTask{
		{ID: "c-late", CustomerID: "cC", Status: dunning.TaskOpen, Due: day("2026-05-02")},
		{ID: "c-early", CustomerID: "cC", Status: dunning.TaskOpen, Due: day("2026-04-20")},
		{ID: "d", CustomerID: "cD", Status: dunning.TaskOpen, Due: day("2026-05-10")},
		{ID: "e", CustomerID: "cE", Status: dunning.TaskOpen, Due: day("2026-04-01")},
	}, metrics.Weights{})
	var ids []string
	for _, tk := range metrics.TaskQueue(items) {
		ids = append(ids, tk.ID)
	}
	if got := strings.Join(ids, " "); got != "d c-early c-late e" {
		t.Errorf("task queue %q, want \"d c-early c-late e\"", got)
	}
}

func TestProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 30).Draw(t, "n")
		var invs []dunning.Invoice
		start := day("2026-01-01")
		for i := 0; i < n; i++ {
			iss := start + date.Date(rapid.IntRange(-60, 89).Draw(t, "iss"))
			inv := dunningtest.Invoice("i", "c", iss, iss+date.Date(rapid.IntRange(0, 60).Draw(t, "terms")), "1", "EUR")
			inv.Amount = decimal.New(int64(rapid.IntRange(1, 1e7).Draw(t, "cents")), -2)
			if rapid.Bool().Draw(t, "paid") {
				inv.Payments = []dunning.Payment{{Date: iss + date.Date(rapid.IntRange(0, 120).Draw(t, "after")), Amount: inv.Amount}}
			}
			invs = append(invs, inv)
		}
		p := metrics.Period{From: start, To: start + 89}
		tots, err := metrics.Sum(slices.Values(invs), metrics.SumOptions{Period: p})
		if err != nil {
			t.Fatal(err)
		}
		tt := tots["EUR"]
		if d, err := tt.DSO(); err == nil {
			b, _ := tt.BestPossibleDSO()
			if b.GreaterThan(d) {
				t.Fatalf("best possible DSO %s > DSO %s", b, d)
			}
			if tt.EndAR.IsZero() && !d.IsZero() {
				t.Fatalf("DSO %s with no receivables", d)
			}
		}
		ag, _ := metrics.AgingReport(slices.Values(invs), p.To, []int{30, 60, 90}, metrics.ByDueDate)
		if a := ag["EUR"]; a != nil {
			sum := decimal.Zero
			for _, b := range a.Buckets {
				sum = sum.Add(b.Amount)
			}
			if !sum.Equal(tt.EndAR) || !a.Total.Equal(tt.EndAR) {
				t.Fatalf("buckets sum %s, total %s, AR %s", sum, a.Total, tt.EndAR)
			}
		} else if !tt.EndAR.IsZero() {
			t.Fatalf("no aging but AR %s", tt.EndAR)
		}
	})
}
