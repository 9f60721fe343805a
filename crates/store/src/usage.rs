//! «Bruk av timebøkene»: how a clinic's timebooks are used, per timebook, place and ISO week.
//!
//! Counts only, never a patient: the query selects no national_id, name or reason, and its
//! rows are sums. Weeks are ISO weeks (Monday to Sunday) in the clinic's time zone, and a slot
//! counts in the week it starts, with its appointments (a moved appointment at the slot it is
//! in now). The definitions are in README.md, «Use of the timebooks».

use crate::audit::{Entry, record};
use crate::db::{Database, Executor, Transaction, q};
use crate::{Result, SqlStore, StoreError};
use async_trait::async_trait;
use domain::{
    Actor, AuditAction, ClinicId, DomainError, ResourceId, ResourceName, TimebookId, TimebookKind,
};
use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};

/// The longest period one report covers, in weeks: a year and a bit.
pub const MAX_USAGE_WEEKS: i32 = 53;

/// What to count: the weeks that hold `from` and `to` and those between them, of one
/// timebook, one place or the whole clinic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UsageQuery {
    pub from: Date,
    pub to: Date,
    pub timebook: Option<TimebookId>,
    pub resource: Option<ResourceId>,
}

/// One place's numbers for one week.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UsageCounts {
    /// Slots of the week that are published now.
    pub published: i64,
    /// The places of those slots.
    pub places: i64,
    /// Appointments that are booked, fulfilled or a no-show: each took a place.
    pub booked: i64,
    pub cancelled_by_patient: i64,
    pub cancelled_by_clinic: i64,
    pub no_shows: i64,
    pub fulfilled: i64,
}

impl UsageCounts {
    /// Booked ÷ places as a whole percent, halves rounded up; `None` without places. May pass
    /// 100 where slots that hold appointments were unpublished afterwards.
    pub fn utilisation_percent(&self) -> Option<i64> {
        (self.places > 0).then(|| (self.booked * 200 + self.places) / (self.places * 2))
    }

    /// Adds another week's or place's numbers to these.
    pub fn add(&mut self, other: &Self) {
        self.published += other.published;
        self.places += other.places;
        self.booked += other.booked;
        self.cancelled_by_patient += other.cancelled_by_patient;
        self.cancelled_by_clinic += other.cancelled_by_clinic;
        self.no_shows += other.no_shows;
        self.fulfilled += other.fulfilled;
    }
}

/// One place of a timebook, with its numbers for each week of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaceUsage {
    pub timebook: TimebookId,
    pub kind: TimebookKind,
    pub resource: ResourceId,
    pub name: ResourceName,
    /// One per week of [`UsageReport::weeks`], in the same order.
    pub weeks: Vec<UsageCounts>,
}

/// The weeks of a period and every place that had a slot in them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageReport {
    /// The Monday of each week, oldest first.
    pub weeks: Vec<Date>,
    /// Places with at least one slot in the period, by timebook and name.
    pub places: Vec<PlaceUsage>,
}

#[async_trait]
pub trait Usage: Send + Sync {
    /// The clinic's use of its timebooks over whole ISO weeks, for its staff. Writes one audit
    /// event naming the staff member and the period; no patient is read.
    async fn usage(
        &self,
        actor: &Actor,
        clinic_id: ClinicId,
        query: &UsageQuery,
    ) -> Result<UsageReport>;
}

/// The Monday of the ISO week that holds `day`.
pub fn monday_of(day: Date) -> Date {
    let back = i64::from(day.weekday().to_monday_zero_offset());
    day.checked_sub(back.days()).unwrap_or(day)
}

/// The Mondays of the weeks from the one holding `from` to the one holding `to`.
pub fn weeks_between(from: Date, to: Date) -> Result<Vec<Date>> {
    if to < from {
        return Err(DomainError::DatesReversed.into());
    }
    let last = monday_of(to);
    let mut weeks = Vec::new();
    let mut monday = monday_of(from);
    while monday <= last {
        if weeks.len() >= usize::try_from(MAX_USAGE_WEEKS).unwrap_or(usize::MAX) {
            return Err(StoreError::RangeTooLong {
                max: MAX_USAGE_WEEKS * 7,
            });
        }
        weeks.push(monday);
        monday = monday
            .checked_add(1.week())
            .map_err(|_| DomainError::DatesReversed)?;
    }
    Ok(weeks)
}

/// A row per place and hour of the clock (UTC): Europe/Oslo is a whole number of hours from
/// UTC, so each such hour lies inside one local week, and Rust puts it there.
#[derive(sqlx::FromRow)]
struct HourRow {
    timebook_id: i64,
    kind: String,
    resource_id: i64,
    resource_name: String,
    hour: i64,
    published: i64,
    places: i64,
    booked: i64,
    cancelled_by_patient: i64,
    cancelled_by_clinic: i64,
    no_shows: i64,
    fulfilled: i64,
}

/// Puts each hour's row into its place and local week.
fn by_place_and_week(
    rows: Vec<HourRow>,
    weeks: &[Date],
    zone: &jiff::tz::TimeZone,
) -> Result<Vec<PlaceUsage>> {
    let mut places: Vec<PlaceUsage> = Vec::new();
    for row in rows {
        let at =
            Timestamp::from_second(row.hour).map_err(|_| StoreError::Corrupt("slot.starts_at"))?;
        let monday = monday_of(at.to_zoned_datetime(zone.clone()).date());
        let Some(week) = weeks.iter().position(|&w| w == monday) else {
            // Only if the zone were not a whole number of hours from UTC.
            return Err(StoreError::Corrupt("slot.starts_at"));
        };
        let counts = UsageCounts {
            published: row.published,
            places: row.places,
            booked: row.booked,
            cancelled_by_patient: row.cancelled_by_patient,
            cancelled_by_clinic: row.cancelled_by_clinic,
            no_shows: row.no_shows,
            fulfilled: row.fulfilled,
        };
        // Rows come ordered by place, so a new place is always the last one's successor.
        let place = match places.last_mut() {
            Some(place) if place.resource.0 == row.resource_id => place,
            _ => {
                places.push(PlaceUsage {
                    timebook: TimebookId(row.timebook_id),
                    kind: TimebookKind::parse(&row.kind)
                        .map_err(|_| StoreError::Corrupt("timebook.kind"))?,
                    resource: ResourceId(row.resource_id),
                    name: ResourceName::parse(&row.resource_name)
                        .map_err(|_| StoreError::Corrupt("resource.name"))?,
                    weeks: vec![UsageCounts::default(); weeks.len()],
                });
                places
                    .last_mut()
                    .ok_or(StoreError::Corrupt("resource.id"))?
            }
        };
        if let Some(total) = place.weeks.get_mut(week) {
            total.add(&counts);
        }
    }
    Ok(places)
}

#[async_trait]
impl<D: Database> Usage for SqlStore<D> {
    async fn usage(
        &self,
        actor: &Actor,
        clinic_id: ClinicId,
        query: &UsageQuery,
    ) -> Result<UsageReport> {
        let weeks = weeks_between(query.from, query.to)?;
        let (Some(&first), Some(&last)) = (weeks.first(), weeks.last()) else {
            return Err(DomainError::DatesReversed.into());
        };
        let after = last
            .checked_add(1.week())
            .map_err(|_| DomainError::DatesReversed)?;
        let (start, end) = (self.start_of(first)?, self.start_of(after)?);
        let mut tx = self.db.begin_write().await?;
        // The appointments are summed per slot first, so that a slot's places are counted
        // once however many appointments it has had.
        let rows: Vec<HourRow> = tx
            .fetch_all(
                q("SELECT s.timebook_id, t.kind, s.resource_id, r.name AS resource_name, \
                     s.starts_at - (s.starts_at % 3600) AS hour, \
                     CAST(SUM(CASE WHEN s.published = TRUE THEN 1 ELSE 0 END) AS BIGINT) AS published, \
                     CAST(SUM(CASE WHEN s.published = TRUE THEN s.capacity ELSE 0 END) AS BIGINT) AS places, \
                     CAST(COALESCE(SUM(a.booked), 0) AS BIGINT) AS booked, \
                     CAST(COALESCE(SUM(a.by_patient), 0) AS BIGINT) AS cancelled_by_patient, \
                     CAST(COALESCE(SUM(a.by_clinic), 0) AS BIGINT) AS cancelled_by_clinic, \
                     CAST(COALESCE(SUM(a.no_shows), 0) AS BIGINT) AS no_shows, \
                     CAST(COALESCE(SUM(a.fulfilled), 0) AS BIGINT) AS fulfilled \
                   FROM slot s \
                     JOIN timebook t ON t.id = s.timebook_id \
                     JOIN resource r ON r.id = s.resource_id \
                     LEFT JOIN ( \
                       SELECT x.slot_id, \
                         SUM(CASE WHEN x.status IN ('booked', 'fulfilled', 'no_show') THEN 1 ELSE 0 END) AS booked, \
                         SUM(CASE WHEN x.status = 'cancelled_by_patient' THEN 1 ELSE 0 END) AS by_patient, \
                         SUM(CASE WHEN x.status = 'cancelled_by_clinic' THEN 1 ELSE 0 END) AS by_clinic, \
                         SUM(CASE WHEN x.status = 'no_show' THEN 1 ELSE 0 END) AS no_shows, \
                         SUM(CASE WHEN x.status = 'fulfilled' THEN 1 ELSE 0 END) AS fulfilled \
                       FROM appointment x JOIN slot y ON y.id = x.slot_id \
                       WHERE y.clinic_id = $1 AND y.starts_at >= $2 AND y.starts_at < $3 \
                       GROUP BY x.slot_id \
                     ) a ON a.slot_id = s.id \
                   WHERE s.clinic_id = $1 AND s.starts_at >= $2 AND s.starts_at < $3 \
                     AND ($4 IS NULL OR s.timebook_id = $4) AND ($5 IS NULL OR s.resource_id = $5) \
                   GROUP BY s.timebook_id, t.kind, s.resource_id, r.name, s.starts_at - (s.starts_at % 3600) \
                   ORDER BY s.timebook_id, r.name, s.resource_id")
                .bind(clinic_id.0)
                .bind(start)
                .bind(end)
                .bind(query.timebook.map(|id| id.0))
                .bind(query.resource.map(|id| id.0)),
            )
            .await?;
        let places = by_place_and_week(rows, &weeks, &self.zone)?;
        let mut subject = format!("usage:{first}..{last}");
        if let Some(timebook) = query.timebook {
            subject.push_str(&format!(":timebook:{}", timebook.0));
        }
        if let Some(resource) = query.resource {
            subject.push_str(&format!(":resource:{}", resource.0));
        }
        record(
            &mut tx,
            Entry {
                at: self.now().as_second(),
                actor,
                action: AuditAction::UsageViewed,
                clinic_id: Some(clinic_id.0),
                patient: None,
                subject,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(UsageReport { weeks, places })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn weeks_are_whole_iso_weeks() {
        // Thursday 1 January 2026 is in week 1, which began on Monday 29 December 2025.
        let weeks = weeks_between(date(2026, 1, 1), date(2026, 1, 12)).expect("weeks");
        assert_eq!(
            weeks,
            [date(2025, 12, 29), date(2026, 1, 5), date(2026, 1, 12)]
        );
        assert_eq!(monday_of(date(2026, 3, 29)), date(2026, 3, 23), "a Sunday");
        assert_eq!(monday_of(date(2026, 3, 23)), date(2026, 3, 23), "a Monday");
        assert!(matches!(
            weeks_between(date(2026, 1, 2), date(2026, 1, 1)),
            Err(StoreError::Invalid(DomainError::DatesReversed))
        ));
    }

    #[test]
    fn a_period_is_at_most_fifty_three_weeks() {
        let from = date(2026, 1, 5);
        let last = from.checked_add(52.weeks()).expect("date");
        assert_eq!(weeks_between(from, last).expect("53 weeks").len(), 53);
        let over = last.checked_add(1.week()).expect("date");
        assert!(matches!(
            weeks_between(from, over),
            Err(StoreError::RangeTooLong { max: 371 })
        ));
    }

    #[test]
    fn utilisation_is_a_whole_percent_rounded_half_up() {
        let of = |booked, places| {
            UsageCounts {
                booked,
                places,
                ..UsageCounts::default()
            }
            .utilisation_percent()
        };
        assert_eq!(of(0, 0), None);
        assert_eq!(of(3, 0), None);
        assert_eq!(of(1, 3), Some(33));
        assert_eq!(of(2, 3), Some(67));
        assert_eq!(of(1, 8), Some(13), "12.5 goes up");
        assert_eq!(of(4, 4), Some(100));
        assert_eq!(of(5, 4), Some(125));
    }
}
