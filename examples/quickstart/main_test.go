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
		"run 1: 4 planned, 4 sent",
		"run 2: 4 planned, 0 sent, 4 already done",
		"run 3 (plans afresh): 0 planned",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if n := strings.Count(s, "\n--- email to "); n != 4 {
		t.Errorf("%d notices written, want 4", n)
	}
}
