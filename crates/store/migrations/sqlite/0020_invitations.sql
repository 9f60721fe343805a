-- Innkalling: the office asks a patient to book a timebook. While the invitation is open
-- (not answered by a booking, not expired) it lifts the timebook's per-patient limit for
-- slots starting in [opens_at, expires_at]; nothing else (see booking/rules.rs).
CREATE TABLE invitation (
    id INTEGER PRIMARY KEY,
    clinic_id INTEGER NOT NULL REFERENCES clinic (id),
    timebook_id INTEGER NOT NULL REFERENCES timebook (id),
    national_id TEXT NOT NULL,
    -- The office's own words to the patient, up to 300 characters; NULL for none.
    message TEXT,
    opens_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    sent_at INTEGER NOT NULL,
    -- The staff member who sent it, as the audit log names them.
    sent_by TEXT NOT NULL,
    reminded_at INTEGER,
    booked_appointment_id INTEGER REFERENCES appointment (id),
    CHECK (opens_at < expires_at)
);
-- The rule's lookup: a patient's invitations to one timebook.
CREATE INDEX invitation_by_patient ON invitation (timebook_id, national_id);
CREATE INDEX invitation_by_clinic ON invitation (clinic_id, timebook_id, sent_at);

-- A notification job is about exactly one of an appointment, a thread or an invitation.
-- SQLite cannot change a CHECK in place, so the table is rebuilt with its rows and indexes
-- (those of 0006, 0007 and 0016).
CREATE TABLE outbox_new (
    id INTEGER PRIMARY KEY,
    clinic_id INTEGER NOT NULL REFERENCES clinic (id),
    kind TEXT NOT NULL,
    appointment_id INTEGER REFERENCES appointment (id),
    thread_id INTEGER REFERENCES thread (id),
    invitation_id INTEGER REFERENCES invitation (id),
    created_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    sent_at INTEGER,
    failed_at INTEGER,
    last_error TEXT,
    claimed_until INTEGER,
    claim_token TEXT,
    channel TEXT,
    skipped TEXT,
    subscription_id INTEGER REFERENCES fhir_subscription (id),
    event_number INTEGER,
    CHECK ((appointment_id IS NOT NULL) + (thread_id IS NOT NULL) + (invitation_id IS NOT NULL) = 1)
);
INSERT INTO outbox_new (id, clinic_id, kind, appointment_id, thread_id, created_at, attempts,
    next_attempt_at, sent_at, failed_at, last_error, claimed_until, claim_token, channel, skipped,
    subscription_id, event_number)
SELECT id, clinic_id, kind, appointment_id, thread_id, created_at, attempts,
    next_attempt_at, sent_at, failed_at, last_error, claimed_until, claim_token, channel, skipped,
    subscription_id, event_number FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;
CREATE UNIQUE INDEX outbox_one_reminder ON outbox (appointment_id) WHERE kind = 'appointment.reminder';
CREATE INDEX outbox_failed ON outbox (failed_at) WHERE failed_at IS NOT NULL;
CREATE INDEX outbox_hook_order ON outbox (subscription_id, appointment_id, id)
    WHERE subscription_id IS NOT NULL AND sent_at IS NULL AND failed_at IS NULL;
