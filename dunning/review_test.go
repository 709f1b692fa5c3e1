package dunning_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/overduehq/overdue/dunning/send"
	"github.com/overduehq/overdue/store/memory"
)

// reviewFixture: four customers, each with one invoice due 2026-03-31, so
// on 2026-04-14 each gets the step overdue-1 (due+14), which requires
// approval.
func reviewFixture() (*dunning.Policy, dunning.Portfolio) {
	day := dunningtest.Day
	wf := dunning.DefaultWorkflow("standard")
	for i := range wf.Steps {
		wf.Steps[i].Approval = wf.Steps[i].Name == "overdue-1"
	}
	var pf dunning.Portfolio
	for _, c := range []string{"c1", "c2", "c3", "c4"} {
		pf.Customers = append(pf.Customers, dunningtest.Customer(c))
		pf.Invoices = append(pf.Invoices, dunningtest.Invoice("i-"+c, c, day("2026-03-02"), day("2026-03-31"), "100.00", "EUR"))
	}
	return dunningtest.Policy(wf), pf
}

func key(c string) string { return "inv/" + c + "/i-" + c + "/standard/overdue-1/c0" }

func reviewStatuses(rep dunning.Report) []string {
	var out []string
	for _, r := range rep.Results {
		out = append(out, r.Key+" "+string(r.Status)+" "+r.Error)
	}
	slices.Sort(out)
	return out
}

// The approval flow: steps that require approval wait (nothing claimed or
// sent) until a review approves their key; a skip leaves the action out of
// plans until its day; a hold on review stops the customer; a change of
// level keeps the action back. Reviews persist in the store, so the next
// run (or another runner) remembers them.
func TestReviewsBeforeSending(t *testing.T) {
	ctx := context.Background()
	day := dunningtest.Day
	pol, pf := reviewFixture()
	st := memory.New()
	rec := &send.Recorder{}
	clock := dunningtest.ClockAt(day("2026-04-14"))
	r := &dunning.Runner{Policy: pol, Store: st, Sender: rec, Clock: clock, Owner: "t"}

	rep, err := r.Run(ctx, pf)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{key("c1") + " awaiting-approval awaiting approval", key("c2") + " awaiting-approval awaiting approval",
		key("c3") + " awaiting-approval awaiting approval", key("c4") + " awaiting-approval awaiting approval"}
	if got := reviewStatuses(rep); !slices.Equal(got, want) {
		t.Fatalf("first run %q, want %q", got, want)
	}
	if len(rec.Sent()) != 0 {
		t.Fatalf("sent %d before any approval", len(rec.Sent()))
	}
	at := clock.Now()
	for _, rv := range []dunning.Review{
		{CustomerID: "c1", Key: key("c1"), Decision: dunning.Approve, By: "lead", At: at},
		{CustomerID: "c2", Key: key("c2"), Decision: dunning.Skip, Until: day("2026-04-20"), Reason: "copy invoice sent", By: "anna", At: at},
		{CustomerID: "c3", Decision: dunning.HoldCustomer, Until: day("2026-05-01"), Reason: "payment plan talks", By: "lead", At: at},
		{CustomerID: "c4", Key: key("c4"), Decision: dunning.ChangeLevel, Step: "due", By: "anna", At: at},
	} {
		if err := st.SaveReview(ctx, rv); err != nil {
			t.Fatal(err)
		}
	}
	// A new runner over the same store remembers the reviews.
	r = &dunning.Runner{Policy: pol, Store: st, Sender: rec, Clock: clock, Owner: "t2"}
	rep, err = r.Run(ctx, pf)
	if err != nil {
		t.Fatal(err)
	}
	// c4's level changed back to the step "due": that step goes out under
	// its own key instead (it needs no approval); overdue-1 does not.
	want = []string{key("c1") + " sent ", "inv/c4/i-c4/standard/due/c0 sent "}
	if got := reviewStatuses(rep); !slices.Equal(got, want) {
		t.Fatalf("after the reviews %q, want %q", got, want)
	}
	if s := rec.Sent(); len(s) != 2 || s[0].Key != key("c1") || s[1].Notice.Step != "due" {
		t.Fatalf("sent %+v", s)
	}
	// Explain says why c2 and c3 have nothing today.
	revs, _ := st.Reviews(ctx, "")
	hpf := pf
	hpf.History, _ = st.History(ctx)
	hpf.Reviews = revs
	ex, err := dunning.Explain(day("2026-04-14"), pol, hpf, "i-c2")
	if err != nil {
		t.Fatal(err)
	}
	if s := ex.String(); !strings.Contains(s, "note: action "+key("c2")+" skipped on review: skip by anna on 2026-04-14 until 2026-04-20 (copy invoice sent)") {
		t.Errorf("c2 explanation:\n%s", s)
	}
	ex, _ = dunning.Explain(day("2026-04-14"), pol, hpf, "i-c4")
	if len(ex.Actions) != 0 || ex.Progress.Step != 2 { // welcome, pre-due, due: "due" done
		t.Errorf("c4 after the changed level: %+v", ex)
	}
	ex, _ = dunning.Explain(day("2026-04-14"), pol, hpf, "i-c3")
	if !strings.Contains(ex.Reason, "on review: hold by lead on 2026-04-14 until 2026-05-01 (payment plan talks)") {
		t.Errorf("c3 reason: %s", ex.Reason)
	}
	// On 04-20 the skip has run out: c2's action is back (and waits for
	// approval again); c3 is still held.
	clock.Advance(6 * 24 * time.Hour)
	acts, err := r.Plan(ctx, pf)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, a := range acts {
		keys = append(keys, a.Key)
		if a.CustomerID == "c3" {
			t.Errorf("held customer planned: %s", a.Key)
		}
	}
	if !slices.Contains(keys, key("c2")) {
		t.Errorf("on 04-20 the plan %q lacks c2's action", keys)
	}
}

// noReviews is a store without the ReviewLog capability.
type noReviews struct{ dunning.Store }

// A store that keeps no reviews can never approve: the runner holds every
// action needing approval back and sends the rest.
func TestApprovalWithoutReviewLog(t *testing.T) {
	ctx := context.Background()
	pol, pf := reviewFixture()
	rec := &send.Recorder{}
	r := &dunning.Runner{Policy: pol, Store: noReviews{memory.New()}, Sender: rec, Clock: dunningtest.ClockAt(dunningtest.Day("2026-04-14")), Owner: "t"}
	rep, err := r.Run(ctx, pf)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Counts[dunning.StatusAwaitingApproval] != 4 || len(rec.Sent()) != 0 || rep.Results[0].Error != "awaiting approval: the store keeps no reviews" {
		t.Errorf("%+v", rep.Results)
	}
	// Without the approval setting the same store sends all four.
	pol2, _ := reviewFixture()
	for i := range pol2.Workflows[0].Steps {
		pol2.Workflows[0].Steps[i].Approval = false
	}
	r.Policy = pol2
	if rep, err = r.Run(ctx, pf); err != nil || rep.Counts[dunning.StatusSent] != 4 {
		t.Errorf("%v %+v", err, rep.Counts)
	}
}

// A change of level to a step the workflow lacks cannot be planned: the
// action is held back, never sent at the rejected level; Plan explains the
// changed level where it can.
func TestChangeLevel(t *testing.T) {
	ctx := context.Background()
	day := dunningtest.Day
	pol, pf := reviewFixture()
	for i := range pol.Workflows[0].Steps {
		pol.Workflows[0].Steps[i].Approval = false
	}
	at := dunningtest.ClockAt(day("2026-04-14")).Now()
	pf.Reviews = []dunning.Review{
		{CustomerID: "c1", Key: key("c1"), Decision: dunning.ChangeLevel, Step: "no-such-step", By: "anna", At: at},
		{CustomerID: "c2", Key: key("c2"), Decision: dunning.ChangeLevel, Step: "final", Reason: "third broken promise", By: "anna", At: at},
	}
	acts, err := dunning.Plan(day("2026-04-14"), pol, pf)
	if err != nil {
		t.Fatal(err)
	}
	byCust := map[string]dunning.Action{}
	for _, a := range acts {
		byCust[a.CustomerID] = a
	}
	if a := byCust["c1"]; a.Key != key("c1") || !a.Approval {
		t.Errorf("c1 %s approval %v, want overdue-1 held back", a.Key, a.Approval)
	}
	if a := byCust["c2"]; a.Key != "inv/c2/i-c2/standard/final/c0" || a.Approval || !strings.Contains(a.Reason, "level changed on review: change-level by anna on 2026-04-14 to step final (third broken promise)") {
		t.Errorf("c2 %s: %s", a.Key, a.Reason)
	}
	if a := byCust["c3"]; a.Key != key("c3") {
		t.Errorf("c3 %s, want its own overdue-1", a.Key)
	}
	r := &dunning.Runner{Policy: pol, Store: memory.New(), Sender: &send.Recorder{}, Clock: dunningtest.ClockAt(day("2026-04-14")), Owner: "t"}
	rep, err := r.Execute(ctx, acts)
	if err != nil || rep.Counts[dunning.StatusAwaitingApproval] != 1 || rep.Counts[dunning.StatusSent] != 3 {
		t.Errorf("%v %+v", err, rep.Counts)
	}
}
