package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/overduehq/overdue/dunning"
	"github.com/rickb777/date/v2"
)

// The book driven day by day, every state change and action checked
// against dates worked out by hand from the renewal due on 2026-11-01:
// retries on due+1 (11-02), due+3 (11-04), due+5 (11-06) and due+7 (11-08),
// the payment-failed email on due+4 (11-05), credit hold on due+8 (11-09),
// suspension on due+15 (11-16), the final notice on due+20 (11-21) and the
// cancellation on due+30 (12-01).
func TestSubscriptionBook(t *testing.T) {
	out, err := simulate(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	d := date.MustParseISO
	wantChanges := map[string][]change{
		"c1-acme":  nil, // charged by the second retry: never blocked
		"c2-braun": {{d("2026-11-09"), "active", "credit-hold"}, {d("2026-11-12"), "credit-hold", "active"}},
		"c3-cobalt": {{d("2026-11-09"), "active", "credit-hold"}, {d("2026-11-16"), "credit-hold", "suspended"},
			{d("2026-12-01"), "suspended", "cancelled"}},
		"c4-delta": {{d("2026-11-09"), "active", "credit-hold"}, {d("2026-11-18"), "credit-hold", "active"}}, // the promise kept
		"c5-echo":  nil,
	}
	for id, want := range wantChanges {
		if got := out.changes[id]; !slices.Equal(got, want) {
			t.Errorf("%s: state changes %v, want %v", id, got, want)
		}
	}

	// Every record, as (day, step, kind, outcome) per customer.
	type row struct {
		day       string
		step      string
		kind      dunning.ActionKind
		outcome   dunning.Outcome
		fallback  bool
		messageID bool
	}
	got := map[string][]row{}
	for _, rec := range out.records {
		got[rec.CustomerID] = append(got[rec.CustomerID], row{rec.Date.String(), rec.Step, rec.Kind, rec.Outcome, rec.Fallback, rec.MessageID != ""})
	}
	const S, F, D = dunning.Sent, dunning.Failed, dunning.Declined
	wantRecs := map[string][]row{
		"c1-acme": {{"2026-11-02", "retry-1", dunning.Retry, D, false, false}, {"2026-11-04", "retry-3", dunning.Retry, S, false, true}},
		"c2-braun": {{"2026-11-02", "retry-1", dunning.Retry, F, false, false},
			{"2026-11-02", "retry-1", dunning.Email, S, true, true}, // the payment-update email, same run
			{"2026-11-09", "credit-hold", dunning.Suspend, S, false, false},
			{"2026-11-12", "credit-hold", dunning.Resume, S, false, false}},
		"c3-cobalt": {{"2026-11-02", "retry-1", dunning.Retry, D, false, false}, {"2026-11-04", "retry-3", dunning.Retry, D, false, false},
			{"2026-11-05", "payment-failed", dunning.Email, S, false, true}, {"2026-11-06", "retry-5", dunning.Retry, D, false, false},
			{"2026-11-08", "retry-7", dunning.Retry, D, false, false}, {"2026-11-09", "credit-hold", dunning.Suspend, S, false, false},
			{"2026-11-16", "suspend", dunning.Suspend, S, false, false}, {"2026-11-21", "final", dunning.Email, S, false, true},
			{"2026-12-01", "cancel", dunning.CancelSubscription, S, false, false}},
		"c4-delta": {{"2026-11-02", "retry-1", dunning.Retry, D, false, false}, {"2026-11-04", "retry-3", dunning.Retry, D, false, false},
			{"2026-11-05", "payment-failed", dunning.Email, S, false, true}, {"2026-11-06", "retry-5", dunning.Retry, D, false, false},
			{"2026-11-08", "retry-7", dunning.Retry, D, false, false}, {"2026-11-09", "credit-hold", dunning.Suspend, S, false, false},
			{"2026-11-18", "credit-hold", dunning.Resume, S, false, false}},
		"c5-echo": {{"2026-11-02", "retry-1", dunning.Retry, S, false, true}},
	}
	for id, want := range wantRecs {
		if !slices.Equal(got[id], want) {
			t.Errorf("%s: records\n got %v\nwant %v", id, got[id], want)
		}
	}

	// The app's side: the hook left Cobalt cancelled, everyone else active;
	// the provider took money twice (Acme, Echo), once per key.
	for id, want := range map[string]string{"c1-acme": "", "c2-braun": "active", "c3-cobalt": "cancelled", "c4-delta": "active", "c5-echo": ""} {
		if got := out.hook.state[id].Name; got != want {
			t.Errorf("%s: hook state %q, want %q", id, got, want)
		}
	}
	if out.hook.ended["c3-cobalt"] != dunning.CancelSubscription || len(out.hook.ended) != 1 {
		t.Errorf("ended: %v, want only c3-cobalt cancelled", out.hook.ended)
	}
	if out.provider.charged != 2 {
		t.Errorf("provider charged %d times, want 2", out.provider.charged)
	}

	var b strings.Builder
	out.print(&b)
	s := b.String()
	for _, want := range []string{
		// 490 + 59 + 149 + 89 = 787 of 787 + 1200 = 1987: 39.6 %.
		"Recovery rate: 4 of 5 failed renewals (80.0%), EUR 787.00 of EUR 1987.00 (39.6%)",
		`"Zahlung abgelehnt: Bitte aktualisieren Sie Ihre Zahlungsart für 59,00 EUR"`,
		"soft decline: insufficient_funds",
		"hard decline: lost_card",
		"not recovered: EUR 1200.00 open, account cancelled",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q", want)
		}
	}
}

// The example's decline mapping: hard for codes that retrying cannot cure.
func TestClassify(t *testing.T) {
	for code, want := range map[string]dunning.Decline{
		"insufficient_funds": dunning.SoftDecline, "do_not_honor": dunning.SoftDecline, "something_new": dunning.SoftDecline,
		"lost_card": dunning.HardDecline, "expired_card": dunning.HardDecline, "account_closed": dunning.HardDecline,
	} {
		if got := Classify(code); got != want {
			t.Errorf("Classify(%q) = %s, want %s", code, got, want)
		}
	}
}

func (c change) String() string { return fmt.Sprintf("%s %s->%s", c.Day, c.From, c.To) }
