//! The register and the clinic's set-up, one small trait per concern: clinics and the
//! services the register has switched on for them (`clinics.rs`), their oppmøtesteder,
//! timebooks and places (`places.rs`), their patients, the list and the blocks
//! (`patients.rs`), and their practitioners with each one's list (`practitioners.rs`).

mod clinics;
mod patients;
mod places;
mod practitioners;

pub use clinics::Clinics;
pub use patients::PatientList;
pub(crate) use places::timebook_changed_for_finders;
pub use places::{NewAppointmentType, NewPlace, Places};
pub use practitioners::{ListedPractitioner, Practitioners};

/// Everything the register keeps.
pub trait Register: Clinics + Places + PatientList + Practitioners {}

impl<T: Clinics + Places + PatientList + Practitioners> Register for T {}
