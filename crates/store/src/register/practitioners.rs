//! Fastleger: each clinic's practitioners and their lists. A patient is on a practitioner's
//! list while they are on that practitioner's clinic's list too: moved to another clinic,
//! they are on none of the old clinic's practitioners' lists, without a write here.

use super::patients::{IMPORT_CHUNK, placeholders};
use crate::audit::{Entry, record};
use crate::db::{Database, Executor, Statement, Transaction, q};
use crate::rows::{national_id, valid};
use crate::{Result, SqlStore, StoreError};
use async_trait::async_trait;
use domain::{
    Actor, AuditAction, ClinicId, HprNumber, NationalId, PersonName, Practitioner, PractitionerId,
};

/// A practitioner and how many patients are on their list now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedPractitioner {
    pub practitioner: Practitioner,
    pub patients: u64,
}

#[async_trait]
pub trait Practitioners: Send + Sync {
    /// Adds the clinic's practitioner with this HPR number, or renames them. Audited.
    async fn save_practitioner(
        &self,
        actor: &Actor,
        clinic_id: ClinicId,
        hpr_number: HprNumber,
        (first_name, last_name): (&PersonName, &PersonName),
    ) -> Result<Practitioner>;

    /// The clinic's practitioners by last and first name, each with their list's size.
    async fn practitioners(&self, clinic_id: ClinicId) -> Result<Vec<ListedPractitioner>>;

    /// Puts the patients on the practitioner's list, off any other practitioner's, in one
    /// transaction with one audit entry. Only patients on the practitioner's clinic's list are
    /// put there; answers how many were. Another clinic's practitioner is not found.
    async fn list_with_practitioner(
        &self,
        actor: &Actor,
        clinic_id: ClinicId,
        practitioner: PractitionerId,
        patients: &[NationalId],
    ) -> Result<u64>;

    /// Puts each list's patients on its practitioner's list, as
    /// [`Practitioners::list_with_practitioner`] does, all in one transaction with an audit
    /// entry for each practitioner: the register's import of fastlegelister. Answers how many
    /// patients were put on a list.
    async fn import_practitioner_lists(
        &self,
        actor: &Actor,
        clinic_id: ClinicId,
        lists: &[(PractitionerId, Vec<NationalId>)],
    ) -> Result<u64>;

    /// The practitioner whose list the patient is on, if any.
    async fn practitioner_of(&self, patient: &NationalId) -> Result<Option<Practitioner>>;

    /// The practitioners of those of `patients` who are on a list of the clinic's
    /// practitioners, in one read for a page of the list.
    async fn practitioners_of(
        &self,
        clinic_id: ClinicId,
        patients: &[NationalId],
    ) -> Result<Vec<(NationalId, Practitioner)>>;
}

/// Puts the patients `$3` to `$count+2` of clinic `$2`'s list on practitioner `$1`'s, off any
/// other practitioner's; a patient off the clinic's list is left out.
fn list_rows(count: usize) -> String {
    format!(
        "INSERT INTO practitioner_list (national_id, practitioner_id) \
         SELECT x.national_id, $1 FROM patient x \
         WHERE x.clinic_id = $2 AND x.national_id IN ({}) \
         ON CONFLICT (national_id) DO UPDATE SET practitioner_id = excluded.practitioner_id",
        placeholders(3, count)
    )
}

type Row = (i64, i64, i64, String, String);

fn practitioner((id, clinic_id, hpr, first, last): Row) -> Result<Practitioner> {
    Ok(Practitioner {
        id: PractitionerId(id),
        clinic_id: ClinicId(clinic_id),
        hpr_number: valid(HprNumber::new(hpr), "practitioner.hpr_number")?,
        first_name: valid(PersonName::parse(&first), "practitioner.first_name")?,
        last_name: valid(PersonName::parse(&last), "practitioner.last_name")?,
    })
}

#[async_trait]
impl<D: Database> Practitioners for SqlStore<D> {
    async fn save_practitioner(
        &self,
        actor: &Actor,
        clinic_id: ClinicId,
        hpr_number: HprNumber,
        (first_name, last_name): (&PersonName, &PersonName),
    ) -> Result<Practitioner> {
        let now = self.now().as_second();
        let mut tx = self.db.begin_write().await?;
        let row: Row = tx
            .fetch_one(
                q(
                    "INSERT INTO practitioner (clinic_id, hpr_number, first_name, last_name) \
                   VALUES ($1, $2, $3, $4) \
                   ON CONFLICT (clinic_id, hpr_number) DO UPDATE \
                     SET first_name = excluded.first_name, last_name = excluded.last_name \
                   RETURNING id, clinic_id, hpr_number, first_name, last_name",
                )
                .bind(clinic_id.0)
                .bind(i64::from(hpr_number))
                .bind(first_name.as_str())
                .bind(last_name.as_str()),
            )
            .await?;
        record(
            &mut tx,
            Entry {
                at: now,
                actor,
                action: AuditAction::PractitionerSaved,
                clinic_id: Some(clinic_id.0),
                patient: None,
                subject: format!("practitioner:{}", row.0),
            },
        )
        .await?;
        tx.commit().await?;
        practitioner(row)
    }

    async fn practitioners(&self, clinic_id: ClinicId) -> Result<Vec<ListedPractitioner>> {
        let rows: Vec<(i64, i64, i64, String, String, i64)> = self
            .db
            .pool()
            .fetch_all(
                q(
                    "SELECT p.id, p.clinic_id, p.hpr_number, p.first_name, p.last_name, \
                     (SELECT COUNT(*) FROM practitioner_list l \
                        JOIN patient x ON x.national_id = l.national_id \
                      WHERE l.practitioner_id = p.id AND x.clinic_id = p.clinic_id) \
                   FROM practitioner p WHERE p.clinic_id = $1 \
                   ORDER BY p.last_name, p.first_name, p.id",
                )
                .bind(clinic_id.0),
            )
            .await?;
        rows.into_iter()
            .map(|(id, clinic, hpr, first, last, listed)| {
                Ok(ListedPractitioner {
                    practitioner: practitioner((id, clinic, hpr, first, last))?,
                    patients: u64::try_from(listed)
                        .map_err(|_| StoreError::Corrupt("practitioner list size"))?,
                })
            })
            .collect()
    }

    async fn list_with_practitioner(
        &self,
        actor: &Actor,
        clinic_id: ClinicId,
        practitioner: PractitionerId,
        patients: &[NationalId],
    ) -> Result<u64> {
        self.import_practitioner_lists(actor, clinic_id, &[(practitioner, patients.to_vec())])
            .await
    }

    async fn import_practitioner_lists(
        &self,
        actor: &Actor,
        clinic_id: ClinicId,
        lists: &[(PractitionerId, Vec<NationalId>)],
    ) -> Result<u64> {
        let now = self.now().as_second();
        let mut tx = self.db.begin_write().await?;
        let mut total = 0;
        for (practitioner, patients) in lists {
            let found: Option<(i64,)> = tx
                .fetch_optional(
                    q("SELECT id FROM practitioner WHERE id = $1 AND clinic_id = $2")
                        .bind(practitioner.0)
                        .bind(clinic_id.0),
                )
                .await?;
            found.ok_or(StoreError::NotFound("practitioner"))?;
            let mut listed = 0;
            for chunk in patients.chunks(IMPORT_CHUNK) {
                let statement = chunk.iter().fold(
                    Statement::shared(list_rows(chunk.len()).into())
                        .bind(practitioner.0)
                        .bind(clinic_id.0),
                    |statement, id| statement.bind(id.as_str()),
                );
                listed += tx.execute(statement).await?;
            }
            record(
                &mut tx,
                Entry {
                    at: now,
                    actor,
                    action: AuditAction::PractitionerListChanged,
                    clinic_id: Some(clinic_id.0),
                    patient: None,
                    subject: format!("practitioner:{}:{listed}", practitioner.0),
                },
            )
            .await?;
            total += listed;
        }
        tx.commit().await?;
        Ok(total)
    }

    async fn practitioner_of(&self, patient: &NationalId) -> Result<Option<Practitioner>> {
        let row: Option<Row> = self
            .db
            .pool()
            .fetch_optional(
                q(
                    "SELECT p.id, p.clinic_id, p.hpr_number, p.first_name, p.last_name \
                   FROM practitioner_list l \
                     JOIN practitioner p ON p.id = l.practitioner_id \
                     JOIN patient x ON x.national_id = l.national_id \
                   WHERE l.national_id = $1 AND x.clinic_id = p.clinic_id",
                )
                .bind(patient.as_str()),
            )
            .await?;
        row.map(practitioner).transpose()
    }

    async fn practitioners_of(
        &self,
        clinic_id: ClinicId,
        patients: &[NationalId],
    ) -> Result<Vec<(NationalId, Practitioner)>> {
        let mut found = Vec::new();
        for chunk in patients.chunks(IMPORT_CHUNK) {
            let sql = format!(
                "SELECT l.national_id, p.id, p.clinic_id, p.hpr_number, p.first_name, p.last_name \
                 FROM practitioner_list l \
                   JOIN practitioner p ON p.id = l.practitioner_id \
                   JOIN patient x ON x.national_id = l.national_id \
                 WHERE p.clinic_id = $1 AND x.clinic_id = p.clinic_id \
                   AND l.national_id IN ({})",
                placeholders(2, chunk.len())
            );
            let statement = chunk.iter().fold(
                Statement::shared(sql.into()).bind(clinic_id.0),
                |statement, id| statement.bind(id.as_str()),
            );
            let rows: Vec<(String, i64, i64, i64, String, String)> =
                self.db.pool().fetch_all(statement).await?;
            for (number, id, clinic, hpr, first, last) in rows {
                let patient = national_id(&number, "practitioner_list.national_id")?;
                found.push((patient, practitioner((id, clinic, hpr, first, last))?));
            }
        }
        Ok(found)
    }
}
