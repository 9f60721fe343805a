-- Retention deletes the audit log's old entries, and nothing else may change the log: an entry
-- may be deleted only once it is a year older than the newest, which the retention pass
-- writes first (so the deletion is itself in the log). Updates stay refused.
CREATE INDEX audit_event_by_time ON audit_event (at);

DROP TRIGGER audit_event_no_delete;
CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
    WHEN OLD.at >= (SELECT MAX(at) FROM audit_event) - 365 * 24 * 60 * 60
BEGIN
    SELECT RAISE(ABORT, 'audit_event is append-only');
END;
