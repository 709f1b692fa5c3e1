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
	"unicode/utf8"

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

// History implements dunning.Store: every invoice's progress, with the
// pending actions (a dunning.Snapshot). The pending actions are read
// before the progress, so a key completed between the two reads is seen
// at least once: as pending (its re-issue is refused as done) or in the
// progress.
func (s *Store) History(ctx context.Context) (dunning.History, error) {
	pend, err := list[dunning.Pending](ctx, s.db, s.q(`SELECT planned FROM {{S}}.overdue_actions
		WHERE NOT done AND planned IS NOT NULL AND (owner IS NOT NULL OR unknown) ORDER BY key COLLATE "C"`))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: history: %w", err)
	}
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT progress FROM {{S}}.overdue_progress`))
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

// Claim implements dunning.Store with one statement: an upsert that takes
// the row when it is new, or not done with its lease expired and its retry
// time reached, both compared with the database's now(); when it takes
// nothing, the same statement reports whether the key is done (from the
// statement's snapshot; a row inserted by a concurrent claim since is
// reported as claimed). Taking over a lease that was neither completed nor
// released marks the key unknown.
func (s *Store) Claim(ctx context.Context, p dunning.ClaimParams) (dunning.Claim, error) {
	if err := dunning.CheckKey(p.Key); err != nil {
		return dunning.Claim{}, err
	}
	if p.Owner == "" || !utf8.ValidString(p.Owner) || strings.IndexByte(p.Owner, 0) >= 0 {
		return dunning.Claim{}, &dunning.FieldError{Field: "owner", Value: p.Owner, Reason: "must be non-empty valid UTF-8 without NUL"}
	}
	var planned any
	if p.Planned != nil {
		if err := dunning.CheckPending(*p.Planned); err != nil {
			return dunning.Claim{}, err
		}
		b, err := json.Marshal(p.Planned)
		if err != nil {
			return dunning.Claim{}, fmt.Errorf("sqlstore: claim %s: %w", p.Key, err)
		}
		planned = string(b)
	}
	var attempt sql.NullInt64
	var expires sql.NullTime
	var unknown, done sql.NullBool
	err := s.db.QueryRowContext(ctx, s.q(`
		WITH ins AS (
			INSERT INTO {{S}}.overdue_actions AS a (key, owner, expires, attempt, planned)
			VALUES ($1, $2, now() + $3::bigint * interval '1 microsecond', 1, $4::jsonb)
			ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, expires = excluded.expires, not_before = NULL,
				attempt = a.attempt + 1, unknown = a.unknown OR a.owner IS NOT NULL, planned = COALESCE(excluded.planned, a.planned)
			WHERE NOT a.done AND (a.owner IS NULL OR a.expires <= now()) AND (a.not_before IS NULL OR a.not_before <= now())
			RETURNING attempt, expires, unknown)
		SELECT (SELECT attempt FROM ins), (SELECT expires FROM ins), (SELECT unknown FROM ins),
			(SELECT done FROM {{S}}.overdue_actions WHERE key = $1)`), p.Key, p.Owner, micros(p.Lease), planned).Scan(&attempt, &expires, &unknown, &done)
	switch {
	case err != nil:
		return dunning.Claim{}, fmt.Errorf("sqlstore: claim %s: %w", p.Key, err)
	case attempt.Valid:
		return dunning.Claim{Key: p.Key, Owner: p.Owner, Expires: expires.Time, Attempt: int(attempt.Int64), Unknown: unknown.Bool}, nil
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

// Complete implements dunning.Store in one transaction. A completed key
// keeps the owner and attempt that completed it, so that a retry after a
// commit whose reply was lost finds its own record and succeeds.
func (s *Store) Complete(ctx context.Context, c dunning.Claim, rec dunning.Record) error {
	rec.Key, rec.Attempts = c.Key, c.Attempt
	if err := dunning.CheckRecord(rec); err != nil {
		return err
	}
	body, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("sqlstore: complete %s: %w", c.Key, err)
	}
	errOwn := errors.New("own record")
	err = s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(`UPDATE {{S}}.overdue_actions SET done = true, expires = NULL, planned = NULL
			WHERE key = $1 AND owner = $2 AND attempt = $3 AND NOT done`), c.Key, c.Owner, c.Attempt)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			var own bool
			err := tx.QueryRowContext(ctx, s.q(`SELECT done AND owner = $2 AND attempt = $3 FROM {{S}}.overdue_actions WHERE key = $1`), c.Key, c.Owner, c.Attempt).Scan(&own)
			switch {
			case err == nil && own:
				return errOwn
			case err == nil || errors.Is(err, sql.ErrNoRows):
				return dunning.ErrLeaseLost
			}
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO {{S}}.overdue_records (key, customer_id, record) VALUES ($1, $2, $3)`), c.Key, rec.CustomerID, body); err != nil {
			return err
		}
		return s.updateProgress(ctx, tx, rec, dunning.Advance)
	})
	switch {
	case errors.Is(err, errOwn):
		return nil
	case err != nil && !errors.Is(err, dunning.ErrLeaseLost):
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
