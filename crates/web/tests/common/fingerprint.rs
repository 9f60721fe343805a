//! A fingerprint of everything a request could change in the database: for every table, its
//! number of rows and a hash of their content (each row's columns, quoted, in an order that
//! does not depend on how the rows are stored). A refused request must leave it as it was.
//!
//! The tables are read from the database's own catalogue, so a table added by a later
//! migration is covered without anyone remembering to add it here. A few things change on
//! requests that are refused or only read, by design, and are left out or narrowed:
//!
//! - `session.last_seen_at` and `staff_session.last_seen_at`: every request of a logged-in
//!   visitor may move them (the idle timeout); the rest of a session row — who it is for,
//!   when it expires — is kept, so a session opened or ended by a refused request shows.
//! - `thread.unread_by_patient` and `thread.unread_by_clinic`: read receipts. Opening a
//!   thread marks it read for whoever opened it (the store does so when it hands the thread
//!   out, scoped to the patient or clinic it belongs to), also when the page then asks for a
//!   message the thread does not have and answers 404.
//! - the audit events of reads and refusals (`READ_ACTIONS`): the register logs who looked at
//!   what, and a refused login is logged as such; every other audit event (a booking, a
//!   change of a rule, …) is kept.
//! - `rate_count`: the rate limits count every attempt, refused ones above all; that is what
//!   they are for.
//! - `dpop_proof`: a DPoP proof is used up by the request it came with, also when that
//!   request is then refused, so that it cannot be tried again.
//! - the migrations table, which no request touches.

use sha2::{Digest, Sha256};
use sqlx::Connection;
use store::testing::TestDb;

/// Audit actions that record a read or a refusal, not a change: a refused or read-only
/// request may write them.
pub const READ_ACTIONS: &[&str] = &[
    "appointment.viewed",
    "audit.read",
    "block.viewed",
    "login.refused",
    "patient.found",
    "patient_list.viewed",
    "representation.viewed",
    "request.viewed",
    "thread.listed",
    "thread.viewed",
    "usage.viewed",
    "waitlist.viewed",
];

/// Columns that move when their owner merely reads: the idle timeout and read receipts.
const MOVING_COLUMNS: &[(&str, &str)] = &[
    ("session", "last_seen_at"),
    ("staff_session", "last_seen_at"),
    ("thread", "unread_by_patient"),
    ("thread", "unread_by_clinic"),
];

/// Tables that count attempts, refused ones included.
const COUNTERS: &[&str] = &["rate_count", "dpop_proof"];

/// One table's rows and the hash of their content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TablePrint {
    pub table: String,
    pub rows: usize,
    pub hash: [u8; 32],
}

/// Every table's print, by table name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint(pub Vec<TablePrint>);

impl Fingerprint {
    /// The tables that differ from `other`, with their row counts before and after.
    pub fn changes(&self, after: &Self) -> Vec<String> {
        let mut changed = Vec::new();
        for before in &self.0 {
            match after.0.iter().find(|t| t.table == before.table) {
                Some(now) if now == before => {}
                Some(now) => changed.push(format!(
                    "{}: {} rows, then {} rows{}",
                    before.table,
                    before.rows,
                    now.rows,
                    if now.rows == before.rows {
                        " with other content"
                    } else {
                        ""
                    }
                )),
                None => changed.push(format!("{}: gone", before.table)),
            }
        }
        changed
    }
}

enum Conn {
    Sqlite(sqlx::SqliteConnection),
    Postgres(sqlx::PgConnection),
}

/// A connection of its own to the test's database and the query of each table.
pub struct Fingerprinter {
    conn: Conn,
    /// Table name, and the query of its rows, each as one text.
    queries: Vec<(String, String)>,
}

fn quoted_name(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

impl Fingerprinter {
    pub async fn connect(db: &TestDb) -> Self {
        let mut conn = if db.is_postgres() {
            Conn::Postgres(
                sqlx::PgConnection::connect(&db.url)
                    .await
                    .expect("connect to PostgreSQL"),
            )
        } else {
            Conn::Sqlite(
                sqlx::SqliteConnection::connect(&db.url)
                    .await
                    .expect("connect to SQLite"),
            )
        };
        let tables: Vec<String> = match &mut conn {
            Conn::Sqlite(c) => sqlx::query_scalar(
                "SELECT name FROM sqlite_master WHERE type = 'table' \
                 AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%' ORDER BY name",
            )
            .fetch_all(c)
            .await
            .expect("tables"),
            Conn::Postgres(c) => sqlx::query_scalar(
                "SELECT table_name::text FROM information_schema.tables \
                 WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' \
                 AND table_name NOT LIKE '\\_sqlx%' ORDER BY table_name",
            )
            .fetch_all(c)
            .await
            .expect("tables"),
        };
        let tables: Vec<String> = tables
            .into_iter()
            .filter(|table| !COUNTERS.contains(&table.as_str()))
            .collect();
        assert!(tables.len() > 10, "the schema's tables: {tables:?}");
        let mut queries = Vec::new();
        for table in tables {
            let columns: Vec<String> = match &mut conn {
                Conn::Sqlite(c) => sqlx::query_scalar("SELECT name FROM pragma_table_info($1)")
                    .bind(&table)
                    .fetch_all(c)
                    .await
                    .expect("columns"),
                Conn::Postgres(c) => sqlx::query_scalar(
                    "SELECT column_name::text FROM information_schema.columns \
                     WHERE table_schema = current_schema() AND table_name = $1 \
                     ORDER BY ordinal_position",
                )
                .bind(&table)
                .fetch_all(c)
                .await
                .expect("columns"),
            };
            let kept: Vec<String> = columns
                .iter()
                .filter(|c| !MOVING_COLUMNS.contains(&(table.as_str(), c.as_str())))
                .map(|c| quoted_name(c))
                .collect();
            let row = match conn {
                Conn::Sqlite(_) => kept
                    .iter()
                    .map(|c| format!("quote({c})"))
                    .collect::<Vec<_>>()
                    .join(" || '|' || "),
                Conn::Postgres(_) => format!(
                    "concat_ws('|', {})",
                    kept.iter()
                        .map(|c| format!("quote_nullable({c}::text)"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            let filter = if table == "audit_event" {
                let actions: Vec<String> = READ_ACTIONS.iter().map(|a| format!("'{a}'")).collect();
                format!(" WHERE action NOT IN ({})", actions.join(", "))
            } else {
                String::new()
            };
            let sql = format!("SELECT {row} FROM {}{filter}", quoted_name(&table));
            queries.push((table, sql));
        }
        Self { conn, queries }
    }

    /// The fingerprint now.
    pub async fn take(&mut self) -> Fingerprint {
        let mut prints = Vec::new();
        for (table, sql) in &self.queries {
            let mut rows: Vec<String> = match &mut self.conn {
                Conn::Sqlite(c) => {
                    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone()))
                        .fetch_all(c)
                        .await
                }
                Conn::Postgres(c) => {
                    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone()))
                        .fetch_all(c)
                        .await
                }
            }
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
            rows.sort_unstable();
            let mut hash = Sha256::new();
            for row in &rows {
                hash.update(row.as_bytes());
                hash.update(b"\n");
            }
            prints.push(TablePrint {
                table: table.clone(),
                rows: rows.len(),
                hash: hash.finalize().into(),
            });
        }
        Fingerprint(prints)
    }
}
