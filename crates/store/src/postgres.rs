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
            // A ping before every checkout would add a round trip to every booking; a broken
            // connection instead fails its first statement and the pool replaces it.
            .test_before_acquire(false)
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

impl PostgresStore {
    /// ReserverAvtale in one round trip: `timebok_reserve`, the database function in the
    /// migrations, locks, checks and books in one transaction.
    async fn reserve_slot(
        &self,
        request: &ReserveRequest,
        on_behalf: Option<&OnBehalf>,
        now: Timestamp,
    ) -> Result<Reserved> {
        let by = Self::booker(request, on_behalf);
        let idempotency = on_behalf.and_then(|o| o.idempotency.as_ref());
        let (outcome, id): (String, Option<i64>) = sqlx::query_as(
            "SELECT o_outcome, o_appointment \
             FROM timebok_reserve($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(request.slot_id.0)
        .bind(request.patient.as_str())
        .bind(request.reason.as_str())
        .bind(request.hold.map(|h| h.0))
        .bind(now.as_second())
        .bind(NotificationKind::Booked.code())
        .bind(by.kind())
        .bind(by.identifier())
        .bind(AuditAction::AppointmentBooked.code())
        .bind(idempotency.map(|k| k.client.as_str()))
        .bind(idempotency.map(|k| k.key.as_str()))
        .bind(idempotency.map(|k| k.fingerprint.as_str()))
        .fetch_one(&self.pool)
        .await?;
        let reserved = |id, replayed| {
            Ok(Reserved {
                id: AppointmentId(id),
                replayed,
            })
        };
        match (outcome.as_str(), id) {
            ("booked", Some(id)) => reserved(id, false),
            ("replayed", Some(id)) => reserved(id, true),
            ("key_reused", _) => Err(StoreError::IdempotencyKeyReused),
            ("not_found", _) => Err(StoreError::NotFound("slot")),
            ("blocked", _) => Err(StoreError::Blocked),
            ("not_on_list", _) => Err(StoreError::NotOnList),
            ("taken", _) => Err(StoreError::Taken),
            ("outside_window", _) => Err(StoreError::OutsideWindow),
            ("already_booked", _) => Err(StoreError::AlreadyBooked),
            ("over_limit", _) => Err(StoreError::OverLimit),
            ("hold_lost", _) => Err(StoreError::HoldLost),
            _ => Err(StoreError::Corrupt("timebok_reserve outcome")),
        }
    }
}

crate::sql::shared_store!(
    PostgresStore,
    Postgres,
    lock_slot = " FOR UPDATE OF s",
    lock_patient = " FOR UPDATE OF p"
);
crate::notifications::shared_notifications!(PostgresStore, skip_locked = " FOR UPDATE SKIP LOCKED");
crate::messages::shared_messaging!(PostgresStore);
crate::logins::shared_logins!(PostgresStore);
crate::schedules::shared_schedules!(PostgresStore);
crate::client_bookings::shared_client_bookings!(PostgresStore);
