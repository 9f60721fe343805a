//! The embedded default: one SQLite file in WAL mode.

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
        let pool_options = SqlitePoolOptions::new()
            .max_connections(settings.max_connections.max(1))
            .test_before_acquire(false);
        // Switching a new file to WAL needs a moment alone with it, and SQLite does not wait
        // for that; processes opening the same new file together take turns here instead.
        let mut attempt = 0u64;
        let pool = loop {
            match pool_options.clone().connect_with(options.clone()).await {
                Err(sqlx::Error::Database(error))
                    if error.code().as_deref() == Some("5") && attempt < 20 =>
                {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(25 * attempt)).await;
                }
                outcome => break outcome?,
            }
        };
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
    /// Keeps a key with the booking it made, in the booking's transaction. Keys older
    /// than a day are let go here, so the table stays small without a sweeper.
    async fn remember_key(
        conn: &mut sqlx::SqliteConnection,
        key: &Idempotency,
        appointment: i64,
        now: i64,
    ) -> Result<()> {
        sqlx::query("DELETE FROM idempotency_key WHERE created_at < $1")
            .bind(now - crate::IDEMPOTENCY_KEY_SECONDS)
            .execute(&mut *conn)
            .await?;
        sqlx::query(
            "INSERT INTO idempotency_key (client, idem_key, fingerprint, appointment_id, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&key.client)
        .bind(&key.key)
        .bind(&key.fingerprint)
        .bind(appointment)
        .bind(now)
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    /// ReserverAvtale as separate statements: cheap here, with no network in between, and
    /// exclusive because the transaction began with `BEGIN IMMEDIATE`. The same steps, in the
    /// same order, as `timebok_reserve` in the PostgreSQL migrations.
    async fn reserve_slot(
        &self,
        request: &ReserveRequest,
        on_behalf: Option<&OnBehalf>,
        now: Timestamp,
    ) -> Result<Reserved> {
        let (patient, now_s) = (request.patient.as_str(), now.as_second());
        let by = Self::booker(request, on_behalf);
        let idempotency = on_behalf.and_then(|o| o.idempotency.as_ref());
        let mut tx = self.begin_write().await?;
        if let Some(key) = idempotency
            && let Some(earlier) = Self::earlier_booking(&mut tx, key).await?
        {
            return Ok(earlier);
        }
        let slot = Self::check_bookable(&mut tx, &request.patient, request.slot_id, now)
            .await?
            .slot;
        if let Some(hold) = request.hold {
            let live: bool = sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM slot_hold \
                 WHERE id = $1 AND slot_id = $2 AND national_id = $3 AND expires_at > $4)",
            )
            .bind(hold.0)
            .bind(slot.id)
            .bind(patient)
            .bind(now_s)
            .fetch_one(&mut *tx)
            .await?;
            if !live {
                return Err(StoreError::HoldLost);
            }
        }
        // The conditional update that makes double booking impossible.
        let counted = sqlx::query(
            "UPDATE slot SET booked = booked + 1, changed_at = $2 WHERE id = $1 AND booked + \
               (SELECT COUNT(*) FROM slot_hold h WHERE h.slot_id = $1 AND h.expires_at > $2 AND h.national_id <> $3) \
             < capacity",
        )
        .bind(slot.id)
        .bind(now_s)
        .bind(patient)
        .execute(&mut *tx)
        .await?;
        if counted.rows_affected() == 0 {
            return Err(StoreError::Taken);
        }
        sqlx::query("DELETE FROM slot_hold WHERE slot_id = $1 AND national_id = $2")
            .bind(slot.id)
            .bind(patient)
            .execute(&mut *tx)
            .await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO appointment (clinic_id, timebook_id, slot_id, national_id, reason, status, starts_at, booked_at) \
             VALUES ($1, $2, $3, $4, $5, 'booked', $6, $7) RETURNING id",
        )
        .bind(slot.clinic_id)
        .bind(slot.timebook_id)
        .bind(slot.id)
        .bind(patient)
        .bind(request.reason.as_str())
        .bind(slot.starts_at)
        .bind(now_s)
        .fetch_one(&mut *tx)
        .await?;
        Self::enqueue(&mut tx, slot.clinic_id, NotificationKind::Booked, id, now_s).await?;
        Self::audit(
            &mut tx,
            Audit {
                at: now_s,
                actor: &by,
                action: AuditAction::AppointmentBooked,
                clinic_id: Some(slot.clinic_id),
                patient: Some(&request.patient),
                subject: format!("appointment:{id}"),
            },
        )
        .await?;
        if let Some(key) = idempotency {
            Self::remember_key(&mut tx, key, id, now_s).await?;
        }
        tx.commit().await?;
        Ok(Reserved {
            id: AppointmentId(id),
            replayed: false,
        })
    }
}

crate::sql::shared_store!(SqliteStore, Sqlite, lock_slot = "", lock_patient = "");
crate::notifications::shared_notifications!(SqliteStore, skip_locked = "");
crate::messages::shared_messaging!(SqliteStore);
crate::logins::shared_logins!(SqliteStore);
crate::schedules::shared_schedules!(SqliteStore);
crate::client_bookings::shared_client_bookings!(SqliteStore);
