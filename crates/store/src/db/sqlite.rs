//! SQLite's side of [`Database`]: one file in WAL mode, writes in `BEGIN IMMEDIATE`
//! transactions, booking programs run step by step.

use super::{Database, Dialect};
use crate::Result;
use crate::booking::{Answer, CompiledSteps, Program};
use async_trait::async_trait;
use sqlx::sqlite::SqlitePool;
use std::collections::HashMap;
use std::sync::LazyLock;
use std::time::Duration;

pub struct SqliteDb {
    pub(crate) waits: super::waits::ConnectionWaits,
    pub(crate) pool: SqlitePool,
}

super::sqlx_handles!(sqlx::Sqlite, Dialect::Sqlite);

/// Every booking program's steps, numbered for SQLite once.
static PROGRAMS: LazyLock<HashMap<&'static str, CompiledSteps>> = LazyLock::new(|| {
    crate::booking::programs::all()
        .into_iter()
        .map(|program| (program.name, CompiledSteps::new(program)))
        .collect()
});

#[async_trait]
impl Database for SqliteDb {
    type Tx = Tx;
    type Conn<'a> = Pool<'a>;

    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    /// SQLite has no advisory lock, so two processes starting together may both try the same
    /// migration; the loser's transaction rolls back (its statements fail, or its record of
    /// the migration collides with the winner's), and on the next try it finds the migration
    /// applied and moves on.
    async fn migrate(&self) -> Result<()> {
        let migrator = sqlx::migrate!("./migrations/sqlite");
        let mut attempt = 0u64;
        loop {
            match migrator.run(&self.pool).await {
                Err(
                    sqlx::migrate::MigrateError::ExecuteMigration(..)
                    | sqlx::migrate::MigrateError::Execute(..),
                ) if attempt < 5 => {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(50 * attempt)).await;
                }
                outcome => return Ok(outcome?),
            }
        }
    }

    fn pool(&self) -> Pool<'_> {
        Pool(&self.pool, &self.waits)
    }

    fn waits(&self) -> &super::waits::ConnectionWaits {
        &self.waits
    }

    fn pool_status(&self) -> crate::PoolStatus {
        super::pool_status(&self.pool)
    }

    async fn begin_write(&self) -> Result<Tx> {
        let started = std::time::Instant::now();
        let span = super::statement_span(self.dialect(), "BEGIN");
        let transaction =
            tracing::Instrument::instrument(self.pool.begin_with("BEGIN IMMEDIATE"), span).await;
        self.waits.note(started.elapsed());
        Ok(Tx(transaction?))
    }

    async fn run(&self, program: &'static Program, env: super::Env) -> Result<Answer> {
        let steps = PROGRAMS
            .get(program.name)
            .ok_or(crate::StoreError::Corrupt("booking program"))?;
        steps.run(self.begin_write().await?, env).await
    }
}
