//! Slots one by one: added, published or unpublished, read, listed by day, deleted.

use crate::audit::{Entry, record};
use crate::db::{Database, Executor, Transaction, q};
use crate::rows::{SlotRow, slot_columns};
use crate::{NewSlot, Result, SqlStore, StoreError};
use async_trait::async_trait;
use domain::{Actor, AuditAction, ClinicId, DomainError, Slot, SlotId};
use jiff::civil::Date;

#[async_trait]
pub trait Slots: Send + Sync {
    /// Creates one published slot.
    async fn add_slot(&self, actor: &Actor, slot: NewSlot) -> Result<Slot>;
    async fn set_slot_published(&self, actor: &Actor, id: SlotId, published: bool) -> Result<Slot>;
    async fn slot(&self, id: SlotId) -> Result<Slot>;
    /// The clinic's slots starting on a local date, by start.
    async fn day_slots(&self, clinic_id: ClinicId, day: Date) -> Result<Vec<Slot>>;
    /// Deletes a slot of the clinic that has never had an appointment.
    async fn delete_slot(&self, actor: &Actor, clinic_id: ClinicId, id: SlotId) -> Result<()>;
}

/// The audit entry of a change to a slot.
fn slot_changed(actor: &Actor, action: AuditAction, at: i64, clinic_id: i64, id: i64) -> Entry<'_> {
    Entry {
        at,
        actor,
        action,
        clinic_id: Some(clinic_id),
        patient: None,
        subject: format!("slot:{id}"),
    }
}

#[async_trait]
impl<D: Database> Slots for SqlStore<D> {
    async fn add_slot(&self, actor: &Actor, slot: NewSlot) -> Result<Slot> {
        let now = self.now().as_second();
        if slot.start.as_second() <= now {
            return Err(DomainError::InThePast.into());
        }
        let mut tx = self.db.begin_write().await?;
        let (clinic_id, timebook_id): (i64, i64) = tx
            .fetch_optional(
                q("SELECT clinic_id, timebook_id FROM resource WHERE id = $1")
                    .bind(slot.resource_id.0),
            )
            .await?
            .ok_or(StoreError::NotFound("resource"))?;
        let row: SlotRow = tx
            .fetch_optional(
                q(concat!(
                    "INSERT INTO slot (clinic_id, timebook_id, resource_id, starts_at, length_minutes, \
                     capacity, booked, published, changed_at) \
                   VALUES ($1, $2, $3, $4, $5, $6, 0, TRUE, $7) \
                   ON CONFLICT (resource_id, starts_at) DO NOTHING \
                   RETURNING ",
                    slot_columns!()
                ))
                .bind(clinic_id)
                .bind(timebook_id)
                .bind(slot.resource_id.0)
                .bind(slot.start.as_second())
                .bind(i64::from(slot.length.as_minutes()))
                .bind(i64::from(slot.capacity.get()))
                .bind(now),
            )
            .await?
            .ok_or(StoreError::Overlap)?;
        let entry = slot_changed(actor, AuditAction::SlotCreated, now, clinic_id, row.id);
        record(&mut tx, entry).await?;
        tx.commit().await?;
        row.into_domain()
    }

    async fn set_slot_published(&self, actor: &Actor, id: SlotId, published: bool) -> Result<Slot> {
        let now = self.now().as_second();
        let mut tx = self.db.begin_write().await?;
        let row: SlotRow = tx
            .fetch_optional(
                q(concat!(
                    "UPDATE slot SET published = $2, changed_at = $3 WHERE id = $1 RETURNING ",
                    slot_columns!()
                ))
                .bind(id.0)
                .bind(published)
                .bind(now),
            )
            .await?
            .ok_or(StoreError::NotFound("slot"))?;
        let action = if published {
            AuditAction::SlotPublished
        } else {
            AuditAction::SlotUnpublished
        };
        record(
            &mut tx,
            slot_changed(actor, action, now, row.clinic_id, row.id),
        )
        .await?;
        tx.commit().await?;
        row.into_domain()
    }

    async fn slot(&self, id: SlotId) -> Result<Slot> {
        let row: SlotRow = self
            .db
            .pool()
            .fetch_optional(
                q(concat!(
                    "SELECT ",
                    slot_columns!(),
                    " FROM slot WHERE id = $1"
                ))
                .bind(id.0),
            )
            .await?
            .ok_or(StoreError::NotFound("slot"))?;
        row.into_domain()
    }

    async fn day_slots(&self, clinic_id: ClinicId, day: Date) -> Result<Vec<Slot>> {
        let next = day.tomorrow().map_err(|_| DomainError::DatesReversed)?;
        let rows: Vec<SlotRow> = self
            .db
            .pool()
            .fetch_all(
                q(concat!(
                    "SELECT ",
                    slot_columns!(),
                    " FROM slot \
                     WHERE clinic_id = $1 AND starts_at >= $2 AND starts_at < $3 \
                     ORDER BY starts_at, resource_id"
                ))
                .bind(clinic_id.0)
                .bind(self.start_of(day)?)
                .bind(self.start_of(next)?),
            )
            .await?;
        rows.into_iter().map(SlotRow::into_domain).collect()
    }

    async fn delete_slot(&self, actor: &Actor, clinic_id: ClinicId, id: SlotId) -> Result<()> {
        let now = self.now().as_second();
        let mut tx = self.db.begin_write().await?;
        // Locked, so that a booking under way either finished first (and the slot is in use)
        // or finds it gone.
        let find = format!(
            "SELECT id FROM slot WHERE id = $1 AND clinic_id = $2{}",
            self.db.dialect().lock(" FOR UPDATE")
        );
        let _: (i64,) = tx
            .fetch_optional(
                crate::db::Statement::shared(find.into())
                    .bind(id.0)
                    .bind(clinic_id.0),
            )
            .await?
            .ok_or(StoreError::NotFound("slot"))?;
        let (used,): (bool,) = tx
            .fetch_one(q("SELECT EXISTS (SELECT 1 FROM appointment WHERE slot_id = $1)").bind(id.0))
            .await?;
        if used {
            return Err(StoreError::SlotInUse);
        }
        tx.execute(q("DELETE FROM slot_hold WHERE slot_id = $1").bind(id.0))
            .await?;
        tx.execute(
            q("INSERT INTO slot_tombstone (slot_id, clinic_id, resource_id, starts_at, \
                 length_minutes, deleted_at) \
               SELECT id, clinic_id, resource_id, starts_at, length_minutes, $2 FROM slot WHERE id = $1")
            .bind(id.0)
            .bind(now),
        )
        .await?;
        tx.execute(q("DELETE FROM slot WHERE id = $1").bind(id.0))
            .await?;
        let entry = slot_changed(actor, AuditAction::SlotDeleted, now, clinic_id.0, id.0);
        record(&mut tx, entry).await?;
        tx.commit().await
    }
}
