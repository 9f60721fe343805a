//! SQLite's side of [`Database`]: one file in WAL mode, writes in `BEGIN IMMEDIATE`
//! transactions, booking programs run step by step.

use super::{Database, Dialect};
use crate::Result;
use crate::booking::{Answer, CompiledSteps, Program};
use async_trait::async_trait;
use sqlx::sqlite::SqlitePool;
use std::collections::HashMap;
use std::sync::LazyLock;

pub struct SqliteDb {
    pub(crate) pool: SqlitePool,
}

super::sqlx_handles!(sqlx::Sqlite, Dialect::Sqlite);

/// Every booking program's steps, numbered for SQLite once.
static PROGRAMS: LazyLock<HashMap<&'static str, CompiledSteps>> = LazyLock::new(|| {
    crate::booking::programs()
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

    fn pool(&self) -> Pool<'_> {
        Pool(&self.pool)
    }

    async fn begin_write(&self) -> Result<Tx> {
        Ok(Tx(self.pool.begin_with("BEGIN IMMEDIATE").await?))
    }

    async fn run(&self, program: &'static Program, env: super::Env) -> Result<Answer> {
        let steps = PROGRAMS
            .get(program.name)
            .ok_or(crate::StoreError::Corrupt("booking program"))?;
        steps.run(self.begin_write().await?, env).await
    }
}
