//! Free slots as machine clients see them (the FHIR API's Schedule and Slot): per resource,
//! not per patient. Free means published, inside the timebook's booking window now, and with a
//! place that neither a booking nor a live hold has taken.

use crate::{FreeSlot, Result};
use async_trait::async_trait;
use domain::{Resource, ResourceId, SlotId, Timebook};
use jiff::Timestamp;

/// Where a page of slots ends: the next page starts after this slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlotCursor {
    pub start: Timestamp,
    pub id: SlotId,
}

#[async_trait]
pub trait Schedules: Send + Sync {
    /// Up to `limit` free slots of a resource starting in `[from, to)`, after `after`, by
    /// start time and then id.
    async fn open_slots(
        &self,
        resource: ResourceId,
        from: Timestamp,
        to: Timestamp,
        after: Option<SlotCursor>,
        limit: u32,
    ) -> Result<Vec<FreeSlot>>;
    /// A resource with its timebook, if it exists.
    async fn resource_with_timebook(
        &self,
        resource: ResourceId,
    ) -> Result<Option<(Timebook, Resource)>>;
    /// The start of the first and of the last free slot of a resource, if it has any.
    async fn open_slot_span(&self, resource: ResourceId) -> Result<Option<(Timestamp, Timestamp)>>;
}

macro_rules! shared_schedules {
    ($store:ty) => {
        impl $store {
            /// The timebook a resource belongs to, if the resource exists.
            async fn timebook_of(&self, resource: ResourceId) -> Result<Option<Timebook>> {
                let row: Option<TimebookRow> = sqlx::query_as(concat!(
                    "SELECT t.id, t.clinic_id, t.kind, ", $crate::sql::rules_columns!(),
                    " FROM timebook t JOIN resource r ON r.timebook_id = t.id WHERE r.id = $1"
                ))
                .bind(resource.0)
                .fetch_optional(&self.pool)
                .await?;
                row.map(TimebookRow::into_domain).transpose()
            }

            /// The booking window of a resource's timebook, now, in epoch seconds; the
            /// resource must exist.
            async fn booking_window(&self, resource: ResourceId) -> Result<(i64, i64)> {
                let timebook = self
                    .timebook_of(resource)
                    .await?
                    .ok_or(StoreError::NotFound("resource"))?;
                let now = self.now();
                Ok((
                    timebook.rules.earliest_start(now).as_second(),
                    timebook.rules.latest_start(now).as_second(),
                ))
            }
        }

        #[async_trait::async_trait]
        impl $crate::schedules::Schedules for $store {
            async fn open_slots(
                &self,
                resource: ResourceId,
                from: Timestamp,
                to: Timestamp,
                after: Option<$crate::schedules::SlotCursor>,
                limit: u32,
            ) -> Result<Vec<FreeSlot>> {
                let (earliest, latest) = self.booking_window(resource).await?;
                let (after_start, after_id) = after
                    .map(|c| (c.start.as_second(), c.id.0))
                    .unwrap_or((i64::MIN, i64::MIN));
                let rows: Vec<(i64, i64, i64, i64, i64)> = sqlx::query_as(
                    "SELECT s.id, s.resource_id, s.starts_at, s.length_minutes, \
                       s.capacity - s.booked - COALESCE(h.held, 0) AS places_left \
                     FROM slot s \
                     LEFT JOIN (SELECT slot_id, COUNT(*) AS held FROM slot_hold \
                                WHERE expires_at > $4 GROUP BY slot_id) h ON h.slot_id = s.id \
                     WHERE s.resource_id = $1 AND s.starts_at >= $2 AND s.starts_at < $3 \
                       AND s.starts_at >= $5 AND s.starts_at <= $6 \
                       AND (s.starts_at > $7 OR (s.starts_at = $7 AND s.id > $8)) \
                       AND s.published = TRUE AND s.capacity - s.booked - COALESCE(h.held, 0) > 0 \
                     ORDER BY s.starts_at, s.id LIMIT $9",
                )
                .bind(resource.0)
                .bind(from.as_second())
                .bind(to.as_second())
                .bind(self.now().as_second())
                .bind(earliest)
                .bind(latest)
                .bind(after_start)
                .bind(after_id)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter().map(FreeSlotRow::from).map(FreeSlotRow::into_domain).collect()
            }

            async fn resource_with_timebook(
                &self,
                resource: ResourceId,
            ) -> Result<Option<(Timebook, Resource)>> {
                let Some(timebook) = self.timebook_of(resource).await? else { return Ok(None) };
                let row: ResourceRow = sqlx::query_as(concat!(
                    $crate::sql::resource_select!(),
                    " WHERE r.id = $1"
                ))
                .bind(resource.0)
                .fetch_one(&self.pool)
                .await?;
                Ok(Some((timebook, row.into_domain()?)))
            }

            async fn open_slot_span(&self, resource: ResourceId) -> Result<Option<(Timestamp, Timestamp)>> {
                let (earliest, latest) = self.booking_window(resource).await?;
                let span: (Option<i64>, Option<i64>) = sqlx::query_as(
                    "SELECT MIN(s.starts_at), MAX(s.starts_at) FROM slot s \
                     WHERE s.resource_id = $1 AND s.starts_at >= $2 AND s.starts_at <= $3 \
                       AND s.published = TRUE \
                       AND s.capacity - s.booked > (SELECT COUNT(*) FROM slot_hold h \
                                                    WHERE h.slot_id = s.id AND h.expires_at > $4)",
                )
                .bind(resource.0)
                .bind(earliest)
                .bind(latest)
                .bind(self.now().as_second())
                .fetch_one(&self.pool)
                .await?;
                let at = |second: i64| {
                    Timestamp::from_second(second).map_err(|_| StoreError::Corrupt("slot.starts_at"))
                };
                match span {
                    (Some(first), Some(last)) => Ok(Some((at(first)?, at(last)?))),
                    _ => Ok(None),
                }
            }
        }
    };
}

pub(crate) use shared_schedules;
