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

// TestPolicyParsesBuiltinOnce: a validated policy parses the built-in
// templates once, its copies share them, and Templates and RenderLimits
// set after Validate still hold; a policy never validated is left as it
// was.
func TestPolicyParsesBuiltinOnce(t *testing.T) {
	p := &Policy{Workflows: []Workflow{{Name: "w", Steps: []Step{{Name: "s", Action: Email}}}},
		Creditor: notice.Party{Name: "Example Supplies Ltd", Address: []string{"2 Market Road"}},
		Payment:  PaymentInstructions{Text: "Please transfer the amount due."}}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	b := p.builtin()
	if p.builtin() != b {
		t.Fatal("a validated policy parsed the built-in templates twice")
	}
	cp := *p
	if cp.builtin() != b {
		t.Fatal("a copy of a validated policy parsed the built-in templates again")
	}
	if err := p.Validate(); err != nil || p.builtin() != b {
		t.Fatalf("validating again dropped the parsed templates (%v)", err)
	}
	p.RenderLimits = notice.Limits{MaxBytes: 4096}
	if got := p.templates().Limits().MaxBytes; got != 4096 {
		t.Fatalf("RenderLimits set after Validate: max bytes %d, want 4096", got)
	}
	// A policy never validated parses them on each call and is not
	// written to (which, shared between goroutines, would race).
	never := &Policy{}
	if never.templates(); never.builtin != nil {
		t.Fatal("templates wrote to a policy never validated")
	}
}
