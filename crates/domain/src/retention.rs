//! How long Timebok keeps what patients and staff wrote, and what it did for them. Health
//! data is kept no longer than it is needed: the journal system is the patient's record,
//! Timebok only the booking's. Periods are whole days, counted from when a record was last
//! of use (see each field).

use serde::{Deserialize, Serialize};

/// The shortest audit period: the log must outlive for some time the data whose use it records.
pub const MIN_AUDIT_DAYS: u32 = 365;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RetentionPolicy {
    /// «Hva gjelder det?» of an appointment, and of a timeønske, this many days after the
    /// appointment's start (the request's answer or last day); and the office's reason for
    /// a cancellation. The reason helps the office prepare and follow up; what the GP must
    /// keep belongs in the journal.
    pub reason_days: u32,
    /// A message thread, with its messages, this many days after its last message.
    pub message_days: u32,
    /// A finished notification job (its recipient, its outcome) this many days after it was
    /// sent, skipped or given up, and after its appointment: long enough to answer «I never
    /// got the SMS».
    pub notification_days: u32,
    /// The audit log's entries, this many days after they were written. At least
    /// [`MIN_AUDIT_DAYS`].
    pub audit_days: u32,
}

impl Default for RetentionPolicy {
    fn default() -> Self {
        Self {
            reason_days: 90,
            message_days: 365,
            notification_days: 30,
            audit_days: 5 * 365,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RetentionError {
    #[error("[retention] {0} must be at least one day")]
    TooShort(&'static str),
    #[error("[retention] audit_days must be at least {MIN_AUDIT_DAYS}")]
    AuditTooShort,
}

impl RetentionPolicy {
    pub fn check(&self) -> Result<(), RetentionError> {
        for (name, days) in [
            ("reason_days", self.reason_days),
            ("message_days", self.message_days),
            ("notification_days", self.notification_days),
        ] {
            if days == 0 {
                return Err(RetentionError::TooShort(name));
            }
        }
        if self.audit_days < MIN_AUDIT_DAYS {
            return Err(RetentionError::AuditTooShort);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_hold_and_too_short_periods_are_refused() {
        assert_eq!(RetentionPolicy::default().check(), Ok(()));
        let none = RetentionPolicy {
            message_days: 0,
            ..RetentionPolicy::default()
        };
        assert_eq!(none.check(), Err(RetentionError::TooShort("message_days")));
        let audit = RetentionPolicy {
            audit_days: 30,
            ..RetentionPolicy::default()
        };
        assert_eq!(audit.check(), Err(RetentionError::AuditTooShort));
    }
}
