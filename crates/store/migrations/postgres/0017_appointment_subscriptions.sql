-- A journal system learns of every appointment change without searching: by the change feed
-- (the Appointment search by _lastUpdated) and by FHIR Subscriptions, whose notifications go
-- through the outbox like the patients' notices.

-- When the appointment last changed (booked, moved, cancelled, marked fulfilled or no-show),
-- set by the booking core in the change's transaction. Earlier rows get the last change they
-- recorded.
ALTER TABLE appointment ADD COLUMN changed_at BIGINT NOT NULL DEFAULT 0;
UPDATE appointment SET changed_at = COALESCE(cancelled_at, booked_at);
CREATE INDEX appointment_by_clinic_change ON appointment (clinic_id, changed_at, id);

-- A client's rest-hook Subscription to the appointments of its clinic. `events` numbers the
-- notifications; `last_appointment` marks the rows a booking transaction numbered, so that it
-- writes a job for exactly those (one created meanwhile is numbered from its next event).
CREATE TABLE fhir_subscription (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    clinic_id BIGINT NOT NULL REFERENCES clinic (id),
    client TEXT NOT NULL,
    topic TEXT NOT NULL,
    reason TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    content TEXT NOT NULL,
    auth_header TEXT,
    status TEXT NOT NULL,
    error TEXT,
    events BIGINT NOT NULL DEFAULT 0,
    last_appointment BIGINT,
    created_at BIGINT NOT NULL,
    ended_at BIGINT
);
CREATE INDEX fhir_subscription_by_clinic ON fhir_subscription (clinic_id) WHERE status <> 'off';
CREATE INDEX fhir_subscription_by_client ON fhir_subscription (client, clinic_id);

-- A notification job for a subscriber instead of the patient, with its event number.
ALTER TABLE outbox ADD COLUMN subscription_id BIGINT REFERENCES fhir_subscription (id);
ALTER TABLE outbox ADD COLUMN event_number BIGINT;
-- The claim looks for an earlier unfinished job of the same subscriber and appointment.
CREATE INDEX outbox_hook_order ON outbox (subscription_id, appointment_id, id)
    WHERE subscription_id IS NOT NULL AND sent_at IS NULL AND failed_at IS NULL;
