use crate::{BookingRules, ClinicId, DomainError, TimebookId};
use serde::{Deserialize, Serialize};

/// The kinds of timebook the guide names: «Konsultasjon med fastlegen», whose places are the
/// clinic's GPs (each patient sees only their own), and the four ressurstimebøker, not tied to
/// anyone. In the order «Hva trenger du?» lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TimebookKind {
    Fastlege,
    Koronatest,
    Koronavaksine,
    Lab,
    Vaksine,
}

impl TimebookKind {
    pub const ALL: [Self; 5] = [
        Self::Fastlege,
        Self::Koronatest,
        Self::Koronavaksine,
        Self::Lab,
        Self::Vaksine,
    ];

    /// The stable code used in the database, configuration and URLs.
    pub fn code(self) -> &'static str {
        match self {
            Self::Fastlege => "fastlege",
            Self::Koronatest => "koronatest",
            Self::Koronavaksine => "koronavaksine",
            Self::Lab => "lab",
            Self::Vaksine => "vaksine",
        }
    }

    /// Whether each of the timebook's places is one of the clinic's GPs, booked only by the
    /// patients on that GP's list.
    pub fn practitioner_bound(self) -> bool {
        self == Self::Fastlege
    }

    pub fn parse(code: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.code() == code)
            .ok_or(DomainError::TimebookKind)
    }

    /// Fluent message of the patient title, «Time til … hos { $clinic }».
    pub fn title_message(self) -> &'static str {
        match self {
            Self::Fastlege => "timebook-title-fastlege",
            Self::Koronatest => "timebook-title-koronatest",
            Self::Koronavaksine => "timebook-title-koronavaksine",
            Self::Lab => "timebook-title-lab",
            Self::Vaksine => "timebook-title-vaksine",
        }
    }

    /// Fluent message of the label in «Hva trenger du?».
    pub fn service_label_message(self) -> &'static str {
        match self {
            Self::Fastlege => "timebook-service-fastlege",
            Self::Koronatest => "timebook-service-koronatest",
            Self::Koronavaksine => "timebook-service-koronavaksine",
            Self::Lab => "timebook-service-lab",
            Self::Vaksine => "timebook-service-vaksine",
        }
    }
}

/// How patients ask for a time in a timebook: by picking a free slot themself («Velg time»),
/// by sending a request (timeønske) that the office answers, or either.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum BookingMode {
    #[default]
    Slots,
    Requests,
    Both,
}

impl BookingMode {
    pub const ALL: [Self; 3] = [Self::Slots, Self::Requests, Self::Both];

    /// The stable code used in the database and in forms.
    pub fn code(self) -> &'static str {
        match self {
            Self::Slots => "slots",
            Self::Requests => "requests",
            Self::Both => "both",
        }
    }

    pub fn parse(code: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|mode| mode.code() == code)
            .ok_or(DomainError::BookingMode)
    }

    /// Patients pick free slots themself.
    pub fn takes_slots(self) -> bool {
        matches!(self, Self::Slots | Self::Both)
    }

    /// Patients may send a request for a time.
    pub fn takes_requests(self) -> bool {
        matches!(self, Self::Requests | Self::Both)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timebook {
    pub id: TimebookId,
    pub clinic_id: ClinicId,
    pub kind: TimebookKind,
    pub rules: BookingRules,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_unknown_codes_are_refused() {
        for kind in TimebookKind::ALL {
            assert_eq!(TimebookKind::parse(kind.code()), Ok(kind));
        }
        assert_eq!(
            TimebookKind::parse("tannlege"),
            Err(DomainError::TimebookKind)
        );
    }

    #[test]
    fn booking_modes_round_trip_and_say_what_they_take() {
        for mode in BookingMode::ALL {
            assert_eq!(BookingMode::parse(mode.code()), Ok(mode));
            assert!(mode.takes_slots() || mode.takes_requests());
        }
        assert!(!BookingMode::Requests.takes_slots());
        assert!(!BookingMode::Slots.takes_requests());
        assert_eq!(BookingMode::parse("alle"), Err(DomainError::BookingMode));
    }
}
