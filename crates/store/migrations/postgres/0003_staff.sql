-- Staff and operator login sessions; only a hash of the cookie's token is stored.
-- clinic_id is the clinic a staff member works for; NULL for the operator.
CREATE TABLE staff_session (
    token_hash TEXT PRIMARY KEY,
    role TEXT NOT NULL CHECK (role IN ('staff', 'operator')),
    user_name TEXT NOT NULL,
    clinic_id BIGINT REFERENCES clinic (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX staff_session_by_expiry ON staff_session (expires_at);
