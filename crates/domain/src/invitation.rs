//! Innkalling: the days an invitation to book a timebook is open for.

use jiff::ToSpan;
use jiff::civil::Date;

/// How many days an invitation is open when the office names no last day: the first day and
/// the 29 after it.
pub const DEFAULT_INVITATION_DAYS: i32 = 30;

/// The longest stretch one invitation may cover: a year.
pub const MAX_INVITATION_DAYS: i32 = 366;

/// The local days an invitation covers, both included: it lifts the per-patient limit for
/// slots starting on them, and expires at the end of the last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvitationDays {
    first: Date,
    last: Date,
}

/// Why the days an office chose cannot make an invitation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InvitationDaysError {
    #[error("the last day is before the first")]
    Reversed,
    #[error("the last day has passed")]
    Passed,
    #[error("longer than a year")]
    TooLong,
}

impl InvitationDays {
    /// The days from `first` (today when none) to `last` (the first and the
    /// [`DEFAULT_INVITATION_DAYS`] − 1 after it when none). A first day in the past is today's
    /// invitation with that last day: what has passed cannot be booked anyway.
    pub fn new(
        first: Option<Date>,
        last: Option<Date>,
        today: Date,
    ) -> Result<Self, InvitationDaysError> {
        let first = first.unwrap_or(today).max(today);
        let last = match last {
            Some(last) => last,
            None => first
                .checked_add((DEFAULT_INVITATION_DAYS - 1).days())
                .map_err(|_| InvitationDaysError::TooLong)?,
        };
        if last < today {
            return Err(InvitationDaysError::Passed);
        }
        if last < first {
            return Err(InvitationDaysError::Reversed);
        }
        let days = first
            .until(last)
            .map_err(|_| InvitationDaysError::TooLong)?
            .get_days();
        if days >= MAX_INVITATION_DAYS {
            return Err(InvitationDaysError::TooLong);
        }
        Ok(Self { first, last })
    }

    pub fn first(self) -> Date {
        self.first
    }

    pub fn last(self) -> Date {
        self.last
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    const TODAY: Date = date(2026, 3, 10);

    #[test]
    fn without_days_an_invitation_is_open_thirty_days_from_today() {
        let days = InvitationDays::new(None, None, TODAY).expect("days");
        assert_eq!((days.first(), days.last()), (TODAY, date(2026, 4, 8)));
        let from = InvitationDays::new(Some(date(2026, 5, 1)), None, TODAY).expect("days");
        assert_eq!(from.last(), date(2026, 5, 30));
    }

    #[test]
    fn a_range_is_kept_and_a_past_first_day_becomes_today() {
        let days = InvitationDays::new(Some(date(2026, 3, 1)), Some(date(2026, 3, 12)), TODAY)
            .expect("days");
        assert_eq!((days.first(), days.last()), (TODAY, date(2026, 3, 12)));
        let one = InvitationDays::new(Some(TODAY), Some(TODAY), TODAY).expect("one day");
        assert_eq!(one.first(), one.last());
    }

    #[test]
    fn reversed_passed_and_overlong_ranges_are_refused() {
        assert_eq!(
            InvitationDays::new(Some(date(2026, 4, 2)), Some(date(2026, 4, 1)), TODAY),
            Err(InvitationDaysError::Reversed)
        );
        assert_eq!(
            InvitationDays::new(None, Some(date(2026, 3, 9)), TODAY),
            Err(InvitationDaysError::Passed)
        );
        assert_eq!(
            InvitationDays::new(None, Some(date(2027, 3, 11)), TODAY),
            Err(InvitationDaysError::TooLong)
        );
        assert!(InvitationDays::new(None, Some(date(2027, 3, 10)), TODAY).is_ok());
    }
}
