package dunning_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/charge"
	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/overduehq/overdue/notice"
	"github.com/overduehq/overdue/schedule"
	"github.com/overduehq/overdue/store/memory"
	"github.com/shopspring/decimal"
)

// statementWorkflow: a reminder on the due date, a statement of account
// ten days after it (covering the 30 days up to that day), an overdue
// notice at due+14.
func statementWorkflow(lookback int) dunning.Workflow {
	at := func(days int) schedule.Offset { return schedule.Offset{Anchor: schedule.Due, Days: days} }
	return dunning.Workflow{Name: "standard", Steps: []dunning.Step{
		{Name: "reminder", At: at(0), Action: dunning.Email},
		{Name: "statement", At: at(10), Action: dunning.SendStatement, LookbackDays: lookback},
		{Name: "overdue-1", At: at(14), Action: dunning.Email},
	}}
}

// statementPortfolio is customer c1 (language lang) with:
//
//	i1 EUR 500.00 issued 03-01, due 03-31, 200.00 paid 04-05 (BANK-7)
//	i2 EUR 300.00 issued 03-20, due 04-19
//	u1 EUR 50.00 received 04-08, not yet allocated
func statementPortfolio(lang string) dunning.Portfolio {
	c := dunningtest.Customer("c1")
	c.Language = lang
	i1 := dunningtest.Invoice("i1", "c1", day("2026-03-01"), day("2026-03-31"), "500.00", "EUR")
	i1.Payments = []dunning.Payment{{Date: day("2026-04-05"), Amount: amt("200.00"), Ref: "BANK-7"}}
	i2 := dunningtest.Invoice("i2", "c1", day("2026-03-20"), day("2026-04-19"), "300.00", "EUR")
	return dunning.Portfolio{Customers: []dunning.Customer{c}, Invoices: []dunning.Invoice{i1, i2},
		Unapplied: []dunning.Unapplied{payment("u1", "EUR", "50.00", "2026-04-08")}}
}

// The statement step of i1 falls on 03-31 + 10 = 04-10. Run twice a day
// from 03-31 to 04-12 on one memory store: the reminder goes out on 03-31
// and the statement once, on 04-10, under i1's key. By hand, over
// 03-12..04-10 (30 days):
//
//	opening (before 03-12): i1 500.00
//	03-20 invoice INV-i2    +300.00   800.00
//	04-05 payment BANK-7    -200.00   600.00
//	04-08 unapplied BANK-u1  -50.00   550.00 = closing
//
// Open items on 04-10: i1 300.00 (10 days overdue), i2 300.00 (not yet
// due): 600.00 - 50.00 unapplied = 550.00, the closing balance. Aging: not
// yet due 300.00, 1-30 days 300.00.
func TestStatementStep(t *testing.T) {
	pol := dunningtest.Policy(statementWorkflow(30))
	for _, lang := range []string{"en", "de"} {
		t.Run(lang, func(t *testing.T) {
			ctx := context.Background()
			pf := statementPortfolio(lang)
			st := memory.New()
			snd := &dunningtest.Sender{}
			var statements []dunning.Action
			for d := day("2026-03-31"); d <= day("2026-04-12"); d++ {
				for run := range 2 {
					r := &dunning.Runner{Policy: pol, Store: st, Sender: snd, Clock: dunningtest.ClockAt(d), Owner: "t"}
					acts, err := r.Plan(ctx, pf)
					if err != nil {
						t.Fatal(err)
					}
					for _, a := range acts {
						if a.Kind == dunning.SendStatement && run == 0 {
							statements = append(statements, a)
						}
					}
					if _, err := r.Execute(ctx, acts); err != nil {
						t.Fatal(err)
					}
				}
			}
			if len(statements) != 1 || statements[0].Date != day("2026-04-10") || statements[0].Key != "inv/c1/i1/standard/statement/c0" || statements[0].Problem != "" {
				t.Fatalf("statement actions %+v, want one on 2026-04-10 for i1", statements)
			}
			var keys []string
			for _, s := range snd.Sent() {
				keys = append(keys, s.Key)
				if s.Attempts != 1 {
					t.Errorf("%s sent %d times", s.Key, s.Attempts)
				}
			}
			if want := []string{"inv/c1/i1/standard/reminder/c0", "inv/c1/i1/standard/statement/c0"}; !cmp.Equal(keys, want) {
				t.Errorf("sent %v, want %v", keys, want)
			}
			n := snd.Sent()[1].Notice
			s := n.Statement
			if s == nil || n.Debtor.Email != "c1@example.com" || s.From != day("2026-03-12") || s.To != day("2026-04-10") {
				t.Fatalf("statement notice %+v", n)
			}
			var bals []string
			for _, e := range s.Entries {
				bals = append(bals, e.Kind+" "+e.Reference+" "+e.Balance.StringFixed(2))
			}
			want := []string{"invoice INV-i2 800.00", "payment BANK-7 600.00", "unapplied-payment BANK-u1 550.00"}
			if !s.Opening.Equal(amt("500")) || !cmp.Equal(bals, want) || !s.Closing.Equal(amt("550")) || !n.Total.Equal(amt("550")) {
				t.Errorf("opening %s entries %v closing %s, want 500 %v 550", s.Opening, bals, s.Closing, want)
			}
			var items, aging []string
			for _, l := range s.Items {
				items = append(items, l.Number+" "+l.Open.StringFixed(2))
			}
			for _, b := range s.Aging {
				aging = append(aging, b.Amount.StringFixed(2))
			}
			if !cmp.Equal(items, []string{"INV-i1 300.00", "INV-i2 300.00"}) || !s.Unapplied.Equal(amt("50")) ||
				!cmp.Equal(aging, []string{"300.00", "300.00", "0.00", "0.00", "0.00"}) {
				t.Errorf("items %v unapplied %s aging %v", items, s.Unapplied, aging)
			}
			wantText := map[string][]string{
				"en": {"Statement of account, 12 March 2026 to 10 April 2026", "Opening balance on 12 March 2026: EUR 500.00", "Closing balance on 10 April 2026: EUR 550.00", "Less money received and not yet allocated: EUR 50.00"},
				"de": {"Kontoauszug vom 12. März 2026 bis 10. April 2026", "Anfangssaldo am 12. März 2026: 500,00 EUR", "Endsaldo am 10. April 2026: 550,00 EUR", "Abzüglich erhaltener, noch nicht zugeordneter Zahlungen: 50,00 EUR"},
			}[lang]
			for _, w := range wantText {
				if !strings.Contains(n.Text, w) {
					t.Errorf("text lacks %q:\n%s", w, n.Text)
				}
			}
			for _, internal := range []string{"standard", "inv/", "statement/c0"} {
				if strings.Contains(n.Text, internal) || strings.Contains(n.Subject, internal) {
					t.Errorf("the customer reads the internal %q:\n%s", internal, n.Text)
				}
			}
			// Recorded once, as a statement, advancing i1 past the step
			// without counting as a notice.
			recs, err := st.Records(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var stmts []dunning.Record
			for _, rec := range recs {
				if rec.Kind == dunning.SendStatement {
					stmts = append(stmts, rec)
				}
			}
			if len(stmts) != 1 || !stmts[0].Amount.Equal(amt("550")) || !cmp.Equal(stmts[0].InvoiceIDs, []string{"i1"}) {
				t.Errorf("statement records %+v", stmts)
			}
			h, _ := st.History(ctx)
			if p, _ := h.Progress("i1"); p.Step != 1 || p.Last != day("2026-03-31") || p.Notices == nil || p.Notices.Count != 1 {
				t.Errorf("i1 progress %+v, want step 1, last notice 03-31, one notice", p)
			}
		})
	}
}

// Explain on the statement day names the action and the period.
func TestStatementStepExplained(t *testing.T) {
	pol := dunningtest.Policy(statementWorkflow(30))
	pf := statementPortfolio("en")
	pf.History = dunning.HistoryMap{"i1": {InvoiceID: "i1", Workflow: "standard", Step: 0, Last: day("2026-03-31")}}
	ex, err := dunning.Explain(day("2026-04-10"), pol, pf, "i1")
	if err != nil {
		t.Fatal(err)
	}
	if len(ex.Actions) != 1 || ex.Actions[0].Kind != dunning.SendStatement ||
		!strings.Contains(ex.Actions[0].Reason, "a statement of account from 2026-03-12 to 2026-04-10 goes out: closing balance EUR 550.00") {
		t.Errorf("explanation %s actions %+v", ex, ex.Actions)
	}
}

// Two invoices whose statement steps fall on one day get one statement,
// keyed on both; with no lookback it covers the days since the earliest
// issue date of the open items. i1 (500.00, 03-01, due 03-31) and i3
// (80.00, issued 03-05, due 03-31) reach the step on 04-10: from 03-01, the
// opening balance is 0.00 and the closing 500 + 300 + 80 - 200 - 50 =
// 630.00; the open items are 300.00 + 80.00 + 300.00 = 680.00, less 50.00.
func TestStatementStepOnePerCustomer(t *testing.T) {
	pol := dunningtest.Policy(statementWorkflow(0))
	pf := statementPortfolio("en")
	pf.Invoices = append(pf.Invoices, dunningtest.Invoice("i3", "c1", day("2026-03-05"), day("2026-03-31"), "80.00", "EUR"))
	pf.History = dunning.HistoryMap{
		"i1": {InvoiceID: "i1", Workflow: "standard", Step: 0, Last: day("2026-03-31")},
		"i3": {InvoiceID: "i3", Workflow: "standard", Step: 0, Last: day("2026-03-31")},
	}
	acts, err := dunning.Plan(day("2026-04-10"), pol, pf)
	if err != nil {
		t.Fatal(err)
	}
	if len(acts) != 1 || acts[0].Kind != dunning.SendStatement || !cmp.Equal(acts[0].InvoiceIDs, []string{"i1", "i3"}) ||
		!strings.HasPrefix(acts[0].Key, "cust/c1/standard/statement/EUR/") || acts[0].Problem != "" {
		t.Fatalf("actions %+v", acts)
	}
	s := acts[0].Notice.Statement
	if s.From != day("2026-03-01") || !s.Opening.IsZero() || !s.Closing.Equal(amt("630")) || len(s.Items) != 3 {
		t.Errorf("from %s opening %s closing %s items %d, want 2026-03-01 0 630 3", s.From, s.Opening, s.Closing, len(s.Items))
	}
	again, _ := dunning.Plan(day("2026-04-11"), pol, pf)
	if len(again) != 1 || again[0].Key != acts[0].Key {
		t.Errorf("next day (not recorded yet): %+v, want the same key %s", again, acts[0].Key)
	}
}

// Validate names the path of what a statement step cannot carry.
func TestStatementStepValidate(t *testing.T) {
	for _, tc := range []struct {
		change func(*dunning.Step, *dunning.Step)
		field  string
	}{
		{func(s, _ *dunning.Step) { s.LookbackDays = -1 }, "workflows[0].steps[1].lookback_days"},
		{func(s, _ *dunning.Step) { s.LookbackDays = 4000 }, "workflows[0].steps[1].lookback_days"},
		{func(s, _ *dunning.Step) { s.OnBounce = dunning.Email }, "workflows[0].steps[1].on_bounce"},
		{func(s, _ *dunning.Step) { s.Stage = notice.FinalNotice }, "workflows[0].steps[1].stage"},
		{func(_, e *dunning.Step) { e.Stage = notice.StatementOfAccount }, "workflows[0].steps[0].stage"},
		{func(s, _ *dunning.Step) {
			s.Fee = &charge.Fee{Kind: charge.FixedPerNotice, Amounts: map[dunning.Currency]decimal.Decimal{"EUR": amt("5")}}
		}, "workflows[0].steps[1].fee"},
		{func(_, e *dunning.Step) { e.LookbackDays = 30 }, "workflows[0].steps[0].lookback_days"},
		{func(s, _ *dunning.Step) { s.Action = "statment" }, "workflows[0].steps[1].action"},
	} {
		wf := statementWorkflow(30)
		tc.change(&wf.Steps[1], &wf.Steps[0])
		pol := &dunning.Policy{Workflows: []dunning.Workflow{wf}, Creditor: dunningtest.Creditor()}
		err := pol.Validate()
		var fe *dunning.FieldError
		if !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("%s: err = %v", tc.field, err)
		}
	}
	pol, err := dunning.ParsePolicy([]byte(`{"workflows": [{"name": "w", "steps": [
		{"name": "statement", "at": "due+10", "action": "statement", "lookback_days": 30}]}],
		"statements": {"day": 5, "to": ["billing"], "window_days": 3},
		"creditor": {"name": "Northwind GmbH", "address": ["Hafenstraße 12", "20457 Hamburg"]}}`))
	if err != nil || pol.Workflows[0].Steps[0].Action != dunning.SendStatement || pol.Workflows[0].Steps[0].LookbackDays != 30 ||
		!cmp.Equal(pol.Statements, &dunning.StatementSchedule{Day: 5, To: []string{"billing"}, WindowDays: 3}) {
		t.Fatalf("parse: %+v %v", pol, err)
	}
	b, err := json.Marshal(pol)
	if err != nil {
		t.Fatal(err)
	}
	back, err := dunning.ParsePolicy(b)
	if err != nil || !cmp.Equal(back.Statements, pol.Statements) || back.Workflows[0].Steps[0].LookbackDays != 30 {
		t.Errorf("round trip: %s: %v", b, err)
	}
	_, err = dunning.ParsePolicy([]byte(`{"workflows": [{"name": "w", "steps": [{"name": "s", "at": "due", "action": "email"}]}],
		"statements": {"day": "first"}, "creditor": {"name": "N", "address": ["A"]}}`))
	var fe *dunning.FieldError
	if !errors.As(err, &fe) || fe.Field != "statements.day" {
		t.Errorf("statements.day as text: %v", err)
	}
}

// monthlyPolicy sends statements on day 1; its workflow's only step,
// due+60, falls after the days the tests plan.
func monthlyPolicy() (*dunning.Policy, dunning.Workflow) {
	wf := dunning.Workflow{Name: "standard", Steps: []dunning.Step{{Name: "late", At: schedule.Offset{Anchor: schedule.Due, Days: 60}, Action: dunning.Email}}}
	pol := dunningtest.Policy(wf)
	pol.Statements = &dunning.StatementSchedule{Day: 1}
	return pol, wf
}

// Monthly statements on day 1 (Policy.Statements), run twice a day from
// 04-01 to 05-10 on one memory store; the workflow's only step (due+60)
// never falls in that time. c1 is statementPortfolio's; c2's one invoice
// (100.00, issued 01-10) was paid on 01-20: no entry in March or April and
// a zero balance, so c2 gets none. By hand, for c1:
//
//	04-01, March: opening 0.00; 03-01 INV-i1 +500.00 = 500.00, 03-20
//	       INV-i2 +300.00 = 800.00 closing; open on 03-31 i1 500.00 (due
//	       that day) and i2 300.00, both not yet due: aging 800.00 0 0 0 0
//	05-01, April: opening 800.00; 04-05 BANK-7 -200.00 = 600.00, 04-08
//	       BANK-u1 -50.00 = 550.00 closing; open on 04-30 i1 300.00 (30
//	       days overdue) and i2 300.00 (11 days), less 50.00 unapplied:
//	       aging 0 600.00 0 0 0
//
// Each is planned on its day and the six days after (the window), sent
// and recorded once, with no invoice on its record.
func TestScheduledStatements(t *testing.T) {
	ctx := context.Background()
	pol, wf := monthlyPolicy()
	pf := statementPortfolio("en")
	i9 := dunningtest.Invoice("i9", "c2", day("2026-01-10"), day("2026-02-09"), "100.00", "EUR")
	i9.Payments = []dunning.Payment{{Date: day("2026-01-20"), Amount: amt("100.00")}}
	pf.Customers = append(pf.Customers, dunningtest.Customer("c2"))
	pf.Invoices = append(pf.Invoices, i9)
	st := memory.New()
	snd := &dunningtest.Sender{}
	planned := map[string][]string{}
	for d := day("2026-04-01"); d <= day("2026-05-10"); d++ {
		for range 2 {
			r := &dunning.Runner{Policy: pol, Store: st, Sender: snd, Clock: dunningtest.ClockAt(d), Owner: "t"}
			acts, err := r.Plan(ctx, pf)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range acts {
				if a.Kind == dunning.SendStatement && !slices.Contains(planned[a.Key], d.String()) {
					planned[a.Key] = append(planned[a.Key], d.String())
				}
			}
			if _, err := r.Execute(ctx, acts); err != nil {
				t.Fatal(err)
			}
		}
	}
	wantDays := func(from string) []string {
		var out []string
		for d := day(from); d < day(from)+7; d++ {
			out = append(out, d.String())
		}
		return out
	}
	if diff := cmp.Diff(map[string][]string{"statement/c1/EUR/2026-03-31": wantDays("2026-04-01"), "statement/c1/EUR/2026-04-30": wantDays("2026-05-01")}, planned); diff != "" {
		t.Errorf("planned statements (-want +got):\n%s", diff)
	}
	sent := snd.Sent()
	if len(sent) != 2 || sent[0].Attempts != 1 || sent[1].Attempts != 1 {
		t.Fatalf("sent %+v, want two statements once each", sent)
	}
	for k, want := range []struct {
		opening, closing string
		bals, aging      []string
	}{
		{"0", "800", []string{"invoice 500.00", "invoice 800.00"}, []string{"800.00", "0.00", "0.00", "0.00", "0.00"}},
		{"800", "550", []string{"payment 600.00", "unapplied-payment 550.00"}, []string{"0.00", "600.00", "0.00", "0.00", "0.00"}},
	} {
		s := sent[k].Notice.Statement
		var bals, aging []string
		for _, e := range s.Entries {
			bals = append(bals, e.Kind+" "+e.Balance.StringFixed(2))
		}
		for _, b := range s.Aging {
			aging = append(aging, b.Amount.StringFixed(2))
		}
		if !s.Opening.Equal(amt(want.opening)) || !s.Closing.Equal(amt(want.closing)) || !cmp.Equal(bals, want.bals) || !cmp.Equal(aging, want.aging) {
			t.Errorf("statement %d: opening %s closing %s entries %v aging %v, want %+v", k, s.Opening, s.Closing, bals, aging, want)
		}
	}
	recs, _ := st.Records(ctx)
	if len(recs) != 2 || recs[0].Kind != dunning.SendStatement || len(recs[0].InvoiceIDs) != 0 || !recs[1].Amount.Equal(amt("550")) {
		t.Errorf("records %+v", recs)
	}
	h, _ := st.History(ctx)
	if _, ok := h.Progress("i1"); ok {
		t.Errorf("a scheduled statement moved i1's progress")
	}
	ex, err := dunning.Explain(day("2026-04-03"), pol, pf, "i2")
	if err != nil || len(ex.Actions) != 1 || ex.Actions[0].Key != "statement/c1/EUR/2026-03-31" ||
		!strings.Contains(ex.Actions[0].Reason, "the monthly statement of account (day 1); a statement of account from 2026-03-01 to 2026-03-31 goes out: closing balance EUR 800.00") {
		t.Errorf("explain: %+v %v", ex, err)
	}
	if s := ex.String(); !strings.Contains(s, "  action statement statement/c1/EUR/2026-03-31\n") || !strings.Contains(s, "  next: late on 2026-06-18\n") {
		t.Errorf("explanation:\n%s", s)
	}
	// A customer on hold gets none while the hold lasts: held from 03-15
	// to 04-03, c1's March statement waits until 04-03, in its window.
	pf.Customers[0].Hold = &dunning.Hold{Since: day("2026-03-15"), Until: day("2026-04-03"), Reason: "restructuring"}
	for d, want := range map[string]int{"2026-04-02": 0, "2026-04-03": 1} {
		acts, err := dunning.Plan(day(d), pol, pf)
		if err != nil || len(acts) != want {
			t.Errorf("on hold, %s: %d actions %v, want %d", d, len(acts), err, want)
		}
	}
	for _, bad := range []struct {
		s     dunning.StatementSchedule
		field string
	}{{dunning.StatementSchedule{Day: 29}, "statements.day"}, {dunning.StatementSchedule{Day: 1, WindowDays: 29}, "statements.window_days"}} {
		p := dunningtest.Policy(wf)
		p.Statements = &bad.s
		var fe *dunning.FieldError
		if err := p.Validate(); !errors.As(err, &fe) || fe.Field != bad.field {
			t.Errorf("%+v: %v, want an error naming %s", bad.s, err, bad.field)
		}
	}
}

// A customer writing French gets the statement in English, and says so
// (the statement texts are English and German): one language per document.
func TestStatementOtherLanguageIsEnglish(t *testing.T) {
	pf := statementPortfolio("fr-FR")
	st, err := dunningtest.Policy(statementWorkflow(0)).Statement(pf, dunning.StatementRequest{CustomerID: "c1", Currency: "EUR", From: day("2026-03-01"), To: day("2026-03-31")})
	if err != nil || st.Language != "en" || !strings.HasPrefix(st.Subject, "Statement of account 1 March 2026") || !strings.Contains(st.HTML, `lang="en"`) {
		t.Errorf("%v %q %q", err, st.Language, st.Subject)
	}
}

// bouncedStatement runs i1 of statementPortfolio once a day from 03-31 to
// 04-12, the statement step's OnBounce set to onBounce, with a Sender
// that fails every statement by email for good: the reminder goes out on
// 03-31, the statement fails on 04-10, its fallback goes out on 04-11.
func bouncedStatement(t *testing.T, onBounce dunning.ActionKind) (*memory.Store, *dunningtest.Sender) {
	t.Helper()
	wf := statementWorkflow(30)
	wf.Steps[1].OnBounce = onBounce
	pol := dunningtest.Policy(wf)
	pf := statementPortfolio("en")
	pf.Invoices = pf.Invoices[:1]
	st := memory.New()
	snd := &dunningtest.Sender{Fail: func(key string, n *notice.Notice) error {
		if n.Statement != nil && n.Channel == notice.Email {
			return fmt.Errorf("mailbox gone: %w", dunning.ErrPermanent)
		}
		return nil
	}}
	var got []string
	for d := day("2026-03-31"); d <= day("2026-04-12"); d++ {
		r := &dunning.Runner{Policy: pol, Store: st, Sender: snd, Clock: dunningtest.ClockAt(d), Owner: "t"}
		acts, err := r.Plan(context.Background(), pf)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := r.Execute(context.Background(), acts)
		if err != nil {
			t.Fatal(err)
		}
		for _, res := range rep.Results {
			got = append(got, d.String()+" "+string(res.Status)+" "+res.Key)
		}
	}
	want := []string{
		"2026-03-31 sent inv/c1/i1/standard/reminder/c0",
		"2026-04-10 failed inv/c1/i1/standard/statement/c0",
		"2026-04-11 sent inv/c1/i1/standard/statement/c0/fallback",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("results (-want +got):\n%s", diff)
	}
	return st, snd
}

// A statement the Sender fails for good is followed by the step's OnBounce
// task the next day, once; the failed statement charged nothing.
func TestStatementStepFailedForGood(t *testing.T) {
	ctx := context.Background()
	st, _ := bouncedStatement(t, "")
	tasks, _ := st.Tasks(ctx, dunning.TaskOpen)
	if len(tasks) != 1 || tasks[0].Kind != dunning.Task || !strings.Contains(tasks[0].Title, "the notice could not be delivered") {
		t.Errorf("tasks %+v", tasks)
	}
}

// With OnBounce "letter", a statement that failed for good by email is
// sent by post the next day, as a statement: to the contact's address,
// over the 30 days up to 04-11 (03-13..04-11), by hand for i1 alone:
// opening 500.00, 04-05 BANK-7 -200.00 = 300.00, 04-08 BANK-u1 -50.00 =
// 250.00. It opens no task and counts as no notice.
func TestStatementStepByLetter(t *testing.T) {
	ctx := context.Background()
	st, snd := bouncedStatement(t, dunning.Letter)
	sent := snd.Sent()
	n := sent[len(sent)-1].Notice
	if n.Channel != notice.Letter || n.Statement == nil || !cmp.Equal(n.Debtor.Address, []string{"1 Example Street", "London EC1A 1AA"}) ||
		n.Statement.From != day("2026-03-13") || !n.Statement.Closing.Equal(amt("250")) ||
		!strings.Contains(n.Text, "Closing balance on 11 April 2026: EUR 250.00\n") {
		t.Errorf("by letter: %+v\n%s", n, n.Text)
	}
	recs, _ := st.Records(ctx)
	if r := recs[len(recs)-1]; r.Kind != dunning.SendStatement || r.Key != "inv/c1/i1/standard/statement/c0/fallback" {
		t.Errorf("record %+v", r)
	}
	if tasks, _ := st.Tasks(ctx, dunning.TaskOpen); len(tasks) != 0 {
		t.Errorf("tasks %+v", tasks)
	}
	h, _ := st.History(ctx)
	if p, _ := h.Progress("i1"); p.Notices == nil || p.Notices.Count != 1 {
		t.Errorf("i1 progress %+v, want one notice (the reminder)", p)
	}
}

// Plan validates the statement's notice although it renders nothing: a
// customer without an email address gets its statement with a Problem,
// never claimed.
func TestStatementStepNoAddress(t *testing.T) {
	pol := dunningtest.Policy(statementWorkflow(30))
	pf := statementPortfolio("en")
	pf.Customers[0].Contacts[0].Email = ""
	pf.History = dunning.HistoryMap{"i1": {InvoiceID: "i1", Workflow: "standard", Step: 0, Last: day("2026-03-31")}}
	acts, err := dunning.Plan(day("2026-04-10"), pol, pf)
	i := slices.IndexFunc(acts, func(a dunning.Action) bool { return a.Kind == dunning.SendStatement })
	if err != nil || i < 0 || !strings.Contains(acts[i].Problem, "debtor.email") || acts[i].Notice.Text != "" {
		t.Fatalf("%+v %v", acts, err)
	}
	snd := &dunningtest.Sender{}
	r := &dunning.Runner{Policy: pol, Store: memory.New(), Sender: snd, Clock: dunningtest.ClockAt(day("2026-04-10")), Owner: "t"}
	rep, err := r.Execute(context.Background(), acts[i:i+1])
	if err != nil || len(snd.Sent()) != 0 || len(rep.Results) != 1 || rep.Results[0].Status != dunning.StatusProblem {
		t.Errorf("execute: %v sent %d %+v", err, len(snd.Sent()), rep.Results)
	}
}

// A statement of a customer with an invalid record would leave it out: it
// carries a Problem naming the record, and Plan opens a task to fix it.
func TestStatementStepWithInvalidRecord(t *testing.T) {
	pol := dunningtest.Policy(statementWorkflow(30))
	pf := statementPortfolio("en")
	pf.History = dunning.HistoryMap{"i1": {InvoiceID: "i1", Workflow: "standard", Step: 0, Last: day("2026-03-31")}}
	pf.Unapplied = append(pf.Unapplied, dunning.Unapplied{ID: "u9", CustomerID: "c1", Kind: "cheque", Currency: "EUR", Date: day("2026-04-09"), Amount: amt("10")})
	acts, err := dunning.Plan(day("2026-04-10"), pol, pf)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, a := range acts {
		kinds = append(kinds, string(a.Kind))
		if a.Kind == dunning.SendStatement && !strings.Contains(a.Problem, "unapplied[u9].kind") {
			t.Errorf("statement problem %q", a.Problem)
		}
	}
	if !cmp.Equal(kinds, []string{"rejected", "fix-data", "statement"}) {
		t.Errorf("actions %v", kinds)
	}
}

// A scheduled statement whose runner died after claiming it (its outcome
// unknown) is planned again under its key after its window, sent once
// (reported resent: it may have gone out) and then no more.
func TestScheduledStatementPendingAfterWindow(t *testing.T) {
	ctx := context.Background()
	pol, _ := monthlyPolicy()
	pf := statementPortfolio("en")
	clock := dunningtest.ClockAt(day("2026-04-01"))
	st := memory.New(memory.WithClock(clock))
	snd := &dunningtest.Sender{}
	r := &dunning.Runner{Policy: pol, Store: st, Sender: snd, Clock: clock, Owner: "t"}
	acts, err := r.Plan(ctx, pf)
	if err != nil || len(acts) != 1 || acts[0].Key != "statement/c1/EUR/2026-03-31" {
		t.Fatalf("04-01: %+v %v", acts, err)
	}
	if _, err := st.Claim(ctx, dunning.ClaimParams{Key: acts[0].Key, Owner: "gone", Lease: time.Hour, Planned: dunning.PendingOf(&acts[0])}); err != nil {
		t.Fatal(err)
	}
	var got []string
	for d := day("2026-04-09"); d <= day("2026-04-11"); d++ {
		clock.Set(d.MidnightUTC().Add(12 * time.Hour))
		rep, err := r.Run(ctx, pf)
		if err != nil {
			t.Fatal(err)
		}
		for _, res := range rep.Results {
			got = append(got, d.String()+" "+string(res.Status)+" "+res.Key)
		}
	}
	if want := []string{"2026-04-09 resent statement/c1/EUR/2026-03-31"}; !cmp.Equal(got, want) {
		t.Errorf("results %v, want %v", got, want)
	}
	if s := snd.Sent(); len(s) != 1 || s[0].Notice.Statement == nil || !s[0].Notice.Statement.Closing.Equal(amt("800")) {
		t.Errorf("sent %+v", s)
	}
}

// statementTemplates is a set with one hand-written statement template
// for workflow "standard", step step, in English, and nothing else.
func statementTemplates(t *testing.T, step string, tpl notice.Template) *notice.Set {
	t.Helper()
	set := notice.NewSet()
	if err := set.Add(notice.Key{Workflow: "standard", Step: step, Language: "en", Stage: notice.StatementOfAccount}, tpl); err != nil {
		t.Fatal(err)
	}
	return set
}

// The statement of TestStatementStepExplained's day (04-10, over
// 03-12..04-10): closing EUR 550.00, open items INV-i1 EUR 300.00 and
// INV-i2 EUR 300.00. Plan leaves it unrendered; Policy.Render and the
// Runner render it with the policy's statement template for (standard,
// statement, en), else the built-in one.
func TestStatementStepTemplates(t *testing.T) {
	short := notice.Template{
		Subject: `Your account on {{.To}}`,
		Text:    "{{.S.Debtor.Name}} owes {{.Closing}}.{{range .Open}} {{.Number}}: {{.Open}}.{{end}}\n",
	}
	plan := func(t *testing.T, pol *dunning.Policy) dunning.Action {
		t.Helper()
		pf := statementPortfolio("en")
		pf.History = dunning.HistoryMap{"i1": {InvoiceID: "i1", Workflow: "standard", Step: 0, Last: day("2026-03-31")}}
		acts, err := dunning.Plan(day("2026-04-10"), pol, pf)
		i := slices.IndexFunc(acts, func(a dunning.Action) bool { return a.Kind == dunning.SendStatement })
		if err != nil || i < 0 {
			t.Fatalf("plan: %+v %v", acts, err)
		}
		return acts[i]
	}
	// preview plans pol's statement and renders it as Policy.Render does.
	preview := func(t *testing.T, pol *dunning.Policy) *notice.Notice {
		t.Helper()
		acts := []dunning.Action{plan(t, pol)}
		pol.Render(acts)
		if acts[0].Problem != "" {
			t.Errorf("preview: %s", acts[0].Problem)
		}
		return acts[0].Notice
	}
	t.Run("override", func(t *testing.T) {
		pol := dunningtest.Policy(statementWorkflow(30))
		pol.Templates = statementTemplates(t, "statement", short)
		a := plan(t, pol)
		n := a.Notice
		if a.Problem != "" || n.Subject != "" || n.Text != "" || n.HTML != "" || n.Statement.Text != "" || n.Stage != notice.StatementOfAccount {
			t.Fatalf("planned %q %+v: want validated, unrendered", a.Problem, n)
		}
		n = preview(t, pol)
		wantText := "Customer c1 owes EUR 550.00. INV-i1: EUR 300.00. INV-i2: EUR 300.00.\n"
		if n.Subject != "Your account on 10 April 2026" || n.Text != wantText || n.HTML != "" {
			t.Errorf("preview: subject %q text %q html %q", n.Subject, n.Text, n.HTML)
		}
		// The Runner renders what it sends the same way.
		snd := &dunningtest.Sender{}
		r := &dunning.Runner{Policy: pol, Store: memory.New(), Sender: snd, Clock: dunningtest.ClockAt(day("2026-04-10")), Owner: "t"}
		if _, err := r.Execute(context.Background(), []dunning.Action{plan(t, pol)}); err != nil {
			t.Fatal(err)
		}
		if sent := snd.Sent(); len(sent) != 1 || sent[0].Notice.Subject != "Your account on 10 April 2026" || sent[0].Notice.Text != wantText {
			t.Errorf("sent %+v", sent)
		}
	})
	t.Run("json", func(t *testing.T) {
		pol := dunningtest.Policy(statementWorkflow(30))
		pol.Templates = statementTemplates(t, "statement", short)
		b, err := json.Marshal(pol)
		if err != nil || !strings.Contains(string(b), `"stage":"statement-of-account"`) {
			t.Fatalf("%s %v", b, err)
		}
		back, err := dunning.ParsePolicy(b)
		if err != nil {
			t.Fatal(err)
		}
		if n := preview(t, back); n.Subject != "Your account on 10 April 2026" {
			t.Errorf("parsed policy: %q", n.Subject)
		}
	})
	t.Run("policy-statement", func(t *testing.T) {
		// Policy.Statement names no workflow or step: the stage default.
		pol := dunningtest.Policy(statementWorkflow(30))
		pol.Templates = notice.NewSet()
		if err := pol.Templates.Add(notice.Key{Language: "en", Stage: notice.StatementOfAccount}, short); err != nil {
			t.Fatal(err)
		}
		st, err := pol.Statement(statementPortfolio("en"), dunning.StatementRequest{CustomerID: "c1", Currency: "EUR", From: day("2026-03-12"), To: day("2026-04-10")})
		if err != nil || st.Subject != "Your account on 10 April 2026" || st.Text != "Customer c1 owes EUR 550.00. INV-i1: EUR 300.00. INV-i2: EUR 300.00.\n" {
			t.Errorf("Policy.Statement: %v %q %q", err, st.Subject, st.Text)
		}
	})
	t.Run("step-template", func(t *testing.T) {
		wf := statementWorkflow(30)
		wf.Steps[1].Template = "short"
		pol := dunningtest.Policy(wf)
		pol.Templates = statementTemplates(t, "short", short)
		if n := preview(t, pol); n.Subject != "Your account on 10 April 2026" {
			t.Errorf("Step.Template short: %q", n.Subject)
		}
	})
	t.Run("fallback", func(t *testing.T) {
		pol := dunningtest.Policy(statementWorkflow(30))
		pol.Templates = statementTemplates(t, "another-step", short)
		n := preview(t, pol)
		if n.Subject != "Statement of account 12 March 2026 – 10 April 2026" ||
			!strings.Contains(n.Text, "Closing balance on 10 April 2026: EUR 550.00\n") || !strings.Contains(n.HTML, `<html lang="en">`) {
			t.Errorf("built-in fallback: %q\n%s", n.Subject, n.Text)
		}
	})
	t.Run("check-notices-copy", func(t *testing.T) {
		// A German customer, a policy with an English statement template
		// only: the built-in German statement stands in (the policy's
		// templates fall back to the built-in ones in every language before
		// English), and stays German. CheckNotices renders a copy, the
		// statement too: the planned notice and its statement stay as
		// planned.
		pol := dunningtest.Policy(statementWorkflow(30))
		pol.Templates = statementTemplates(t, "statement", short)
		pol.CheckNotices = true
		pf := statementPortfolio("de")
		pf.History = dunning.HistoryMap{"i1": {InvoiceID: "i1", Workflow: "standard", Step: 0, Last: day("2026-03-31")}}
		acts, err := dunning.Plan(day("2026-04-10"), pol, pf)
		i := slices.IndexFunc(acts, func(a dunning.Action) bool { return a.Kind == dunning.SendStatement })
		if err != nil || i < 0 {
			t.Fatalf("plan: %+v %v", acts, err)
		}
		n := acts[i].Notice
		if acts[i].Problem != "" || n.Language != "de" || n.Statement.Language != "de" || n.Statement.Text != "" || n.Text != "" {
			t.Fatalf("planned: problem %q, languages %q %q, texts %q %q", acts[i].Problem, n.Language, n.Statement.Language, n.Text, n.Statement.Text)
		}
		snd := &dunningtest.Sender{}
		r := &dunning.Runner{Policy: pol, Store: memory.New(), Sender: snd, Clock: dunningtest.ClockAt(day("2026-04-10")), Owner: "t"}
		if _, err := r.Execute(context.Background(), acts[i:i+1]); err != nil {
			t.Fatal(err)
		}
		sent := snd.Sent()
		if len(sent) != 1 || !strings.Contains(sent[0].Notice.Text, "Endsaldo am 10. April 2026: 550,00 EUR") || !strings.Contains(sent[0].Notice.HTML, `<html lang="de">`) ||
			sent[0].Notice.Language != "de" || sent[0].Notice.Statement.Language != "de" {
			t.Errorf("sent %+v", sent)
		}
	})
	t.Run("omits-closing", func(t *testing.T) {
		bad := notice.Template{Subject: `Your account`, Text: "{{range .Open}}{{.Number}}: {{.Open}}\n{{end}}"}
		pol := dunningtest.Policy(statementWorkflow(30))
		pol.Templates = statementTemplates(t, "statement", bad)
		const why = "does not show its closing balance EUR 550.00"
		acts := []dunning.Action{plan(t, pol)}
		pol.Render(acts)
		if !strings.Contains(acts[0].Problem, why) || acts[0].Notice.Text != "" {
			t.Errorf("preview: problem %q text %q", acts[0].Problem, acts[0].Notice.Text)
		}
		snd := &dunningtest.Sender{}
		r := &dunning.Runner{Policy: pol, Store: memory.New(), Sender: snd, Clock: dunningtest.ClockAt(day("2026-04-10")), Owner: "t"}
		rep, err := r.Execute(context.Background(), []dunning.Action{plan(t, pol)})
		if err != nil || len(snd.Sent()) != 0 || len(rep.Results) != 1 || !strings.Contains(rep.Results[0].Error, why) {
			t.Errorf("runner: %v sent %d results %+v", err, len(snd.Sent()), rep.Results)
		}
		// CheckNotices renders on a copy when planning: a Problem at once.
		pol.CheckNotices = true
		if a := plan(t, pol); !strings.Contains(a.Problem, why) || a.Notice.Text != "" {
			t.Errorf("CheckNotices: problem %q", a.Problem)
		}
	})
}

// BenchmarkStatement: Policy.Statement on a validated policy, which
// parses the built-in templates once, beside the same policy never
// validated, which parses them on every call (what every call paid
// before policies kept them): the baseline of the same run.
func BenchmarkStatement(b *testing.B) {
	pf := statementPortfolio("en")
	req := dunning.StatementRequest{CustomerID: "c1", Currency: "EUR", From: day("2026-03-12"), To: day("2026-04-10")}
	validated := dunningtest.Policy(statementWorkflow(30))
	for _, bc := range []struct {
		name string
		pol  func() *dunning.Policy
	}{
		{"validated", func() *dunning.Policy { return validated }},
		{"never-validated", func() *dunning.Policy {
			return &dunning.Policy{Workflows: validated.Workflows, Creditor: validated.Creditor, Payment: validated.Payment}
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bc.pol().Statement(pf, req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
