package dunning_test

import (
	"strings"
	"testing"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/overduehq/overdue/notice"
)

// nextOn plans 7 April 2026 (due+7 of onePortfolio's invoice, due 31 March)
// with workflow steps, the first a notice of stage on due+7, for a
// customer in language lang, and returns that notice rendered.
func nextOn(t *testing.T, lang string, stage notice.Stage, states []dunning.BlockingState, steps ...dunning.Step) *notice.Notice {
	t.Helper()
	wf := dunning.Workflow{Name: "w", CatchUp: dunning.Progressive, States: states,
		Steps: append([]dunning.Step{{Name: "first", At: dueAt(7), Action: dunning.Email, Stage: stage}}, steps...)}
	pol := dunningtest.Policy(wf)
	pf := onePortfolio()
	pf.Customers[0].Language = lang
	acts := huntPlan(t, pol, pf, day("2026-04-07"))
	if len(acts) != 1 || acts[0].Step != "first" || acts[0].Notice == nil {
		t.Fatalf("7 April: %+v, want the notice of step first", acts)
	}
	render(t, pol, &acts[0])
	return acts[0].Notice
}

// A notice followed by an account step tells the customer what happens
// to their service: a suspension into a state that switches the service
// off (suspended), a restriction into one that keeps it running (the
// credit hold, a state of the workflow's that blocks changes only), the
// cancellation of the subscription; on an overdue notice and a final
// notice, in English and German. Before the fix the look-ahead stopped at
// the account step and the notice said nothing of it.
func TestNoticeAnnouncesAccountStep(t *testing.T) {
	noChanges := dunning.BlockingState{Name: "no-changes", BlockChanges: true}
	for _, tc := range []struct {
		name   string
		stage  notice.Stage
		next   dunning.Step
		want   notice.NextKind
		en, de string
	}{
		{"overdue-suspend", notice.OverdueNotice, dunning.Step{Name: "suspend", At: dueAt(14), Action: dunning.Suspend, State: "suspended"}, notice.NextSuspend,
			"If the total due remains unpaid, we will suspend your access to our service.",
			"Bleibt der Gesamtbetrag offen, sperren wir Ihren Zugang zu unserem Dienst."},
		{"final-suspend", notice.FinalNotice, dunning.Step{Name: "suspend", At: dueAt(14), Action: dunning.Suspend, State: "suspended"}, notice.NextSuspend,
			" If it does not, we will suspend your access to our service.",
			" Andernfalls sperren wir Ihren Zugang zu unserem Dienst."},
		{"final-credit-hold", notice.FinalNotice, dunning.Step{Name: "hold", At: dueAt(14), Action: dunning.Suspend, State: "credit-hold"}, notice.NextRestrict,
			" If it does not, we will restrict your account, though your current service will continue.",
			" Andernfalls schränken wir Ihr Kundenkonto ein; Ihr laufender Dienst bleibt bestehen."},
		{"overdue-own-state", notice.OverdueNotice, dunning.Step{Name: "freeze", At: dueAt(14), Action: dunning.Suspend, State: "no-changes"}, notice.NextRestrict,
			"If the total due remains unpaid, we will restrict your account, though your current service will continue.",
			"Bleibt der Gesamtbetrag offen, schränken wir Ihr Kundenkonto ein; Ihr laufender Dienst bleibt bestehen."},
		{"final-cancel", notice.FinalNotice, dunning.Step{Name: "cancel", At: dueAt(30), Action: dunning.CancelSubscription}, notice.NextCancel,
			" If it does not, we will cancel your subscription, and your access to our service will end.",
			" Andernfalls kündigen wir Ihr Abonnement; damit endet Ihr Zugang zu unserem Dienst."},
	} {
		for lang, want := range map[string]string{"en": tc.en, "de": tc.de} {
			n := nextOn(t, lang, tc.stage, []dunning.BlockingState{noChanges}, tc.next)
			if n.Next != (notice.Next{Kind: tc.want}) {
				t.Errorf("%s %s: next %+v, want %s", tc.name, lang, n.Next, tc.want)
			}
			if !strings.Contains(n.Text, want) || !strings.Contains(n.HTML, want) {
				t.Errorf("%s %s: text or HTML lacks %q:\n%s", tc.name, lang, want, n.Text)
			}
		}
	}
}

// An internal escalation is invisible to the customer: a final notice
// followed by one and then by the collection agency (a collector's task,
// or the hand-over through the account hook) announces the agency, and
// followed by one and then a collector's call announces the call. Before
// the fix the notice stopped at the internal escalation and said nothing.
func TestNoticeLooksPastInternalEscalation(t *testing.T) {
	internal := dunning.Step{Name: "manager", At: dueAt(14), Action: dunning.EscalateInternal}
	for _, tc := range []struct {
		then   dunning.Step
		want   notice.NextKind
		en, de string
	}{
		{dunning.Step{Name: "agency", At: dueAt(30), Action: dunning.EscalateExternal}, notice.NextCollection,
			" If it does not, we will pass the claim to a collection agency or a lawyer to recover it.",
			" Andernfalls übergeben wir die Forderung einem Inkassounternehmen oder einem Rechtsanwalt."},
		{dunning.Step{Name: "hand-over", At: dueAt(30), Action: dunning.HandOver}, notice.NextCollection,
			" If it does not, we will pass the claim to a collection agency or a lawyer to recover it.",
			" Andernfalls übergeben wir die Forderung einem Inkassounternehmen oder einem Rechtsanwalt."},
		{dunning.Step{Name: "call", At: dueAt(30), Action: dunning.Task}, notice.NextContact,
			" If it does not, we will contact you to discuss how the debt will be settled.",
			" Andernfalls setzen wir uns mit Ihnen in Verbindung, um zu besprechen, wie die Forderung beglichen wird."},
	} {
		for lang, want := range map[string]string{"en": tc.en, "de": tc.de} {
			n := nextOn(t, lang, notice.FinalNotice, nil, internal, tc.then)
			if n.Next != (notice.Next{Kind: tc.want}) {
				t.Errorf("%s %s: next %+v, want %s", tc.then.Name, lang, n.Next, tc.want)
			}
			if !strings.Contains(n.Text, want) || !strings.Contains(n.HTML, want) {
				t.Errorf("%s %s: text or HTML lacks %q:\n%s", tc.then.Name, lang, want, n.Text)
			}
			if strings.Contains(n.Text, "manager") || strings.Contains(n.Text, "escalat") {
				t.Errorf("%s %s: the text names the internal step:\n%s", tc.then.Name, lang, n.Text)
			}
		}
	}
}

// What a notice announces past payment retries and before steps that end
// dunning quietly: a retry is passed over (an attempt to collect, not a
// consequence) when nothing it could pass over lies between it and the
// step found; a step before a retry still to come is announced to no one,
// as a hard decline of the retry before it passes the invoice over it to
// the last retry; a hold, a write-off, marking the invoice uncollectible
// or an internal escalation with nothing after it announce nothing.
func TestNoticeNextPastRetriesAndQuietEnds(t *testing.T) {
	retry := func(name string, d int) dunning.Step {
		return dunning.Step{Name: name, At: dueAt(d), Action: dunning.Retry}
	}
	suspend := dunning.Step{Name: "suspend", At: dueAt(20), Action: dunning.Suspend, State: "suspended"}
	cancel := dunning.Step{Name: "cancel", At: dueAt(40), Action: dunning.CancelSubscription}
	for _, tc := range []struct {
		name  string
		steps []dunning.Step
		want  notice.Next
	}{
		{"retry-suspend", []dunning.Step{retry("r1", 10), suspend}, notice.Next{Kind: notice.NextSuspend}},
		{"retry-retry-cancel", []dunning.Step{retry("r1", 10), retry("r2", 15), cancel}, notice.Next{Kind: notice.NextCancel}},
		{"retry-suspend-retry-cancel", []dunning.Step{retry("r1", 10), suspend, retry("r2", 25), cancel}, notice.Next{}},
		{"retry-notice-retry", []dunning.Step{retry("r1", 10), {Name: "final", At: dueAt(20), Action: dunning.Email, Stage: notice.FinalNotice}, retry("r2", 25)}, notice.Next{}},
		{"hold", []dunning.Step{{Name: "hold", At: dueAt(20), Action: dunning.HoldAction}, cancel}, notice.Next{}},
		{"write-off", []dunning.Step{{Name: "write-off", At: dueAt(20), Action: dunning.WriteOff}}, notice.Next{}},
		{"uncollectible", []dunning.Step{{Name: "bad-debt", At: dueAt(20), Action: dunning.MarkUncollectible}}, notice.Next{}},
		{"internal-only", []dunning.Step{{Name: "manager", At: dueAt(20), Action: dunning.EscalateInternal}}, notice.Next{}},
	} {
		n := nextOn(t, "en", notice.OverdueNotice, nil, tc.steps...)
		if n.Next != tc.want {
			t.Errorf("%s: next %+v, want %+v", tc.name, n.Next, tc.want)
		}
		if tc.want.Kind == "" {
			for _, s := range []string{"suspend", "restrict", "cancel", "collection", "contact you to"} {
				if strings.Contains(n.Text, s) {
					t.Errorf("%s: the text says %q with nothing to announce:\n%s", tc.name, s, n.Text)
				}
			}
		}
	}
}

// The payment-update notice after a hard decline announces what follows
// the workflow's last retry: the hard decline of retry-1 passes the
// invoice over the credit hold between it and retry-3 (the test checks
// that no hold comes on its day), so the notice announces the
// cancellation after retry-3. Before the fix it announced the credit hold
// that never comes.
func TestPaymentUpdateNextAfterLastRetry(t *testing.T) {
	wf := dunning.Workflow{Name: "subs", CatchUp: dunning.Progressive, Steps: []dunning.Step{
		{Name: "retry-1", At: dueAt(1), Action: dunning.Retry},
		{Name: "hold", At: dueAt(2), Action: dunning.Suspend, State: "credit-hold"},
		{Name: "retry-3", At: dueAt(3), Action: dunning.Retry},
		{Name: "cancel", At: dueAt(30), Action: dunning.CancelSubscription},
	}}
	e := newSubsEnv(t, map[int]string{1: "lost_card"})
	e.pol = dunningtest.Policy(wf)
	e.r.Policy = e.pol
	if got := statuses(e.day(t, "2026-11-02")); got != "retry-1/c0=failed c0/fallback=sent" {
		t.Fatalf("2026-11-02: %s", got)
	}
	msgs := e.sent.Sent()
	if len(msgs) != 1 || msgs[0].Notice.Stage != notice.PaymentUpdate {
		t.Fatalf("sent %+v, want the payment-update notice", msgs)
	}
	if want := (notice.Next{Kind: notice.NextCancel}); msgs[0].Notice.Next != want {
		t.Errorf("next %+v, want %+v", msgs[0].Notice.Next, want)
	}
	for _, d := range []string{"2026-11-03", "2026-11-04"} {
		if got := statuses(e.day(t, d)); got != "" {
			t.Errorf("%s: %q, want no credit hold and no retry after the hard decline", d, got)
		}
	}
	if len(e.hook.changes) != 0 {
		t.Errorf("account changes %v, want none before the cancellation", e.hook.changes)
	}
}
