-- Sessions end after a time without use (idle) as well as at their absolute expiry.
ALTER TABLE session ADD COLUMN last_seen_at BIGINT NOT NULL DEFAULT 0;
UPDATE session SET last_seen_at = created_at;
ALTER TABLE staff_session ADD COLUMN last_seen_at BIGINT NOT NULL DEFAULT 0;
UPDATE staff_session SET last_seen_at = created_at;
