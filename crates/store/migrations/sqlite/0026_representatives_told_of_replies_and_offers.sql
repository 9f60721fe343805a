-- The representative who last wrote in a thread for its patient, and who put the patient on a
-- waitlist: the clinic's replies and the waitlist's offers go to them as a booking's notices
-- do (appointment.representative), while their relation to the patient stands.
ALTER TABLE thread ADD COLUMN representative TEXT;
ALTER TABLE waitlist_entry ADD COLUMN representative TEXT;
