//! Rate limits' counts kept in the database, so that several processes on one database count
//! together: a client does not get each limit once per process.

use crate::db::{Database, Dialect, Executor, q};
use crate::{Result, SqlStore};
use async_trait::async_trait;

/// Windows older than this are deleted, at most once a minute per process.
const KEEP_SECONDS: i64 = 24 * 3600;

/// A count in a fixed window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hits {
    /// Requests in this window, this one included.
    pub hits: u64,
    /// Seconds until the window ends.
    pub window_left: u64,
}

#[async_trait]
pub trait RateCounts: Send + Sync {
    /// Whether counts belong in the database. On PostgreSQL they do; SQLite's processes share
    /// one writer, which a count on every request would queue behind, so they count in memory.
    fn counts_are_shared(&self) -> bool;
    /// Counts one request of `key` in the current window of `window_seconds`.
    async fn count_hit(&self, key: &str, window_seconds: u64) -> Result<Hits>;
}

static SWEEP: crate::db::sweeps::Sweep = crate::db::sweeps::Sweep::new();

#[async_trait]
impl<D: Database> RateCounts for SqlStore<D> {
    fn counts_are_shared(&self) -> bool {
        self.db.dialect() == Dialect::Postgres
    }

    async fn count_hit(&self, key: &str, window_seconds: u64) -> Result<Hits> {
        let now = self.now().as_second();
        let window = i64::try_from(window_seconds.max(1)).unwrap_or(i64::MAX);
        let start = now - now.rem_euclid(window);
        let (hits,): (i64,) = self
            .db
            .pool()
            .fetch_one(
                q(
                    "INSERT INTO rate_count (key, window_start, hits) VALUES ($1, $2, 1) \
                   ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_count.hits + 1 \
                   RETURNING hits",
                )
                .bind(key)
                .bind(start),
            )
            .await?;
        if SWEEP.due(now) {
            self.db
                .pool()
                .execute(
                    q("DELETE FROM rate_count WHERE window_start < $1").bind(now - KEEP_SECONDS),
                )
                .await?;
        }
        Ok(Hits {
            hits: u64::try_from(hits).unwrap_or(0),
            window_left: u64::try_from(start + window - now).unwrap_or(0),
        })
    }
}
