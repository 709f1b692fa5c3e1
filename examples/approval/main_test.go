package main

import (
	"strings"
	"testing"
	"time"
)

// The approval example's promises, checked against its output: nothing
// needing approval goes out unreviewed; after the reviews only the approved
// letter is sent; the skip runs out after a week and the hold does not.
func TestApproval(t *testing.T) {
	var out strings.Builder
	if err := run(&out, time.Date(2026, 5, 15, 9, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	run1, rest, _ := strings.Cut(s, "== The collector")
	run2, run3, _ := strings.Cut(rest, "== Run 3")
	if strings.Count(run1, "awaiting-approval") != 3 || strings.Contains(run1, " sent") {
		t.Errorf("run 1:\n%s", run1)
	}
	if !strings.Contains(run2, "inv/c-acme/inv-acme/b2b/letter-before-action/c0  sent") || strings.Count(run2, "letter to ") != 1 ||
		strings.Contains(run2, "c-bolt/inv") || strings.Contains(run2, "c-cog/inv") {
		t.Errorf("run 2:\n%s", run2)
	}
	if !strings.Contains(run3, "inv/c-bolt/inv-bolt/b2b/letter-before-action/c0  awaiting-approval") || strings.Contains(run3, "c-cog") || strings.Contains(run3, "c-acme") {
		t.Errorf("run 3:\n%s", run3)
	}
}
