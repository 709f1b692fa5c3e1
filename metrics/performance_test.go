package metrics_test

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/metrics"
	"github.com/shopspring/decimal"
)

// Four notices and a task over the fixture's invoices:
//
//	k1 standard/overdue-1, template t-a, A (1000), 2026-01-15: A paid 01-20 (5 days)
//	k2 standard/overdue-1, template t-b, C (2000), 2026-03-18: C unpaid
//	k3 standard/final,     failed for good,  B (3000), 2026-02-10
//	k4 standard/overdue-1, template t-a, B (3000), 2026-02-10: B paid 02-20 (10 days)
//	k5 a task (not a notice)
//
// Events: k1 delivered, opened twice, clicked; k2 bounced; k4 delivered.
//
// Window 7: standard/overdue-1 sent 3, delivered 2, bounced 1, opened 1,
// clicked 1; paid within 7 days: k1 only (B took 10), so 1 of 3 = 0.3333,
// 1000 of the 6000 asked; open rate opened/delivered = 1/2. With window 14
// k4 counts too: 2 of 3, 4000. standard/final: 1 failed, none sent.
// Templates: t-a has k1 and k4, t-b has k2.
func TestPerformance(t *testing.T) {
	rec := func(key, step, tmpl, inv, on string, amount string, out dunning.Outcome, kind dunning.ActionKind) dunning.Record {
		return dunning.Record{Key: key, Workflow: "standard", Step: step, Template: tmpl, InvoiceIDs: []string{inv}, Date: day(on),
			Amount: amt(amount), Currency: "EUR", Outcome: out, Kind: kind}
	}
	recs := []dunning.Record{
		rec("k1", "overdue-1", "t-a", "A", "2026-01-15", "1000", dunning.Sent, dunning.Email),
		rec("k2", "overdue-1", "t-b", "C", "2026-03-18", "2000", dunning.Sent, dunning.Email),
		rec("k3", "final", "", "B", "2026-02-10", "3000", dunning.Failed, dunning.Email),
		rec("k4", "overdue-1", "t-a", "B", "2026-02-10", "3000", dunning.Sent, dunning.Email),
		rec("k5", "call", "", "C", "2026-03-20", "2000", dunning.Sent, dunning.Task),
	}
	ev := func(id, key string, k dunning.EventKind) dunning.Event {
		return dunning.Event{ID: id, Key: key, Kind: k, Date: day("2026-03-31")}
	}
	events := []dunning.Event{ev("e1", "k1", dunning.NoticeDelivered), ev("e2", "k1", dunning.NoticeOpened), ev("e3", "k1", dunning.NoticeOpened),
		ev("e4", "k1", dunning.NoticeClicked), ev("e5", "k2", dunning.NoticeBounced), ev("e6", "k4", dunning.NoticeDelivered)}

	rep := metrics.Performance(recs, events, slices.Values(fixture()), 7)
	d := decimal.RequireFromString
	want := []*metrics.StepStats{
		{Workflow: "standard", Step: "final", Currency: "EUR", Failed: 1},
		{Workflow: "standard", Step: "overdue-1", Currency: "EUR", Sent: 3, Delivered: 2, Bounced: 1, Opened: 1, Clicked: 1,
			PaidWithin: 1, PaidAmount: d("1000"), Asked: d("6000"), PaidShare: d("0.3333"), OpenRate: d("0.5")},
	}
	opts := cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Round(4).Equal(b.Round(4)) })
	if diff := cmp.Diff(want, rep.Steps, opts); diff != "" {
		t.Errorf("steps (-want +got):\n%s", diff)
	}
	if len(rep.Templates) != 2 || rep.Templates[0].Template != "t-a" || rep.Templates[0].Sent != 2 || rep.Templates[0].PaidWithin != 1 ||
		rep.Templates[1].Template != "t-b" || rep.Templates[1].Bounced != 1 || rep.Templates[1].PaidWithin != 0 {
		t.Errorf("templates: %+v %+v", rep.Templates[0], rep.Templates[1])
	}
	rep = metrics.Performance(recs, events, slices.Values(fixture()), 14)
	if s := rep.Steps[1]; s.PaidWithin != 2 || !s.PaidAmount.Equal(d("4000")) {
		t.Errorf("window 14: paid %d, %s", s.PaidWithin, s.PaidAmount)
	}
}

// Monthly figures for the fixture, by the period method:
//
//	Jan (31 d): sales B 3000; A/R on 01-31: B 3000, not yet due.
//	  DSO = 3000/3000*31 = 31; best = 31; CEI = (1000 + 3000 - 3000) /
//	  (1000 + 3000 - 3000) = 100 (A/R on 12-31 was A's 1000).
//	Feb (28 d): sales C 2000; A/R on 02-28: C 2000, current: DSO = best =
//	  28; CEI = (3000 + 2000 - 2000) / (3000 + 2000 - 2000) = 100.
//	Mar (31 d): sales D 4000 + E 1000 = 5000; A/R on 03-31: C 2000 + D 4000
//	  + E 600 = 6600, current D + E = 4600: DSO = 6600/5000*31 = 40.92;
//	  best = 4600/5000*31 = 28.52; CEI = (2000 + 5000 - 6600) / (2000 +
//	  5000 - 4600) = 400/2400 = 16.67 %.
func TestTrend(t *testing.T) {
	tr, err := metrics.Trend(slices.Values(fixture()), day("2026-01-10"), day("2026-03-31"), nil, "")
	if err != nil {
		t.Fatal(err)
	}
	ms := tr["EUR"]
	if len(ms) != 3 {
		t.Fatalf("%d months", len(ms))
	}
	for i, w := range []struct{ from, dso, best, cei string }{
		{"2026-01-01", "31", "31", "100"},
		{"2026-02-01", "28", "28", "100"},
		{"2026-03-01", "40.92", "28.52", "16.67"},
	} {
		m := ms[i]
		if m.Month.From != day(w.from) {
			t.Errorf("month %d starts %s", i, m.Month.From)
		}
		eq(t, w.from+" DSO", m.DSO.Round(2), w.dso)
		eq(t, w.from+" best", m.BestPossibleDSO.Round(2), w.best)
		eq(t, w.from+" CEI", m.CEI.Round(2), w.cei)
	}
}
