-- Who may act for whom: parents for their children, adults for those who gave them fullmakt.
-- The register keeps its rows (CSV import and a page); an identity provider's claims are kept
-- with source 'idp' and replaced at each of the representative's logins. A relation is valid
-- until `valid_until` (a parent's ends at the child's 16th birthday); the booking core checks
-- it in every transaction a representative starts.
CREATE TABLE representation (
    representative TEXT NOT NULL,
    person TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('parent', 'fullmakt')),
    source TEXT NOT NULL CHECK (source IN ('register', 'idp')),
    valid_until INTEGER,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (representative, person, source),
    CHECK (representative <> person)
);
CREATE INDEX representation_by_person ON representation (person);

-- Whom a patient's session acts for; NULL is themself.
ALTER TABLE session ADD COLUMN acting_for TEXT;
-- The representative who booked or last moved an appointment for its patient: its notices go
-- to them (and, for a fullmakt, to the patient too).
ALTER TABLE appointment ADD COLUMN representative TEXT;
-- Whom a notice goes to when that is not the patient it is about.
ALTER TABLE outbox ADD COLUMN recipient TEXT;
