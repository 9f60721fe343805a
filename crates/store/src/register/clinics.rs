//! Clinics as the register keeps them, and the services switched on for each.

use crate::audit::{Entry, record};
use crate::db::{Database, Executor, Transaction, q};
use crate::rows::{ClinicRow, clinic_columns};
use crate::{Result, SqlStore, StoreError};
use async_trait::async_trait;
use domain::{
    Actor, AuditAction, Clinic, ClinicId, ClinicName, HerId, InfoText, Municipality, OrgNumber,
    PhoneNumber, TimebookKind,
};

#[async_trait]
pub trait Clinics: Send + Sync {
    /// Creates the clinic or, when its HER-id is known, updates its name and info text.
    async fn save_clinic(
        &self,
        actor: &Actor,
        her_id: HerId,
        name: &ClinicName,
        info: &InfoText,
    ) -> Result<Clinic>;
    async fn clinic(&self, id: ClinicId) -> Result<Clinic>;
    async fn clinic_by_her_id(&self, her_id: HerId) -> Result<Option<Clinic>>;
    /// The clinic with this organisation number (the first by name, should several share one).
    async fn clinic_by_org_number(&self, org_number: &OrgNumber) -> Result<Option<Clinic>>;
    /// Sets the organisation number the register keeps for a clinic.
    async fn set_org_number(
        &self,
        actor: &Actor,
        clinic_id: ClinicId,
        org_number: &OrgNumber,
    ) -> Result<Clinic>;
    /// Sets or clears the phone number the register keeps for a clinic.
    async fn set_phone(
        &self,
        actor: &Actor,
        clinic_id: ClinicId,
        phone: Option<&PhoneNumber>,
    ) -> Result<Clinic>;
    /// Sets or clears the municipality the register keeps for a clinic.
    async fn set_municipality(
        &self,
        actor: &Actor,
        clinic_id: ClinicId,
        municipality: Option<&Municipality>,
    ) -> Result<Clinic>;
    /// Every clinic in the register, by name.
    async fn clinics(&self) -> Result<Vec<Clinic>>;
    /// Switches a timebook kind on or off for a clinic; off hides it from patients and
    /// refuses the next hold and booking at once.
    async fn set_service(
        &self,
        actor: &Actor,
        clinic_id: ClinicId,
        kind: TimebookKind,
        enabled: bool,
    ) -> Result<()>;
    /// The kinds the clinic has switched on. A kind never switched is on.
    async fn enabled_services(&self, clinic_id: ClinicId) -> Result<Vec<TimebookKind>>;
}

impl<D: Database> SqlStore<D> {
    /// Sets one column of a clinic the register keeps; `statement` sets it to $2 for clinic
    /// $1 and returns the clinic.
    async fn set_clinic_field(
        &self,
        actor: &Actor,
        clinic_id: ClinicId,
        statement: &'static str,
        value: Option<&str>,
    ) -> Result<Clinic> {
        let now = self.now().as_second();
        let mut tx = self.db.begin_write().await?;
        let row: ClinicRow = tx
            .fetch_optional(q(statement).bind(clinic_id.0).bind(value))
            .await?
            .ok_or(StoreError::NotFound("clinic"))?;
        record(
            &mut tx,
            Entry {
                at: now,
                actor,
                action: AuditAction::ClinicSaved,
                clinic_id: Some(clinic_id.0),
                patient: None,
                subject: format!("clinic:{}", clinic_id.0),
            },
        )
        .await?;
        tx.commit().await?;
        row.into_domain()
    }

    async fn one_clinic(&self, statement: crate::db::Statement) -> Result<Option<Clinic>> {
        let row: Option<ClinicRow> = self.db.pool().fetch_optional(statement).await?;
        row.map(ClinicRow::into_domain).transpose()
    }
}

#[async_trait]
impl<D: Database> Clinics for SqlStore<D> {
    async fn save_clinic(
        &self,
        actor: &Actor,
        her_id: HerId,
        name: &ClinicName,
        info: &InfoText,
    ) -> Result<Clinic> {
        let now = self.now().as_second();
        let mut tx = self.db.begin_write().await?;
        let row: ClinicRow = tx
            .fetch_one(
                q(concat!(
                    "INSERT INTO clinic (her_id, name, info, created_at) VALUES ($1, $2, $3, $4) \
                   ON CONFLICT (her_id) DO UPDATE SET name = excluded.name, info = excluded.info \
                   RETURNING ",
                    clinic_columns!()
                ))
                .bind(i64::from(her_id))
                .bind(name.as_str())
                .bind(info.as_str())
                .bind(now),
            )
            .await?;
        record(
            &mut tx,
            Entry {
                at: now,
                actor,
                action: AuditAction::ClinicSaved,
                clinic_id: Some(row.id),
                patient: None,
                subject: format!("clinic:{}", row.id),
            },
        )
        .await?;
        tx.commit().await?;
        row.into_domain()
    }

    async fn clinic(&self, id: ClinicId) -> Result<Clinic> {
        self.one_clinic(
            q(concat!(
                "SELECT ",
                clinic_columns!(),
                " FROM clinic WHERE id = $1"
            ))
            .bind(id.0),
        )
        .await?
        .ok_or(StoreError::NotFound("clinic"))
    }

    async fn clinic_by_her_id(&self, her_id: HerId) -> Result<Option<Clinic>> {
        self.one_clinic(
            q(concat!(
                "SELECT ",
                clinic_columns!(),
                " FROM clinic WHERE her_id = $1"
            ))
            .bind(i64::from(her_id)),
        )
        .await
    }

    async fn clinic_by_org_number(&self, org_number: &OrgNumber) -> Result<Option<Clinic>> {
        self.one_clinic(
            q(concat!(
                "SELECT ",
                clinic_columns!(),
                " FROM clinic WHERE org_number = $1 ORDER BY name, id LIMIT 1"
            ))
            .bind(org_number.as_str()),
        )
        .await
    }

    async fn set_org_number(
        &self,
        actor: &Actor,
        clinic_id: ClinicId,
        org_number: &OrgNumber,
    ) -> Result<Clinic> {
        self.set_clinic_field(
            actor,
            clinic_id,
            concat!(
                "UPDATE clinic SET org_number = $2 WHERE id = $1 RETURNING ",
                clinic_columns!()
            ),
            Some(org_number.as_str()),
        )
        .await
    }

    async fn set_phone(
        &self,
        actor: &Actor,
        clinic_id: ClinicId,
        phone: Option<&PhoneNumber>,
    ) -> Result<Clinic> {
        self.set_clinic_field(
            actor,
            clinic_id,
            concat!(
                "UPDATE clinic SET phone = $2 WHERE id = $1 RETURNING ",
                clinic_columns!()
            ),
            phone.map(PhoneNumber::as_str),
        )
        .await
    }

    async fn set_municipality(
        &self,
        actor: &Actor,
        clinic_id: ClinicId,
        municipality: Option<&Municipality>,
    ) -> Result<Clinic> {
        self.set_clinic_field(
            actor,
            clinic_id,
            concat!(
                "UPDATE clinic SET municipality = $2 WHERE id = $1 RETURNING ",
                clinic_columns!()
            ),
            municipality.map(ToString::to_string).as_deref(),
        )
        .await
    }

    async fn clinics(&self) -> Result<Vec<Clinic>> {
        let rows: Vec<ClinicRow> = self
            .db
            .pool()
            .fetch_all(q(concat!(
                "SELECT ",
                clinic_columns!(),
                " FROM clinic ORDER BY name, id"
            )))
            .await?;
        rows.into_iter().map(ClinicRow::into_domain).collect()
    }

    async fn set_service(
        &self,
        actor: &Actor,
        clinic_id: ClinicId,
        kind: TimebookKind,
        enabled: bool,
    ) -> Result<()> {
        let now = self.now().as_second();
        let mut tx = self.db.begin_write().await?;
        tx.execute(
            q(
                "INSERT INTO clinic_service (clinic_id, kind, enabled) VALUES ($1, $2, $3) \
               ON CONFLICT (clinic_id, kind) DO UPDATE SET enabled = excluded.enabled",
            )
            .bind(clinic_id.0)
            .bind(kind.code())
            .bind(enabled),
        )
        .await
        .map_err(|error| match &error {
            StoreError::Database(sqlx::Error::Database(db)) if db.is_foreign_key_violation() => {
                StoreError::NotFound("clinic")
            }
            _ => error,
        })?;
        // A service switched off takes its slots out of a finder's view, and back.
        tx.execute(
            q(
                "UPDATE slot SET changed_at = $3 WHERE starts_at > $3 AND timebook_id IN \
                 (SELECT id FROM timebook WHERE clinic_id = $1 AND kind = $2)",
            )
            .bind(clinic_id.0)
            .bind(kind.code())
            .bind(now),
        )
        .await?;
        record(
            &mut tx,
            Entry {
                at: now,
                actor,
                action: AuditAction::ServiceSwitched,
                clinic_id: Some(clinic_id.0),
                patient: None,
                subject: format!("{}:{}", kind.code(), if enabled { "on" } else { "off" }),
            },
        )
        .await?;
        tx.commit().await
    }

    async fn enabled_services(&self, clinic_id: ClinicId) -> Result<Vec<TimebookKind>> {
        let off: Vec<(String,)> = self
            .db
            .pool()
            .fetch_all(
                q("SELECT kind FROM clinic_service WHERE clinic_id = $1 AND enabled = FALSE")
                    .bind(clinic_id.0),
            )
            .await?;
        Ok(TimebookKind::ALL
            .into_iter()
            .filter(|kind| !off.iter().any(|(o,)| o == kind.code()))
            .collect())
    }
}
