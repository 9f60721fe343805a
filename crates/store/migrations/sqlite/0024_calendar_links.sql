-- A patient's calendar link: a secret address their calendar app fetches their appointments
-- from (`/kalender/<token>.ics`). Only a hash of the token is kept, as for sessions, so the
-- table cannot be used to read anyone's calendar. One link per patient: a new one replaces
-- the old, and switching it off deletes the row. `language` is the one the patient used the
-- site in when the link was made; the calendar's texts are in it.
CREATE TABLE calendar_link (
    national_id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    language TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
