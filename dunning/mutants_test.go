package dunning_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/overduehq/overdue/schedule"
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

// An agreement whose payment instructions only list Options does say how to
// pay (Policy.Payment applies only "when an invoice's agreement does not
// say"): its notice carries the agreement's options, not the policy's text
// and IBAN. Options alone are no way to pay (a notice needs instructions, an
// IBAN or a URL), so the action is a Problem naming the payment, to be fixed
// in the agreement, rather than a notice quietly showing other instructions.
func TestMutantAgreementPaymentOptionsOnly(t *testing.T) {
	pf := onePortfolio()
	pf.Agreements[0].Payment = dunning.PaymentInstructions{Options: []string{"card", "direct debit"}}
	acts, err := dunning.Plan(day("2026-04-14"), stdPolicy(), pf)
	if err != nil {
		t.Fatal(err)
	}
	var email *dunning.Action
	for i := range acts {
		if acts[i].Kind == dunning.Email {
			email = &acts[i]
		}
	}
	if email == nil || email.Notice == nil {
		t.Fatalf("actions %+v, want the overdue email", acts)
	}
	p := email.Notice.Payment
	if !slices.Equal(p.Options, []string{"card", "direct debit"}) || p.Instructions != "" || p.IBAN != "" {
		t.Errorf("payment %+v, want the agreement's options only (no policy text or IBAN)", p)
	}
	if !strings.Contains(email.Problem, "payment") {
		t.Errorf("problem %q, want the missing payment instructions named", email.Problem)
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
