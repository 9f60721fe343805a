-- Venteliste: patients waiting for a timebook, and the freed places offered to them in turn.
-- An entry says which times the patient will take; an offer is a place held for the entry's
-- patient by the booking core (a slot_hold row, the offer program in booking/programs.rs)
-- until it is accepted, declined or expires.
CREATE TABLE waitlist_entry (
    id INTEGER PRIMARY KEY,
    clinic_id INTEGER NOT NULL REFERENCES clinic (id),
    timebook_id INTEGER NOT NULL REFERENCES timebook (id),
    -- One place of the timebook, or NULL for any of them.
    resource_id INTEGER REFERENCES resource (id),
    national_id TEXT NOT NULL,
    -- The weekdays, Monday bit 0 to Sunday bit 6.
    weekdays INTEGER NOT NULL CHECK (weekdays BETWEEN 1 AND 127),
    -- The time of day a slot may start in, minutes after midnight on the clinic's clock:
    -- from_minute up to, not including, to_minute.
    from_minute INTEGER NOT NULL,
    to_minute INTEGER NOT NULL,
    -- The start of the first day and of the day after the last, clinic time.
    opens_at INTEGER NOT NULL,
    closes_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    -- waiting; booked (an offer was accepted); left (the patient left the list); ended (its
    -- last day passed).
    state TEXT NOT NULL DEFAULT 'waiting'
        CHECK (state IN ('waiting', 'booked', 'left', 'ended')),
    ended_at INTEGER,
    appointment_id INTEGER REFERENCES appointment (id),
    CHECK (0 <= from_minute AND from_minute < to_minute AND to_minute <= 1440),
    CHECK (opens_at < closes_at)
);
-- The line: first come, first served.
CREATE INDEX waitlist_entry_line ON waitlist_entry (created_at, id) WHERE state = 'waiting';
CREATE INDEX waitlist_entry_by_timebook ON waitlist_entry (clinic_id, timebook_id, created_at);
CREATE INDEX waitlist_entry_by_patient ON waitlist_entry (national_id);
-- A patient waits once per timebook.
CREATE UNIQUE INDEX waitlist_entry_one_waiting ON waitlist_entry (timebook_id, national_id)
    WHERE state = 'waiting';

CREATE TABLE waitlist_offer (
    id INTEGER PRIMARY KEY,
    entry_id INTEGER NOT NULL REFERENCES waitlist_entry (id),
    clinic_id INTEGER NOT NULL REFERENCES clinic (id),
    timebook_id INTEGER NOT NULL REFERENCES timebook (id),
    -- Not a reference: a slot deleted while offered takes its hold with it, and the offer,
    -- lapsed, keeps the number for the record.
    slot_id INTEGER NOT NULL,
    -- The booking core's hold on the place (slot_hold.id).
    hold_id INTEGER NOT NULL,
    national_id TEXT NOT NULL,
    offered_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    state TEXT NOT NULL DEFAULT 'open'
        CHECK (state IN ('open', 'accepted', 'declined', 'expired')),
    answered_at INTEGER,
    appointment_id INTEGER REFERENCES appointment (id)
);
-- A slot is offered to one entry at a time, an entry is offered one slot at a time, and an
-- entry is never offered the same slot twice: the last line of defence behind the offer
-- program's own checks, under the slot's lock.
CREATE UNIQUE INDEX waitlist_offer_one_per_slot ON waitlist_offer (slot_id) WHERE state = 'open';
CREATE UNIQUE INDEX waitlist_offer_one_per_entry ON waitlist_offer (entry_id) WHERE state = 'open';
CREATE UNIQUE INDEX waitlist_offer_once ON waitlist_offer (entry_id, slot_id);
CREATE INDEX waitlist_offer_by_patient ON waitlist_offer (national_id, state);

-- A notification job is about exactly one of an appointment, a thread, an invitation or a
-- waitlist offer. SQLite cannot change a CHECK in place, so the table is rebuilt with its rows
-- and indexes (as 0020, 0022 and 0023 left them).
CREATE TABLE outbox_new (
    id INTEGER PRIMARY KEY,
    clinic_id INTEGER NOT NULL REFERENCES clinic (id),
    kind TEXT NOT NULL,
    appointment_id INTEGER REFERENCES appointment (id),
    thread_id INTEGER REFERENCES thread (id),
    invitation_id INTEGER REFERENCES invitation (id),
    waitlist_offer_id INTEGER REFERENCES waitlist_offer (id),
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
    recipient TEXT,
    reminder_minutes INTEGER,
    reminder_for INTEGER,
    CHECK ((appointment_id IS NOT NULL) + (thread_id IS NOT NULL) + (invitation_id IS NOT NULL)
        + (waitlist_offer_id IS NOT NULL) = 1)
);
INSERT INTO outbox_new (id, clinic_id, kind, appointment_id, thread_id, invitation_id, created_at,
    attempts, next_attempt_at, sent_at, failed_at, last_error, claimed_until, claim_token, channel,
    skipped, subscription_id, event_number, recipient, reminder_minutes, reminder_for)
SELECT id, clinic_id, kind, appointment_id, thread_id, invitation_id, created_at,
    attempts, next_attempt_at, sent_at, failed_at, last_error, claimed_until, claim_token, channel,
    skipped, subscription_id, event_number, recipient, reminder_minutes, reminder_for FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;
CREATE UNIQUE INDEX outbox_one_reminder_per_offset
    ON outbox (appointment_id, reminder_minutes, reminder_for, COALESCE(recipient, ''))
    WHERE kind = 'appointment.reminder';
CREATE INDEX outbox_failed ON outbox (failed_at) WHERE failed_at IS NOT NULL;
CREATE INDEX outbox_hook_order ON outbox (subscription_id, appointment_id, id)
    WHERE subscription_id IS NOT NULL AND sent_at IS NULL AND failed_at IS NULL;
