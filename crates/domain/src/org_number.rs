use crate::DomainError;

/// A Norwegian organisation number (organisasjonsnummer): nine digits, the last a mod-11
/// check digit over the first eight.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OrgNumber(String);

const WEIGHTS: [u32; 8] = [3, 2, 7, 6, 5, 4, 3, 2];

impl OrgNumber {
    /// Reads a number as typed; spaces are ignored.
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let digits: Vec<u32> = compact.chars().map_while(|c| c.to_digit(10)).collect();
        if digits.len() != 9 || compact.chars().count() != 9 {
            return Err(DomainError::OrgNumber);
        }
        let sum: u32 = digits.iter().zip(WEIGHTS).map(|(d, w)| d * w).sum();
        let check = match 11 - sum % 11 {
            11 => 0,
            10 => return Err(DomainError::OrgNumber),
            k => k,
        };
        if check != digits[8] {
            return Err(DomainError::OrgNumber);
        }
        Ok(Self(compact))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for OrgNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_numbers_pass_and_others_are_refused() {
        // Brønnøysundregistrene's own organisation number.
        assert_eq!(
            OrgNumber::parse("974 760 673").map(|o| o.to_string()),
            Ok("974760673".into())
        );
        for bad in ["974760674", "97476067", "9747606733", "97476067a", ""] {
            assert_eq!(OrgNumber::parse(bad), Err(DomainError::OrgNumber), "{bad}");
        }
    }
}
