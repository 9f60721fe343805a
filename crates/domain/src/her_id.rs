use crate::DomainError;
use serde::{Deserialize, Serialize};

/// A HER-id: the address register's identifier of a clinic, a positive whole number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct HerId(u32);

impl HerId {
    pub fn new(value: i64) -> Result<Self, DomainError> {
        match u32::try_from(value) {
            Ok(v) if v > 0 => Ok(Self(v)),
            _ => Err(DomainError::HerId),
        }
    }

    pub fn parse(text: &str) -> Result<Self, DomainError> {
        let text = text.trim();
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(DomainError::HerId);
        }
        Self::new(text.parse::<i64>().map_err(|_| DomainError::HerId)?)
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

impl TryFrom<i64> for HerId {
    type Error = DomainError;
    fn try_from(value: i64) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<HerId> for i64 {
    fn from(value: HerId) -> Self {
        i64::from(value.0)
    }
}

impl std::fmt::Display for HerId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_positive_numbers() {
        assert_eq!(HerId::parse(" 8143060 ").map(HerId::get), Ok(8_143_060));
    }

    #[test]
    fn refuses_zero_negative_signs_and_words() {
        for bad in ["0", "-5", "+5", "", "12a", "99999999999"] {
            assert_eq!(HerId::parse(bad), Err(DomainError::HerId), "{bad}");
        }
        assert_eq!(HerId::new(0), Err(DomainError::HerId));
    }
}
