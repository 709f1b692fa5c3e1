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
