package sqlstore_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/overduehq/overdue/store/sqlstore"
)

// TestCycleBeyondInt32NeverSent: an invoice whose cycle the progress's
// integer column cannot keep is refused before its action is claimed. It
// used to be sent, its record then refused by PostgreSQL (SQLSTATE
// 22003), the key never completed, and every run after the lease ran out
// sent it again.
func TestCycleBeyondInt32NeverSent(t *testing.T) {
	db := openDB(t)
	_, schema := newSchemaStore(t, db)
	advance, _ := advancer(t, db, schema)
	pf := bigPortfolio(1)
	pf.Invoices[0].Cycle = 1 << 31
	snd := &countingSender{}
	pol := dunningtest.Policy(dunning.DefaultWorkflow("standard"))
	for run := range 2 {
		r := &dunning.Runner{Policy: pol, Store: sqlstore.New(db, schema), Sender: snd, Clock: dunningtest.ClockAt(dunningtest.Day("2026-04-14")),
			Owner: fmt.Sprintf("run-%d", run), Lease: time.Second}
		rep, err := r.Run(context.Background(), pf)
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Results) != 1 || rep.Results[0].Status != dunning.StatusProblem {
			t.Fatalf("run %d: %+v, want the invoice refused", run, rep.Results)
		}
		// The problem is the *FieldError of Invoice.Validate, as text.
		if msg := rep.Results[0].Error; !strings.Contains(msg, `invoice[ic00000].cycle: "2147483648"`) {
			t.Errorf("run %d: problem %q, want the invoice's cycle named with its value", run, msg)
		}
		advance(time.Hour) // past any lease
	}
	if len(snd.sent) != 0 {
		t.Errorf("sent %v, want nothing", snd.sent)
	}
}
