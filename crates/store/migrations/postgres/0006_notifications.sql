-- How each patient wants to be notified. No row: nothing chosen, nowhere to send.
CREATE TABLE contact_settings (
    national_id TEXT PRIMARY KEY,
    channel TEXT,
    mobile TEXT,
    email TEXT,
    language TEXT NOT NULL DEFAULT 'nb',
    updated_at BIGINT NOT NULL
);

-- One row per browser (device) a patient has switched push on in.
CREATE TABLE push_subscription (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    national_id TEXT NOT NULL,
    endpoint TEXT NOT NULL UNIQUE,
    p256dh TEXT NOT NULL,
    auth TEXT NOT NULL,
    device TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE INDEX push_subscription_by_patient ON push_subscription (national_id);

-- A worker claims a job by setting a lease; a job whose worker died is claimable again when
-- the lease runs out. claim_token makes sure only the claiming worker records the outcome.
ALTER TABLE outbox ADD COLUMN claimed_until BIGINT;
ALTER TABLE outbox ADD COLUMN claim_token TEXT;
-- The channel the notice went out on, and why nothing was sent when nothing was.
ALTER TABLE outbox ADD COLUMN channel TEXT;
ALTER TABLE outbox ADD COLUMN skipped TEXT;
CREATE UNIQUE INDEX outbox_one_reminder ON outbox (appointment_id) WHERE kind = 'appointment.reminder';
CREATE INDEX outbox_failed ON outbox (failed_at) WHERE failed_at IS NOT NULL;
