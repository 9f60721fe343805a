//! Fresh test databases for the contract suite and the other crates' tests: a SQLite file in a
//! temporary folder, or a new database on the PostgreSQL server that
//! `TIMEBOK_TEST_POSTGRES_URL` names. Under `CI=true` the PostgreSQL one is required.

mod world;

pub use world::{World, oslo, seed, staff, start_of_tests};

use crate::{Clock, Store, StoreSettings};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

pub const POSTGRES_ENV: &str = "TIMEBOK_TEST_POSTGRES_URL";

enum Backend {
    /// The folder lives as long as the database in it.
    Sqlite {
        _dir: tempfile::TempDir,
    },
    Postgres {
        admin_url: String,
        database: String,
    },
}

pub struct TestDb {
    pub url: String,
    backend: Backend,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

async fn admin(url: &str) -> sqlx::PgConnection {
    use sqlx::Connection;
    sqlx::PgConnection::connect(url)
        .await
        .expect("connect to PostgreSQL")
}

impl TestDb {
    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("timebok.db").display());
        Self {
            url,
            backend: Backend::Sqlite { _dir: dir },
        }
    }

    /// A fresh database on the configured PostgreSQL, or `None` (and a note on stderr) when
    /// none is configured outside CI.
    pub async fn postgres() -> Option<Self> {
        let Ok(admin_url) = std::env::var(POSTGRES_ENV) else {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true requires {POSTGRES_ENV}: the PostgreSQL suite must run"
            );
            eprintln!("skipped: PostgreSQL test ({POSTGRES_ENV} is not set)");
            return None;
        };
        Some(Self::postgres_at(&admin_url).await)
    }

    /// A fresh database on the server `admin_url` names.
    pub async fn postgres_at(admin_url: &str) -> Self {
        let admin_url = admin_url.to_owned();
        let database = format!(
            "timebok_test_{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            crate::Clock::now(&crate::SystemClock).as_millisecond() % 1_000_000
        );
        let mut conn = admin(&admin_url).await;
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {database}")))
            .execute(&mut conn)
            .await
            .expect("create test database");
        let (prefix, _) = admin_url
            .rsplit_once('/')
            .expect("URL with a database path");
        let url = format!("{prefix}/{database}");
        Self {
            url,
            backend: Backend::Postgres {
                admin_url,
                database,
            },
        }
    }

    /// Opens and migrates the store.
    pub async fn open(&self, clock: Arc<dyn Clock>) -> Arc<dyn Store> {
        let store = crate::open(&self.url, StoreSettings::default(), clock)
            .await
            .expect("open store");
        store.migrate().await.expect("migrate");
        store
    }

    /// Runs one SQL statement outside the store, for a test that must set up what no
    /// operation does (such as a job due at a real-world time).
    pub async fn execute(&self, sql: &'static str) {
        use sqlx::{Connection, Executor};
        match &self.backend {
            Backend::Sqlite { .. } => {
                let mut conn = sqlx::SqliteConnection::connect(&self.url)
                    .await
                    .expect("connect to SQLite");
                conn.execute(sql).await.expect("statement");
            }
            Backend::Postgres { .. } => {
                let mut conn = sqlx::PgConnection::connect(&self.url)
                    .await
                    .expect("connect to PostgreSQL");
                conn.execute(sql).await.expect("statement");
            }
        }
    }

    /// Runs a statement built at run time, such as one naming this database.
    pub async fn execute_owned(&self, sql: String) {
        use sqlx::{Connection, Executor};
        let sql = sqlx::AssertSqlSafe(sql);
        match &self.backend {
            Backend::Sqlite { .. } => {
                let mut conn = sqlx::SqliteConnection::connect(&self.url)
                    .await
                    .expect("connect to SQLite");
                conn.execute(sql).await.expect("statement");
            }
            Backend::Postgres { .. } => {
                let mut conn = sqlx::PgConnection::connect(&self.url)
                    .await
                    .expect("connect to PostgreSQL");
                conn.execute(sql).await.expect("statement");
            }
        }
    }

    /// The PostgreSQL database's name; `None` on SQLite.
    pub fn database_name(&self) -> Option<&str> {
        match &self.backend {
            Backend::Postgres { database, .. } => Some(database),
            Backend::Sqlite { .. } => None,
        }
    }

    /// Drops a PostgreSQL test database, connections and all; a failed test keeps its
    /// database for inspection.
    pub async fn finish(self) {
        if let Backend::Postgres { admin_url, .. } = &self.backend {
            self.drop_now(admin_url).await;
        }
    }

    /// Drops the PostgreSQL database at once, while servers may still use it.
    pub async fn drop_database(&self) {
        if let Backend::Postgres { admin_url, .. } = &self.backend {
            self.drop_now(admin_url).await;
        }
    }

    async fn drop_now(&self, admin_url: &str) {
        if let Backend::Postgres { database, .. } = &self.backend {
            let mut conn = admin(admin_url).await;
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {database} WITH (FORCE)"
            )))
            .execute(&mut conn)
            .await;
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self.backend, Backend::Postgres { .. })
    }
}
