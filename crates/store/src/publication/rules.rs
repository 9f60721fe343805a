//! The rules of publishing one slot, written once for the clinic's pages and the journal
//! systems' FHIR API alike, and each checked inside the caller's write transaction: a new
//! slot starts in the future; a resource has one slot per start; a slot that ever had an
//! appointment keeps its place, time and length and is never deleted; its capacity never goes
//! below its bookings; and a caller acts only on the clinics in its reach.

use crate::audit::{Entry, record};
use crate::db::{Statement, Transaction, q};
use crate::rows::{SlotRow, slot_columns};
use crate::{Result, SlotChanged, SlotSpec, StoreError};
use domain::{Actor, AuditAction, ClinicId, DomainError, Reach, ResourceId, SlotId};
use std::collections::HashMap;

/// The audit entry of a change to a slot.
pub(super) fn slot_changed(
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
        subject: format!("slot:{id}"),
    }
}

/// The clinic and timebook of each resource a batch names, looked up once per batch.
#[derive(Default)]
pub(super) struct Resources(HashMap<i64, (i64, i64)>);

impl Resources {
    /// The clinic and timebook of a resource in reach; one out of reach is not found, as one
    /// that does not exist.
    async fn in_reach(
        &mut self,
        tx: &mut impl Transaction,
        reach: Reach,
        resource: ResourceId,
    ) -> Result<(i64, i64)> {
        let found = match self.0.get(&resource.0) {
            Some(found) => *found,
            None => {
                let found: (i64, i64) = tx
                    .fetch_optional(
                        q("SELECT clinic_id, timebook_id FROM resource WHERE id = $1")
                            .bind(resource.0),
                    )
                    .await?
                    .ok_or(StoreError::NotFound("resource"))?;
                self.0.insert(resource.0, found);
                found
            }
        };
        if !reach.includes(ClinicId(found.0)) {
            return Err(StoreError::NotFound("resource"));
        }
        Ok(found)
    }
}

/// A slot in reach, locked on PostgreSQL until the transaction ends, so that a booking under
/// way either finished first or waits for the change.
async fn locked_slot(tx: &mut impl Transaction, reach: Reach, id: SlotId) -> Result<SlotRow> {
    let sql = format!(
        "SELECT {} FROM slot WHERE id = $1{}",
        slot_columns!(),
        tx.dialect().lock(" FOR UPDATE")
    );
    let row: SlotRow = tx
        .fetch_optional(Statement::shared(sql.into()).bind(id.0))
        .await?
        .ok_or(StoreError::NotFound("slot"))?;
    if !reach.includes(ClinicId(row.clinic_id)) {
        return Err(StoreError::NotFound("slot"));
    }
    Ok(row)
}

/// Whether a slot has ever had an appointment, booked or not.
async fn ever_booked(tx: &mut impl Transaction, id: i64) -> Result<bool> {
    let (used,): (bool,) = tx
        .fetch_one(q("SELECT EXISTS (SELECT 1 FROM appointment WHERE slot_id = $1)").bind(id))
        .await?;
    Ok(used)
}

/// Creates a slot as stated. The same slot stated again (its resource, start, length,
/// capacity and publication) is found rather than made twice, so that a retry is safe;
/// another slot of the resource at that start is an overlap.
pub(super) async fn create(
    tx: &mut impl Transaction,
    actor: &Actor,
    now: i64,
    reach: Reach,
    resources: &mut Resources,
    spec: &SlotSpec,
) -> Result<SlotChanged> {
    let (clinic_id, timebook_id) = resources.in_reach(tx, reach, spec.resource_id).await?;
    if spec.start.as_second() <= now {
        return Err(DomainError::InThePast.into());
    }
    let inserted: Option<SlotRow> = tx
        .fetch_optional(
            q(concat!(
                "INSERT INTO slot (clinic_id, timebook_id, resource_id, starts_at, length_minutes, \
                 capacity, booked, published, changed_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8) \
                 ON CONFLICT (resource_id, starts_at) DO NOTHING \
                 RETURNING ",
                slot_columns!()
            ))
            .bind(clinic_id)
            .bind(timebook_id)
            .bind(spec.resource_id.0)
            .bind(spec.start.as_second())
            .bind(i64::from(spec.length.as_minutes()))
            .bind(i64::from(spec.capacity.get()))
            .bind(spec.published)
            .bind(now),
        )
        .await?;
    if let Some(row) = inserted {
        let entry = slot_changed(actor, AuditAction::SlotCreated, now, clinic_id, row.id);
        record(tx, entry).await?;
        return Ok(SlotChanged::Created(row.into_domain()?));
    }
    let existing: SlotRow = tx
        .fetch_one(
            q(concat!(
                "SELECT ",
                slot_columns!(),
                " FROM slot WHERE resource_id = $1 AND starts_at = $2"
            ))
            .bind(spec.resource_id.0)
            .bind(spec.start.as_second()),
        )
        .await?;
    let existing = existing.into_domain()?;
    if existing.length == spec.length
        && existing.capacity == spec.capacity
        && existing.published == spec.published
    {
        Ok(SlotChanged::Found(existing))
    } else {
        Err(StoreError::Overlap)
    }
}

/// Makes a slot what `spec` states. Publishing, unpublishing and a capacity down to its
/// bookings are always allowed; another resource, start or length only while the slot has
/// never had an appointment, and only to a future start that no other slot of the resource
/// has. A slot moved loses its holds, which were for the old time. Stating the slot as it is
/// changes nothing and writes nothing.
pub(super) async fn update(
    tx: &mut impl Transaction,
    actor: &Actor,
    now: i64,
    reach: Reach,
    resources: &mut Resources,
    id: SlotId,
    spec: &SlotSpec,
) -> Result<SlotChanged> {
    let row = locked_slot(tx, reach, id).await?;
    let (mut clinic_id, mut timebook_id) = (row.clinic_id, row.timebook_id);
    let current = row.into_domain()?;
    let moves = spec.resource_id != current.resource_id
        || spec.start != current.start
        || spec.length != current.length;
    let resized = spec.capacity != current.capacity;
    let republished = spec.published != current.published;
    if !(moves || resized || republished) {
        return Ok(SlotChanged::Updated(current));
    }
    if moves {
        if ever_booked(tx, id.0).await? {
            return Err(StoreError::SlotInUse);
        }
        if spec.start.as_second() <= now {
            return Err(DomainError::InThePast.into());
        }
        if spec.resource_id != current.resource_id {
            let (to_clinic, to_timebook) = resources.in_reach(tx, reach, spec.resource_id).await?;
            // A slot stays with its clinic: its audit trail and its feed are the clinic's.
            if to_clinic != clinic_id {
                return Err(StoreError::NotFound("resource"));
            }
            (clinic_id, timebook_id) = (to_clinic, to_timebook);
        }
        let (taken,): (bool,) = tx
            .fetch_one(
                q("SELECT EXISTS (SELECT 1 FROM slot \
                   WHERE resource_id = $1 AND starts_at = $2 AND id <> $3)")
                .bind(spec.resource_id.0)
                .bind(spec.start.as_second())
                .bind(id.0),
            )
            .await?;
        if taken {
            return Err(StoreError::Overlap);
        }
        tx.execute(q("DELETE FROM slot_hold WHERE slot_id = $1").bind(id.0))
            .await?;
    }
    if spec.capacity.get() < current.booked {
        return Err(StoreError::BelowBookings {
            booked: current.booked,
        });
    }
    let row: SlotRow = tx
        .fetch_one(
            q(concat!(
                "UPDATE slot SET clinic_id = $2, timebook_id = $3, resource_id = $4, \
                 starts_at = $5, length_minutes = $6, capacity = $7, published = $8, \
                 changed_at = $9 WHERE id = $1 RETURNING ",
                slot_columns!()
            ))
            .bind(id.0)
            .bind(clinic_id)
            .bind(timebook_id)
            .bind(spec.resource_id.0)
            .bind(spec.start.as_second())
            .bind(i64::from(spec.length.as_minutes()))
            .bind(i64::from(spec.capacity.get()))
            .bind(spec.published)
            .bind(now),
        )
        .await?;
    if republished {
        let action = if spec.published {
            AuditAction::SlotPublished
        } else {
            AuditAction::SlotUnpublished
        };
        record(tx, slot_changed(actor, action, now, clinic_id, id.0)).await?;
    }
    if moves || resized {
        let entry = slot_changed(actor, AuditAction::SlotChanged, now, clinic_id, id.0);
        record(tx, entry).await?;
    }
    Ok(SlotChanged::Updated(row.into_domain()?))
}

/// Deletes a slot that has never had an appointment, leaving a tombstone for the slot
/// finders' feed.
pub(super) async fn delete(
    tx: &mut impl Transaction,
    actor: &Actor,
    now: i64,
    reach: Reach,
    id: SlotId,
) -> Result<()> {
    let row = locked_slot(tx, reach, id).await?;
    if ever_booked(tx, id.0).await? {
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
    let entry = slot_changed(actor, AuditAction::SlotDeleted, now, row.clinic_id, id.0);
    record(tx, entry).await
}
