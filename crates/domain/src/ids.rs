use serde::{Deserialize, Serialize};

macro_rules! row_id {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

row_id!(
    /// A clinic (legekontor) known to the register.
    ClinicId,
    /// A timebook (ressurstimebok) of one clinic.
    TimebookId,
    /// A bookable resource (sted), such as «Influensa».
    ResourceId,
    /// An oppmøtested.
    LocationId,
    /// A published or unpublished slot.
    SlotId,
    /// An appointment (timeavtale).
    AppointmentId,
    /// A short-lived hold a patient has on a slot while reviewing a booking.
    HoldId,
    /// A recurring slot template.
    TemplateId,
    /// A conversation (henvendelse) between a patient and their GP office.
    ThreadId,
    /// One message in a thread.
    MessageId,
    /// A practitioner (fastlege) of one clinic.
    PractitionerId,
    /// A timebook's type of appointment, such as a double consultation.
    AppointmentTypeId,
);
