package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/overduehq/overdue/dunning/send"
	"github.com/overduehq/overdue/notice"
	"github.com/overduehq/overdue/store/sqlstore"
)

// bigPortfolio has n customers with one invoice each, all at the
// overdue-1 step (due 2026-03-31 + 14 = 2026-04-14) on 2026-04-14.
func bigPortfolio(n int) dunning.Portfolio {
	var pf dunning.Portfolio
	for i := range n {
		id := fmt.Sprintf("c%05d", i)
		pf.Customers = append(pf.Customers, dunningtest.Customer(id))
		pf.Invoices = append(pf.Invoices, dunningtest.Invoice("i"+id, id, dunningtest.Day("2026-03-02"), dunningtest.Day("2026-03-31"), "120.00", "EUR"))
	}
	return pf
}

// openPool opens a connection pool of its own, as a separate process would.
func openPool(t testing.TB) *sql.DB {
	db, err := sql.Open("pgx", os.Getenv(DSNEnv))
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(4)
	t.Cleanup(func() { db.Close() })
	return db
}

// runConcurrently plans once per runner (as separate processes would) and
// executes with `runners` runners, each with its own pool, on one schema.
func runConcurrently(t testing.TB, schema string, runners int, pf dunning.Portfolio, snd dunning.Sender) []dunning.Report {
	return runWith(t, schema, runners, 1, pf, snd)
}

// runWith is runConcurrently with Concurrency sends in flight per runner.
func runWith(t testing.TB, schema string, runners, conc int, pf dunning.Portfolio, snd dunning.Sender) []dunning.Report {
	pol := dunningtest.Policy(dunning.DefaultWorkflow("standard"))
	reps := make([]dunning.Report, runners)
	errs := make([]error, runners)
	var wg sync.WaitGroup
	for i := range runners {
		st := sqlstore.New(openPool(t), schema)
		r := &dunning.Runner{Policy: pol, Store: st, Sender: snd, Clock: dunningtest.ClockAt(dunningtest.Day("2026-04-14")),
			Owner: fmt.Sprintf("runner-%d", i), Stagger: true, Concurrency: conc}
		wg.Add(1)
		go func() {
			defer wg.Done()
			acts, err := r.Plan(context.Background(), pf)
			if err != nil {
				errs[i] = err
				return
			}
			reps[i], errs[i] = r.Execute(context.Background(), acts)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	return reps
}

// TestEightRunnersSendEachOnce: 8 runners, each with its own connection
// pool, work one plan of 10,000 actions on one PostgreSQL schema. Every
// action is sent once and recorded once, and the runners'
// "sent" counts add up to the plan.
func TestEightRunnersSendEachOnce(t *testing.T) {
	db := openDB(t)
	n := 10000
	if testing.Short() {
		n = 1000
	}
	st, schema := newSchemaStore(t, db)
	pf := bigPortfolio(n)
	snd := &send.Recorder{} // counts every send of a key in Attempts
	start := time.Now()
	reps := runConcurrently(t, schema, 8, pf, snd)
	took := time.Since(start)

	total := 0
	for i, rep := range reps {
		if rep.Planned != n {
			t.Errorf("runner %d planned %d, want %d", i, rep.Planned, n)
		}
		total += rep.Counts[dunning.StatusSent]
		t.Logf("runner %d: sent %d, already done %d, busy %d", i, rep.Counts[dunning.StatusSent], rep.Counts[dunning.StatusDone], rep.Counts[dunning.StatusBusy])
	}
	if total != n {
		t.Errorf("runners sent %d in all, want %d", total, n)
	}
	sent := snd.Sent()
	if len(sent) != n {
		t.Errorf("%d distinct keys sent, want %d", len(sent), n)
	}
	for _, s := range sent {
		if s.Attempts != 1 {
			t.Errorf("key %s sent %d times", s.Key, s.Attempts)
		}
	}
	recs, err := st.Records(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != n {
		t.Errorf("%d records, want %d", len(recs), n)
	}
	t.Logf("%d actions by 8 runners in %v", n, took)
}

// noopSender accepts every notice at once, its key as the message id
// (as send.Recorder does, without keeping the notices).
type noopSender struct{}

// Send implements dunning.Sender.
func (noopSender) Send(_ context.Context, key string, _ *notice.Notice) (string, error) {
	return key, nil
}

// BenchmarkRunners measures actions per second planned, claimed, sent
// (no-op sender) and recorded on PostgreSQL with 1 and 4 runners (each
// with 64 sends in flight). Each iteration works a fresh plan of 5,000
// actions in a fresh schema. BenchmarkBareInsert, the baseline, writes the
// same rows with bare batched INSERTs.
func BenchmarkRunners(b *testing.B) {
	db := openDB(b)
	const n = 5000
	pf := bigPortfolio(n)
	for _, runners := range []int{1, 4} {
		b.Run(fmt.Sprintf("runners=%d", runners), func(b *testing.B) {
			b.ReportAllocs()
			var busy time.Duration
			for range b.N {
				b.StopTimer()
				_, schema := newSchemaStore(b, db)
				b.StartTimer()
				t0 := time.Now()
				reps := runWith(b, schema, runners, 64, pf, noopSender{})
				busy += time.Since(t0)
				sent := 0
				for _, r := range reps {
					sent += r.Counts[dunning.StatusSent]
				}
				if sent != n {
					b.Fatalf("sent %d, want %d", sent, n)
				}
			}
			b.ReportMetric(float64(n*b.N)/busy.Seconds(), "actions/s")
		})
	}
}

// BenchmarkBareInsert is BenchmarkRunners' baseline: the very rows one
// run of the runner leaves, written again by bare batched INSERTs. Before
// the timer starts, one runner (64 sends in flight) works the same 5,000
// actions into a schema of its own, and every row it left is read back as
// text, column by column: its overdue_actions rows (key order), its
// overdue_records rows (seq order, the whole record JSON) and its
// overdue_progress rows (invoice order); the other tables must be empty.
// Each iteration then copies those rows into a fresh schema (made outside
// the timer) in transactions of 128 rows of each table: one multi-row
// INSERT ... VALUES ($1::type, ...), ... per table and transaction, every
// column given, no claim, no check, no plan, no render, no send.
func BenchmarkBareInsert(b *testing.B) {
	db := openDB(b)
	const n, batch = 5000, 128
	_, src := newSchemaStore(b, db)
	reps := runWith(b, src, 1, 64, bigPortfolio(n), noopSender{})
	if got := reps[0].Counts[dunning.StatusSent]; got != n {
		b.Fatalf("sent %d, want %d", got, n)
	}
	tables := []*tableRows{
		readRows(b, db, src, "overdue_actions", "key"),
		readRows(b, db, src, "overdue_records", "seq"),
		readRows(b, db, src, "overdue_progress", "invoice_id"),
	}
	for _, t := range tables {
		if len(t.rows) != n {
			b.Fatalf("%s: %d rows, want %d", t.name, len(t.rows), n)
		}
	}
	for _, t := range []string{"overdue_events", "overdue_tasks", "overdue_interactions", "overdue_reviews"} {
		var k int
		if err := db.QueryRow(`SELECT count(*) FROM ` + src + `.` + t).Scan(&k); err != nil || k != 0 {
			b.Fatalf("%s: %d rows (%v), want none", t, k, err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	var busy time.Duration
	for range b.N {
		b.StopTimer()
		_, schema := newSchemaStore(b, db)
		b.StartTimer()
		t0 := time.Now()
		for lo := 0; lo < n; lo += batch {
			hi := min(lo+batch, n)
			tx, err := db.Begin()
			if err != nil {
				b.Fatal(err)
			}
			for _, t := range tables {
				q, args := t.insert(schema, lo, hi)
				if _, err := tx.Exec(q, args...); err != nil {
					b.Fatal(err)
				}
			}
			if err := tx.Commit(); err != nil {
				b.Fatal(err)
			}
		}
		busy += time.Since(t0)
		b.StopTimer()
		for _, t := range tables {
			var k int
			if err := db.QueryRow(`SELECT count(*) FROM ` + schema + `.` + t.name).Scan(&k); err != nil || k != n {
				b.Fatalf("%s: copied %d rows (%v), want %d", t.name, k, err, n)
			}
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(n*b.N)/busy.Seconds(), "actions/s")
}

// tableRows is a table's rows as text (nil for NULL), with its columns
// and their types.
type tableRows struct {
	name        string
	cols, types []string
	rows        [][]any
}

// readRows reads every row of schema.table in the given order, each
// column as text.
func readRows(t testing.TB, db *sql.DB, schema, table, order string) *tableRows {
	tr := &tableRows{name: table}
	rs, err := db.Query(`SELECT quote_ident(attname), format_type(atttypid, atttypmod) FROM pg_attribute
		WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`, schema+"."+table)
	if err != nil {
		t.Fatal(err)
	}
	for rs.Next() {
		var c, ty string
		if err := rs.Scan(&c, &ty); err != nil {
			t.Fatal(err)
		}
		tr.cols, tr.types = append(tr.cols, c), append(tr.types, ty)
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	sel := make([]string, len(tr.cols))
	for i, c := range tr.cols {
		sel[i] = c + "::text"
	}
	rs, err = db.Query(`SELECT ` + strings.Join(sel, ", ") + ` FROM ` + schema + `.` + table + ` ORDER BY ` + order)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	for rs.Next() {
		vals := make([]sql.NullString, len(tr.cols))
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rs.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		row := make([]any, len(vals))
		for i, v := range vals {
			if v.Valid {
				row[i] = v.String
			}
		}
		tr.rows = append(tr.rows, row)
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	return tr
}

// insert returns one multi-row INSERT of rows [lo, hi) into schema's copy
// of the table, and its arguments.
func (tr *tableRows) insert(schema string, lo, hi int) (string, []any) {
	var q strings.Builder
	q.WriteString(`INSERT INTO ` + schema + `.` + tr.name + ` (` + strings.Join(tr.cols, ", ") + `) VALUES `)
	args := make([]any, 0, (hi-lo)*len(tr.cols))
	for r := lo; r < hi; r++ {
		if r > lo {
			q.WriteString(", ")
		}
		q.WriteByte('(')
		for i := range tr.cols {
			if i > 0 {
				q.WriteString(", ")
			}
			args = append(args, tr.rows[r][i])
			fmt.Fprintf(&q, "$%d::%s", len(args), tr.types[i])
		}
		q.WriteByte(')')
	}
	return q.String(), args
}

// BenchmarkRunnerSlowSender: one runner, a sender that takes 50 ms per
// send, 64 sends in flight, 2,000 actions.
func BenchmarkRunnerSlowSender(b *testing.B) {
	db := openDB(b)
	const n = 2000
	pf := bigPortfolio(n)
	b.ReportAllocs()
	var busy time.Duration
	for range b.N {
		b.StopTimer()
		_, schema := newSchemaStore(b, db)
		b.StartTimer()
		t0 := time.Now()
		slow := dunning.SenderFunc(func(ctx context.Context, key string, _ *notice.Notice) (string, error) {
			time.Sleep(50 * time.Millisecond)
			return "m-" + key, nil
		})
		reps := runWith(b, schema, 1, 64, pf, slow)
		busy += time.Since(t0)
		if got := reps[0].Counts[dunning.StatusSent]; got != n {
			b.Fatalf("sent %d, want %d", got, n)
		}
	}
	b.ReportMetric(float64(n*b.N)/busy.Seconds(), "actions/s")
}
