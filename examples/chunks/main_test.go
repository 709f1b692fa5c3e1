package main

import (
	"database/sql"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// TestChunkedPlanIsWholePlan plans 600 customers (1,800 invoices) in chunks
// of 50 read from PostgreSQL, compares with one plan over everything, and
// checks the number of actions against the seed's dates (worked out below).
func TestChunkedPlanIsWholePlan(t *testing.T) {
	dsn := os.Getenv("OVERDUE_TEST_POSTGRES")
	if dsn == "" {
		t.Skip("OVERDUE_TEST_POSTGRES is not set: skipping (.ci/run sets it)")
	}
	schema := fmt.Sprintf("overdue_chunks_test_%d", time.Now().UnixNano())
	t.Cleanup(func() {
		if db, err := sql.Open("pgx", dsn); err == nil {
			_, _ = db.Exec(`DROP SCHEMA IF EXISTS "` + schema + `" CASCADE`)
			db.Close()
		}
	})
	var out strings.Builder
	if err := run(&out, dsn, schema, 600, 50); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	// Due dates are 2026-10-01 + 10k + i%30 (k = 0, 1, 2). On 11-14 a step
	// falls for due = 11-21 (due-7), 11-14 (due), 10-31 (due+14), 10-15
	// (due+30) and 09-30 (due+45, none: the earliest due is 10-01). Offsets
	// from 10-01: 51, 44, 30, 14. d = 10k + r (r = i%30 < 30): 44 = 10*2+24
	// = 10*3+14 (k<=2: only k=2, r=24); 51: k=2 r=31 no; 30: k=0 r=30 no,
	// k=1 r=20, k=2 r=10; 14: k=0 r=14, k=1 r=4. That is 5 (k, r) pairs,
	// each held by 600/30 = 20 customers: 100 actions.
	for _, want := range []string{"600 customers, 1800 invoices read in 12 chunks of up to 50 customers (at most 150 invoices in memory at once)",
		"planned 100 actions", "the same as one plan over the whole portfolio: true"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
