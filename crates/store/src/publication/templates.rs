//! Recurring slot templates («weekdays 08:00–11:00, 15 min»), expanded in the clinics' local
//! time and published as slots.

use crate::audit::{Entry, record};
use crate::db::{Database, Executor, Transaction, q};
use crate::rows::{TemplateRow, minute_of_day, template_columns};
use crate::{PublishReport, Result, SqlStore, StoreError, StoredTemplate};
use async_trait::async_trait;
use domain::{Actor, AuditAction, ClinicId, ResourceId, SlotTemplate, TemplateId};

#[async_trait]
pub trait Templates: Send + Sync {
    /// Stores a template, unpublished. The same template stored twice is one template.
    async fn create_template(
        &self,
        actor: &Actor,
        resource_id: ResourceId,
        template: &SlotTemplate,
    ) -> Result<TemplateId>;
    async fn template(&self, id: TemplateId) -> Result<StoredTemplate>;
    /// The clinic's templates, newest first.
    async fn templates(&self, clinic_id: ClinicId) -> Result<Vec<StoredTemplate>>;
    /// Creates and publishes the template's future slots. Publishing again creates nothing twice.
    async fn publish_template(&self, actor: &Actor, id: TemplateId) -> Result<PublishReport>;
    /// Unpublishes the template's future slots; appointments already made stay.
    async fn unpublish_template(&self, actor: &Actor, id: TemplateId) -> Result<u64>;
}

impl<D: Database> SqlStore<D> {
    async fn template_and_clinic(&self, id: TemplateId) -> Result<(StoredTemplate, i64)> {
        let row: TemplateRow = self
            .db
            .pool()
            .fetch_optional(
                q(concat!(
                    "SELECT ",
                    template_columns!(),
                    " FROM slot_template WHERE id = $1"
                ))
                .bind(id.0),
            )
            .await?
            .ok_or(StoreError::NotFound("template"))?;
        let clinic_id = row.clinic_id;
        Ok((row.into_domain()?, clinic_id))
    }
}

/// The audit entry of a change to a template.
fn template_changed(
    actor: &Actor,
    action: AuditAction,
    at: i64,
    clinic_id: i64,
    id: i64,
) -> Entry<'_> {
    Entry {
        at,
        actor,
        action,
        clinic_id: Some(clinic_id),
        patient: None,
        subject: format!("template:{id}"),
    }
}

#[async_trait]
impl<D: Database> Templates for SqlStore<D> {
    async fn create_template(
        &self,
        actor: &Actor,
        resource_id: ResourceId,
        template: &SlotTemplate,
    ) -> Result<TemplateId> {
        let now = self.now().as_second();
        let mut tx = self.db.begin_write().await?;
        let (clinic_id, timebook_id): (i64, i64) = tx
            .fetch_optional(
                q("SELECT clinic_id, timebook_id FROM resource WHERE id = $1").bind(resource_id.0),
            )
            .await?
            .ok_or(StoreError::NotFound("resource"))?;
        let (id,): (i64,) = tx
            .fetch_one(
                q(
                    "INSERT INTO slot_template (clinic_id, timebook_id, resource_id, weekdays, \
                     from_minute, to_minute, length_minutes, capacity, first_day, last_day) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                   ON CONFLICT (resource_id, weekdays, from_minute, to_minute, length_minutes, \
                     capacity, first_day, last_day) \
                   DO UPDATE SET capacity = excluded.capacity RETURNING id",
                )
                .bind(clinic_id)
                .bind(timebook_id)
                .bind(resource_id.0)
                .bind(i64::from(template.weekdays().mask()))
                .bind(minute_of_day(template.from()))
                .bind(minute_of_day(template.to()))
                .bind(i64::from(template.length().as_minutes()))
                .bind(i64::from(template.capacity().get()))
                .bind(template.first_day().to_string())
                .bind(template.last_day().to_string()),
            )
            .await?;
        let entry = template_changed(actor, AuditAction::TemplateCreated, now, clinic_id, id);
        record(&mut tx, entry).await?;
        tx.commit().await?;
        Ok(TemplateId(id))
    }

    async fn template(&self, id: TemplateId) -> Result<StoredTemplate> {
        Ok(self.template_and_clinic(id).await?.0)
    }

    async fn templates(&self, clinic_id: ClinicId) -> Result<Vec<StoredTemplate>> {
        let rows: Vec<TemplateRow> = self
            .db
            .pool()
            .fetch_all(
                q(concat!(
                    "SELECT ",
                    template_columns!(),
                    " FROM slot_template WHERE clinic_id = $1 ORDER BY id DESC"
                ))
                .bind(clinic_id.0),
            )
            .await?;
        rows.into_iter().map(TemplateRow::into_domain).collect()
    }

    async fn publish_template(&self, actor: &Actor, id: TemplateId) -> Result<PublishReport> {
        let now = self.now();
        let (stored, clinic_id) = self.template_and_clinic(id).await?;
        let mut report = PublishReport::default();
        let mut tx = self.db.begin_write().await?;
        for planned in stored.template.expand(&self.zone) {
            if planned.start <= now {
                report.skipped_past += 1;
                continue;
            }
            let inserted = tx
                .execute(
                    q(
                        "INSERT INTO slot (clinic_id, timebook_id, resource_id, template_id, \
                         starts_at, length_minutes, capacity, booked, published, changed_at) \
                       VALUES ($1, $2, $3, $4, $5, $6, $7, 0, TRUE, $8) \
                       ON CONFLICT (resource_id, starts_at) DO NOTHING",
                    )
                    .bind(clinic_id)
                    .bind(stored.timebook_id.0)
                    .bind(stored.resource_id.0)
                    .bind(id.0)
                    .bind(planned.start.as_second())
                    .bind(i64::from(planned.length.as_minutes()))
                    .bind(i64::from(stored.template.capacity().get()))
                    .bind(now.as_second()),
                )
                .await?;
            if inserted == 0 {
                let (owner,): (Option<i64>,) = tx
                    .fetch_one(
                        q("SELECT template_id FROM slot WHERE resource_id = $1 AND starts_at = $2")
                            .bind(stored.resource_id.0)
                            .bind(planned.start.as_second()),
                    )
                    .await?;
                if owner != Some(id.0) {
                    report.overlapping += 1;
                }
            } else {
                report.created += 1;
            }
        }
        let republished = tx
            .execute(
                q("UPDATE slot SET published = TRUE, changed_at = $2 \
                   WHERE template_id = $1 AND starts_at > $2 AND published = FALSE")
                .bind(id.0)
                .bind(now.as_second()),
            )
            .await?;
        report.republished = usize::try_from(republished).unwrap_or(0);
        tx.execute(q("UPDATE slot_template SET published = TRUE WHERE id = $1").bind(id.0))
            .await?;
        let action = AuditAction::TemplatePublished;
        let entry = template_changed(actor, action, now.as_second(), clinic_id, id.0);
        record(&mut tx, entry).await?;
        tx.commit().await?;
        Ok(report)
    }

    async fn unpublish_template(&self, actor: &Actor, id: TemplateId) -> Result<u64> {
        let now = self.now().as_second();
        let (_, clinic_id) = self.template_and_clinic(id).await?;
        let mut tx = self.db.begin_write().await?;
        let changed = tx
            .execute(
                q("UPDATE slot SET published = FALSE, changed_at = $2 \
                   WHERE template_id = $1 AND starts_at > $2 AND published = TRUE")
                .bind(id.0)
                .bind(now),
            )
            .await?;
        tx.execute(q("UPDATE slot_template SET published = FALSE WHERE id = $1").bind(id.0))
            .await?;
        let action = AuditAction::TemplateUnpublished;
        let entry = template_changed(actor, action, now, clinic_id, id.0);
        record(&mut tx, entry).await?;
        tx.commit().await?;
        Ok(changed)
    }
}
