package notice

import (
	"errors"
	"strings"
	"testing"
)

// TestCompiledSizeLimitExact: the compiled built-in templates render a
// notice whose subject, text and HTML take exactly MaxBytes, and refuse
// it one byte below (a mutant of the compiled budget refused it at the
// limit; TestRenderSizeLimit holds the template executor to the same).
func TestCompiledSizeLimitExact(t *testing.T) {
	n := func() *Notice {
		return &Notice{Key: "k", Stage: OverdueNotice, Channel: Email, Language: "en", Currency: "EUR", MinorUnits: 2,
			Creditor: Party{Name: "Northwind"}, Debtor: Party{Name: "Acme"}, Lines: []Line{{Number: "INV-1", Description: strings.Repeat("<", 400)}}}
	}
	free := n()
	if err := Builtin().Render(free); err != nil {
		t.Fatal(err)
	}
	size := len(free.Subject) + len(free.Text) + len(free.HTML)
	at := n()
	if err := Builtin().WithLimits(Limits{MaxBytes: size}).Render(at); err != nil {
		t.Fatalf("MaxBytes %d on %d bytes: %v", size, size, err)
	}
	if at.Text != free.Text || at.HTML != free.HTML || at.Subject != free.Subject {
		t.Error("the render at the limit differs from the one without")
	}
	var le *LimitError
	if err := Builtin().WithLimits(Limits{MaxBytes: size - 1}).Render(n()); !errors.As(err, &le) || le.What != "size" {
		t.Errorf("MaxBytes %d on %d bytes: %v, want a size LimitError", size-1, size, err)
	}
}
