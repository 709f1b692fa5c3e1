package sqlstore_test

import (
	"fmt"
	"strings"

	"github.com/overduehq/overdue/store/sqlstore"
)

// Teams that run migrations with their own tool take the SQL from
// Migrations; everyone else calls Store.Migrate at start-up.
func ExampleMigrations() {
	ms, err := sqlstore.Migrations("billing")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, m := range ms {
		first, _, _ := strings.Cut(strings.TrimSpace(m.SQL), "\n")
		fmt.Println(m.Version, m.Name, first)
	}
	// Output:
	// 1 0001_init.sql CREATE TABLE IF NOT EXISTS "billing".overdue_actions (
	// 2 0002_delivery.sql ALTER TABLE "billing".overdue_actions ADD COLUMN IF NOT EXISTS unknown boolean NOT NULL DEFAULT false;
	// 3 0003_batch.sql -- Throughput: progress in columns PostgreSQL updates in place (one
	// 4 0004_desk.sql -- The collector's desk: the interaction log (calls, emails received, notes
	// 5 0005_step_on.sql -- The day of the latest step each invoice did (dunning.Progress.StepOn), so
}
