//! The embedded default: one SQLite file in WAL mode.

use crate::db::sqlite::SqliteDb;
use crate::{Clock, Result, SqlStore, StoreSettings};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// The embedded store.
pub type SqliteStore = SqlStore<SqliteDb>;

impl SqliteStore {
    /// Opens (and creates, if missing) the database file a `sqlite://` URL names.
    pub async fn connect(
        url: &str,
        settings: StoreSettings,
        clock: Arc<dyn Clock>,
    ) -> Result<Self> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            // Writers queue behind each other's BEGIN IMMEDIATE instead of failing.
            .busy_timeout(Duration::from_secs(30));
        let pool_options = SqlitePoolOptions::new()
            .max_connections(settings.max_connections.max(1))
            .test_before_acquire(false)
            // Long waits are counted and logged once a minute instead (`db::waits`).
            .acquire_slow_level(log::LevelFilter::Off);
        // Switching a new file to WAL needs a moment alone with it, and SQLite does not wait
        // for that; processes opening the same new file together take turns here instead.
        let mut attempt = 0u64;
        let pool = loop {
            match pool_options.clone().connect_with(options.clone()).await {
                Err(sqlx::Error::Database(error))
                    if error.code().as_deref() == Some("5") && attempt < 20 =>
                {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(25 * attempt)).await;
                }
                outcome => break outcome?,
            }
        };
        Self::new(
            SqliteDb {
                pool,
                waits: crate::db::waits::ConnectionWaits::default(),
            },
            settings,
            clock,
        )
    }
}
