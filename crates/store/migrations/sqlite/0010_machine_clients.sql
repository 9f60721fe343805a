-- Booking over the FHIR API, and the slot feed of SMART Scheduling Links.

-- Where patients call a clinic; slot finders show it with the clinic's places.
ALTER TABLE clinic ADD COLUMN phone TEXT;
-- A client's access token names its clinic by organisation number, on every request.
CREATE INDEX clinic_by_org_number ON clinic (org_number);

-- An appointment's version, for the ETag and If-Match of FHIR clients: every change adds one.
ALTER TABLE appointment ADD COLUMN version INTEGER NOT NULL DEFAULT 1;

-- When a slot last changed in a way a slot finder sees: created, published or unpublished, a
-- place booked or given back, its timebook's rules or service switched. Polling with _since
-- reads the slots changed after a time.
ALTER TABLE slot ADD COLUMN changed_at INTEGER NOT NULL DEFAULT 0;
CREATE INDEX slot_by_change ON slot (changed_at);

-- Slots the clinic deleted, so that a finder polling with _since learns that they are gone.
CREATE TABLE slot_tombstone (
    slot_id INTEGER NOT NULL,
    clinic_id INTEGER NOT NULL REFERENCES clinic (id),
    resource_id INTEGER NOT NULL REFERENCES resource (id),
    starts_at INTEGER NOT NULL,
    length_minutes INTEGER NOT NULL,
    deleted_at INTEGER NOT NULL
);
CREATE INDEX slot_tombstone_by_deletion ON slot_tombstone (deleted_at);

-- A client's Idempotency-Key, written in the booking's own transaction: a retry with the same
-- key and the same request gets the appointment the first try made, never a second one.
CREATE TABLE idempotency_key (
    client TEXT NOT NULL,
    idem_key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    appointment_id INTEGER NOT NULL REFERENCES appointment (id),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (client, idem_key)
);
CREATE INDEX idempotency_key_by_age ON idempotency_key (created_at);
