package main

import (
	"strings"
	"testing"
	"time"
)

// The quickstart's promises, checked against its own output: customers are
// routed to different workflows, the plan has the six actions worked out
// for 2026-11-24, the disputed and the paid invoice get none, six notices
// go out once (two of them for instalments of one invoice), the unapplied
// payment is deducted, and reruns send nothing.
func TestQuickstart(t *testing.T) {
	var out strings.Builder
	if err := run(&out, time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	for _, want := range []string{
		"Acme Maschinenbau AG   -> enterprise by rule enterprise",
		"Bistro Lumière Ltd     -> high-risk  by rule risky",
		"Corner Hardware Inc    -> standard   by rule (default)",
		"== Plan for 2026-11-24 (5 actions, nothing sent yet)",
		"disputed since 2026-11-05",
		"paid: the open balance is 0",
		"--- email to ap@acme.example",
		"Subject: Letzte Mahnung",
		"Cc: Jana Vogel <j.vogel@acme.example>\nAttached: inv-1001.pdf (",
		"run 1: 5 planned, 5 sent",
		"run 2: 5 planned, 0 sent, 5 already done",
		// Instalments: inv-3003's second part is dunned and its third
		// reminded on one notice, its PDF attached once; the interest
		// (8 % on 1,000.00 for 24 days: 5.26) names its instalment.
		"(instalment 2 of 3)",
		"(instalment 3 of 3)",
		"Attached: inv-3003.pdf (32 bytes)\nSubject: Overdue: USD 2,005.26",
		"Contractual interest on invoice inv-3003, instalment 2 of 3: 8 % a year on USD 1,000.00 for 24 days",
		// Acme's unapplied EUR 2,000 is deducted on its notice:
		// 12,400.00 + 3,150.50 + interest 122.30 + 9.67 - 2,000.00.
		"- Zahlung vom 20. November 2026 (Referenz SEPA 55120), noch keiner Rechnung zugeordnet: -2.000,00 EUR",
		"Gesamtbetrag: 13.682,47 EUR",
		"== Statement of account for Acme",
		"Endsaldo am 24. November 2026: 13.550,50 EUR",
		"run 3 (plans afresh): 0 planned",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	// What the customers read: the German first notice claims no earlier
	// reminder and carries no English payment text; the US customer gets US
	// dates; nobody reads a workflow name.
	acme := s[strings.Index(s, "--- email to ap@acme.example"):]
	acme = acme[:strings.Index(acme[1:], "\n--- ")+1]
	for _, bad := range []string{"trotz", "Please", "Inkasso", "Kosten gehen"} {
		if strings.Contains(acme, bad) {
			t.Errorf("Acme's first notice says %q", bad)
		}
	}
	if !strings.Contains(s, "Date: November 24, 2026") {
		t.Error("the US customer's notice lacks US dates")
	}
	// Each notice as the customer gets it: after the writer's header line
	// (which shows the operator the key), no workflow name and no key.
	for _, block := range strings.Split(s, "\n--- email to ")[1:] {
		_, body, _ := strings.Cut(block, "\n")
		if i := strings.Index(body, "\n== "); i >= 0 {
			body = body[:i]
		}
		for _, internal := range []string{"high-risk", "enterprise", "standard", "inv/", "cust/"} {
			if strings.Contains(body, internal) {
				t.Errorf("a notice shows %q:\n%s", internal, body)
			}
		}
	}
	if n := strings.Count(s, "Attached: inv-3003.pdf"); n != 1 {
		t.Errorf("inv-3003.pdf attached %d times, want once", n)
	}
	if n := strings.Count(s, "\n--- email to "); n != 5 {
		t.Errorf("%d notices written, want 5", n)
	}
}

// The quickstart asks about each customer on its own local day, as the
// runner plans it: at 23:30 UTC on 24 November it is already 25 November
// in Berlin, so Acme's statement closes on 25 November (before the fix on
// the UTC day, 24 November).
func TestQuickstartUsesTheCustomersDay(t *testing.T) {
	var out strings.Builder
	if err := run(&out, time.Date(2026, 11, 24, 23, 30, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	if s := out.String(); !strings.Contains(s, "Endsaldo am 25. November 2026") {
		t.Errorf("Acme's statement does not close on its local day, 25 November:\n%s", s[strings.Index(s, "== Statement of account"):])
	}
}
