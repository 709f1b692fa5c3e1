package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
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
	_ dunning.Store       = (*Store)(nil)
	_ dunning.DoneChecker = (*Store)(nil)
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

// History implements dunning.Store: every invoice's progress.
func (s *Store) History(ctx context.Context) (dunning.History, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT progress FROM {{S}}.overdue_progress`))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: history: %w", err)
	}
	defer rows.Close()
	h := dunning.HistoryMap{}
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return nil, err
		}
		var p dunning.Progress
		if err := json.Unmarshal(b, &p); err != nil {
			return nil, fmt.Errorf("sqlstore: history: %w", err)
		}
		h[p.InvoiceID] = p
	}
	return h, rows.Err()
}

// Claim implements dunning.Store with one statement: an upsert that takes
// the row when it is new, or not done with its lease expired and its retry
// time reached; when it takes nothing, the same statement reports whether
// the key is done (from the statement's snapshot; a row inserted by a
// concurrent claim since is reported as claimed).
func (s *Store) Claim(ctx context.Context, key, owner string, now time.Time, lease time.Duration) (dunning.Claim, error) {
	expires := now.Add(lease)
	var attempt sql.NullInt64
	var done sql.NullBool
	err := s.db.QueryRowContext(ctx, s.q(`
		WITH ins AS (
			INSERT INTO {{S}}.overdue_actions AS a (key, owner, expires, attempt) VALUES ($1, $2, $3, 1)
			ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, expires = excluded.expires, not_before = NULL, attempt = a.attempt + 1
			WHERE NOT a.done AND (a.owner IS NULL OR a.expires <= $4) AND (a.not_before IS NULL OR a.not_before <= $4)
			RETURNING attempt)
		SELECT (SELECT attempt FROM ins), (SELECT done FROM {{S}}.overdue_actions WHERE key = $1)`), key, owner, expires, now).Scan(&attempt, &done)
	switch {
	case err != nil:
		return dunning.Claim{}, fmt.Errorf("sqlstore: claim %s: %w", key, err)
	case attempt.Valid:
		return dunning.Claim{Key: key, Owner: owner, Expires: expires, Attempt: int(attempt.Int64)}, nil
	case done.Valid && done.Bool:
		return dunning.Claim{}, dunning.ErrAlreadyDone
	default:
		return dunning.Claim{}, dunning.ErrClaimed
	}
}

// Done implements dunning.DoneChecker with one query.
func (s *Store) Done(ctx context.Context, keys []string) (map[string]bool, error) {
	out := map[string]bool{}
	if len(keys) == 0 {
		return out, nil
	}
	// The keys travel as one JSON array: portable across drivers, unlike
	// driver-specific array types.
	arr, err := json.Marshal(keys)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT key FROM {{S}}.overdue_actions WHERE done AND key IN (SELECT jsonb_array_elements_text($1::jsonb))`), string(arr))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: done: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		out[k] = true
	}
	return out, rows.Err()
}

// Complete implements dunning.Store in one transaction.
func (s *Store) Complete(ctx context.Context, c dunning.Claim, rec dunning.Record) error {
	rec.Key, rec.Attempts = c.Key, c.Attempt
	body, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("sqlstore: complete %s: %w", c.Key, err)
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(`UPDATE {{S}}.overdue_actions SET done = true, owner = NULL, expires = NULL
			WHERE key = $1 AND owner = $2 AND attempt = $3 AND NOT done`), c.Key, c.Owner, c.Attempt)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return dunning.ErrLeaseLost
		}
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO {{S}}.overdue_records (key, customer_id, record) VALUES ($1, $2, $3)`), c.Key, rec.CustomerID, body); err != nil {
			return err
		}
		return s.updateProgress(ctx, tx, rec, dunning.Advance)
	})
	if err != nil && !errors.Is(err, dunning.ErrLeaseLost) {
		return fmt.Errorf("sqlstore: complete %s: %w", c.Key, err)
	}
	return err
}

// updateProgress locks the record's invoices' progress rows in id order
// (so concurrent transactions cannot deadlock), applies f and writes back.
func (s *Store) updateProgress(ctx context.Context, tx *sql.Tx, rec dunning.Record, f func(*dunning.Progress, dunning.Record, int)) error {
	idx := make([]int, len(rec.InvoiceIDs))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return strings.Compare(rec.InvoiceIDs[a], rec.InvoiceIDs[b]) })
	for _, i := range idx {
		id := rec.InvoiceIDs[i]
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO {{S}}.overdue_progress (invoice_id, progress) VALUES ($1, '{}') ON CONFLICT DO NOTHING`), id); err != nil {
			return err
		}
		var b []byte
		if err := tx.QueryRowContext(ctx, s.q(`SELECT progress FROM {{S}}.overdue_progress WHERE invoice_id = $1 FOR UPDATE`), id).Scan(&b); err != nil {
			return err
		}
		var p dunning.Progress
		if err := json.Unmarshal(b, &p); err != nil {
			return err
		}
		f(&p, rec, i)
		if p.InvoiceID == "" {
			// f left a fresh row untouched (a bounce for an unknown invoice).
			if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM {{S}}.overdue_progress WHERE invoice_id = $1 AND progress = '{}'`), id); err != nil {
				return err
			}
			continue
		}
		nb, err := json.Marshal(p)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE {{S}}.overdue_progress SET progress = $2 WHERE invoice_id = $1`), id, nb); err != nil {
			return err
		}
	}
	return nil
}

// Release implements dunning.Store.
func (s *Store) Release(ctx context.Context, c dunning.Claim, retryAt time.Time, reason string) error {
	res, err := s.db.ExecContext(ctx, s.q(`UPDATE {{S}}.overdue_actions SET owner = NULL, expires = NULL, not_before = $4, reason = $5
		WHERE key = $1 AND owner = $2 AND attempt = $3 AND NOT done`), c.Key, c.Owner, c.Attempt, retryAt, reason)
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
		res, err := tx.ExecContext(ctx, s.q(`INSERT INTO {{S}}.overdue_events (id, kind, key, event) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING`), e.ID, string(e.Kind), e.Key, body)
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
		return s.updateProgress(ctx, tx, rec, dunning.MarkBounced)
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
	if _, err := s.db.ExecContext(ctx, s.q(`INSERT INTO {{S}}.overdue_tasks (id, status, assignee, task) VALUES ($1, $2, $3, $4)
		ON CONFLICT (id) DO UPDATE SET status = excluded.status, assignee = excluded.assignee, task = excluded.task`), t.ID, string(t.Status), t.Assignee, body); err != nil {
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
