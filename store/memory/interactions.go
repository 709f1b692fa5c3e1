package memory

import (
	"context"
	"slices"

	"github.com/overduehq/overdue/dunning"
)

// desk holds the collector's desk: the interaction log and the reviews,
// under Store.mu.
type desk struct {
	interactions map[string]dunning.Interaction // by ID
	reviews      map[reviewKey]dunning.Review
}

var _ dunning.InteractionLog = (*Store)(nil)

// LogInteraction implements dunning.InteractionLog.
func (s *Store) LogInteraction(ctx context.Context, i dunning.Interaction) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := dunning.CheckInteraction(i); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.desk.interactions == nil {
		s.desk.interactions = map[string]dunning.Interaction{}
	}
	i.InvoiceIDs = slices.Clone(i.InvoiceIDs)
	s.desk.interactions[i.ID] = i
	return nil
}

// Interactions implements dunning.InteractionLog.
func (s *Store) Interactions(ctx context.Context, customerID string) ([]dunning.Interaction, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []dunning.Interaction
	for _, i := range s.desk.interactions {
		if customerID == "" || i.CustomerID == customerID {
			i.InvoiceIDs = slices.Clone(i.InvoiceIDs)
			out = append(out, i)
		}
	}
	dunning.SortInteractions(out)
	return out, nil
}

var _ dunning.ReviewLog = (*Store)(nil)

// reviewKey is a review's identity: its customer and key.
type reviewKey struct{ customer, key string }

// SaveReview implements dunning.ReviewLog.
func (s *Store) SaveReview(ctx context.Context, r dunning.Review) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := dunning.CheckReview(r); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.desk.reviews == nil {
		s.desk.reviews = map[reviewKey]dunning.Review{}
	}
	s.desk.reviews[reviewKey{r.CustomerID, r.Key}] = r
	return nil
}

// Reviews implements dunning.ReviewLog.
func (s *Store) Reviews(ctx context.Context, customerID string) ([]dunning.Review, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []dunning.Review
	for k, r := range s.desk.reviews {
		if customerID == "" || k.customer == customerID {
			out = append(out, r)
		}
	}
	dunning.SortReviews(out)
	return out, nil
}
