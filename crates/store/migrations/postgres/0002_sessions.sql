-- Patients' login sessions. Only a hash of the cookie's token is stored.
CREATE TABLE session (
    token_hash TEXT PRIMARY KEY,
    national_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX session_by_expiry ON session (expires_at);
