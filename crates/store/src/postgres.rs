//! The production engine: any number of `timebok serve` processes on one PostgreSQL.

use crate::{Clock, StoreSettings};
use jiff::tz::TimeZone;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::{Postgres, Transaction};
use std::sync::Arc;
use std::time::Duration;

pub struct PostgresStore {
    pool: PgPool,
    clock: Arc<dyn Clock>,
    settings: StoreSettings,
    zone: TimeZone,
}

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
            .connect(url)
            .await?;
        Ok(Self {
            pool,
            clock,
            settings,
            zone: domain::clinic_time_zone()?,
        })
    }

    async fn begin_write(&self) -> Result<Transaction<'static, Postgres>> {
        Ok(self.pool.begin().await?)
    }

    /// sqlx takes an advisory lock around the migrations, so processes starting together
    /// migrate one after the other.
    async fn run_migrations(&self) -> Result<()> {
        sqlx::migrate!("./migrations/postgres")
            .run(&self.pool)
            .await?;
        Ok(())
    }
}

crate::sql::shared_store!(
    PostgresStore,
    Postgres,
    lock_slot = " FOR UPDATE OF s",
    lock_patient = " FOR UPDATE OF p"
);
