ALTER TABLE {{S}}.overdue_actions ADD COLUMN IF NOT EXISTS unknown boolean NOT NULL DEFAULT false;
ALTER TABLE {{S}}.overdue_actions ADD COLUMN IF NOT EXISTS planned jsonb;
-- Delivery protocol: a claim that ended neither completed nor released
-- leaves its outcome unknown (the unknown column, set when such a lease is
-- taken over); the claim remembers the planned action (planned) so that
-- Plan re-issues the same key for the same invoices meanwhile. Completed
-- keys keep their owner and attempt, so a Complete retried after a commit
-- whose reply was lost finds its own record. (Rows completed before this
-- migration had their owner cleared; they are done either way.)
CREATE INDEX IF NOT EXISTS overdue_actions_pending ON {{S}}.overdue_actions (key)
    WHERE NOT done AND planned IS NOT NULL AND (owner IS NOT NULL OR unknown);
