package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/overduehq/overdue/dunning"
	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"

	_ "github.com/jackc/pgx/v5/stdlib"
)

// TestProgressOfANewInvoiceInTwoTransactions: two transactions write the
// progress of the same invoice, new to the store, at once. The second's
// insert waits for the first; once the first commits, the second finds the
// row there, works its progress out again from it and updates it: the
// invoice ends with both notices counted (2), the second's step (3), both
// fees (2.50 + 4.00 = 6.50) and both days.
func TestProgressOfANewInvoiceInTwoTransactions(t *testing.T) {
	dsn := os.Getenv("OVERDUE_TEST_POSTGRES")
	if dsn == "" {
		t.Skip("OVERDUE_TEST_POSTGRES is not set")
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "overdue_test_" + hex.EncodeToString(b[:])
	s := New(db, schema)
	ctx := context.Background()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	defer db.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)

	d1, d2 := date.New(2026, 4, 14), date.New(2026, 4, 28)
	rec := func(key string, step int, fee string, on date.Date) dunning.Record {
		return dunning.Record{Key: key, CustomerID: "c1", InvoiceIDs: []string{"i1"}, Cycles: []int{0}, Workflow: "standard",
			Step: "s", StepIndex: step, Kind: dunning.Email, Date: on, Outcome: dunning.Sent, Currency: "EUR",
			FeesByInvoice: []decimal.Decimal{decimal.RequireFromString(fee)}, Fees: decimal.RequireFromString(fee)}
	}
	tx1, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.writeProgress(ctx, tx1, []dunning.Record{rec("k1", 2, "2.50", d1)}, dunning.Advance); err != nil {
		t.Fatal(err)
	}
	second := make(chan error, 1)
	go func() {
		second <- s.tx(ctx, func(tx *sql.Tx) error {
			return s.writeProgress(ctx, tx, []dunning.Record{rec("k2", 3, "4.00", d2)}, dunning.Advance)
		})
	}()
	select {
	case err := <-second:
		t.Fatalf("the second transaction did not wait for the first: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	if err := tx1.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-second; err != nil {
		t.Fatal(err)
	}
	h, err := s.HistoryFor(ctx, dunning.HistoryQuery{InvoiceIDs: []string{"i1"}})
	if err != nil {
		t.Fatal(err)
	}
	p, ok := h.(dunning.Snapshot).HistoryMap["i1"]
	if !ok {
		t.Fatal("no progress for i1")
	}
	if p.Notices == nil || p.Notices.Count != 2 || len(p.Notices.Recent) != 2 || p.Notices.Recent[0] != d1 || p.Notices.Recent[1] != d2 {
		t.Errorf("notices %+v, want 2 on %s and %s", p.Notices, d1, d2)
	}
	if p.Step != 3 || !p.Fees.Equal(decimal.RequireFromString("6.50")) || p.Last != d2 {
		t.Errorf("step %d, fees %s, last %s; want 3, 6.50, %s", p.Step, p.Fees, p.Last, d2)
	}
}
