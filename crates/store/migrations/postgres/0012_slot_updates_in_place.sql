-- A booking or cancellation changes a slot's `booked` and `changed_at`. An index on
-- `changed_at` made every such update write a new entry into each of the slot's indexes; no
-- query can use it (the feed's "changed since" also takes slots that came into or left the
-- booking window, which depends on the timebook), so it goes, and the update can stay in place
-- (HOT). Free room on each page gives such updates a place to go.
DROP INDEX IF EXISTS slot_by_change;
ALTER TABLE slot SET (fillfactor = 85);
