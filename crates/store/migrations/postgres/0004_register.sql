-- Which timebook kinds each clinic has switched on in the register (Adresseregisteret).
-- A kind without a row is on.
CREATE TABLE clinic_service (
    clinic_id BIGINT NOT NULL REFERENCES clinic (id),
    kind TEXT NOT NULL,
    enabled BOOLEAN NOT NULL,
    PRIMARY KEY (clinic_id, kind)
);
