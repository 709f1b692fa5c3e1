package dunning

import (
	"context"
	"errors"
	"iter"
	"slices"
	"time"
)

// Batches. A store that can claim and complete many keys in one round trip
// implements BatchStore; the runner then claims a chunk of a plan at once
// and records a chunk's outcomes in one transaction. The single-key Claim
// and Complete keep their meaning: a store implements them as a batch of
// one, and ClaimMany and CompleteMany fall back to them for a store that
// has no batch methods.

// ClaimManyParams are the arguments of BatchStore.ClaimMany.
type ClaimManyParams struct {
	// Owner names the runner, as ClaimParams.Owner.
	Owner string
	// Lease is how long each claim lasts on the store's clock.
	Lease time.Duration
	// Keys are the keys to claim, each with its planned action (Planned may
	// be nil, as in ClaimParams).
	Keys []ClaimKey
}

// ClaimKey is one key of a ClaimMany.
type ClaimKey struct {
	Key     string
	Planned *Pending
}

// ClaimResult is the answer for one key of a ClaimMany, in the order asked:
// a Claim when Err is nil; else Err is ErrAlreadyDone, ErrClaimed or a
// *FieldError, as Claim would return.
type ClaimResult struct {
	Claim Claim
	Err   error
}

// Completion is one outcome for CompleteMany: the claim and its record.
type Completion struct {
	Claim  Claim
	Record Record
}

// BatchStore is an optional Store capability: claims and completions of
// many keys in one round trip each.
//
// ClaimMany claims each key as Claim would, in one atomic step per key (a
// key may be won while another of the batch is refused); a key that another
// claim holds, or that an unfinished transaction is changing, is reported
// ErrClaimed at once, never waited for. Its error is non-nil only when the
// store failed for the whole batch; keys it may have claimed anyway stay
// pending until their leases run out, as after a failed Claim.
//
// CompleteMany records every completion in one transaction: each one as
// Complete would (ErrLeaseLost for a claim that is no longer current, nil
// for a claim whose record is already stored, a *FieldError for a record
// CheckRecord refuses), in the returned slice, same order. The records of
// the claims that held are stored with their progress updates, all of them
// or none: when the returned error is non-nil nothing was stored (or, for
// an ambiguous commit, everything; a retry of the same completions then
// returns nil for each).
type BatchStore interface {
	ClaimMany(ctx context.Context, p ClaimManyParams) ([]ClaimResult, error)
	CompleteMany(ctx context.Context, cs []Completion) ([]error, error)
}

// ClaimMany claims p.Keys through s's BatchStore method, or one by one
// through Claim for a store without it; in the fallback each key's error,
// whatever it is, is that key's answer, and the returned error is ctx's
// once it is done (the keys not tried yet carry it too).
func ClaimMany(ctx context.Context, s Store, p ClaimManyParams) ([]ClaimResult, error) {
	if b, ok := s.(BatchStore); ok {
		return b.ClaimMany(ctx, p)
	}
	out := make([]ClaimResult, len(p.Keys))
	for i, k := range p.Keys {
		c, err := s.Claim(ctx, ClaimParams{Key: k.Key, Owner: p.Owner, Lease: p.Lease, Planned: k.Planned})
		out[i] = ClaimResult{Claim: c, Err: err}
		if cerr := ctx.Err(); cerr != nil {
			for j := i + 1; j < len(out); j++ {
				out[j].Err = cerr
			}
			return out, cerr
		}
	}
	return out, nil
}

// CompleteMany completes cs through s's BatchStore method, or one by one
// through Complete for a store without it (then each completion is its own
// transaction, and the returned error is the first that is not a per-key
// answer: the completions after it are not tried and carry it too).
func CompleteMany(ctx context.Context, s Store, cs []Completion) ([]error, error) {
	if b, ok := s.(BatchStore); ok {
		return b.CompleteMany(ctx, cs)
	}
	out := make([]error, len(cs))
	for i, c := range cs {
		err := s.Complete(ctx, c.Claim, c.Record)
		out[i] = err
		if err != nil && !errors.Is(err, ErrLeaseLost) && !errors.Is(err, ErrInvalid) {
			for j := i + 1; j < len(out); j++ {
				out[j] = err
			}
			return out, err
		}
	}
	return out, nil
}

// Reads that scale with the day.

// HistoryQuery selects the progress a plan needs: that of the invoices with
// the given ids and of every invoice of the given customers. Both empty
// selects nothing.
type HistoryQuery struct {
	InvoiceIDs  []string
	CustomerIDs []string
}

// HistoryReader is an optional Store capability: the progress of the
// invoices being planned, read in time proportional to them rather than to
// the ledger. The History it returns holds exactly the progress rows the
// query selects, and (as a PendingHistory) the pending actions of the
// query's customers or invoices; Plan with it plans those invoices as with
// Store.History.
type HistoryReader interface {
	HistoryFor(ctx context.Context, q HistoryQuery) (History, error)
}

// HistoryFor returns the history for q through s's HistoryReader method,
// or the whole History for a store without it.
func HistoryFor(ctx context.Context, s Store, q HistoryQuery) (History, error) {
	if hr, ok := s.(HistoryReader); ok {
		return hr.HistoryFor(ctx, q)
	}
	return s.History(ctx)
}

// RecordFilter selects ledger records; zero fields select all. Records
// come in completion order.
type RecordFilter struct {
	CustomerID string
	InvoiceID  string // records that name the invoice
	Key        string
	// From and To bound Record.At: From <= At < To (zero: unbounded),
	// each of the three to the microsecond, truncated (StoredTime), in
	// every store.
	From, To time.Time
	Outcome  Outcome
	// Limit caps the records returned (0: no cap).
	Limit int
}

// EventFilter selects events; zero fields select all. Events come in the
// order they were appended.
type EventFilter struct {
	CustomerID string
	InvoiceID  string
	Key        string
	Kind       EventKind
	// From and To bound Event.At: From <= At < To (zero: unbounded),
	// each of the three to the microsecond, truncated (StoredTime), in
	// every store. An event without At counts as earlier than any time:
	// a filter with To selects it (it was appended before the read, at no
	// time the event says) and one with From does not, so the events up to
	// T and those from T together are all the events.
	From, To time.Time
	Limit    int
}

// TaskFilter selects collector tasks; zero fields select all. Tasks come
// ordered by ID (byte-wise).
type TaskFilter struct {
	CustomerID string
	InvoiceID  string
	Status     TaskStatus
	Limit      int
}

// LedgerReader is an optional Store capability: records, events and tasks
// filtered in the store and iterated, so a read costs what it selects.
// Each iterator stops at the first error, which it yields.
type LedgerReader interface {
	RecordsWhere(ctx context.Context, f RecordFilter) iter.Seq2[Record, error]
	EventsWhere(ctx context.Context, f EventFilter) iter.Seq2[Event, error]
	TasksWhere(ctx context.Context, f TaskFilter) iter.Seq2[CollectorTask, error]
}

// Match reports whether rec passes f (Limit aside); stores without an
// index for a filter use it.
func (f RecordFilter) Match(rec Record) bool {
	return (f.CustomerID == "" || rec.CustomerID == f.CustomerID) &&
		(f.InvoiceID == "" || slices.Contains(rec.InvoiceIDs, f.InvoiceID)) &&
		(f.Key == "" || rec.Key == f.Key) &&
		(f.From.IsZero() || !StoredTime(rec.At).Before(StoredTime(f.From))) &&
		(f.To.IsZero() || StoredTime(rec.At).Before(StoredTime(f.To))) &&
		(f.Outcome == "" || rec.Outcome == f.Outcome)
}

// Match reports whether e passes f (Limit aside).
func (f EventFilter) Match(e Event) bool {
	return (f.CustomerID == "" || e.CustomerID == f.CustomerID) &&
		(f.InvoiceID == "" || e.InvoiceID == f.InvoiceID) &&
		(f.Key == "" || e.Key == f.Key) &&
		(f.Kind == "" || e.Kind == f.Kind) &&
		(f.From.IsZero() || !e.At.IsZero() && !StoredTime(e.At).Before(StoredTime(f.From))) &&
		(f.To.IsZero() || e.At.IsZero() || StoredTime(e.At).Before(StoredTime(f.To)))
}

// Match reports whether t passes f (Limit aside).
func (f TaskFilter) Match(t CollectorTask) bool {
	return (f.CustomerID == "" || t.CustomerID == f.CustomerID) &&
		(f.InvoiceID == "" || slices.Contains(t.InvoiceIDs, f.InvoiceID)) &&
		(f.Status == "" || t.Status == f.Status)
}

// RecordsWhere iterates the records f selects through s's LedgerReader
// method, or filters Records for a store without it.
func RecordsWhere(ctx context.Context, s Store, f RecordFilter) iter.Seq2[Record, error] {
	if lr, ok := s.(LedgerReader); ok {
		return lr.RecordsWhere(ctx, f)
	}
	return filtered(func() ([]Record, error) { return s.Records(ctx) }, f.Match, f.Limit)
}

// EventsWhere iterates the events f selects through s's LedgerReader
// method, or filters Events for a store without it.
func EventsWhere(ctx context.Context, s Store, f EventFilter) iter.Seq2[Event, error] {
	if lr, ok := s.(LedgerReader); ok {
		return lr.EventsWhere(ctx, f)
	}
	return filtered(func() ([]Event, error) { return s.Events(ctx) }, f.Match, f.Limit)
}

// TasksWhere iterates the tasks f selects through s's LedgerReader method,
// or filters Tasks for a store without it.
func TasksWhere(ctx context.Context, s Store, f TaskFilter) iter.Seq2[CollectorTask, error] {
	if lr, ok := s.(LedgerReader); ok {
		return lr.TasksWhere(ctx, f)
	}
	return filtered(func() ([]CollectorTask, error) { return s.Tasks(ctx, f.Status) }, f.Match, f.Limit)
}

// FilterSlice iterates the elements of all that match, at most limit of
// them (0: no cap); stores that filter in memory share it.
func FilterSlice[T any](all []T, match func(T) bool, limit int) iter.Seq2[T, error] {
	return filtered(func() ([]T, error) { return all, nil }, match, limit)
}

func filtered[T any](load func() ([]T, error), match func(T) bool, limit int) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		all, err := load()
		if err != nil {
			var zero T
			yield(zero, err)
			return
		}
		n := 0
		for _, v := range all {
			if !match(v) {
				continue
			}
			if !yield(v, nil) {
				return
			}
			if n++; limit > 0 && n >= limit {
				return
			}
		}
	}
}

// Collect gathers an iterator's values, stopping at its first error.
func Collect[T any](seq iter.Seq2[T, error]) ([]T, error) {
	var out []T
	for v, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, v)
	}
	return out, nil
}
