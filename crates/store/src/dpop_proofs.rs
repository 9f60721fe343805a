//! DPoP proofs seen, kept in the database so that a proof replayed to another process on the
//! same database is refused there too (RFC 9449, section 11.1).

use crate::db::{Database, Executor, q};
use crate::{Result, SqlStore};
use async_trait::async_trait;

#[async_trait]
pub trait DpopProofs: Send + Sync {
    /// Records the proof named by `key` (a hash of its key's thumbprint and its `jti`) as used
    /// until `until`. `false` when it was used before and is still recorded: a replay.
    async fn first_use_of_proof(&self, key: &str, until: jiff::Timestamp) -> Result<bool>;
}

static SWEEP: crate::db::sweeps::Sweep = crate::db::sweeps::Sweep::new();

#[async_trait]
impl<D: Database> DpopProofs for SqlStore<D> {
    async fn first_use_of_proof(&self, key: &str, until: jiff::Timestamp) -> Result<bool> {
        let now = self.now().as_second();
        // A row whose time has passed but is not yet swept is taken over; a live one is not.
        let recorded: Option<(String,)> = self
            .db
            .pool()
            .fetch_optional(
                q("INSERT INTO dpop_proof (key, expires_at) VALUES ($1, $2) \
                   ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at \
                   WHERE dpop_proof.expires_at < $3 \
                   RETURNING key")
                .bind(key)
                .bind(until.as_second())
                .bind(now),
            )
            .await?;
        if SWEEP.due(now) {
            self.db
                .pool()
                .execute(q("DELETE FROM dpop_proof WHERE expires_at < $1").bind(now))
                .await?;
        }
        Ok(recorded.is_some())
    }
}
