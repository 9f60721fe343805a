use crate::DomainError;

/// A timebook's booking window and limits, as the clinic set them. The rules that apply them
/// are the booking core's (`crates/store/src/booking/rules.rs`), checked inside the booking
/// transaction; this type only keeps the values valid.
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_range_rules_are_refused() {
        assert!(BookingRules::new(-1, 14, 0, 1).is_err());
        assert!(BookingRules::new(0, 0, 0, 1).is_err());
        assert!(BookingRules::new(0, 400, 0, 1).is_err());
        assert!(BookingRules::new(0, 14, 0, 0).is_err());
        assert_eq!(BookingRules::default().max_future_appointments(), 1);
    }
}
