//! Where patients come (oppmøtesteder), the clinic's timebooks with their rules, and the
//! places (steder) of each timebook.

use crate::audit::{Entry, record};
use crate::db::{Database, Executor, Transaction, q};
use crate::notifications::give_default_reminders;
use crate::rows::{LocationRow, TimebookRow, timebook_columns};
use crate::{Result, SqlStore, StoreError};
use async_trait::async_trait;
use domain::{
    Actor, Address, AuditAction, BookingRules, ClinicId, Description, Location, Resource,
    ResourceId, ResourceName, Timebook, TimebookId, TimebookKind,
};

#[async_trait]
pub trait Places: Send + Sync {
    async fn save_location(
        &self,
        actor: &Actor,
        clinic_id: ClinicId,
        address: &Address,
    ) -> Result<Location>;
    /// Creates the clinic's timebook of `kind` or updates its rules.
    async fn save_timebook(
        &self,
        actor: &Actor,
        clinic_id: ClinicId,
        kind: TimebookKind,
        rules: BookingRules,
    ) -> Result<Timebook>;
    async fn timebooks(&self, clinic_id: ClinicId) -> Result<Vec<Timebook>>;
    async fn save_resource(
        &self,
        actor: &Actor,
        timebook_id: TimebookId,
        name: &ResourceName,
        description: &Description,
        location: &Location,
    ) -> Result<Resource>;
    async fn resources(&self, timebook_id: TimebookId) -> Result<Vec<Resource>>;
}

#[async_trait]
impl<D: Database> Places for SqlStore<D> {
    async fn save_location(
        &self,
        actor: &Actor,
        clinic_id: ClinicId,
        address: &Address,
    ) -> Result<Location> {
        let now = self.now().as_second();
        let mut tx = self.db.begin_write().await?;
        let row: LocationRow = tx
            .fetch_one(
                q("INSERT INTO location (clinic_id, address) VALUES ($1, $2) \
                   ON CONFLICT (clinic_id, address) DO UPDATE SET address = excluded.address \
                   RETURNING id, clinic_id, address")
                .bind(clinic_id.0)
                .bind(address.as_str()),
            )
            .await?;
        record(
            &mut tx,
            Entry {
                at: now,
                actor,
                action: AuditAction::LocationSaved,
                clinic_id: Some(clinic_id.0),
                patient: None,
                subject: format!("location:{}", row.id),
            },
        )
        .await?;
        tx.commit().await?;
        row.into_domain()
    }

    async fn save_timebook(
        &self,
        actor: &Actor,
        clinic_id: ClinicId,
        kind: TimebookKind,
        rules: BookingRules,
    ) -> Result<Timebook> {
        let now = self.now().as_second();
        let mut tx = self.db.begin_write().await?;
        let existing: Option<(i64,)> = tx
            .fetch_optional(
                q("SELECT id FROM timebook WHERE clinic_id = $1 AND kind = $2")
                    .bind(clinic_id.0)
                    .bind(kind.code()),
            )
            .await?;
        let row: TimebookRow = tx
            .fetch_one(
                q(concat!(
                    "INSERT INTO timebook (clinic_id, kind, min_notice_minutes, horizon_days, \
                     cancel_deadline_minutes, max_future_appointments) \
                   VALUES ($1, $2, $3, $4, $5, $6) \
                   ON CONFLICT (clinic_id, kind) DO UPDATE SET \
                     min_notice_minutes = excluded.min_notice_minutes, \
                     horizon_days = excluded.horizon_days, \
                     cancel_deadline_minutes = excluded.cancel_deadline_minutes, \
                     max_future_appointments = excluded.max_future_appointments \
                   RETURNING ",
                    timebook_columns!()
                ))
                .bind(clinic_id.0)
                .bind(kind.code())
                .bind(i64::from(rules.min_notice_minutes()))
                .bind(i64::from(rules.horizon_days()))
                .bind(i64::from(rules.cancel_deadline_minutes()))
                .bind(i64::from(rules.max_future_appointments())),
            )
            .await?;
        if existing.is_none() {
            give_default_reminders(&mut tx, row.id, now).await?;
        }
        // The booking window decides which slots a finder sees as free.
        tx.execute(
            q("UPDATE slot SET changed_at = $2 WHERE timebook_id = $1 AND starts_at > $2")
                .bind(row.id)
                .bind(now),
        )
        .await?;
        record(
            &mut tx,
            Entry {
                at: now,
                actor,
                action: AuditAction::TimebookSaved,
                clinic_id: Some(clinic_id.0),
                patient: None,
                subject: format!("timebook:{}", row.id),
            },
        )
        .await?;
        tx.commit().await?;
        row.into_domain()
    }

    async fn timebooks(&self, clinic_id: ClinicId) -> Result<Vec<Timebook>> {
        let rows: Vec<TimebookRow> = self
            .db
            .pool()
            .fetch_all(
                q(concat!(
                    "SELECT ",
                    timebook_columns!(),
                    " FROM timebook WHERE clinic_id = $1 ORDER BY id"
                ))
                .bind(clinic_id.0),
            )
            .await?;
        rows.into_iter().map(TimebookRow::into_domain).collect()
    }

    async fn save_resource(
        &self,
        actor: &Actor,
        timebook_id: TimebookId,
        name: &ResourceName,
        description: &Description,
        location: &Location,
    ) -> Result<Resource> {
        let now = self.now().as_second();
        let mut tx = self.db.begin_write().await?;
        let (clinic_id,): (i64,) = tx
            .fetch_optional(q("SELECT clinic_id FROM timebook WHERE id = $1").bind(timebook_id.0))
            .await?
            .ok_or(StoreError::NotFound("timebook"))?;
        if clinic_id != location.clinic_id.0 {
            return Err(StoreError::NotFound("location"));
        }
        let (id,): (i64,) = tx
            .fetch_one(
                q("INSERT INTO resource (clinic_id, timebook_id, name, description, location_id) \
                   VALUES ($1, $2, $3, $4, $5) \
                   ON CONFLICT (timebook_id, name) DO UPDATE SET description = excluded.description, \
                     location_id = excluded.location_id \
                   RETURNING id")
                .bind(clinic_id)
                .bind(timebook_id.0)
                .bind(name.as_str())
                .bind(description.as_str())
                .bind(location.id.0),
            )
            .await?;
        record(
            &mut tx,
            Entry {
                at: now,
                actor,
                action: AuditAction::ResourceSaved,
                clinic_id: Some(clinic_id),
                patient: None,
                subject: format!("resource:{id}"),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Resource {
            id: ResourceId(id),
            timebook_id,
            name: name.clone(),
            description: description.clone(),
            location: location.clone(),
        })
    }

    async fn resources(&self, timebook_id: TimebookId) -> Result<Vec<Resource>> {
        self.resources_of(timebook_id).await
    }
}
