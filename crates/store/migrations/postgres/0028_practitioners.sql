-- Fastleger: a clinic's practitioners, and each one's list of patients (the fastlegeliste).
-- A patient is on a practitioner's list while they are also on that practitioner's clinic's
-- list (patient.clinic_id): moved to another clinic's list, they are on no list of the old
-- clinic's practitioners, without a write here. The clinic's list is the union of its
-- practitioners' lists and the patients listed to the clinic as a whole.
CREATE TABLE practitioner (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    clinic_id BIGINT NOT NULL REFERENCES clinic (id),
    -- Helsepersonellregisteret's number; one GP may practise at two clinics.
    hpr_number BIGINT NOT NULL CHECK (hpr_number BETWEEN 1 AND 999999999),
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    UNIQUE (clinic_id, hpr_number)
);

-- A patient has one fastlege: listing them with another replaces the row.
CREATE TABLE practitioner_list (
    national_id TEXT PRIMARY KEY,
    practitioner_id BIGINT NOT NULL REFERENCES practitioner (id)
);
CREATE INDEX practitioner_list_by_practitioner ON practitioner_list (practitioner_id);
