use crate::{
    Address, BlockReason, ClinicId, ClinicName, Description, HerId, InfoText, LocationId,
    NationalId, ResourceId, ResourceName, TimebookId,
};
use jiff::Timestamp;

/// A GP office (legekontor).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clinic {
    pub id: ClinicId,
    pub her_id: HerId,
    pub name: ClinicName,
    /// «Informasjon fra legekontoret».
    pub info: InfoText,
    /// Set by the operator in the register.
    pub org_number: Option<crate::OrgNumber>,
    /// Where patients call the clinic; set by the operator in the register.
    pub phone: Option<crate::PhoneNumber>,
    /// The municipality the clinic lies in; set by the operator in the register.
    pub municipality: Option<crate::Municipality>,
}

/// An oppmøtested: where the patient shows up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub id: LocationId,
    pub clinic_id: ClinicId,
    pub address: Address,
}

/// A bookable resource (sted) of a timebook, such as «Influensa».
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    pub id: ResourceId,
    pub timebook_id: TimebookId,
    pub name: ResourceName,
    pub description: Description,
    pub location: Location,
    /// The GP whose place this is, in a timebook of «Konsultasjon med fastlegen»: only the
    /// patients on their list book it.
    pub practitioner: Option<crate::PractitionerId>,
}

/// A clinic's block (sperring) of a patient who misused the service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub clinic_id: ClinicId,
    pub patient: NationalId,
    pub reason: BlockReason,
    pub blocked_at: Timestamp,
}
