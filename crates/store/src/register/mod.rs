//! The register and the clinic's set-up, one small trait per concern: clinics and the
//! services the register has switched on for them (`clinics.rs`), their oppmøtesteder,
//! timebooks and places (`places.rs`), and their patients, the list and the blocks
//! (`patients.rs`).

mod clinics;
mod patients;
mod places;

pub use clinics::Clinics;
pub use patients::PatientList;
pub use places::Places;

/// Everything the register keeps.
pub trait Register: Clinics + Places + PatientList {}

impl<T: Clinics + Places + PatientList> Register for T {}
