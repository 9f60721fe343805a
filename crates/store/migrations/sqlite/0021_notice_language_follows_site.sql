-- Whether the patient picked the notices' language on «Varslingsinnstillinger». Until they
-- have, `language` follows the site language they last used (written at login and when they
-- switch), because the worker sends later, without a browser to ask.
-- Rows already here were saved from that form, whose language was the patient's to change,
-- so their language counts as chosen.
ALTER TABLE contact_settings ADD COLUMN language_chosen BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE contact_settings SET language_chosen = TRUE;
