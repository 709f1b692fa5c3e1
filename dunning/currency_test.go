package dunning_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/charge"
	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
)

func TestRegimeChargesAcrossCurrencies(t *testing.T) {
	// Issue 14 item 7. DE B2B with compensation; Basiszinssatz 1.27 from
	// 2026-01-01, so 10.27 %. Two 1000.00 invoices due 2026-03-31, one EUR
	// and one USD, at overdue-1 on 2026-04-14 (14 days of interest,
	// 04-01..04-14, act/365):
	//   EUR: interest 1000 x 10.27 x 14 / 36500 = 3.939... = 3.94,
	//        compensation 40.00, total 1043.94.
	//   USD: the regime covers EUR only. Without a contract rate and FX:
	//        no interest, no compensation, total 1000.00, no Problem, the
	//        reason says what was left off and why.
	//   USD with a contract rate of 8 % and FX at 1.10 USD per EUR:
	//        interest 1000 x 8 x 14 / 36500 = 3.068... = 3.07, compensation
	//        40 x 1.10 = 44.00, total 1047.07.
	pol := stdPolicy()
	pol.Charges = &dunning.Charges{Interest: &charge.Interest{Regime: charge.DEB2B},
		Rates: charge.RateTable{{From: day("2026-01-01"), Percent: dunningtest.Amount("1.27")}}, Compensation: true}
	pf := onePortfolioAt(2)
	usd := dunningtest.Invoice("i2", "c1", day("2026-03-02"), day("2026-03-31"), "1000.00", "USD")
	pf.Invoices[0].Amount, pf.Invoices[0].Lines[0].Amount = dunningtest.Amount("1000.00"), dunningtest.Amount("1000.00")
	pf.Invoices = append(pf.Invoices, usd)
	pf.History.(dunning.HistoryMap)["i2"] = dunning.Progress{InvoiceID: "i2", Workflow: "standard", Step: 2, Last: day("2026-03-31")}
	check := func(wantEUR, wantUSD []string, note string) {
		t.Helper()
		acts, err := dunning.Plan(day("2026-04-14"), pol, pf)
		if err != nil {
			t.Fatal(err)
		}
		if len(acts) != 2 {
			t.Fatalf("want 2 actions, got %d", len(acts))
		}
		for _, a := range acts {
			if a.Problem != "" {
				t.Errorf("%s: problem %s", a.Key, a.Problem)
			}
			want := wantEUR
			if a.Currency == "USD" {
				want = wantUSD
			}
			got := []string{a.Interest.StringFixed(2), a.Fees.StringFixed(2), a.Notice.Total.StringFixed(2)}
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("%s: interest, fees, total = %v, want %v", a.Currency, got, want)
			}
			if a.Currency == "USD" && (note == "") != !strings.Contains(a.Reason, "compensation omitted") {
				t.Errorf("USD reason %q, want the note %q", a.Reason, note)
			}
			if a.Currency == "USD" && note != "" && !strings.Contains(a.Reason, note) {
				t.Errorf("USD reason %q, want it to say %q", a.Reason, note)
			}
		}
	}
	check([]string{"3.94", "40.00", "1043.94"}, []string{"0.00", "0.00", "1000.00"}, "regime de-b2b grants it in EUR and the policy has no FX function to give it in USD")
	ex, err := dunning.Explain(day("2026-04-14"), pol, pf, "i2")
	if err != nil {
		t.Fatal(err)
	}
	if len(ex.Notes) != 2 || !strings.Contains(ex.Notes[0], "no interest on invoice INV-i2: regime de-b2b covers EUR invoices") {
		t.Errorf("explain notes %q", ex.Notes)
	}

	pol.Charges.Interest.Rate = dunningtest.Amount("8")
	pol.FX = func(amount decimal.Decimal, from, to dunning.Currency, on date.Date) (decimal.Decimal, error) {
		switch {
		case from == "EUR" && to == "USD":
			return amount.Mul(dunningtest.Amount("1.10")), nil
		case from == "USD" && to == "EUR":
			return amount.Div(dunningtest.Amount("1.10")), nil
		}
		return decimal.Zero, errors.New("no rate")
	}
	check([]string{"3.94", "40.00", "1043.94"}, []string{"3.07", "44.00", "1047.07"}, "")

	// An FX function that fails leaves the compensation off, never blocks.
	pol.FX = func(decimal.Decimal, dunning.Currency, dunning.Currency, date.Date) (decimal.Decimal, error) {
		return decimal.Zero, errors.New("rate service down")
	}
	check([]string{"3.94", "40.00", "1043.94"}, []string{"3.07", "0.00", "1003.07"}, "converting USD 1000.00 into EUR: rate service down")
}
