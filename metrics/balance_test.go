package metrics_test

import (
	"slices"
	"testing"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/overduehq/overdue/metrics"
)

// By hand, on 2026-05-15: c1 owes i1 (EUR 900.00 in three instalments of
// 300.00 due 04-01, 05-01, 06-01; 400.00 paid 04-10: instalment 2 owes
// 200.00, instalment 3 is not due) and holds 250.00 EUR unapplied: net
// 200 - 250 = -50, covered. c2 owes i2 (EUR 100.00 due 04-30) and holds
// USD 80.00 unapplied, not netted: EUR net 100, USD net -80.
// EUR: overdue 300, unapplied 250, net 50, collectible 100, 2 customers,
// 1 covered. Aging by due date: instalment 3 (300.00) is current,
// instalment 2 (200.00) and i2 (100.00) in 1-30.
func TestNetReceivablesAndInstalmentAging(t *testing.T) {
	i1 := dunningtest.Invoice("i1", "c1", day("2026-03-01"), day("2026-06-01"), "900.00", "EUR")
	i1.Schedule = []dunning.Instalment{{Due: day("2026-04-01"), Amount: amt("300")}, {Due: day("2026-05-01"), Amount: amt("300")}, {Due: day("2026-06-01"), Amount: amt("300")}}
	i1.Payments = []dunning.Payment{{Date: day("2026-04-10"), Amount: amt("400")}}
	i2 := dunningtest.Invoice("i2", "c2", day("2026-04-01"), day("2026-04-30"), "100.00", "EUR")
	un := []dunning.Unapplied{
		{ID: "u1", CustomerID: "c1", Kind: dunning.UnappliedPayment, Currency: "EUR", Date: day("2026-05-02"), Amount: amt("250")},
		{ID: "u2", CustomerID: "c2", Kind: dunning.UnappliedCredit, Currency: "USD", Date: day("2026-05-02"), Amount: amt("80")},
	}
	asOf := day("2026-05-15")
	got := metrics.NetReceivables(slices.Values([]dunning.Invoice{i1, i2}), un, asOf)
	eur, usd := got["EUR"], got["USD"]
	if eur == nil || !eur.Overdue.Equal(amt("300")) || !eur.Unapplied.Equal(amt("250")) || !eur.Net.Equal(amt("50")) ||
		!eur.Collectible.Equal(amt("100")) || eur.Customers != 2 || eur.Covered != 1 {
		t.Errorf("EUR %+v", eur)
	}
	if usd == nil || !usd.Net.Equal(amt("-80")) || usd.Covered != 1 {
		t.Errorf("USD %+v", usd)
	}
	ag, err := metrics.AgingReport(slices.Values([]dunning.Invoice{i1, i2}), asOf, []int{30, 60}, metrics.ByDueDate)
	if err != nil {
		t.Fatal(err)
	}
	b := ag["EUR"].Buckets
	if !b[0].Amount.Equal(amt("300")) || b[0].Count != 1 || !b[1].Amount.Equal(amt("300")) || b[1].Count != 2 || !ag["EUR"].Total.Equal(amt("600")) {
		t.Errorf("aging %+v", b)
	}
}
