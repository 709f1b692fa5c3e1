package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/overduehq/overdue/dunning"
	"github.com/rickb777/date/v2"
)

// runDesk runs the cases of the optional desk capabilities (interaction
// log, reviews); each is skipped for a store without the capability.
func runDesk(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	day := func(s string) date.Date { return date.MustParseISO(s) }
	t.Run("InteractionLog", func(t *testing.T) {
		t.Parallel()
		l, ok := newStore(t).Store.(dunning.InteractionLog)
		if !ok {
			t.Skip("the store keeps no interaction log")
		}
		in := []dunning.Interaction{
			{ID: "n2", CustomerID: "c1", Kind: dunning.Note, Date: day("2026-04-13"), By: "anna", Text: "sent copy invoice"},
			{ID: "n1", CustomerID: "c1", InvoiceIDs: []string{"i1", "i2"}, Kind: dunning.Call, Outcome: dunning.PromisedToPay,
				Date: day("2026-04-13"), At: t0, By: "anna", Text: "will pay Friday", FollowUp: day("2026-04-17")},
			{ID: "x9", CustomerID: "c2", Kind: dunning.EmailReceived, Outcome: dunning.Disputes, Date: day("2026-04-01")},
			{ID: "a0", CustomerID: "c1", Kind: dunning.Call, Outcome: dunning.NoAnswer, Date: day("2026-04-02")},
		}
		for _, i := range in {
			if err := l.LogInteraction(ctx, i); err != nil {
				t.Fatal(err)
			}
		}
		got, err := l.Interactions(ctx, "c1")
		if err != nil {
			t.Fatal(err)
		}
		// By date, then id.
		want := []dunning.Interaction{in[3], in[1], in[0]}
		if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("Interactions(c1) (-want +got):\n%s", diff)
		}
		got[1].InvoiceIDs[0] = "changed"
		// Logging an ID again replaces the entry.
		upd := in[0]
		upd.Text = "sent copy invoice and statement"
		if err := l.LogInteraction(ctx, upd); err != nil {
			t.Fatal(err)
		}
		all, err := l.Interactions(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		want = []dunning.Interaction{in[2], in[3], in[1], upd}
		if diff := cmp.Diff(want, all, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("Interactions(\"\") after the update (-want +got):\n%s", diff)
		}
		// Refused entries are not kept.
		var fe *dunning.FieldError
		for _, bad := range []dunning.Interaction{
			{ID: "b1", CustomerID: "c1", Kind: "visit", Date: day("2026-04-14")},
			{ID: "b2", CustomerID: "c1", Kind: dunning.Call, Date: day("2026-04-14"), FollowUp: day("2026-04-13")},
			{ID: "b3", Kind: dunning.Call, Date: day("2026-04-14")},
			{ID: "b4", CustomerID: "c1", Kind: dunning.Note, Date: day("2026-04-14"), Text: "nul\x00byte"},
			{ID: "b5", CustomerID: "c1", Kind: dunning.Note, Date: day("2026-04-14"), At: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},
			{ID: "b6", CustomerID: "c1", Kind: dunning.Note, Date: date.New(10000, 1, 1)},
		} {
			if err := l.LogInteraction(ctx, bad); !errors.As(err, &fe) || !errors.Is(err, dunning.ErrInvalid) {
				t.Errorf("LogInteraction(%+v) = %v, want a *FieldError", bad, err)
			}
		}
		if got, _ := l.Interactions(ctx, "c1"); len(got) != 3 {
			t.Errorf("after refusals c1 has %d entries, want 3", len(got))
		}
		if got, _ := l.Interactions(ctx, "nobody"); len(got) != 0 {
			t.Errorf("unknown customer: %+v", got)
		}
	})

	t.Run("ReviewLog", func(t *testing.T) {
		t.Parallel()
		l, ok := newStore(t).Store.(dunning.ReviewLog)
		if !ok {
			t.Skip("the store keeps no reviews")
		}
		revs := []dunning.Review{
			{CustomerID: "c2", Decision: dunning.HoldCustomer, Since: day("2026-04-14"), Until: day("2026-05-01"), Reason: "in talks", By: "lead", At: t0},
			{CustomerID: "c1", Key: "k2", Decision: dunning.Skip, Until: day("2026-04-20"), Reason: "invoice resent", By: "anna", At: t0},
			{CustomerID: "c1", Key: "k1", Decision: dunning.ChangeLevel, Step: "overdue-1", By: "anna", At: t0},
		}
		for _, r := range revs {
			if err := l.SaveReview(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		// The latest review per customer and key wins: k1 is approved now.
		appr := dunning.Review{CustomerID: "c1", Key: "k1", Decision: dunning.Approve, By: "lead", At: t0.Add(time.Hour)}
		if err := l.SaveReview(ctx, appr); err != nil {
			t.Fatal(err)
		}
		got, err := l.Reviews(ctx, "c1")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]dunning.Review{appr, revs[1]}, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("Reviews(c1) (-want +got):\n%s", diff)
		}
		all, err := l.Reviews(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]dunning.Review{appr, revs[1], revs[0]}, all, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("Reviews(\"\") (-want +got):\n%s", diff)
		}
		var fe *dunning.FieldError
		for _, bad := range []dunning.Review{
			{CustomerID: "c1", Key: "k3", Decision: dunning.Approve, At: t0},                                                        // no reviewer
			{CustomerID: "c1", Decision: dunning.Skip, By: "anna", At: t0},                                                          // no key
			{CustomerID: "c1", Key: "k3", Decision: dunning.HoldCustomer, By: "anna", At: t0},                                       // a hold with a key
			{CustomerID: "c1", Key: "k3", Decision: dunning.ChangeLevel, By: "anna", At: t0},                                        // no step
			{CustomerID: "c1", Key: "k3", Decision: "reject", By: "anna", At: t0},                                                   // unknown
			{CustomerID: "c1", Key: "k3", Decision: dunning.Approve, By: "anna"},                                                    // no time
			{CustomerID: "c1", Key: "k3\x00", Decision: dunning.Approve, By: "anna", At: t0},                                        // unstorable
			{CustomerID: "c1", Key: "k3", Decision: dunning.Approve, By: "anna", At: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},  // unstorable time
			{CustomerID: "c1", Decision: dunning.HoldCustomer, By: "a", At: t0, Since: day("2026-04-14"), Until: day("2026-04-14")}, // empty span
		} {
			if err := l.SaveReview(ctx, bad); !errors.As(err, &fe) || !errors.Is(err, dunning.ErrInvalid) {
				t.Errorf("SaveReview(%+v) = %v, want a *FieldError", bad, err)
			}
		}
		if got, _ := l.Reviews(ctx, "c1"); len(got) != 2 {
			t.Errorf("after refusals c1 has %d reviews, want 2", len(got))
		}
	})
}
