package sqlstore_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/overduehq/overdue/dunning"
)

// BenchmarkHistoryFor reads the history of one day's batch of 1,000
// customers (3 invoices each) from ledgers of 100,000 and 1,000,000
// progress rows (3 invoices per customer, so 33,334 and 333,334
// customers), generated set-based. The time must not grow with the
// ledger: the read goes through the customer index.
func BenchmarkHistoryFor(b *testing.B) {
	db := openDB(b)
	for _, rows := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("rows=%d", rows), func(b *testing.B) {
			st, schema := newSchemaStore(b, db)
			if _, err := db.Exec(`INSERT INTO `+schema+`.overdue_progress (invoice_id, customer_id, cycle, workflow, step, last, fees, has_notices, notice_count)
				SELECT 'i' || g, 'c' || (g / 3), 0, 'standard', g % 5, DATE '2026-04-14' - (g % 60), (g % 7)::numeric, true, 1 + g % 4
				FROM generate_series(0, $1::int - 1) g`, rows); err != nil {
				b.Fatal(err)
			}
			if _, err := db.Exec(`ANALYZE ` + schema + `.overdue_progress`); err != nil {
				b.Fatal(err)
			}
			q := dunning.HistoryQuery{CustomerIDs: make([]string, 1000)}
			for i := range q.CustomerIDs {
				q.CustomerIDs[i] = fmt.Sprintf("c%d", (i*31)%(rows/3)) // spread over the ledger
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				h, err := st.HistoryFor(context.Background(), q)
				if err != nil {
					b.Fatal(err)
				}
				if n := len(h.(dunning.Snapshot).HistoryMap); n != 3000 {
					b.Fatalf("%d progress rows, want 3000", n)
				}
			}
		})
	}
}
