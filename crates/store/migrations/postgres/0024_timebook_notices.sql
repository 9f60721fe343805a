-- Each timebook sets its own notices: whether a confirmation goes out right after a booking,
-- and reminders at chosen times before the appointment (until now one global
-- `[notify] reminder_hours`, 24 by default).
ALTER TABLE timebook ADD COLUMN confirm_booking BOOLEAN NOT NULL DEFAULT TRUE;

-- A timebook's reminders, minutes before the start. `added_at` is when the office chose this
-- one: a reminder whose moment had passed by then is not sent late. The reminders every
-- timebook had already count as chosen from the start (0), as the global setting was.
CREATE TABLE timebook_reminder (
    timebook_id BIGINT NOT NULL REFERENCES timebook (id),
    clinic_id BIGINT NOT NULL REFERENCES clinic (id),
    minutes_before BIGINT NOT NULL CHECK (minutes_before BETWEEN 15 AND 20160),
    added_at BIGINT NOT NULL,
    PRIMARY KEY (timebook_id, minutes_before)
);
INSERT INTO timebook_reminder (timebook_id, clinic_id, minutes_before, added_at)
SELECT id, clinic_id, 1440, 0 FROM timebook;

-- Up to when the worker has written due reminders: each round looks only at reminders whose
-- moment came after this (less a margin), not at every appointment ahead. 0 at first, so the
-- first round writes every reminder that is due, as the worker before did.
CREATE TABLE reminder_schedule (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    scheduled_until BIGINT NOT NULL
);
INSERT INTO reminder_schedule (id, scheduled_until) VALUES (1, 0);

-- A reminder is recorded per appointment, offset, the start it was for and whom it goes to (the
-- patient, or the representative who booked for them), so each offset is sent once to each,
-- and a moved appointment is reminded again for its new time.
ALTER TABLE outbox ADD COLUMN reminder_minutes BIGINT;
ALTER TABLE outbox ADD COLUMN reminder_for BIGINT;
-- The reminders written before were the one reminder of their appointment's start.
UPDATE outbox SET reminder_minutes = 1440,
    reminder_for = (SELECT a.starts_at FROM appointment a WHERE a.id = outbox.appointment_id)
WHERE kind = 'appointment.reminder';
DROP INDEX outbox_one_reminder;
CREATE UNIQUE INDEX outbox_one_reminder_per_offset
    ON outbox (appointment_id, reminder_minutes, reminder_for, COALESCE(recipient, ''))
    WHERE kind = 'appointment.reminder';

-- The worker's look for due reminders: a timebook's booked appointments by start.
CREATE INDEX appointment_booked_by_timebook_start ON appointment (timebook_id, starts_at)
    WHERE status = 'booked';
