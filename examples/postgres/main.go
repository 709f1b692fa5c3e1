// Command postgres runs several dunning runners against one PostgreSQL
// database, as several processes of a billing app would, and shows that
// they split one day's plan between them: in this run without faults every
// action is sent once and recorded once.
//
//	go run ./examples/postgres                       # 127.0.0.1:5432, user postgres
//	go run ./examples/postgres -dsn postgres://... -runners 8 -customers 5000
//
// It works in its own schema (overdue_example by default), which it drops
// and recreates first.
//
// The database: -dsn, else the environment variable OVERDUE_POSTGRES, else
// OVERDUE_TEST_POSTGRES (the variable the tests and .ci/run use), else
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable. It needs a
// user that may create and drop a schema.
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/overduehq/overdue/dunning/send"
	"github.com/overduehq/overdue/store/sqlstore"

	_ "github.com/jackc/pgx/v5/stdlib" // the app picks the driver; the store imports none
)

func main() {
	dsn := flag.String("dsn", defaultDSN(os.Getenv), "PostgreSQL connection string (env OVERDUE_POSTGRES, else OVERDUE_TEST_POSTGRES)")
	schema := flag.String("schema", "overdue_example", "schema to work in (dropped and recreated)")
	runners := flag.Int("runners", 4, "runner goroutines, each with its own connection pool")
	customers := flag.Int("customers", 2000, "customers, one overdue invoice each")
	flag.Parse()
	if err := run(os.Stdout, *dsn, *schema, *runners, *customers); err != nil {
		fmt.Fprintln(os.Stderr, "postgres example:", err)
		os.Exit(1)
	}
}

// defaultDSN is the connection string without -dsn: OVERDUE_POSTGRES, else
// OVERDUE_TEST_POSTGRES, else the local server.
func defaultDSN(getenv func(string) string) string {
	for _, k := range []string{"OVERDUE_POSTGRES", "OVERDUE_TEST_POSTGRES"} {
		if v := getenv(k); v != "" {
			return v
		}
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

func run(w io.Writer, dsn, schema string, runners, customers int) error {
	ctx := context.Background()
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		return err
	}
	defer admin.Close()
	if err := admin.PingContext(ctx); err != nil {
		return fmt.Errorf("connecting to %s: %w (is PostgreSQL running? set -dsn)", dsn, err)
	}
	if _, err := admin.ExecContext(ctx, `DROP SCHEMA IF EXISTS "`+schema+`" CASCADE`); err != nil {
		return err
	}
	if _, err := sqlstore.New(admin, schema).Migrate(ctx); err != nil {
		return err
	}

	// One portfolio, as the billing app holds it: every customer has one
	// invoice due 2026-10-31 (a Saturday), 100.00 EUR, reaching the
	// overdue-1 step (due + 14) on 2026-11-14.
	var pf dunning.Portfolio
	for i := range customers {
		id := fmt.Sprintf("C%05d", i)
		pf.Customers = append(pf.Customers, dunningtest.Customer(id))
		pf.Invoices = append(pf.Invoices, dunningtest.Invoice("I"+id, id, dunningtest.Day("2026-10-01"), dunningtest.Day("2026-10-31"), "100.00", "EUR"))
	}
	pol := dunningtest.Policy(dunning.DefaultWorkflow("standard"))
	clock := dunningtest.ClockAt(dunningtest.Day("2026-11-14"))
	snd := &send.Recorder{} // delivers nowhere; counts every send of a key

	// The day's plan, made before any runner starts: each runner plans
	// again when it runs, and one that plans after another finished some
	// actions plans fewer.
	planner := &dunning.Runner{Policy: pol, Store: sqlstore.New(admin, schema), Clock: clock}
	acts, err := planner.Plan(ctx, pf)
	if err != nil {
		return err
	}
	start := time.Now()
	reports := make([]dunning.Report, runners)
	errs := make([]error, runners)
	var wg sync.WaitGroup
	for i := range runners {
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			return err
		}
		defer db.Close()
		r := &dunning.Runner{Policy: pol, Store: sqlstore.New(db, schema), Sender: snd, Clock: clock,
			Owner: fmt.Sprintf("runner-%d", i+1), Stagger: true}
		wg.Add(1)
		go func() {
			defer wg.Done()
			reports[i], errs[i] = r.Run(ctx, pf)
		}()
	}
	wg.Wait()
	took := time.Since(start)
	for _, err := range errs {
		if err != nil {
			return err
		}
	}

	fmt.Fprintf(w, "%d runners on one PostgreSQL schema %q, one plan of %d actions\n\n", runners, schema, len(acts))
	fmt.Fprintf(w, "%-10s %8s %14s %6s\n", "runner", "sent", "already done", "busy")
	total := 0
	for i, rep := range reports {
		total += rep.Counts[dunning.StatusSent]
		fmt.Fprintf(w, "runner-%-3d %8d %14d %6d\n", i+1, rep.Counts[dunning.StatusSent], rep.Counts[dunning.StatusDone], rep.Counts[dunning.StatusBusy])
	}
	twice := 0
	for _, s := range snd.Sent() {
		if s.Attempts > 1 {
			twice++
		}
	}
	recs, err := sqlstore.New(admin, schema).Records(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%-10s %8d\n\n", "total", total)
	fmt.Fprintf(w, "planned %d, sent %d, keys sent more than once %d, ledger records %d, in %v\n",
		len(acts), total, twice, len(recs), took.Round(time.Millisecond))
	if total != len(acts) || twice != 0 || len(recs) != total {
		return fmt.Errorf("the runners did not send and record each action once")
	}
	fmt.Fprintln(w, "every planned action was sent once and recorded once")
	return nil
}

func dropSchema(dsn, schema string) error {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.Exec(`DROP SCHEMA IF EXISTS "` + schema + `" CASCADE`)
	return err
}
