package sqlstore_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/overduehq/overdue/store/sqlstore"
	"github.com/overduehq/overdue/store/storetest"
	"github.com/shopspring/decimal"

	_ "github.com/jackc/pgx/v5/stdlib"
)

// DSNEnv names the environment variable with the PostgreSQL test database,
// e.g. postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable.
const DSNEnv = "OVERDUE_TEST_POSTGRES"

func openDB(t testing.TB) *sql.DB {
	dsn := os.Getenv(DSNEnv)
	if dsn == "" {
		t.Skipf("%s is not set: skipping the PostgreSQL store tests (.ci/run sets it)", DSNEnv)
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.PingContext(context.Background()); err != nil {
		t.Fatalf("%s=%s: %v", DSNEnv, dsn, err)
	}
	return db
}

// newStore returns a migrated store in a fresh schema, dropped after the test.
func newStore(t testing.TB, db *sql.DB) *sqlstore.Store {
	s, _ := newSchemaStore(t, db)
	return s
}

// newSchemaStore is newStore that also returns the schema's name.
func newSchemaStore(t testing.TB, db *sql.DB) (*sqlstore.Store, string) {
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "overdue_test_" + hex.EncodeToString(b[:])
	s := sqlstore.New(db, schema)
	v, err := s.Migrate(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if v != schemaVersion {
		t.Fatalf("migrated to version %d, want %d", v, schemaVersion)
	}
	t.Cleanup(func() { _, _ = db.Exec(`DROP SCHEMA ` + schema + ` CASCADE`) })
	return s, schema
}

// schemaVersion is the number of embedded migrations.
const schemaVersion = 5

// advancer lets d pass on the schema's clock by moving every stored lease
// and retry time back by d: each comparison the store makes is with the
// database's now(), so this is the same as now() moving on by d. now reads
// the database's clock plus what advance added.
func advancer(t testing.TB, db *sql.DB, schema string) (advance func(time.Duration), now func() time.Time) {
	var mu sync.Mutex
	var shift time.Duration
	advance = func(d time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		shift += d
		if _, err := db.Exec(`UPDATE `+schema+`.overdue_actions SET expires = expires - $1::bigint * interval '1 microsecond',
			not_before = not_before - $1::bigint * interval '1 microsecond'`, d.Microseconds()); err != nil {
			t.Errorf("advance: %v", err)
		}
	}
	now = func() time.Time {
		var n time.Time
		if err := db.QueryRow(`SELECT clock_timestamp()`).Scan(&n); err != nil {
			t.Errorf("now: %v", err)
		}
		mu.Lock()
		defer mu.Unlock()
		return n.Add(shift)
	}
	return advance, now
}

func TestConformance(t *testing.T) {
	db := openDB(t)
	storetest.Run(t, func(t *testing.T) storetest.Kit {
		s, schema := newSchemaStore(t, db)
		adv, now := advancer(t, db, schema)
		return storetest.Kit{Store: s, Advance: adv, Now: now}
	})
}

func TestMigrateIsIdempotent(t *testing.T) {
	db := openDB(t)
	s := newStore(t, db)
	for i := 0; i < 2; i++ {
		if v, err := s.Migrate(context.Background()); err != nil || v != schemaVersion {
			t.Fatalf("Migrate again: %d, %v", v, err)
		}
	}
}

// An earlier try of a completion committed on a backend that had not
// finished when its reply was lost: the retry's statement waits for that
// transaction's lock on the key and, once it commits, finds the key done by
// this very claim. The retry succeeds (nil), not ErrLeaseLost, though its
// statement's snapshot is from before that commit.
func TestCompleteRetryWaitingOnItsOwnCommit(t *testing.T) {
	db := openDB(t)
	st, schema := newSchemaStore(t, db)
	ctx := context.Background()
	res, err := st.ClaimMany(ctx, dunning.ClaimManyParams{Owner: "r", Lease: time.Minute, Keys: []dunning.ClaimKey{{Key: "k"}}})
	if err != nil || res[0].Err != nil {
		t.Fatalf("claim: %v %v", err, res)
	}
	c := res[0].Claim
	rec := dunning.Record{Key: "k", CustomerID: "c1", InvoiceIDs: []string{"i1"}, Cycles: []int{0}, Workflow: "standard",
		Step: "s0", Kind: dunning.Email, Date: dunningtest.Day("2026-04-14"), Outcome: dunning.Sent, Currency: "EUR",
		Amount: decimal.RequireFromString("100.00"), At: time.Date(2026, 4, 14, 9, 0, 0, 0, time.UTC)}
	// The earlier try: its transaction marks the key done by this claim
	// and holds the row until it commits.
	first, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Rollback()
	if _, err := first.ExecContext(ctx, `UPDATE `+schema+`.overdue_actions SET done = true, expires = NULL, planned = NULL
		WHERE key = $1 AND owner = $2 AND attempt = $3`, c.Key, c.Owner, c.Attempt); err != nil {
		t.Fatal(err)
	}
	got := make(chan []error, 1)
	go func() {
		errs, err := st.CompleteMany(ctx, []dunning.Completion{{Claim: c, Record: rec}})
		if err != nil {
			errs = []error{err}
		}
		got <- errs
	}()
	// The retry is under way (waiting for the row) before the first commits.
	deadline := time.Now().Add(10 * time.Second)
	for {
		var waiting int
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND strpos(query, $1) > 0`, schema).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the retry never waited for the first try's lock")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := first.Commit(); err != nil {
		t.Fatal(err)
	}
	if errs := <-got; len(errs) != 1 || errs[0] != nil {
		t.Fatalf("retry after its own commit: %v, want nil", errs)
	}
}
