package dunning_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/overduehq/overdue/schedule"
	"github.com/overduehq/overdue/segment"
	"github.com/overduehq/overdue/store/memory"
	"github.com/shopspring/decimal"
)

// Four invoices of one customer, as of 2026-04-20:
//
//	D  50.00 due 2025-02-28, paid 2025-03-30: 30 days late; disputed 2025-03-01 (outside the last 365 days)
//	A 100.00 due 2026-01-31, paid 2026-02-10: 10 days late
//	B 300.00 due 2026-02-28, paid 2026-02-20: on time; disputed 2026-02-15..18 (inside)
//	C 200.00 due 2026-03-31, open: 20 days overdue; promised by 04-10, broken
//
// settled = D, A, B: avg days late (30+10+0)/3 = 13.33; weighted
// (50*30 + 100*10 + 300*0) / 450 = 2500/450 = 5.555.. = 5.56; on time 1/3 =
// 0.3333; overdue: 1 invoice, 200.00 EUR; max days late max(30, 10, 0, 20)
// = 30; broken promises 1; disputes opened 2025-04-21..2026-04-20: 1.
func TestHistoryAttributes(t *testing.T) {
	mk := func(id, due, amount, paid string) *dunning.Invoice {
		d := day(due)
		inv := dunningtest.Invoice(id, "c1", d-30, d, amount, "EUR")
		if paid != "" {
			inv.Payments = []dunning.Payment{{Date: day(paid), Amount: inv.Amount}}
		}
		return &inv
	}
	d := mk("D", "2025-02-28", "50.00", "2025-03-30")
	d.Dispute = &dunning.Dispute{Opened: day("2025-03-01"), Resolved: day("2025-03-05")}
	a := mk("A", "2026-01-31", "100.00", "2026-02-10")
	b := mk("B", "2026-02-28", "300.00", "2026-02-20")
	b.Dispute = &dunning.Dispute{Opened: day("2026-02-15"), Resolved: day("2026-02-18")}
	c := mk("C", "2026-03-31", "200.00", "")
	c.Promise = &dunning.Promise{Made: day("2026-04-01"), PayBy: day("2026-04-10"), Amount: c.Amount}

	got := dunning.HistoryAttributes(day("2026-04-20"), []*dunning.Invoice{d, a, b, c})
	n := func(s string) segment.Value { return segment.Number(decimal.RequireFromString(s)) }
	want := segment.Attrs{
		dunning.AttrAvgDaysLate:      n("13.33"),
		dunning.AttrWeightedDaysLate: n("5.56"),
		dunning.AttrOnTimeShare:      n("0.3333"),
		dunning.AttrOverdueCount:     n("1"),
		dunning.AttrOverdueAmount:    n("200"),
		dunning.AttrOverdueCurrency:  segment.String("EUR"),
		dunning.AttrMaxDaysLate:      n("30"),
		dunning.AttrBrokenPromises:   n("1"),
		dunning.AttrRecentDisputes:   n("1"),
	}
	if diff := cmp.Diff(want, got, cmp.Comparer(func(x, y segment.Value) bool { return x.Equal(y) })); diff != "" {
		t.Errorf("attributes (-want +got):\n%s", diff)
	}
	// With nothing settled, the settled-based attributes are absent.
	only := dunning.HistoryAttributes(day("2026-04-20"), []*dunning.Invoice{c})
	for _, k := range []string{dunning.AttrAvgDaysLate, dunning.AttrWeightedDaysLate, dunning.AttrOnTimeShare} {
		if _, ok := only[k]; ok {
			t.Errorf("%s present with nothing settled", k)
		}
	}
}

// A customer's segment changes after its invoice (due 2026-03-31) got
// "overdue-1" (due+14 = 04-14) under "standard". By default the invoice
// keeps "standard" until its cycle ends: overdue-2 on 04-30 (due+30). With
// SwitchMidCycle it moves to "tight" at once, where the steps dated on or
// before the last notice (t-1 at due+10 = 04-10) count as done, so its next
// step is t-2 at due+20 = 04-20.
func TestSegmentSwitchMidCycle(t *testing.T) {
	at := func(s string) schedule.Offset {
		o, err := schedule.ParseOffset(s)
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	tight := dunning.Workflow{Name: "tight", Steps: []dunning.Step{
		{Name: "t-1", At: at("due+10"), Action: dunning.Email},
		{Name: "t-2", At: at("due+20"), Action: dunning.Email},
		{Name: "t-3", At: at("due+25"), Action: dunning.Email},
	}}
	rules, err := segment.Parse([]byte(`{"rules": [{"name": "risky", "when": {"attr": "risk", "op": "eq", "value": "high"}, "workflow": "tight"}], "default": {"workflow": "standard"}}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		switchNow bool
		want      []string
	}{
		{false, []string{"2026-04-14 standard/overdue-1", "2026-04-30 standard/overdue-2"}},
		{true, []string{"2026-04-14 standard/overdue-1", "2026-04-20 tight/t-2", "2026-04-25 tight/t-3"}},
	} {
		pol := dunningtest.Policy(dunning.DefaultWorkflow("standard"), tight)
		pol.Segments = rules
		pol.SwitchMidCycle = tc.switchNow
		if err := pol.Validate(); err != nil {
			t.Fatal(err)
		}
		pf := onePortfolio()
		pf.Customers[0].Attributes = segment.Attrs{"risk": segment.String("low")}
		st := memory.New()
		var got []string
		for d := day("2026-04-14"); d <= day("2026-04-30"); d++ {
			if d == day("2026-04-15") {
				pf.Customers[0].Attributes["risk"] = segment.String("high")
			}
			h, _ := st.History(context.Background())
			pf.History = h
			for _, a := range runDay(t, pol, st, pf, d) {
				got = append(got, d.String()+" "+a.Workflow+"/"+a.Step)
			}
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("switch=%v (-want +got):\n%s", tc.switchNow, diff)
		}
	}
}

// Route on a policy without segments routes to its first workflow; one
// with no workflows either (Validate refuses it) names none, never panics.
func TestRouteWithoutSegments(t *testing.T) {
	c := dunningtest.Customer("c1")
	if m := stdPolicy().Route(day("2026-04-14"), &c, nil); m.Workflow != "standard" || !m.Default {
		t.Errorf("Route: %+v, want the default to workflow standard", m)
	}
	var empty dunning.Policy
	if m := empty.Route(day("2026-04-14"), &c, nil); m.Workflow != "" || !m.Default {
		t.Errorf("Route on an empty policy: %+v", m)
	}
}
