package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/overduehq/overdue/dunning"
)

// Store is a dunning.Store on PostgreSQL. It is safe for concurrent use by
// many goroutines and many processes.
type Store struct {
	db     *sql.DB
	schema string // quoted identifier
}

var (
	_ dunning.Store        = (*Store)(nil)
	_ dunning.DoneChecker  = (*Store)(nil)
	_ dunning.StateChecker = (*Store)(nil)
)

// New returns a store keeping its tables in schema (empty: "public"). Call
// Migrate once before use.
func New(db *sql.DB, schema string) *Store {
	if schema == "" {
		schema = "public"
	}
	return &Store{db: db, schema: `"` + strings.ReplaceAll(schema, `"`, `""`) + `"`}
}

func (s *Store) q(query string) string { return strings.ReplaceAll(query, "{{S}}", s.schema) }

func (s *Store) tx(ctx context.Context, f func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := f(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// History implements dunning.Store: every invoice's progress, with the
// pending actions (a dunning.Snapshot). It reads the whole progress table;
// a plan reads HistoryFor instead. The pending actions are read before the
// progress, so a key completed between the two reads is seen at least
// once: as pending (its re-issue is refused as done) or in the progress.
func (s *Store) History(ctx context.Context) (dunning.History, error) {
	pend, err := list[dunning.Pending](ctx, s.db, s.q(`SELECT planned FROM {{S}}.overdue_actions
		WHERE NOT done AND planned IS NOT NULL AND (owner IS NOT NULL OR unknown) ORDER BY key COLLATE "C"`))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: history: %w", err)
	}
	return s.snapshot(ctx, pend, s.q(`SELECT `+progressJSON+` FROM {{S}}.overdue_progress WHERE cycle IS NOT NULL`))
}

// HistoryFor implements dunning.HistoryReader: the progress rows of q's
// invoices (by primary key) and of q's customers (by the customer index),
// and the pending actions of either, so it costs what q selects whatever
// the size of the ledger. Pending actions are read first, as in History.
func (s *Store) HistoryFor(ctx context.Context, q dunning.HistoryQuery) (dunning.History, error) {
	invs, err := json.Marshal(nonNil(q.InvoiceIDs))
	if err != nil {
		return nil, err
	}
	custs, err := json.Marshal(nonNil(q.CustomerIDs))
	if err != nil {
		return nil, err
	}
	pend, err := list[dunning.Pending](ctx, s.db, s.q(`SELECT planned FROM {{S}}.overdue_actions
		WHERE NOT done AND planned IS NOT NULL AND (owner IS NOT NULL OR unknown)
			AND (planned->>'customer_id' IN (SELECT jsonb_array_elements_text($2::jsonb))
				OR planned->'invoice_ids' ?| ARRAY(SELECT jsonb_array_elements_text($1::jsonb)))
		ORDER BY key COLLATE "C"`), string(invs), string(custs))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: history: %w", err)
	}
	return s.snapshot(ctx, pend, s.q(`SELECT `+progressJSON+` FROM {{S}}.overdue_progress
		WHERE cycle IS NOT NULL AND invoice_id IN (SELECT jsonb_array_elements_text($1::jsonb))
		UNION ALL
		SELECT `+progressJSON+` FROM {{S}}.overdue_progress
		WHERE cycle IS NOT NULL AND customer_id IN (SELECT jsonb_array_elements_text($2::jsonb))
			AND invoice_id NOT IN (SELECT jsonb_array_elements_text($1::jsonb))`), string(invs), string(custs))
}

func nonNil(ids []string) []string {
	if ids == nil {
		return []string{}
	}
	return ids
}

// snapshot reads progress rows (as progressJSON) into a Snapshot with pend.
func (s *Store) snapshot(ctx context.Context, pend []dunning.Pending, query string, args ...any) (dunning.History, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: history: %w", err)
	}
	defer rows.Close()
	h := dunning.Snapshot{HistoryMap: dunning.HistoryMap{}, Unresolved: pend}
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return nil, err
		}
		var p dunning.Progress
		if err := json.Unmarshal(b, &p); err != nil {
			return nil, fmt.Errorf("sqlstore: history: %w", err)
		}
		h.HistoryMap[p.InvoiceID] = p
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: history: %w", err)
	}
	return h, nil
}

// micros is d in whole microseconds, PostgreSQL's resolution.
func micros(d time.Duration) int64 { return d.Microseconds() }

// Claim implements dunning.Store as a ClaimMany of one key.
func (s *Store) Claim(ctx context.Context, p dunning.ClaimParams) (dunning.Claim, error) {
	res, err := s.ClaimMany(ctx, dunning.ClaimManyParams{Owner: p.Owner, Lease: p.Lease, Keys: []dunning.ClaimKey{{Key: p.Key, Planned: p.Planned}}})
	if err != nil {
		return dunning.Claim{}, err
	}
	return res[0].Claim, res[0].Err
}

// Done implements dunning.DoneChecker with one query.
func (s *Store) Done(ctx context.Context, keys []string) (map[string]bool, error) {
	return keysWhere[bool](ctx, s, "done", `SELECT key, true FROM {{S}}.overdue_actions WHERE done AND key = ANY(ARRAY(SELECT jsonb_array_elements_text($1::jsonb)))`, keys)
}

// States implements dunning.StateChecker with one query that takes no
// lock and writes nothing, judging each key as ClaimMany does, with the
// database's now().
func (s *Store) States(ctx context.Context, keys []string) (map[string]dunning.KeyState, error) {
	return keysWhere[dunning.KeyState](ctx, s, "states", `SELECT key,
		CASE WHEN done THEN `+strconv.Itoa(int(dunning.KeyDone))+`
			WHEN (owner IS NULL OR COALESCE(expires <= now(), false)) AND (not_before IS NULL OR not_before <= now()) THEN `+strconv.Itoa(int(dunning.KeyFree))+`
			ELSE `+strconv.Itoa(int(dunning.KeyHeld))+` END
		FROM {{S}}.overdue_actions WHERE key = ANY(ARRAY(SELECT jsonb_array_elements_text($1::jsonb)))`, keys)
}

// keysWhere runs query, which selects (key, value) from the keys given as
// the JSON array $1, and returns the values by key.
func keysWhere[V any](ctx context.Context, s *Store, what, query string, keys []string) (map[string]V, error) {
	out := map[string]V{}
	if len(keys) == 0 {
		return out, nil
	}
	// The keys travel as one JSON array: portable across drivers, unlike
	// driver-specific array types.
	arr, err := json.Marshal(keys)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, s.q(query), string(arr))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: %s: %w", what, err)
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var v V
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, rows.Err()
}

// Complete implements dunning.Store as a CompleteMany of one record. A
// completed key keeps the owner and attempt that completed it, so that a
// retry after a commit whose reply was lost finds its own record and
// succeeds.
func (s *Store) Complete(ctx context.Context, c dunning.Claim, rec dunning.Record) error {
	res, err := s.CompleteMany(ctx, []dunning.Completion{{Claim: c, Record: rec}})
	if err != nil {
		return err
	}
	return res[0]
}

// Release implements dunning.Store; the retry time is the database's
// now() plus p.RetryIn.
func (s *Store) Release(ctx context.Context, c dunning.Claim, p dunning.ReleaseParams) error {
	reason := dunning.Storable(p.Reason, dunning.MaxTextLen)
	res, err := s.db.ExecContext(ctx, s.q(`UPDATE {{S}}.overdue_actions SET owner = NULL, expires = NULL,
		not_before = now() + $4::bigint * interval '1 microsecond', reason = $5
		WHERE key = $1 AND owner = $2 AND attempt = $3 AND NOT done`), c.Key, c.Owner, c.Attempt, micros(p.RetryIn), reason)
	if err != nil {
		return fmt.Errorf("sqlstore: release %s: %w", c.Key, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n != 1 {
		return dunning.ErrLeaseLost
	}
	return nil
}

// Records implements dunning.Store.
func (s *Store) Records(ctx context.Context) ([]dunning.Record, error) {
	return list[dunning.Record](ctx, s.db, s.q(`SELECT record FROM {{S}}.overdue_records ORDER BY seq`))
}

// AppendEvent implements dunning.Store.
func (s *Store) AppendEvent(ctx context.Context, e dunning.Event) error {
	if err := dunning.CheckEvent(e); err != nil {
		return err
	}
	body, err := json.Marshal(e)
	if err != nil {
		return err
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(`INSERT INTO {{S}}.overdue_events (id, kind, key, customer_id, invoice_id, at, event) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING`),
			e.ID, string(e.Kind), e.Key, e.CustomerID, e.InvoiceID, sql.NullTime{Time: dunning.StoredTime(e.At), Valid: !e.At.IsZero()}, body)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 || e.Kind != dunning.NoticeBounced {
			return nil
		}
		var rb []byte
		err = tx.QueryRowContext(ctx, s.q(`SELECT record FROM {{S}}.overdue_records WHERE key = $1`), e.Key).Scan(&rb)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		var rec dunning.Record
		if err := json.Unmarshal(rb, &rec); err != nil {
			return err
		}
		return s.writeProgress(ctx, tx, []dunning.Record{rec}, dunning.MarkBounced)
	})
	if err != nil {
		return fmt.Errorf("sqlstore: append event %s: %w", e.ID, err)
	}
	return nil
}

// Events implements dunning.Store.
func (s *Store) Events(ctx context.Context) ([]dunning.Event, error) {
	return list[dunning.Event](ctx, s.db, s.q(`SELECT event FROM {{S}}.overdue_events ORDER BY seq`))
}

// SaveTask implements dunning.Store.
func (s *Store) SaveTask(ctx context.Context, t dunning.CollectorTask) error {
	if err := dunning.CheckTask(t); err != nil {
		return err
	}
	body, err := json.Marshal(t)
	if err != nil {
		return err
	}
	if _, err := s.db.ExecContext(ctx, s.q(`INSERT INTO {{S}}.overdue_tasks (id, status, assignee, customer_id, task) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (id) DO UPDATE SET status = excluded.status, assignee = excluded.assignee, customer_id = excluded.customer_id, task = excluded.task`), t.ID, string(t.Status), t.Assignee, t.CustomerID, body); err != nil {
		return fmt.Errorf("sqlstore: save task %s: %w", t.ID, err)
	}
	return nil
}

// Tasks implements dunning.Store; ids are ordered byte-wise (COLLATE "C"),
// as the memory store orders them.
func (s *Store) Tasks(ctx context.Context, status dunning.TaskStatus) ([]dunning.CollectorTask, error) {
	return list[dunning.CollectorTask](ctx, s.db, s.q(`SELECT task FROM {{S}}.overdue_tasks WHERE ($1 = '' OR status = $1) ORDER BY id COLLATE "C"`), string(status))
}

func list[T any](ctx context.Context, db *sql.DB, query string, args ...any) ([]T, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: %w", err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return nil, err
		}
		var v T
		if err := json.Unmarshal(b, &v); err != nil {
			return nil, fmt.Errorf("sqlstore: decode: %w", err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
