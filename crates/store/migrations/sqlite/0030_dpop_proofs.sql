-- DPoP proofs seen (RFC 9449): a proof's jti may be used once while its iat is in the window,
-- in every process on the database. The key is a hash of the client's key thumbprint and the
-- jti; a row is deleted once its window has passed.
CREATE TABLE dpop_proof (
    key TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL
);
CREATE INDEX dpop_proof_by_expiry ON dpop_proof (expires_at);
