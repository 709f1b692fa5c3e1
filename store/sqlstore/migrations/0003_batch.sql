-- Throughput: progress in columns PostgreSQL updates in place (one
-- set-based UPDATE per batch of completions instead of a JSON blob read
-- and rewritten per invoice), each row tagged with its customer so a plan
-- reads the history of the customers it plans; ledger columns and indexes
-- for filtered reads. Every value of the old progress blob is carried
-- over; the blob column is dropped last.
ALTER TABLE {{S}}.overdue_progress
    ADD COLUMN IF NOT EXISTS customer_id    text,
    ADD COLUMN IF NOT EXISTS cycle          integer,
    ADD COLUMN IF NOT EXISTS workflow       text    NOT NULL DEFAULT '',
    ADD COLUMN IF NOT EXISTS step           integer NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS last           date,
    ADD COLUMN IF NOT EXISTS fees           numeric NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS compensated    boolean NOT NULL DEFAULT false,
    ADD COLUMN IF NOT EXISTS held           boolean NOT NULL DEFAULT false,
    ADD COLUMN IF NOT EXISTS bounced_listed boolean NOT NULL DEFAULT false,
    ADD COLUMN IF NOT EXISTS bounced        text    NOT NULL DEFAULT '',
    ADD COLUMN IF NOT EXISTS has_notices    boolean NOT NULL DEFAULT false,
    ADD COLUMN IF NOT EXISTS notice_count   integer NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS recent         jsonb,
    ADD COLUMN IF NOT EXISTS refunded       text    NOT NULL DEFAULT '',
    ADD COLUMN IF NOT EXISTS block          jsonb;

UPDATE {{S}}.overdue_progress SET
    cycle          = COALESCE((progress->>'cycle')::integer, 0),
    workflow       = COALESCE(progress->>'workflow', ''),
    step           = COALESCE((progress->>'step')::integer, 0),
    last           = (progress->>'last')::date,
    fees           = COALESCE((progress->>'fees')::numeric, 0),
    compensated    = COALESCE((progress->>'compensated')::boolean, false),
    held           = COALESCE((progress->>'held')::boolean, false),
    bounced_listed = COALESCE((progress->>'bounced_listed')::boolean, false),
    bounced        = COALESCE(progress->>'bounced', ''),
    has_notices    = progress ? 'notices',
    notice_count   = COALESCE((progress->'notices'->>'count')::integer, 0),
    recent         = progress->'notices'->'recent',
    refunded       = COALESCE(progress->'notices'->>'refunded', ''),
    block          = progress->'block';

-- The customer of each invoice, from the records that name it.
UPDATE {{S}}.overdue_progress AS p SET customer_id = r.customer_id
FROM {{S}}.overdue_records AS r, jsonb_array_elements_text(r.record->'invoice_ids') AS i(id)
WHERE p.invoice_id = i.id AND p.customer_id IS NULL;

ALTER TABLE {{S}}.overdue_progress DROP COLUMN IF EXISTS progress;
-- A row with cycle NULL is a placeholder a completing transaction inserts
-- and fills before it commits; readers skip it.
CREATE INDEX IF NOT EXISTS overdue_progress_customer ON {{S}}.overdue_progress (customer_id);

ALTER TABLE {{S}}.overdue_records
    ADD COLUMN IF NOT EXISTS at      timestamptz,
    ADD COLUMN IF NOT EXISTS outcome text NOT NULL DEFAULT '';
UPDATE {{S}}.overdue_records SET at = (record->>'at')::timestamptz, outcome = COALESCE(record->>'outcome', '');
CREATE INDEX IF NOT EXISTS overdue_records_at ON {{S}}.overdue_records (at);
CREATE INDEX IF NOT EXISTS overdue_records_invoices ON {{S}}.overdue_records USING gin ((record->'invoice_ids'));

ALTER TABLE {{S}}.overdue_events
    ADD COLUMN IF NOT EXISTS customer_id text NOT NULL DEFAULT '',
    ADD COLUMN IF NOT EXISTS invoice_id  text NOT NULL DEFAULT '',
    ADD COLUMN IF NOT EXISTS at          timestamptz;
UPDATE {{S}}.overdue_events SET customer_id = COALESCE(event->>'customer_id', ''),
    invoice_id = COALESCE(event->>'invoice_id', ''), at = (event->>'at')::timestamptz;
CREATE INDEX IF NOT EXISTS overdue_events_customer ON {{S}}.overdue_events (customer_id) WHERE customer_id <> '';
CREATE INDEX IF NOT EXISTS overdue_events_invoice ON {{S}}.overdue_events (invoice_id) WHERE invoice_id <> '';
CREATE INDEX IF NOT EXISTS overdue_events_key ON {{S}}.overdue_events (key) WHERE key <> '';

ALTER TABLE {{S}}.overdue_tasks ADD COLUMN IF NOT EXISTS customer_id text NOT NULL DEFAULT '';
UPDATE {{S}}.overdue_tasks SET customer_id = COALESCE(task->>'customer_id', '');
CREATE INDEX IF NOT EXISTS overdue_tasks_customer ON {{S}}.overdue_tasks (customer_id);
