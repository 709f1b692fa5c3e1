CREATE TABLE IF NOT EXISTS {{S}}.overdue_actions (
    key        text PRIMARY KEY,
    owner      text,
    expires    timestamptz,
    not_before timestamptz,
    attempt    integer NOT NULL DEFAULT 0,
    done       boolean NOT NULL DEFAULT false,
    reason     text NOT NULL DEFAULT ''
);

CREATE TABLE IF NOT EXISTS {{S}}.overdue_records (
    seq         bigserial PRIMARY KEY,
    key         text NOT NULL UNIQUE,
    customer_id text NOT NULL,
    record      jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS overdue_records_customer ON {{S}}.overdue_records (customer_id);

CREATE TABLE IF NOT EXISTS {{S}}.overdue_progress (
    invoice_id text PRIMARY KEY,
    progress   jsonb NOT NULL
);

CREATE TABLE IF NOT EXISTS {{S}}.overdue_events (
    seq   bigserial PRIMARY KEY,
    id    text NOT NULL UNIQUE,
    kind  text NOT NULL,
    key   text NOT NULL DEFAULT '',
    event jsonb NOT NULL
);

CREATE TABLE IF NOT EXISTS {{S}}.overdue_tasks (
    id       text PRIMARY KEY,
    status   text NOT NULL,
    assignee text NOT NULL DEFAULT '',
    task     jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS overdue_tasks_status ON {{S}}.overdue_tasks (status);
