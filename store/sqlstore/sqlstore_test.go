package sqlstore_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"testing"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/store/sqlstore"
	"github.com/overduehq/overdue/store/storetest"

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
	if v != 1 {
		t.Fatalf("migrated to version %d, want 1", v)
	}
	t.Cleanup(func() { _, _ = db.Exec(`DROP SCHEMA ` + schema + ` CASCADE`) })
	return s, schema
}

func TestConformance(t *testing.T) {
	db := openDB(t)
	storetest.Run(t, func(t *testing.T) dunning.Store { return newStore(t, db) })
}

func TestMigrateIsIdempotent(t *testing.T) {
	db := openDB(t)
	s := newStore(t, db)
	for i := 0; i < 2; i++ {
		if v, err := s.Migrate(context.Background()); err != nil || v != 1 {
			t.Fatalf("Migrate again: %d, %v", v, err)
		}
	}
}
