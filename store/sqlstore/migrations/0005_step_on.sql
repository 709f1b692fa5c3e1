-- The day of the latest step each invoice did (dunning.Progress.StepOn), so
-- a broken promise escalates once even when its step was a task or a notice
-- that failed for good. Rows kept before this have none (NULL), which the
-- planner reads as it did before.
ALTER TABLE {{S}}.overdue_progress ADD COLUMN IF NOT EXISTS step_on date;
