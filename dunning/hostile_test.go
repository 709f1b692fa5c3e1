package dunning_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/charge"
	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/overduehq/overdue/dunning/money"
	"github.com/overduehq/overdue/dunning/send"
	"github.com/overduehq/overdue/notice"
	"github.com/overduehq/overdue/schedule"
	"github.com/overduehq/overdue/segment"
	"github.com/overduehq/overdue/store/memory"
)

// hostileAsOf is the planning day of the hostile portfolio: 14 days after
// both invoices fell due on 2026-03-31, so overdue-1 is due for each.
var hostileAsOf = day("2026-04-14")

// hostilePortfolio has a good customer and a customer whose records the
// cases spoil; both are valid as built.
func hostilePortfolio() dunning.Portfolio {
	var pf dunning.Portfolio
	for _, id := range []string{"good", "bad"} {
		pf.Customers = append(pf.Customers, dunningtest.Customer(id))
		a := dunningtest.Agreement("a"+id, id, day("2026-03-01"), "EUR")
		pf.Agreements = append(pf.Agreements, a)
		inv := dunningtest.Invoice("i"+id, id, day("2026-03-01"), day("2026-03-31"), "100.00", "EUR")
		inv.AgreementID = a.ID
		pf.Invoices = append(pf.Invoices, inv)
	}
	return pf
}

func hostilePolicy() *dunning.Policy {
	w := dunning.Workflow{Name: "std", Steps: []dunning.Step{
		{Name: "due", At: dueAt(0), Action: dunning.Email},
		{Name: "overdue-1", At: dueAt(14), Action: dunning.Email},
	}}
	return dunningtest.Policy(w)
}

// planBad plans the hostile portfolio after spoil and returns the problem
// Plan reported for the spoilt record (nil when it reported none). It
// fails the test when the good customer was not planned as usual or the
// spoilt invoice was planned anyway.
func planBad(t *testing.T, at bool, spoil func(*dunning.Portfolio)) error {
	t.Helper()
	pf := hostilePortfolio()
	spoil(&pf)
	var acts []dunning.Action
	var err error
	if at {
		acts, err = dunning.PlanAt(hostileAsOf.MidnightUTC().Add(12*time.Hour), hostilePolicy(), pf)
	} else {
		acts, err = dunning.Plan(hostileAsOf, hostilePolicy(), pf)
	}
	if err != nil {
		t.Errorf("one bad record stopped the whole plan: %v", err)
		return err
	}
	goodOK := false
	var problems []string
	for _, a := range acts {
		switch {
		case a.Kind == dunning.Rejected:
			if a.Problem == "" {
				t.Errorf("rejected action %s has no problem", a.Key)
			}
			problems = append(problems, a.Problem)
		case a.CustomerID == "good" && a.Step == "overdue-1" && a.Problem == "":
			goodOK = true
		case a.CustomerID == "bad" || strings.Contains(strings.Join(a.InvoiceIDs, ","), "ibad"):
			if a.Problem == "" {
				t.Errorf("the spoilt record was planned anyway: %s", a.Key)
			}
		}
	}
	if !goodOK {
		t.Errorf("the good customer lost its overdue-1 notice: %+v", acts)
	}
	if len(problems) == 0 {
		return nil
	}
	return errors.New(strings.Join(problems, "; "))
}

func onBad(f func(c *dunning.Customer, a *dunning.Agreement, inv *dunning.Invoice)) func(*dunning.Portfolio) {
	return func(pf *dunning.Portfolio) { f(&pf.Customers[1], &pf.Agreements[1], &pf.Invoices[1]) }
}

const basePolicyJSON = `{"workflows":[{"name":"std","steps":[%s]}],"creditor":{"name":"Northwind"}%s}`

const twoSteps = `{"name":"due","at":"due","action":"email"},{"name":"overdue-1","at":"due+14","action":"email"}`

func parsePolicy(steps, extra string) error {
	if steps == "" {
		steps = twoSteps
	}
	_, err := dunning.ParsePolicy([]byte(fmt.Sprintf(basePolicyJSON, steps, extra)))
	return err
}

func feeStep(fee string) string {
	return `{"name":"due","at":"due","action":"email","fee":` + fee + `}`
}

func smtpMessage(lang, key, replyTo string) error {
	s := &send.SMTP{From: "ar@example.com", ReplyTo: replyTo}
	n := &notice.Notice{Channel: notice.Email, Language: lang, Subject: "s", Text: "t"}
	_, err := s.Message(key, "<k@example.com>", &mail.Address{Address: "ar@example.com"}, &mail.Address{Address: "ap@example.com"}, n)
	return err
}

func renderWith(src string, n *notice.Notice, l notice.Limits) error {
	s := notice.NewSet()
	if err := s.Add(notice.Key{Language: "en", Stage: notice.OverdueNotice}, notice.Template{Subject: "s", Text: src}); err != nil {
		return err
	}
	return s.WithLimits(l).Render(n)
}

func linesNotice(lines, desc int) *notice.Notice {
	n := &notice.Notice{Language: "en", Stage: notice.OverdueNotice, Channel: notice.Email, Currency: "EUR", MinorUnits: 2}
	for i := 0; i < lines; i++ {
		n.Lines = append(n.Lines, notice.Line{Number: fmt.Sprint(i), Description: strings.Repeat("x", desc)})
	}
	return n
}

// runnerNeverSends runs the hostile portfolio through a Runner whose policy
// renders a notice past its limits; it returns the problem the report
// names, and fails the test if anything was sent.
func runnerNeverSends(t *testing.T) error {
	pol := hostilePolicy()
	set := notice.NewSet()
	for _, st := range []notice.Stage{notice.OverdueNotice, notice.FinalNotice} {
		if err := set.Add(notice.Key{Language: "en", Stage: st}, notice.Template{Subject: "s", Text: `{{range .Lines}}{{.Description}}{{end}}`}); err != nil {
			t.Fatal(err)
		}
	}
	pol.Templates = set
	pol.RenderLimits = notice.Limits{MaxBytes: 64}
	pf := hostilePortfolio()
	pf.Invoices[1].Lines[0].Description = strings.Repeat("y", 100) // 100 bytes > 64
	snd := &dunningtest.Sender{}
	r := &dunning.Runner{Policy: pol, Store: memory.New(), Sender: snd, Clock: dunningtest.ClockAt(hostileAsOf), Owner: "t"}
	rep, err := r.Run(context.Background(), pf)
	if err != nil {
		return err
	}
	var problem error
	for _, res := range rep.Results {
		if strings.Contains(res.Key, "ibad") && res.Status == dunning.StatusProblem {
			problem = errors.New(res.Error)
		}
	}
	for _, s := range snd.Sent() {
		if strings.Contains(s.Key, "ibad") {
			t.Errorf("the notice over its render limits was sent: %s (%d bytes)", s.Key, len(s.Notice.Text))
			return nil
		}
	}
	if len(snd.Sent()) != 1 {
		t.Errorf("sent %d notices, want the good customer's one: %+v", len(snd.Sent()), rep)
	}
	return problem
}

// TestHostileInputs tries every bad input of issue 13 (and more of the same
// kinds) and tallies the answers: each must be a clear error naming the
// field and the value, none a panic, none silently accepted.
func TestHostileInputs(t *testing.T) {
	jsonInto := func(v any, s string) func(*testing.T) error {
		return func(*testing.T) error { return json.Unmarshal([]byte(s), v) }
	}
	plan := func(spoil func(*dunning.Portfolio)) func(*testing.T) error {
		return func(t *testing.T) error { return planBad(t, false, spoil) }
	}
	cases := []struct {
		name         string
		field, value string // both must appear in the error
		try          func(*testing.T) error
	}{
		// Runaway and careless numbers.
		{"money 1e50000000 JPY", "", "1e50000000", func(*testing.T) error { _, err := money.Parse("1e50000000 JPY"); return err }},
		{"money 1e-50000000 EUR", "", "1e-50000000", func(*testing.T) error { _, err := money.Parse("1e-50000000 EUR"); return err }},
		{"money 1.005 EUR", "", "1.005", func(*testing.T) error { _, err := money.Parse("1.005 EUR"); return err }},
		{"money 100 ABC", "", "ABC", func(*testing.T) error { _, err := money.Parse("100 ABC"); return err }},
		{"money 100 XXQ", "", "XXQ", func(*testing.T) error { _, err := money.Parse("100 XXQ"); return err }},
		{"money 16 integer digits", "", "1e15", func(*testing.T) error { _, err := money.Parse("1e15 JPY"); return err }},
		{"money NaN", "", "NaN", func(*testing.T) error { _, err := money.Parse("NaN EUR"); return err }},
		{"money JSON 1e50000000", "", "1e50000000", jsonInto(&dunning.Money{}, `{"amount":"1e50000000","currency":"JPY"}`)},
		{"policy fee 1e50000000", "fee.amounts.EUR", "1e50000000", func(*testing.T) error {
			return parsePolicy(feeStep(`{"kind":"per-notice","amounts":{"EUR":"1e50000000"}}`), "")
		}},
		{"policy fee 1.005 EUR", "fee.amounts.EUR", "1.005", func(*testing.T) error {
			return parsePolicy(feeStep(`{"kind":"per-notice","amounts":{"EUR":"1.005"}}`), "")
		}},
		{"policy fee -5 EUR", "fee.amounts.EUR", "-5", func(*testing.T) error {
			return parsePolicy(feeStep(`{"kind":"per-notice","amounts":{"EUR":"-5"}}`), "")
		}},
		{"policy fee min 0.5 JPY", "fee.min.JPY", "0.5", func(*testing.T) error {
			return parsePolicy(feeStep(`{"kind":"percent","percent":"2","min":{"JPY":"0.5"}}`), "")
		}},
		{"policy fee percent 1e-50000000", "fee.percent", "1e-50000000", func(*testing.T) error {
			return parsePolicy(feeStep(`{"kind":"percent","percent":"1e-50000000"}`), "")
		}},
		{"policy interest rate 1e-50000000", "charges.interest.rate", "1e-50000000", func(*testing.T) error {
			return parsePolicy("", `,"charges":{"interest":{"rate":"1e-50000000"}}`)
		}},
		{"policy min_amount 1.005 EUR", "min_amount.EUR", "1.005", func(*testing.T) error { return parsePolicy("", `,"min_amount":{"EUR":"1.005"}`) }},
		{"policy min_amount ABC", "min_amount.ABC", "ABC", func(*testing.T) error { return parsePolicy("", `,"min_amount":{"ABC":"5"}`) }},
		{"policy min_share 1e50000000", "min_share", "1e50000000", func(*testing.T) error {
			return parsePolicy(`{"name":"due","at":"due","action":"email","min_share":"1e50000000"}`, "")
		}},
		// Silent nonsense in the policy.
		{"policy pay_by_days 2147483647", "pay_by_days", "2147483647", func(*testing.T) error { return parsePolicy("", `,"pay_by_days":2147483647`) }},
		{"policy steps out of order", "steps[1].at", "due+7", func(*testing.T) error {
			return parsePolicy(`{"name":"late","at":"due+14","action":"email"},{"name":"early","at":"due+7","action":"email"}`, "")
		}},
		{"policy issue step after due step", "steps[1].at", "issue+5", func(*testing.T) error {
			return parsePolicy(`{"name":"a","at":"due+10","action":"email"},{"name":"b","at":"issue+5","action":"email"}`, "")
		}},
		{"policy step offset due+5000", "steps[0].at", "due+5000", func(*testing.T) error {
			return parsePolicy(`{"name":"far","at":"due+5000","action":"email"}`, "")
		}},
		// The offset parser itself refuses this one, inside the JSON decoder.
		{"policy step offset due+99999", "workflows[0].steps[0].at", "due+99999", func(*testing.T) error {
			return parsePolicy(`{"name":"far","at":"due+99999","action":"email"}`, "")
		}},
		{"policy min_gap_days 2147483647", "min_gap_days", "2147483647", func(*testing.T) error {
			_, err := dunning.ParsePolicy([]byte(`{"workflows":[{"name":"std","min_gap_days":2147483647,"steps":[` + twoSteps + `]}],"creditor":{"name":"N"}}`))
			return err
		}},
		{"policy statutory interest without rates", "charges.rates", "[]", func(*testing.T) error {
			return parsePolicy("", `,"charges":{"interest":{"regime":"de-b2b"}}`)
		}},
		{"policy holiday 2026-02-30", "holidays[0]", "2026-02-30", func(*testing.T) error {
			return parsePolicy("", `,"calendar":{"weekend":["sunday"],"holidays":["2026-02-30"]}`)
		}},
		{"policy rate from 2026-13-01", "rates[0].from", "2026-13-01", func(*testing.T) error {
			return parsePolicy("", `,"charges":{"interest":{"regime":"de-b2b"},"rates":[{"from":"2026-13-01","percent":"1.27"}]}`)
		}},
		{"policy segment language CRLF", "segments.default.language", `de\r\nX`, func(*testing.T) error {
			pol := hostilePolicy()
			pol.Segments = mustRules(t, `{"default":{"workflow":"std","language":"de\r\nX: y"}}`)
			return pol.Validate()
		}},
		{"policy segment value 1e-50000000", "segments.rules[0].when.value", "1e-50000000", func(*testing.T) error {
			_, err := dunning.ParsePolicy([]byte(fmt.Sprintf(basePolicyJSON, twoSteps, `,"segments":{"attributes":{"size":"number"},"rules":[{"name":"r","when":{"attr":"size","op":"lt","value":1e-50000000},"workflow":"std"}],"default":{"workflow":"std"}}`)))
			return err
		}},
		{"customer attribute 1e-50000000", "customer[bad].attributes.size", "1e-50000000", plan(onBad(func(c *dunning.Customer, _ *dunning.Agreement, _ *dunning.Invoice) {
			c.Attributes = segment.Attrs{"size": segment.Number(dunningtest.Amount("1e-50000000")), "a": segment.Int(1)}
		}))},
		{"policy render_limits negative", "render_limits", "-1 bytes", func(*testing.T) error {
			return parsePolicy("", `,"render_limits":{"max_bytes":-1}`)
		}},
		// Silent nonsense in the portfolio: reported, the rest planned.
		{"invoice currency ABC", "invoice[ibad].currency", "ABC", plan(onBad(func(_ *dunning.Customer, _ *dunning.Agreement, inv *dunning.Invoice) { inv.Currency = "ABC" }))},
		{"invoice currency XXQ", "invoice[ibad].currency", "XXQ", plan(onBad(func(_ *dunning.Customer, _ *dunning.Agreement, inv *dunning.Invoice) { inv.Currency = "XXQ" }))},
		{"invoice negative amount", "invoice[ibad].amount", "-100", plan(onBad(func(_ *dunning.Customer, _ *dunning.Agreement, inv *dunning.Invoice) {
			inv.Amount = dunningtest.Amount("-100")
		}))},
		{"invoice no due date", "invoice[ibad].due", "", plan(onBad(func(_ *dunning.Customer, _ *dunning.Agreement, inv *dunning.Invoice) { inv.Due = 0 }))},
		{"invoice no issue date", "invoice[ibad].issued", "", plan(onBad(func(_ *dunning.Customer, _ *dunning.Agreement, inv *dunning.Invoice) { inv.Issued = 0 }))},
		{"invoice due before issue", "invoice[ibad].due", "2026-02-01", plan(onBad(func(_ *dunning.Customer, _ *dunning.Agreement, inv *dunning.Invoice) { inv.Due = day("2026-02-01") }))},
		{"invoice due in year 20000", "invoice[ibad].due", "+20000", plan(onBad(func(_ *dunning.Customer, _ *dunning.Agreement, inv *dunning.Invoice) {
			inv.Due = day("+20000-01-01")
		}))},
		{"invoice amount 1e50000000", "invoice[ibad].amount", "1e50000000", plan(onBad(func(_ *dunning.Customer, _ *dunning.Agreement, inv *dunning.Invoice) {
			inv.Amount = dunningtest.Amount("1e50000000")
		}))},
		{"invoice amount 1.005 EUR", "invoice[ibad].amount", "1.005", plan(onBad(func(_ *dunning.Customer, _ *dunning.Agreement, inv *dunning.Invoice) {
			inv.Amount = dunningtest.Amount("1.005")
		}))},
		{"invoice line 1e50000000", "lines[0].amount", "1e50000000", plan(onBad(func(_ *dunning.Customer, _ *dunning.Agreement, inv *dunning.Invoice) {
			inv.Lines[0].Amount = dunningtest.Amount("1e50000000")
		}))},
		{"payment negative", "payments[0].amount", "-5", plan(onBad(func(_ *dunning.Customer, _ *dunning.Agreement, inv *dunning.Invoice) {
			inv.Payments = []dunning.Payment{{Date: day("2026-04-01"), Amount: dunningtest.Amount("-5")}}
		}))},
		{"payment 1e-50000000", "payments[0].amount", "1e-50000000", plan(onBad(func(_ *dunning.Customer, _ *dunning.Agreement, inv *dunning.Invoice) {
			inv.Payments = []dunning.Payment{{Date: day("2026-04-01"), Amount: dunningtest.Amount("1e-50000000")}}
		}))},
		{"payment without date", "payments[0].date", "", plan(onBad(func(_ *dunning.Customer, _ *dunning.Agreement, inv *dunning.Invoice) {
			inv.Payments = []dunning.Payment{{Amount: dunningtest.Amount("5")}}
		}))},
		{"dispute resolved before opened", "dispute.resolved", "2026-04-01", plan(onBad(func(_ *dunning.Customer, _ *dunning.Agreement, inv *dunning.Invoice) {
			inv.Dispute = &dunning.Dispute{Opened: day("2026-04-05"), Resolved: day("2026-04-01")}
		}))},
		{"promise pay_by before made", "promise.pay_by", "2026-04-01", plan(onBad(func(_ *dunning.Customer, _ *dunning.Agreement, inv *dunning.Invoice) {
			inv.Promise = &dunning.Promise{Made: day("2026-04-05"), PayBy: day("2026-04-01"), Amount: dunningtest.Amount("5")}
		}))},
		{"promise of nothing", "promise.amount", "0", plan(onBad(func(_ *dunning.Customer, _ *dunning.Agreement, inv *dunning.Invoice) {
			inv.Promise = &dunning.Promise{Made: day("2026-04-01"), PayBy: day("2026-04-10")}
		}))},
		{"hold until before since", "hold.until", "2026-04-01", plan(onBad(func(_ *dunning.Customer, _ *dunning.Agreement, inv *dunning.Invoice) {
			inv.Hold = &dunning.Hold{Since: day("2026-04-05"), Until: day("2026-04-01")}
		}))},
		{"invoice cycle -1", "invoice[ibad].cycle", "-1", plan(onBad(func(_ *dunning.Customer, _ *dunning.Agreement, inv *dunning.Invoice) { inv.Cycle = -1 }))},
		{"written off before issue", "written_off", "2026-01-01", plan(onBad(func(_ *dunning.Customer, _ *dunning.Agreement, inv *dunning.Invoice) {
			inv.WrittenOff = day("2026-01-01")
		}))},
		{"invoice without id", "invoice.id", "", plan(onBad(func(_ *dunning.Customer, _ *dunning.Agreement, inv *dunning.Invoice) { inv.ID = "" }))},
		{"USD invoice under EUR agreement", "invoice[ibad].currency", "USD", plan(onBad(func(_ *dunning.Customer, _ *dunning.Agreement, inv *dunning.Invoice) { inv.Currency = "USD" }))},
		{"unknown agreement id", "invoice[ibad].agreement_id", "nope", plan(onBad(func(_ *dunning.Customer, _ *dunning.Agreement, inv *dunning.Invoice) { inv.AgreementID = "nope" }))},
		{"unknown customer id", "invoice[ibad].customer_id", "ghost", plan(onBad(func(_ *dunning.Customer, _ *dunning.Agreement, inv *dunning.Invoice) { inv.CustomerID = "ghost" }))},
		{"duplicate invoice id", "invoice[ibad].id", "ibad", plan(func(pf *dunning.Portfolio) { pf.Invoices = append(pf.Invoices, pf.Invoices[1]) })},
		{"agreement grace -10", "agreement[abad].grace_days", "-10", plan(onBad(func(_ *dunning.Customer, a *dunning.Agreement, _ *dunning.Invoice) { a.GraceDays = -10 }))},
		{"agreement grace 100000", "agreement[abad].grace_days", "100000", plan(onBad(func(_ *dunning.Customer, a *dunning.Agreement, _ *dunning.Invoice) { a.GraceDays = 100000 }))},
		{"agreement currency EURO", "agreement[abad].currency", "EURO", plan(onBad(func(_ *dunning.Customer, a *dunning.Agreement, _ *dunning.Invoice) { a.Currency = "EURO" }))},
		{"agreement without effective date", "agreement[abad].effective", "", plan(onBad(func(_ *dunning.Customer, a *dunning.Agreement, _ *dunning.Invoice) { a.Effective = 0 }))},
		{"agreement terms kind", "agreement[abad].terms.kind", "weird", plan(onBad(func(_ *dunning.Customer, a *dunning.Agreement, _ *dunning.Invoice) { a.Terms.Kind = "weird" }))},
		{"agreement statutory interest without rates", "agreement[abad].charges.rates", "[]", plan(onBad(func(_ *dunning.Customer, a *dunning.Agreement, _ *dunning.Invoice) {
			a.Charges = &dunning.Charges{Interest: mustInterest("de-b2b")}
		}))},
		{"duplicate agreement id", "agreement[abad].id", "abad", plan(func(pf *dunning.Portfolio) { pf.Agreements = append(pf.Agreements, pf.Agreements[1]) })},
		{"customer language CRLF", "customer[bad].language", `de\r\nReply-To: x`, plan(onBad(func(c *dunning.Customer, _ *dunning.Agreement, _ *dunning.Invoice) {
			c.Language = "de\r\nReply-To: x"
		}))},
		{"customer language not BCP 47", "customer[bad].language", "klingon please", plan(onBad(func(c *dunning.Customer, _ *dunning.Agreement, _ *dunning.Invoice) {
			c.Language = "klingon please"
		}))},
		{"customer unknown time zone (Plan)", "customer[bad].time_zone", "Mars/Olympus", plan(onBad(func(c *dunning.Customer, _ *dunning.Agreement, _ *dunning.Invoice) {
			c.TimeZone = "Mars/Olympus"
		}))},
		{"customer unknown time zone (PlanAt)", "customer[bad].time_zone", "Mars/Olympus", func(t *testing.T) error {
			return planBad(t, true, onBad(func(c *dunning.Customer, _ *dunning.Agreement, _ *dunning.Invoice) { c.TimeZone = "Mars/Olympus" }))
		}},
		{"customer hold until before since", "customer[bad].hold.until", "2026-01-01", plan(onBad(func(c *dunning.Customer, _ *dunning.Agreement, _ *dunning.Invoice) {
			c.Hold = &dunning.Hold{Since: day("2026-02-01"), Until: day("2026-01-01")}
		}))},
		{"duplicate customer id", "customer[bad].id", "bad", plan(func(pf *dunning.Portfolio) { pf.Customers = append(pf.Customers, pf.Customers[1]) })},
		{"customer without id", "customer.id", "", plan(func(pf *dunning.Portfolio) { pf.Customers[1].ID = "" })},
		// Impossible dates in JSON, wherever they are decoded.
		{"JSON invoice due 2026-13-45", "invoice.due", "2026-13-45", jsonInto(&dunning.Invoice{}, `{"id":"i","due":"2026-13-45"}`)},
		{"JSON invoice issued 2026-02-30", "invoice.issued", "2026-02-30", jsonInto(&dunning.Invoice{}, `{"id":"i","issued":"2026-02-30"}`)},
		{"JSON payment date 2026-02-29", "payment.date", "2026-02-29", jsonInto(&[]dunning.Payment{}, `[{"date":"2026-02-29","amount":"1"}]`)},
		{"JSON event date 2026-13-01", "event.date", "2026-13-01", jsonInto(&dunning.Event{}, `{"id":"e","kind":"payment","date":"2026-13-01"}`)},
		{"JSON agreement effective 2025-02-29", "agreement.effective", "2025-02-29", jsonInto(&dunning.Agreement{}, `{"id":"a","effective":"2025-02-29"}`)},
		{"JSON customer hold 2026-02-30", "hold.until", "2026-02-30", jsonInto(&dunning.Customer{}, `{"id":"c","hold":{"since":"2026-01-01","until":"2026-02-30"}}`)},
		{"JSON misspelt due_date", "invoice.due_date", "due_date", jsonInto(&dunning.Invoice{}, `{"id":"i","due_date":"2026-03-31"}`)},
		// Header injection.
		{"SMTP language CRLF", "language", `de\r\nReply-To: attacker`, func(*testing.T) error { return smtpMessage("de\r\nReply-To: attacker", "k", "") }},
		{"SMTP language not BCP 47", "language", "english please", func(*testing.T) error { return smtpMessage("english please", "k", "") }},
		{"SMTP key CRLF", "key", `k\r\nBcc: x`, func(*testing.T) error { return smtpMessage("de", "k\r\nBcc: x", "") }},
		{"SMTP ReplyTo CRLF", "ReplyTo", `a@b.example\r\nBcc: x`, func(*testing.T) error { return smtpMessage("de", "k", "a@b.example\r\nBcc: x") }},
		// Runaway rendering.
		{"template range 30000000", "range", "30000000", func(*testing.T) error {
			return renderWith(`{{range 30000000}}x{{end}}`, linesNotice(1, 1), notice.Limits{})
		}},
		{"template method call", ".N.Total.Shift", "2000000000", func(*testing.T) error {
			return renderWith(`{{.N.Total.Shift 2000000000}}`, linesNotice(1, 1), notice.Limits{})
		}},
		{"template printf width", "printf", "999999999", func(*testing.T) error {
			return renderWith(`{{printf "%0999999999d" 1}}`, linesNotice(1, 1), notice.Limits{})
		}},
		{"render 2 MiB", "size", "1048576 bytes", func(*testing.T) error {
			return renderWith(`{{range .Lines}}{{.Description}}{{end}}`, linesNotice(20, 100<<10), notice.Limits{})
		}},
		{"render spinning 10^9 empty loops", "time", "100ms", func(*testing.T) error {
			return renderWith(`{{range .Lines}}{{range $.Lines}}{{range $.Lines}}{{end}}{{end}}{{end}}`, linesNotice(1000, 1), notice.Limits{Timeout: 100 * time.Millisecond})
		}},
		{"runner: notice over its limits is never sent", "size", "64 bytes", runnerNeverSends},
		{"Policy.Render: notice over its limits is a problem", "size", "1048576 bytes", func(t *testing.T) error {
			pol := hostilePolicy()
			pf := hostilePortfolio()
			pf.Invoices[1].Lines[0].Description = strings.Repeat("z", 2<<20) // 2 MiB against the default 1 MiB
			acts, err := dunning.Plan(hostileAsOf, pol, pf)
			if err != nil {
				return err
			}
			pol.Render(acts)
			for _, a := range acts {
				if a.CustomerID == "bad" && a.Problem != "" {
					return errors.New(a.Problem)
				}
			}
			return nil
		}},
	}
	var clear, panics, silent, unclear int
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var err error
			panicked := func() (p bool) {
				defer func() {
					if r := recover(); r != nil {
						p = true
						t.Errorf("panic: %v", r)
					}
				}()
				start := time.Now()
				err = c.try(t)
				if el := time.Since(start); el > 5*time.Second {
					t.Errorf("took %v", el)
				}
				return false
			}()
			switch {
			case panicked:
				panics++
			case err == nil:
				silent++
				t.Errorf("accepted silently")
			case !strings.Contains(err.Error(), c.field) || !strings.Contains(err.Error(), c.value):
				unclear++
				t.Errorf("error %.300q does not name field %q and value %q", err.Error(), c.field, c.value)
			default:
				clear++
			}
		})
	}
	t.Logf("hostile inputs: %d tried, %d clear errors, %d panics, %d silent, %d unclear", len(cases), clear, panics, silent, unclear)
	if clear != len(cases) {
		t.Errorf("want every one of the %d a clear error", len(cases))
	}
}

func dueAt(days int) schedule.Offset { return schedule.Offset{Anchor: schedule.Due, Days: days} }

func mustRules(t *testing.T, s string) *segment.RuleSet {
	t.Helper()
	rs, err := segment.Parse([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func mustInterest(r charge.Regime) *charge.Interest { return &charge.Interest{Regime: r} }
