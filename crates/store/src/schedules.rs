//! Free slots as machine clients see them (the FHIR API's Schedule and Slot): per resource,
//! not per patient. Free means what the booking core would book for a patient now: published,
//! inside the timebook's booking window, its service on, its patients picking slots (not only
//! asking for a time), and with a place that neither a booking nor a live hold has taken.
//! Every condition comes from the rules (`booking/rules.rs`).

use crate::booking::rules;
use crate::db::named::{Env, Positional};
use crate::db::{Database, Executor, Statement};
use crate::rows::{CatalogueRow, FeedRow, FreeSlotRow, clinic_fields, qualified};
use crate::{FreeSlot, Result, SqlStore, StoreError};
use async_trait::async_trait;
use domain::{Clinic, Reach, Resource, ResourceId, SlotId, SlotLength, Timebook};
use jiff::Timestamp;
use std::sync::LazyLock;

/// One schedule a client may find: a resource of a timebook whose service its clinic has
/// switched on, in the client's reach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogueEntry {
    pub clinic: Clinic,
    pub timebook: Timebook,
    pub resource: Resource,
    /// The patients' booking window when the store read it: the earliest and latest start.
    pub window: (Timestamp, Timestamp),
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
    /// Published, with a place left, its service on, and inside its timebook's booking window
    /// now.
    pub free: bool,
}

/// The slot finders' feed as the store's clock saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotFeed {
    /// When it was read: a finder asks for what changed since then next time.
    pub at: Timestamp,
    pub slots: Vec<FeedSlot>,
    /// For the whole feed (no `since`): the first instant at which it would read differently
    /// with nothing written in between, as a slot starts, comes too close to book or comes
    /// inside its timebook's window; `None` when time alone changes nothing, and with `since`.
    pub until: Option<Timestamp>,
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
    /// The start of the first and of the last free slot of a resource, if it has any.
    async fn open_slot_span(&self, resource: ResourceId) -> Result<Option<(Timestamp, Timestamp)>>;
    /// Every schedule in reach whose service is switched on, in one query, by clinic name and
    /// kind.
    async fn catalogue(&self, reach: Reach) -> Result<Vec<CatalogueEntry>>;
    /// One schedule, if it is in the catalogue for `reach`.
    async fn schedule(&self, reach: Reach, resource: ResourceId) -> Result<Option<CatalogueEntry>>;
    /// The slot finders' feed, by start. Without `since`: the published slots inside their
    /// timebook's booking window from now on. With it: every future slot whose place in that
    /// feed may have changed after `since` (changed, deleted, come inside the window, or come
    /// too close to book), so that a finder that applies them in order is up to date.
    async fn slot_feed(&self, since: Option<Timestamp>) -> Result<SlotFeed>;
    /// A number that grows with every committed write to what the feed, the catalogue and the
    /// places are made from (slots, timebooks, places, clinics, their services), read in one
    /// statement. Equal readings mean nothing of it was committed in between.
    async fn feed_stamp(&self) -> Result<i64>;
}

/// A machine reads as a patient would book: the patients' window and every hold counted.
fn machine(now: i64) -> Env {
    Env::new()
        .with("now", now)
        .with("self_service", true)
        .with("patient", None::<&str>)
}

/// The timebook of resource `:resource`, as `t`.
const RESOURCE_TIMEBOOK: &str =
    "timebook t JOIN resource r ON r.timebook_id = t.id WHERE r.id = :resource";

/// What makes a slot of resource `:resource` free for a machine's reader. The timebook's own
/// rules are read once, not slot by slot.
fn free_slot() -> String {
    [
        rules::published().passes(),
        rules::window_bounds_of(RESOURCE_TIMEBOOK),
        rules::passes_for(RESOURCE_TIMEBOOK, &rules::service_on()),
        rules::passes_for(RESOURCE_TIMEBOOK, &rules::slots_picked()),
        rules::place_left(":patient").passes(),
    ]
    .join(" AND ")
}

static OPEN_SLOTS: LazyLock<Positional> = LazyLock::new(|| {
    Positional::new(&format!(
        "SELECT s.id, s.resource_id, s.starts_at, s.length_minutes, {} AS places_left \
         FROM slot s \
         WHERE s.resource_id = :resource AND s.starts_at >= :from AND s.starts_at < :to \
           AND (s.starts_at > :after_start OR (s.starts_at = :after_start AND s.id > :after_id)) \
           AND {} \
         ORDER BY s.starts_at, s.id LIMIT :limit",
        rules::places_left(":patient"),
        free_slot()
    ))
});

static OPEN_SPAN: LazyLock<Positional> = LazyLock::new(|| {
    Positional::new(&format!(
        "SELECT MIN(s.starts_at), MAX(s.starts_at) FROM slot s \
         WHERE s.resource_id = :resource AND {}",
        free_slot()
    ))
});

fn catalogue(condition: &str) -> Positional {
    Positional::new(&format!(
        "SELECT c.id AS clinic_id, {}, \
           t.id AS timebook_id, t.kind, t.min_notice_minutes, t.horizon_days, \
           t.cancel_deadline_minutes, t.max_future_appointments, \
           r.id AS resource_id, r.name AS resource_name, r.description, r.location_id, l.address, \
           r.practitioner_id, \
           {} AS earliest, {} AS latest \
         FROM resource r \
           JOIN timebook t ON t.id = r.timebook_id \
           JOIN clinic c ON c.id = t.clinic_id \
           JOIN location l ON l.id = r.location_id \
         WHERE {} AND {} {condition} \
         ORDER BY c.name, c.id, t.kind, r.id",
        qualified(clinic_fields!(), "c"),
        rules::earliest_start(":now"),
        rules::latest_start(":now"),
        rules::service_on().passes(),
        rules::clinic_in_reach(),
    ))
}

static CATALOGUE: LazyLock<Positional> = LazyLock::new(|| catalogue(""));

static SCHEDULE: LazyLock<Positional> = LazyLock::new(|| catalogue("AND r.id = :resource"));

/// A slot as the feed shows it, free as a machine's reader would find it, holds not counted.
fn feed(condition: &str) -> Positional {
    Positional::new(&format!(
        "SELECT s.id, s.resource_id, s.starts_at, s.length_minutes, s.capacity - s.booked AS places_left, \
           CASE WHEN {} AND {} AND {} AND {} AND {} THEN TRUE ELSE FALSE END AS free \
           , {} AS earliest \
         FROM slot s JOIN timebook t ON t.id = s.timebook_id \
         WHERE {condition} \
         ORDER BY s.starts_at, s.id",
        rules::published().passes(),
        rules::window_bounds(),
        rules::service_on().passes(),
        rules::slots_picked().passes(),
        rules::place_left_given("0").passes(),
        rules::earliest_start(":now"),
    ))
}

static FEED: LazyLock<Positional> = LazyLock::new(|| {
    feed(&format!(
        "s.published = TRUE AND s.starts_at > :now AND s.starts_at <= {}",
        rules::latest_start(":now")
    ))
});

/// Every future slot whose place in the feed may have changed after `:since`: changed, or
/// come inside the window, or come too close to book, between `:since` and `:now`.
static FEED_SINCE: LazyLock<Positional> = LazyLock::new(|| {
    feed(&format!(
        "s.starts_at > :now AND (s.changed_at > :since \
           OR (s.starts_at > {} AND s.starts_at <= {}) \
           OR (s.starts_at >= {} AND s.starts_at < {}))",
        rules::latest_start(":since"),
        rules::latest_start(":now"),
        rules::earliest_start(":since"),
        rules::earliest_start(":now"),
    ))
});

/// When the first published slot beyond its timebook's horizon comes inside it: one look in
/// each timebook's index of starts.
static NEXT_ENTERING: LazyLock<Positional> = LazyLock::new(|| {
    Positional::new(&format!(
        "SELECT MIN((SELECT MIN(s.starts_at) FROM slot s \
                     WHERE s.timebook_id = t.id AND s.published = TRUE AND s.starts_at > {latest}) \
                    - ({latest} - :now)) \
         FROM timebook t",
        latest = rules::latest_start(":now"),
    ))
});

/// The first instant after `now` at which the whole feed read at `now` reads differently by
/// time alone: a listed slot starts (and leaves), a free one comes inside its notice (and is
/// busy), or `entering`, the next slot to come inside its horizon.
fn feed_until(now: i64, rows: &[FeedRow], entering: Option<i64>) -> Option<i64> {
    rows.iter()
        .map(|row| {
            if row.free {
                // Free while its start is at least the notice away.
                row.starts_at.min(row.starts_at - (row.earliest - now) + 1)
            } else {
                row.starts_at
            }
        })
        .chain(entering)
        .filter(|at| *at > now)
        .min()
}

#[async_trait]
impl<D: Database> Schedules for SqlStore<D> {
    async fn open_slots(
        &self,
        resource: ResourceId,
        from: Timestamp,
        to: Timestamp,
        after: Option<SlotCursor>,
        limit: u32,
    ) -> Result<Vec<FreeSlot>> {
        let (after_start, after_id) = after
            .map(|c| (c.start.as_second(), c.id.0))
            .unwrap_or((i64::MIN, i64::MIN));
        let env = machine(self.now().as_second())
            .with("resource", resource.0)
            .with("from", from.as_second())
            .with("to", to.as_second())
            .with("after_start", after_start)
            .with("after_id", after_id)
            .with("limit", i64::from(limit));
        let rows: Vec<(i64, i64, i64, i64, i64)> = self
            .db
            .pool()
            .fetch_all(Statement::named(&OPEN_SLOTS, &env))
            .await?;
        rows.into_iter()
            .map(FreeSlotRow::from)
            .map(FreeSlotRow::into_domain)
            .collect()
    }

    async fn open_slot_span(&self, resource: ResourceId) -> Result<Option<(Timestamp, Timestamp)>> {
        let env = machine(self.now().as_second()).with("resource", resource.0);
        let span: (Option<i64>, Option<i64>) = self
            .db
            .pool()
            .fetch_one(Statement::named(&OPEN_SPAN, &env))
            .await?;
        let at = |second: i64| {
            Timestamp::from_second(second).map_err(|_| StoreError::Corrupt("slot.starts_at"))
        };
        match span {
            (Some(first), Some(last)) => Ok(Some((at(first)?, at(last)?))),
            _ => Ok(None),
        }
    }

    async fn catalogue(&self, reach: Reach) -> Result<Vec<CatalogueEntry>> {
        let env = reach_inputs(reach, self.now().as_second());
        let rows: Vec<CatalogueRow> = self
            .db
            .pool()
            .fetch_all(Statement::named(&CATALOGUE, &env))
            .await?;
        rows.into_iter().map(CatalogueRow::into_domain).collect()
    }

    async fn schedule(&self, reach: Reach, resource: ResourceId) -> Result<Option<CatalogueEntry>> {
        let env = reach_inputs(reach, self.now().as_second()).with("resource", resource.0);
        let row: Option<CatalogueRow> = self
            .db
            .pool()
            .fetch_optional(Statement::named(&SCHEDULE, &env))
            .await?;
        row.map(CatalogueRow::into_domain).transpose()
    }

    async fn slot_feed(&self, since: Option<Timestamp>) -> Result<SlotFeed> {
        let now = self.now().as_second();
        let env = machine(now).with("since", since.map(|s| s.as_second()));
        let query = if since.is_some() { &FEED_SINCE } else { &FEED };
        let mut rows: Vec<FeedRow> = self
            .db
            .pool()
            .fetch_all(Statement::named(query, &env))
            .await?;
        if let Some(since) = since {
            // A deleted slot's id may be given to a new slot; then the new one speaks.
            let deleted: Vec<(i64, i64, i64, i64)> = self
                .db
                .pool()
                .fetch_all(
                    crate::db::q(
                        "SELECT x.slot_id, x.resource_id, x.starts_at, x.length_minutes \
                         FROM slot_tombstone x \
                         WHERE x.deleted_at > $2 AND x.starts_at > $1 \
                           AND NOT EXISTS (SELECT 1 FROM slot s WHERE s.id = x.slot_id)",
                    )
                    .bind(now)
                    .bind(since.as_second()),
                )
                .await?;
            rows.extend(deleted.into_iter().map(FeedRow::deleted));
            rows.sort_by_key(|r| (r.starts_at, r.id));
        }
        let until = match since {
            Some(_) => None,
            None => {
                let (entering,): (Option<i64>,) = self
                    .db
                    .pool()
                    .fetch_one(Statement::named(&NEXT_ENTERING, &env))
                    .await?;
                feed_until(now, &rows, entering)
                    .map(|at| Timestamp::from_second(at).map_err(|_| StoreError::Corrupt("clock")))
                    .transpose()?
            }
        };
        let at = Timestamp::from_second(now).map_err(|_| StoreError::Corrupt("clock"))?;
        let slots = rows
            .into_iter()
            .map(FeedRow::into_domain)
            .collect::<Result<_>>()?;
        Ok(SlotFeed { at, slots, until })
    }

    async fn feed_stamp(&self) -> Result<i64> {
        let (stamp,): (i64,) = self
            .db
            .pool()
            .fetch_one(crate::db::q(
                "SELECT CAST(COALESCE(SUM(changes), 0) AS BIGINT) FROM feed_stamp",
            ))
            .await?;
        Ok(stamp)
    }
}

/// A reader's reach, for the catalogue.
fn reach_inputs(reach: Reach, now: i64) -> Env {
    let caller = domain::Caller {
        actor: domain::Actor::System,
        reach,
        patients: domain::Patients::Any,
        policy: domain::Policy::SelfService,
    };
    crate::booking::caller_inputs(&caller, now)
}
