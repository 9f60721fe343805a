use crate::{AppointmentId, DomainError, NationalId, Reason, SlotId};
use jiff::Timestamp;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AppointmentStatus {
    Booked,
    CancelledByPatient,
    CancelledByClinic,
    Fulfilled,
    NoShow,
}

impl AppointmentStatus {
    pub const ALL: [Self; 5] = [
        Self::Booked,
        Self::CancelledByPatient,
        Self::CancelledByClinic,
        Self::Fulfilled,
        Self::NoShow,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Booked => "booked",
            Self::CancelledByPatient => "cancelled_by_patient",
            Self::CancelledByClinic => "cancelled_by_clinic",
            Self::Fulfilled => "fulfilled",
            Self::NoShow => "no_show",
        }
    }

    pub fn parse(code: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|s| s.code() == code)
            .ok_or(DomainError::AppointmentStatus)
    }

    pub fn is_cancelled(self) -> bool {
        matches!(self, Self::CancelledByPatient | Self::CancelledByClinic)
    }
}

/// A timeavtale: one patient's booking of one place in a slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appointment {
    pub id: AppointmentId,
    pub slot_id: SlotId,
    pub patient: NationalId,
    pub reason: Reason,
    pub status: AppointmentStatus,
    pub booked_at: Timestamp,
}
