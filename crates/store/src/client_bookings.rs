//! Booking, reading and cancelling on a patient's behalf, for machine clients (the FHIR API).
//! The same steps as the portal's: `reserve_slot` and the hold and cancel of `sql.rs`, with the
//! client named in the audit log. Reading an appointment here is not audited by itself; the
//! caller records each read with [`crate::Store::record_view`].

use crate::{AppointmentRecord, ClientCancel, Hold, OnBehalf, ReserveRequest, Reserved, Result};
use async_trait::async_trait;
use domain::{Actor, AppointmentId, NationalId, SlotId};
use jiff::Timestamp;

/// How long an Idempotency-Key is remembered.
pub const IDEMPOTENCY_KEY_SECONDS: i64 = 24 * 60 * 60;

#[async_trait]
pub trait ClientBookings: Send + Sync {
    /// ReserverAvtale on the patient's behalf. With an Idempotency-Key, a request sent again
    /// gets the appointment the first one made.
    async fn reserve_on_behalf(
        &self,
        request: &ReserveRequest,
        on_behalf: &OnBehalf,
    ) -> Result<Reserved>;
    /// Holds a place for the patient, as «Se gjennom før du sender» does; `by` asked for it.
    async fn hold_on_behalf(&self, by: &Actor, patient: &NationalId, slot: SlotId) -> Result<Hold>;
    async fn appointment_record(&self, id: AppointmentId) -> Result<AppointmentRecord>;
    /// The patient's appointments starting in `[from, to)`, by start.
    async fn appointment_records(
        &self,
        patient: &NationalId,
        from: Option<Timestamp>,
        to: Option<Timestamp>,
    ) -> Result<Vec<AppointmentRecord>>;
    /// The patient's own cancellation, asked for by a client: the portal's deadline applies,
    /// and the appointment must still be the version the client saw.
    async fn cancel_on_behalf(&self, request: &ClientCancel) -> Result<AppointmentRecord>;
}

macro_rules! appointment_record_select {
    () => {
        "SELECT a.id, a.version, a.clinic_id, a.timebook_id, t.kind, s.resource_id, r.location_id, \
           l.address, a.slot_id, a.starts_at, s.length_minutes, a.national_id, a.reason, a.status, \
           a.booked_at, a.cancelled_at, a.cancel_reason, t.cancel_deadline_minutes \
         FROM appointment a \
           JOIN slot s ON s.id = a.slot_id \
           JOIN timebook t ON t.id = a.timebook_id \
           JOIN resource r ON r.id = s.resource_id \
           JOIN location l ON l.id = r.location_id"
    };
}

pub(crate) use appointment_record_select;

macro_rules! shared_client_bookings {
    ($store:ty) => {
        impl $store {
            /// A unique key violation: two first tries of one Idempotency-Key raced, and the
            /// other committed first.
            fn is_unique_violation(error: &StoreError) -> bool {
                matches!(error, StoreError::Database(sqlx::Error::Database(db)) if db.is_unique_violation())
            }
        }

        #[async_trait::async_trait]
        impl $crate::client_bookings::ClientBookings for $store {
            async fn reserve_on_behalf(
                &self,
                request: &ReserveRequest,
                on_behalf: &OnBehalf,
            ) -> Result<Reserved> {
                let now = self.now();
                match self.reserve_slot(request, Some(on_behalf), now).await {
                    Err(error) if Self::is_unique_violation(&error) => {
                        let Some(key) = on_behalf.idempotency.as_ref() else { return Err(error) };
                        let mut conn = self.pool.acquire().await?;
                        Self::earlier_booking(&mut conn, key).await?.ok_or(error)
                    }
                    outcome => outcome,
                }
            }

            async fn hold_on_behalf(&self, by: &Actor, patient: &NationalId, slot: SlotId) -> Result<Hold> {
                self.hold_for(by, patient, slot).await
            }

            async fn appointment_record(&self, id: AppointmentId) -> Result<AppointmentRecord> {
                let row: Option<AppointmentRecordRow> = sqlx::query_as(concat!(
                    $crate::client_bookings::appointment_record_select!(),
                    " WHERE a.id = $1"
                ))
                .bind(id.0)
                .fetch_optional(&self.pool)
                .await?;
                row.ok_or(StoreError::NotFound("appointment"))?.into_domain()
            }

            async fn appointment_records(
                &self,
                patient: &NationalId,
                from: Option<Timestamp>,
                to: Option<Timestamp>,
            ) -> Result<Vec<AppointmentRecord>> {
                let rows: Vec<AppointmentRecordRow> = sqlx::query_as(concat!(
                    $crate::client_bookings::appointment_record_select!(),
                    " WHERE a.national_id = $1 AND a.starts_at >= $2 AND a.starts_at < $3 \
                     ORDER BY a.starts_at, a.id"
                ))
                .bind(patient.as_str())
                .bind(from.map_or(i64::MIN, Timestamp::as_second))
                .bind(to.map_or(i64::MAX, Timestamp::as_second))
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter().map(AppointmentRecordRow::into_domain).collect()
            }

            async fn cancel_on_behalf(&self, request: &ClientCancel) -> Result<AppointmentRecord> {
                let found: Option<CancellableRow> = sqlx::query_as(concat!(
                    $crate::sql::cancellable_select!(),
                    " WHERE a.id = $1 AND a.clinic_id = COALESCE($2, a.clinic_id)"
                ))
                .bind(request.id.0)
                .bind(request.clinic.map(|c| c.0))
                .fetch_optional(&self.pool)
                .await?;
                self.cancel(
                    &request.by,
                    found,
                    AppointmentStatus::CancelledByPatient,
                    Some(&request.reason),
                    Some(request.version),
                )
                .await?;
                self.appointment_record(request.id).await
            }
        }
    };
}

pub(crate) use shared_client_bookings;
