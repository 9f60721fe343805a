use crate::DomainError;
use jiff::{SignedDuration, Timestamp};

/// A timebook's booking window and limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BookingRules {
    min_notice_minutes: u32,
    horizon_days: u32,
    cancel_deadline_minutes: u32,
    max_future_appointments: u32,
}

impl Default for BookingRules {
    /// Half an hour's notice, six weeks ahead, cancellation until 24 hours before, and one
    /// future appointment per patient and timebook.
    fn default() -> Self {
        Self {
            min_notice_minutes: 30,
            horizon_days: 42,
            cancel_deadline_minutes: 24 * 60,
            max_future_appointments: 1,
        }
    }
}

fn in_range(value: i64, max: u32, what: &'static str, min: u32) -> Result<u32, DomainError> {
    u32::try_from(value)
        .ok()
        .filter(|v| (min..=max).contains(v))
        .ok_or(DomainError::BookingRule(what))
}

impl BookingRules {
    pub fn new(
        min_notice_minutes: i64,
        horizon_days: i64,
        cancel_deadline_minutes: i64,
        max_future_appointments: i64,
    ) -> Result<Self, DomainError> {
        Ok(Self {
            min_notice_minutes: in_range(min_notice_minutes, 60 * 24 * 30, "minimum notice", 0)?,
            horizon_days: in_range(horizon_days, 366, "planning horizon", 1)?,
            cancel_deadline_minutes: in_range(
                cancel_deadline_minutes,
                60 * 24 * 30,
                "cancellation deadline",
                0,
            )?,
            max_future_appointments: in_range(
                max_future_appointments,
                50,
                "appointments per patient",
                1,
            )?,
        })
    }

    pub fn min_notice_minutes(&self) -> u32 {
        self.min_notice_minutes
    }
    pub fn horizon_days(&self) -> u32 {
        self.horizon_days
    }
    pub fn cancel_deadline_minutes(&self) -> u32 {
        self.cancel_deadline_minutes
    }
    pub fn max_future_appointments(&self) -> u32 {
        self.max_future_appointments
    }

    /// The earliest start a patient may book at `now`.
    pub fn earliest_start(&self, now: Timestamp) -> Timestamp {
        now.saturating_add(SignedDuration::from_mins(i64::from(
            self.min_notice_minutes,
        )))
        .unwrap_or(now)
    }

    /// The latest start a patient may book at `now`.
    pub fn latest_start(&self, now: Timestamp) -> Timestamp {
        now.saturating_add(SignedDuration::from_hours(
            24 * i64::from(self.horizon_days),
        ))
        .unwrap_or(now)
    }

    /// Both ends are included. `timebok_reserve` in the PostgreSQL migrations computes the same
    /// window in SQL; the store's contract suite checks the two agree at both ends.
    pub fn is_bookable(&self, now: Timestamp, start: Timestamp) -> bool {
        start >= self.earliest_start(now) && start <= self.latest_start(now)
    }

    /// Whether the patient may still cancel an appointment starting at `start`.
    pub fn patient_may_cancel(&self, now: Timestamp, start: Timestamp) -> bool {
        now <= cancel_until(start, i64::from(self.cancel_deadline_minutes))
    }
}

/// Until when a patient may cancel an appointment starting at `start` themselves, with the
/// timebook's deadline in minutes before the start.
pub fn cancel_until(start: Timestamp, deadline_minutes: i64) -> Timestamp {
    start
        .saturating_sub(SignedDuration::from_mins(deadline_minutes))
        .unwrap_or(start)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().expect("timestamp")
    }

    #[test]
    fn window_has_minimum_notice_and_horizon() {
        let rules = BookingRules::new(60, 14, 120, 1).expect("rules");
        let now = at("2026-03-02T08:00:00Z");
        assert!(!rules.is_bookable(now, at("2026-03-02T08:59:00Z")));
        assert!(rules.is_bookable(now, at("2026-03-02T09:00:00Z")));
        assert!(rules.is_bookable(now, at("2026-03-16T08:00:00Z")));
        assert!(!rules.is_bookable(now, at("2026-03-16T08:01:00Z")));
        assert!(!rules.is_bookable(now, at("2026-03-01T08:00:00Z")));
    }

    #[test]
    fn patients_cancel_until_the_deadline() {
        let rules = BookingRules::new(0, 14, 120, 1).expect("rules");
        let start = at("2026-03-02T12:00:00Z");
        assert!(rules.patient_may_cancel(at("2026-03-02T10:00:00Z"), start));
        assert!(!rules.patient_may_cancel(at("2026-03-02T10:00:01Z"), start));
    }

    #[test]
    fn out_of_range_rules_are_refused() {
        assert!(BookingRules::new(-1, 14, 0, 1).is_err());
        assert!(BookingRules::new(0, 0, 0, 1).is_err());
        assert!(BookingRules::new(0, 400, 0, 1).is_err());
        assert!(BookingRules::new(0, 14, 0, 0).is_err());
        assert_eq!(BookingRules::default().max_future_appointments(), 1);
    }
}
