-- Retention deletes the audit log's old entries, and nothing else may change the log: an entry
-- may be deleted only once it is a year older than the newest, which the retention pass
-- writes first (so the deletion is itself in the log). Updates stay refused.
CREATE INDEX audit_event_by_time ON audit_event (at);

CREATE OR REPLACE FUNCTION audit_event_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE'
       AND OLD.at < (SELECT MAX(at) FROM audit_event) - 365 * 24 * 60 * 60 THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_event is append-only';
END;
$$;
