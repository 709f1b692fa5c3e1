package dunning_test

import (
	"strings"
	"testing"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/dunningtest"
)

// Explain shows the log entries about the invoice and about its customer
// as a whole, by date; not those about another invoice or customer.
func TestExplainShowsInteractions(t *testing.T) {
	day := dunningtest.Day
	pf := dunning.Portfolio{
		Customers: []dunning.Customer{dunningtest.Customer("c1"), dunningtest.Customer("c2")},
		Invoices: []dunning.Invoice{
			dunningtest.Invoice("i1", "c1", day("2026-03-02"), day("2026-03-31"), "100.00", "EUR"),
			dunningtest.Invoice("i2", "c1", day("2026-03-02"), day("2026-03-31"), "50.00", "EUR"),
			dunningtest.Invoice("i3", "c2", day("2026-03-02"), day("2026-03-31"), "50.00", "EUR"),
		},
		Interactions: []dunning.Interaction{
			{ID: "b", CustomerID: "c1", InvoiceIDs: []string{"i1"}, Kind: dunning.Call, Outcome: dunning.PromisedToPay, Date: day("2026-04-13"), FollowUp: day("2026-04-17"), By: "anna", Text: "will pay Friday"},
			{ID: "a", CustomerID: "c1", Kind: dunning.EmailReceived, Date: day("2026-04-10"), Text: "asked for a copy"},
			{ID: "c", CustomerID: "c1", InvoiceIDs: []string{"i2"}, Kind: dunning.Note, Date: day("2026-04-11"), Text: "about i2 only"},
			{ID: "d", CustomerID: "c2", Kind: dunning.Call, Date: day("2026-04-12"), Text: "another customer"},
		},
	}
	ex, err := dunning.Explain(day("2026-04-14"), dunningtest.Policy(dunning.DefaultWorkflow("standard")), pf, "i1")
	if err != nil {
		t.Fatal(err)
	}
	if len(ex.Interactions) != 2 || ex.Interactions[0].ID != "a" || ex.Interactions[1].ID != "b" {
		t.Fatalf("interactions %+v", ex.Interactions)
	}
	s := ex.String()
	want := "  contact: 2026-04-10 email-received: asked for a copy\n  contact: 2026-04-13 call (promised-to-pay by 2026-04-17) by anna: will pay Friday\n"
	if !strings.Contains(s, want) || strings.Contains(s, "i2 only") || strings.Contains(s, "another customer") {
		t.Errorf("explanation:\n%s\nwant it to hold:\n%s", s, want)
	}
}

// QuietUntil: the follow-up day, else the day after; nobody reached or a
// bare note keeps nobody quiet.
func TestInteractionQuietUntil(t *testing.T) {
	day := dunningtest.Day
	for _, tc := range []struct {
		in   dunning.Interaction
		want string
	}{
		{dunning.Interaction{Kind: dunning.Call, Date: day("2026-04-13")}, "2026-04-14"},
		{dunning.Interaction{Kind: dunning.Call, Outcome: dunning.PromisedToPay, Date: day("2026-04-13"), FollowUp: day("2026-04-20")}, "2026-04-20"},
		{dunning.Interaction{Kind: dunning.Call, Outcome: dunning.NoAnswer, Date: day("2026-04-13"), FollowUp: day("2026-04-20")}, ""},
		{dunning.Interaction{Kind: dunning.Note, Date: day("2026-04-13")}, ""},
		{dunning.Interaction{Kind: dunning.Note, Date: day("2026-04-13"), FollowUp: day("2026-04-15")}, "2026-04-15"},
		{dunning.Interaction{Kind: dunning.EmailReceived, Date: day("2026-04-13")}, "2026-04-14"},
	} {
		got := ""
		if q := tc.in.QuietUntil(); q != 0 {
			got = q.String()
		}
		if got != tc.want {
			t.Errorf("%+v: QuietUntil %s, want %s", tc.in, got, tc.want)
		}
	}
}
