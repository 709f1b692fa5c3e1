// Command chunks plans a day of dunning over a portfolio read from
// PostgreSQL in chunks, as a billing app with a large book does: customers
// page by page in ID order (keyset pagination), each page with its
// invoices, and each page's progress read by invoice ID, so that memory
// holds one page at a time. It then plans the whole portfolio at once and
// shows that the two plans are the same.
//
//	go run ./examples/chunks                        # 127.0.0.1:5432, user postgres
//	go run ./examples/chunks -customers 20000 -chunk 1000
//
// It works in its own schema (overdue_chunks by default), which it drops and
// recreates first: the app's customers, invoices and progress tables.
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"iter"
	"os"
	"time"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"

	_ "github.com/jackc/pgx/v5/stdlib"
)

func main() {
	dsn := flag.String("dsn", envOr("OVERDUE_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"), "PostgreSQL connection string (env OVERDUE_POSTGRES)")
	schema := flag.String("schema", "overdue_chunks", "schema to work in (dropped and recreated)")
	customers := flag.Int("customers", 3000, "customers, three invoices each")
	chunk := flag.Int("chunk", 250, "customers per chunk")
	flag.Parse()
	if err := run(os.Stdout, *dsn, *schema, *customers, *chunk); err != nil {
		fmt.Fprintln(os.Stderr, "chunks example:", err)
		os.Exit(1)
	}
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// asOf is the day planned. Invoice k (0, 1, 2) of customer i was issued
// 2026-09-01 + 10k + i%30 and is due 30 days later; the default cadence
// acts on due-7, due, due+14, due+30 and due+45.
var asOf = date.New(2026, 11, 14)

func run(w io.Writer, dsn, schema string, customers, chunk int) error {
	ctx := context.Background()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.PingContext(ctx); err != nil {
		return fmt.Errorf("connecting to %s: %w (is PostgreSQL running? set -dsn)", dsn, err)
	}
	if err := seed(ctx, db, schema, customers); err != nil {
		return err
	}
	pol := dunningtest.Policy(dunning.DefaultWorkflow("standard"))
	app := &appDB{db: db, schema: schema}

	start := time.Now()
	var streamed []dunning.Action
	chunks, biggest := 0, 0
	for acts, err := range dunning.PlanChunks(ctx, asOf, pol, app.chunks(ctx, chunk, &biggest), app) {
		if err != nil {
			return err
		}
		chunks++
		streamed = append(streamed, acts...)
	}
	if app.err != nil {
		return app.err
	}
	took := time.Since(start)

	// The same day planned over the whole portfolio loaded at once.
	whole := dunning.Portfolio{}
	for ch := range app.chunks(ctx, customers+1, new(int)) {
		whole = ch
	}
	if app.err != nil {
		return app.err
	}
	if whole.History, err = app.HistoryFor(ctx, invoiceIDs(whole.Invoices)); err != nil {
		return err
	}
	all, err := dunning.Plan(asOf, pol, whole)
	if err != nil {
		return err
	}
	a, _ := json.Marshal(streamed)
	b, _ := json.Marshal(all)
	fmt.Fprintf(w, "%d customers, %d invoices read in %d chunks of up to %d customers (at most %d invoices in memory at once)\n",
		customers, len(whole.Invoices), chunks, chunk, biggest)
	fmt.Fprintf(w, "planned %d actions for %s in chunks in %v\n", len(streamed), asOf, took.Round(time.Millisecond))
	fmt.Fprintf(w, "the same as one plan over the whole portfolio: %v\n", string(a) == string(b))
	if string(a) != string(b) {
		return fmt.Errorf("the chunked plan (%d actions) differs from the whole plan (%d)", len(streamed), len(all))
	}
	return nil
}

func invoiceIDs(invs []dunning.Invoice) []string {
	ids := make([]string, len(invs))
	for i := range invs {
		ids[i] = invs[i].ID
	}
	return ids
}

// seed creates the app's tables and fills them: every customer has three
// invoices; the progress table says which steps were done, as a store
// keeps it (every step dated before asOf).
func seed(ctx context.Context, db *sql.DB, schema string, customers int) error {
	q := `"` + schema + `"`
	for _, s := range []string{
		`DROP SCHEMA IF EXISTS ` + q + ` CASCADE`,
		`CREATE SCHEMA ` + q,
		`CREATE TABLE ` + q + `.customers (id text PRIMARY KEY)`,
		`CREATE TABLE ` + q + `.invoices (id text PRIMARY KEY, customer_id text NOT NULL REFERENCES ` + q + `.customers, issued date NOT NULL, due date NOT NULL, amount numeric NOT NULL, currency text NOT NULL)`,
		`CREATE INDEX ON ` + q + `.invoices (customer_id)`,
		`CREATE TABLE ` + q + `.progress (invoice_id text PRIMARY KEY, workflow text NOT NULL, step int NOT NULL, last date)`,
		`INSERT INTO ` + q + `.customers SELECT format('C%s', lpad(i::text, 6, '0')) FROM generate_series(0, $1 - 1) i`,
		`INSERT INTO ` + q + `.invoices SELECT format('I%s-%s', lpad(i::text, 6, '0'), k), format('C%s', lpad(i::text, 6, '0')),
			date '2026-09-01' + 10*k + i%30, date '2026-09-01' + 10*k + i%30 + 30, 100 + i%7, 'EUR'
			FROM generate_series(0, $1 - 1) i, generate_series(0, 2) k`,
	} {
		var err error
		if len(s) > 6 && s[:6] == "INSERT" {
			_, err = db.ExecContext(ctx, s, customers)
		} else {
			_, err = db.ExecContext(ctx, s)
		}
		if err != nil {
			return fmt.Errorf("seeding: %w", err)
		}
	}
	// Progress: the most advanced step of the default cadence (1 due-7, 2
	// due, 3 due+14, 4 due+30, 5 due+45) dated before asOf.
	_, err := db.ExecContext(ctx, `INSERT INTO `+q+`.progress
		SELECT id, 'standard', s.step, due + s.off FROM `+q+`.invoices,
		LATERAL (SELECT step, off FROM (VALUES (1, -7), (2, 0), (3, 14), (4, 30), (5, 45)) v(step, off)
			WHERE due + off < $1 ORDER BY step DESC LIMIT 1) s`, asOf.MidnightUTC())
	if err != nil {
		return fmt.Errorf("seeding progress: %w", err)
	}
	return nil
}

// appDB reads the app's tables.
type appDB struct {
	db     *sql.DB
	schema string
	err    error // the first read error of chunks, which ends its iteration
}

// chunks yields the portfolio size customers at a time, in ID order, each
// with its invoices; biggest receives the most invoices one chunk held.
func (a *appDB) chunks(ctx context.Context, size int, biggest *int) iter.Seq[dunning.Portfolio] {
	q := `"` + a.schema + `"`
	return func(yield func(dunning.Portfolio) bool) {
		last := ""
		for {
			rows, err := a.db.QueryContext(ctx, `SELECT id FROM `+q+`.customers WHERE id > $1 ORDER BY id LIMIT $2`, last, size)
			if err != nil {
				a.err = err
				return
			}
			var ch dunning.Portfolio
			var ids []string
			for rows.Next() {
				var id string
				if err := rows.Scan(&id); err != nil {
					rows.Close()
					a.err = err
					return
				}
				ids = append(ids, id)
				ch.Customers = append(ch.Customers, dunningtest.Customer(id))
			}
			rows.Close()
			if a.err = rows.Err(); a.err != nil || len(ids) == 0 {
				return
			}
			last = ids[len(ids)-1]
			if ch.Invoices, a.err = a.invoices(ctx, ids); a.err != nil {
				return
			}
			*biggest = max(*biggest, len(ch.Invoices))
			if !yield(ch) {
				return
			}
		}
	}
}

func (a *appDB) invoices(ctx context.Context, customerIDs []string) ([]dunning.Invoice, error) {
	rows, err := a.db.QueryContext(ctx, `SELECT id, customer_id, issued, due, amount::text, currency FROM "`+a.schema+`".invoices
		WHERE customer_id = ANY($1) ORDER BY id`, customerIDs)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []dunning.Invoice
	for rows.Next() {
		var id, cust, amt, cur string
		var iss, due time.Time
		if err := rows.Scan(&id, &cust, &iss, &due, &amt, &cur); err != nil {
			return nil, err
		}
		inv := dunningtest.Invoice(id, cust, date.NewAt(iss), date.NewAt(due), amt, dunning.Currency(cur))
		out = append(out, inv)
	}
	return out, rows.Err()
}

// HistoryFor implements dunning.ChunkHistory: the progress of the given
// invoices, one query per chunk.
func (a *appDB) HistoryFor(ctx context.Context, invoiceIDs []string) (dunning.History, error) {
	rows, err := a.db.QueryContext(ctx, `SELECT invoice_id, workflow, step, last FROM "`+a.schema+`".progress WHERE invoice_id = ANY($1)`, invoiceIDs)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	h := dunning.HistoryMap{}
	for rows.Next() {
		var p dunning.Progress
		var last sql.NullTime
		if err := rows.Scan(&p.InvoiceID, &p.Workflow, &p.Step, &last); err != nil {
			return nil, err
		}
		if last.Valid {
			p.Last = date.NewAt(last.Time)
		}
		p.Fees = decimal.Zero
		h[p.InvoiceID] = p
	}
	return h, rows.Err()
}
