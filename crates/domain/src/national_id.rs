use crate::DomainError;
use jiff::civil::Date;

/// Whether synthetic test numbers are accepted. Production refuses them; test and demo
/// installations accept them, because real people's numbers must never be used there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct IdPolicy {
    pub accept_synthetic: bool,
}

impl IdPolicy {
    pub const PRODUCTION: Self = Self {
        accept_synthetic: false,
    };
    pub const TEST: Self = Self {
        accept_synthetic: true,
    };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NationalIdKind {
    Fodselsnummer,
    /// Given to people without a fødselsnummer; its day is raised by 40.
    DNummer,
}

/// A Norwegian fødselsnummer or D-nummer: 11 digits with both mod-11 check digits valid and
/// a real birth date.
///
/// Synthetic test numbers (Skatteetaten's Tenor numbers with the month raised by 80, and the
/// older convention of raising it by 40) are accepted only under [`IdPolicy::TEST`].
///
/// `Debug` hides the digits so that a number cannot reach a log by accident, and there is
/// deliberately no `Display`: the digits are read only through [`NationalId::as_str`].
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NationalId(String);

const WEIGHTS_1: [u32; 9] = [3, 7, 6, 1, 8, 9, 4, 5, 2];
const WEIGHTS_2: [u32; 10] = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];

fn check_digit(digits: &[u32], weights: &[u32]) -> Option<u32> {
    let sum: u32 = digits.iter().zip(weights).map(|(d, w)| d * w).sum();
    match 11 - sum % 11 {
        11 => Some(0),
        10 => None,
        k => Some(k),
    }
}

struct Parts {
    kind: NationalIdKind,
    synthetic: bool,
    birth_date: Date,
}

fn century(year: i16, individual: u32) -> Option<i16> {
    match individual {
        0..=499 => Some(1900),
        500..=749 if year >= 54 => Some(1800),
        500..=999 if year < 40 => Some(2000),
        900..=999 if year >= 40 => Some(1900),
        _ => None,
    }
}

fn decode(digits: &[u32; 11]) -> Result<Parts, DomainError> {
    let pair = |i: usize| digits[i] * 10 + digits[i + 1];
    let (mut day, mut month, year) = (pair(0), pair(2), pair(4));
    let individual = digits[6] * 100 + digits[7] * 10 + digits[8];
    let kind = if day > 40 {
        day -= 40;
        NationalIdKind::DNummer
    } else {
        NationalIdKind::Fodselsnummer
    };
    let synthetic = month > 40;
    if month > 80 {
        month -= 80;
    } else if month > 40 {
        month -= 40;
    }
    let year = i16::try_from(year).map_err(|_| DomainError::NationalIdDate)?;
    let full_year = century(year, individual).ok_or(DomainError::NationalIdDate)? + year;
    let birth_date = Date::new(
        full_year,
        i8::try_from(month).map_err(|_| DomainError::NationalIdDate)?,
        i8::try_from(day).map_err(|_| DomainError::NationalIdDate)?,
    )
    .map_err(|_| DomainError::NationalIdDate)?;
    Ok(Parts {
        kind,
        synthetic,
        birth_date,
    })
}

impl NationalId {
    /// Parses a number as typed by a person: spaces are ignored, anything else is refused.
    pub fn parse(text: &str, policy: IdPolicy) -> Result<Self, DomainError> {
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let digits: Vec<u32> = compact.chars().map_while(|c| c.to_digit(10)).collect();
        let digits: [u32; 11] = match (digits.len() == compact.chars().count(), digits.try_into()) {
            (true, Ok(d)) => d,
            _ => return Err(DomainError::NationalIdFormat),
        };
        if check_digit(&digits[..9], &WEIGHTS_1) != Some(digits[9])
            || check_digit(&digits[..10], &WEIGHTS_2) != Some(digits[10])
        {
            return Err(DomainError::NationalIdChecksum);
        }
        let parts = decode(&digits)?;
        if parts.synthetic && !policy.accept_synthetic {
            return Err(DomainError::SyntheticIdRefused);
        }
        Ok(Self(compact))
    }

    /// Builds a synthetic (Tenor-style, month + 80) fødselsnummer for a birth date, for demo
    /// data and tests. `individual` picks among the numbers of that day; those that would
    /// need the check digit 10 are skipped, so the result is always valid.
    pub fn synthetic(birth_date: Date, individual: u16) -> Result<Self, DomainError> {
        Self::synthetic_day(birth_date)?
            .into_iter()
            .nth(usize::from(individual))
            .ok_or(DomainError::NationalIdFormat)
    }

    /// Every synthetic fødselsnummer of a birth date, in the order [`NationalId::synthetic`]
    /// numbers them: a few hundred, for tests and benchmarks that need many patients.
    pub fn synthetic_day(birth_date: Date) -> Result<Vec<Self>, DomainError> {
        let year = birth_date.year();
        let base: u32 = match year {
            1900..=1999 => 0,
            2000..=2039 => 500,
            _ => return Err(DomainError::NationalIdDate),
        };
        let yy = u32::try_from(year % 100).map_err(|_| DomainError::NationalIdDate)?;
        let dd = u32::try_from(birth_date.day()).map_err(|_| DomainError::NationalIdDate)?;
        let mm = u32::try_from(birth_date.month()).map_err(|_| DomainError::NationalIdDate)? + 80;
        let mut ids = Vec::new();
        for ind in base..base + 500 {
            let mut digits = [0u32; 11];
            let head = format!("{dd:02}{mm:02}{yy:02}{ind:03}");
            for (slot, c) in digits.iter_mut().zip(head.chars()) {
                *slot = c.to_digit(10).ok_or(DomainError::NationalIdFormat)?;
            }
            let Some(k1) = check_digit(&digits[..9], &WEIGHTS_1) else {
                continue;
            };
            digits[9] = k1;
            let Some(k2) = check_digit(&digits[..10], &WEIGHTS_2) else {
                continue;
            };
            digits[10] = k2;
            let text: String = digits.iter().map(|d| char::from(b'0' + *d as u8)).collect();
            ids.push(Self::parse(&text, IdPolicy::TEST)?);
        }
        Ok(ids)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn parts(&self) -> Parts {
        let mut digits = [0u32; 11];
        for (slot, c) in digits.iter_mut().zip(self.0.chars()) {
            *slot = c.to_digit(10).unwrap_or(0);
        }
        // Only valid numbers are ever constructed, so decoding cannot fail here; the fallback
        // keeps the accessor total without a panic path.
        decode(&digits).unwrap_or(Parts {
            kind: NationalIdKind::Fodselsnummer,
            synthetic: false,
            birth_date: Date::ZERO,
        })
    }

    pub fn kind(&self) -> NationalIdKind {
        self.parts().kind
    }

    pub fn is_synthetic(&self) -> bool {
        self.parts().synthetic
    }

    pub fn birth_date(&self) -> Date {
        self.parts().birth_date
    }
}

impl std::fmt::Debug for NationalId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NationalId(***********)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use proptest::prelude::*;

    // Valid numbers born 1 January 2007 (the D-nummer has its day raised by 40).
    const VALID_FNR: &str = "01010750160";
    const VALID_DNR: &str = "41010750073";

    #[test]
    fn accepts_a_valid_fodselsnummer_and_reads_its_birth_date() {
        let id = NationalId::parse(VALID_FNR, IdPolicy::PRODUCTION).expect("valid");
        assert_eq!(id.kind(), NationalIdKind::Fodselsnummer);
        assert_eq!(id.birth_date(), date(2007, 1, 1));
        assert!(!id.is_synthetic());
    }

    #[test]
    fn accepts_a_valid_d_nummer() {
        let id = NationalId::parse(VALID_DNR, IdPolicy::PRODUCTION).expect("valid");
        assert_eq!(id.kind(), NationalIdKind::DNummer);
        assert_eq!(id.birth_date(), date(2007, 1, 1));
    }

    #[test]
    fn ignores_spaces_typed_by_people() {
        assert!(NationalId::parse(" 010107 50160 ", IdPolicy::PRODUCTION).is_ok());
    }

    #[test]
    fn refuses_wrong_length_and_letters() {
        for bad in [
            "",
            "0101075016",
            "010107501601",
            "0101075016a",
            "01010-50160",
        ] {
            assert_eq!(
                NationalId::parse(bad, IdPolicy::TEST),
                Err(DomainError::NationalIdFormat),
                "{bad}"
            );
        }
    }

    #[test]
    fn refuses_a_wrong_first_or_second_check_digit() {
        assert_eq!(
            NationalId::parse("01010750170", IdPolicy::TEST),
            Err(DomainError::NationalIdChecksum)
        );
        assert_eq!(
            NationalId::parse("01010750161", IdPolicy::TEST),
            Err(DomainError::NationalIdChecksum)
        );
    }

    #[test]
    fn synthetic_numbers_only_where_configured() {
        let id = NationalId::synthetic(date(1985, 12, 17), 0).expect("synthetic");
        assert!(id.is_synthetic());
        assert_eq!(id.birth_date(), date(1985, 12, 17));
        assert_eq!(
            NationalId::parse(id.as_str(), IdPolicy::PRODUCTION),
            Err(DomainError::SyntheticIdRefused)
        );
        assert_eq!(NationalId::parse(id.as_str(), IdPolicy::TEST), Ok(id));
    }

    #[test]
    fn refuses_impossible_dates_even_with_good_check_digits() {
        // 30 February 1985, with every individual number whose check digits come out valid.
        let mut tried = 0;
        for ind in 0..500u32 {
            let mut digits: Vec<u32> = format!("300285{ind:03}")
                .chars()
                .filter_map(|c| c.to_digit(10))
                .collect();
            let Some(k1) = check_digit(&digits, &WEIGHTS_1) else {
                continue;
            };
            digits.push(k1);
            let Some(k2) = check_digit(&digits, &WEIGHTS_2) else {
                continue;
            };
            digits.push(k2);
            let text: String = digits.iter().map(|d| char::from(b'0' + *d as u8)).collect();
            assert_eq!(
                NationalId::parse(&text, IdPolicy::TEST),
                Err(DomainError::NationalIdDate)
            );
            tried += 1;
        }
        assert!(tried > 100);
    }

    #[test]
    fn debug_output_never_shows_the_digits() {
        let id = NationalId::parse(VALID_FNR, IdPolicy::PRODUCTION).expect("valid");
        assert!(!format!("{id:?}").contains("0101"));
    }

    proptest! {
        #[test]
        fn changing_any_one_digit_is_caught(pos in 0usize..11, delta in 1u32..10) {
            let mut digits: Vec<u32> = VALID_FNR.chars().filter_map(|c| c.to_digit(10)).collect();
            digits[pos] = (digits[pos] + delta) % 10;
            let text: String = digits.iter().map(|d| char::from(b'0' + *d as u8)).collect();
            prop_assert!(NationalId::parse(&text, IdPolicy::TEST).is_err());
        }

        #[test]
        fn every_generated_synthetic_number_parses(days in 0i32..40_000, ind in 0u16..100) {
            let birth = date(1920, 1, 1).checked_add(jiff::Span::new().days(days)).expect("date");
            let id = NationalId::synthetic(birth, ind).expect("generated");
            prop_assert_eq!(id.birth_date(), birth);
        }
    }
}
