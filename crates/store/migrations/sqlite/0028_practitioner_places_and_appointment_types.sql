-- «Konsultasjon med fastlegen»: the places of that timebook are the clinic's GPs, one place
-- each, and only the patients on a GP's list book at theirs (`rules::their_practitioner`).
ALTER TABLE resource ADD COLUMN practitioner_id INTEGER REFERENCES practitioner (id);
CREATE UNIQUE INDEX resource_one_per_practitioner ON resource (timebook_id, practitioner_id)
    WHERE practitioner_id IS NOT NULL;

-- A timebook's types of appointment; a type is booked into slots of its own length.
CREATE TABLE appointment_type (
    id INTEGER PRIMARY KEY,
    clinic_id INTEGER NOT NULL REFERENCES clinic (id),
    timebook_id INTEGER NOT NULL REFERENCES timebook (id),
    name TEXT NOT NULL,
    length_minutes INTEGER NOT NULL CHECK (length_minutes BETWEEN 1 AND 480),
    attendance TEXT NOT NULL CHECK (attendance IN ('in_person', 'telephone')),
    UNIQUE (timebook_id, name)
);

-- The type the appointment was booked as; none in a timebook without types.
ALTER TABLE appointment ADD COLUMN appointment_type_id INTEGER REFERENCES appointment_type (id);
