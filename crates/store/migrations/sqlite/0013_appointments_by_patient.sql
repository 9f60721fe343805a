-- A patient's pages («Timeavtaler», the receipt, the calendar file) and a machine client's
-- search read the patient's appointments of every status, in time order. Without this index
-- they scanned every clinic's appointments, so each patient page grew slower with the
-- national number of bookings.
CREATE INDEX appointment_by_patient_start ON appointment (national_id, starts_at);
