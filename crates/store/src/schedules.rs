//! Free slots as machine clients see them (the FHIR API's Schedule and Slot): per resource,
//! not per patient. Free means published, inside the timebook's booking window now, and with a
//! place that neither a booking nor a live hold has taken.

use crate::{FreeSlot, Result};
use async_trait::async_trait;
use domain::{Clinic, Resource, ResourceId, SlotId, SlotLength, Timebook};
use jiff::Timestamp;

/// One schedule a client may find: a resource of a timebook whose service its clinic has
/// switched on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogueEntry {
    pub clinic: Clinic,
    pub timebook: Timebook,
    pub resource: Resource,
}

/// A slot as a slot finder sees it (SMART Scheduling Links): free or busy, holds not counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedSlot {
    pub id: SlotId,
    pub resource_id: ResourceId,
    pub start: Timestamp,
    pub length: SlotLength,
    /// Places not booked; 0 for a slot that was deleted.
    pub places_left: u16,
    /// Published, with a place left, and inside its timebook's booking window now.
    pub free: bool,
}

/// The slot finders' feed as the store's clock saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotFeed {
    /// When it was read: a finder asks for what changed since then next time.
    pub at: Timestamp,
    pub slots: Vec<FeedSlot>,
}

impl From<&FreeSlot> for FeedSlot {
    fn from(slot: &FreeSlot) -> Self {
        Self {
            id: slot.id,
            resource_id: slot.resource_id,
            start: slot.start,
            length: slot.length,
            places_left: slot.places_left,
            free: true,
        }
    }
}

impl FeedSlot {
    pub fn end(&self) -> Timestamp {
        self.length.end_from(self.start)
    }
}

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
    /// Every schedule whose service is switched on, in one query, by clinic name and kind.
    async fn catalogue(&self) -> Result<Vec<CatalogueEntry>>;
    /// The slot finders' feed, by start. Without `since`: the published slots inside their
    /// timebook's booking window from now on. With it: every future slot whose place in that
    /// feed may have changed after `since` (changed, deleted, come inside the window, or come
    /// too close to book), so that a finder that applies them in order is up to date.
    async fn slot_feed(&self, since: Option<Timestamp>) -> Result<SlotFeed>;
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

            async fn catalogue(&self) -> Result<Vec<$crate::schedules::CatalogueEntry>> {
                let rows: Vec<CatalogueRow> = sqlx::query_as(concat!(
                    "SELECT c.id AS clinic_id, c.her_id, c.name AS clinic_name, c.info, c.org_number, c.phone, \
                       t.id AS timebook_id, t.kind, ", $crate::sql::rules_columns!(), ", \
                       r.id AS resource_id, r.name AS resource_name, r.description, r.location_id, l.address \
                     FROM resource r \
                       JOIN timebook t ON t.id = r.timebook_id \
                       JOIN clinic c ON c.id = t.clinic_id \
                       JOIN location l ON l.id = r.location_id \
                     WHERE NOT EXISTS (SELECT 1 FROM clinic_service cs \
                                       WHERE cs.clinic_id = t.clinic_id AND cs.kind = t.kind AND cs.enabled = FALSE) \
                     ORDER BY c.name, c.id, t.kind, r.id"
                ))
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter().map(CatalogueRow::into_domain).collect()
            }

            async fn slot_feed(&self, since: Option<Timestamp>) -> Result<$crate::schedules::SlotFeed> {
                let now = self.now().as_second();
                let mut rows: Vec<FeedRow> = match since {
                    None => sqlx::query_as(concat!(
                        "SELECT s.id, s.resource_id, s.starts_at, s.length_minutes, s.capacity, s.booked, s.published, \
                           ", $crate::sql::rules_columns!(), " \
                         FROM slot s JOIN timebook t ON t.id = s.timebook_id \
                         WHERE s.published = TRUE AND s.starts_at > $1 \
                           AND s.starts_at <= $1 + t.horizon_days * 86400 \
                         ORDER BY s.starts_at, s.id"
                    ))
                    .bind(now)
                    .fetch_all(&self.pool)
                    .await?,
                    Some(since) => sqlx::query_as(concat!(
                        "SELECT s.id, s.resource_id, s.starts_at, s.length_minutes, s.capacity, s.booked, s.published, \
                           ", $crate::sql::rules_columns!(), " \
                         FROM slot s JOIN timebook t ON t.id = s.timebook_id \
                         WHERE s.starts_at > $1 AND ( \
                           s.changed_at > $2 \
                           OR (s.starts_at > $2 + t.horizon_days * 86400 AND s.starts_at <= $1 + t.horizon_days * 86400) \
                           OR (s.starts_at >= $2 + t.min_notice_minutes * 60 AND s.starts_at < $1 + t.min_notice_minutes * 60)) \
                         ORDER BY s.starts_at, s.id"
                    ))
                    .bind(now)
                    .bind(since.as_second())
                    .fetch_all(&self.pool)
                    .await?,
                };
                if let Some(since) = since {
                    // A deleted slot's id may be given to a new slot; then the new one speaks.
                    let deleted: Vec<(i64, i64, i64, i64)> = sqlx::query_as(
                        "SELECT x.slot_id, x.resource_id, x.starts_at, x.length_minutes FROM slot_tombstone x \
                         WHERE x.deleted_at > $2 AND x.starts_at > $1 \
                           AND NOT EXISTS (SELECT 1 FROM slot s WHERE s.id = x.slot_id)",
                    )
                    .bind(now)
                    .bind(since.as_second())
                    .fetch_all(&self.pool)
                    .await?;
                    rows.extend(deleted.into_iter().map(FeedRow::deleted));
                    rows.sort_by_key(|r| (r.starts_at, r.id));
                }
                let at = Timestamp::from_second(now).map_err(|_| StoreError::Corrupt("clock"))?;
                let slots = rows.into_iter().map(|row| row.into_domain(at)).collect::<Result<_>>()?;
                Ok($crate::schedules::SlotFeed { at, slots })
            }
        }
    };
}

pub(crate) use shared_schedules;
