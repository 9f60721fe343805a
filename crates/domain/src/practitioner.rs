//! Fastleger: the practitioners of a clinic, each with their own list of patients (the
//! fastlegeliste). A clinic's list is the union of its practitioners' lists and the patients
//! listed to the clinic as a whole.

use crate::{ClinicId, DomainError, PersonName};
use serde::{Deserialize, Serialize};

/// An HPR number: Helsepersonellregisteret's number of a health professional, a positive whole
/// number of at most nine digits. Timebok knows of no check digit for it and applies none: the
/// form is checked here, and the register that feeds Timebok is trusted for the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct HprNumber(u32);

impl HprNumber {
    const MAX: u32 = 999_999_999;

    pub fn new(value: i64) -> Result<Self, DomainError> {
        match u32::try_from(value) {
            Ok(v) if (1..=Self::MAX).contains(&v) => Ok(Self(v)),
            _ => Err(DomainError::HprNumber),
        }
    }

    /// Digits only, spaces around them allowed: what the register's lines and forms hold.
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        let text = text.trim();
        if text.is_empty() || text.len() > 9 || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(DomainError::HprNumber);
        }
        Self::new(text.parse::<i64>().map_err(|_| DomainError::HprNumber)?)
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

impl TryFrom<i64> for HprNumber {
    type Error = DomainError;
    fn try_from(value: i64) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<HprNumber> for i64 {
    fn from(value: HprNumber) -> Self {
        i64::from(value.0)
    }
}

impl std::fmt::Display for HprNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// A practitioner of one clinic. The same HPR number may be a practitioner of two clinics (a
/// GP working at both), each with its own list there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Practitioner {
    pub id: crate::PractitionerId,
    pub clinic_id: ClinicId,
    pub hpr_number: HprNumber,
    pub first_name: PersonName,
    pub last_name: PersonName,
}

impl Practitioner {
    /// The name as patients and staff read it: «Test Fastlege».
    pub fn full_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_up_to_nine_digits() {
        assert_eq!(
            HprNumber::parse(" 9144900 ").map(HprNumber::get),
            Ok(9_144_900)
        );
        assert_eq!(
            HprNumber::parse("999999999").map(HprNumber::get),
            Ok(999_999_999)
        );
        assert_eq!(HprNumber::new(1).map(HprNumber::get), Ok(1));
    }

    #[test]
    fn refuses_zero_signs_words_and_ten_digits() {
        for bad in [
            "0",
            "000",
            "-5",
            "+5",
            "",
            " ",
            "12a",
            "1 234",
            "1000000000",
            "१२३",
        ] {
            assert_eq!(HprNumber::parse(bad), Err(DomainError::HprNumber), "{bad}");
        }
        for bad in [0, -1, 1_000_000_000, i64::MAX] {
            assert_eq!(HprNumber::new(bad), Err(DomainError::HprNumber), "{bad}");
        }
    }
}
