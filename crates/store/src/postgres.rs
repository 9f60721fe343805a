//! The production engine: any number of `timebok serve` processes on one PostgreSQL.

use crate::db::postgres::PgDb;
use crate::db::{Database, Executor, q};
use crate::{Clock, Result, SqlStore, Store, StoreSettings};
use async_trait::async_trait;
use sqlx::postgres::PgPoolOptions;
use std::sync::Arc;
use std::time::Duration;

/// The store on PostgreSQL.
pub type PostgresStore = SqlStore<PgDb>;

impl PostgresStore {
    const BACKEND: &'static str = "postgres";

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
            .connect(url)
            .await?;
        Ok(Self {
            db: PgDb { pool },
            clock,
            settings,
            zone: domain::clinic_time_zone()?,
        })
    }

    /// sqlx takes an advisory lock around the migrations, so processes starting together
    /// migrate one after the other; then the booking programs' functions of this version are
    /// installed, if they are not there yet.
    async fn run_migrations(&self) -> Result<()> {
        sqlx::migrate!("./migrations/postgres")
            .run(&self.db.pool)
            .await?;
        self.db.install_programs().await
    }
}

#[async_trait]
impl Store for PostgresStore {
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
