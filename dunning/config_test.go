package dunning_test

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/overduehq/overdue/segment"
)

const policyJSON = `{
  "workflows": [
    {"name": "standard", "roll": "following", "min_gap_days": 5, "steps": [
      {"name": "due", "at": "due", "action": "email"},
      {"name": "overdue-1", "at": "due+14", "action": "email", "on_bounce": "letter"},
      {"name": "final", "at": "P30D", "action": "letter", "stage": "final-notice",
       "fee": {"kind": "per-notice", "amounts": {"EUR": "5.00"}}}]},
    {"name": "gentle", "grouping": "customer", "catch_up": "highest-only", "steps": [
      {"name": "overdue-1", "at": "due+21", "action": "email"}]}
  ],
  "segments": {"attributes": {"size": "string"},
    "rules": [{"name": "big", "when": {"attr": "size", "op": "eq", "value": "enterprise"}, "workflow": "gentle"}],
    "default": {"workflow": "standard"}},
  "calendar": {"weekend": ["saturday", "sunday"], "holidays": ["2026-04-03"]},
  "send_window": {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "17:00"},
  "creditor": {"name": "Northwind GmbH", "address": ["Hafenstraße 12", "20457 Hamburg"]},
  "payment": {"text": "Please transfer the amount due.", "iban": "DE89370400440532013000"},
  "templates": [{"language": "en", "stage": "overdue-notice", "workflow": "standard",
    "subject": "Reminder {{.Total}}", "text": "Please pay {{.Total}} by {{.PayBy}}."}]
}`

func TestParsePolicy(t *testing.T) {
	pol, err := dunning.ParsePolicy([]byte(policyJSON))
	if err != nil {
		t.Fatal(err)
	}
	if w := pol.SendWindow; w == nil || len(w.Days) != 5 || w.Start != 9*time.Hour || w.End != 17*time.Hour {
		t.Errorf("send window %+v", pol.SendWindow)
	}
	if len(pol.Workflows) != 2 || pol.Workflows[0].Steps[2].At.Days != 30 || pol.Workflows[1].Grouping != dunning.PerCustomer {
		t.Fatalf("workflows: %+v", pol.Workflows)
	}
	// Due 2026-03-20 + 14 = 04-03, Good Friday in the calendar: rolled to
	// Monday 04-06 (04-04/05 are the weekend).
	pf := onePortfolio()
	pf.Invoices[0].Due = day("2026-03-20")
	pf.Invoices[0].AgreementID = ""
	ex, err := dunning.Explain(day("2026-03-25"), pol, pf, "i1")
	if err != nil {
		t.Fatal(err)
	}
	if ex.Steps[1].Date != day("2026-04-06") {
		t.Errorf("overdue-1 falls on %s, want 2026-04-06: %+v", ex.Steps[1].Date, ex.Steps)
	}
	// The segment rules route enterprises to "gentle".
	pf.Customers[0].Attributes = segment.Attrs{"size": segment.String("enterprise")}
	if ex, _ := dunning.Explain(day("2026-03-25"), pol, pf, "i1"); ex.Workflow != "gentle" {
		t.Errorf("enterprise routed to %q", ex.Workflow)
	}
	// The policy's own template renders the overdue notice.
	pf.Customers[0].Attributes = nil
	acts := dunningtest.ExpectStep(t, pol, pf, "i1", day("2026-04-06"), "overdue-1")
	pol.Render(acts)
	if acts[0].Notice.Subject != "Reminder EUR 100.00" {
		t.Errorf("subject %q", acts[0].Notice.Subject)
	}
}

// Each edit breaks one thing in the policy; the error must name it. names
// are substrings the message must hold (the value at fault, and the field
// or path where the message has one); field and value, when set, are the
// *dunning.FieldError's exact Field and Value.
func TestParsePolicyErrors(t *testing.T) {
	for _, tc := range []struct {
		edit, with   string
		names        []string
		field, value string
	}{
		{`"roll": "following"`, `"roll": "sideways"`, []string{`roll "sideways"`}, "", ""},
		{`"at": "due+14"`, `"at": "due+1M"`, []string{`offset "due+1M"`}, "", ""},
		{`"weekend": ["saturday", "sunday"]`, `"weekend": ["saturday", "caturday"]`, []string{"policy.calendar.weekend[1]", `"caturday"`}, "policy.calendar.weekend[1]", "caturday"},
		{`"holidays": ["2026-04-03"]`, `"holidays": ["2026-04-31"]`, []string{"$.calendar.holidays[0]", `"2026-04-31"`}, "$.calendar.holidays[0]", "2026-04-31"},
		{`"op": "eq"`, `"op": "equals"`, []string{"rules[0].when.op", `"equals"`}, "", ""},
		{`"stage": "overdue-notice"`, `"stage": "overdue"`, []string{"policy.templates", `stage "overdue"`}, "", ""},
		// JSON type errors name the field and the JSON type, not the value.
		{`"min_gap_days": 5`, `"min_gap_days": "five"`, []string{"policy.workflows.min_gap_days", "JSON string"}, "policy.workflows.min_gap_days", "a JSON string"},
		{`"creditor": {"name": "Northwind GmbH"`, `"creditor": {"name": ""`, []string{"policy.creditor.name", "must not be empty"}, "policy.creditor.name", ""},
		{`"workflow": "gentle"}]`, `"workflow": "gentler"}]`, []string{"policy.segments.rules[0].workflow", `"gentler"`}, "policy.segments.rules[0].workflow", "gentler"},
		{`"payment":`, `"paymnet":`, []string{`unknown field "paymnet"`}, "", ""},
		{`"end": "17:00"`, `"end": "07:00"`, []string{"send window 09:00-07:00"}, "", ""},
		{`"holidays": ["2026-04-03"]`, `"holidays": ["2026-02-29"]`, []string{"$.calendar.holidays[0]", `"2026-02-29"`}, "$.calendar.holidays[0]", "2026-02-29"},
	} {
		in := strings.Replace(policyJSON, tc.edit, tc.with, 1)
		if in == policyJSON {
			t.Fatalf("edit %q did not apply", tc.edit)
		}
		_, err := dunning.ParsePolicy([]byte(in))
		if err == nil {
			t.Errorf("accepted %s", tc.with)
			continue
		}
		for _, n := range tc.names {
			if !strings.Contains(err.Error(), n) {
				t.Errorf("%s: error %q does not name %q", tc.with, err, n)
			}
		}
		var fe *dunning.FieldError
		if tc.field != "" && (!errors.As(err, &fe) || fe.Field != tc.field || fe.Value != tc.value || !errors.Is(err, dunning.ErrInvalid)) {
			t.Errorf("%s: error %v, want a *FieldError{Field: %q, Value: %q} wrapping ErrInvalid", tc.with, err, tc.field, tc.value)
		}
	}
}

func TestCheckDates(t *testing.T) {
	err := dunning.CheckDates([]byte(`{"invoices": [{"due": "2026-03-31"}, {"due": "2026-02-30"}], "note": "1234-56-78x"}`))
	var fe *dunning.FieldError
	if !errors.As(err, &fe) || fe.Field != "$.invoices[1].due" || fe.Value != "2026-02-30" {
		t.Errorf("CheckDates: %v", err)
	}
	if err := dunning.CheckDates([]byte(`{"d": "2028-02-29", "s": "not-a-date"}`)); err != nil {
		t.Errorf("a leap day refused: %v", err)
	}
}

func FuzzParsePolicy(f *testing.F) {
	f.Add([]byte(policyJSON))
	f.Add([]byte(`{"workflows": [{"name": "w", "steps": [{"name": "s", "at": "due", "action": "email"}]}], "creditor": {"name": "c"}}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		pol, err := dunning.ParsePolicy(b)
		if err != nil {
			return
		}
		// A policy that parses plans without panicking.
		_, _ = dunning.Plan(day("2026-04-14"), pol, onePortfolio())
	})
}

// The README's JSON example is a policy that parses.
func TestREADMEPolicyParses(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i := strings.Index(s, "```json\n")
	if i < 0 {
		t.Fatal("README has no JSON block")
	}
	s = s[i+len("```json\n"):]
	s = s[:strings.Index(s, "```")]
	s = strings.ReplaceAll(s, `"subject": "...", "text": "...", "html": "..."`, `"subject": "s", "text": "t", "html": "<p>h</p>"`)
	if _, err := dunning.ParsePolicy([]byte(s)); err != nil {
		t.Fatalf("README policy: %v", err)
	}
}
