//! Slots one by one: added, published or unpublished, read, listed by day, deleted; and a
//! publisher's batch of changes, all or nothing. Every change goes through `rules.rs`.

use super::rules::{self, Resources};
use crate::db::{Database, Executor, Transaction, q};
use crate::rows::{SlotRow, slot_columns};
use crate::{NewSlot, Result, SlotChange, SlotChanged, SlotSpec, SqlStore, StoreError};
use async_trait::async_trait;
use domain::{Actor, ClinicId, DomainError, Reach, Slot, SlotId};
use jiff::civil::Date;

#[async_trait]
pub trait Slots: Send + Sync {
    /// Creates one published slot.
    async fn add_slot(&self, actor: &Actor, slot: NewSlot) -> Result<Slot>;
    async fn set_slot_published(&self, actor: &Actor, id: SlotId, published: bool) -> Result<Slot>;
    async fn slot(&self, id: SlotId) -> Result<Slot>;
    /// A slot of a clinic in reach; any other is not found.
    async fn slot_in_reach(&self, reach: Reach, id: SlotId) -> Result<Slot>;
    /// The clinic's slots starting on a local date, by start.
    async fn day_slots(&self, clinic_id: ClinicId, day: Date) -> Result<Vec<Slot>>;
    /// Deletes a slot of the clinic that has never had an appointment.
    async fn delete_slot(&self, actor: &Actor, clinic_id: ClinicId, id: SlotId) -> Result<()>;
    /// Applies a publisher's changes in one transaction, in order, each under the rules of
    /// `rules.rs` and in `reach`: all of them, or, when one is refused, none, with
    /// [`StoreError::InBatch`] naming it.
    async fn publish_slots(
        &self,
        actor: &Actor,
        reach: Reach,
        changes: &[SlotChange],
    ) -> Result<Vec<SlotChanged>>;
}

#[async_trait]
impl<D: Database> Slots for SqlStore<D> {
    async fn add_slot(&self, actor: &Actor, slot: NewSlot) -> Result<Slot> {
        let now = self.now().as_second();
        let spec = SlotSpec {
            resource_id: slot.resource_id,
            start: slot.start,
            length: slot.length,
            capacity: slot.capacity,
            published: true,
        };
        let mut tx = self.db.begin_write().await?;
        let mut resources = Resources::default();
        let created = rules::create(
            &mut tx,
            actor,
            now,
            Reach::Everywhere,
            &mut resources,
            &spec,
        )
        .await?;
        match created {
            SlotChanged::Created(slot) => {
                tx.commit().await?;
                Ok(slot)
            }
            // One slot added by hand is a new one: the same start again is a mistake.
            _ => Err(StoreError::Overlap),
        }
    }

    async fn set_slot_published(&self, actor: &Actor, id: SlotId, published: bool) -> Result<Slot> {
        let now = self.now().as_second();
        let current = self.slot(id).await?;
        let spec = SlotSpec {
            resource_id: current.resource_id,
            start: current.start,
            length: current.length,
            capacity: current.capacity,
            published,
        };
        let mut tx = self.db.begin_write().await?;
        let mut resources = Resources::default();
        let everywhere = Reach::Everywhere;
        let changed =
            rules::update(&mut tx, actor, now, everywhere, &mut resources, id, &spec).await?;
        tx.commit().await?;
        match changed {
            SlotChanged::Updated(slot) => Ok(slot),
            _ => self.slot(id).await,
        }
    }

    async fn slot(&self, id: SlotId) -> Result<Slot> {
        self.slot_in_reach(Reach::Everywhere, id).await
    }

    async fn slot_in_reach(&self, reach: Reach, id: SlotId) -> Result<Slot> {
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
        if !reach.includes(ClinicId(row.clinic_id)) {
            return Err(StoreError::NotFound("slot"));
        }
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
        rules::delete(&mut tx, actor, now, Reach::Clinic(clinic_id), id).await?;
        tx.commit().await
    }

    async fn publish_slots(
        &self,
        actor: &Actor,
        reach: Reach,
        changes: &[SlotChange],
    ) -> Result<Vec<SlotChanged>> {
        let now = self.now().as_second();
        let mut tx = self.db.begin_write().await?;
        let mut resources = Resources::default();
        let mut done = Vec::with_capacity(changes.len());
        for (index, change) in changes.iter().enumerate() {
            let result = match change {
                SlotChange::Create(spec) => {
                    rules::create(&mut tx, actor, now, reach, &mut resources, spec).await
                }
                SlotChange::Update(id, spec) => {
                    rules::update(&mut tx, actor, now, reach, &mut resources, *id, spec).await
                }
                SlotChange::Delete(id) => rules::delete(&mut tx, actor, now, reach, *id)
                    .await
                    .map(|()| SlotChanged::Deleted(*id)),
            };
            // Dropping the transaction rolls every earlier change back.
            done.push(result.map_err(|error| StoreError::InBatch {
                index,
                error: Box::new(error),
            })?);
        }
        tx.commit().await?;
        Ok(done)
    }
}
