package memory

import (
	"context"
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
	leases   map[string]*lease
	done     map[string]claimID // completed keys, by the claim that completed them
	records  []dunning.Record
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
	_ dunning.Store       = (*Store)(nil)
	_ dunning.DoneChecker = (*Store)(nil)
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
// actions (a dunning.Snapshot).
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

func clonePending(p dunning.Pending) dunning.Pending {
	p.InvoiceIDs, p.Cycles, p.Steps = slices.Clone(p.InvoiceIDs), slices.Clone(p.Cycles), slices.Clone(p.Steps)
	return p
}

// Claim implements dunning.Store.
func (s *Store) Claim(ctx context.Context, p dunning.ClaimParams) (dunning.Claim, error) {
	if err := ctx.Err(); err != nil {
		return dunning.Claim{}, err
	}
	if err := dunning.CheckKey(p.Key); err != nil {
		return dunning.Claim{}, err
	}
	if p.Owner == "" {
		return dunning.Claim{}, &dunning.FieldError{Field: "owner", Value: "", Reason: "must not be empty"}
	}
	if p.Planned != nil {
		if err := dunning.CheckPending(*p.Planned); err != nil {
			return dunning.Claim{}, err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.done[p.Key]; ok {
		return dunning.Claim{}, dunning.ErrAlreadyDone
	}
	now := s.clock.Now()
	l := s.leases[p.Key]
	if l == nil {
		l = &lease{}
		s.leases[p.Key] = l
	} else if l.owner != "" && now.Before(l.expires) || now.Before(l.notTill) {
		return dunning.Claim{}, dunning.ErrClaimed
	}
	if l.owner != "" {
		l.unknown = true // the last claimer vanished
	}
	l.owner, l.expires, l.notTill = p.Owner, now.Add(p.Lease), time.Time{}
	l.attempt++
	if p.Planned != nil {
		pe := clonePending(*p.Planned)
		l.planned = &pe
	}
	return dunning.Claim{Key: p.Key, Owner: p.Owner, Expires: l.expires, Attempt: l.attempt, Unknown: l.unknown}, nil
}

func (s *Store) holds(c dunning.Claim) bool {
	l := s.leases[c.Key]
	return l != nil && l.owner == c.Owner && l.attempt == c.Attempt
}

// Complete implements dunning.Store.
func (s *Store) Complete(ctx context.Context, c dunning.Claim, rec dunning.Record) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	rec.Key = c.Key
	if err := dunning.CheckRecord(rec); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if by, ok := s.done[c.Key]; ok {
		if by == (claimID{c.Owner, c.Attempt}) {
			return nil // this claim's own record: an earlier call succeeded
		}
		return dunning.ErrLeaseLost
	}
	if !s.holds(c) {
		return dunning.ErrLeaseLost
	}
	rec.Attempts = c.Attempt
	rec.InvoiceIDs = slices.Clone(rec.InvoiceIDs)
	rec.Cycles = slices.Clone(rec.Cycles)
	rec.Steps = slices.Clone(rec.Steps)
	rec.FeesByInvoice = slices.Clone(rec.FeesByInvoice)
	s.done[c.Key] = claimID{c.Owner, c.Attempt}
	delete(s.leases, c.Key)
	s.byKey[c.Key] = len(s.records)
	s.records = append(s.records, rec)
	for i, id := range rec.InvoiceIDs {
		p := s.progress[id]
		dunning.Advance(&p, rec, i)
		s.progress[id] = p
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

// Records implements dunning.Store.
func (s *Store) Records(ctx context.Context) ([]dunning.Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]dunning.Record, len(s.records))
	copy(out, s.records)
	return out, nil
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
			rec := s.records[i]
			for j, id := range rec.InvoiceIDs {
				p := s.progress[id]
				dunning.MarkBounced(&p, rec, j)
				s.progress[id] = p
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
