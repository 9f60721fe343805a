-- The clinic's organisation number, kept by the operator in the register.
ALTER TABLE clinic ADD COLUMN org_number TEXT;
