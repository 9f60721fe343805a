-- A slot finder's `source` and `booking-referral` from the deep link the patient came by:
-- kept with the hold while the patient reviews, and with the booking it became, so that the
-- bookings each finder brought can be counted.
ALTER TABLE slot_hold ADD COLUMN referral_source TEXT;
ALTER TABLE slot_hold ADD COLUMN booking_referral TEXT;

CREATE TABLE booking_referral (
    appointment_id INTEGER PRIMARY KEY REFERENCES appointment (id),
    clinic_id INTEGER NOT NULL REFERENCES clinic (id),
    source TEXT,
    referral TEXT,
    booked_at INTEGER NOT NULL
);
CREATE INDEX booking_referral_by_source ON booking_referral (source, booked_at);
