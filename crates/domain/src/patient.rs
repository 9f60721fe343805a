use crate::{ClinicId, NationalId, PersonName};

/// A patient (innbygger) on a GP office's list (fastlegeliste).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Patient {
    pub national_id: NationalId,
    pub first_name: PersonName,
    pub last_name: PersonName,
    pub clinic_id: ClinicId,
}
