//! The embedded default: one SQLite file in WAL mode.

use crate::{Clock, StoreSettings};
use jiff::tz::TimeZone;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Sqlite, Transaction};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

pub struct SqliteStore {
    pool: SqlitePool,
    clock: Arc<dyn Clock>,
    settings: StoreSettings,
    zone: TimeZone,
}

impl SqliteStore {
    const BACKEND: &'static str = "sqlite";

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
        let pool = SqlitePoolOptions::new()
            .max_connections(settings.max_connections.max(1))
            .connect_with(options)
            .await?;
        Ok(Self {
            pool,
            clock,
            settings,
            zone: domain::clinic_time_zone()?,
        })
    }

    async fn begin_write(&self) -> Result<Transaction<'static, Sqlite>> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// SQLite has no advisory lock, so two processes starting together may both try the same
    /// migration; the loser's transaction rolls back, and on the next try it finds the
    /// migration applied and moves on.
    async fn run_migrations(&self) -> Result<()> {
        let migrator = sqlx::migrate!("./migrations/sqlite");
        let mut attempt = 0u64;
        loop {
            match migrator.run(&self.pool).await {
                Err(sqlx::migrate::MigrateError::ExecuteMigration(..)) if attempt < 5 => {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(50 * attempt)).await;
                }
                outcome => return Ok(outcome?),
            }
        }
    }
}

crate::sql::shared_store!(SqliteStore, Sqlite, lock_slot = "", lock_patient = "");
