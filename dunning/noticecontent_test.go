package dunning_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/charge"
	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/overduehq/overdue/notice"
	"github.com/overduehq/overdue/schedule"
	"github.com/overduehq/overdue/store/memory"
	"github.com/rickb777/date/v2"
)

// render renders an action's notice with the policy's templates.
func render(t *testing.T, pol *dunning.Policy, a *dunning.Action) string {
	t.Helper()
	if a.Problem != "" {
		t.Fatalf("%s: problem %s", a.Key, a.Problem)
	}
	if err := notice.Builtin().Render(a.Notice); err != nil {
		t.Fatal(err)
	}
	return a.Notice.Subject + "\n" + a.Notice.Text + "\n" + a.Notice.HTML
}

// A workflow's life, day by day through the runner and a memory store: the
// first notice claims no earlier one; each later notice names the day of
// the one before it (the days the test itself saw go out); the number the
// customer reads is the notice number, never the key or the workflow; the
// last notice, with no step after it, threatens nothing.
func TestNoticeHistoryIsTrue(t *testing.T) {
	pol, st, pf := stdPolicy(), memory.New(), onePortfolio()
	var sent []date.Date // days a notice went out, as the test saw them
	for d := day("2026-03-01"); d <= day("2026-06-30"); d++ {
		h, err := st.History(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		pf.History = h
		for _, a := range runDay(t, pol, st, pf, d) {
			if !a.Kind.IsNotice() {
				continue
			}
			n := a.Notice
			text := render(t, pol, &a)
			if n.Number != notice.NumberFor(a.Key) || a.Number != n.Number {
				t.Errorf("%s: number %q / %q, want NumberFor(key) %q", d, n.Number, a.Number, notice.NumberFor(a.Key))
			}
			for _, internal := range []string{a.Key, "standard", a.Step + "/"} {
				if strings.Contains(text, internal) {
					t.Errorf("%s: the customer reads the internal %q", d, internal)
				}
			}
			if !strings.Contains(n.Text, "Our reference: "+n.Number) || !strings.Contains(n.Payment.Reference, n.Number) {
				t.Errorf("%s: reference %q / payment reference %q", d, n.Number, n.Payment.Reference)
			}
			if len(sent) == 0 {
				if !n.First() || n.Lines[0].LastNotice != 0 {
					t.Errorf("%s: first notice claims earlier ones: %v", d, n.Earlier)
				}
				for _, claim := range []string{"wrote to you", "earlier", "despite", "Despite", "again"} {
					if strings.Contains(text, claim) {
						t.Errorf("%s: first notice says %q:\n%s", d, claim, n.Text)
					}
				}
			} else {
				prev := sent[len(sent)-1]
				if !slices.Equal(n.Earlier, []date.Date{prev}) || n.Lines[0].LastNotice != prev {
					t.Errorf("%s: earlier %v, last %s; want the previous notice %s", d, n.Earlier, n.Lines[0].LastNotice, prev)
				}
				if want := "about this invoice on " + notice.FormatDate("en", prev); !strings.Contains(text, want) {
					t.Errorf("%s (%s): text lacks %q:\n%s", d, n.Stage, want, n.Text)
				}
			}
			if n.Stage == notice.FinalNotice {
				if n.Next.Kind != notice.NextNothing {
					t.Errorf("%s: final step has next %v", d, n.Next)
				}
				for _, threat := range []string{"collection", "agency", "court", "costs", "lawyer"} {
					if strings.Contains(n.Text, threat) {
						t.Errorf("%s: final notice with no step after it threatens %q", d, threat)
					}
				}
			}
			sent = append(sent, d)
		}
	}
	if len(sent) < 4 {
		t.Fatalf("only %d notices went out", len(sent))
	}
}

// The consequence a final notice states comes from the workflow's next
// step: a collection agency, a collector's call, a letter before action,
// or (no step) none.
func TestNoticeNextStepFromWorkflow(t *testing.T) {
	for _, tc := range []struct {
		next     *dunning.Step
		want     notice.Next
		says     string
		saysNone []string
	}{
		{&dunning.Step{Name: "agency", At: schedule.Offset{Anchor: schedule.Due, Days: 30}, Action: dunning.EscalateExternal},
			notice.Next{Kind: notice.NextCollection}, "collection agency or a lawyer", []string{"court"}},
		{&dunning.Step{Name: "call", At: schedule.Offset{Anchor: schedule.Due, Days: 30}, Action: dunning.Task},
			notice.Next{Kind: notice.NextContact}, "we will contact you", []string{"collection", "court"}},
		{&dunning.Step{Name: "lba", At: schedule.Offset{Anchor: schedule.Due, Days: 30}, Action: dunning.Letter, Stage: notice.LetterBeforeAction},
			notice.Next{Kind: notice.NextNotice, Stage: notice.LetterBeforeAction}, "letter before action", []string{"collection"}},
		{nil, notice.Next{}, "reaches us by", []string{"collection", "court", "contact you to"}},
	} {
		wf := dunning.Workflow{Name: "w", CatchUp: dunning.Progressive, Steps: []dunning.Step{
			{Name: "final", At: schedule.Offset{Anchor: schedule.Due, Days: 14}, Action: dunning.Email, Stage: notice.FinalNotice},
		}}
		if tc.next != nil {
			wf.Steps = append(wf.Steps, *tc.next)
		}
		pol := dunningtest.Policy(wf)
		acts, err := dunning.Plan(day("2026-04-14"), pol, onePortfolio())
		if err != nil || len(acts) != 1 {
			t.Fatalf("plan: %v, %d actions", err, len(acts))
		}
		text := render(t, pol, &acts[0])
		if acts[0].Notice.Next != tc.want {
			t.Errorf("next %v, want %v", acts[0].Notice.Next, tc.want)
		}
		if !strings.Contains(acts[0].Notice.Text, tc.says) {
			t.Errorf("next %v: text lacks %q:\n%s", tc.want, tc.says, acts[0].Notice.Text)
		}
		for _, s := range tc.saysNone {
			if strings.Contains(text, s) {
				t.Errorf("next %v: text says %q", tc.want, s)
			}
		}
	}
}

// A notice over two invoices: its payment reference names the notice and
// both invoices (today's main names only the first), and it validates.
func TestGroupedNoticeReference(t *testing.T) {
	wf := dunning.DefaultWorkflow("standard")
	wf.Grouping = dunning.PerCustomer
	pol := dunningtest.Policy(wf)
	pf := onePortfolio()
	inv2 := dunningtest.Invoice("i2", "c1", day("2026-03-02"), day("2026-03-31"), "50.00", "EUR")
	pf.Invoices = append(pf.Invoices, inv2)
	acts, err := dunning.Plan(day("2026-04-14"), pol, pf)
	if err != nil || len(acts) != 1 || len(acts[0].InvoiceIDs) != 2 {
		t.Fatalf("plan: %v, %+v", err, acts)
	}
	n := acts[0].Notice
	if want := n.Number + " INV-i1 INV-i2"; n.Payment.Reference != want {
		t.Errorf("payment reference %q, want %q", n.Payment.Reference, want)
	}
	if err := n.Validate(); err != nil {
		t.Error(err)
	}
	text := render(t, pol, &acts[0])
	if !strings.Contains(text, "the following invoices") || strings.Contains(text, "the following invoice ") {
		t.Errorf("plural wording wrong on a two-invoice notice:\n%s", n.Text)
	}
}

// Interest on the open balance across a part payment: one line per period,
// each with its principal, rate and days, worked out by hand:
// 1 to 9 April on 1,000.00: 1000 x 8 % x 9/365 = 1.9726 = 1.97;
// 10 to 14 April on 500.00: 500 x 8 % x 5/365 = 0.5479 = 0.55;
// the action asks for their sum, 2.52; total 500.00 + 2.52 = 502.52.
func TestInterestLinePerPeriod(t *testing.T) {
	pol := stdPolicy()
	pol.Charges = &dunning.Charges{Interest: &charge.Interest{Rate: dunningtest.Amount("8"), Basis: charge.OnOpen}}
	pf := onePortfolio()
	pf.Invoices[0].Amount = dunningtest.Amount("1000.00")
	pf.Invoices[0].Lines[0].Amount = pf.Invoices[0].Amount
	pf.Invoices[0].Payments = []dunning.Payment{{Date: day("2026-04-10"), Amount: dunningtest.Amount("500.00")}}
	acts, err := dunning.Plan(day("2026-04-14"), pol, pf)
	if err != nil || len(acts) != 1 {
		t.Fatalf("plan: %v, %d actions", err, len(acts))
	}
	a := acts[0]
	if a.Problem != "" {
		t.Fatal(a.Problem)
	}
	n := a.Notice
	type line struct{ principal, amount, from, to string }
	var got []line
	for _, c := range n.Interest {
		got = append(got, line{c.Principal.StringFixed(2), c.Amount.StringFixed(2), c.From.String(), c.To.String()})
	}
	want := []line{{"1000.00", "1.97", "2026-04-01", "2026-04-09"}, {"500.00", "0.55", "2026-04-10", "2026-04-14"}}
	if !slices.Equal(got, want) {
		t.Errorf("interest lines %v, want %v", got, want)
	}
	if !a.Interest.Equal(dunningtest.Amount("2.52")) || !n.Total.Equal(dunningtest.Amount("502.52")) {
		t.Errorf("interest %s, total %s; want 2.52 and 502.52", a.Interest, n.Total)
	}
	if err := n.Validate(); err != nil {
		t.Error(err)
	}
}

// The customer's language tag with its region decides the formats: a US
// customer reads "April 14, 2026".
func TestNoticeLocaleFromCustomer(t *testing.T) {
	pol := stdPolicy()
	pf := onePortfolio()
	pf.Customers[0].Language = "en-US"
	acts, err := dunning.Plan(day("2026-04-14"), pol, pf)
	if err != nil || len(acts) != 1 {
		t.Fatalf("plan: %v, %d actions", err, len(acts))
	}
	text := render(t, pol, &acts[0])
	if !strings.Contains(text, "Date: April 14, 2026") || strings.Contains(text, "14 April 2026") {
		t.Errorf("US dates:\n%s", acts[0].Notice.Text)
	}
}

// One language per notice: a customer whose language has no templates
// ("fr") gets the English fallback throughout (payment text, HTML lang,
// Notice.Language, which a sender sends as Content-Language), on every
// channel; a customer whose language has templates ("de") keeps it.
func TestNoticeFallbackLanguageIsOneLanguage(t *testing.T) {
	const en, fr, de = "Please transfer the amount due, quoting the payment reference.",
		"Veuillez virer le montant dû en indiquant la référence de paiement.",
		"Bitte überweisen Sie den fälligen Betrag unter Angabe der Zahlungsreferenz."
	for _, tc := range []struct {
		lang, want, pay, html, greeting string
	}{
		{"fr", "en", en, `<html lang="en">`, "Dear "},
		{"fr-CA", "en", en, `<html lang="en">`, "Dear "},
		{"de", "de", de, `<html lang="de">`, "Sehr geehrte"},
		{"de-AT", "de-AT", de, `<html lang="de">`, "Sehr geehrte"},
	} {
		pol := stdPolicy()
		pol.Payment.ByLanguage = map[string]string{"en": en, "fr": fr, "de": de}
		pf := onePortfolio()
		pf.Agreements[0].Payment = dunning.PaymentInstructions{} // the policy's payment applies
		pf.Customers[0].Language = tc.lang
		acts, err := dunning.Plan(day("2026-04-14"), pol, pf)
		if err != nil || len(acts) != 1 || acts[0].Problem != "" {
			t.Fatalf("%s: plan: %v %+v", tc.lang, err, acts)
		}
		n := acts[0].Notice
		text := render(t, pol, &acts[0])
		if !strings.Contains(n.Text, tc.greeting) || !strings.Contains(n.Text, tc.pay) {
			t.Errorf("%s: want %q and the payment text %q:\n%s", tc.lang, tc.greeting, tc.pay, n.Text)
		}
		for _, other := range []string{en, fr, de} {
			if other != tc.pay && strings.Contains(text, other) {
				t.Errorf("%s: the notice carries the payment text %q:\n%s", tc.lang, other, n.Text)
			}
		}
		if !strings.Contains(n.HTML, tc.html) {
			t.Errorf("%s: HTML does not declare %s", tc.lang, tc.html)
		}
		if n.Language != tc.want {
			t.Errorf("%s: rendered Notice.Language %q, want %q", tc.lang, n.Language, tc.want)
		}
		// Rendered again, by the same set or the policy's, it stays as it is.
		subject, body := n.Subject, n.Text
		pol.Render(acts)
		if acts[0].Problem != "" || n.Subject != subject || n.Text != body || n.Language != tc.want {
			t.Errorf("%s: rendered again: problem %q, language %q, changed %v", tc.lang, acts[0].Problem, n.Language, n.Text != body)
		}
		// The Runner renders what it sends the same way, and its record
		// names the language rendered, as it does for a notice rendered
		// before (Policy.Render).
		for _, pre := range []bool{false, true} {
			acts, err := dunning.Plan(day("2026-04-14"), pol, pf)
			if err != nil || len(acts) != 1 {
				t.Fatalf("plan: %v %+v", err, acts)
			}
			if pre {
				pol.Render(acts)
			}
			st, snd := memory.New(), &dunningtest.Sender{}
			r := &dunning.Runner{Policy: pol, Store: st, Sender: snd, Clock: dunningtest.ClockAt(day("2026-04-14")), Owner: "t"}
			if _, err := r.Execute(context.Background(), acts); err != nil {
				t.Fatal(err)
			}
			recs, err := st.Records(context.Background())
			sent := snd.Sent()
			if err != nil || len(recs) != 1 || len(sent) != 1 || sent[0].Notice.Language != tc.want || sent[0].Notice.Text != body ||
				!strings.HasSuffix(recs[0].Template, "/"+tc.want) {
				t.Errorf("%s: runner (rendered before: %v): %v, sent %+v, records %+v", tc.lang, pre, err, sent, recs)
			}
		}
		// The SMS and the letter are in the same language.
		for _, ch := range []notice.Channel{notice.SMS, notice.Letter} {
			m := *acts[0].Notice
			m.Channel, m.Language, m.Subject, m.Text, m.HTML = ch, tc.lang, "", "", ""
			if err := notice.Builtin().Render(&m); err != nil {
				t.Fatal(err)
			}
			if m.Language != tc.want || strings.Contains(m.Text, fr) && tc.want != "fr" {
				t.Errorf("%s %s: language %q:\n%s", tc.lang, ch, m.Language, m.Text)
			}
		}
	}
}

// History of an earlier dunning cycle is not this notice's history: a new
// cycle's first notice claims no earlier notice and no earlier fees; the
// same history in the current cycle is named.
func TestNoticeHistoryOfAnotherCycle(t *testing.T) {
	pol := stdPolicy()
	pf := onePortfolio()
	pf.Invoices[0].Cycle = 1
	old := dunning.Progress{InvoiceID: "i1", Cycle: 0, Workflow: "standard", Step: 2, Last: day("2026-03-31"), Fees: dunningtest.Amount("5.00")}
	pf.History = dunning.HistoryMap{"i1": old}
	acts, err := dunning.Plan(day("2026-04-14"), pol, pf)
	if err != nil || len(acts) != 1 {
		t.Fatalf("plan: %v, %d actions", err, len(acts))
	}
	n := acts[0].Notice
	if !n.First() || len(n.Fees) != 0 {
		t.Errorf("new cycle: earlier %v, fees %v; want none", n.Earlier, n.Fees)
	}
	old.Cycle = 1
	pf.History = dunning.HistoryMap{"i1": old}
	acts, err = dunning.Plan(day("2026-04-14"), pol, pf)
	if err != nil || len(acts) != 1 {
		t.Fatalf("plan: %v, %d actions", err, len(acts))
	}
	n = acts[0].Notice
	if !slices.Equal(n.Earlier, []date.Date{day("2026-03-31")}) || len(n.Fees) != 1 || !n.Fees[0].Amount.Equal(dunningtest.Amount("5.00")) {
		t.Errorf("same cycle: earlier %v, fees %v; want 2026-03-31 and 5.00", n.Earlier, n.Fees)
	}
}
