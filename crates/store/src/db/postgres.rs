//! PostgreSQL's side of [`Database`]: row locks where a booking depends on rows, and booking
//! programs as database functions, one round trip each.

use super::{Database, Dialect};
use crate::Result;
use crate::booking::{Answer, PgFunction, Program};
use async_trait::async_trait;
use sqlx::postgres::PgPool;
use std::collections::HashMap;
use std::sync::LazyLock;

pub struct PgDb {
    pub(crate) waits: super::waits::ConnectionWaits,
    pub(crate) pool: PgPool,
}

super::sqlx_handles!(sqlx::Postgres, Dialect::Postgres);

/// Every booking program as a function, compiled once.
static FUNCTIONS: LazyLock<HashMap<&'static str, PgFunction>> = LazyLock::new(|| {
    crate::booking::programs::all()
        .into_iter()
        .map(|program| (program.name, PgFunction::new(program)))
        .collect()
});

#[async_trait]
impl Database for PgDb {
    type Tx = Tx;
    type Conn<'a> = Pool<'a>;

    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    /// sqlx takes an advisory lock around the migrations, so processes starting together
    /// migrate one after the other; then the booking programs' functions of this version are
    /// installed, if they are not there yet.
    async fn migrate(&self) -> Result<()> {
        sqlx::migrate!("./migrations/postgres")
            .run(&self.pool)
            .await?;
        let functions: Vec<&PgFunction> = FUNCTIONS.values().collect();
        crate::booking::install(self, &functions).await
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
        let transaction = tracing::Instrument::instrument(self.pool.begin(), span).await;
        self.waits.note(started.elapsed());
        Ok(Tx(transaction?))
    }

    async fn run(&self, program: &'static Program, env: super::Env) -> Result<Answer> {
        let function = FUNCTIONS
            .get(program.name)
            .ok_or(crate::StoreError::Corrupt("booking program"))?;
        crate::booking::call(self, function, env).await
    }
}
