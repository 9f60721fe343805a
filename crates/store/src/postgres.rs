//! The production engine: any number of `timebok serve` processes on one PostgreSQL.

use crate::db::postgres::PgDb;
use crate::{Clock, Result, SqlStore, StoreSettings};
use sqlx::postgres::PgPoolOptions;
use std::sync::Arc;
use std::time::Duration;

/// The store on PostgreSQL.
pub type PostgresStore = SqlStore<PgDb>;

impl PostgresStore {
    pub async fn connect(
        url: &str,
        settings: StoreSettings,
        clock: Arc<dyn Clock>,
    ) -> Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(settings.max_connections.max(1))
            .acquire_timeout(Duration::from_secs(30))
            // A ping before every checkout would add a round trip to every booking; a broken
            // connection instead fails its first statement and the pool replaces it.
            .test_before_acquire(false)
            // Long waits are counted and logged once a minute instead (`db::waits`).
            .acquire_slow_level(log::LevelFilter::Off)
            .connect(url)
            .await?;
        Self::new(
            PgDb {
                pool,
                waits: crate::db::waits::ConnectionWaits::default(),
            },
            settings,
            clock,
        )
    }
}
