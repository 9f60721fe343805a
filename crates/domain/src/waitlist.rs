//! Venteliste: which times a patient waiting for a timebook will take.
//!
//! A patient who finds no time that suits names the weekdays, the time of day and the days
//! that do. A freed place matches when its slot starts on one of those weekdays, inside the
//! time of day and on one of those days, all on the clinic's wall clock. Whether the patient
//! may book it at all is the booking core's to decide, as for any booking.

use crate::Weekdays;
use jiff::ToSpan;
use jiff::ZonedDateTime as Zoned;
use jiff::civil::{Date, Time};

/// How many days a waitlist entry lasts when the patient names no last day: the first day and
/// the 59 after it.
pub const DEFAULT_WAITLIST_DAYS: i32 = 60;

/// The longest stretch one entry may cover: a year.
pub const MAX_WAITLIST_DAYS: i32 = 366;

/// Minutes in a day: the end of a time of day that runs to midnight.
const DAY_MINUTES: u16 = 24 * 60;

/// What a waiting patient will take: slots starting on `weekdays`, at a local time from `from`
/// up to (not including) `to`, on a day from `first` to `last`, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaitlistWish {
    weekdays: Weekdays,
    /// Minutes after midnight.
    from: u16,
    /// Minutes after midnight, 1440 for the end of the day.
    to: u16,
    first: Date,
    last: Date,
}

/// Why a wish cannot make a waitlist entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum WishError {
    #[error("no weekday chosen")]
    NoWeekday,
    #[error("the time of day ends before it begins")]
    TimesReversed,
    #[error("the last day is before the first")]
    DaysReversed,
    #[error("the last day has passed")]
    DaysPassed,
    #[error("longer than a year")]
    TooLong,
    #[error("stored wish out of range")]
    Stored,
}

fn minutes(time: Time) -> u16 {
    // Hours below 24 and minutes below 60: always fits.
    u16::try_from(i32::from(time.hour()) * 60 + i32::from(time.minute())).unwrap_or(0)
}

impl WaitlistWish {
    /// The wish as a patient gave it. No `from` is the start of the day, no `to` its end; no
    /// `first` is today, no `last` the first and the [`DEFAULT_WAITLIST_DAYS`] − 1 after it. A
    /// first day in the past is today: what has passed cannot be offered anyway.
    pub fn new(
        weekdays: &[jiff::civil::Weekday],
        (from, to): (Option<Time>, Option<Time>),
        (first, last): (Option<Date>, Option<Date>),
        today: Date,
    ) -> Result<Self, WishError> {
        let weekdays = Weekdays::from_days(weekdays).map_err(|_| WishError::NoWeekday)?;
        let from = from.map_or(0, minutes);
        let to = to.map_or(DAY_MINUTES, minutes);
        if to <= from {
            return Err(WishError::TimesReversed);
        }
        let first = first.unwrap_or(today).max(today);
        let last = match last {
            Some(last) => last,
            None => first
                .checked_add((DEFAULT_WAITLIST_DAYS - 1).days())
                .map_err(|_| WishError::TooLong)?,
        };
        if last < today {
            return Err(WishError::DaysPassed);
        }
        if last < first {
            return Err(WishError::DaysReversed);
        }
        let days = first
            .until(last)
            .map_err(|_| WishError::TooLong)?
            .get_days();
        if days >= MAX_WAITLIST_DAYS {
            return Err(WishError::TooLong);
        }
        Ok(Self {
            weekdays,
            from,
            to,
            first,
            last,
        })
    }

    /// A wish as stored: the weekdays' mask (Monday bit 0), the minutes of the time of day
    /// and the days, checked again but not against today.
    pub fn stored(
        mask: i64,
        (from, to): (i64, i64),
        (first, last): (Date, Date),
    ) -> Result<Self, WishError> {
        let weekdays = Weekdays::from_mask(mask).map_err(|_| WishError::Stored)?;
        let from = u16::try_from(from).map_err(|_| WishError::Stored)?;
        let to = u16::try_from(to).map_err(|_| WishError::Stored)?;
        if to <= from || to > DAY_MINUTES || last < first {
            return Err(WishError::Stored);
        }
        Ok(Self {
            weekdays,
            from,
            to,
            first,
            last,
        })
    }

    pub fn weekdays(&self) -> Weekdays {
        self.weekdays
    }

    /// The time of day's bounds in minutes after midnight: from, and up to (not including).
    pub fn minutes(&self) -> (u16, u16) {
        (self.from, self.to)
    }

    /// The earliest start the wish takes, as a time of day.
    pub fn from_time(&self) -> Time {
        time_of(self.from)
    }

    /// The time of day the wish runs up to, `None` when it runs to the end of the day.
    pub fn to_time(&self) -> Option<Time> {
        (self.to < DAY_MINUTES).then(|| time_of(self.to))
    }

    pub fn first_day(&self) -> Date {
        self.first
    }

    pub fn last_day(&self) -> Date {
        self.last
    }

    /// Whether a slot starting at `start` (on the clinic's wall clock) is one the patient
    /// will take.
    pub fn matches(&self, start: &Zoned) -> bool {
        let minute = minutes(start.time());
        let day = start.date();
        self.weekdays.contains(start.weekday())
            && (self.from..self.to).contains(&minute)
            && (self.first..=self.last).contains(&day)
    }
}

fn time_of(minutes: u16) -> Time {
    // Below 1440 minutes: hours below 24, minutes below 60.
    let hour = i8::try_from(minutes / 60).unwrap_or(0);
    let minute = i8::try_from(minutes % 60).unwrap_or(0);
    Time::new(hour, minute, 0, 0).unwrap_or(Time::midnight())
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::{Weekday, date, time};

    const TODAY: Date = date(2026, 12, 14);

    fn oslo(day: Date, at: Time) -> Zoned {
        day.to_datetime(at)
            .to_zoned_datetime(crate::clinic_time_zone().expect("zone"))
            .expect("zoned")
    }

    fn mornings() -> WaitlistWish {
        WaitlistWish::new(
            &[
                Weekday::Monday,
                Weekday::Tuesday,
                Weekday::Wednesday,
                Weekday::Thursday,
                Weekday::Friday,
            ],
            (None, Some(time(10, 0, 0, 0))),
            (Some(date(2026, 12, 15)), Some(date(2026, 12, 31))),
            TODAY,
        )
        .expect("wish")
    }

    #[test]
    fn weekdays_before_ten_between_two_days() {
        let wish = mornings();
        // Tuesday 15 December at 08:00 and at 09:45: yes.
        assert!(wish.matches(&oslo(date(2026, 12, 15), time(8, 0, 0, 0))));
        assert!(wish.matches(&oslo(date(2026, 12, 15), time(9, 45, 0, 0))));
        // At 10:00: no, the time of day ends before it.
        assert!(!wish.matches(&oslo(date(2026, 12, 15), time(10, 0, 0, 0))));
        // Saturday the 19th: no.
        assert!(!wish.matches(&oslo(date(2026, 12, 19), time(8, 0, 0, 0))));
        // The last day is included; the day after is not; the day before the first is not.
        assert!(wish.matches(&oslo(date(2026, 12, 31), time(8, 0, 0, 0))));
        assert!(!wish.matches(&oslo(date(2027, 1, 1), time(8, 0, 0, 0))));
        assert!(!wish.matches(&oslo(date(2026, 12, 14), time(8, 0, 0, 0))));
    }

    #[test]
    fn the_wall_clock_decides_in_summer_and_winter() {
        let summer = WaitlistWish::new(
            &[Weekday::Monday],
            (Some(time(8, 0, 0, 0)), Some(time(9, 0, 0, 0))),
            (Some(date(2027, 6, 7)), Some(date(2027, 6, 7))),
            TODAY,
        )
        .expect("wish");
        // 08:30 in Oslo is 06:30 UTC in summer: matched by the wall clock, not UTC.
        assert!(summer.matches(&oslo(date(2027, 6, 7), time(8, 30, 0, 0))));
        assert!(!summer.matches(&oslo(date(2027, 6, 7), time(9, 0, 0, 0))));
    }

    #[test]
    fn defaults_fill_the_day_and_sixty_days_from_today() {
        let wish =
            WaitlistWish::new(&[Weekday::Friday], (None, None), (None, None), TODAY).expect("wish");
        assert_eq!(wish.minutes(), (0, 1440));
        assert_eq!(wish.from_time(), Time::midnight());
        assert_eq!(wish.to_time(), None);
        assert_eq!(
            (wish.first_day(), wish.last_day()),
            (TODAY, date(2027, 2, 11))
        );
        let past = WaitlistWish::new(
            &[Weekday::Friday],
            (None, None),
            (Some(date(2026, 12, 1)), Some(date(2026, 12, 20))),
            TODAY,
        )
        .expect("wish");
        assert_eq!(past.first_day(), TODAY);
    }

    #[test]
    fn bad_wishes_are_refused() {
        let days = (None, None);
        assert_eq!(
            WaitlistWish::new(&[], (None, None), days, TODAY),
            Err(WishError::NoWeekday)
        );
        assert_eq!(
            WaitlistWish::new(
                &[Weekday::Monday],
                (Some(time(10, 0, 0, 0)), Some(time(9, 0, 0, 0))),
                days,
                TODAY
            ),
            Err(WishError::TimesReversed)
        );
        assert_eq!(
            WaitlistWish::new(
                &[Weekday::Monday],
                (Some(time(10, 0, 0, 0)), Some(time(10, 0, 0, 0))),
                days,
                TODAY
            ),
            Err(WishError::TimesReversed)
        );
        assert_eq!(
            WaitlistWish::new(
                &[Weekday::Monday],
                (None, None),
                (Some(date(2027, 1, 5)), Some(date(2027, 1, 4))),
                TODAY
            ),
            Err(WishError::DaysReversed)
        );
        assert_eq!(
            WaitlistWish::new(
                &[Weekday::Monday],
                (None, None),
                (None, Some(date(2026, 12, 13))),
                TODAY
            ),
            Err(WishError::DaysPassed)
        );
        assert_eq!(
            WaitlistWish::new(
                &[Weekday::Monday],
                (None, None),
                (None, Some(date(2027, 12, 15))),
                TODAY
            ),
            Err(WishError::TooLong)
        );
    }

    #[test]
    fn a_stored_wish_reads_back_as_it_was() {
        let wish = mornings();
        let (from, to) = wish.minutes();
        let again = WaitlistWish::stored(
            i64::from(wish.weekdays().mask()),
            (i64::from(from), i64::from(to)),
            (wish.first_day(), wish.last_day()),
        )
        .expect("stored");
        assert_eq!(again, wish);
        assert_eq!(again.to_time(), Some(time(10, 0, 0, 0)));
        assert_eq!(
            WaitlistWish::stored(0, (0, 1440), (TODAY, TODAY)),
            Err(WishError::Stored)
        );
        assert_eq!(
            WaitlistWish::stored(1, (0, 1441), (TODAY, TODAY)),
            Err(WishError::Stored)
        );
    }
}
