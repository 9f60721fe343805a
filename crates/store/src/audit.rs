//! The audit log (Normen, faktaark 15): every change and every staff read of a patient's data
//! is an append-only event, written in the transaction of what it records. Also the outbox as
//! an appointment's jobs, and the integrity numbers an operator checks after a rush.

use crate::db::{Database, Executor, Statement, Transaction, q};
use crate::rows::{AuditRow, OutboxRow};
use crate::{AuditFilter, Integrity, OutboxJob, Result, SqlStore};
use async_trait::async_trait;
use domain::{Actor, AppointmentId, AuditAction, AuditEvent, ClinicId, NationalId};
use std::fmt::Write as _;

/// An audit entry about to be written inside a change's transaction.
pub(crate) struct Entry<'a> {
    pub at: i64,
    pub actor: &'a Actor,
    pub action: AuditAction,
    pub clinic_id: Option<i64>,
    pub patient: Option<&'a NationalId>,
    pub subject: String,
}

/// Writes an entry where the change it records is written.
pub(crate) async fn record(tx: &mut impl Executor, entry: Entry<'_>) -> Result<()> {
    tx.execute(
        q("INSERT INTO audit_event (at, actor_kind, actor_id, action, clinic_id, national_id, subject) \
           VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(entry.at)
        .bind(entry.actor.kind())
        .bind(entry.actor.identifier())
        .bind(entry.action.code())
        .bind(entry.clinic_id)
        .bind(entry.patient.map(NationalId::as_str))
        .bind(entry.subject),
    )
    .await?;
    Ok(())
}

#[async_trait]
pub trait Audit: Send + Sync {
    /// The newest events first.
    async fn audit_events(&self, filter: &AuditFilter) -> Result<Vec<AuditEvent>>;
    /// Records that staff saw a patient's data, where no other operation does.
    async fn record_view(
        &self,
        actor: &Actor,
        clinic_id: ClinicId,
        patient: &NationalId,
        action: AuditAction,
        subject: &str,
    ) -> Result<()>;
    /// Records that staff saw these patients' data on one page: one event per patient, written
    /// together.
    async fn record_views(
        &self,
        actor: &Actor,
        clinic_id: ClinicId,
        patients: &[NationalId],
        action: AuditAction,
        subject: &str,
    ) -> Result<()>;
    /// The patient notification jobs written for an appointment, oldest first.
    async fn outbox_jobs(&self, appointment: AppointmentId) -> Result<Vec<OutboxJob>>;
    /// The numbers an operator checks after a rush: both must be zero.
    async fn integrity(&self) -> Result<Integrity>;
}

#[async_trait]
impl<D: Database> Audit for SqlStore<D> {
    async fn audit_events(&self, filter: &AuditFilter) -> Result<Vec<AuditEvent>> {
        let rows: Vec<AuditRow> = self
            .db
            .pool()
            .fetch_all(
                q(
                    "SELECT at, actor_kind, actor_id, action, clinic_id, national_id, subject \
                   FROM audit_event \
                   WHERE ($1 IS NULL OR national_id = $1) AND ($2 IS NULL OR action = $2) \
                   ORDER BY id DESC LIMIT $3",
                )
                .bind(filter.patient.as_ref().map(NationalId::as_str))
                .bind(filter.action.map(AuditAction::code))
                .bind(i64::from(if filter.limit == 0 {
                    100
                } else {
                    filter.limit
                })),
            )
            .await?;
        rows.into_iter().map(AuditRow::into_domain).collect()
    }

    async fn record_view(
        &self,
        actor: &Actor,
        clinic_id: ClinicId,
        patient: &NationalId,
        action: AuditAction,
        subject: &str,
    ) -> Result<()> {
        let mut tx = self.db.begin_write().await?;
        record(
            &mut tx,
            Entry {
                at: self.now().as_second(),
                actor,
                action,
                clinic_id: Some(clinic_id.0),
                patient: Some(patient),
                subject: subject.to_owned(),
            },
        )
        .await?;
        tx.commit().await
    }

    async fn record_views(
        &self,
        actor: &Actor,
        clinic_id: ClinicId,
        patients: &[NationalId],
        action: AuditAction,
        subject: &str,
    ) -> Result<()> {
        if patients.is_empty() {
            return Ok(());
        }
        let at = self.now().as_second();
        let mut tx = self.db.begin_write().await?;
        // 6 shared values and one per patient: a page of patients fits one statement.
        for chunk in patients.chunks(1000) {
            let mut sql = String::from(
                "INSERT INTO audit_event (at, actor_kind, actor_id, action, clinic_id, subject, \
                 national_id) VALUES ",
            );
            for n in 0..chunk.len() {
                let separator = if n == 0 { "" } else { ", " };
                let _ = write!(sql, "{separator}($1, $2, $3, $4, $5, $6, ${})", n + 7);
            }
            let statement = Statement::shared(sql.into())
                .bind(at)
                .bind(actor.kind())
                .bind(actor.identifier())
                .bind(action.code())
                .bind(clinic_id.0)
                .bind(subject);
            tx.execute(chunk.iter().fold(statement, |statement, patient| {
                statement.bind(patient.as_str())
            }))
            .await?;
        }
        tx.commit().await
    }

    async fn outbox_jobs(&self, appointment: AppointmentId) -> Result<Vec<OutboxJob>> {
        let rows: Vec<OutboxRow> = self
            .db
            .pool()
            .fetch_all(
                q(
                    "SELECT id, kind, appointment_id, created_at, reminder_minutes FROM outbox \
                   WHERE appointment_id = $1 AND subscription_id IS NULL ORDER BY id",
                )
                .bind(appointment.0),
            )
            .await?;
        rows.into_iter().map(OutboxRow::into_domain).collect()
    }

    async fn integrity(&self) -> Result<Integrity> {
        let (overbooked, miscounted): (i64, i64) = self
            .db
            .pool()
            .fetch_one(q(
                "SELECT (SELECT COUNT(*) FROM slot WHERE booked > capacity), \
                        (SELECT COUNT(*) FROM slot s WHERE s.booked <> (SELECT COUNT(*) FROM appointment a \
                           WHERE a.slot_id = s.id AND a.status IN ('booked', 'fulfilled', 'no_show')))",
            ))
            .await?;
        Ok(Integrity {
            overbooked_slots: u64::try_from(overbooked).unwrap_or(0),
            miscounted_slots: u64::try_from(miscounted).unwrap_or(0),
        })
    }
}
