package memory

import (
	"context"
	"iter"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/overduehq/overdue/dunning"
)

// Store is an in-memory dunning.Store, safe for concurrent use. The zero
// value is not ready; use New. Leases and retry delays are measured on the
// store's own clock (WithClock; default the machine's), never on a
// runner's.
type Store struct {
	clock    dunning.Clock
	mu       sync.Mutex
	progress map[string]dunning.Progress
	byCust   map[string][]string // invoice ids with progress, by customer
	leases   map[string]*lease
	done     map[string]claimID // completed keys, by the claim that completed them
	records  chunked[dunning.Record]
	byKey    map[string]int // record index by key
	events   []dunning.Event
	eventIDs map[string]bool
	tasks    map[string]dunning.CollectorTask
	desk     desk // interaction log and reviews (interactions.go)
}

type claimID struct {
	owner   string
	attempt int
}

type lease struct {
	owner   string // "" once released
	expires time.Time
	notTill time.Time // Release's retry time
	attempt int
	unknown bool // a claim ended neither completed nor released
	planned *dunning.Pending
}

var (
	_ dunning.Store         = (*Store)(nil)
	_ dunning.DoneChecker   = (*Store)(nil)
	_ dunning.StateChecker  = (*Store)(nil)
	_ dunning.BatchStore    = (*Store)(nil)
	_ dunning.HistoryReader = (*Store)(nil)
	_ dunning.LedgerReader  = (*Store)(nil)
)

// Option configures a Store.
type Option func(*Store)

// WithClock makes the store measure leases on c (tests pass a controllable
// clock; default dunning.SystemClock).
func WithClock(c dunning.Clock) Option { return func(s *Store) { s.clock = c } }

// New returns an empty store.
func New(opts ...Option) *Store {
	s := &Store{
		clock:    dunning.SystemClock{},
		progress: map[string]dunning.Progress{},
		byCust:   map[string][]string{},
		leases:   map[string]*lease{},
		done:     map[string]claimID{},
		byKey:    map[string]int{},
		eventIDs: map[string]bool{},
		tasks:    map[string]dunning.CollectorTask{},
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// History returns a copy of every invoice's progress, with the pending
// actions (a dunning.Snapshot). A plan reads HistoryFor instead.
func (s *Store) History(ctx context.Context) (dunning.History, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	h := dunning.Snapshot{HistoryMap: make(dunning.HistoryMap, len(s.progress))}
	for k, v := range s.progress {
		h.HistoryMap[k] = v
	}
	for _, l := range s.leases {
		if l.planned != nil && (l.owner != "" || l.unknown) {
			h.Unresolved = append(h.Unresolved, clonePending(*l.planned))
		}
	}
	slices.SortFunc(h.Unresolved, func(a, b dunning.Pending) int { return strings.Compare(a.Key, b.Key) })
	return h, nil
}

// HistoryFor implements dunning.HistoryReader: a copy of the progress of
// q's invoices and customers, with their pending actions.
func (s *Store) HistoryFor(ctx context.Context, q dunning.HistoryQuery) (dunning.History, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	h := dunning.Snapshot{HistoryMap: make(dunning.HistoryMap, len(q.InvoiceIDs))}
	for _, id := range q.InvoiceIDs {
		if p, ok := s.progress[id]; ok {
			h.HistoryMap[id] = p
		}
	}
	custs := make(map[string]bool, len(q.CustomerIDs))
	for _, c := range q.CustomerIDs {
		custs[c] = true
		for _, id := range s.byCust[c] {
			h.HistoryMap[id] = s.progress[id]
		}
	}
	invs := make(map[string]bool, len(q.InvoiceIDs))
	for _, id := range q.InvoiceIDs {
		invs[id] = true
	}
	for _, l := range s.leases {
		if l.planned != nil && (l.owner != "" || l.unknown) {
			hit := custs[l.planned.CustomerID]
			for _, id := range l.planned.InvoiceIDs {
				hit = hit || invs[id]
			}
			if hit {
				h.Unresolved = append(h.Unresolved, clonePending(*l.planned))
			}
		}
	}
	slices.SortFunc(h.Unresolved, func(a, b dunning.Pending) int { return strings.Compare(a.Key, b.Key) })
	return h, nil
}

func clonePending(p dunning.Pending) dunning.Pending {
	p.InvoiceIDs, p.Cycles, p.Steps = slices.Clone(p.InvoiceIDs), slices.Clone(p.Cycles), slices.Clone(p.Steps)
	return p
}

// Claim implements dunning.Store as a ClaimMany of one key.
func (s *Store) Claim(ctx context.Context, p dunning.ClaimParams) (dunning.Claim, error) {
	res, err := s.ClaimMany(ctx, dunning.ClaimManyParams{Owner: p.Owner, Lease: p.Lease, Keys: []dunning.ClaimKey{{Key: p.Key, Planned: p.Planned}}})
	if err != nil {
		return dunning.Claim{}, err
	}
	return res[0].Claim, res[0].Err
}

// ClaimMany implements dunning.BatchStore under one lock.
func (s *Store) ClaimMany(ctx context.Context, p dunning.ClaimManyParams) ([]dunning.ClaimResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := make([]dunning.ClaimResult, len(p.Keys))
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	for i, k := range p.Keys {
		out[i].Claim, out[i].Err = s.claim(now, p, k)
	}
	return out, nil
}

// claim claims one key at now; s.mu is held.
func (s *Store) claim(now time.Time, p dunning.ClaimManyParams, k dunning.ClaimKey) (dunning.Claim, error) {
	if err := dunning.CheckKey(k.Key); err != nil {
		return dunning.Claim{}, err
	}
	if p.Owner == "" {
		return dunning.Claim{}, &dunning.FieldError{Field: "owner", Value: "", Reason: "must not be empty"}
	}
	if k.Planned != nil {
		if err := dunning.CheckPending(*k.Planned); err != nil {
			return dunning.Claim{}, err
		}
	}
	if _, ok := s.done[k.Key]; ok {
		return dunning.Claim{}, dunning.ErrAlreadyDone
	}
	l := s.leases[k.Key]
	if l == nil {
		l = &lease{}
		s.leases[k.Key] = l
	} else if l.owner != "" && now.Before(l.expires) || now.Before(l.notTill) {
		return dunning.Claim{}, dunning.ErrClaimed
	}
	if l.owner != "" {
		l.unknown = true // the last claimer vanished
	}
	l.owner, l.expires, l.notTill = p.Owner, now.Add(p.Lease), time.Time{}
	l.attempt++
	if k.Planned != nil {
		pe := clonePending(*k.Planned)
		l.planned = &pe
	}
	return dunning.Claim{Key: k.Key, Owner: p.Owner, Expires: l.expires, Attempt: l.attempt, Unknown: l.unknown}, nil
}

func (s *Store) holds(c dunning.Claim) bool {
	l := s.leases[c.Key]
	return l != nil && l.owner == c.Owner && l.attempt == c.Attempt
}

// Complete implements dunning.Store as a CompleteMany of one record.
func (s *Store) Complete(ctx context.Context, c dunning.Claim, rec dunning.Record) error {
	res, err := s.CompleteMany(ctx, []dunning.Completion{{Claim: c, Record: rec}})
	if err != nil {
		return err
	}
	return res[0]
}

// CompleteMany implements dunning.BatchStore under one lock.
func (s *Store) CompleteMany(ctx context.Context, cs []dunning.Completion) ([]error, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := make([]error, len(cs))
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, c := range cs {
		out[i] = s.complete(c.Claim, c.Record)
	}
	return out, nil
}

// complete records one outcome; s.mu is held.
func (s *Store) complete(c dunning.Claim, rec dunning.Record) error {
	rec.Key, rec.Attempts = c.Key, c.Attempt // checked as the SQL store checks them
	if err := dunning.CheckRecord(rec); err != nil {
		return err
	}
	if by, ok := s.done[c.Key]; ok {
		if by == (claimID{c.Owner, c.Attempt}) {
			return nil // this claim's own record: an earlier call succeeded
		}
		return dunning.ErrLeaseLost
	}
	if !s.holds(c) {
		return dunning.ErrLeaseLost
	}
	rec = ownRecord(rec)
	s.done[c.Key] = claimID{c.Owner, c.Attempt}
	delete(s.leases, c.Key)
	s.byKey[c.Key] = s.records.add(rec)
	for i, id := range rec.InvoiceIDs {
		p, had := s.progress[id]
		dunning.Advance(&p, rec, i)
		s.progress[id] = p
		if !had {
			s.byCust[rec.CustomerID] = append(s.byCust[rec.CustomerID], id)
		}
	}
	return nil
}

// Release implements dunning.Store.
func (s *Store) Release(ctx context.Context, c dunning.Claim, p dunning.ReleaseParams) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, done := s.done[c.Key]; done || !s.holds(c) {
		return dunning.ErrLeaseLost
	}
	l := s.leases[c.Key]
	l.owner, l.expires, l.notTill = "", time.Time{}, s.clock.Now().Add(p.RetryIn)
	return nil
}

// Done implements dunning.DoneChecker.
func (s *Store) Done(ctx context.Context, keys []string) (map[string]bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]bool{}
	for _, k := range keys {
		if _, ok := s.done[k]; ok {
			out[k] = true
		}
	}
	return out, nil
}

// States implements dunning.StateChecker, as claim finds each key.
func (s *Store) States(ctx context.Context, keys []string) (map[string]dunning.KeyState, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	out := map[string]dunning.KeyState{}
	for _, k := range keys {
		if _, ok := s.done[k]; ok {
			out[k] = dunning.KeyDone
		} else if l := s.leases[k]; l == nil {
			continue
		} else if l.owner != "" && now.Before(l.expires) || now.Before(l.notTill) {
			out[k] = dunning.KeyHeld
		} else {
			out[k] = dunning.KeyFree
		}
	}
	return out, nil
}

// Records implements dunning.Store.
func (s *Store) Records(ctx context.Context) ([]dunning.Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]dunning.Record, 0, s.records.n)
	for rec := range s.records.all {
		out = append(out, ownRecord(rec))
	}
	return out, nil
}

// ownRecord returns rec with slices of its own: the store keeps its copy
// of what a caller completed with, and hands each caller a copy of it, as a
// store on a database does.
func ownRecord(rec dunning.Record) dunning.Record {
	rec.InvoiceIDs = slices.Clone(rec.InvoiceIDs)
	rec.Cycles = slices.Clone(rec.Cycles)
	rec.Steps = slices.Clone(rec.Steps)
	rec.Listed = slices.Clone(rec.Listed)
	rec.FeesByInvoice = slices.Clone(rec.FeesByInvoice)
	rec.CompensationOn = slices.Clone(rec.CompensationOn)
	return rec
}

// AppendEvent implements dunning.Store.
func (s *Store) AppendEvent(ctx context.Context, e dunning.Event) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := dunning.CheckEvent(e); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.eventIDs[e.ID] {
		return nil
	}
	s.eventIDs[e.ID] = true
	s.events = append(s.events, e)
	if e.Kind == dunning.NoticeBounced {
		if i, ok := s.byKey[e.Key]; ok {
			rec := *s.records.at(i)
			for j, id := range rec.InvoiceIDs {
				p, had := s.progress[id]
				dunning.MarkBounced(&p, rec, j)
				s.progress[id] = p
				if !had {
					s.byCust[rec.CustomerID] = append(s.byCust[rec.CustomerID], id)
				}
			}
		}
	}
	return nil
}

// Events implements dunning.Store.
func (s *Store) Events(ctx context.Context) ([]dunning.Event, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.events), nil
}

// SaveTask implements dunning.Store.
func (s *Store) SaveTask(ctx context.Context, t dunning.CollectorTask) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := dunning.CheckTask(t); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t.InvoiceIDs = slices.Clone(t.InvoiceIDs)
	t.Notes = slices.Clone(t.Notes)
	s.tasks[t.ID] = t
	return nil
}

// Tasks implements dunning.Store.
func (s *Store) Tasks(ctx context.Context, status dunning.TaskStatus) ([]dunning.CollectorTask, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []dunning.CollectorTask
	for _, t := range s.tasks {
		if status == "" || t.Status == status {
			// The caller's copy: changing it leaves the store's as saved.
			t.InvoiceIDs, t.Notes = slices.Clone(t.InvoiceIDs), slices.Clone(t.Notes)
			out = append(out, t)
		}
	}
	slices.SortFunc(out, func(a, b dunning.CollectorTask) int {
		switch {
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
			return 1
		}
		return 0
	})
	return out, nil
}

// RecordsWhere implements dunning.LedgerReader over a copy of the matching
// records.
func (s *Store) RecordsWhere(ctx context.Context, f dunning.RecordFilter) iter.Seq2[dunning.Record, error] {
	return func(yield func(dunning.Record, error) bool) {
		// Stored records never change: they are copied outside the lock.
		for rec, err := range snapshotWhere(ctx, s, s.records.all, f.Match, f.Limit) {
			if !yield(ownRecord(rec), err) {
				return
			}
		}
	}
}

// EventsWhere implements dunning.LedgerReader.
func (s *Store) EventsWhere(ctx context.Context, f dunning.EventFilter) iter.Seq2[dunning.Event, error] {
	return snapshotWhere(ctx, s, func(yield func(dunning.Event) bool) {
		for _, e := range s.events {
			if !yield(e) {
				return
			}
		}
	}, f.Match, f.Limit)
}

// TasksWhere implements dunning.LedgerReader.
func (s *Store) TasksWhere(ctx context.Context, f dunning.TaskFilter) iter.Seq2[dunning.CollectorTask, error] {
	return func(yield func(dunning.CollectorTask, error) bool) {
		all, err := s.Tasks(ctx, f.Status)
		if err != nil {
			yield(dunning.CollectorTask{}, err)
			return
		}
		for t, err := range dunning.FilterSlice(all, f.Match, f.Limit) {
			if !yield(t, err) {
				return
			}
		}
	}
}

// snapshotWhere copies the matching elements of all (ranged over under
// the lock), then yields them without it (the caller may call the store
// while iterating).
func snapshotWhere[T any](ctx context.Context, s *Store, all iter.Seq[T], match func(T) bool, limit int) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		if err := ctx.Err(); err != nil {
			var zero T
			yield(zero, err)
			return
		}
		s.mu.Lock()
		var out []T
		for v := range all {
			if match(v) {
				out = append(out, v)
				if limit > 0 && len(out) >= limit {
					break
				}
			}
		}
		s.mu.Unlock()
		for _, v := range out {
			if !yield(v, nil) {
				return
			}
		}
	}
}

// chunked is an append-only list kept in blocks of chunkLen elements, so
// that it grows without copying what it holds (the records of a big run
// were copied over and over as one slice grew).
type chunked[T any] struct {
	blocks [][]T
	n      int
}

const chunkLen = 1024

// add appends v and returns its index.
func (c *chunked[T]) add(v T) int {
	if c.n%chunkLen == 0 {
		c.blocks = append(c.blocks, make([]T, 0, chunkLen))
	}
	b := &c.blocks[len(c.blocks)-1]
	*b = append(*b, v)
	c.n++
	return c.n - 1
}

// at returns the element at index i.
func (c *chunked[T]) at(i int) *T { return &c.blocks[i/chunkLen][i%chunkLen] }

// all yields the elements in order.
func (c *chunked[T]) all(yield func(T) bool) {
	for _, b := range c.blocks {
		for _, v := range b {
			if !yield(v) {
				return
			}
		}
	}
}
