//! The embedded default: one SQLite file in WAL mode.

use crate::db::sqlite::SqliteDb;
use crate::db::{Database, Executor, q};
use crate::{Clock, Result, SqlStore, Store, StoreSettings};
use async_trait::async_trait;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// The embedded store.
pub type SqliteStore = SqlStore<SqliteDb>;

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
        let pool_options = SqlitePoolOptions::new()
            .max_connections(settings.max_connections.max(1))
            .test_before_acquire(false);
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
        Ok(Self {
            db: SqliteDb { pool },
            clock,
            settings,
            zone: domain::clinic_time_zone()?,
        })
    }

    /// SQLite has no advisory lock, so two processes starting together may both try the same
    /// migration; the loser's transaction rolls back, and on the next try it finds the
    /// migration applied and moves on.
    async fn run_migrations(&self) -> Result<()> {
        let migrator = sqlx::migrate!("./migrations/sqlite");
        let mut attempt = 0u64;
        loop {
            match migrator.run(&self.db.pool).await {
                Err(sqlx::migrate::MigrateError::ExecuteMigration(..)) if attempt < 5 => {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(50 * attempt)).await;
                }
                outcome => return Ok(outcome?),
            }
        }
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn migrate(&self) -> Result<()> {
        self.run_migrations().await
    }

    async fn ping(&self) -> Result<()> {
        self.db.pool().execute(q("SELECT 1")).await?;
        Ok(())
    }

    fn backend(&self) -> &'static str {
        Self::BACKEND
    }
}
