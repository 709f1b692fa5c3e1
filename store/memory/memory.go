package memory

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/overduehq/overdue/dunning"
)

// Store is an in-memory dunning.Store, safe for concurrent use. The zero
// value is not ready; use New.
type Store struct {
	mu       sync.Mutex
	progress map[string]dunning.Progress
	leases   map[string]*lease
	done     map[string]bool
	records  []dunning.Record
	byKey    map[string]int // record index by key
	events   []dunning.Event
	eventIDs map[string]bool
	tasks    map[string]dunning.CollectorTask
}

type lease struct {
	owner   string
	expires time.Time
	notTill time.Time // Release's retry time
	attempt int
}

var (
	_ dunning.Store       = (*Store)(nil)
	_ dunning.DoneChecker = (*Store)(nil)
)

// New returns an empty store.
func New() *Store {
	return &Store{
		progress: map[string]dunning.Progress{},
		leases:   map[string]*lease{},
		done:     map[string]bool{},
		byKey:    map[string]int{},
		eventIDs: map[string]bool{},
		tasks:    map[string]dunning.CollectorTask{},
	}
}

// History returns a copy of every invoice's progress.
func (s *Store) History(ctx context.Context) (dunning.History, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	h := make(dunning.HistoryMap, len(s.progress))
	for k, v := range s.progress {
		h[k] = v
	}
	return h, nil
}

// Claim implements dunning.Store.
func (s *Store) Claim(ctx context.Context, key, owner string, now time.Time, d time.Duration) (dunning.Claim, error) {
	if err := ctx.Err(); err != nil {
		return dunning.Claim{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done[key] {
		return dunning.Claim{}, dunning.ErrAlreadyDone
	}
	l := s.leases[key]
	if l == nil {
		l = &lease{}
		s.leases[key] = l
	} else if l.owner != "" && now.Before(l.expires) || now.Before(l.notTill) {
		return dunning.Claim{}, dunning.ErrClaimed
	}
	l.owner, l.expires, l.notTill = owner, now.Add(d), time.Time{}
	l.attempt++
	return dunning.Claim{Key: key, Owner: owner, Expires: l.expires, Attempt: l.attempt}, nil
}

func (s *Store) holds(c dunning.Claim) bool {
	l := s.leases[c.Key]
	return l != nil && l.owner == c.Owner && l.attempt == c.Attempt && !s.done[c.Key]
}

// Complete implements dunning.Store.
func (s *Store) Complete(ctx context.Context, c dunning.Claim, rec dunning.Record) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.holds(c) {
		return dunning.ErrLeaseLost
	}
	rec.Key = c.Key
	rec.Attempts = c.Attempt
	rec.InvoiceIDs = slices.Clone(rec.InvoiceIDs)
	rec.Cycles = slices.Clone(rec.Cycles)
	s.done[c.Key] = true
	delete(s.leases, c.Key)
	s.byKey[c.Key] = len(s.records)
	s.records = append(s.records, rec)
	for i, id := range rec.InvoiceIDs {
		p, _ := s.progress[id]
		dunning.Advance(&p, rec, i)
		s.progress[id] = p
	}
	return nil
}

// Release implements dunning.Store.
func (s *Store) Release(ctx context.Context, c dunning.Claim, retryAt time.Time, reason string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.holds(c) {
		return dunning.ErrLeaseLost
	}
	l := s.leases[c.Key]
	l.owner, l.expires, l.notTill = "", time.Time{}, retryAt
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
		if s.done[k] {
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
