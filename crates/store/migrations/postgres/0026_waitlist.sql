-- Venteliste: patients waiting for a timebook, and the freed places offered to them in turn.
-- An entry says which times the patient will take; an offer is a place held for the entry's
-- patient by the booking core (a slot_hold row, the offer program in booking/programs.rs)
-- until it is accepted, declined or expires.
CREATE TABLE waitlist_entry (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    clinic_id BIGINT NOT NULL REFERENCES clinic (id),
    timebook_id BIGINT NOT NULL REFERENCES timebook (id),
    -- One place of the timebook, or NULL for any of them.
    resource_id BIGINT REFERENCES resource (id),
    national_id TEXT NOT NULL,
    -- The weekdays, Monday bit 0 to Sunday bit 6.
    weekdays BIGINT NOT NULL CHECK (weekdays BETWEEN 1 AND 127),
    -- The time of day a slot may start in, minutes after midnight on the clinic's clock:
    -- from_minute up to, not including, to_minute.
    from_minute BIGINT NOT NULL,
    to_minute BIGINT NOT NULL,
    -- The start of the first day and of the day after the last, clinic time.
    opens_at BIGINT NOT NULL,
    closes_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    -- waiting; booked (an offer was accepted); left (the patient left the list); ended (its
    -- last day passed).
    state TEXT NOT NULL DEFAULT 'waiting'
        CHECK (state IN ('waiting', 'booked', 'left', 'ended')),
    ended_at BIGINT,
    appointment_id BIGINT REFERENCES appointment (id),
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
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entry_id BIGINT NOT NULL REFERENCES waitlist_entry (id),
    clinic_id BIGINT NOT NULL REFERENCES clinic (id),
    timebook_id BIGINT NOT NULL REFERENCES timebook (id),
    -- Not a reference: a slot deleted while offered takes its hold with it, and the offer,
    -- lapsed, keeps the number for the record.
    slot_id BIGINT NOT NULL,
    -- The booking core's hold on the place (slot_hold.id).
    hold_id BIGINT NOT NULL,
    national_id TEXT NOT NULL,
    offered_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    state TEXT NOT NULL DEFAULT 'open'
        CHECK (state IN ('open', 'accepted', 'declined', 'expired')),
    answered_at BIGINT,
    appointment_id BIGINT REFERENCES appointment (id)
);
-- A slot is offered to one entry at a time, an entry is offered one slot at a time, and an
-- entry is never offered the same slot twice: the last line of defence behind the offer
-- program's own checks, under the slot's lock.
CREATE UNIQUE INDEX waitlist_offer_one_per_slot ON waitlist_offer (slot_id) WHERE state = 'open';
CREATE UNIQUE INDEX waitlist_offer_one_per_entry ON waitlist_offer (entry_id) WHERE state = 'open';
CREATE UNIQUE INDEX waitlist_offer_once ON waitlist_offer (entry_id, slot_id);
CREATE INDEX waitlist_offer_by_patient ON waitlist_offer (national_id, state);

-- A notification job is about exactly one of an appointment, a thread, an invitation or a
-- waitlist offer.
ALTER TABLE outbox ADD COLUMN waitlist_offer_id BIGINT REFERENCES waitlist_offer (id);
ALTER TABLE outbox DROP CONSTRAINT outbox_about_one;
ALTER TABLE outbox ADD CONSTRAINT outbox_about_one CHECK (
    (appointment_id IS NOT NULL)::int + (thread_id IS NOT NULL)::int
      + (invitation_id IS NOT NULL)::int + (waitlist_offer_id IS NOT NULL)::int = 1
);
