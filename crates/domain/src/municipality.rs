//! The Norwegian municipality (kommune) a clinic lies in, as the register keeps it: its
//! four-digit number (kommunenummer), whose first two digits are its county's (fylke), and
//! its name. Slot finders filter places by municipality and county; the FHIR Location gives
//! them as `address.district` and `address.state`.

use crate::{DomainError, MunicipalityName};

/// The counties since 1 January 2024, by their two-digit number.
const COUNTIES: [(&str, &str); 15] = [
    ("03", "Oslo"),
    ("11", "Rogaland"),
    ("15", "Møre og Romsdal"),
    ("18", "Nordland"),
    ("31", "Østfold"),
    ("32", "Akershus"),
    ("33", "Buskerud"),
    ("34", "Innlandet"),
    ("39", "Vestfold"),
    ("40", "Telemark"),
    ("42", "Agder"),
    ("46", "Vestland"),
    ("50", "Trøndelag"),
    ("55", "Troms"),
    ("56", "Finnmark"),
];

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Municipality {
    number: String,
    name: MunicipalityName,
    county: &'static str,
}

impl Municipality {
    /// `number` as «3201» (four digits of a county that exists), `name` as «Bærum».
    pub fn parse(number: &str, name: &str) -> Result<Self, DomainError> {
        let number = number.trim();
        let county = (number.len() == 4 && number.bytes().all(|b| b.is_ascii_digit()))
            .then(|| COUNTIES.iter().find(|(code, _)| number.starts_with(code)))
            .flatten()
            .map(|(_, county)| *county)
            .ok_or(DomainError::MunicipalityNumber)?;
        Ok(Self {
            number: number.to_owned(),
            name: MunicipalityName::parse(name)?,
            county,
        })
    }

    /// As the register stores it: «3201 Bærum».
    pub fn parse_stored(stored: &str) -> Result<Self, DomainError> {
        let (number, name) = stored
            .split_once(' ')
            .ok_or(DomainError::MunicipalityNumber)?;
        Self::parse(number, name)
    }

    pub fn number(&self) -> &str {
        &self.number
    }

    pub fn name(&self) -> &str {
        self.name.as_str()
    }

    /// The county's name, such as «Akershus».
    pub fn county(&self) -> &'static str {
        self.county
    }
}

impl std::fmt::Display for Municipality {
    /// «3201 Bærum», as stored.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.number, self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_county_comes_from_the_first_two_digits() {
        let baerum = Municipality::parse(" 3201 ", " Bærum ").expect("Bærum");
        assert_eq!(baerum.number(), "3201");
        assert_eq!(baerum.name(), "Bærum");
        assert_eq!(baerum.county(), "Akershus");
        assert_eq!(baerum.to_string(), "3201 Bærum");
        assert_eq!(Municipality::parse_stored("3201 Bærum"), Ok(baerum));
        let oslo = Municipality::parse("0301", "Oslo").expect("Oslo");
        assert_eq!(oslo.county(), "Oslo");
        let tromso = Municipality::parse_stored("5501 Tromsø").expect("Tromsø");
        assert_eq!(tromso.county(), "Troms");
    }

    #[test]
    fn numbers_of_no_county_and_empty_names_are_refused() {
        for number in ["", "301", "03011", "0a01", "3001", "9999", "2111", "-301"] {
            assert_eq!(
                Municipality::parse(number, "Et sted"),
                Err(DomainError::MunicipalityNumber),
                "{number}"
            );
        }
        assert!(Municipality::parse("3201", " ").is_err());
        assert!(Municipality::parse_stored("3201").is_err());
        assert!(Municipality::parse("3201", &"x".repeat(101)).is_err());
    }
}
