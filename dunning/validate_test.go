package dunning_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/overduehq/overdue/schedule"
	"github.com/overduehq/overdue/segment"
	"github.com/overduehq/overdue/store/memory"
)

// TestRejectedActions pins the shape of a rejection: one action per bad
// record, keyed by the record, listing the invoices left unplanned because
// of it, with the field and value in Problem; the Runner reports it and
// claims nothing.
func TestRejectedActions(t *testing.T) {
	pf := hostilePortfolio()
	pf.Customers[1].TimeZone = "Mars/Olympus"
	second := pf.Invoices[1]
	second.ID, second.Number = "ibad2", "INV-ibad2"
	pf.Invoices = append(pf.Invoices, second)
	// A third customer with a bad agreement, and an invoice with no due date.
	pf.Customers = append(pf.Customers, dunningtest.Customer("c3"))
	a3 := dunningtest.Agreement("a3", "c3", day("2026-03-01"), "EUR")
	a3.GraceDays = -10
	pf.Agreements = append(pf.Agreements, a3)
	i3 := dunningtest.Invoice("i3", "c3", day("2026-03-01"), day("2026-03-31"), "10.00", "EUR")
	i3.AgreementID = "a3"
	i4 := dunningtest.Invoice("i4", "c3", day("2026-03-01"), 0, "10.00", "EUR")
	pf.Invoices = append(pf.Invoices, i3, i4)

	acts, err := dunning.Plan(hostileAsOf, hostilePolicy(), pf)
	if err != nil {
		t.Fatal(err)
	}
	type rej struct{ Key, Customer, Invoices, Problem string }
	var got []rej
	planned := map[string]bool{}
	for _, a := range acts {
		if a.Kind != dunning.Rejected {
			planned[strings.Join(a.InvoiceIDs, ",")] = true
			continue
		}
		if a.Date != hostileAsOf {
			t.Errorf("%s: date %s, want the planning day", a.Key, a.Date)
		}
		got = append(got, rej{a.Key, a.CustomerID, strings.Join(a.InvoiceIDs, ","), a.Problem})
	}
	want := []rej{
		{"rejected/customer/bad", "bad", "ibad,ibad2", `dunning: customer[bad].time_zone: "Mars/Olympus" is not an IANA time zone`},
		{"rejected/agreement/a3", "c3", "i3", `dunning: agreement[a3].grace_days: "-10" must be between 0 and 365`},
		{"rejected/invoice/c3/i4", "c3", "i4", `dunning: invoice[i4].due: "" must be set`},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rejections (-want +got):\n%s", diff)
	}
	if !planned["igood"] || len(planned) != 1 {
		t.Errorf("planned %v, want only igood", planned)
	}

	st := memory.New()
	r := &dunning.Runner{Policy: hostilePolicy(), Store: st, Sender: &dunningtest.Sender{}, Clock: dunningtest.ClockAt(hostileAsOf), Owner: "t"}
	rep, err := r.Execute(context.Background(), acts)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Counts[dunning.StatusProblem] != 3 || rep.Counts[dunning.StatusSent] != 1 {
		t.Errorf("report counts %v, want 3 problems and 1 sent", rep.Counts)
	}
	recs, err := st.Records(context.Background())
	if err != nil || len(recs) != 1 || recs[0].CustomerID != "good" {
		t.Errorf("records: %+v, %v; want the good customer's one", recs, err)
	}

	ex, err := dunning.Explain(hostileAsOf, hostilePolicy(), pf, "i4")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(ex.Reason, "not planned") || !strings.Contains(ex.Reason, "invoice[i4].due") {
		t.Errorf("Explain(i4).Reason = %q", ex.Reason)
	}
}

// TestRecordValidate: the exported Validate methods refuse what Plan
// rejects and accept the kit's records.
func TestRecordValidate(t *testing.T) {
	c := dunningtest.Customer("c1")
	a := dunningtest.Agreement("a1", "c1", day("2026-03-01"), "EUR")
	inv := dunningtest.Invoice("i1", "c1", day("2026-03-01"), day("2026-03-31"), "100.00", "EUR")
	for name, err := range map[string]error{"customer": c.Validate(), "agreement": a.Validate(), "invoice": inv.Validate()} {
		if err != nil {
			t.Errorf("kit %s: %v", name, err)
		}
	}
	for _, lang := range []string{"en", "de-AT", "sr-Latn-RS", "zh-Hant-TW", ""} {
		c.Language = lang
		if err := c.Validate(); err != nil {
			t.Errorf("language %q: %v", lang, err)
		}
	}
	for _, lang := range []string{"de\r\nX", "english", "de_AT!", " en"} {
		c.Language = lang
		var fe *dunning.FieldError
		if err := c.Validate(); !errors.As(err, &fe) || fe.Field != "customer[c1].language" || fe.Value != lang {
			t.Errorf("language %q: %v", lang, err)
		}
	}
	a.GraceDays = dunning.MaxGraceDays
	if err := a.Validate(); err != nil {
		t.Errorf("grace %d: %v", dunning.MaxGraceDays, err)
	}
	a.GraceDays = dunning.MaxGraceDays + 1
	if err := a.Validate(); err == nil {
		t.Errorf("grace %d accepted", a.GraceDays)
	}
}

// TestPlanAtUnknownZone: PlanAt plans every customer whose zone loads, each
// on its own today, and rejects the one whose zone does not, dated in UTC.
func TestPlanAtUnknownZone(t *testing.T) {
	pf := hostilePortfolio()
	pf.Customers[0].TimeZone = "Pacific/Kiritimati" // UTC+14
	pf.Customers[1].TimeZone = "Mars/Olympus"
	// 2026-04-13 11:00 UTC is 2026-04-14 01:00 in Kiritimati: overdue-1
	// (due 03-31 + 14 = 04-14) is due there, not yet in UTC.
	now := day("2026-04-13").MidnightUTC().Add(11 * time.Hour)
	acts, err := dunning.PlanAt(now, hostilePolicy(), pf)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range acts {
		got = append(got, a.Key+" "+a.Date.String()+" "+a.Problem)
	}
	want := []string{
		`rejected/customer/bad 2026-04-13 dunning: customer[bad].time_zone: "Mars/Olympus" is not an IANA time zone`,
		"inv/good/igood/std/overdue-1/c0 2026-04-14 ",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("PlanAt (-want +got):\n%s", diff)
	}
}

// TestPlanAtLocalZone: "Local" is the machine's zone, not an IANA one, so
// the same PlanAt call would plan different days on different hosts; the
// customer is rejected like one with an unknown zone, and the others are
// planned.
func TestPlanAtLocalZone(t *testing.T) {
	pf := hostilePortfolio()
	pf.Customers[1].TimeZone = "Local"
	var fe *dunning.FieldError
	if err := pf.Customers[1].Validate(); !errors.As(err, &fe) || !strings.HasSuffix(fe.Field, "time_zone") || fe.Value != "Local" {
		t.Fatalf("Validate: %v, want an error naming time_zone and \"Local\"", err)
	}
	if _, err := pf.Customers[1].Location(); err == nil {
		t.Error("Location loads \"Local\"")
	}
	acts, err := dunning.PlanAt(day("2026-04-14").MidnightUTC().Add(11*time.Hour), hostilePolicy(), pf)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range acts {
		got = append(got, a.Key)
	}
	if want := []string{"rejected/customer/bad", "inv/good/igood/std/overdue-1/c0"}; !slices.Equal(got, want) {
		t.Errorf("PlanAt: %v, want %v", got, want)
	}
}

// TestFieldNamesKeepData: IDs and names holding format verbs appear in
// errors as they are.
func TestFieldNamesKeepData(t *testing.T) {
	inv := dunningtest.Invoice("i%d%s", "c1", day("2026-03-01"), day("2026-03-31"), "100.00", "EUR")
	inv.Payments = []dunning.Payment{{Date: day("2026-03-05"), Amount: dunningtest.Amount("-1")}}
	var fe *dunning.FieldError
	if err := inv.Validate(); !errors.As(err, &fe) || fe.Field != "invoice[i%d%s].payments[0].amount" {
		t.Errorf("Validate: %v", err)
	}
	a := dunningtest.Agreement("a%d", "c1", day("2026-03-01"), "EUR")
	a.Charges = &dunning.Charges{Interest: mustInterest("de-b2b")}
	if err := a.Validate(); !errors.As(err, &fe) || fe.Field != "agreement[a%d].charges.rates" {
		t.Errorf("Validate: %v", err)
	}
}

// TestUnappliedOfRejectedCustomer: the unapplied money of a customer
// rejected for its own data is rejected saying so, not as naming no
// customer; and the key of a rejected record is the same when the
// portfolio holds only its customer (as when the app plans the woken
// customers alone), since it counts the record's own occurrences, not its
// place among every customer's records.
func TestUnappliedOfRejectedCustomer(t *testing.T) {
	asOf := day("2026-03-01")
	c := dunningtest.Customer("c1")
	c.Language = "not a language!"
	un := func(id, cust, amount string) dunning.Unapplied {
		return dunning.Unapplied{ID: id, CustomerID: cust, Kind: dunning.UnappliedPayment, Currency: "EUR", Date: asOf, Amount: dunningtest.Amount(amount)}
	}
	pf := dunning.Portfolio{
		Customers: []dunning.Customer{c, dunningtest.Customer("c2")},
		Unapplied: []dunning.Unapplied{un("u0", "c2", "5.00"), un("u1", "c1", "5.00"), un("u2", "c2", "-5.00")},
	}
	problems := func(pf dunning.Portfolio) map[string]string {
		acts, err := dunning.Plan(asOf, stdPolicy(), pf)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, a := range acts {
			out[a.Key] = a.Problem
		}
		return out
	}
	got := problems(pf)
	if p := got["rejected/unapplied/c1/u1#0"]; !strings.Contains(p, `"c1" is a customer rejected today`) {
		t.Errorf("the unapplied record of the rejected customer: %q", p)
	}
	if _, ok := got["rejected/customer/c1"]; !ok {
		t.Errorf("customer c1 not rejected: %v", got)
	}
	bad := got["rejected/unapplied/c2/u2#0"]
	if !strings.Contains(bad, "u2") {
		t.Fatalf("the negative record of c2: %v", got)
	}
	cut := pf
	cut.Customers, cut.Unapplied = pf.Customers[1:], pf.Unapplied[2:]
	if p, ok := problems(cut)["rejected/unapplied/c2/u2#0"]; !ok || p != bad {
		t.Errorf("c2's rejected record alone: %q (found %v), want the same key and problem as in the whole portfolio", p, ok)
	}
}

// Policy.Validate names the field and the value of a bad send window or
// rule set, as a *FieldError (errors.Is ErrInvalid), as it does for the
// rest of the policy: a day that is no weekday (only Go code can set one),
// a start not before the end, an unknown operator in a rule.
func TestPolicyValidateWindowAndSegmentsFieldErrors(t *testing.T) {
	for _, tc := range []struct {
		name         string
		set          func(*dunning.Policy)
		field, value string
	}{
		{"day 7", func(p *dunning.Policy) {
			p.SendWindow = &schedule.SendWindow{Days: []time.Weekday{time.Monday, 7}}
		}, "send_window.days[1]", "7"},
		{"start after end", func(p *dunning.Policy) {
			p.SendWindow = &schedule.SendWindow{Start: 17 * time.Hour, End: 9 * time.Hour}
		}, "send_window.start", "17:00-09:00"},
		{"unknown op", func(p *dunning.Policy) {
			v := segment.Value{}
			p.Segments = &segment.RuleSet{Rules: []segment.Rule{{Name: "r", When: segment.Cond{Attr: "size", Op: "about", Value: &v}, Target: segment.Target{Workflow: "standard"}}},
				Default: segment.Target{Workflow: "standard"}}
		}, "segments.rules[0].when.op", "about"},
	} {
		pol := stdPolicy()
		tc.set(pol)
		err := pol.Validate()
		var fe *dunning.FieldError
		if !errors.As(err, &fe) || fe.Field != tc.field || fe.Value != tc.value || !errors.Is(err, dunning.ErrInvalid) {
			t.Errorf("%s: Validate = %v, want a FieldError on %s with value %q", tc.name, err, tc.field, tc.value)
		}
	}
}
