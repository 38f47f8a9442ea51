-- The relay keeps each subject's rows in order: a row waits while an earlier row of its subject
-- is in backoff. This index finds such an earlier row.
CREATE INDEX IF NOT EXISTS outbox_subject ON outbox (subject, id);
