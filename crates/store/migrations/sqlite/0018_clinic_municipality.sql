-- The municipality the register keeps for a clinic, as «3201 Bærum»: slot finders filter
-- places by municipality and county.
ALTER TABLE clinic ADD COLUMN municipality TEXT;
