-- The collector's desk: the interaction log (calls, emails received, notes
-- and their outcomes) and the reviews of planned actions (approve, skip,
-- change level, hold the customer), each kept as JSON with the columns its
-- queries filter on.
CREATE TABLE IF NOT EXISTS {{S}}.overdue_interactions (
    id          text PRIMARY KEY,
    customer_id text NOT NULL,
    day         date NOT NULL,
    interaction jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS overdue_interactions_customer ON {{S}}.overdue_interactions (customer_id, day, id COLLATE "C");

CREATE TABLE IF NOT EXISTS {{S}}.overdue_reviews (
    customer_id text NOT NULL,
    key         text NOT NULL, -- '' for a review of the whole customer (a hold)
    review      jsonb NOT NULL,
    PRIMARY KEY (customer_id, key)
);
