-- Timeønske: a timebook may take requests for a time instead of, or as well as, letting
-- patients pick a free slot; the office answers a request with an appointment it books
-- through the booking core, or with a reply.
ALTER TABLE timebook ADD COLUMN booking_mode TEXT NOT NULL DEFAULT 'slots'
    CHECK (booking_mode IN ('slots', 'requests', 'both'));

CREATE TABLE appointment_request (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    clinic_id BIGINT NOT NULL REFERENCES clinic (id),
    timebook_id BIGINT NOT NULL REFERENCES timebook (id),
    -- The person the request is for, and who sent it for them (NULL: they themself).
    national_id TEXT NOT NULL,
    representative TEXT,
    reason TEXT NOT NULL,
    -- The days and times that suit, as a waitlist entry's: weekdays Monday bit 0 to Sunday
    -- bit 6; from_minute up to, not including, to_minute on the clinic's clock; the start of
    -- the first day and of the day after the last.
    weekdays BIGINT NOT NULL CHECK (weekdays BETWEEN 1 AND 127),
    from_minute BIGINT NOT NULL,
    to_minute BIGINT NOT NULL,
    opens_at BIGINT NOT NULL,
    closes_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    -- open (for the office to answer); booked (answered with appointment_id); replied
    -- (answered in thread_id); automatic (the patient is blocked: the guide's reply, closed
    -- at once and never shown to the office as open).
    state TEXT NOT NULL DEFAULT 'open'
        CHECK (state IN ('open', 'booked', 'replied', 'automatic')),
    answered_at BIGINT,
    -- The staff user who answered.
    answered_by TEXT,
    appointment_id BIGINT REFERENCES appointment (id),
    thread_id BIGINT REFERENCES thread (id),
    CHECK (0 <= from_minute AND from_minute < to_minute AND to_minute <= 1440),
    CHECK (opens_at < closes_at),
    CHECK ((state = 'booked') = (appointment_id IS NOT NULL)),
    CHECK ((state = 'replied') = (thread_id IS NOT NULL))
);
CREATE INDEX appointment_request_open ON appointment_request (clinic_id, created_at, id)
    WHERE state = 'open';
CREATE INDEX appointment_request_by_patient ON appointment_request (national_id, created_at);
