package dunning_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/overduehq/overdue/notice"
	"github.com/overduehq/overdue/schedule"
	"github.com/overduehq/overdue/store/memory"
)

// IsEnd is true for exactly the kinds its godoc names as ending dunning:
// cancel, uncollectible, write-off and hand-over; a notice, a task, a
// suspend or a resume does not end it.
func TestMutantIsEndKinds(t *testing.T) {
	for k, want := range map[dunning.ActionKind]bool{
		dunning.CancelSubscription: true,
		dunning.MarkUncollectible:  true,
		dunning.WriteOff:           true,
		dunning.HandOver:           true,
		dunning.Email:              false,
		dunning.Letter:             false,
		dunning.Task:               false,
		dunning.Suspend:            false,
		dunning.Resume:             false,
	} {
		if got := k.IsEnd(); got != want {
			t.Errorf("%s.IsEnd() = %v, want %v", k, got, want)
		}
	}
}

// Policy.PayByDays may be anything from 0 to MaxPayByDays inclusive; one
// day more is refused with a FieldError naming pay_by_days.
func TestMutantPayByDaysBounds(t *testing.T) {
	mk := func(days int) *dunning.Policy {
		return &dunning.Policy{
			Workflows: []dunning.Workflow{dunning.DefaultWorkflow("standard")},
			Creditor:  dunningtest.Creditor(),
			Payment:   dunning.PaymentInstructions{Text: "Please transfer the amount due.", IBAN: "GB33BUKB20201555555555"},
			PayByDays: days,
		}
	}
	for _, d := range []int{0, 1, dunning.MaxPayByDays} {
		if err := mk(d).Validate(); err != nil {
			t.Errorf("PayByDays %d refused: %v", d, err)
		}
	}
	for _, d := range []int{-1, dunning.MaxPayByDays + 1} {
		err := mk(d).Validate()
		var fe *dunning.FieldError
		if !errors.As(err, &fe) || fe.Field != "pay_by_days" || fe.Value != fmt.Sprint(d) {
			t.Errorf("PayByDays %d: %v, want a FieldError on pay_by_days", d, err)
		}
	}
}

// Payment instructions that name a way to pay (Options, a BIC) but not
// where (no text, IBAN or URL) are refused where they enter, naming the
// field and the value: in an agreement, Plan rejects the agreement (its
// invoice is not planned with other instructions); in a policy, Validate
// fails. With a URL the agreement says how to pay (Policy.Payment applies
// only "when an invoice's agreement does not say"): its notice carries the
// agreement's options and link, not the policy's text and IBAN.
func TestMutantAgreementPaymentOptionsOnly(t *testing.T) {
	for _, tc := range []struct {
		pay          dunning.PaymentInstructions
		field, value string
	}{
		{dunning.PaymentInstructions{Options: []string{"card", "direct debit"}}, "agreement[a1].payment.options", "card, direct debit"},
		{dunning.PaymentInstructions{BIC: "DEUTDEFF"}, "agreement[a1].payment.bic", "DEUTDEFF"},
	} {
		pf := onePortfolio()
		pf.Agreements[0].Payment = tc.pay
		acts, err := dunning.Plan(day("2026-04-14"), stdPolicy(), pf)
		if err != nil {
			t.Fatal(err)
		}
		if len(acts) != 1 || acts[0].Kind != dunning.Rejected || !strings.Contains(acts[0].Problem, tc.field) || !strings.Contains(acts[0].Problem, tc.value) {
			t.Errorf("payment %+v: actions %+v, want one rejection naming %s and %q", tc.pay, acts, tc.field, tc.value)
		}
		pol := stdPolicy()
		pol.Payment = tc.pay
		var fe *dunning.FieldError
		if err := pol.Validate(); !errors.As(err, &fe) || fe.Field != strings.TrimPrefix(tc.field, "agreement[a1].") || fe.Value != tc.value {
			t.Errorf("policy payment %+v: Validate = %v, want a FieldError on %s", tc.pay, err, strings.TrimPrefix(tc.field, "agreement[a1]."))
		}
	}
	pf := onePortfolio()
	pf.Agreements[0].Payment = dunning.PaymentInstructions{Options: []string{"card"}, URL: "https://pay.example/a1"}
	acts, err := dunning.Plan(day("2026-04-14"), stdPolicy(), pf)
	if err != nil {
		t.Fatal(err)
	}
	if len(acts) != 1 || acts[0].Notice == nil || acts[0].Problem != "" {
		t.Fatalf("actions %+v, want the overdue email", acts)
	}
	p := acts[0].Notice.Payment
	if !slices.Equal(p.Options, []string{"card"}) || p.URL != "https://pay.example/a1" || p.Instructions != "" || p.IBAN != "" {
		t.Errorf("payment %+v, want the agreement's option and link only (no policy text or IBAN)", p)
	}
}

// AccountState.State is the most restrictive block's: with equal flags, the
// latest (Since) wins, whichever order the invoices come in; Since is that
// block's day.
func TestMutantAccountStateLatestOfEqualFlags(t *testing.T) {
	frozen := dunning.BlockingState{Name: "frozen", BlockChanges: true, BlockNewOrders: true} // the flags of credit-hold
	wf := dunning.Workflow{Name: "blk", CatchUp: dunning.Progressive, States: []dunning.BlockingState{frozen}, Steps: []dunning.Step{
		{Name: "remind", At: schedule.Offset{Anchor: schedule.Due, Days: 1}, Action: dunning.Email},
		{Name: "hold", At: schedule.Offset{Anchor: schedule.Due, Days: 8}, Action: dunning.Suspend, State: "credit-hold"},
		{Name: "freeze", At: schedule.Offset{Anchor: schedule.Due, Days: 15}, Action: dunning.Suspend, State: "frozen"},
	}}
	pol := dunningtest.Policy(wf)
	early := dunning.Progress{InvoiceID: "i1", Workflow: "blk", Step: 1, Block: &dunning.Block{Key: "k-hold", Step: "hold", Since: day("2026-04-01")}}
	late := dunning.Progress{InvoiceID: "i2", Workflow: "blk", Step: 2, Block: &dunning.Block{Key: "k-freeze", Step: "freeze", Since: day("2026-04-05")}}
	for _, ids := range [][]string{{"i1", "i2"}, {"i2", "i1"}} {
		pf := dunning.Portfolio{Customers: []dunning.Customer{dunningtest.Customer("c1")}, History: dunning.HistoryMap{"i1": early, "i2": late}}
		for _, id := range ids {
			pf.Invoices = append(pf.Invoices, dunningtest.Invoice(id, "c1", day("2026-02-01"), day("2026-03-01"), "100.00", "EUR"))
		}
		sts, err := dunning.AccountStates(day("2026-04-10"), pol, pf)
		if err != nil || len(sts) != 1 {
			t.Fatal(sts, err)
		}
		if s := sts[0]; s.State.Name != "frozen" || s.Since != day("2026-04-05") || s.State.DisableEntitlements {
			t.Errorf("invoices %v: %+v, want frozen since 2026-04-05 (the later block)", ids, s)
		}
	}
}

// failingClaims is a BatchStore whose ClaimMany fails as a whole.
type failingClaims struct {
	*memory.Store
	err error
}

func (s failingClaims) ClaimMany(context.Context, dunning.ClaimManyParams) ([]dunning.ClaimResult, error) {
	return nil, s.err
}

// When a chunk's claim fails for more than StopAfter actions, Execute stops
// with the first stopping error: the one after StopAfter failures in a row,
// naming the StopAfter-th action, not a later count.
func TestMutantStopReportsFirstStoppingError(t *testing.T) {
	clock := dunningtest.ClockAt(day("2026-04-14"))
	down := errors.New("connection refused")
	st := failingClaims{Store: memory.New(memory.WithClock(clock)), err: down}
	pf := threePortfolio()
	for _, c := range []string{"c4", "c5"} {
		pf.Customers = append(pf.Customers, dunningtest.Customer(c))
		pf.Invoices = append(pf.Invoices, dunningtest.Invoice("i-"+c, c, day("2026-03-02"), day("2026-03-31"), "100.00", "EUR"))
	}
	r := &dunning.Runner{Policy: stdPolicy(), Store: st, Sender: &counting{}, Clock: clock, Owner: "t", StopAfter: 2}
	acts, err := r.Plan(context.Background(), pf)
	if err != nil || len(acts) != 5 {
		t.Fatalf("plan: %d actions, %v; want 5", len(acts), err)
	}
	_, err = r.Execute(context.Background(), acts)
	if !errors.Is(err, down) || !strings.Contains(err.Error(), "store failed for 2 actions in a row, last "+acts[1].Key+":") {
		t.Fatalf("Execute: %v; want the stop after 2 failures, at %s", err, acts[1].Key)
	}
}

// A re-sent email to the customer's next contact that fails for good is a
// bounce like any other: with no contact left, the step's OnBounce (a
// letter) follows; a letter fallback that fails for good is not replaced
// again.
func TestMutantRetraceFailureLeadsToOnBounce(t *testing.T) {
	wf := dunning.DefaultWorkflow("standard")
	for i := range wf.Steps {
		wf.Steps[i].OnBounce = dunning.Letter
	}
	pol := dunningtest.Policy(wf)
	addr := []string{"1 Example Street", "London EC1A 1AA"}
	t.Run("next contact fails", func(t *testing.T) {
		pf := onePortfolio()
		pf.Customers[0].Contacts = []dunning.Contact{
			{Name: "Billing", Role: dunning.RoleBilling, Email: "billing@example.com", Address: addr},
			{Name: "AP", Role: dunning.RoleAccountsPayable, Email: "ap@example.com", Address: addr},
		}
		st := memory.New()
		var to []string
		s := dunning.SenderFunc(func(_ context.Context, key string, n *notice.Notice) (string, error) {
			if n.Channel == notice.Email {
				to = append(to, n.Debtor.Email)
				return "", fmt.Errorf("550 no such user: %w", dunning.ErrPermanent)
			}
			return key, nil
		})
		r := &dunning.Runner{Policy: pol, Store: st, Sender: s, Clock: dunningtest.ClockAt(day("2026-04-14")), Owner: "t"}
		rep, err := r.Run(context.Background(), pf)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Counts[dunning.StatusFailed] != 2 || !slices.Equal(to, []string{"billing@example.com", "ap@example.com"}) {
			t.Fatalf("counts %v, emails to %v; want both contacts tried, both failed", rep.Counts, to)
		}
		k := rep.Results[0].Key
		if rep.Results[1].Key != k+"/next" {
			t.Fatalf("results %+v", rep.Results)
		}
		acts, err := r.Plan(context.Background(), pf)
		if err != nil {
			t.Fatal(err)
		}
		if len(acts) != 1 || acts[0].Key != k+"/next/fallback" || acts[0].Kind != dunning.Letter || !acts[0].Fallback {
			t.Fatalf("after both contacts failed: %+v, want the letter %s/next/fallback", acts, k)
		}
	})
	t.Run("letter fallback fails", func(t *testing.T) {
		st := memory.New()
		s := dunning.SenderFunc(func(context.Context, string, *notice.Notice) (string, error) {
			return "", fmt.Errorf("undeliverable: %w", dunning.ErrPermanent)
		})
		r := &dunning.Runner{Policy: pol, Store: st, Sender: s, Clock: dunningtest.ClockAt(day("2026-04-14")), Owner: "t"}
		rep, err := r.Run(context.Background(), onePortfolio())
		if err != nil {
			t.Fatal(err)
		}
		if rep.Counts[dunning.StatusFailed] != 2 || len(rep.Results) != 2 || rep.Results[1].Key != rep.Results[0].Key+"/fallback" {
			t.Fatalf("results %+v, want the email and its letter, both failed", rep.Results)
		}
		acts, err := r.Plan(context.Background(), onePortfolio())
		if err != nil {
			t.Fatal(err)
		}
		if len(acts) != 0 {
			t.Errorf("after the letter fallback failed: %+v, want nothing (a fallback is not replaced again)", acts)
		}
	})
}

// goid is the id of the calling goroutine.
func goid() string {
	b := make([]byte, 64)
	b = b[:runtime.Stack(b, false)]
	f := bytes.Fields(b)
	if len(f) < 2 {
		return ""
	}
	return string(f[1])
}

// goroutineRecords is a BatchStore noting which goroutine each CompleteMany
// runs on.
type goroutineRecords struct {
	*memory.Store
	on *[]string
}

func (s goroutineRecords) CompleteMany(ctx context.Context, cs []dunning.Completion) ([]error, error) {
	*s.on = append(*s.on, goid())
	return s.Store.CompleteMany(ctx, cs)
}

// With Concurrency 1 (the default) nothing runs on goroutines of the
// runner's own: each record is made on the caller's goroutine, before the
// next send.
func TestMutantSingleWorkerRecordsOnCallersGoroutine(t *testing.T) {
	var on []string
	st := goroutineRecords{Store: memory.New(), on: &on}
	snd := &counting{}
	r := &dunning.Runner{Policy: stdPolicy(), Store: st, Sender: snd, Clock: dunningtest.ClockAt(day("2026-04-14")), Owner: "t"}
	rep, err := r.Run(context.Background(), threePortfolio())
	if err != nil || rep.Counts[dunning.StatusSent] != 3 {
		t.Fatalf("counts %v, %v; want 3 sent", rep.Counts, err)
	}
	me := goid()
	if len(on) != 3 {
		t.Fatalf("%d CompleteMany calls, want one per send (3)", len(on))
	}
	for i, g := range on {
		if g != me {
			t.Errorf("record %d made on goroutine %s, want the caller's (%s)", i, g, me)
		}
	}
}
