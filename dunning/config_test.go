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

// Each edit breaks one thing in policyJSON; the error must be a
// *dunning.FieldError wrapping ErrInvalid with exactly the path from the
// document's top and the value at fault, and a reason holding the words
// given. The paths follow from policyJSON's structure: workflows[0] is
// "standard" with steps due, overdue-1, final; workflows[1] is "gentle".
func TestParsePolicyErrors(t *testing.T) {
	for _, tc := range []struct {
		edit, with          string
		field, value, words string
	}{
		{`"roll": "following"`, `"roll": "sideways"`, "workflows[0].roll", "sideways", "roll"},
		{`"at": "due+14"`, `"at": "due+1M"`, "workflows[0].steps[1].at", "due+1M", "offset"},
		{`"at": "due+14"`, `"at": "due+99999"`, "workflows[0].steps[1].at", "due+99999", "more than 36600 days"},
		{`"at": "due+21"`, `"at": "tomorrow"`, "workflows[1].steps[0].at", "tomorrow", "offset"},
		{`"action": "email"}`, `"action": "pigeon"}`, "workflows[0].steps[0].action", "pigeon", "unknown action"},
		{`"on_bounce": "letter"`, `"on_bounce": "letter", "colour": "red"`, "workflows[0].steps[1].colour", "colour", "not a known field"},
		{`"min_gap_days": 5`, `"min_gap_days": "five"`, "workflows[0].min_gap_days", "five", "is a string: want an integer"},
		{`"min_gap_days": 5`, `"min_gap_days": 5.5`, "workflows[0].min_gap_days", "5.5", "want an integer"},
		{`"min_gap_days": 5`, `"min_gap_days": true`, "workflows[0].min_gap_days", "true", "want an integer"},
		{`"grouping": "customer"`, `"grouping": "household"`, "workflows[1].grouping", "household", `want "invoice" or "customer"`},
		{`"catch_up": "highest-only"`, `"catch_up": "lowest"`, "workflows[1].catch_up", "lowest", "highest-only"},
		{`"amounts": {"EUR": "5.00"}`, `"amounts": {"EUR": "five"}`, "workflows[0].steps[2].fee.amounts.EUR", "five", "decimal"},
		{`"amounts": {"EUR": "5.00"}`, `"amounts": ["5.00"]`, "workflows[0].steps[2].fee.amounts", "[\"5.00\"]", "is a list: want an object"},
		{`"weekend": ["saturday", "sunday"]`, `"weekend": ["saturday", "caturday"]`, "calendar.weekend[1]", "caturday", "not a weekday name"},
		{`"weekend": ["saturday", "sunday"]`, `"weekend": ["saturday", "sunday", "saturday", "sunday", "saturday", "sunday", "saturday"]`, "calendar.weekend[2]", "saturday", "repeats calendar.weekend[0]"},
		{`"weekend": ["saturday", "sunday"]`, `"weekend": ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "sunday"]`, "calendar.weekend[7]", "sunday", "repeats calendar.weekend[6]"},
		{`"weekend": ["saturday", "sunday"]`, `"weekend": ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]`, "calendar.weekend", "monday,tuesday,wednesday,thursday,friday,saturday,sunday", "leaves no business day"},
		{`"holidays": ["2026-04-03"]`, `"holidays": ["2026-04-31"]`, "calendar.holidays[0]", "2026-04-31", "not a calendar day"},
		{`"holidays": ["2026-04-03"]`, `"holidays": ["2026-02-29"]`, "calendar.holidays[0]", "2026-02-29", "not a calendar day"},
		{`"holidays": ["2026-04-03"]`, `"holidays": ["Easter"]`, "calendar.holidays[0]", "Easter", "not a date"},
		{`"holidays": ["2026-04-03"]`, `"holidays": "2026-04-03"`, "calendar.holidays", "2026-04-03", "is a string: want a list"},
		{`"weekend": ["saturday", "sunday"]`, `"weekend": ["saturday", "sunday"], "moon": 1`, "calendar.moon", "moon", "not a known field"},
		{`"op": "eq"`, `"op": "equals"`, "segments.rules[0].when.op", "equals", "operator"},
		{`"workflow": "gentle"}]`, `"workflow": "gentler"}]`, "segments.rules[0].workflow", "gentler", "names no workflow"},
		{`"size": "string"`, `"size": "colour"`, "segments.attributes.size", "colour", "kind"},
		{`"stage": "overdue-notice"`, `"stage": "overdue"`, "templates[0].stage", "overdue", "final-notice"},
		{`"language": "en"`, `"language": ""`, "templates[0].language", "", "must be set"},
		{`"subject": "Reminder {{.Total}}"`, `"subject": "Reminder {{.Total"`, "templates[0].subject", "Reminder {{.Total", "unclosed action"},
		{`"subject": "Reminder {{.Total}}"`, `"subjekt": "Reminder"`, "templates[0].subjekt", "subjekt", "not a known field"},
		{`"end": "17:00"`, `"end": "07:00"`, "send_window", `{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00"`, "09:00-07:00"},
		{`"start": "09:00"`, `"start": "nine"`, "send_window", `{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "nine"`, `start "nine": want HH:MM`},
		{`"creditor": {"name": "Northwind GmbH"`, `"creditor": {"name": ""`, "creditor.name", "", "must not be empty"},
		{`"address": ["Hafenstraße 12", "20457 Hamburg"]`, `"address": "Hafenstraße 12"`, "creditor.address", "Hafenstraße 12", "is a string: want a list"},
		{`"iban": "DE89370400440532013000"`, `"iban": 42`, "payment.iban", "42", "is a number: want a string"},
		{`"payment":`, `"paymnet":`, "paymnet", "paymnet", "not a known field"},
		{`"creditor":`, `"pay_by_days": -1, "creditor":`, "pay_by_days", "-1", "between 0"},
		{`"creditor":`, `"customer_limits": {"max_notices": -1}, "creditor":`, "customer_limits.max_notices", "-1", "between 0"},
		{`"creditor":`, `"min_amount": {"EUR": "-5"}, "creditor":`, "min_amount.EUR", "-5", "negative"},
		{`"creditor":`, `"render_limits": {"max_bytes": "big"}, "creditor":`, "render_limits", `{"max_bytes": "big"}`, "is a string: want an integer"},
		// A key twice in one object: encoding/json would keep the last.
		{`"min_gap_days": 5`, `"min_gap_days": 5, "min_gap_days": 9`, "workflows[0].min_gap_days", "min_gap_days", "repeats a key"},
		{`"creditor":`, `"pay_by_days": 7, "pay_by_days": 9, "creditor":`, "pay_by_days", "pay_by_days", "repeats a key"},
		{`"weekend": ["saturday", "sunday"]`, `"weekend": ["saturday", "sunday"], "Weekend": ["friday"]`, "calendar.Weekend", "Weekend", "repeats calendar.weekend"},
		{`"creditor":`, `"render_limits": {"timeout": "1s", "timeout": "2s"}, "creditor":`, "render_limits.timeout", "timeout", "repeats a key"},
		{`"op": "eq"`, `"op": "eq", "op": "in"`, "segments.rules[0].when.op", "op", "repeats a key"},
		{`"subject": "Reminder {{.Total}}"`, `"subject": "Reminder {{.Total}}", "subject": "Other"`, "templates[0].subject", "subject", "repeats a key"},
		{`"amounts": {"EUR": "5.00"}`, `"amounts": {"EUR": "5.00", "EUR": "7.00"}`, "workflows[0].steps[2].fee.amounts.EUR", "EUR", "repeats a key"},
		// JSON that does not parse: the path is where the parse broke.
		{`"roll": "following", "min_gap_days"`, `"roll": "following" "min_gap_days"`, "workflows[0]", `"min_gap_days": 5, "steps": [`, "is not valid JSON"},
		{`"text": "Please pay {{.Total}} by {{.PayBy}}."}]`, `"text": "Please pay {{.Total}} by {{.PayBy}}."}`, "templates", "}", "is not valid JSON: invalid character '}' after array element"},
		{`"start": "09:00"`, `"start": 09:00`, "send_window", `{"days": ["mon", "tue", "wed", "thu", "fri"], "start": 09:00`, "is not valid JSON: invalid character '9'"},
	} {
		in := strings.Replace(policyJSON, tc.edit, tc.with, 1)
		if in == policyJSON {
			t.Fatalf("edit %q did not apply", tc.edit)
		}
		_, err := dunning.ParsePolicy([]byte(in))
		var fe *dunning.FieldError
		switch {
		case err == nil:
			t.Errorf("accepted %s", tc.with)
		case !errors.As(err, &fe) || !errors.Is(err, dunning.ErrInvalid):
			t.Errorf("%s: %v is not a *FieldError wrapping ErrInvalid", tc.with, err)
		case fe.Field != tc.field || !sameValue(fe.Value, tc.value) || !strings.Contains(fe.Reason, tc.words):
			t.Errorf("%s:\n got field %q value %q reason %q\nwant field %q value %q reason with %q", tc.with, fe.Field, fe.Value, fe.Reason, tc.field, tc.value, tc.words)
		}
	}
	// Whole documents.
	for _, tc := range []struct{ in, field, value, words string }{
		{policyJSON + ` {}`, "(top level)", "{}", "more data after the policy"},
		{policyJSON[:40], "workflows[0].name", `"standar`, "is not valid JSON: the document ends too early"},
		{`[1, 2]`, "(top level)", "[1, 2]", "is a list: want an object"},
		{``, "(top level)", "", "is not valid JSON"},
	} {
		_, err := dunning.ParsePolicy([]byte(tc.in))
		var fe *dunning.FieldError
		if !errors.As(err, &fe) || !errors.Is(err, dunning.ErrInvalid) || fe.Field != tc.field || !sameValue(fe.Value, tc.value) || !strings.Contains(fe.Reason, tc.words) {
			t.Errorf("%.50q: got %#v, want field %q value %q reason with %q", tc.in, fe, tc.field, tc.value, tc.words)
		}
	}
}

// sameValue: an error's value is want, or, when the error shortened a long
// value (ending it in "..."), starts with want.
func sameValue(got, want string) bool {
	return got == want || strings.HasSuffix(got, "...") && strings.HasPrefix(got, want)
}

func TestCheckDates(t *testing.T) {
	err := dunning.CheckDates([]byte(`{"invoices": [{"due": "2026-03-31"}, {"due": "2026-02-30"}], "note": "1234-56-78x"}`))
	var fe *dunning.FieldError
	if !errors.As(err, &fe) || fe.Field != "invoices[1].due" || fe.Value != "2026-02-30" {
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

// The same bad policy always gets the same error: the first bad entry of
// each currency map in the currencies' order, not in Go's random map order.
func TestPolicyErrorDeterministic(t *testing.T) {
	for _, tc := range []struct{ doc, field string }{
		{`{"workflows":[{"name":"std","steps":[{"name":"due","at":"due","action":"email"}]}],"creditor":{"name":"N"},
		  "min_amount":{"USD":"0.001","GBP":"0.001","EUR":"0.001"}}`, "min_amount.EUR"},
		{`{"workflows":[{"name":"std","steps":[{"name":"due","at":"due","action":"email",
		  "fee":{"kind":"per-notice","amounts":{"USD":"1.005","JPY":"0.5","GBP":"1.005","EUR":"1.005"}}}]}],"creditor":{"name":"N"}}`, "workflows[0].steps[0].fee.amounts.EUR"},
		{`{"workflows":[{"name":"std","steps":[{"name":"due","at":"due","action":"email","min_amount":{"USD":"-1","EUR":"-1"}}]}],"creditor":{"name":"N"}}`, "workflows[0].steps[0].min_amount.EUR"},
	} {
		for range 50 {
			_, err := dunning.ParsePolicy([]byte(tc.doc))
			var fe *dunning.FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field {
				t.Fatalf("got %v, want an error naming %s", err, tc.field)
			}
		}
	}
}

// A rate the policy takes is one its notices can state: 9 % a month (108 %
// a year) is refused when the policy is read, and 8 % a month gives a
// notice with no Problem, its interest at 96 % a year.
func TestPolicyMonthlyRateFitsNotices(t *testing.T) {
	doc := func(rate string) []byte {
		return []byte(`{"workflows":[{"name":"std","steps":[
	 {"name":"due","at":"due","action":"email"},
	 {"name":"o1","at":"due+14","action":"email"}]}],
	 "creditor":{"name":"Northwind","address":["1 Road"]},"payment":{"text":"Please pay."},
	 "charges":{"interest":{"rate":"` + rate + `","per":"month"}}}`)
	}
	var fe *dunning.FieldError
	if _, err := dunning.ParsePolicy(doc("9")); !errors.As(err, &fe) || !strings.HasSuffix(fe.Field, "interest.rate") || fe.Value != "9" {
		t.Errorf("9 %% a month: %v, want an error naming interest.rate", err)
	}
	pol, err := dunning.ParsePolicy(doc("8"))
	if err != nil {
		t.Fatal(err)
	}
	due := day("2026-03-01")
	inv := dunningtest.Invoice("i1", "c1", due-30, due, "1000.00", "EUR")
	inv.Progress = &dunning.Progress{InvoiceID: "i1", Workflow: "std", Step: 0, Last: due}
	acts, err := dunning.Plan(due+14, pol, dunning.Portfolio{Customers: []dunning.Customer{dunningtest.Customer("c1")}, Invoices: []dunning.Invoice{inv}})
	if err != nil {
		t.Fatal(err)
	}
	if len(acts) != 1 || acts[0].Problem != "" || acts[0].Notice == nil || len(acts[0].Notice.Interest) != 1 {
		t.Fatalf("8 %% a month: %+v", acts)
	}
	if r := acts[0].Notice.Interest[0].Rate; !r.Equal(dunningtest.Amount("96")) {
		t.Errorf("the notice states %s %% a year, want 96", r)
	}
}

// Two entries of "templates" with one key (templates set, workflow, step,
// language, stage; the language in any case) are refused: the set keeps
// one template per key, so one of the two would be dropped unsaid.
// policyJSON's templates[0] is en/overdue-notice for workflow standard.
func TestParsePolicyTemplateKeyTwice(t *testing.T) {
	second := `, {"language": "EN", "stage": "overdue-notice", "workflow": "standard", "subject": "Second {{.Total}}", "text": "Pay {{.Total}}."}]`
	in := strings.Replace(policyJSON, `{{.PayBy}}."}]`, `{{.PayBy}}."}`+second, 1)
	if in == policyJSON {
		t.Fatal("edit did not apply")
	}
	_, err := dunning.ParsePolicy([]byte(in))
	var fe *dunning.FieldError
	if !errors.As(err, &fe) || !errors.Is(err, dunning.ErrInvalid) || fe.Field != "templates[1]" || fe.Value != "/standard//en/overdue-notice" || !strings.Contains(fe.Reason, "templates[0]") {
		t.Errorf("got %v, want a *FieldError at templates[1], value /standard//en/overdue-notice, naming templates[0]", err)
	}
	// Another step or workflow is another key.
	other := strings.Replace(in, `"workflow": "standard", "subject": "Second`, `"workflow": "gentle", "subject": "Second`, 1)
	if _, err := dunning.ParsePolicy([]byte(other)); err != nil {
		t.Errorf("templates of two workflows: %v", err)
	}
}

// The keys of a map repeat only as written: attributes "size" and "Size"
// are two attributes, not one key twice.
func TestParsePolicyMapKeysCaseSensitive(t *testing.T) {
	in := strings.Replace(policyJSON, `"size": "string"`, `"size": "string", "Size": "string"`, 1)
	if _, err := dunning.ParsePolicy([]byte(in)); err != nil {
		t.Errorf("attributes size and Size: %v", err)
	}
}
