//! A clinic's patients: its list (fastlegeliste) and the patients it has blocked from booking
//! themselves.

use crate::audit::{Entry, record};
use crate::db::{Database, Executor, Transaction, q};
use crate::rows::{BlockRow, PatientRow};
use crate::{Result, SqlStore, StoreError};
use async_trait::async_trait;
use domain::{Actor, AuditAction, Block, BlockReason, ClinicId, NationalId, Patient, PersonName};

#[async_trait]
pub trait PatientList: Send + Sync {
    /// The patients on a clinic's list, by last name.
    async fn clinic_patients(&self, clinic_id: ClinicId) -> Result<Vec<Patient>>;
    /// Puts a patient on the clinic's list (fastlegeliste), moving them from another office's
    /// list if need be: a person has one GP office.
    async fn list_patient(
        &self,
        actor: &Actor,
        clinic_id: ClinicId,
        patient: &NationalId,
        first: &PersonName,
        last: &PersonName,
    ) -> Result<Patient>;
    async fn unlist_patient(
        &self,
        actor: &Actor,
        clinic_id: ClinicId,
        patient: &NationalId,
    ) -> Result<()>;
    /// The patient and the GP office whose list they are on.
    async fn patient(&self, patient: &NationalId) -> Result<Option<Patient>>;
    /// Blocks a patient at one clinic and releases their holds there.
    async fn block_patient(
        &self,
        actor: &Actor,
        clinic_id: ClinicId,
        patient: &NationalId,
        reason: &BlockReason,
    ) -> Result<Block>;
    async fn unblock_patient(
        &self,
        actor: &Actor,
        clinic_id: ClinicId,
        patient: &NationalId,
    ) -> Result<()>;
    async fn blocks(&self, clinic_id: ClinicId) -> Result<Vec<Block>>;
}

/// The audit entry of a change to a patient's standing at a clinic.
fn patient_changed<'a>(
    actor: &'a Actor,
    action: AuditAction,
    at: i64,
    clinic_id: ClinicId,
    patient: &'a NationalId,
    subject: &str,
) -> Entry<'a> {
    Entry {
        at,
        actor,
        action,
        clinic_id: Some(clinic_id.0),
        patient: Some(patient),
        subject: subject.to_owned(),
    }
}

#[async_trait]
impl<D: Database> PatientList for SqlStore<D> {
    async fn clinic_patients(&self, clinic_id: ClinicId) -> Result<Vec<Patient>> {
        let rows: Vec<PatientRow> = self
            .db
            .pool()
            .fetch_all(
                q(
                    "SELECT national_id, clinic_id, first_name, last_name FROM patient \
                   WHERE clinic_id = $1 ORDER BY last_name, first_name, national_id",
                )
                .bind(clinic_id.0),
            )
            .await?;
        let patients = rows
            .into_iter()
            .map(PatientRow::into_domain)
            .collect::<Result<Vec<_>>>()?;
        Ok(patients.into_iter().flatten().collect())
    }

    async fn list_patient(
        &self,
        actor: &Actor,
        clinic_id: ClinicId,
        patient: &NationalId,
        first: &PersonName,
        last: &PersonName,
    ) -> Result<Patient> {
        let now = self.now().as_second();
        let mut tx = self.db.begin_write().await?;
        tx.execute(
            q(
                "INSERT INTO patient (national_id, clinic_id, first_name, last_name) \
               VALUES ($1, $2, $3, $4) \
               ON CONFLICT (national_id) DO UPDATE SET clinic_id = excluded.clinic_id, \
                 first_name = excluded.first_name, last_name = excluded.last_name",
            )
            .bind(patient.as_str())
            .bind(clinic_id.0)
            .bind(first.as_str())
            .bind(last.as_str()),
        )
        .await?;
        let action = AuditAction::PatientListed;
        let entry = patient_changed(actor, action, now, clinic_id, patient, "patient");
        record(&mut tx, entry).await?;
        tx.commit().await?;
        Ok(Patient {
            national_id: patient.clone(),
            first_name: first.clone(),
            last_name: last.clone(),
            clinic_id,
        })
    }

    async fn unlist_patient(
        &self,
        actor: &Actor,
        clinic_id: ClinicId,
        patient: &NationalId,
    ) -> Result<()> {
        let now = self.now().as_second();
        let mut tx = self.db.begin_write().await?;
        let changed = tx
            .execute(
                q("UPDATE patient SET clinic_id = NULL WHERE national_id = $1 AND clinic_id = $2")
                    .bind(patient.as_str())
                    .bind(clinic_id.0),
            )
            .await?;
        if changed == 0 {
            return Err(StoreError::NotFound("patient"));
        }
        let action = AuditAction::PatientUnlisted;
        let entry = patient_changed(actor, action, now, clinic_id, patient, "patient");
        record(&mut tx, entry).await?;
        tx.commit().await
    }

    async fn patient(&self, patient: &NationalId) -> Result<Option<Patient>> {
        let row: Option<PatientRow> = self
            .db
            .pool()
            .fetch_optional(
                q(
                    "SELECT national_id, clinic_id, first_name, last_name FROM patient \
                   WHERE national_id = $1",
                )
                .bind(patient.as_str()),
            )
            .await?;
        Ok(row.map(PatientRow::into_domain).transpose()?.flatten())
    }

    async fn block_patient(
        &self,
        actor: &Actor,
        clinic_id: ClinicId,
        patient: &NationalId,
        reason: &BlockReason,
    ) -> Result<Block> {
        let now = self.now().as_second();
        let mut tx = self.db.begin_write().await?;
        // Waits for a booking of this patient that is under way, so that it either finished
        // before the block or sees it.
        tx.lock(
            q("SELECT p.national_id FROM patient p WHERE p.national_id = $1 FOR UPDATE OF p")
                .bind(patient.as_str()),
        )
        .await?;
        let row: BlockRow = tx
            .fetch_one(
                q(
                    "INSERT INTO block (clinic_id, national_id, reason, blocked_at) \
                   VALUES ($1, $2, $3, $4) \
                   ON CONFLICT (clinic_id, national_id) DO UPDATE SET reason = excluded.reason \
                   RETURNING clinic_id, national_id, reason, blocked_at",
                )
                .bind(clinic_id.0)
                .bind(patient.as_str())
                .bind(reason.as_str())
                .bind(now),
            )
            .await?;
        tx.execute(
            q("DELETE FROM slot_hold WHERE national_id = $1 AND clinic_id = $2")
                .bind(patient.as_str())
                .bind(clinic_id.0),
        )
        .await?;
        let action = AuditAction::PatientBlocked;
        let entry = patient_changed(actor, action, now, clinic_id, patient, "block");
        record(&mut tx, entry).await?;
        tx.commit().await?;
        row.into_domain()
    }

    async fn unblock_patient(
        &self,
        actor: &Actor,
        clinic_id: ClinicId,
        patient: &NationalId,
    ) -> Result<()> {
        let now = self.now().as_second();
        let mut tx = self.db.begin_write().await?;
        let removed = tx
            .execute(
                q("DELETE FROM block WHERE clinic_id = $1 AND national_id = $2")
                    .bind(clinic_id.0)
                    .bind(patient.as_str()),
            )
            .await?;
        if removed == 0 {
            return Err(StoreError::NotFound("block"));
        }
        let action = AuditAction::PatientUnblocked;
        let entry = patient_changed(actor, action, now, clinic_id, patient, "block");
        record(&mut tx, entry).await?;
        tx.commit().await
    }

    async fn blocks(&self, clinic_id: ClinicId) -> Result<Vec<Block>> {
        let rows: Vec<BlockRow> = self
            .db
            .pool()
            .fetch_all(
                q(
                    "SELECT clinic_id, national_id, reason, blocked_at FROM block \
                   WHERE clinic_id = $1 ORDER BY blocked_at, national_id",
                )
                .bind(clinic_id.0),
            )
            .await?;
        rows.into_iter().map(BlockRow::into_domain).collect()
    }
}
