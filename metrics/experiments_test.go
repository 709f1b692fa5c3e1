package metrics_test

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/overduehq/overdue/metrics"
)

// Hand-worked z-test: A 20 of 50 paid (0.4), B 10 of 50 (0.2). Pooled
// p = 30/100 = 0.3; SE = sqrt(0.3 x 0.7 x (1/50 + 1/50)) = sqrt(0.0084) =
// 0.0916515; z = 0.2 / 0.0916515 = 2.18218; two-sided p = 2 x (1 -
// Phi(2.18218)); from the table Phi(2.18) = 0.98537, Phi(2.19) = 0.98574,
// interpolated 0.985451, so p = 0.02910. Every expected count is at least
// 50 x 0.3 = 15, so the z-test applies.
func TestCompareProportionsZ(t *testing.T) {
	got := metrics.CompareProportions(20, 50, 10, 50)
	if got.Method != "z" || math.Abs(got.Z-2.18218) > 1e-4 || math.Abs(got.P-0.02910) > 2e-4 || got.Verdict != "A" {
		t.Errorf("%+v, want z 2.18218, p 0.02910, A", got)
	}
	// Symmetric: swapping the sides flips z and the verdict.
	if sw := metrics.CompareProportions(10, 50, 20, 50); math.Abs(sw.Z+got.Z) > 1e-12 || sw.P != got.P || sw.Verdict != "B" {
		t.Errorf("swapped %+v", sw)
	}
	// 12 of 50 vs 10 of 50: z = 0.04 / sqrt(0.22 x 0.78 x 0.04) = 0.04 /
	// 0.082849 = 0.48281; p = 0.6292: not enough data to tell.
	if nd := metrics.CompareProportions(12, 50, 10, 50); nd.Method != "z" || math.Abs(nd.P-0.6292) > 2e-4 || nd.Verdict != "" {
		t.Errorf("%+v, want p 0.6292 and no verdict", nd)
	}
}

// Hand-worked Fisher: 3 of 3 vs 0 of 3. With margins 3/3 and 3/3 the table
// with k successes in A has probability C(3,k) C(3,3-k) / C(6,3): k = 0..3
// give 1/20, 9/20, 9/20, 1/20. The seen table (k = 3) has 1/20; the
// two-sided p sums the tables no more likely: 1/20 + 1/20 = 0.10, not
// below 0.05: not enough data. 4 of 4 vs 0 of 4: 2/C(8,4) = 2/70 =
// 0.028571: A does better.
func TestCompareProportionsFisher(t *testing.T) {
	got := metrics.CompareProportions(3, 3, 0, 3)
	if got.Method != "fisher" || math.Abs(got.P-0.10) > 1e-12 || got.Verdict != "" {
		t.Errorf("%+v, want fisher p 0.10, no verdict", got)
	}
	got = metrics.CompareProportions(4, 4, 0, 4)
	if got.Method != "fisher" || math.Abs(got.P-2.0/70) > 1e-12 || got.Verdict != "A" {
		t.Errorf("%+v, want fisher p 2/70, A", got)
	}
	// 1 of 4 vs 1 of 4: every table is at least as likely as... the seen
	// one is the most likely, so p = 1.
	if got = metrics.CompareProportions(1, 4, 1, 4); math.Abs(got.P-1) > 1e-12 || got.Verdict != "" {
		t.Errorf("%+v, want p 1", got)
	}
	for _, c := range [][4]int{{0, 0, 1, 2}, {0, 5, 0, 5}, {5, 5, 5, 5}, {6, 5, 1, 5}} {
		if got := metrics.CompareProportions(c[0], c[1], c[2], c[3]); got.P != 1 || got.Verdict != "" || got.Method != "none" {
			t.Errorf("%v: %+v, want nothing to tell", c, got)
		}
	}
}

// Performance groups the records of a step's experiment by variant and
// tests each variant against the first: variant "direct" 20 of 50 paid
// within 14 days, "friendly" 10 of 50 (the hand-worked z-test above).
// Opened: 30 vs 28 of 50, not enough data.
func TestPerformanceExperiments(t *testing.T) {
	day := dunningtest.Day
	var recs []dunning.Record
	var evs []dunning.Event
	var invs []dunning.Invoice
	for _, v := range []struct {
		name         string
		paid, opened int
	}{{"direct", 20, 30}, {"friendly", 10, 28}} {
		for i := range 50 {
			id := fmt.Sprintf("%s-%d", v.name, i)
			inv := dunningtest.Invoice(id, "c"+id, day("2026-03-02"), day("2026-03-31"), "100.00", "EUR")
			if i < v.paid {
				inv.Payments = []dunning.Payment{{Date: day("2026-04-20"), Amount: amt("100.00")}}
			} else if i < v.paid+3 {
				inv.Payments = []dunning.Payment{{Date: day("2026-05-20"), Amount: amt("100.00")}} // after the window
			}
			invs = append(invs, inv)
			recs = append(recs, dunning.Record{Key: "k-" + id, CustomerID: "c" + id, InvoiceIDs: []string{id}, Workflow: "standard", Step: "overdue-1",
				Kind: dunning.Email, Date: day("2026-04-14"), Outcome: dunning.Sent, Currency: "EUR", Amount: amt("100.00"), Variant: v.name})
			if i < v.opened {
				evs = append(evs, dunning.Event{ID: "o-" + id, Kind: dunning.NoticeOpened, Key: "k-" + id})
			}
		}
	}
	// A step without an experiment is no experiment.
	recs = append(recs, dunning.Record{Key: "plain", CustomerID: "cx", InvoiceIDs: []string{"x"}, Workflow: "standard", Step: "due", Kind: dunning.Email,
		Date: day("2026-04-14"), Outcome: dunning.Sent, Currency: "EUR", Amount: amt("10")})
	rep := metrics.Performance(recs, evs, slices.Values(invs), 14)
	if len(rep.Experiments) != 1 {
		t.Fatalf("experiments %+v", rep.Experiments)
	}
	e := rep.Experiments[0]
	if e.Step != "overdue-1" || len(e.Variants) != 2 || e.Variants[0].Template != "direct" || e.Variants[0].Sent != 50 || e.Variants[0].PaidWithin != 20 || e.Variants[1].PaidWithin != 10 {
		t.Fatalf("experiment %+v", e)
	}
	var paid, opened metrics.Test
	for _, tt := range e.Tests {
		switch tt.Metric {
		case "paid":
			paid = tt
		case "opened":
			opened = tt
		}
	}
	if math.Abs(paid.P-0.02910) > 2e-4 || paid.Verdict != "A" || !strings.HasSuffix(paid.Says, "direct does better") {
		t.Errorf("paid %+v", paid)
	}
	if opened.SuccessA != 30 || opened.SuccessB != 28 || opened.Verdict != "" || !strings.HasSuffix(opened.Says, "not enough data to tell them apart") {
		t.Errorf("opened %+v", opened)
	}
}
