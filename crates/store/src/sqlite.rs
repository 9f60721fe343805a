//! The embedded default: one SQLite file in WAL mode.

use crate::sql::{Booked, Booking};
use crate::{Clock, StoreSettings};
use jiff::tz::TimeZone;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Sqlite, Transaction};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

pub struct SqliteStore {
    pool: SqlitePool,
    clock: Arc<dyn Clock>,
    settings: StoreSettings,
    zone: TimeZone,
}

impl SqliteStore {
    const BACKEND: &'static str = "sqlite";

    /// Opens (and creates, if missing) the database file a `sqlite://` URL names.
    pub async fn connect(
        url: &str,
        settings: StoreSettings,
        clock: Arc<dyn Clock>,
    ) -> Result<Self> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            // Writers queue behind each other's BEGIN IMMEDIATE instead of failing.
            .busy_timeout(Duration::from_secs(30));
        let pool = SqlitePoolOptions::new()
            .max_connections(settings.max_connections.max(1))
            .connect_with(options)
            .await?;
        Ok(Self {
            pool,
            clock,
            settings,
            zone: domain::clinic_time_zone()?,
        })
    }

    async fn begin_write(&self) -> Result<Transaction<'static, Sqlite>> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// SQLite has no advisory lock, so two processes starting together may both try the same
    /// migration; the loser's transaction rolls back, and on the next try it finds the
    /// migration applied and moves on.
    async fn run_migrations(&self) -> Result<()> {
        let migrator = sqlx::migrate!("./migrations/sqlite");
        let mut attempt = 0u64;
        loop {
            match migrator.run(&self.pool).await {
                Err(sqlx::migrate::MigrateError::ExecuteMigration(..)) if attempt < 5 => {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(50 * attempt)).await;
                }
                outcome => return Ok(outcome?),
            }
        }
    }
}

impl SqliteStore {
    /// The booking's last step as plain statements: cheap here, with no network in between.
    async fn book(conn: &mut sqlx::SqliteConnection, booking: &Booking<'_>) -> Result<Booked> {
        let (slot, patient, now) = (booking.slot, booking.patient.as_str(), booking.now);
        let released = sqlx::query(
            "DELETE FROM slot_hold WHERE slot_id = $1 AND national_id = $2 AND ($3 IS NULL OR id = $3) AND expires_at > $4",
        )
        .bind(slot.id)
        .bind(patient)
        .bind(booking.hold)
        .bind(now)
        .execute(&mut *conn)
        .await?;
        if booking.hold.is_some() && released.rows_affected() == 0 {
            return Ok(Booked::HoldLost);
        }
        let counted = sqlx::query(
            "UPDATE slot SET booked = booked + 1 WHERE id = $1 AND booked + \
               (SELECT COUNT(*) FROM slot_hold h WHERE h.slot_id = $1 AND h.expires_at > $2 AND h.national_id <> $3) \
             < capacity",
        )
        .bind(slot.id)
        .bind(now)
        .bind(patient)
        .execute(&mut *conn)
        .await?;
        if counted.rows_affected() == 0 {
            return Ok(Booked::Taken);
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO appointment (clinic_id, timebook_id, slot_id, national_id, reason, status, starts_at, booked_at) \
             VALUES ($1, $2, $3, $4, $5, 'booked', $6, $7) RETURNING id",
        )
        .bind(slot.clinic_id)
        .bind(slot.timebook_id)
        .bind(slot.id)
        .bind(patient)
        .bind(booking.reason.as_str())
        .bind(slot.starts_at)
        .bind(now)
        .fetch_one(&mut *conn)
        .await?;
        Self::enqueue(
            &mut *conn,
            slot.clinic_id,
            NotificationKind::Booked,
            id,
            now,
        )
        .await?;
        Self::audit(
            &mut *conn,
            Audit {
                at: now,
                actor: &Actor::Patient(booking.patient.clone()),
                action: AuditAction::AppointmentBooked,
                clinic_id: Some(slot.clinic_id),
                patient: Some(booking.patient),
                subject: format!("appointment:{id}"),
            },
        )
        .await?;
        Ok(Booked::Appointment(id))
    }
}

crate::sql::shared_store!(SqliteStore, Sqlite, lock_slot = "", lock_patient = "");
