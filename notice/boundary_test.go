package notice_test

import (
	"strings"
	"testing"

	"github.com/overduehq/overdue/notice"
	"github.com/rickb777/date/v2"
)

// The tests in this file pin rules a mutation run (an operator changed,
// one at a time) found no test holding: each fails on the mutant named
// beside it.

// statementNotice is a valid notice carrying statement(lang).
func statementNotice(lang string) *notice.Notice {
	st := statement(lang)
	return &notice.Notice{Key: "statement/acme/EUR/2026-05-31", Number: st.Number, Date: st.Date, Stage: notice.StatementOfAccount,
		Channel: notice.Email, Language: lang, Creditor: st.Creditor, Debtor: notice.Party{Name: "Acme Ltd", Email: "ap@acme.example"},
		Currency: st.Currency, MinorUnits: st.MinorUnits, Statement: st}
}

// TestStatementNoticeOneLanguage: a notice and the statement it carries
// are in one language (a mutant accepted a statement in another, and
// refused one in the same).
func TestStatementNoticeOneLanguage(t *testing.T) {
	if err := statementNotice("en").Validate(); err != nil {
		t.Fatalf("a statement notice in English: %v", err)
	}
	n := statementNotice("en")
	n.Statement.Language = "de"
	if err := n.Validate(); err == nil || !strings.Contains(err.Error(), "statement") {
		t.Errorf("an English notice carrying a German statement: %v, want refused naming the statement", err)
	}
}

// TestUnappliedOnNoticeDay: money received on the notice's own day may be
// shown on it; only money dated after the notice is refused (a mutant
// refused the same day).
func TestUnappliedOnNoticeDay(t *testing.T) {
	for d, ok := range map[int]bool{0: true, -1: true, 1: false} {
		n := sample("en", notice.OverdueNotice)
		n.Unapplied = []notice.Unapplied{{Kind: "payment", Date: n.Date + date.Date(d), Reference: "BANK-1", Amount: dec("10.00")}}
		n.Total = n.ComputeTotal()
		err := n.Validate()
		if (err == nil) != ok {
			t.Errorf("unapplied payment %+d days from the notice: %v, want ok=%v", d, err, ok)
		}
		if !ok && (err == nil || !strings.Contains(err.Error(), "unapplied[0].date")) {
			t.Errorf("error %v, want it to name unapplied[0].date", err)
		}
	}
}
