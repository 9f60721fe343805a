//! SQL straight to the benchmark's database, past the server: reading what was seeded,
//! counting what the server wrote, the bulk load of other patients' appointments, and query
//! plans.

use super::HttpError;
use super::seed::Slot;
use sqlx::AssertSqlSafe;
use sqlx::postgres::PgPool;
use sqlx::sqlite::SqlitePool;

pub enum Direct {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Rows inserted per statement on SQLite, so that the one writer is never held for long.
const SQLITE_BATCH: u64 = 100_000;

/// The tables and join of `appointment_history` (crates/store/src/booking/offers.rs), with
/// its condition and order; the cancellation deadline it also computes reads no other table.
const HISTORY: &str = "SELECT a.id, a.clinic_id, c.name, a.timebook_id, t.kind, r.name, l.address, \
     a.starts_at, s.length_minutes, a.reason, a.status \
     FROM appointment a JOIN slot s ON s.id = a.slot_id JOIN timebook t ON t.id = a.timebook_id \
     JOIN resource r ON r.id = s.resource_id JOIN location l ON l.id = r.location_id \
     JOIN clinic c ON c.id = a.clinic_id";

impl Direct {
    pub async fn connect(url: &str) -> Result<Self, HttpError> {
        Ok(if url.starts_with("sqlite:") {
            Self::Sqlite(SqlitePool::connect(url).await?)
        } else {
            Self::Postgres(PgPool::connect(url).await?)
        })
    }

    /// The timebook's published slots by start and place, each with its day in Oslo.
    pub async fn slots(&self, timebook: i64) -> Result<Vec<Slot>, HttpError> {
        let sql = "SELECT id, resource_id, starts_at FROM slot WHERE timebook_id = $1 \
                   ORDER BY starts_at, resource_id";
        let rows: Vec<(i64, i64, i64)> = match self {
            Self::Sqlite(pool) => sqlx::query_as(sql).bind(timebook).fetch_all(pool).await?,
            Self::Postgres(pool) => sqlx::query_as(sql).bind(timebook).fetch_all(pool).await?,
        };
        let zone = domain::clinic_time_zone()?;
        rows.into_iter()
            .map(|(id, resource, starts_at)| {
                let at = jiff::Timestamp::from_second(starts_at)
                    .map_err(|e| HttpError::Seed(e.to_string()))?;
                Ok(Slot {
                    id,
                    resource,
                    day: at.to_zoned_datetime(zone.clone()).date(),
                })
            })
            .collect()
    }

    /// One number from a statement of the benchmark's own.
    pub async fn count(&self, sql: &'static str) -> Result<i64, HttpError> {
        Ok(match self {
            Self::Sqlite(pool) => sqlx::query_scalar(sql).fetch_one(pool).await?,
            Self::Postgres(pool) => sqlx::query_scalar(sql).fetch_one(pool).await?,
        })
    }

    pub async fn appointments(&self) -> Result<i64, HttpError> {
        self.count("SELECT COUNT(*) FROM appointment").await
    }

    pub async fn audit_rows(&self) -> Result<i64, HttpError> {
        self.count("SELECT COUNT(*) FROM audit_event").await
    }

    /// Patients on any clinic's list.
    pub async fn listed_patients(&self) -> Result<i64, HttpError> {
        self.count("SELECT COUNT(*) FROM patient WHERE clinic_id IS NOT NULL")
            .await
    }

    /// `count` cancelled appointments of other patients (numbers no patient of the clinic
    /// has) on one slot, as rows the booking core could have written.
    pub async fn insert_other_appointments(
        &self,
        clinic: i64,
        timebook: i64,
        slot: i64,
        count: u64,
    ) -> Result<(), HttpError> {
        let now = store::Clock::now(&store::SystemClock).as_second();
        match self {
            Self::Postgres(pool) => {
                sqlx::query(
                    "INSERT INTO appointment (clinic_id, timebook_id, slot_id, national_id, \
                       reason, status, starts_at, booked_at, cancelled_at) \
                     SELECT $1, $2, $3, '7' || lpad(g::text, 10, '0'), 'Benk', 'cancelled', \
                       s.starts_at, $4, $4 \
                     FROM generate_series(1, $5) g CROSS JOIN slot s WHERE s.id = $3",
                )
                .bind(clinic)
                .bind(timebook)
                .bind(slot)
                .bind(now)
                .bind(i64::try_from(count).unwrap_or(i64::MAX))
                .execute(pool)
                .await?;
                sqlx::query("ANALYZE appointment").execute(pool).await?;
            }
            Self::Sqlite(pool) => {
                let mut done = 0;
                while done < count {
                    let batch = SQLITE_BATCH.min(count - done);
                    sqlx::query(AssertSqlSafe(format!(
                        "WITH RECURSIVE g(n) AS (SELECT {start} UNION ALL SELECT n + 1 FROM g \
                           WHERE n < {end}) \
                         INSERT INTO appointment (clinic_id, timebook_id, slot_id, national_id, \
                           reason, status, starts_at, booked_at, cancelled_at) \
                         SELECT $1, $2, $3, '7' || substr('0000000000' || n, -10), 'Benk', \
                           'cancelled', s.starts_at, $4, $4 \
                         FROM g CROSS JOIN slot s WHERE s.id = $3",
                        start = done + 1,
                        end = done + batch
                    )))
                    .bind(clinic)
                    .bind(timebook)
                    .bind(slot)
                    .bind(now)
                    .execute(pool)
                    .await?;
                    done += batch;
                }
                sqlx::query("ANALYZE").execute(pool).await?;
            }
        }
        Ok(())
    }

    /// The plan of the patient's appointment history: EXPLAIN ANALYZE on PostgreSQL, EXPLAIN
    /// QUERY PLAN on SQLite.
    pub async fn explain_history(&self, patient: &str) -> Result<Vec<String>, HttpError> {
        let condition = "WHERE a.national_id = $1 ORDER BY a.starts_at DESC, a.id DESC";
        Ok(match self {
            Self::Postgres(pool) => {
                sqlx::query_scalar(AssertSqlSafe(format!(
                    "EXPLAIN ANALYZE {HISTORY} {condition}"
                )))
                .bind(patient)
                .fetch_all(pool)
                .await?
            }
            Self::Sqlite(pool) => {
                let rows: Vec<(i64, i64, i64, String)> = sqlx::query_as(AssertSqlSafe(format!(
                    "EXPLAIN QUERY PLAN {HISTORY} {condition}"
                )))
                .bind(patient)
                .fetch_all(pool)
                .await?;
                rows.into_iter().map(|(_, _, _, detail)| detail).collect()
            }
        })
    }

    pub async fn close(&self) {
        match self {
            Self::Sqlite(pool) => pool.close().await,
            Self::Postgres(pool) => pool.close().await,
        }
    }
}

impl Direct {
    /// Outbox jobs due at `now` (seconds) and neither done nor given up.
    pub async fn outbox_due(&self, now: i64) -> Result<i64, HttpError> {
        let sql = "SELECT COUNT(*) FROM outbox \
                   WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= $1";
        Ok(match self {
            Self::Sqlite(pool) => sqlx::query_scalar(sql).bind(now).fetch_one(pool).await?,
            Self::Postgres(pool) => sqlx::query_scalar(sql).bind(now).fetch_one(pool).await?,
        })
    }
}
