//! The production engine: any number of `timebok serve` processes on one PostgreSQL.

use crate::{Clock, StoreSettings};
use sqlx::postgres::PgPoolOptions;
use std::sync::Arc;
use std::time::Duration;

/// The store on PostgreSQL.
pub type PostgresStore = crate::SqlStore<crate::db::postgres::PgDb>;

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
            db: crate::db::postgres::PgDb { pool },
            clock,
            settings,
            zone: domain::clinic_time_zone()?,
        })
    }

    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>> {
        Ok(self.db.pool.begin().await?)
    }

    /// sqlx takes an advisory lock around the migrations, so processes starting together
    /// migrate one after the other.
    async fn run_migrations(&self) -> Result<()> {
        sqlx::migrate!("./migrations/postgres")
            .run(&self.db.pool)
            .await?;
        self.db.install_programs().await
    }
}

crate::sql::shared_store!(
    PostgresStore,
    sqlx::Postgres,
    lock_slot = " FOR UPDATE OF s",
    lock_patient = " FOR UPDATE OF p"
);
