//! The production engine: any number of `timebok serve` processes on one PostgreSQL.

use crate::sql::{Booked, Booking};
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
    /// The booking's last step in one statement, because each statement costs a round trip to
    /// the server. It does what `SqliteStore::book` does step by step; the contract suite holds
    /// the two to the same behaviour.
    async fn book(conn: &mut sqlx::PgConnection, booking: &Booking<'_>) -> Result<Booked> {
        let (released, appointment): (i64, Option<i64>) = sqlx::query_as(
            "WITH released AS ( \
               DELETE FROM slot_hold \
               WHERE slot_id = $1 AND national_id = $2 AND ($3::BIGINT IS NULL OR id = $3) AND expires_at > $4 \
               RETURNING id \
             ), counted AS ( \
               UPDATE slot SET booked = booked + 1 \
               WHERE id = $1 \
                 AND ($3::BIGINT IS NULL OR EXISTS (SELECT 1 FROM released)) \
                 AND booked + (SELECT COUNT(*) FROM slot_hold h \
                               WHERE h.slot_id = $1 AND h.expires_at > $4 AND h.national_id <> $2) < capacity \
               RETURNING id, clinic_id, timebook_id, starts_at \
             ), booked AS ( \
               INSERT INTO appointment (clinic_id, timebook_id, slot_id, national_id, reason, status, starts_at, booked_at) \
               SELECT clinic_id, timebook_id, id, $2, $5, 'booked', starts_at, $4 FROM counted \
               RETURNING id, clinic_id \
             ), job AS ( \
               INSERT INTO outbox (clinic_id, kind, appointment_id, created_at, next_attempt_at) \
               SELECT clinic_id, $6, id, $4, $4 FROM booked \
             ), audit AS ( \
               INSERT INTO audit_event (at, actor_kind, actor_id, action, clinic_id, national_id, subject) \
               SELECT $4, $7, $2, $8, clinic_id, $2, 'appointment:' || id FROM booked \
             ) \
             SELECT (SELECT COUNT(*) FROM released), (SELECT id FROM booked)",
        )
        .bind(booking.slot.id)
        .bind(booking.patient.as_str())
        .bind(booking.hold)
        .bind(booking.now)
        .bind(booking.reason.as_str())
        .bind(NotificationKind::Booked.code())
        .bind(Actor::Patient(booking.patient.clone()).kind())
        .bind(AuditAction::AppointmentBooked.code())
        .fetch_one(&mut *conn)
        .await?;
        Ok(match appointment {
            Some(id) => Booked::Appointment(id),
            None if booking.hold.is_some() && released == 0 => Booked::HoldLost,
            None => Booked::Taken,
        })
    }
}

crate::sql::shared_store!(
    PostgresStore,
    Postgres,
    lock_slot = " FOR UPDATE OF s",
    lock_patient = " FOR UPDATE OF p"
);
