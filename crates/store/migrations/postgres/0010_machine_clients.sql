-- Booking over the FHIR API, and the slot feed of SMART Scheduling Links.

-- Where patients call a clinic; slot finders show it with the clinic's places.
ALTER TABLE clinic ADD COLUMN phone TEXT;
-- A client's access token names its clinic by organisation number, on every request.
CREATE INDEX clinic_by_org_number ON clinic (org_number);

-- An appointment's version, for the ETag and If-Match of FHIR clients: every change adds one.
ALTER TABLE appointment ADD COLUMN version BIGINT NOT NULL DEFAULT 1;

-- When a slot last changed in a way a slot finder sees: created, published or unpublished, a
-- place booked or given back, its timebook's rules or service switched. Polling with _since
-- reads the slots changed after a time.
ALTER TABLE slot ADD COLUMN changed_at BIGINT NOT NULL DEFAULT 0;
CREATE INDEX slot_by_change ON slot (changed_at);

-- Slots the clinic deleted, so that a finder polling with _since learns that they are gone.
CREATE TABLE slot_tombstone (
    slot_id BIGINT NOT NULL,
    clinic_id BIGINT NOT NULL REFERENCES clinic (id),
    resource_id BIGINT NOT NULL REFERENCES resource (id),
    starts_at BIGINT NOT NULL,
    length_minutes BIGINT NOT NULL,
    deleted_at BIGINT NOT NULL
);
CREATE INDEX slot_tombstone_by_deletion ON slot_tombstone (deleted_at);

-- A client's Idempotency-Key, written in the booking's own transaction: a retry with the same
-- key and the same request gets the appointment the first try made, never a second one.
CREATE TABLE idempotency_key (
    client TEXT NOT NULL,
    idem_key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    appointment_id BIGINT NOT NULL REFERENCES appointment (id),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (client, idem_key)
);
CREATE INDEX idempotency_key_by_age ON idempotency_key (created_at);

-- ReserverAvtale again, now naming who books (the patient, or a client on their behalf), with
-- an optional Idempotency-Key, and stamping the slot's change. Outcomes as before, plus
-- 'replayed' (the key was used before for the same request: its appointment is returned) and
-- 'key_reused' (the key was used for another request).
DROP FUNCTION timebok_reserve(BIGINT, TEXT, TEXT, BIGINT, BIGINT, TEXT, TEXT, TEXT);

CREATE FUNCTION timebok_reserve(
    p_slot BIGINT,
    p_patient TEXT,
    p_reason TEXT,
    p_hold BIGINT,
    p_now BIGINT,
    p_job_kind TEXT,
    p_actor_kind TEXT,
    p_actor_id TEXT,
    p_action TEXT,
    p_client TEXT,
    p_idem_key TEXT,
    p_fingerprint TEXT
) RETURNS TABLE (o_outcome TEXT, o_appointment BIGINT)
LANGUAGE plpgsql AS $$
DECLARE
    v_patient_clinic BIGINT;
    v_slot slot%ROWTYPE;
    v_rules timebook%ROWTYPE;
    v_id BIGINT;
    v_earlier idempotency_key%ROWTYPE;
BEGIN
    -- Lock order as everywhere: patient, then slot.
    SELECT p.clinic_id INTO v_patient_clinic FROM patient p WHERE p.national_id = p_patient FOR UPDATE;
    -- After the patient's lock, so a retry racing its first try sees the first try's key.
    IF p_idem_key IS NOT NULL THEN
        SELECT * INTO v_earlier FROM idempotency_key k WHERE k.client = p_client AND k.idem_key = p_idem_key;
        IF FOUND THEN
            IF v_earlier.fingerprint = p_fingerprint THEN
                RETURN QUERY SELECT 'replayed', v_earlier.appointment_id; RETURN;
            END IF;
            RETURN QUERY SELECT 'key_reused', NULL::BIGINT; RETURN;
        END IF;
    END IF;
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
    UPDATE slot SET booked = booked + 1, changed_at = p_now
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
    VALUES (p_now, p_actor_kind, p_actor_id, p_action, v_slot.clinic_id, p_patient, 'appointment:' || v_id);
    IF p_idem_key IS NOT NULL THEN
        -- Keys are kept a day (store::IDEMPOTENCY_KEY_SECONDS); older ones go here.
        DELETE FROM idempotency_key k WHERE k.created_at < p_now - 86400;
        INSERT INTO idempotency_key (client, idem_key, fingerprint, appointment_id, created_at)
        VALUES (p_client, p_idem_key, p_fingerprint, v_id, p_now);
    END IF;
    RETURN QUERY SELECT 'booked', v_id;
END;
$$;
