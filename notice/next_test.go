package notice_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/overduehq/overdue/notice"
)

// accountSentences are the account consequences the built-in templates
// state, per kind and language, written out by hand: the clause after
// "If the total due remains unpaid, " / "Bleibt der Gesamtbetrag offen, "
// (friendly reminder, overdue notice) and after "If it does not, " /
// "Andernfalls " (final notice).
var accountSentences = map[notice.NextKind]map[string]string{
	notice.NextSuspend: {
		"en": "we will suspend your access to our service.",
		"de": "sperren wir Ihren Zugang zu unserem Dienst.",
	},
	notice.NextRestrict: {
		"en": "we will restrict your account, though your current service will continue.",
		"de": "schränken wir Ihr Kundenkonto ein; Ihr laufender Dienst bleibt bestehen.",
	},
	notice.NextCancel: {
		"en": "we will cancel your subscription, and your access to our service will end.",
		"de": "kündigen wir Ihr Abonnement; damit endet Ihr Zugang zu unserem Dienst.",
	},
}

// nextNotice is sample(lang, stage) made valid for its stage (a friendly
// reminder charges nothing) with Next of kind k.
func nextNotice(lang string, stage notice.Stage, k notice.NextKind) *notice.Notice {
	n := sample(lang, stage)
	if stage == notice.FriendlyReminder {
		n.Fees, n.Interest = nil, nil
		n.Total = n.ComputeTotal()
	}
	n.Next = notice.Next{Kind: k}
	return n
}

// TestNextAccountRendered: a friendly reminder, an overdue notice, a
// payment-update notice and a final notice whose Next is a suspension, a restriction or a
// cancellation state it, in English and German, in the text and the HTML,
// once, and no other kind's sentence; the notice validates, and Check
// finds no consequence the workflow does not back up.
func TestNextAccountRendered(t *testing.T) {
	lead := map[notice.Stage]map[string]string{
		notice.FriendlyReminder: {"en": "If the total due remains unpaid, ", "de": "Bleibt der Gesamtbetrag offen, "},
		notice.OverdueNotice:    {"en": "If the total due remains unpaid, ", "de": "Bleibt der Gesamtbetrag offen, "},
		// After the update request, before "If you have paid".
		notice.PaymentUpdate: {"en": "in one of the ways shown. If the total due remains unpaid, ", "de": "auf einem der genannten Wege. Bleibt der Gesamtbetrag offen, "},
		// After the deadline sentence, the sample's pay-by day 21 April 2026.
		notice.FinalNotice: {"en": "reaches us by 21 April 2026. If it does not, ", "de": "bis zum 21. April 2026 bei uns eingeht. Andernfalls "},
	}
	b := notice.Builtin()
	for k, byLang := range accountSentences {
		for stage, leads := range lead {
			for _, lang := range []string{"en", "de"} {
				n := nextNotice(lang, stage, k)
				if err := b.Render(n); err != nil {
					t.Fatalf("%s %s %s: render: %v", k, stage, lang, err)
				}
				want := leads[lang] + byLang[lang]
				for part, s := range map[string]string{"text": n.Text, "html": n.HTML} {
					if c := strings.Count(s, want); c != 1 {
						t.Errorf("%s %s %s: %s has %q %d times, want once:\n%s", k, stage, lang, part, want, c, s)
					}
					for other, o := range accountSentences {
						if other != k && strings.Contains(s, o[lang]) {
							t.Errorf("%s %s %s: %s also says %q", k, stage, lang, part, o[lang])
						}
					}
				}
				if err := n.Validate(); err != nil {
					t.Errorf("%s %s %s: %v", k, stage, lang, err)
				}
				for _, f := range notice.Check(n, "") {
					if f.Item == notice.ItemConsequence {
						t.Errorf("%s %s %s: %s", k, stage, lang, f)
					}
				}
			}
		}
	}
}

// TestNextAccountFinalFullClosing: the whole closing of an English and a
// German final notice before a suspension, as a customer reads it.
func TestNextAccountFinalFullClosing(t *testing.T) {
	for lang, want := range map[string]string{
		"en": "Please make sure the total due reaches us by 21 April 2026. If it does not, we will suspend your access to our service. Interest continues to accrue until payment. If you have paid in the meantime, please let us know.",
		"de": "Bitte sorgen Sie dafür, dass der Gesamtbetrag bis zum 21. April 2026 bei uns eingeht. Andernfalls sperren wir Ihren Zugang zu unserem Dienst. Bis zur Zahlung fallen weiter Zinsen an. Haben Sie inzwischen gezahlt, geben Sie uns bitte kurz Bescheid.",
	} {
		n := nextNotice(lang, notice.FinalNotice, notice.NextSuspend)
		if err := notice.Builtin().Render(n); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(n.Text, "\n"+want+"\n") {
			t.Errorf("%s: text lacks the closing %q:\n%s", lang, want, n.Text)
		}
	}
}

// TestNextAccountNotWhereOtherNext: without an account consequence in
// Next (none, another notice, a collector's call, a collection agency)
// no stage states one; a letter before action never does, and a text
// message never the letter's sentence (its own short one:
// TestNextAccountSMS).
func TestNextAccountNotWhereOtherNext(t *testing.T) {
	b := notice.Builtin()
	says := func(s, lang string) notice.NextKind {
		for k, o := range accountSentences {
			if strings.Contains(s, o[lang]) {
				return k
			}
		}
		return ""
	}
	for _, lang := range []string{"en", "de"} {
		for _, stage := range []notice.Stage{notice.FriendlyReminder, notice.OverdueNotice, notice.FinalNotice, notice.LetterBeforeAction, notice.PaymentUpdate} {
			for _, next := range []notice.Next{{}, {Kind: notice.NextNotice, Stage: notice.FinalNotice}, {Kind: notice.NextContact}, {Kind: notice.NextCollection}} {
				n := nextNotice(lang, stage, next.Kind)
				n.Next = next
				if err := b.Render(n); err != nil {
					t.Fatal(err)
				}
				if k := says(n.Text+n.HTML, lang); k != "" {
					t.Errorf("%s %s next %v: states the %s consequence", lang, stage, next, k)
				}
			}
		}
		for k := range accountSentences {
			for _, stage := range []notice.Stage{notice.LetterBeforeAction} {
				n := nextNotice(lang, stage, k)
				if err := b.Render(n); err != nil {
					t.Fatal(err)
				}
				if got := says(n.Text+n.HTML, lang); got != "" {
					t.Errorf("%s %s next %s: states the %s consequence", lang, stage, k, got)
				}
			}
			n := nextNotice(lang, notice.OverdueNotice, k)
			n.Channel, n.Debtor.Phone = notice.SMS, "+44 7700 900123"
			if err := b.Render(n); err != nil {
				t.Fatal(err)
			}
			if got := says(n.Text, lang); got != "" {
				t.Errorf("%s sms next %s: states the %s consequence", lang, k, got)
			}
		}
	}
}

// TestNextKindValidation: Validate and JSON accept every kind, and refuse
// an unknown kind, a stage on a kind other than a notice, a notice of no
// dunning stage.
func TestNextKindValidation(t *testing.T) {
	for _, k := range []notice.NextKind{notice.NextNothing, notice.NextNotice, notice.NextContact, notice.NextCollection, notice.NextSuspend, notice.NextRestrict, notice.NextCancel} {
		if !k.Valid() {
			t.Errorf("%q: not Valid", k)
		}
		n := nextNotice("en", notice.OverdueNotice, k)
		if k == notice.NextNotice {
			n.Next.Stage = notice.FinalNotice
		}
		if err := n.Validate(); err != nil {
			t.Errorf("next %v: %v", n.Next, err)
		}
		var got notice.Next
		if err := json.Unmarshal([]byte(`{"kind":"`+string(k)+`"}`), &got); err != nil || got.Kind != k {
			t.Errorf("unmarshal %q: %v, %v", k, got, err)
		}
	}
	for _, bad := range []notice.Next{
		{Kind: "suspended"},
		{Kind: "Suspend"},
		{Kind: notice.NextSuspend, Stage: notice.FinalNotice},
		{Kind: notice.NextNotice, Stage: notice.StatementOfAccount},
		{Kind: notice.NextNotice, Stage: notice.Stage(99)},
	} {
		n := sample("en", notice.OverdueNotice)
		n.Next = bad
		err := n.Validate()
		var ve *notice.ValidationError
		if !errors.As(err, &ve) || len(ve.Fields) != 1 || ve.Fields[0] != "next" {
			t.Errorf("next %v: %v, want refused naming next only", bad, err)
		}
	}
	var got notice.Next
	err := json.Unmarshal([]byte(`{"kind":"suspended"}`), &got)
	if err == nil || !strings.Contains(err.Error(), `"suspended"`) {
		t.Errorf("unmarshal an unknown kind: %v, want an error naming it", err)
	}
}

// TestNextAccountSMS: a text message of a friendly reminder, an overdue
// notice, a final notice and a payment-update notice states the account
// consequence in one short sentence after the day to pay by, in English
// and German; with another Next, none.
func TestNextAccountSMS(t *testing.T) {
	short := map[notice.NextKind]map[string]string{
		notice.NextSuspend:  {"en": " If unpaid, we will suspend your service. Ref ", "de": " Bleibt der Betrag offen, sperren wir Ihren Zugang. Zeichen "},
		notice.NextRestrict: {"en": " If unpaid, we will restrict your account. Ref ", "de": " Bleibt der Betrag offen, schränken wir Ihr Kundenkonto ein. Zeichen "},
		notice.NextCancel:   {"en": " If unpaid, we will cancel your subscription. Ref ", "de": " Bleibt der Betrag offen, kündigen wir Ihr Abonnement. Zeichen "},
	}
	b := notice.Builtin()
	for _, lang := range []string{"en", "de"} {
		for _, stage := range []notice.Stage{notice.FriendlyReminder, notice.OverdueNotice, notice.FinalNotice, notice.PaymentUpdate} {
			for _, k := range []notice.NextKind{notice.NextNothing, notice.NextContact, notice.NextSuspend, notice.NextRestrict, notice.NextCancel} {
				n := nextNotice(lang, stage, k)
				n.Channel, n.Debtor.Phone = notice.SMS, "+44 7700 900123"
				if err := b.Render(n); err != nil {
					t.Fatal(err)
				}
				for other, o := range short {
					want := 0
					if other == k {
						want = 1
					}
					if c := strings.Count(n.Text, o[lang]); c != want {
						t.Errorf("%s %s next %q: %q %d times, want %d:\n%s", lang, stage, k, o[lang], c, want, n.Text)
					}
				}
			}
		}
	}
}
