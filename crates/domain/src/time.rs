use crate::DomainError;
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

/// The time zone every clinic shows its times in. Instants are stored in UTC.
pub const CLINIC_TIME_ZONE: &str = "Europe/Oslo";

pub fn clinic_time_zone() -> Result<TimeZone, DomainError> {
    TimeZone::get(CLINIC_TIME_ZONE).map_err(|_| DomainError::TimeZone)
}

/// The first day a date from outside may name. jiff reaches from year -9999 to 9999, and a
/// day or a month added at either end panics; bookings, searches and templates live within a
/// few years of today, so two centuries either way leave all the room they need and keep any
/// sum of a date and a span of days or months far from jiff's ends.
pub const EARLIEST_DATE: Date = Date::constant(1900, 1, 1);
/// The last day a date from outside may name.
pub const LATEST_DATE: Date = Date::constant(2199, 12, 31);
/// [`EARLIEST_DATE`] at midnight UTC: the first instant from outside that is accepted.
pub const EARLIEST_INSTANT: Timestamp = Timestamp::constant(-2_208_988_800, 0);
/// The day after [`LATEST_DATE`] at midnight UTC: instants from outside end before it.
pub const END_INSTANT: Timestamp = Timestamp::constant(7_258_118_400, 0);

/// A date such as `2025-12-17` from a form or a query, within
/// [`EARLIEST_DATE`]`..=`[`LATEST_DATE`].
pub fn parse_date(text: &str) -> Result<Date, DomainError> {
    let date: Date = text.trim().parse().map_err(|_| DomainError::Date)?;
    check_date(date)
}

/// A date already read elsewhere, held to the same range as [`parse_date`].
pub fn check_date(date: Date) -> Result<Date, DomainError> {
    if (EARLIEST_DATE..=LATEST_DATE).contains(&date) {
        Ok(date)
    } else {
        Err(DomainError::DateOutOfRange)
    }
}

/// An instant with an offset such as `2025-12-17T08:15:00+01:00`, within
/// [`EARLIEST_INSTANT`]`..`[`END_INSTANT`].
pub fn parse_instant(text: &str) -> Result<Timestamp, DomainError> {
    let at: Timestamp = text.trim().parse().map_err(|_| DomainError::Date)?;
    check_instant(at)
}

/// An instant already read elsewhere, held to the same range as [`parse_instant`].
pub fn check_instant(at: Timestamp) -> Result<Timestamp, DomainError> {
    if (EARLIEST_INSTANT..END_INSTANT).contains(&at) {
        Ok(at)
    } else {
        Err(DomainError::DateOutOfRange)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_instant_bounds_are_the_date_bounds_at_midnight_utc() {
        assert_eq!(
            EARLIEST_INSTANT.to_zoned_datetime(TimeZone::UTC).date(),
            EARLIEST_DATE
        );
        assert_eq!(
            END_INSTANT.to_zoned_datetime(TimeZone::UTC).date(),
            LATEST_DATE.tomorrow().expect("a day after")
        );
        assert_eq!(
            END_INSTANT.to_zoned_datetime(TimeZone::UTC).time(),
            jiff::civil::Time::midnight()
        );
    }

    #[test]
    fn dates_far_from_today_are_refused() {
        assert_eq!(parse_date("2025-12-17").map(|d| d.year()), Ok(2025));
        assert_eq!(parse_date("1900-01-01"), Ok(EARLIEST_DATE));
        assert_eq!(parse_date("2199-12-31"), Ok(LATEST_DATE));
        for text in [
            "9999-12-30",
            "9999-12-31",
            "-009999-01-01",
            "1899-12-31",
            "2200-01-01",
        ] {
            assert_eq!(parse_date(text), Err(DomainError::DateOutOfRange), "{text}");
        }
        assert_eq!(parse_date("2025-13-01"), Err(DomainError::Date));
        assert_eq!(parse_date("i morgen"), Err(DomainError::Date));
    }

    #[test]
    fn instants_far_from_today_are_refused() {
        assert!(parse_instant("2025-12-17T08:15:00+01:00").is_ok());
        for text in [
            "9999-12-30T21:00:00Z",
            "-009999-01-02T01:59:59Z",
            "2200-01-01T00:00:00Z",
            "1899-12-31T23:59:59Z",
        ] {
            assert_eq!(
                parse_instant(text),
                Err(DomainError::DateOutOfRange),
                "{text}"
            );
        }
        assert_eq!(parse_instant("2025-12-17"), Err(DomainError::Date));
    }
}
