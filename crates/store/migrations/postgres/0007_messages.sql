-- A conversation between a patient and their GP office. Closed threads take no more messages.
CREATE TABLE thread (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    clinic_id BIGINT NOT NULL REFERENCES clinic (id),
    national_id TEXT NOT NULL,
    subject TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_at BIGINT NOT NULL,
    closed_at BIGINT,
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
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    clinic_id BIGINT NOT NULL REFERENCES clinic (id),
    thread_id BIGINT NOT NULL REFERENCES thread (id),
    sender TEXT NOT NULL,
    staff_user TEXT,
    body TEXT NOT NULL,
    sent_at BIGINT NOT NULL,
    hidden_for_patient_at BIGINT
);
CREATE INDEX message_by_thread ON message (thread_id, id);

-- Notification jobs about a thread (a reply from the clinic) as well as about appointments.
ALTER TABLE outbox ALTER COLUMN appointment_id DROP NOT NULL;
ALTER TABLE outbox ADD COLUMN thread_id BIGINT REFERENCES thread (id);
ALTER TABLE outbox ADD CONSTRAINT outbox_about_one CHECK ((appointment_id IS NULL) <> (thread_id IS NULL));
