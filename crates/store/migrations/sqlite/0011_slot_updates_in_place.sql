-- No query can use an index on a slot's `changed_at` (the feed's "changed since" also takes
-- slots that came into or left the booking window, which depends on the timebook); keeping it
-- cost every booking and cancellation one more index write.
DROP INDEX IF EXISTS slot_by_change;
