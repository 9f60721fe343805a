-- The slot finders' feed is served from a copy kept per change stamp, and a poll that has the
-- copy already is answered from the stamp alone. The stamp is the sum of these counters: every
-- transaction that writes a row the feed is made from adds one, at its commit. A later reading
-- of the sum sees every commit an earlier one saw, so an unchanged sum means nothing the feed
-- shows was committed in between.
--
-- One counter would make every booking wait, from its commit's start to its end, for the one
-- before it; a transaction adds to the counter of its connection, so bookings on different
-- connections seldom share one.
CREATE TABLE feed_stamp (
    shard INTEGER PRIMARY KEY,
    changes BIGINT NOT NULL
);
INSERT INTO feed_stamp (shard, changes) SELECT g, 0 FROM generate_series(0, 31) AS g;

-- Once per transaction, however many rows it writes: the first call marks the transaction.
CREATE FUNCTION feed_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('timebok.feed_changed', TRUE) IS DISTINCT FROM 'yes' THEN
        PERFORM set_config('timebok.feed_changed', 'yes', TRUE);
        UPDATE feed_stamp SET changes = changes + 1 WHERE shard = pg_backend_pid() % 32;
    END IF;
    RETURN NULL;
END
$$;

-- Deferred to the commit, so that the counter's row is locked only while the transaction
-- commits, after every other lock it takes.
CREATE CONSTRAINT TRIGGER slot_feed_changed AFTER INSERT OR UPDATE OR DELETE ON slot
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION feed_changed();
CREATE CONSTRAINT TRIGGER timebook_feed_changed AFTER INSERT OR UPDATE OR DELETE ON timebook
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION feed_changed();
CREATE CONSTRAINT TRIGGER resource_feed_changed AFTER INSERT OR UPDATE OR DELETE ON resource
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION feed_changed();
CREATE CONSTRAINT TRIGGER location_feed_changed AFTER INSERT OR UPDATE OR DELETE ON location
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION feed_changed();
CREATE CONSTRAINT TRIGGER clinic_feed_changed AFTER INSERT OR UPDATE OR DELETE ON clinic
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION feed_changed();
CREATE CONSTRAINT TRIGGER clinic_service_feed_changed
    AFTER INSERT OR UPDATE OR DELETE ON clinic_service
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION feed_changed();
