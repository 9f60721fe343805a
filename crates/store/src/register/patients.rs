//! A clinic's patients: its list (fastlegeliste) and the patients it has blocked from booking
//! themselves.

use crate::audit::{Entry, record};
use crate::db::{Database, Executor, Statement, Transaction, q};
use crate::rows::{BlockRow, BlockedPatientRow, PatientRow};
use crate::{BlockedPatient, ImportCounts, ListEntry, PatientPage, Result, SqlStore, StoreError};
use async_trait::async_trait;
use domain::{
    Actor, AuditAction, Block, BlockReason, ClinicId, NationalId, Patient, PersonName, Refusal,
};
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

/// Patients per statement of an import: 3,001 parameters, under SQLite's limit of 32,766 and
/// PostgreSQL's of 65,535, and few enough round trips for a list of 50,000.
pub(super) const IMPORT_CHUNK: usize = 1000;

#[async_trait]
pub trait PatientList: Send + Sync {
    /// The patients on a clinic's list, by last name.
    async fn clinic_patients(&self, clinic_id: ClinicId) -> Result<Vec<Patient>>;
    /// Up to `limit` patients of the clinic's list from the `offset`th on, in the order of
    /// [`PatientList::clinic_patients`], and how many the list has.
    async fn clinic_patients_page(
        &self,
        clinic_id: ClinicId,
        offset: u64,
        limit: u32,
    ) -> Result<PatientPage>;
    /// Puts every patient of a file on the clinic's list in one transaction, as
    /// [`PatientList::list_patient`] would one by one, and writes one audit event with the
    /// counts. A patient named twice is taken as the last line has them.
    async fn import_patients(
        &self,
        actor: &Actor,
        clinic_id: ClinicId,
        entries: &[ListEntry],
    ) -> Result<ImportCounts>;
    /// As [`PatientList::import_patients`], and takes `removed` off the clinic's list in the
    /// same transaction (those not on it are passed over), with the number taken off in the
    /// one audit event. Answers the counts and how many were taken off.
    async fn change_patient_list(
        &self,
        actor: &Actor,
        clinic_id: ClinicId,
        entries: &[ListEntry],
        removed: &[NationalId],
    ) -> Result<(ImportCounts, u64)>;
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
    /// Blocks a patient of the clinic's list and releases their holds there. A number that is
    /// not on the clinic's list is refused with [`Refusal::NotOnList`], the same way and after
    /// the same statements whether it is on another office's list or on none, so that a
    /// clinic learns nothing of people who are not its patients.
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
    /// The clinic's blocks, each with the patient's name while the patient is on the clinic's
    /// list; a blocked patient who has moved to another office is shown by number only, since
    /// their name is now that office's to know.
    async fn blocked_patients(&self, clinic_id: ClinicId) -> Result<Vec<BlockedPatient>>;
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

    async fn clinic_patients_page(
        &self,
        clinic_id: ClinicId,
        offset: u64,
        limit: u32,
    ) -> Result<PatientPage> {
        let mut pool = self.db.pool();
        let (total,): (i64,) = pool
            .fetch_one(q("SELECT COUNT(*) FROM patient WHERE clinic_id = $1").bind(clinic_id.0))
            .await?;
        let rows: Vec<PatientRow> = pool
            .fetch_all(
                q(
                    "SELECT national_id, clinic_id, first_name, last_name FROM patient \
                   WHERE clinic_id = $1 ORDER BY last_name, first_name, national_id \
                   LIMIT $2 OFFSET $3",
                )
                .bind(clinic_id.0)
                .bind(i64::from(limit))
                .bind(i64::try_from(offset).unwrap_or(i64::MAX)),
            )
            .await?;
        let patients = rows
            .into_iter()
            .map(PatientRow::into_domain)
            .collect::<Result<Vec<_>>>()?;
        Ok(PatientPage {
            patients: patients.into_iter().flatten().collect(),
            total: u64::try_from(total).unwrap_or(0),
        })
    }

    async fn import_patients(
        &self,
        actor: &Actor,
        clinic_id: ClinicId,
        entries: &[ListEntry],
    ) -> Result<ImportCounts> {
        Ok(self
            .change_patient_list(actor, clinic_id, entries, &[])
            .await?
            .0)
    }

    async fn change_patient_list(
        &self,
        actor: &Actor,
        clinic_id: ClinicId,
        entries: &[ListEntry],
        removed: &[NationalId],
    ) -> Result<(ImportCounts, u64)> {
        let now = self.now().as_second();
        let entries = last_of_each(entries);
        let mut counts = ImportCounts::default();
        let mut tx = self.db.begin_write().await?;
        for chunk in entries.chunks(IMPORT_CHUNK) {
            import_chunk(&mut tx, clinic_id, chunk, &mut counts).await?;
        }
        let mut taken_off = 0;
        for chunk in removed.chunks(IMPORT_CHUNK) {
            let statement = chunk.iter().fold(
                Statement::shared(unlist_rows(chunk.len()).into()).bind(clinic_id.0),
                |statement, id| statement.bind(id.as_str()),
            );
            taken_off += tx.execute(statement).await?;
        }
        let mut subject = format!(
            "patient_list:{} added={} updated={} unchanged={}",
            entries.len(),
            counts.added,
            counts.updated,
            counts.unchanged
        );
        if !removed.is_empty() {
            let _ = write!(subject, " removed={taken_off}");
        }
        record(
            &mut tx,
            Entry {
                at: now,
                actor,
                action: AuditAction::PatientListImported,
                clinic_id: Some(clinic_id.0),
                patient: None,
                subject,
            },
        )
        .await?;
        tx.commit().await?;
        Ok((counts, taken_off))
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
        // before the block or sees it. Only a patient of this clinic's list is locked: for any
        // other number both statements find no row, whoever's list it may be on.
        tx.lock(
            q("SELECT p.national_id FROM patient p \
               WHERE p.national_id = $1 AND p.clinic_id = $2 FOR UPDATE OF p")
            .bind(patient.as_str())
            .bind(clinic_id.0),
        )
        .await?;
        // The list is checked by the insert itself, in this transaction: a patient moved to
        // another office meanwhile cannot be blocked here on the strength of an earlier look.
        let row: Option<BlockRow> = tx
            .fetch_optional(
                q(
                    "INSERT INTO block (clinic_id, national_id, reason, blocked_at) \
                   SELECT p.clinic_id, p.national_id, $3, $4 FROM patient p \
                   WHERE p.national_id = $2 AND p.clinic_id = $1 \
                   ON CONFLICT (clinic_id, national_id) DO UPDATE SET reason = excluded.reason \
                   RETURNING clinic_id, national_id, reason, blocked_at",
                )
                .bind(clinic_id.0)
                .bind(patient.as_str())
                .bind(reason.as_str())
                .bind(now),
            )
            .await?;
        // Dropping the transaction rolls it back: a refusal writes nothing, not even an audit
        // event, as for any other refusal of the booking core.
        let Some(row) = row else {
            return Err(StoreError::Refused(Refusal::NotOnList));
        };
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

    async fn blocked_patients(&self, clinic_id: ClinicId) -> Result<Vec<BlockedPatient>> {
        // The name is joined from the clinic's own list only, never from the person's row as
        // another office keeps it.
        let rows: Vec<BlockedPatientRow> = self
            .db
            .pool()
            .fetch_all(
                q(
                    "SELECT b.clinic_id, b.national_id, b.reason, b.blocked_at, \
                     p.first_name, p.last_name FROM block b \
                   LEFT JOIN patient p \
                     ON p.national_id = b.national_id AND p.clinic_id = b.clinic_id \
                   WHERE b.clinic_id = $1 ORDER BY b.blocked_at, b.national_id",
                )
                .bind(clinic_id.0),
            )
            .await?;
        rows.into_iter()
            .map(BlockedPatientRow::into_domain)
            .collect()
    }
}

/// Counts a chunk's patients against their stored rows and writes those that change, so that
/// the same file again writes nothing.
async fn import_chunk(
    tx: &mut impl Transaction,
    clinic_id: ClinicId,
    chunk: &[&ListEntry],
    counts: &mut ImportCounts,
) -> Result<()> {
    let lock = tx.dialect().lock("FOR UPDATE");
    let existing: Vec<(String, Option<i64>, String, String)> = tx
        .fetch_all(chunk.iter().fold(
            Statement::shared(existing_rows(chunk.len(), lock).into()),
            |statement, entry| statement.bind(entry.national_id.as_str()),
        ))
        .await?;
    let existing: HashMap<&str, (Option<i64>, &str, &str)> = existing
        .iter()
        .map(|(id, clinic, first, last)| (id.as_str(), (*clinic, first.as_str(), last.as_str())))
        .collect();
    let mut changed = Vec::new();
    for entry in chunk {
        match existing.get(entry.national_id.as_str()) {
            Some((clinic, first, last)) if *clinic == Some(clinic_id.0) => {
                if *first == entry.first_name.as_str() && *last == entry.last_name.as_str() {
                    counts.unchanged += 1;
                } else {
                    counts.updated += 1;
                    changed.push(*entry);
                }
            }
            _ => {
                counts.added += 1;
                changed.push(*entry);
            }
        }
    }
    if changed.is_empty() {
        return Ok(());
    }
    let statement = changed.iter().fold(
        Statement::shared(upsert_rows(changed.len()).into()).bind(clinic_id.0),
        |statement, entry| {
            statement
                .bind(entry.national_id.as_str())
                .bind(entry.first_name.as_str())
                .bind(entry.last_name.as_str())
        },
    );
    tx.execute(statement).await?;
    Ok(())
}

/// Each patient once, as the last line naming them has them, in the order of those lines.
fn last_of_each(entries: &[ListEntry]) -> Vec<&ListEntry> {
    let mut seen = HashSet::new();
    let mut kept: Vec<&ListEntry> = entries
        .iter()
        .rev()
        .filter(|entry| seen.insert(entry.national_id.as_str()))
        .collect();
    kept.reverse();
    kept
}

/// The stored rows of `count` patients named by `$1` to `$count`, locked on PostgreSQL so that
/// what the import counts is what it changes.
fn existing_rows(count: usize, lock: &str) -> String {
    format!(
        "SELECT national_id, clinic_id, first_name, last_name FROM patient \
         WHERE national_id IN ({}) {lock}",
        placeholders(1, count)
    )
}

/// `$first, …`: `count` numbered parameters, for an `IN (…)` of a batch.
pub(super) fn placeholders(first: usize, count: usize) -> String {
    let mut list = String::new();
    for n in first..first + count {
        let _ = write!(list, "{}${n}", if n == first { "" } else { ", " });
    }
    list
}

/// Takes the patients `$2` to `$count+1` off the list of clinic `$1`.
fn unlist_rows(count: usize) -> String {
    format!(
        "UPDATE patient SET clinic_id = NULL WHERE clinic_id = $1 AND national_id IN ({})",
        placeholders(2, count)
    )
}

/// Puts `count` patients on the list of clinic `$1`: patient `n` is `$3n-1` to `$3n+1`.
fn upsert_rows(count: usize) -> String {
    let mut sql =
        String::from("INSERT INTO patient (national_id, clinic_id, first_name, last_name) VALUES ");
    for n in 0..count {
        let at = 2 + 3 * n;
        let _ = write!(
            sql,
            "{}(${at}, $1, ${}, ${})",
            if n == 0 { "" } else { ", " },
            at + 1,
            at + 2
        );
    }
    sql.push_str(
        " ON CONFLICT (national_id) DO UPDATE SET clinic_id = excluded.clinic_id, \
         first_name = excluded.first_name, last_name = excluded.last_name",
    );
    sql
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_import_statement_numbers_each_patient_after_the_clinic() {
        assert_eq!(
            super::upsert_rows(2).split(" ON CONFLICT").next(),
            Some(
                "INSERT INTO patient (national_id, clinic_id, first_name, last_name) VALUES \
                 ($2, $1, $3, $4), ($5, $1, $6, $7)"
            )
        );
        assert!(super::existing_rows(3, "FOR UPDATE").ends_with("IN ($1, $2, $3) FOR UPDATE"));
    }
}
