package dunning_test

import (
	"context"
	"errors"
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

// noticeActions keeps the notices of a plan (a Problem adds a fix-data
// task beside its notice).
func noticeActions(acts []dunning.Action) []dunning.Action {
	var out []dunning.Action
	for _, a := range acts {
		if a.Kind.IsNotice() {
			out = append(out, a)
		}
	}
	return out
}

func eurFee(amount string) *charge.Fee {
	return &charge.Fee{Kind: charge.FixedPerNotice, Amounts: map[dunning.Currency]dunningtest.Decimal{"EUR": dunningtest.Amount(amount)}}
}

// dePolicy: the default cadence under German B2B law (Basiszinssatz 1.27 %
// from 1 January 2026, + 9 points = 10.27 %), with the EUR 40 compensation
// and a fee on the due-day reminder (3.00), the first overdue notice
// (5.00) and the second (10.00).
func dePolicy() *dunning.Policy {
	wf := dunning.DefaultWorkflow("standard")
	for i := range wf.Steps {
		switch wf.Steps[i].Name {
		case "due":
			wf.Steps[i].Fee = eurFee("3.00")
		case "overdue-1":
			wf.Steps[i].Fee = eurFee("5.00")
		case "overdue-2":
			wf.Steps[i].Fee = eurFee("10.00")
		}
	}
	pol := dunningtest.Policy(wf)
	pol.Charges = &dunning.Charges{
		Interest:     &charge.Interest{Regime: charge.DEB2B, Basis: charge.OnOpen},
		Rates:        charge.RateTable{{From: day("2026-01-01"), Percent: dunningtest.Amount("1.27")}},
		Compensation: true,
	}
	return pol
}

// Through a workflow's life under § 288 BGB, invoice i1 of 1,000.00 due
// 31 March (by hand):
//   - 31 March, the due-day reminder (a friendly reminder): its 3.00 fee is
//     not charged, nor anything else;
//   - 14 April, overdue-1: the EUR 40 covers the 5.00 fee: compensation
//     40 - 5 = 35.00, new fees 40.00; interest 1,000 x 10.27 % x 14/365 =
//     3.9392 -> 3.94, basis § 288 Abs. 2 BGB; total 1,043.94;
//   - 30 April, overdue-2: the compensation was claimed, so the 10.00 fee
//     is covered by it and not charged; earlier fees 40.00; interest
//     1,000 x 10.27 % x 30/365 = 8.4411 -> 8.44; total 1,048.44.
func TestPlanNetsFeesAgainstCompensation(t *testing.T) {
	pol, st, pf := dePolicy(), memory.New(), onePortfolio()
	pf.Invoices[0].Amount = dunningtest.Amount("1000.00")
	pf.Invoices[0].Lines[0].Amount = pf.Invoices[0].Amount
	pf.Customers[0].Kind = notice.Company
	type want struct {
		fees, total string
		lines       int
	}
	wants := map[date.Date]want{
		day("2026-03-31"): {"0", "1000.00", 0},
		day("2026-04-14"): {"40.00", "1043.94", 2},
		day("2026-04-30"): {"0", "1048.44", 1},
	}
	seen := 0
	for d := day("2026-03-25"); d <= day("2026-04-30"); d++ {
		h, err := st.History(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		pf.History = h
		for _, a := range runDay(t, pol, st, pf, d) {
			w, ok := wants[d]
			if !ok || !a.Kind.IsNotice() {
				continue
			}
			seen++
			n := a.Notice
			if a.Problem != "" {
				t.Fatalf("%s: %s", d, a.Problem)
			}
			if !a.Fees.Equal(dunningtest.Amount(w.fees)) || !n.Total.Equal(dunningtest.Amount(w.total)) || len(n.Fees) != w.lines {
				t.Errorf("%s %s: new fees %s, total %s, %d fee lines %+v; want %s, %s, %d", d, a.Step, a.Fees, n.Total, len(n.Fees), n.Fees, w.fees, w.total, w.lines)
			}
			switch d {
			case day("2026-03-31"):
				if len(n.Interest) != 0 || n.Stage != notice.FriendlyReminder || a.Compensation {
					t.Errorf("friendly reminder: interest %v, stage %s, compensation %v", n.Interest, n.Stage, a.Compensation)
				}
			case day("2026-04-14"):
				c := n.Fees[0] // compensation, then the step's fee
				if c.Label != "compensation" || !c.Amount.Equal(dunningtest.Amount("35")) || !c.Statutory.Equal(dunningtest.Amount("40")) ||
					!c.Covered.Equal(dunningtest.Amount("5")) || c.Basis != "§ 288 Abs. 5 BGB" || !a.Compensation {
					t.Errorf("compensation line %+v", c)
				}
				if len(n.Interest) != 1 || n.Interest[0].Basis != "§ 288 Abs. 2 BGB" || !n.Interest[0].Amount.Equal(dunningtest.Amount("3.94")) {
					t.Errorf("interest %+v", n.Interest)
				}
				if n.Law != notice.DE || n.Debtor.Kind != notice.Company {
					t.Errorf("law %q, debtor kind %q", n.Law, n.Debtor.Kind)
				}
			case day("2026-04-30"):
				if f := n.Fees[0]; f.Label != "fees-earlier" || !f.Amount.Equal(dunningtest.Amount("40")) {
					t.Errorf("earlier fees %+v", f)
				}
			}
		}
	}
	if seen != 3 {
		t.Errorf("%d notices on the three days, want 3", seen)
	}
}

// A consumer owes no compensation, and German statutory interest from a
// consumer is § 288 Abs. 1 BGB (DEB2C: Basiszinssatz + 5 = 6.27 %):
// 1,000 x 6.27 % x 14/365 = 2.4049 -> 2.40, total 1,000 + 5.00 fee + 2.40.
func TestPlanConsumerCharges(t *testing.T) {
	pol := dePolicy()
	pol.Charges.Interest.Regime = charge.DEB2C
	pf := onePortfolio()
	pf.Invoices[0].Amount = dunningtest.Amount("1000.00")
	pf.Invoices[0].Lines[0].Amount = pf.Invoices[0].Amount
	pf.Customers[0].Kind = notice.Consumer // Consumer left false: Kind decides
	acts, err := dunning.Plan(day("2026-04-14"), pol, pf)
	if err != nil || len(acts) != 1 || acts[0].Problem != "" {
		t.Fatalf("plan: %v %+v", err, acts)
	}
	n := acts[0].Notice
	if len(n.Fees) != 1 || n.Fees[0].Label != "fee" || len(n.Interest) != 1 || n.Interest[0].Basis != "§ 288 Abs. 1 BGB" ||
		!n.Total.Equal(dunningtest.Amount("1007.40")) || n.Debtor.Kind != notice.Consumer {
		t.Errorf("fees %+v, interest %+v, total %s", n.Fees, n.Interest, n.Total)
	}
}

// Contractual interest carries no legal basis, so it is never labelled
// as statutory ("Verzugszinsen" labels statutory default interest only).
func TestContractualInterestHasNoBasis(t *testing.T) {
	pol := stdPolicy()
	pol.Charges = &dunning.Charges{Interest: &charge.Interest{Rate: dunningtest.Amount("8"), Basis: charge.OnOpen}}
	pf := onePortfolio()
	pf.Customers[0].Language = "de"
	acts, err := dunning.Plan(day("2026-04-14"), pol, pf)
	if err != nil || len(acts) != 1 {
		t.Fatal(err)
	}
	n := acts[0].Notice
	if len(n.Interest) != 1 || n.Interest[0].Basis != "" || n.Law != "" {
		t.Fatalf("interest %+v, law %q", n.Interest, n.Law)
	}
	text := render(t, pol, &acts[0])
	if strings.Contains(text, "Verzugszinsen") || !strings.Contains(text, "Vertragszinsen") {
		t.Errorf("contractual interest labelled as statutory:\n%s", n.Text)
	}
}

// Pay-by days per stage, never under the law's minimum: a UK letter before
// action gives a company 14 days and a sole trader 30, even where the
// policy says 10; a stage the policy sets otherwise gets its days; the
// rest the policy's PayByDays (default 7).
func TestPayByPerStageAndMinimum(t *testing.T) {
	wf := dunning.Workflow{Name: "uk", CatchUp: dunning.HighestOnly, Steps: []dunning.Step{
		{Name: "overdue", At: schedule.Offset{Anchor: schedule.Due, Days: 14}, Action: dunning.Email},
		{Name: "final", At: schedule.Offset{Anchor: schedule.Due, Days: 30}, Action: dunning.Email, Stage: notice.FinalNotice},
		{Name: "lba", At: schedule.Offset{Anchor: schedule.Due, Days: 45}, Action: dunning.Letter, Stage: notice.LetterBeforeAction},
	}}
	for _, tc := range []struct {
		step, on string
		kind     notice.PartyKind
		stages   map[notice.Stage]int
		want     int
	}{
		{"overdue", "2026-04-14", notice.Company, nil, 7},
		{"overdue", "2026-04-14", notice.Company, map[notice.Stage]int{notice.FinalNotice: 21}, 7},
		{"final", "2026-04-30", notice.Company, map[notice.Stage]int{notice.FinalNotice: 21}, 21},
		{"lba", "2026-05-15", notice.Company, map[notice.Stage]int{notice.LetterBeforeAction: 10}, 14},
		{"lba", "2026-05-15", notice.SoleTrader, map[notice.Stage]int{notice.LetterBeforeAction: 10}, 30},
		{"lba", "2026-05-15", "", nil, 30},
		{"lba", "2026-05-15", notice.Company, map[notice.Stage]int{notice.LetterBeforeAction: 45}, 45},
	} {
		pol := dunningtest.Policy(wf)
		pol.Law, pol.PayByStage = notice.UK, tc.stages
		if err := pol.Validate(); err != nil {
			t.Fatal(err)
		}
		pf := onePortfolio()
		pf.Customers[0].Kind = tc.kind
		pf.Invoices[0].Currency, pf.Agreements[0].Currency = "GBP", "GBP"
		acts := dunningtest.ExpectStep(t, pol, pf, "i1", day(tc.on), tc.step)
		n := acts[0].Notice
		if got := int(n.PayBy - n.Date); got != tc.want {
			t.Errorf("%s to a %q with %v: %d days to pay, want %d", tc.step, tc.kind, tc.stages, got, tc.want)
		}
	}
}

func TestPolicyJSONPayByStageAndLaw(t *testing.T) {
	js := `{"workflows": [{"name": "w", "steps": [{"name": "s", "at": "due+14", "action": "email"}]}],
		"creditor": {"name": "C", "address": ["1 Road"], "country": "GB", "registration": {"register": "England and Wales", "number": "01234567", "office": "1 Road"}},
		"pay_by_stage": {"letter-before-action": 30, "final-notice": 14}, "law": "uk", "check_notices": true}`
	pol, err := dunning.ParsePolicy([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	if pol.PayByStage[notice.LetterBeforeAction] != 30 || pol.PayByStage[notice.FinalNotice] != 14 || pol.Law != notice.UK || !pol.CheckNotices ||
		pol.Creditor.Registration.Number != "01234567" {
		t.Errorf("parsed %+v", pol)
	}
	for _, bad := range []struct{ js, field string }{
		{`"pay_by_stage": {"final-notice": -1}`, "pay_by_stage.final-notice"},
		{`"law": "xx"`, "law"},
		{`"pay_by_stage": {"finale": 3}`, ""},
		// A year at most, as pay_by_days: a pay-by date ten million days
		// on is no date a notice can state.
		{`"pay_by_stage": {"final-notice": 366}`, "pay_by_stage.final-notice"},
		{`"pay_by_stage": {"final-notice": 10000000}`, "pay_by_stage.final-notice"},
		// A statement of account sets no deadline: the key would do nothing.
		{`"pay_by_stage": {"statement-of-account": 10}`, "pay_by_stage.statement-of-account"},
	} {
		js := `{"workflows": [{"name": "w", "steps": [{"name": "s", "at": "due+14", "action": "email"}]}], "creditor": {"name": "C"}, ` + bad.js + `}`
		_, err := dunning.ParsePolicy([]byte(js))
		var fe *dunning.FieldError
		switch {
		case err == nil:
			t.Errorf("%s: accepted", bad.js)
		case bad.field != "" && (!errors.As(err, &fe) || fe.Field != bad.field):
			t.Errorf("%s: %v, want an error naming %s", bad.js, err, bad.field)
		}
	}
	// The longest allowed stands.
	js = `{"workflows": [{"name": "w", "steps": [{"name": "s", "at": "due+14", "action": "email"}]}], "creditor": {"name": "C"}, "pay_by_stage": {"final-notice": 365}}`
	if _, err := dunning.ParsePolicy([]byte(js)); err != nil {
		t.Errorf("365 days: %v", err)
	}
}

// With CheckNotices, Plan refuses a notice that fails its law's checklist
// (a Problem naming the items and their sources) and passes one that meets
// it; without it, nothing is checked. The planned notice stays unrendered.
func TestPlanChecksNotices(t *testing.T) {
	pol := dePolicy()
	pol.CheckNotices = true
	pf := onePortfolio()
	acts, err := dunning.Plan(day("2026-04-14"), pol, pf)
	if err != nil {
		t.Fatal(err)
	}
	acts = noticeActions(acts)
	p := acts[0].Problem
	for _, w := range []string{"creditor-footer", "§ 35a GmbHG", "debtor-kind", "§§ 13, 14, 288 BGB"} {
		if !strings.Contains(p, w) {
			t.Errorf("problem %q lacks %q", p, w)
		}
	}
	if acts[0].Notice.Text != "" {
		t.Error("Plan rendered the notice it returns")
	}
	pol.Creditor.Country = "DE"
	pol.Creditor.Registration = notice.Registration{Form: "GmbH", Office: "Leeds", Register: "Amtsgericht Hamburg", Number: "HRB 1", Directors: []string{"Anna Director"}}
	pf.Customers[0].Kind, pf.Customers[0].Country = notice.Company, "GB"
	acts, _ = dunning.Plan(day("2026-04-14"), pol, pf)
	acts = noticeActions(acts)
	if acts[0].Problem != "" {
		t.Errorf("a notice meeting its checklist refused: %s", acts[0].Problem)
	}
	// A German consumer charged under the B2B regime fails it.
	pf.Customers[0].Kind = notice.Consumer
	acts, _ = dunning.Plan(day("2026-04-14"), pol, pf)
	acts = noticeActions(acts)
	if !strings.Contains(acts[0].Problem, "business-only") {
		t.Errorf("B2B interest from a consumer not refused: %q", acts[0].Problem)
	}
	pol.CheckNotices = false
	pf.Customers[0].Kind = ""
	acts, _ = dunning.Plan(day("2026-04-14"), pol, pf)
	acts = noticeActions(acts)
	if acts[0].Problem != "" {
		t.Errorf("unchecked: %s", acts[0].Problem)
	}
}

// The agreement's reference and date reach the notice as the basis of the
// claim; the customer's kind and country reach the debtor.
func TestNoticeCarriesContractAndDebtor(t *testing.T) {
	pf := onePortfolio()
	pf.Agreements[0].Reference = "SA-2026-3"
	pf.Customers[0].Kind, pf.Customers[0].Country = notice.SoleTrader, "GB"
	acts, err := dunning.Plan(day("2026-04-14"), stdPolicy(), pf)
	if err != nil || len(acts) != 1 {
		t.Fatal(err)
	}
	n := acts[0].Notice
	if n.Contract != (notice.Contract{Reference: "SA-2026-3", Date: day("2026-03-01")}) || n.Debtor.Kind != notice.SoleTrader || n.Debtor.Country != "GB" {
		t.Errorf("contract %+v, debtor %+v", n.Contract, n.Debtor)
	}
	// A kind the library does not know is the action's problem, named.
	pf.Customers[0].Kind = "corp"
	acts, _ = dunning.Plan(day("2026-04-14"), stdPolicy(), pf)
	acts = noticeActions(acts)
	if len(acts) != 1 || !strings.Contains(acts[0].Problem, "debtor.kind") {
		t.Errorf("kind \"corp\": problem %q", acts[0].Problem)
	}
}

// A text message carries the notice number, the principal apart from the
// charges, a contact and the link to the full notice, and speaks of no
// letter: 100.00 overdue plus a 5.00 fee, total 105.00.
func TestSMSStandsAlone(t *testing.T) {
	wf := dunning.Workflow{Name: "sms", Steps: []dunning.Step{
		{Name: "text", At: schedule.Offset{Anchor: schedule.Due, Days: 14}, Action: dunning.SMS, Fee: eurFee("5.00")},
	}}
	pol := dunningtest.Policy(wf)
	pol.NoticeURL = "https://pay.example.com/n/{number}"
	pf := onePortfolio()
	pf.Customers[0].Contacts[0].Phone = "+44 20 7946 0000"
	acts := dunningtest.ExpectStep(t, pol, pf, "i1", day("2026-04-14"), "text")
	text := render(t, pol, &acts[0])
	n := acts[0].Notice
	for _, w := range []string{n.Number, "EUR 100.00 overdue", "plus EUR 5.00 fees and interest, total EUR 105.00", "https://pay.example.com/n/" + n.Number, "ar@example.com"} {
		if !strings.Contains(text, w) {
			t.Errorf("SMS %q lacks %q", text, w)
		}
	}
	if strings.Contains(strings.ToLower(text), "letter") {
		t.Errorf("SMS speaks of a letter: %q", text)
	}
	if f := notice.Check(n, ""); len(f) != 0 {
		t.Errorf("SMS fails its checklist: %v", f)
	}
}

// On a per-customer notice the step fee is booked on the first invoice not
// only listed, and netting follows it. c1 on 14 April: i2 (200.00, due 20
// March) is only listed, its EUR 40 claimed earlier (earlier fees 40.00);
// i1 (100.00, due 31 March) reaches overdue-1 with its 5.00 fee, booked on
// i1 and named so; i1's EUR 40 covers it: 35.00. Interest at 10.27 %:
// i2 200 x 25/365 -> 1.41, i1 100 x 14/365 -> 0.39. Total 300 + 40 + 35 +
// 5 + 1.41 + 0.39 = 381.80; new fees 40.00.
func TestNettingFollowsTheFeeInvoice(t *testing.T) {
	wf := dunning.DefaultWorkflow("standard")
	wf.Grouping = dunning.PerCustomer
	wf.Steps[3].Fee = eurFee("5.00")
	pol := dunningtest.Policy(wf)
	pol.Charges = dePolicy().Charges
	pf := onePortfolioAt(2)
	pf.Invoices = append(pf.Invoices, dunningtest.Invoice("i2", "c1", day("2026-02-18"), day("2026-03-20"), "200.00", "EUR"))
	pf.History.(dunning.HistoryMap)["i2"] = dunning.Progress{InvoiceID: "i2", Workflow: "standard", Step: 3, Last: day("2026-04-03"),
		Fees: dunningtest.Amount("40"), Compensated: true}
	acts, err := dunning.Plan(day("2026-04-14"), pol, pf)
	if err != nil || len(acts) != 1 || acts[0].Problem != "" {
		t.Fatalf("plan: %v %+v", err, acts)
	}
	a, n := acts[0], acts[0].Notice
	type fee struct{ label, inv, amount string }
	var got []fee
	for _, c := range n.Fees {
		got = append(got, fee{c.Label, c.Invoice, c.Amount.StringFixed(2)})
	}
	want := []fee{{"fees-earlier", "INV-i2", "40.00"}, {"compensation", "INV-i1", "35.00"}, {"fee", "INV-i1", "5.00"}}
	if !slices.Equal(got, want) {
		t.Errorf("fees %v, want %v", got, want)
	}
	if !a.Fees.Equal(dunningtest.Amount("40")) || !n.Total.Equal(dunningtest.Amount("381.80")) {
		t.Errorf("new fees %s, total %s; want 40, 381.80", a.Fees, n.Total)
	}
	if err := notice.Builtin().Render(n); err != nil {
		t.Fatal(err)
	}
	for _, f := range notice.Check(n, "") {
		if f.Item == notice.ItemFeesNetted || f.Item == notice.ItemCompensation {
			t.Errorf("%s", f)
		}
	}
}
