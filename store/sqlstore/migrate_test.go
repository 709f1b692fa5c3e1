package sqlstore_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"sync"
	"testing"

	"github.com/overduehq/overdue/store/sqlstore"
)

func randomSchema(prefix string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// TestMigrateConcurrentFreshSchema: 8 processes' worth of Migrate calls, each
// on its own connection pool, on a schema that does not exist yet. All of
// them succeed at version 1 and the version table holds one row per
// migration. Before the lock was taken first, CREATE SCHEMA and CREATE
// TABLE IF NOT EXISTS raced and most calls failed with duplicate-key errors.
func TestMigrateConcurrentFreshSchema(t *testing.T) {
	for round := 0; round < 3; round++ {
		schema := randomSchema("overdue_mig_")
		admin := openDB(t)
		t.Cleanup(func() { _, _ = admin.Exec(`DROP SCHEMA IF EXISTS ` + quoteIdent(schema) + ` CASCADE`) })
		const n = 8
		dbs := make([]*sqlstore.Store, n)
		for i := range dbs {
			dbs[i] = sqlstore.New(openDB(t), schema)
		}
		var wg sync.WaitGroup
		errs := make([]error, n)
		vers := make([]int, n)
		start := make(chan struct{})
		for i := range dbs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				vers[i], errs[i] = dbs[i].Migrate(context.Background())
			}()
		}
		close(start)
		wg.Wait()
		for i := range errs {
			if errs[i] != nil || vers[i] != latest(t) {
				t.Errorf("round %d: Migrate #%d = %d, %v; want %d, nil", round, i, vers[i], errs[i], latest(t))
			}
		}
		var rows int
		if err := admin.QueryRow(`SELECT count(*) FROM ` + quoteIdent(schema) + `.overdue_schema_version`).Scan(&rows); err != nil {
			t.Fatal(err)
		}
		if ms, _ := sqlstore.Migrations(""); rows != len(ms) {
			t.Errorf("round %d: overdue_schema_version has %d rows, want %d (one per migration)", round, rows, len(ms))
		}
	}
}

// TestMigrateOddSchemaNames: a schema name is used exactly as given, never
// trimmed or re-quoted into another schema's name, or refused.
func TestMigrateOddSchemaNames(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	victim := randomSchema("victim_")
	if _, err := db.Exec(`CREATE SCHEMA ` + quoteIdent(victim)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = db.Exec(`DROP SCHEMA IF EXISTS ` + quoteIdent(victim) + ` CASCADE`) })
	tables := func(schema string) int {
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM information_schema.tables WHERE table_schema = $1`, schema).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, odd := range []string{victim + `"`, `"` + victim, `""` + victim + `""`, victim + `"."x`, victim + ` ; DROP SCHEMA ` + victim} {
		t.Run(odd, func(t *testing.T) {
			t.Cleanup(func() { _, _ = db.Exec(`DROP SCHEMA IF EXISTS ` + quoteIdent(odd) + ` CASCADE`) })
			s := sqlstore.New(db, odd)
			v, err := s.Migrate(ctx)
			if err != nil || v != latest(t) {
				t.Fatalf("Migrate(%q) = %d, %v; want %d, nil", odd, v, err, latest(t))
			}
			if n := tables(victim); n != 0 {
				t.Fatalf("Migrate(%q) created %d tables in the existing schema %q", odd, n, victim)
			}
			if n := tables(odd); n < 6 {
				t.Fatalf("schema %q holds %d tables after Migrate, want the store's 6", odd, n)
			}
			if _, err := s.History(ctx); err != nil {
				t.Fatalf("History on schema %q: %v", odd, err)
			}
			ms, err := sqlstore.Migrations(odd)
			if err != nil {
				t.Fatal(err)
			}
			if want := quoteIdent(odd) + ".overdue_actions"; !strings.Contains(ms[0].SQL, want) {
				t.Fatalf("Migrations(%q) SQL does not name %s", odd, want)
			}
		})
	}
	for _, bad := range []string{strings.Repeat("a", 64), "ab\x00c"} {
		if _, err := sqlstore.New(db, bad).Migrate(ctx); err == nil {
			t.Errorf("Migrate(%q) succeeded; want a refusal", bad)
		}
		if _, err := sqlstore.Migrations(bad); err == nil {
			t.Errorf("Migrations(%q) succeeded; want a refusal", bad)
		}
	}
	// 63 bytes is PostgreSQL's limit and works.
	long := randomSchema("l")
	long += strings.Repeat("x", 63-len(long))
	t.Cleanup(func() { _, _ = db.Exec(`DROP SCHEMA IF EXISTS ` + quoteIdent(long) + ` CASCADE`) })
	if v, err := sqlstore.New(db, long).Migrate(ctx); err != nil || v != latest(t) {
		t.Errorf("Migrate(63-byte name) = %d, %v", v, err)
	}
}

// latest is the version of the last embedded migration; versions run 1, 2,
// ... without gaps.
func latest(t *testing.T) int {
	t.Helper()
	ms, err := sqlstore.Migrations("")
	if err != nil {
		t.Fatal(err)
	}
	// Versions increase strictly: no two files share one (a merge of two
	// branches that each added the next number shows here). Migrate applies
	// by version, so a number left for another branch's migration is no gap
	// it trips over.
	for i, m := range ms {
		if i > 0 && m.Version <= ms[i-1].Version || m.Version < 1 {
			t.Fatalf("migration %s has version %d after %d", m.Name, m.Version, ms[max(i-1, 0)].Version)
		}
	}
	return ms[len(ms)-1].Version
}
