//! The little the store needs from a database, so that its SQL is written once.
//!
//! SQLite and PostgreSQL accept the same SQL for nearly everything Timebok does. Store code is
//! generic over [`Database`]; each backend implements it in its own file (`sqlite.rs`,
//! `postgres.rs`) with sqlx's concrete types, and says where the dialects really differ: the
//! migrations, how a write transaction begins, row locks, and how a booking program runs.

pub(crate) mod named;
pub(crate) mod postgres;
pub(crate) mod sqlite;
pub(crate) mod sweeps;
pub(crate) mod waits;

use crate::Result;
use crate::booking::{Answer, Program};
use async_trait::async_trait;
pub(crate) use named::{Env, Positional, Value};
use sqlx::{AssertSqlSafe, SqlSafeStr, SqlStr};
use std::sync::Arc;

/// Which SQL a backend speaks, where the two differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    /// The backend's name, for logs and the readiness answer.
    pub fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }

    /// The database's name in OpenTelemetry's conventions, for the traces.
    pub fn system_name(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgresql",
        }
    }

    /// A row lock clause, such as `FOR UPDATE OF s`: PostgreSQL's; SQLite needs none because
    /// its write transactions are exclusive. For a statement whose rows are read; one that
    /// only locks goes through [`Transaction::lock`] instead.
    pub fn lock(self, clause: &'static str) -> &'static str {
        match self {
            Self::Sqlite => "",
            Self::Postgres => clause,
        }
    }
}

/// A statement's span in the traces, the connection's wait included: its operation (`SELECT`,
/// `BEGIN`), the database, and its SQL, whose values are always bound parameters and never
/// part of the text. Made only inside a span the traces see (a request's, a delivery's),
/// so that the worker's polls each second do not each become a trace; never without traces.
pub(crate) fn statement_span(dialect: Dialect, sql: &str) -> tracing::Span {
    if !tracing::span_enabled!(target: "timebok::trace", tracing::Level::INFO)
        || tracing::Span::current().is_none()
    {
        return tracing::Span::none();
    }
    let operation = sql
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_ascii_uppercase();
    tracing::info_span!(
        target: "timebok::trace",
        "statement",
        otel.name = %operation,
        otel.kind = "client",
        db.system.name = dialect.system_name(),
        db.operation.name = %operation,
        db.query.text = sql,
    )
}

/// One statement and the values for its `$1`, `$2`, ….
#[derive(Debug, Clone)]
pub struct Statement {
    pub sql: SqlStr,
    pub args: Vec<Value>,
}

/// A statement written in the code.
pub(crate) fn q(sql: &'static str) -> Statement {
    Statement {
        sql: SqlStr::from_static(sql),
        args: Vec::new(),
    }
}

impl Statement {
    /// A statement built at start-up, such as one composed from the rules. Its text comes
    /// from the code and the rules only; every value goes in as a bound parameter.
    pub fn shared(sql: Arc<str>) -> Self {
        Self {
            sql: AssertSqlSafe(sql).into_sql_str(),
            args: Vec::new(),
        }
    }

    /// A statement with named parameters, their values taken from `env`.
    pub fn named(statement: &Positional, env: &Env) -> Self {
        Self {
            sql: AssertSqlSafe(statement.sql.clone()).into_sql_str(),
            args: statement.names.iter().map(|name| env.get(name)).collect(),
        }
    }

    pub fn bind(mut self, value: impl Into<Value>) -> Self {
        self.args.push(value.into());
        self
    }
}

/// A row type both backends can read.
pub trait Decode:
    for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
    + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
    + Send
    + Unpin
{
}

impl<T> Decode for T where
    T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
        + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
        + Send
        + Unpin
{
}

/// Reading and writing, on a pool or inside a transaction.
#[async_trait]
pub trait Executor: Send {
    async fn fetch_all<R: Decode>(&mut self, statement: Statement) -> Result<Vec<R>>;
    async fn fetch_optional<R: Decode>(&mut self, statement: Statement) -> Result<Option<R>>;
    /// The rows the statement changed.
    async fn execute(&mut self, statement: Statement) -> Result<u64>;

    async fn fetch_one<R: Decode>(&mut self, statement: Statement) -> Result<R> {
        self.fetch_optional(statement)
            .await?
            .ok_or(crate::StoreError::Database(sqlx::Error::RowNotFound))
    }
}

/// A write transaction; dropped without [`Transaction::commit`], it rolls back.
#[async_trait]
pub trait Transaction: Executor {
    async fn commit(self) -> Result<()>;

    fn dialect(&self) -> Dialect;

    /// Runs a statement that only locks rows (`SELECT … FOR UPDATE`, its rows unread), so that
    /// what follows on PostgreSQL reads every change committed before the lock. SQLite skips
    /// it, like a booking program's `Step::Lock`: its write transaction is exclusive already.
    async fn lock(&mut self, statement: Statement) -> Result<()> {
        if self.dialect() == Dialect::Postgres {
            self.execute(statement).await?;
        }
        Ok(())
    }
}

/// A database: a pool of connections to one SQLite file or one PostgreSQL database.
#[async_trait]
pub trait Database: Send + Sync + 'static {
    type Tx: Transaction;
    type Conn<'a>: Executor
    where
        Self: 'a;

    fn dialect(&self) -> Dialect;
    /// Brings the schema up to date. Safe to run from several processes at once.
    async fn migrate(&self) -> Result<()>;
    /// A handle that reads and writes outside any transaction of ours.
    fn pool(&self) -> Self::Conn<'_>;
    /// The long waits for a connection (and, on SQLite, for the one writer), counted.
    fn waits(&self) -> &waits::ConnectionWaits;
    /// The pool's connections now.
    fn pool_status(&self) -> crate::PoolStatus;
    /// A transaction that may write: `BEGIN IMMEDIATE` on SQLite, whose deferred
    /// transactions fail when they upgrade; plain `BEGIN` on PostgreSQL.
    async fn begin_write(&self) -> Result<Self::Tx>;
    /// Runs a booking program in one transaction.
    async fn run(&self, program: &'static Program, env: Env) -> Result<Answer>;
}

/// The connections of a sqlx pool: its limit, those open, and those idle among them.
pub(crate) fn pool_status<DB: sqlx::Database>(pool: &sqlx::Pool<DB>) -> crate::PoolStatus {
    let idle = u32::try_from(pool.num_idle()).unwrap_or(u32::MAX);
    crate::PoolStatus {
        max: pool.options().get_max_connections(),
        open: pool.size(),
        idle,
    }
}

/// The pool and transaction handles of one sqlx backend, reading and writing [`Statement`]s.
/// Both backends stamp the same code out for their own sqlx types; only those differ.
macro_rules! sqlx_handles {
    ($db:ty, $dialect:expr) => {
        pub struct Pool<'a>(&'a sqlx::Pool<$db>, &'a $crate::db::waits::ConnectionWaits);

        impl Pool<'_> {
            /// A connection of the pool, the wait for it counted.
            async fn connection(&self) -> sqlx::Result<sqlx::pool::PoolConnection<$db>> {
                let started = std::time::Instant::now();
                let connection = self.0.acquire().await;
                self.1.note(started.elapsed());
                connection
            }
        }

        pub struct Tx(sqlx::Transaction<'static, $db>);

        type Arguments = <$db as sqlx::Database>::Arguments;

        /// The statement's values as this backend's arguments.
        fn arguments(values: Vec<$crate::db::Value>) -> sqlx::Result<Arguments> {
            use sqlx::Arguments as _;
            use $crate::db::Value;
            let mut arguments = Arguments::default();
            for (at, value) in values.into_iter().enumerate() {
                match value {
                    Value::Int(v) => arguments.add(v),
                    Value::Text(v) => arguments.add(v),
                    Value::Bool(v) => arguments.add(v),
                }
                .map_err(|error| {
                    sqlx::Error::Encode(
                        format!("Encoding argument ${} failed: {error}", at + 1).into(),
                    )
                })?;
            }
            Ok(arguments)
        }

        fn query(
            statement: $crate::db::Statement,
        ) -> sqlx::Result<sqlx::query::Query<'static, $db, Arguments>> {
            Ok(sqlx::query_with(statement.sql, arguments(statement.args)?))
        }

        fn query_as<R: $crate::db::Decode>(
            statement: $crate::db::Statement,
        ) -> sqlx::Result<sqlx::query::QueryAs<'static, $db, R, Arguments>> {
            Ok(sqlx::query_as_with(
                statement.sql,
                arguments(statement.args)?,
            ))
        }

        #[async_trait::async_trait]
        impl $crate::db::Executor for Pool<'_> {
            async fn fetch_all<R: $crate::db::Decode>(
                &mut self,
                statement: $crate::db::Statement,
            ) -> $crate::Result<Vec<R>> {
                let span = $crate::db::statement_span($dialect, statement.sql.as_str());
                let query = query_as(statement)?;
                let rows = async { query.fetch_all(&mut *self.connection().await?).await };
                Ok(tracing::Instrument::instrument(rows, span).await?)
            }

            async fn fetch_optional<R: $crate::db::Decode>(
                &mut self,
                statement: $crate::db::Statement,
            ) -> $crate::Result<Option<R>> {
                let span = $crate::db::statement_span($dialect, statement.sql.as_str());
                let query = query_as(statement)?;
                let row = async { query.fetch_optional(&mut *self.connection().await?).await };
                Ok(tracing::Instrument::instrument(row, span).await?)
            }

            async fn execute(&mut self, statement: $crate::db::Statement) -> $crate::Result<u64> {
                let span = $crate::db::statement_span($dialect, statement.sql.as_str());
                let query = query(statement)?;
                let done = async { query.execute(&mut *self.connection().await?).await };
                Ok(tracing::Instrument::instrument(done, span)
                    .await?
                    .rows_affected())
            }
        }

        #[async_trait::async_trait]
        impl $crate::db::Executor for Tx {
            async fn fetch_all<R: $crate::db::Decode>(
                &mut self,
                statement: $crate::db::Statement,
            ) -> $crate::Result<Vec<R>> {
                let span = $crate::db::statement_span($dialect, statement.sql.as_str());
                let rows = query_as(statement)?.fetch_all(&mut *self.0);
                Ok(tracing::Instrument::instrument(rows, span).await?)
            }

            async fn fetch_optional<R: $crate::db::Decode>(
                &mut self,
                statement: $crate::db::Statement,
            ) -> $crate::Result<Option<R>> {
                let span = $crate::db::statement_span($dialect, statement.sql.as_str());
                let row = query_as(statement)?.fetch_optional(&mut *self.0);
                Ok(tracing::Instrument::instrument(row, span).await?)
            }

            async fn execute(&mut self, statement: $crate::db::Statement) -> $crate::Result<u64> {
                let span = $crate::db::statement_span($dialect, statement.sql.as_str());
                let done = query(statement)?.execute(&mut *self.0);
                Ok(tracing::Instrument::instrument(done, span)
                    .await?
                    .rows_affected())
            }
        }

        #[async_trait::async_trait]
        impl $crate::db::Transaction for Tx {
            async fn commit(self) -> $crate::Result<()> {
                let span = $crate::db::statement_span($dialect, "COMMIT");
                Ok(tracing::Instrument::instrument(self.0.commit(), span).await?)
            }

            fn dialect(&self) -> $crate::db::Dialect {
                $dialect
            }
        }
    };
}

pub(crate) use sqlx_handles;
