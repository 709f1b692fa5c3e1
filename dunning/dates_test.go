package dunning_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/dunningtest"
)

// TestStrictDatesEveryType: every record type the app hands the library
// refuses an impossible day in plain json.Unmarshal, naming field and value
// (date.Date alone rolls "2026-13-45" over to 2027-02-14).
func TestStrictDatesEveryType(t *testing.T) {
	cases := []struct {
		into  any
		json  string
		field string
		value string
	}{
		{&dunning.Invoice{}, `{"id":"i1","due":"2026-13-45"}`, "invoice.due", "2026-13-45"},
		{&dunning.Invoice{}, `{"id":"i1","issued":"2026-02-30"}`, "invoice.issued", "2026-02-30"},
		{&dunning.Invoice{}, `{"id":"i1","written_off":"2026-04-31"}`, "invoice.written_off", "2026-04-31"},
		{&dunning.Invoice{}, `{"id":"i1","payments":[{"date":"2026-02-29","amount":"1"}]}`, "invoice.payments[0].date", "2026-02-29"},
		{&dunning.Invoice{}, `{"id":"i1","credits":[{"date":"2026-00-10","amount":"1"}]}`, "invoice.credits[0].date", "2026-00-10"},
		{&dunning.Invoice{}, `{"id":"i1","dispute":{"opened":"2026-06-31"}}`, "invoice.dispute.opened", "2026-06-31"},
		{&dunning.Invoice{}, `{"id":"i1","promise":{"made":"2026-01-01","pay_by":"2026-09-31","amount":"1"}}`, "invoice.promise.pay_by", "2026-09-31"},
		{&dunning.Invoice{}, `{"id":"i1","hold":{"since":"2026-11-31"}}`, "invoice.hold.since", "2026-11-31"},
		{&dunning.Invoice{}, `{"id":"i1","due":"31.12.2026"}`, "invoice.due", "31.12.2026"},
		{&dunning.Invoice{}, `{"id":"i1","due":20261231}`, "invoice.due", "20261231"},
		{&dunning.Customer{}, `{"id":"c1","hold":{"since":"2026-01-01","until":"2026-02-30"}}`, "customer.hold.until", "2026-02-30"},
		{&dunning.Agreement{}, `{"id":"a1","effective":"2025-02-29"}`, "agreement.effective", "2025-02-29"},
		{&dunning.Agreement{}, `{"id":"a1","charges":{"interest":{"regime":"de-b2b"},"rates":[{"from":"2026-01-32","percent":"1.27"}]}}`, "agreement.charges.rates[0].from", "2026-01-32"},
		{&dunning.Event{}, `{"id":"e1","kind":"payment","date":"2026-13-01"}`, "event.date", "2026-13-01"},
		{&dunning.Event{}, `{"id":"e1","kind":"hold","date":"2026-01-01","until":"2026-02-30"}`, "event.until", "2026-02-30"},
		{&dunning.Hold{}, `{"since":"2026-02-30"}`, "hold.since", "2026-02-30"},
		{&dunning.Promise{}, `{"made":"2026-02-30"}`, "promise.made", "2026-02-30"},
		{&dunning.Dispute{}, `{"opened":"2026-01-01","resolved":"2026-02-31"}`, "dispute.resolved", "2026-02-31"},
		{&dunning.Payment{}, `{"date":"2026-02-30","amount":"1"}`, "payment.date", "2026-02-30"},
		{&dunning.Credit{}, `{"date":"2026-02-30","amount":"1"}`, "credit.date", "2026-02-30"},
		// A misspelt key is an error, not a silently missing date.
		{&dunning.Invoice{}, `{"id":"i1","due_date":"2026-12-31"}`, "invoice.due_date", "due_date"},
		{&dunning.Customer{}, `{"id":"c1","timezone":"Europe/Berlin"}`, "customer.timezone", "timezone"},
		// Unknown fields, types and syntax inside nested records: the full path.
		{&dunning.Invoice{}, `{"id":"i1","payments":[{"date":"2026-02-01","amount":"1"},{"date":"2026-02-02","amont":"1"}]}`, "invoice.payments[1].amont", "amont"},
		{&dunning.Invoice{}, `{"id":"i1","cycle":"two"}`, "invoice.cycle", "two"},
		{&dunning.Invoice{}, `{"id":"i1","cycle":1.5}`, "invoice.cycle", "1.5"},
		{&dunning.Invoice{}, `{"id":"i1","lines":{"description":"x"}}`, "invoice.lines", `{"description":"x"}`},
		{&dunning.Invoice{}, `{"id":"i1","amount":"ten"}`, "invoice.amount", "ten"},
		{&dunning.Invoice{}, `{"id":"i1","litigation":"yes"}`, "invoice.litigation", "yes"},
		{&dunning.Event{}, `{"id":"e1","kind":"payment","date":"2026-01-01","amount":[1]}`, "event.amount", "[1]"},
		{&dunning.Customer{}, `{"id":"c1","hold":{"since":"2026-01-01","why":"x"}}`, "customer.hold.why", "why"},
		{&dunning.Agreement{}, `{"id":"a1","charges":{"compensation":"yes"}}`, "agreement.charges.compensation", "yes"},
	}
	for _, c := range cases {
		err := json.Unmarshal([]byte(c.json), c.into)
		var fe *dunning.FieldError
		if !errors.As(err, &fe) || !errors.Is(err, dunning.ErrInvalid) {
			t.Errorf("Unmarshal(%s) into %T = %v; want a *FieldError", c.json, c.into, err)
			continue
		}
		if fe.Field != c.field || fe.Value != c.value {
			t.Errorf("Unmarshal(%s): field %q value %q; want %q %q", c.json, fe.Field, fe.Value, c.field, c.value)
		}
	}
	// Portfolios decoded as a whole fail the same way.
	var pf struct{ Invoices []dunning.Invoice }
	if err := json.Unmarshal([]byte(`{"Invoices":[{"id":"ok","due":"2026-01-31"},{"id":"bad","due":"2026-13-45"}]}`), &pf); err == nil || !strings.Contains(err.Error(), "2026-13-45") {
		t.Errorf("portfolio with an impossible day: %v", err)
	}
}

// TestStrictDatesRoundTrip: what the library marshals it decodes to the
// same record; real days (29 February in a leap year, 31 December) decode.
func TestStrictDatesRoundTrip(t *testing.T) {
	day := dunningtest.Day
	inv := dunningtest.Invoice("i1", "c1", day("2028-02-29"), day("2028-12-31"), "100.00", "EUR")
	inv.AgreementID = "a1"
	inv.Payments = []dunning.Payment{{Date: day("2028-03-01"), Amount: dunningtest.Amount("10"), Ref: "p"}}
	inv.Credits = []dunning.Credit{{Date: day("2028-03-02"), Amount: dunningtest.Amount("5")}}
	inv.Dispute = &dunning.Dispute{Opened: day("2028-04-01"), Resolved: day("2028-04-30"), Reason: "r"}
	inv.Promise = &dunning.Promise{Made: day("2028-05-01"), PayBy: day("2028-05-31"), Amount: dunningtest.Amount("50"), Kept: day("2028-05-20")}
	inv.Hold = &dunning.Hold{Since: day("2028-06-01"), Until: day("2028-06-30"), Reason: "h"}
	inv.WrittenOff = day("2029-01-31")
	b, err := json.Marshal(inv)
	if err != nil {
		t.Fatal(err)
	}
	var back dunning.Invoice
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatalf("Unmarshal(%s): %v", b, err)
	}
	if diff := cmp.Diff(inv, back, dunningtest.CmpOptions()...); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if back.Issued != day("2028-02-29") || back.Due != day("2028-12-31") {
		t.Errorf("dates = %s %s", back.Issued, back.Due)
	}
	ev := dunning.Event{ID: "e", Kind: dunning.HoldPlaced, InvoiceID: "i1", Date: day("2028-01-01"), Until: day("2028-01-31")}
	b, _ = json.Marshal(ev)
	var evBack dunning.Event
	if err := json.Unmarshal(b, &evBack); err != nil || evBack != ev {
		t.Errorf("event round trip: %+v, %v", evBack, err)
	}
	// Fields absent from the JSON keep their value, as encoding/json does.
	keep := dunning.Invoice{Due: day("2026-01-31")}
	if err := json.Unmarshal([]byte(`{"id":"x"}`), &keep); err != nil || keep.Due != day("2026-01-31") || keep.ID != "x" {
		t.Errorf("partial decode: %+v, %v", keep, err)
	}
}
