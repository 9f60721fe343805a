//! Types of appointment a timebook offers, such as a GP's ordinary 20-minute consultation, a
//! 40-minute double consultation or a telephone consultation. The patient picks one before the
//! calendar.
//!
//! A type is booked into a slot of its own length: «Dobbelttime» of 40 minutes into the
//! office's 40-minute slots, the ordinary type of 20 minutes into the 20-minute ones. One
//! appointment always takes one slot, so the booking core's one conditional update of one
//! slot's count is still all that stands between two patients and one place; a type that
//! spanned two adjacent slots would have to take both in one transaction and free both on
//! every cancellation and move. And an ordinary consultation never takes a place the office
//! published for a long one.

use crate::{AppointmentTypeId, AppointmentTypeName, SlotLength, TimebookId};

/// How the patient meets the GP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Attendance {
    /// At the place's oppmøtested.
    InPerson,
    /// The GP calls the patient.
    Telephone,
}

impl Attendance {
    pub fn code(self) -> &'static str {
        match self {
            Self::InPerson => "in_person",
            Self::Telephone => "telephone",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        match code {
            "in_person" => Some(Self::InPerson),
            "telephone" => Some(Self::Telephone),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppointmentType {
    pub id: AppointmentTypeId,
    pub timebook_id: TimebookId,
    pub name: AppointmentTypeName,
    /// The length of the slots it is booked into.
    pub length: SlotLength,
    pub attendance: Attendance,
}

impl AppointmentType {
    /// Whether an appointment of this type may be booked into a slot of `length`.
    pub fn fits(&self, length: SlotLength) -> bool {
        self.length == length
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn double() -> AppointmentType {
        AppointmentType {
            id: AppointmentTypeId(1),
            timebook_id: TimebookId(1),
            name: AppointmentTypeName::parse("Dobbelttime").expect("name"),
            length: SlotLength::minutes(40).expect("length"),
            attendance: Attendance::InPerson,
        }
    }

    #[test]
    fn a_type_fits_slots_of_its_own_length_only() {
        let double = double();
        assert!(double.fits(SlotLength::minutes(40).expect("length")));
        assert!(!double.fits(SlotLength::minutes(20).expect("length")));
        assert!(!double.fits(SlotLength::minutes(60).expect("length")));
    }

    #[test]
    fn attendance_codes_read_back() {
        for a in [Attendance::InPerson, Attendance::Telephone] {
            assert_eq!(Attendance::parse(a.code()), Some(a));
        }
        assert_eq!(Attendance::parse("video"), None);
    }
}
