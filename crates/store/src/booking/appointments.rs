//! Appointments as the clinic keeps them: one by id, the day list its staff read (each
//! patient shown is an audited access), and the outcome staff mark after the time.

use crate::audit::{Entry, record};
use crate::db::{Database, Executor, Transaction, q};
use crate::rows::{AppointmentRow, ClinicAppointmentRow, national_id};
use crate::{ClinicAppointment, Result, SqlStore, StoreError};
use async_trait::async_trait;
use domain::{
    Actor, Appointment, AppointmentId, AppointmentStatus, AuditAction, ClinicId, DomainError,
    Refusal,
};
use jiff::civil::Date;

#[async_trait]
pub trait Appointments: Send + Sync {
    async fn appointment(&self, id: AppointmentId) -> Result<Appointment>;
    /// The clinic's appointments starting between two local dates, both included, for its
    /// staff. Each patient shown is an audited access.
    async fn clinic_appointments(
        &self,
        actor: &Actor,
        clinic_id: ClinicId,
        from: Date,
        to: Date,
    ) -> Result<Vec<ClinicAppointment>>;
    /// Marks a booked appointment fulfilled or no-show.
    async fn set_appointment_outcome(
        &self,
        actor: &Actor,
        clinic_id: ClinicId,
        id: AppointmentId,
        outcome: AppointmentStatus,
    ) -> Result<Appointment>;
}

#[async_trait]
impl<D: Database> Appointments for SqlStore<D> {
    async fn appointment(&self, id: AppointmentId) -> Result<Appointment> {
        let row: AppointmentRow = self
            .db
            .pool()
            .fetch_optional(
                q(
                    "SELECT id, slot_id, national_id, reason, status, booked_at \
                   FROM appointment WHERE id = $1",
                )
                .bind(id.0),
            )
            .await?
            .ok_or(StoreError::NotFound("appointment"))?;
        row.into_domain()
    }

    async fn clinic_appointments(
        &self,
        actor: &Actor,
        clinic_id: ClinicId,
        from: Date,
        to: Date,
    ) -> Result<Vec<ClinicAppointment>> {
        if to < from {
            return Err(DomainError::DatesReversed.into());
        }
        let day_after = to.tomorrow().map_err(|_| DomainError::DatesReversed)?;
        let now = self.now().as_second();
        let mut tx = self.db.begin_write().await?;
        let rows: Vec<ClinicAppointmentRow> = tx
            .fetch_all(
                q("SELECT a.id, a.timebook_id, t.kind, r.name AS resource_name, a.starts_at, \
                     s.length_minutes, a.national_id, p.first_name, p.last_name, a.reason, a.status \
                   FROM appointment a \
                     JOIN slot s ON s.id = a.slot_id \
                     JOIN timebook t ON t.id = a.timebook_id \
                     JOIN resource r ON r.id = s.resource_id \
                     JOIN patient p ON p.national_id = a.national_id \
                   WHERE a.clinic_id = $1 AND a.starts_at >= $2 AND a.starts_at < $3 \
                   ORDER BY a.starts_at, t.kind, a.id")
                .bind(clinic_id.0)
                .bind(self.start_of(from)?)
                .bind(self.start_of(day_after)?),
            )
            .await?;
        let appointments = rows
            .into_iter()
            .map(ClinicAppointmentRow::into_domain)
            .collect::<Result<Vec<_>>>()?;
        for shown in &appointments {
            record(
                &mut tx,
                Entry {
                    at: now,
                    actor,
                    action: AuditAction::AppointmentViewed,
                    clinic_id: Some(clinic_id.0),
                    patient: Some(&shown.patient),
                    subject: format!("appointment:{}", shown.id),
                },
            )
            .await?;
        }
        tx.commit().await?;
        Ok(appointments)
    }

    async fn set_appointment_outcome(
        &self,
        actor: &Actor,
        clinic_id: ClinicId,
        id: AppointmentId,
        outcome: AppointmentStatus,
    ) -> Result<Appointment> {
        let action = match outcome {
            AppointmentStatus::Fulfilled => AuditAction::AppointmentFulfilled,
            AppointmentStatus::NoShow => AuditAction::AppointmentNoShow,
            _ => return Err(DomainError::AppointmentStatus.into()),
        };
        let mut tx = self.db.begin_write().await?;
        let row: AppointmentRow = tx
            .fetch_optional(
                q(
                    "SELECT id, slot_id, national_id, reason, status, booked_at \
                   FROM appointment WHERE id = $1 AND clinic_id = $2",
                )
                .bind(id.0)
                .bind(clinic_id.0),
            )
            .await?
            .ok_or(StoreError::NotFound("appointment"))?;
        let changed = tx
            .execute(
                q(
                    "UPDATE appointment SET status = $2, version = version + 1, changed_at = $3 \
                   WHERE id = $1 AND status = 'booked'",
                )
                .bind(id.0)
                .bind(outcome.code())
                .bind(self.now().as_second()),
            )
            .await?;
        if changed == 0 {
            return Err(StoreError::Refused(Refusal::NotBooked));
        }
        let patient = national_id(&row.national_id, "appointment.national_id")?;
        record(
            &mut tx,
            Entry {
                at: self.now().as_second(),
                actor,
                action,
                clinic_id: Some(clinic_id.0),
                patient: Some(&patient),
                subject: format!("appointment:{}", id.0),
            },
        )
        .await?;
        tx.commit().await?;
        let mut appointment = row.into_domain()?;
        appointment.status = outcome;
        Ok(appointment)
    }
}
