-- Instants are whole seconds since the Unix epoch, UTC; local dates are ISO text.
-- The same tables and columns as migrations/sqlite, so that the queries are shared.

CREATE TABLE clinic (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    her_id BIGINT NOT NULL UNIQUE CHECK (her_id > 0),
    name TEXT NOT NULL,
    info TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);

CREATE TABLE location (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    clinic_id BIGINT NOT NULL REFERENCES clinic (id),
    address TEXT NOT NULL,
    UNIQUE (clinic_id, address)
);

CREATE TABLE timebook (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    clinic_id BIGINT NOT NULL REFERENCES clinic (id),
    kind TEXT NOT NULL,
    min_notice_minutes BIGINT NOT NULL,
    horizon_days BIGINT NOT NULL,
    cancel_deadline_minutes BIGINT NOT NULL,
    max_future_appointments BIGINT NOT NULL,
    UNIQUE (clinic_id, kind)
);

CREATE TABLE resource (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    clinic_id BIGINT NOT NULL REFERENCES clinic (id),
    timebook_id BIGINT NOT NULL REFERENCES timebook (id),
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    location_id BIGINT NOT NULL REFERENCES location (id),
    UNIQUE (timebook_id, name)
);

-- A person and the GP office whose list (fastlegeliste) they are on.
CREATE TABLE patient (
    national_id TEXT PRIMARY KEY,
    clinic_id BIGINT REFERENCES clinic (id),
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL
);
CREATE INDEX patient_by_clinic ON patient (clinic_id);

CREATE TABLE slot_template (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    clinic_id BIGINT NOT NULL REFERENCES clinic (id),
    timebook_id BIGINT NOT NULL REFERENCES timebook (id),
    resource_id BIGINT NOT NULL REFERENCES resource (id),
    weekdays BIGINT NOT NULL,
    from_minute BIGINT NOT NULL,
    to_minute BIGINT NOT NULL,
    length_minutes BIGINT NOT NULL,
    capacity BIGINT NOT NULL,
    first_day TEXT NOT NULL,
    last_day TEXT NOT NULL,
    published BOOLEAN NOT NULL DEFAULT FALSE,
    UNIQUE (resource_id, weekdays, from_minute, to_minute, length_minutes, capacity, first_day, last_day)
);

CREATE TABLE slot (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    clinic_id BIGINT NOT NULL REFERENCES clinic (id),
    timebook_id BIGINT NOT NULL REFERENCES timebook (id),
    resource_id BIGINT NOT NULL REFERENCES resource (id),
    template_id BIGINT REFERENCES slot_template (id),
    starts_at BIGINT NOT NULL,
    length_minutes BIGINT NOT NULL CHECK (length_minutes > 0),
    capacity BIGINT NOT NULL CHECK (capacity > 0),
    booked BIGINT NOT NULL DEFAULT 0,
    published BOOLEAN NOT NULL DEFAULT FALSE,
    -- The last line of defence against double booking.
    CHECK (booked >= 0 AND booked <= capacity),
    UNIQUE (resource_id, starts_at)
);
CREATE INDEX slot_by_timebook_start ON slot (timebook_id, starts_at);
CREATE INDEX slot_by_template ON slot (template_id);

CREATE TABLE slot_hold (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    clinic_id BIGINT NOT NULL REFERENCES clinic (id),
    timebook_id BIGINT NOT NULL REFERENCES timebook (id),
    slot_id BIGINT NOT NULL REFERENCES slot (id),
    national_id TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    UNIQUE (slot_id, national_id)
);
CREATE INDEX slot_hold_by_patient ON slot_hold (national_id, timebook_id);

CREATE TABLE appointment (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    clinic_id BIGINT NOT NULL REFERENCES clinic (id),
    timebook_id BIGINT NOT NULL REFERENCES timebook (id),
    slot_id BIGINT NOT NULL REFERENCES slot (id),
    national_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    status TEXT NOT NULL,
    starts_at BIGINT NOT NULL,
    booked_at BIGINT NOT NULL,
    cancelled_at BIGINT,
    cancel_reason TEXT
);
-- Patient first: the free-slot query looks up one patient's bookings slot by slot.
CREATE UNIQUE INDEX appointment_once_per_patient_and_slot
    ON appointment (national_id, slot_id) WHERE status = 'booked';
CREATE INDEX appointment_by_slot ON appointment (slot_id);
CREATE INDEX appointment_by_clinic_start ON appointment (clinic_id, starts_at);

CREATE TABLE block (
    clinic_id BIGINT NOT NULL REFERENCES clinic (id),
    national_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    blocked_at BIGINT NOT NULL,
    PRIMARY KEY (clinic_id, national_id)
);

-- Notification jobs, written in the transaction of the change that causes them.
CREATE TABLE outbox (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    clinic_id BIGINT NOT NULL REFERENCES clinic (id),
    kind TEXT NOT NULL,
    appointment_id BIGINT NOT NULL REFERENCES appointment (id),
    created_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    sent_at BIGINT,
    failed_at BIGINT,
    last_error TEXT
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;

CREATE TABLE audit_event (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at BIGINT NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_id TEXT NOT NULL,
    action TEXT NOT NULL,
    clinic_id BIGINT,
    national_id TEXT,
    subject TEXT NOT NULL
);
CREATE INDEX audit_event_by_patient ON audit_event (national_id, at);

CREATE FUNCTION audit_event_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_event is append-only';
END;
$$;

CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event
    FOR EACH ROW EXECUTE FUNCTION audit_event_is_append_only();

-- ReserverAvtale in one round trip (see PostgresStore::reserve_slot; SQLite does the same steps
-- as separate statements, and the contract suite holds both to the same behaviour).
-- In PL/pgSQL each statement reads a fresh snapshot, so the checks that follow the patient's
-- lock see every booking that committed before it. Every refusal comes before the first write,
-- so a refused booking changes nothing.
CREATE FUNCTION timebok_reserve(
    p_slot BIGINT,
    p_patient TEXT,
    p_reason TEXT,
    p_hold BIGINT,
    p_now BIGINT,
    p_job_kind TEXT,
    p_actor_kind TEXT,
    p_action TEXT
) RETURNS TABLE (o_outcome TEXT, o_appointment BIGINT)
LANGUAGE plpgsql AS $$
DECLARE
    v_patient_clinic BIGINT;
    v_slot slot%ROWTYPE;
    v_rules timebook%ROWTYPE;
    v_id BIGINT;
BEGIN
    -- Lock order as everywhere: patient, then slot.
    SELECT p.clinic_id INTO v_patient_clinic FROM patient p WHERE p.national_id = p_patient FOR UPDATE;
    SELECT * INTO v_slot FROM slot s WHERE s.id = p_slot FOR UPDATE;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'not_found', NULL::BIGINT; RETURN;
    END IF;
    SELECT * INTO v_rules FROM timebook t WHERE t.id = v_slot.timebook_id;
    IF EXISTS (SELECT 1 FROM block b WHERE b.clinic_id = v_slot.clinic_id AND b.national_id = p_patient) THEN
        RETURN QUERY SELECT 'blocked', NULL::BIGINT; RETURN;
    END IF;
    IF v_patient_clinic IS DISTINCT FROM v_slot.clinic_id THEN
        RETURN QUERY SELECT 'not_on_list', NULL::BIGINT; RETURN;
    END IF;
    IF NOT v_slot.published THEN
        RETURN QUERY SELECT 'taken', NULL::BIGINT; RETURN;
    END IF;
    -- The booking window as BookingRules::is_bookable computes it.
    IF v_slot.starts_at < p_now + v_rules.min_notice_minutes * 60
       OR v_slot.starts_at > p_now + v_rules.horizon_days * 86400 THEN
        RETURN QUERY SELECT 'outside_window', NULL::BIGINT; RETURN;
    END IF;
    IF EXISTS (SELECT 1 FROM appointment a WHERE a.national_id = p_patient AND a.slot_id = p_slot AND a.status = 'booked') THEN
        RETURN QUERY SELECT 'already_booked', NULL::BIGINT; RETURN;
    END IF;
    IF (SELECT COUNT(*) FROM appointment a
        WHERE a.national_id = p_patient AND a.timebook_id = v_slot.timebook_id
          AND a.status = 'booked' AND a.starts_at > p_now) >= v_rules.max_future_appointments THEN
        RETURN QUERY SELECT 'over_limit', NULL::BIGINT; RETURN;
    END IF;
    IF p_hold IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM slot_hold h
        WHERE h.id = p_hold AND h.slot_id = p_slot AND h.national_id = p_patient AND h.expires_at > p_now) THEN
        RETURN QUERY SELECT 'hold_lost', NULL::BIGINT; RETURN;
    END IF;
    -- The conditional update that makes double booking impossible.
    UPDATE slot SET booked = booked + 1
    WHERE id = p_slot
      AND booked + (SELECT COUNT(*) FROM slot_hold h
                    WHERE h.slot_id = p_slot AND h.expires_at > p_now AND h.national_id <> p_patient) < capacity;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'taken', NULL::BIGINT; RETURN;
    END IF;
    DELETE FROM slot_hold h WHERE h.slot_id = p_slot AND h.national_id = p_patient;
    INSERT INTO appointment (clinic_id, timebook_id, slot_id, national_id, reason, status, starts_at, booked_at)
    VALUES (v_slot.clinic_id, v_slot.timebook_id, p_slot, p_patient, p_reason, 'booked', v_slot.starts_at, p_now)
    RETURNING id INTO v_id;
    INSERT INTO outbox (clinic_id, kind, appointment_id, created_at, next_attempt_at)
    VALUES (v_slot.clinic_id, p_job_kind, v_id, p_now, p_now);
    INSERT INTO audit_event (at, actor_kind, actor_id, action, clinic_id, national_id, subject)
    VALUES (p_now, p_actor_kind, p_patient, p_action, v_slot.clinic_id, p_patient, 'appointment:' || v_id);
    RETURN QUERY SELECT 'booked', v_id;
END;
$$;
