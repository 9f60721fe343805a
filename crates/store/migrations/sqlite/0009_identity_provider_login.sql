-- Login through OpenID Connect. A login in progress is kept here, not in the process, so the
-- provider's answer may reach any Timebok process. Only a hash of its state is stored.
CREATE TABLE login_attempt (
    state_hash TEXT PRIMARY KEY,
    flow TEXT NOT NULL CHECK (flow IN ('patient', 'staff', 'operator')),
    pkce_verifier TEXT NOT NULL,
    nonce TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX login_attempt_by_expiry ON login_attempt (expires_at);

-- Who may log in as staff or operator, by the subject their identity provider gives them.
-- Staff belong to one clinic; the operator to none.
CREATE TABLE staff_access (
    flow TEXT NOT NULL CHECK (flow IN ('staff', 'operator')),
    subject TEXT NOT NULL,
    clinic_id INTEGER REFERENCES clinic (id),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (flow, subject),
    CHECK ((flow = 'staff') = (clinic_id IS NOT NULL))
);

-- The provider's ID token, sent back as the hint when the session ends at the provider.
ALTER TABLE session ADD COLUMN id_token TEXT;
ALTER TABLE staff_session ADD COLUMN id_token TEXT;
