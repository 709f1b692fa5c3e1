package notice_test

import (
	"encoding/json"
	"testing"

	"github.com/overduehq/overdue/notice"
)

// TestBuiltinInlinedRendersAsWritten: the built-in set, its template calls
// inlined, renders every golden scenario, stage, language and channel (a
// first notice and a follow-up, with and without payment details) byte for
// byte as the same sources parsed by Add, calls kept (Builtin's JSON read
// back by ParseSet).
func TestBuiltinInlinedRendersAsWritten(t *testing.T) {
	b := notice.Builtin()
	data, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	asWritten, err := notice.ParseSet(data)
	if err != nil {
		t.Fatal(err)
	}
	stages := []notice.Stage{notice.FriendlyReminder, notice.OverdueNotice, notice.FinalNotice, notice.LetterBeforeAction}
	for _, lang := range append(goldenLangs, "fr") {
		for _, sc := range scenarios() {
			for _, st := range stages {
				for _, ch := range []notice.Channel{notice.Email, notice.Letter, notice.SMS} {
					for _, bare := range []bool{false, true} {
						build := func() *notice.Notice {
							n := sc.build(lang)
							n.Stage, n.Channel = st, ch
							if bare {
								n.Payment = notice.Payment{}
								n.Earlier = nil
								n.Creditor.Phone = ""
							}
							return n
						}
						got, want := build(), build()
						errGot, errWant := b.Render(got), asWritten.Render(want)
						if (errGot == nil) != (errWant == nil) {
							t.Fatalf("%s %s %s %s bare=%v: inlined %v, as written %v", lang, sc.name, st, ch, bare, errGot, errWant)
						}
						if got.Subject != want.Subject || got.Text != want.Text || got.HTML != want.HTML {
							t.Errorf("%s %s %s %s bare=%v: inlined render differs:\n%s\n%s\n--- as written:\n%s\n%s", lang, sc.name, st, ch, bare, got.Subject, got.Text+got.HTML, want.Subject, want.Text+want.HTML)
						}
					}
				}
			}
		}
	}
}
