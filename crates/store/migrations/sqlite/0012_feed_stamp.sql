-- The slot finders' feed is served from a copy kept per change stamp, and a poll that has the
-- copy already is answered from the stamp alone. Every write to a row the feed is made from
-- adds one to the stamp in the same transaction. SQLite has one writer at a time, so one
-- counter costs no waiting; the table has PostgreSQL's shape, where there are several.
CREATE TABLE feed_stamp (
    shard INTEGER PRIMARY KEY,
    changes INTEGER NOT NULL
);
INSERT INTO feed_stamp (shard, changes) VALUES (0, 0);

CREATE TRIGGER slot_inserted_feed AFTER INSERT ON slot
BEGIN UPDATE feed_stamp SET changes = changes + 1 WHERE shard = 0; END;
CREATE TRIGGER slot_updated_feed AFTER UPDATE ON slot
BEGIN UPDATE feed_stamp SET changes = changes + 1 WHERE shard = 0; END;
CREATE TRIGGER slot_deleted_feed AFTER DELETE ON slot
BEGIN UPDATE feed_stamp SET changes = changes + 1 WHERE shard = 0; END;
CREATE TRIGGER timebook_inserted_feed AFTER INSERT ON timebook
BEGIN UPDATE feed_stamp SET changes = changes + 1 WHERE shard = 0; END;
CREATE TRIGGER timebook_updated_feed AFTER UPDATE ON timebook
BEGIN UPDATE feed_stamp SET changes = changes + 1 WHERE shard = 0; END;
CREATE TRIGGER timebook_deleted_feed AFTER DELETE ON timebook
BEGIN UPDATE feed_stamp SET changes = changes + 1 WHERE shard = 0; END;
CREATE TRIGGER resource_inserted_feed AFTER INSERT ON resource
BEGIN UPDATE feed_stamp SET changes = changes + 1 WHERE shard = 0; END;
CREATE TRIGGER resource_updated_feed AFTER UPDATE ON resource
BEGIN UPDATE feed_stamp SET changes = changes + 1 WHERE shard = 0; END;
CREATE TRIGGER resource_deleted_feed AFTER DELETE ON resource
BEGIN UPDATE feed_stamp SET changes = changes + 1 WHERE shard = 0; END;
CREATE TRIGGER location_inserted_feed AFTER INSERT ON location
BEGIN UPDATE feed_stamp SET changes = changes + 1 WHERE shard = 0; END;
CREATE TRIGGER location_updated_feed AFTER UPDATE ON location
BEGIN UPDATE feed_stamp SET changes = changes + 1 WHERE shard = 0; END;
CREATE TRIGGER location_deleted_feed AFTER DELETE ON location
BEGIN UPDATE feed_stamp SET changes = changes + 1 WHERE shard = 0; END;
CREATE TRIGGER clinic_inserted_feed AFTER INSERT ON clinic
BEGIN UPDATE feed_stamp SET changes = changes + 1 WHERE shard = 0; END;
CREATE TRIGGER clinic_updated_feed AFTER UPDATE ON clinic
BEGIN UPDATE feed_stamp SET changes = changes + 1 WHERE shard = 0; END;
CREATE TRIGGER clinic_deleted_feed AFTER DELETE ON clinic
BEGIN UPDATE feed_stamp SET changes = changes + 1 WHERE shard = 0; END;
CREATE TRIGGER clinic_service_inserted_feed AFTER INSERT ON clinic_service
BEGIN UPDATE feed_stamp SET changes = changes + 1 WHERE shard = 0; END;
CREATE TRIGGER clinic_service_updated_feed AFTER UPDATE ON clinic_service
BEGIN UPDATE feed_stamp SET changes = changes + 1 WHERE shard = 0; END;
CREATE TRIGGER clinic_service_deleted_feed AFTER DELETE ON clinic_service
BEGIN UPDATE feed_stamp SET changes = changes + 1 WHERE shard = 0; END;
