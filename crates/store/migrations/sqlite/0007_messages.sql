-- A conversation between a patient and their GP office. Closed threads take no more messages.
CREATE TABLE thread (
    id INTEGER PRIMARY KEY,
    clinic_id INTEGER NOT NULL REFERENCES clinic (id),
    national_id TEXT NOT NULL,
    subject TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_at INTEGER NOT NULL,
    closed_at INTEGER,
    -- Written while the clinic had blocked the patient: answered and closed automatically.
    from_blocked BOOLEAN NOT NULL DEFAULT FALSE,
    unread_by_clinic BOOLEAN NOT NULL DEFAULT TRUE,
    unread_by_patient BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX thread_by_clinic ON thread (clinic_id, last_at);
CREATE INDEX thread_by_patient ON thread (national_id, last_at);

-- sender: patient, clinic (staff_user says who) or automatic (the blocked patient's reply,
-- whose text is the guide's, in the reader's language). A message the patient deletes is
-- hidden from them only: the clinic keeps it, because it is part of the record.
CREATE TABLE message (
    id INTEGER PRIMARY KEY,
    clinic_id INTEGER NOT NULL REFERENCES clinic (id),
    thread_id INTEGER NOT NULL REFERENCES thread (id),
    sender TEXT NOT NULL,
    staff_user TEXT,
    body TEXT NOT NULL,
    sent_at INTEGER NOT NULL,
    hidden_for_patient_at INTEGER
);
CREATE INDEX message_by_thread ON message (thread_id, id);

-- Notification jobs about a thread (a reply from the clinic) as well as about appointments.
-- SQLite cannot drop NOT NULL in place, so the table is rebuilt with its rows.
CREATE TABLE outbox_new (
    id INTEGER PRIMARY KEY,
    clinic_id INTEGER NOT NULL REFERENCES clinic (id),
    kind TEXT NOT NULL,
    appointment_id INTEGER REFERENCES appointment (id),
    thread_id INTEGER REFERENCES thread (id),
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
    CHECK ((appointment_id IS NULL) <> (thread_id IS NULL))
);
INSERT INTO outbox_new (id, clinic_id, kind, appointment_id, created_at, attempts, next_attempt_at,
    sent_at, failed_at, last_error, claimed_until, claim_token, channel, skipped)
SELECT id, clinic_id, kind, appointment_id, created_at, attempts, next_attempt_at,
    sent_at, failed_at, last_error, claimed_until, claim_token, channel, skipped FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;
CREATE UNIQUE INDEX outbox_one_reminder ON outbox (appointment_id) WHERE kind = 'appointment.reminder';
CREATE INDEX outbox_failed ON outbox (failed_at) WHERE failed_at IS NOT NULL;
