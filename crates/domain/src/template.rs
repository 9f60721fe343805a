//! Recurring slot templates, such as «weekdays 08:00–11:00, 15 min».
//!
//! A template is expanded in the clinic's local time (Europe/Oslo): 08:00 is 08:00 on the wall
//! clock on both sides of a daylight saving change.
//!
//! **Gaps and folds.** On the last Sunday of March the hour from 02:00 to 03:00 does not exist,
//! and on the last Sunday of October it happens twice. A slot whose local start or end falls
//! in such an hour is not created. Every slot a template makes therefore lasts exactly its
//! length and has one unambiguous wall-clock label; the few night slots that are left out are
//! a price worth paying for never showing a patient «02:30» that means two different instants.

use crate::{Capacity, DomainError, SlotLength};
use jiff::Timestamp;
use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;

/// A set of weekdays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Weekdays(u8);

fn bit(day: Weekday) -> u8 {
    1 << day.to_monday_zero_offset()
}

impl Weekdays {
    pub const MONDAY_TO_FRIDAY: Self = Self(0b0001_1111);
    pub const EVERY_DAY: Self = Self(0b0111_1111);

    pub fn from_days(days: &[Weekday]) -> Result<Self, DomainError> {
        let mask = days.iter().fold(0, |mask, day| mask | bit(*day));
        Self::from_mask(i64::from(mask))
    }

    /// Monday is bit 0, Sunday bit 6.
    pub fn from_mask(mask: i64) -> Result<Self, DomainError> {
        match u8::try_from(mask) {
            Ok(0) => Err(DomainError::TemplateNoWeekdays),
            Ok(m) if m <= Self::EVERY_DAY.0 => Ok(Self(m)),
            _ => Err(DomainError::Weekday),
        }
    }

    pub fn mask(self) -> u8 {
        self.0
    }

    pub fn contains(self, day: Weekday) -> bool {
        self.0 & bit(day) != 0
    }
}

/// One slot a template will create.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct PlannedSlot {
    pub start: Timestamp,
    pub length: SlotLength,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotTemplate {
    weekdays: Weekdays,
    from: Time,
    to: Time,
    length: SlotLength,
    capacity: Capacity,
    first_day: Date,
    last_day: Date,
}

fn minute_of_day(time: Time) -> i32 {
    i32::from(time.hour()) * 60 + i32::from(time.minute())
}

impl SlotTemplate {
    /// `today` is the clinic's local date now; a template may not begin before it. (A stored
    /// template is read back with `today` set to its own first day.)
    #[allow(
        clippy::too_many_arguments,
        reason = "a template is these eight values, each validated here"
    )]
    pub fn new(
        weekdays: Weekdays,
        from: Time,
        to: Time,
        length: SlotLength,
        capacity: Capacity,
        first_day: Date,
        last_day: Date,
        today: Date,
    ) -> Result<Self, DomainError> {
        if to <= from {
            return Err(DomainError::TemplateEndNotAfterStart);
        }
        if minute_of_day(to) - minute_of_day(from) < i32::from(length.as_minutes()) {
            return Err(DomainError::TemplateShorterThanSlot);
        }
        if last_day < first_day {
            return Err(DomainError::DatesReversed);
        }
        // At most one year: the last day comes before the same date a year later.
        let year_later = first_day.checked_add(jiff::Span::new().years(1));
        if year_later.is_ok_and(|limit| last_day >= limit) {
            return Err(DomainError::TemplateRangeTooLong);
        }
        if first_day < today {
            return Err(DomainError::InThePast);
        }
        Ok(Self {
            weekdays,
            from,
            to,
            length,
            capacity,
            first_day,
            last_day,
        })
    }

    pub fn weekdays(&self) -> Weekdays {
        self.weekdays
    }
    pub fn from(&self) -> Time {
        self.from
    }
    pub fn to(&self) -> Time {
        self.to
    }
    pub fn length(&self) -> SlotLength {
        self.length
    }
    pub fn capacity(&self) -> Capacity {
        self.capacity
    }
    pub fn first_day(&self) -> Date {
        self.first_day
    }
    pub fn last_day(&self) -> Date {
        self.last_day
    }

    /// The slots this template makes, in order. Deterministic, so expanding twice gives the
    /// same instants and the store's unique key keeps a second publication from duplicating.
    pub fn expand(&self, zone: &TimeZone) -> Vec<PlannedSlot> {
        let step = i32::from(self.length.as_minutes());
        let (from, to) = (minute_of_day(self.from), minute_of_day(self.to));
        let mut slots = Vec::new();
        let mut day = self.first_day;
        while day <= self.last_day {
            if self.weekdays.contains(day.weekday()) {
                let mut start = from;
                while start + step <= to {
                    if let Some(slot) = self.resolve(zone, day, start, start + step) {
                        slots.push(slot);
                    }
                    start += step;
                }
            }
            match day.tomorrow() {
                Ok(next) => day = next,
                Err(_) => break,
            }
        }
        slots
    }

    fn resolve(&self, zone: &TimeZone, day: Date, start: i32, end: i32) -> Option<PlannedSlot> {
        let local = |minute: i32| -> Option<Timestamp> {
            let hour = i8::try_from(minute / 60).ok()?;
            let minute = i8::try_from(minute % 60).ok()?;
            // 24:00 is the next day's midnight.
            let (day, hour) = if hour == 24 {
                (day.tomorrow().ok()?, 0)
            } else {
                (day, hour)
            };
            let time = Time::new(hour, minute, 0, 0).ok()?;
            zone.to_ambiguous_timestamp(day.to_datetime(time))
                .unambiguous()
                .ok()
        };
        let start_at = local(start)?;
        let end_at = local(end)?;
        // A slot that ends in another offset than it starts spans the change itself.
        (end_at.duration_since(start_at) == self.length.duration()).then_some(PlannedSlot {
            start: start_at,
            length: self.length,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::{date, time};

    fn oslo() -> TimeZone {
        crate::clinic_time_zone().expect("tzdb")
    }

    fn template(from: Time, to: Time, first: Date, last: Date) -> SlotTemplate {
        SlotTemplate::new(
            Weekdays::EVERY_DAY,
            from,
            to,
            SlotLength::minutes(15).expect("length"),
            Capacity::ONE,
            first,
            last,
            date(2026, 1, 1),
        )
        .expect("valid template")
    }

    fn local_labels(slots: &[PlannedSlot]) -> Vec<String> {
        slots
            .iter()
            .map(|s| {
                s.start
                    .to_zoned_datetime(oslo())
                    .strftime("%Y-%m-%d %H:%M %:z")
                    .to_string()
            })
            .collect()
    }

    #[test]
    fn eight_stays_eight_across_the_spring_change() {
        let t = template(
            time(8, 0, 0, 0),
            time(8, 15, 0, 0),
            date(2026, 3, 28),
            date(2026, 3, 30),
        );
        assert_eq!(
            local_labels(&t.expand(&oslo())),
            [
                "2026-03-28 08:00 +01:00",
                "2026-03-29 08:00 +02:00",
                "2026-03-30 08:00 +02:00"
            ]
        );
    }

    #[test]
    fn eight_stays_eight_across_the_autumn_change() {
        let t = template(
            time(8, 0, 0, 0),
            time(8, 15, 0, 0),
            date(2026, 10, 24),
            date(2026, 10, 26),
        );
        let slots = t.expand(&oslo());
        assert_eq!(
            local_labels(&slots),
            [
                "2026-10-24 08:00 +02:00",
                "2026-10-25 08:00 +01:00",
                "2026-10-26 08:00 +01:00"
            ]
        );
        assert_eq!(slots[0].start.to_string(), "2026-10-24T06:00:00Z");
        assert_eq!(slots[2].start.to_string(), "2026-10-26T07:00:00Z");
    }

    #[test]
    fn the_missing_spring_hour_gets_no_slots() {
        let t = template(
            time(1, 30, 0, 0),
            time(3, 30, 0, 0),
            date(2026, 3, 29),
            date(2026, 3, 29),
        );
        assert_eq!(
            local_labels(&t.expand(&oslo())),
            [
                "2026-03-29 01:30 +01:00",
                "2026-03-29 03:00 +02:00",
                "2026-03-29 03:15 +02:00"
            ]
        );
    }

    #[test]
    fn the_repeated_autumn_hour_gets_no_slots() {
        let t = template(
            time(1, 30, 0, 0),
            time(3, 30, 0, 0),
            date(2026, 10, 25),
            date(2026, 10, 25),
        );
        let slots = t.expand(&oslo());
        assert_eq!(
            local_labels(&slots),
            [
                "2026-10-25 01:30 +02:00",
                "2026-10-25 03:00 +01:00",
                "2026-10-25 03:15 +01:00"
            ]
        );
        assert!(slots.iter().all(|s| s.length.as_minutes() == 15));
    }

    #[test]
    fn a_day_running_to_midnight_ends_at_midnight() {
        let t = template(
            time(23, 30, 0, 0),
            time(23, 59, 0, 0),
            date(2026, 5, 4),
            date(2026, 5, 4),
        );
        assert_eq!(t.expand(&oslo()).len(), 1);
    }

    #[test]
    fn only_chosen_weekdays_get_slots() {
        let t = SlotTemplate::new(
            Weekdays::MONDAY_TO_FRIDAY,
            time(8, 0, 0, 0),
            time(11, 0, 0, 0),
            SlotLength::minutes(15).expect("length"),
            Capacity::ONE,
            date(2026, 12, 14),
            date(2026, 12, 20),
            date(2026, 12, 1),
        )
        .expect("template");
        let slots = t.expand(&oslo());
        assert_eq!(slots.len(), 5 * 12);
        assert_eq!(t.expand(&oslo()), slots);
    }

    #[test]
    fn nonsense_templates_are_refused() {
        let len = SlotLength::minutes(15).expect("length");
        let make = |from, to, first, last, today| {
            SlotTemplate::new(
                Weekdays::EVERY_DAY,
                from,
                to,
                len,
                Capacity::ONE,
                first,
                last,
                today,
            )
        };
        let (d, t8, t11) = (date(2026, 12, 1), time(8, 0, 0, 0), time(11, 0, 0, 0));
        assert_eq!(
            make(t11, t8, d, d, d),
            Err(DomainError::TemplateEndNotAfterStart)
        );
        assert_eq!(
            make(t8, t8, d, d, d),
            Err(DomainError::TemplateEndNotAfterStart)
        );
        assert_eq!(
            make(t8, time(8, 10, 0, 0), d, d, d),
            Err(DomainError::TemplateShorterThanSlot)
        );
        assert_eq!(
            make(t8, t11, d, date(2026, 11, 30), d),
            Err(DomainError::DatesReversed)
        );
        assert_eq!(
            make(t8, t11, d, date(2027, 12, 1), d),
            Err(DomainError::TemplateRangeTooLong)
        );
        assert!(make(t8, t11, d, date(2027, 11, 30), d).is_ok());
        assert_eq!(
            make(t8, t11, d, d, date(2026, 12, 2)),
            Err(DomainError::InThePast)
        );
        assert_eq!(Weekdays::from_mask(0), Err(DomainError::TemplateNoWeekdays));
        assert_eq!(Weekdays::from_mask(128), Err(DomainError::Weekday));
    }
}
