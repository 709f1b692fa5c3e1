package dunning

import (
	"testing"
	"time"

	"github.com/overduehq/overdue/notice"
)

// TestRunnerKeepsParsedTemplates: a Runner parses its policy's templates
// once and keeps them from one Execute to the next, and parses them again
// when the Policy, its Templates or its RenderLimits change.
func TestRunnerKeepsParsedTemplates(t *testing.T) {
	p := &Policy{}
	r := &Runner{Policy: p}
	first := r.templates()
	if again := r.templates(); again != first {
		t.Fatal("the templates were parsed again for an unchanged policy")
	}

	p.RenderLimits = notice.Limits{MaxBytes: 4096, Timeout: 2 * time.Second}
	limited := r.templates()
	if limited == first {
		t.Fatal("new RenderLimits kept the old set")
	}
	if got := limited.Limits(); got != p.RenderLimits {
		t.Fatalf("limits = %+v, want %+v", got, p.RenderLimits)
	}

	own := notice.NewSet()
	k := notice.Key{Language: "en", Stage: notice.FriendlyReminder}
	if err := own.Add(k, notice.Template{Subject: "Hello", Text: "Hello {{.N.Debtor.Name}}"}); err != nil {
		t.Fatal(err)
	}
	p.Templates = own
	mine := r.templates()
	if mine == limited {
		t.Fatal("new Templates kept the old set")
	}
	if got, err := mine.Resolve(k); err != nil || got != k {
		t.Fatalf("Resolve(%v) = %v, %v: the app's template should win", k, got, err)
	}
	if got, err := mine.Resolve(notice.Key{Language: "de", Stage: notice.FriendlyReminder}); err != nil || got.Language != "de" {
		t.Fatalf("German reminder resolves to %v, %v: the built-in set should back the app's", got, err)
	}

	r.Policy = &Policy{}
	if other := r.templates(); other == mine {
		t.Fatal("another Policy kept the old set")
	}
}
