package dunning_test

import (
	"strings"
	"testing"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/overduehq/overdue/notice"
)

func TestEndOfMonthPreviousAndMonthlyRateFromJSON(t *testing.T) {
	// Issue 14 item 11. A 1000.00 EUR invoice issued 2026-01-15, due
	// 2026-02-14, no agreement. Steps:
	//   due        at due          = 02-14
	//   overdue-1  at eom(due+30)  = eom(03-16) = 03-31
	//   final      at previous+10  = 03-31 + 10 = 04-10
	// Interest 1.5 % a month, act/360: 18 % a year. To 03-31: 14 days of
	// February (15-28) + 31 of March = 45 days, 1000 x 18 x 45 / 36000 =
	// 22.50; to 04-10: 55 days, 27.50.
	pol, err := dunning.ParsePolicy([]byte(`{
	  "workflows": [{"name": "eom", "steps": [
	    {"name": "due", "at": "due", "action": "email"},
	    {"name": "overdue-1", "at": "eom(due+30)", "action": "email"},
	    {"name": "final", "at": "previous+10", "action": "email"}]}],
	  "charges": {"interest": {"rate": "1.5", "per": "month", "day_count": "act/360"}},
	  "creditor": {"name": "Northwind GmbH", "address": ["Hafenstraße 12", "20457 Hamburg"]},
	  "payment": {"text": "Please transfer the amount due.", "iban": "DE89370400440532013000"}
	}`))
	if err != nil {
		t.Fatal(err)
	}
	c := dunningtest.Customer("c1")
	inv := dunningtest.Invoice("i1", "c1", day("2026-01-15"), day("2026-02-14"), "1000.00", "EUR")
	pf := dunning.Portfolio{Customers: []dunning.Customer{c}, Invoices: []dunning.Invoice{inv},
		History: dunning.HistoryMap{"i1": {InvoiceID: "i1", Workflow: "eom", Step: 0, Last: day("2026-02-14")}}}
	dunningtest.ExpectNothing(t, pol, pf, day("2026-03-30"))
	acts := dunningtest.ExpectStep(t, pol, pf, "i1", day("2026-03-31"), "overdue-1")
	if n := acts[0].Notice; n.Stage != notice.OverdueNotice || !acts[0].Interest.Equal(dunningtest.Amount("22.50")) || !n.Total.Equal(dunningtest.Amount("1022.50")) {
		t.Errorf("03-31: stage %v interest %s total %s, want overdue notice, 22.50, 1022.50", n.Stage, acts[0].Interest, n.Total)
	}
	pf.History = dunning.HistoryMap{"i1": {InvoiceID: "i1", Workflow: "eom", Step: 1, Last: day("2026-03-31")}}
	dunningtest.ExpectNothing(t, pol, pf, day("2026-04-09"))
	acts = dunningtest.ExpectStep(t, pol, pf, "i1", day("2026-04-10"), "final")
	if n := acts[0].Notice; n.Stage != notice.FinalNotice || !acts[0].Interest.Equal(dunningtest.Amount("27.50")) {
		t.Errorf("04-10: stage %v interest %s, want final notice, 27.50", n.Stage, acts[0].Interest)
	}
	if n := acts[0].Notice; len(n.Interest) != 1 || !n.Interest[0].Rate.Equal(dunningtest.Amount("18")) {
		t.Errorf("interest charge %+v, want the annual rate 18", n.Interest)
	}

	// "previous" on the first step is refused, naming the field.
	_, err = dunning.ParsePolicy([]byte(`{"creditor": {"name": "X"}, "workflows": [{"name": "w", "steps": [{"name": "s", "at": "previous+10", "action": "email"}]}]}`))
	if err == nil || !containsAll(err.Error(), "workflows[0].steps[0].at", "previous+10") {
		t.Errorf("previous on the first step: %v", err)
	}
	_, err = dunning.ParsePolicy([]byte(`{"creditor": {"name": "X"}, "workflows": [{"name": "w", "steps": [{"name": "s", "at": "due", "action": "email"}]}],
	  "charges": {"interest": {"rate": "1.5", "per": "fortnight"}}}`))
	if err == nil || !containsAll(err.Error(), "per", "fortnight") {
		t.Errorf("unknown rate period: %v", err)
	}
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
