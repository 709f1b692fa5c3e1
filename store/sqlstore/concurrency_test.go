package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
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
				reps := runWith(b, schema, runners, 64, pf, &send.Recorder{})
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

// BenchmarkBareInsert is BenchmarkRunners' baseline: the rows one run
// leaves (an action row, a record and a progress row per action) written
// by bare INSERTs of 128 rows per transaction, no claim, no check, no
// plan.
func BenchmarkBareInsert(b *testing.B) {
	db := openDB(b)
	const n, batch = 5000, 128
	b.ReportAllocs()
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
			for _, q := range []string{
				`INSERT INTO ` + schema + `.overdue_actions (key, owner, attempt, done) SELECT 'k' || g, 'o', 1, true FROM generate_series($1::int, $2::int) g`,
				`INSERT INTO ` + schema + `.overdue_records (key, customer_id, at, outcome, record) SELECT 'k' || g, 'c' || g, now(), 'sent', jsonb_build_object('key', 'k' || g, 'customer_id', 'c' || g, 'invoice_ids', jsonb_build_array('i' || g)) FROM generate_series($1::int, $2::int) g`,
				`INSERT INTO ` + schema + `.overdue_progress (invoice_id, customer_id, cycle, workflow, step, fees) SELECT 'i' || g, 'c' || g, 0, 'standard', 3, 0 FROM generate_series($1::int, $2::int) g`,
			} {
				if _, err := tx.Exec(q, lo, hi-1); err != nil {
					b.Fatal(err)
				}
			}
			if err := tx.Commit(); err != nil {
				b.Fatal(err)
			}
		}
		busy += time.Since(t0)
	}
	b.ReportMetric(float64(n*b.N)/busy.Seconds(), "actions/s")
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
