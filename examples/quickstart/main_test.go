package main

import (
	"strings"
	"testing"
	"time"
)

// The quickstart's promises, checked against its own output: customers are
// routed to different workflows, the plan has the four actions worked out
// for 2026-11-24, the disputed and the paid invoice get none, four notices
// go out once, and reruns send nothing.
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
		"== Plan for 2026-11-24 (4 actions, nothing sent yet)",
		"disputed since 2026-11-05",
		"paid: the open balance is 0",
		"--- email to ap@acme.example",
		"Subject: Letzte Mahnung",
		"Cc: Jana Vogel <j.vogel@acme.example>\nAttached: inv-1001.pdf (",
		"run 1: 4 planned, 4 sent",
		"run 2: 4 planned, 0 sent, 4 already done",
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
	if n := strings.Count(s, "\n--- email to "); n != 4 {
		t.Errorf("%d notices written, want 4", n)
	}
}
