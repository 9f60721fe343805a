-- The booking core's programs (hold, book, move, cancel) are installed at every migration as
-- functions compiled from the one definition of the rules in the code, each named by a digest
-- of its text. The hand-written function they replace goes.
DROP FUNCTION IF EXISTS timebok_reserve(BIGINT, TEXT, TEXT, BIGINT, BIGINT, TEXT, TEXT, TEXT, TEXT, TEXT, TEXT, TEXT);
