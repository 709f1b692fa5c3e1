package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/store/sqlstore"
	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
)

// TestUpgradeFromVersion2: a schema with every migration but 0003 applied
// (versions 1, 2 and 4, as a store released before 0003 leaves it:
// progress as JSON blobs) with data written in the old layout is migrated,
// 0003 moving progress into columns, and every value reads back, the
// blocking state of a suspended account too: the progress of both invoices
// field by field, by History and by HistoryFor (by customer, which only the
// backfilled customer column can answer), the record by invoice and time
// range, the event by customer, the task by customer. Afterwards a
// completion through the new layout advances the upgraded row.
func TestUpgradeFromVersion2(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	schema := randomSchema("overdue_up_")
	t.Cleanup(func() { _, _ = db.Exec(`DROP SCHEMA IF EXISTS ` + quoteIdent(schema) + ` CASCADE`) })
	ms, err := sqlstore.Migrations(schema)
	if err != nil {
		t.Fatal(err)
	}
	S := quoteIdent(schema)
	for _, q := range []string{`CREATE SCHEMA ` + S, `CREATE TABLE ` + S + `.overdue_schema_version (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range ms {
		if m.Version == 3 {
			continue
		}
		if _, err := db.Exec(m.SQL); err != nil {
			t.Fatalf("%s: %v", m.Name, err)
		}
		if _, err := db.Exec(`INSERT INTO `+S+`.overdue_schema_version (version) VALUES ($1)`, m.Version); err != nil {
			t.Fatal(err)
		}
	}
	// The old layout, as version 2's store wrote it.
	for _, q := range []string{
		`INSERT INTO ` + S + `.overdue_progress (invoice_id, progress) VALUES
			('i1', '{"invoice_id":"i1","cycle":2,"workflow":"standard","step":3,"last":"2026-04-14","fees":"5.5","compensated":true,"bounced":"k0","bounced_listed":true,"notices":{"count":4,"recent":["2026-03-31","2026-04-14"],"refunded":"k9"}}'),
			('i2', '{"invoice_id":"i2","cycle":0,"workflow":"gentle","step":-1,"fees":"0","held":true,"block":{"key":"kb","step":"suspend","since":"2026-04-10","final":true}}')`,
		`INSERT INTO ` + S + `.overdue_actions (key, owner, attempt, done) VALUES ('k1', 'r', 1, true)`,
		`INSERT INTO ` + S + `.overdue_records (key, customer_id, record) VALUES
			('k1', 'c1', '{"key":"k1","customer_id":"c1","invoice_ids":["i1","i2"],"outcome":"sent","at":"2026-04-14T09:00:00Z","amount":"100","fees":"5.5","interest":"0","currency":"EUR","workflow":"standard","step":"due","step_index":3,"kind":"email","date":"2026-04-14","attempts":1}')`,
		`INSERT INTO ` + S + `.overdue_events (id, kind, key, event) VALUES ('e1', 'payment', '', '{"id":"e1","kind":"payment","customer_id":"c1","invoice_id":"i1","date":"2026-04-15","amount":"10","at":"2026-04-15T10:00:00Z"}')`,
		`INSERT INTO ` + S + `.overdue_tasks (id, status, assignee, task) VALUES ('t1', 'open', '', '{"id":"t1","customer_id":"c1","invoice_ids":["i1"],"kind":"task","title":"Call","due":"2026-04-20","status":"open","currency":"EUR","amount":"90"}')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	st := sqlstore.New(db, schema)
	if v, err := st.Migrate(ctx); err != nil || v != ms[len(ms)-1].Version {
		t.Fatalf("Migrate = %d, %v; want %d", v, err, ms[len(ms)-1].Version)
	}
	want := map[string]dunning.Progress{
		"i1": {InvoiceID: "i1", Cycle: 2, Workflow: "standard", Step: 3, Last: date.New(2026, 4, 14), Fees: decimal.RequireFromString("5.5"),
			Compensated: true, Bounced: "k0", BouncedListed: true,
			Notices: &dunning.NoticeLog{Count: 4, Recent: []date.Date{date.New(2026, 3, 31), date.New(2026, 4, 14)}, Refunded: "k9"}},
		"i2": {InvoiceID: "i2", Cycle: 0, Workflow: "gentle", Step: -1, Fees: decimal.Zero, Held: true,
			Block: &dunning.Block{Key: "kb", Step: "suspend", Since: date.New(2026, 4, 10), Final: true}},
	}
	check := func(what string, h dunning.History) {
		t.Helper()
		for id, w := range want {
			got, ok := h.Progress(id)
			if !ok {
				t.Errorf("%s: no progress of %s", what, id)
				continue
			}
			if !progressEqual(got, w) {
				t.Errorf("%s: progress of %s = %+v (notices %+v), want %+v (notices %+v)", what, id, got, got.Notices, w, w.Notices)
			}
		}
	}
	h, err := st.History(ctx)
	if err != nil {
		t.Fatal(err)
	}
	check("History", h)
	h, err = st.HistoryFor(ctx, dunning.HistoryQuery{CustomerIDs: []string{"c1"}})
	if err != nil {
		t.Fatal(err)
	}
	check("HistoryFor customer c1", h)
	if h, _ := st.HistoryFor(ctx, dunning.HistoryQuery{CustomerIDs: []string{"c2"}}); len(h.(dunning.Snapshot).HistoryMap) != 0 {
		t.Errorf("HistoryFor customer c2 = %v, want nothing", h)
	}
	recs, err := dunning.Collect(st.RecordsWhere(ctx, dunning.RecordFilter{InvoiceID: "i2", From: t0.Add(-time.Second), To: t0.Add(time.Second)}))
	if err != nil || len(recs) != 1 || recs[0].Key != "k1" {
		t.Errorf("records of i2 around 09:00 = %+v, %v; want k1", recs, err)
	}
	if recs, _ := dunning.Collect(st.RecordsWhere(ctx, dunning.RecordFilter{InvoiceID: "i1", From: t0.Add(time.Second)})); len(recs) != 0 {
		t.Errorf("records of i1 after 09:00 = %+v, want none", recs)
	}
	evs, err := dunning.Collect(st.EventsWhere(ctx, dunning.EventFilter{CustomerID: "c1", InvoiceID: "i1"}))
	if err != nil || len(evs) != 1 || evs[0].ID != "e1" || !evs[0].Amount.Equal(decimal.NewFromInt(10)) {
		t.Errorf("events of c1 = %+v, %v; want e1 of 10", evs, err)
	}
	tasks, err := dunning.Collect(st.TasksWhere(ctx, dunning.TaskFilter{CustomerID: "c1", Status: dunning.TaskOpen}))
	if err != nil || len(tasks) != 1 || tasks[0].ID != "t1" {
		t.Errorf("tasks of c1 = %+v, %v; want t1", tasks, err)
	}
	// The new layout writes the upgraded row: a notice at step 4 of cycle 2.
	c, err := st.Claim(ctx, dunning.ClaimParams{Key: "k2", Owner: "r", Lease: time5m})
	if err != nil {
		t.Fatal(err)
	}
	rec := dunning.Record{Key: "k2", CustomerID: "c1", InvoiceIDs: []string{"i1"}, Cycles: []int{2}, Workflow: "standard", Step: "final",
		StepIndex: 4, Kind: dunning.Email, Date: date.New(2026, 4, 28), Outcome: dunning.Sent, Currency: "EUR",
		Amount: decimal.NewFromInt(100), Fees: decimal.RequireFromString("2.5"), FeesByInvoice: []decimal.Decimal{decimal.RequireFromString("2.5")}, At: t0}
	if err := st.Complete(ctx, c, rec); err != nil {
		t.Fatal(err)
	}
	h, _ = st.HistoryFor(ctx, dunning.HistoryQuery{InvoiceIDs: []string{"i1"}})
	p, _ := h.Progress("i1")
	// 5.5 + 2.5 = 8; step 3 -> 4; one more notice (4 -> 5), dated 2026-04-28.
	if p.Step != 4 || !p.Fees.Equal(decimal.NewFromInt(8)) || p.Last != date.New(2026, 4, 28) || p.Notices == nil || p.Notices.Count != 5 {
		t.Errorf("after a completion: %+v (notices %+v); want step 4, fees 8, last 2026-04-28, 5 notices", p, p.Notices)
	}
}

var t0 = time.Date(2026, 4, 14, 9, 0, 0, 0, time.UTC)

const time5m = 5 * time.Minute

// progressEqual compares progress with decimals by value.
func progressEqual(a, b dunning.Progress) bool {
	return cmp.Equal(a, b, cmp.Comparer(func(x, y decimal.Decimal) bool { return x.Equal(y) }))
}
