-- Rate limits' counts, where every process sees them: one row per limited key (a hash, never a
-- fødselsnummer or an address in the clear) and fixed window.
CREATE TABLE rate_count (
    key TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    hits BIGINT NOT NULL,
    PRIMARY KEY (key, window_start)
);
CREATE INDEX rate_count_by_window ON rate_count (window_start);
