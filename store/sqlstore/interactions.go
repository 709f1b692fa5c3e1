package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/overduehq/overdue/dunning"
)

var _ dunning.InteractionLog = (*Store)(nil)

// LogInteraction implements dunning.InteractionLog.
func (s *Store) LogInteraction(ctx context.Context, i dunning.Interaction) error {
	if err := dunning.CheckInteraction(i); err != nil {
		return err
	}
	body, err := json.Marshal(i)
	if err != nil {
		return err
	}
	if _, err := s.db.ExecContext(ctx, s.q(`INSERT INTO {{S}}.overdue_interactions (id, customer_id, day, interaction) VALUES ($1, $2, $3, $4)
		ON CONFLICT (id) DO UPDATE SET customer_id = excluded.customer_id, day = excluded.day, interaction = excluded.interaction`),
		i.ID, i.CustomerID, i.Date.String(), body); err != nil {
		return fmt.Errorf("sqlstore: log interaction %s: %w", i.ID, err)
	}
	return nil
}

// Interactions implements dunning.InteractionLog; entries of one day are
// ordered by id byte-wise (COLLATE "C"), as the memory store orders them.
func (s *Store) Interactions(ctx context.Context, customerID string) ([]dunning.Interaction, error) {
	return list[dunning.Interaction](ctx, s.db, s.q(`SELECT interaction FROM {{S}}.overdue_interactions
		WHERE ($1 = '' OR customer_id = $1) ORDER BY day, id COLLATE "C"`), customerID)
}

var _ dunning.ReviewLog = (*Store)(nil)

// SaveReview implements dunning.ReviewLog.
func (s *Store) SaveReview(ctx context.Context, r dunning.Review) error {
	if err := dunning.CheckReview(r); err != nil {
		return err
	}
	body, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if _, err := s.db.ExecContext(ctx, s.q(`INSERT INTO {{S}}.overdue_reviews (customer_id, key, review) VALUES ($1, $2, $3)
		ON CONFLICT (customer_id, key) DO UPDATE SET review = excluded.review`), r.CustomerID, r.Key, body); err != nil {
		return fmt.Errorf("sqlstore: save review of %s %s: %w", r.CustomerID, r.Key, err)
	}
	return nil
}

// Reviews implements dunning.ReviewLog, ordered byte-wise (COLLATE "C") as
// the memory store orders them.
func (s *Store) Reviews(ctx context.Context, customerID string) ([]dunning.Review, error) {
	return list[dunning.Review](ctx, s.db, s.q(`SELECT review FROM {{S}}.overdue_reviews
		WHERE ($1 = '' OR customer_id = $1) ORDER BY customer_id COLLATE "C", key COLLATE "C"`), customerID)
}
