-- Innkalling: the office asks a patient to book a timebook. While the invitation is open
-- (not answered by a booking, not expired) it lifts the timebook's per-patient limit for
-- slots starting in [opens_at, expires_at]; nothing else (see booking/rules.rs).
CREATE TABLE invitation (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    clinic_id BIGINT NOT NULL REFERENCES clinic (id),
    timebook_id BIGINT NOT NULL REFERENCES timebook (id),
    national_id TEXT NOT NULL,
    -- The office's own words to the patient, up to 300 characters; NULL for none.
    message TEXT,
    opens_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    sent_at BIGINT NOT NULL,
    -- The staff member who sent it, as the audit log names them.
    sent_by TEXT NOT NULL,
    reminded_at BIGINT,
    booked_appointment_id BIGINT REFERENCES appointment (id),
    CHECK (opens_at < expires_at)
);
-- The rule's lookup: a patient's invitations to one timebook.
CREATE INDEX invitation_by_patient ON invitation (timebook_id, national_id);
CREATE INDEX invitation_by_clinic ON invitation (clinic_id, timebook_id, sent_at);

-- A notification job is about exactly one of an appointment, a thread or an invitation.
ALTER TABLE outbox ADD COLUMN invitation_id BIGINT REFERENCES invitation (id);
ALTER TABLE outbox DROP CONSTRAINT outbox_about_one;
ALTER TABLE outbox ADD CONSTRAINT outbox_about_one CHECK (
    (appointment_id IS NOT NULL)::int + (thread_id IS NOT NULL)::int
      + (invitation_id IS NOT NULL)::int = 1
);
