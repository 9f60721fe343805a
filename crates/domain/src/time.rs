use crate::DomainError;
use jiff::tz::TimeZone;

/// The time zone every clinic shows its times in. Instants are stored in UTC.
pub const CLINIC_TIME_ZONE: &str = "Europe/Oslo";

pub fn clinic_time_zone() -> Result<TimeZone, DomainError> {
    TimeZone::get(CLINIC_TIME_ZONE).map_err(|_| DomainError::TimeZone)
}
