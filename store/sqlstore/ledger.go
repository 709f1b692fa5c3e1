package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"strconv"
	"strings"

	"github.com/overduehq/overdue/dunning"
)

var _ dunning.LedgerReader = (*Store)(nil)

// where builds a WHERE clause from conditions, each with one argument.
type where struct {
	conds []string
	args  []any
}

// add appends cond with its argument as the next placeholder ($n in cond).
func (w *where) add(cond string, arg any) {
	w.args = append(w.args, arg)
	w.conds = append(w.conds, strings.ReplaceAll(cond, "$n", "$"+strconv.Itoa(len(w.args))))
}

func (w *where) sql() string {
	var b strings.Builder
	if len(w.conds) > 0 {
		b.WriteString(" WHERE ")
		b.WriteString(strings.Join(w.conds, " AND "))
	}
	return b.String()
}

func limitSQL(limit int) string {
	if limit > 0 {
		return " LIMIT " + strconv.Itoa(limit)
	}
	return ""
}

// RecordsWhere implements dunning.LedgerReader: customer through the
// customer index, invoice through the GIN index on the record's invoice
// ids, time through the index on at (to the microsecond, truncated, as
// dunning.RecordFilter says); rows stream as the caller iterates.
func (s *Store) RecordsWhere(ctx context.Context, f dunning.RecordFilter) iter.Seq2[dunning.Record, error] {
	var w where
	if f.CustomerID != "" {
		w.add("customer_id = $n", f.CustomerID)
	}
	if f.InvoiceID != "" {
		b, _ := json.Marshal([]string{f.InvoiceID})
		w.add("record->'invoice_ids' @> $n::jsonb", string(b))
	}
	if f.Key != "" {
		w.add("key = $n", f.Key)
	}
	if !f.From.IsZero() {
		w.add("at >= $n", dunning.StoredTime(f.From))
	}
	if !f.To.IsZero() {
		w.add("at < $n", dunning.StoredTime(f.To))
	}
	if f.Outcome != "" {
		w.add("outcome = $n", string(f.Outcome))
	}
	return scan[dunning.Record](ctx, s, s.q(`SELECT record FROM {{S}}.overdue_records`+w.sql()+` ORDER BY seq`+limitSQL(f.Limit)), w.args)
}

// EventsWhere implements dunning.LedgerReader.
func (s *Store) EventsWhere(ctx context.Context, f dunning.EventFilter) iter.Seq2[dunning.Event, error] {
	var w where
	if f.CustomerID != "" {
		w.add("customer_id = $n", f.CustomerID)
	}
	if f.InvoiceID != "" {
		w.add("invoice_id = $n", f.InvoiceID)
	}
	if f.Key != "" {
		w.add("key = $n", f.Key)
	}
	if f.Kind != "" {
		w.add("kind = $n", string(f.Kind))
	}
	// An event without At (at NULL) counts as earlier than any time: To
	// selects it, From does not (see dunning.EventFilter).
	if !f.From.IsZero() {
		w.add("at >= $n", dunning.StoredTime(f.From))
	}
	if !f.To.IsZero() {
		w.add("(at < $n OR at IS NULL)", dunning.StoredTime(f.To))
	}
	return scan[dunning.Event](ctx, s, s.q(`SELECT event FROM {{S}}.overdue_events`+w.sql()+` ORDER BY seq`+limitSQL(f.Limit)), w.args)
}

// TasksWhere implements dunning.LedgerReader; ids are ordered byte-wise.
func (s *Store) TasksWhere(ctx context.Context, f dunning.TaskFilter) iter.Seq2[dunning.CollectorTask, error] {
	var w where
	if f.CustomerID != "" {
		w.add("customer_id = $n", f.CustomerID)
	}
	if f.InvoiceID != "" {
		b, _ := json.Marshal([]string{f.InvoiceID})
		w.add("task->'invoice_ids' @> $n::jsonb", string(b))
	}
	if f.Status != "" {
		w.add("status = $n", string(f.Status))
	}
	return scan[dunning.CollectorTask](ctx, s, s.q(`SELECT task FROM {{S}}.overdue_tasks`+w.sql()+` ORDER BY id COLLATE "C"`+limitSQL(f.Limit)), w.args)
}

// scan iterates the JSON column of query's rows, decoded as T.
func scan[T any](ctx context.Context, s *Store, query string, args []any) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		rows, err := s.db.QueryContext(ctx, query, args...)
		if err != nil {
			yield(zero, fmt.Errorf("sqlstore: %w", err))
			return
		}
		defer rows.Close()
		for rows.Next() {
			var b []byte
			if err := rows.Scan(&b); err != nil {
				yield(zero, fmt.Errorf("sqlstore: %w", err))
				return
			}
			var v T
			if err := json.Unmarshal(b, &v); err != nil {
				yield(zero, fmt.Errorf("sqlstore: decode: %w", err))
				return
			}
			if !yield(v, nil) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(zero, fmt.Errorf("sqlstore: %w", err))
		}
	}
}
