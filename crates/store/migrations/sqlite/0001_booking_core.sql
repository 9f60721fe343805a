-- Instants are whole seconds since the Unix epoch, UTC; local dates are ISO text.
-- The same columns as migrations/postgres, so that the queries are shared.

CREATE TABLE clinic (
    id INTEGER PRIMARY KEY,
    her_id INTEGER NOT NULL UNIQUE CHECK (her_id > 0),
    name TEXT NOT NULL,
    info TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
);

CREATE TABLE location (
    id INTEGER PRIMARY KEY,
    clinic_id INTEGER NOT NULL REFERENCES clinic (id),
    address TEXT NOT NULL,
    UNIQUE (clinic_id, address)
);

CREATE TABLE timebook (
    id INTEGER PRIMARY KEY,
    clinic_id INTEGER NOT NULL REFERENCES clinic (id),
    kind TEXT NOT NULL,
    min_notice_minutes INTEGER NOT NULL,
    horizon_days INTEGER NOT NULL,
    cancel_deadline_minutes INTEGER NOT NULL,
    max_future_appointments INTEGER NOT NULL,
    UNIQUE (clinic_id, kind)
);

CREATE TABLE resource (
    id INTEGER PRIMARY KEY,
    clinic_id INTEGER NOT NULL REFERENCES clinic (id),
    timebook_id INTEGER NOT NULL REFERENCES timebook (id),
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    location_id INTEGER NOT NULL REFERENCES location (id),
    UNIQUE (timebook_id, name)
);

-- A person and the GP office whose list (fastlegeliste) they are on.
CREATE TABLE patient (
    national_id TEXT PRIMARY KEY,
    clinic_id INTEGER REFERENCES clinic (id),
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL
);
CREATE INDEX patient_by_clinic ON patient (clinic_id);

CREATE TABLE slot_template (
    id INTEGER PRIMARY KEY,
    clinic_id INTEGER NOT NULL REFERENCES clinic (id),
    timebook_id INTEGER NOT NULL REFERENCES timebook (id),
    resource_id INTEGER NOT NULL REFERENCES resource (id),
    weekdays INTEGER NOT NULL,
    from_minute INTEGER NOT NULL,
    to_minute INTEGER NOT NULL,
    length_minutes INTEGER NOT NULL,
    capacity INTEGER NOT NULL,
    first_day TEXT NOT NULL,
    last_day TEXT NOT NULL,
    published BOOLEAN NOT NULL DEFAULT FALSE,
    UNIQUE (resource_id, weekdays, from_minute, to_minute, length_minutes, capacity, first_day, last_day)
);

CREATE TABLE slot (
    id INTEGER PRIMARY KEY,
    clinic_id INTEGER NOT NULL REFERENCES clinic (id),
    timebook_id INTEGER NOT NULL REFERENCES timebook (id),
    resource_id INTEGER NOT NULL REFERENCES resource (id),
    template_id INTEGER REFERENCES slot_template (id),
    starts_at INTEGER NOT NULL,
    length_minutes INTEGER NOT NULL CHECK (length_minutes > 0),
    capacity INTEGER NOT NULL CHECK (capacity > 0),
    booked INTEGER NOT NULL DEFAULT 0,
    published BOOLEAN NOT NULL DEFAULT FALSE,
    -- The last line of defence against double booking.
    CHECK (booked >= 0 AND booked <= capacity),
    UNIQUE (resource_id, starts_at)
);
CREATE INDEX slot_by_timebook_start ON slot (timebook_id, starts_at);
CREATE INDEX slot_by_template ON slot (template_id);

CREATE TABLE slot_hold (
    id INTEGER PRIMARY KEY,
    clinic_id INTEGER NOT NULL REFERENCES clinic (id),
    timebook_id INTEGER NOT NULL REFERENCES timebook (id),
    slot_id INTEGER NOT NULL REFERENCES slot (id),
    national_id TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    UNIQUE (slot_id, national_id)
);
CREATE INDEX slot_hold_by_patient ON slot_hold (national_id, timebook_id);

CREATE TABLE appointment (
    id INTEGER PRIMARY KEY,
    clinic_id INTEGER NOT NULL REFERENCES clinic (id),
    timebook_id INTEGER NOT NULL REFERENCES timebook (id),
    slot_id INTEGER NOT NULL REFERENCES slot (id),
    national_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    status TEXT NOT NULL,
    starts_at INTEGER NOT NULL,
    booked_at INTEGER NOT NULL,
    cancelled_at INTEGER,
    cancel_reason TEXT
);
-- Patient first: the free-slot query looks up one patient's bookings slot by slot.
CREATE UNIQUE INDEX appointment_once_per_patient_and_slot
    ON appointment (national_id, slot_id) WHERE status = 'booked';
CREATE INDEX appointment_by_slot ON appointment (slot_id);
CREATE INDEX appointment_by_clinic_start ON appointment (clinic_id, starts_at);

CREATE TABLE block (
    clinic_id INTEGER NOT NULL REFERENCES clinic (id),
    national_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    blocked_at INTEGER NOT NULL,
    PRIMARY KEY (clinic_id, national_id)
);

-- Notification jobs, written in the transaction of the change that causes them.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    clinic_id INTEGER NOT NULL REFERENCES clinic (id),
    kind TEXT NOT NULL,
    appointment_id INTEGER NOT NULL REFERENCES appointment (id),
    created_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    sent_at INTEGER,
    failed_at INTEGER,
    last_error TEXT
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;

CREATE TABLE audit_event (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_id TEXT NOT NULL,
    action TEXT NOT NULL,
    clinic_id INTEGER,
    national_id TEXT,
    subject TEXT NOT NULL
);
CREATE INDEX audit_event_by_patient ON audit_event (national_id, at);

CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
BEGIN
    SELECT RAISE(ABORT, 'audit_event is append-only');
END;

CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
BEGIN
    SELECT RAISE(ABORT, 'audit_event is append-only');
END;
