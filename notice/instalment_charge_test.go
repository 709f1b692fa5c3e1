package notice_test

import (
	"strings"
	"testing"

	"github.com/overduehq/overdue/notice"
)

// A charge names the part of an invoice it is on only where a line of the
// notice is that part: Validate refuses "instalment 2" of an invoice the
// notice carries whole, and accepts it once the line is instalment 2 of 3,
// which the text then names beside the invoice.
func TestChargeInstalmentMustBeALine(t *testing.T) {
	n := sample("en", notice.OverdueNotice)
	if len(n.Fees) == 0 {
		t.Fatal("the sample has no fee")
	}
	n.Fees[0].Invoice, n.Fees[0].Instalment = n.Lines[0].Number, 2
	err := n.Validate()
	if err == nil || !strings.Contains(err.Error(), "fees[0].instalment") {
		t.Fatalf("Validate: %v, want fees[0].instalment", err)
	}
	n.Lines[0].Instalment, n.Lines[0].Instalments = 2, 3
	if err := n.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := notice.Builtin().Render(n); err != nil {
		t.Fatal(err)
	}
	if w := "(invoice " + n.Lines[0].Number + ", instalment 2 of 3)"; !strings.Contains(n.Text, w) {
		t.Errorf("text lacks %q:\n%s", w, n.Text)
	}
}
